"""Tasks that watch the service itself."""

from celery import shared_task

from marketplace.health import services


@shared_task(name="system.record_heartbeat", ignore_result=True)
def record_heartbeat() -> float | None:
    """Written every minute by beat, read by /health to tell whether workers run."""
    return services.record_heartbeat()


@shared_task(name="system.ping", ignore_result=False)
def ping() -> dict:
    """Round trip through the queue and the database, for health checks and tests."""
    return {"pong": True, "database": services.check_database()["ok"]}
