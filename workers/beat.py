"""The beat schedule (times are China time)."""

from celery.schedules import crontab

TIMEZONE = "Asia/Shanghai"
# The modules whose tasks the workers run: each domain's beside its code.
TASK_MODULES = [
    "marketplace.health.tasks",
    "marketplace.certification.tasks",
    "marketplace.payments.tasks",
    "marketplace.outbox.tasks",
    "marketplace.ledger.tasks",
    "marketplace.procurement.tasks",
    "marketplace.alerts.tasks",
    "marketplace.notifications.tasks",
    "marketplace.idempotency",
    "marketplace.mail",
]
SCHEDULE = {
    "record-heartbeat": {"task": "system.record_heartbeat", "schedule": 60.0},
    "advance-certifications": {
        "task": "certification.advance_daily",
        "schedule": crontab(hour=0, minute=10),  # just after the date turns
    },
    "expire-reservations": {"task": "orders.expire_reservations", "schedule": 60.0},
    "dispatch-outbox": {"task": "outbox.dispatch_pending", "schedule": 30.0},
    # Webhook events handed over while no claim task came (one lost): intake sends one at once otherwise.
    "claim-webhook-events": {"task": "payments.claim_received", "schedule": 30.0},
    "reconcile-payments": {"task": "payments.reconcile_recent", "schedule": crontab(minute=17)},
    "monthly-ledger-reports": {
        "task": "ledger.monthly_reports",
        "schedule": crontab(day_of_month=1, hour=1, minute=0),  # the month before is complete
    },
    "make-stale-reports": {"task": "ledger.make_stale_reports", "schedule": crontab(minute="*/15")},
    "raise-alerts": {"task": "alerts.raise_daily", "schedule": crontab(hour=6, minute=30)},
    "weekly-alert-digests": {
        "task": "notifications.send_weekly_digests",
        "schedule": crontab(day_of_week="mon", hour=8, minute=0),  # after the day's alerts, as offices open
    },
    "purge-idempotency-keys": {"task": "idempotency.purge_expired", "schedule": crontab(minute=41)},
}
