"""The alerts listen to payments: admins are alerted at the moment money goes wrong, in the sender's
transaction. Imported once by create_app, so that every process that builds the app (web, Celery
workers, the CLI, tests) has these connected."""

from marketplace.alerts import services
from marketplace.payments import events as payments

payments.payment_rejected.connect(services.payment_mismatch)
payments.refund_failed.connect(services.refund_failed)
payments.provider_event_failed.connect(services.payment_event_failed)
