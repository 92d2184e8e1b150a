"""The ledger listens to the domains below it: money received or refunded is entered in the sender's
transaction. Imported once by create_app, so that every process that builds the app (web, Celery
workers, the CLI, tests) has these connected."""

from marketplace.ledger import entries
from marketplace.payments import events as payments
from marketplace.procurement import events as procurement

payments.order_paid.connect(entries.record_order_paid)
payments.refund_succeeded.connect(entries.record_refund)
procurement.purchase_order_paid.connect(entries.record_purchase_order_paid)
