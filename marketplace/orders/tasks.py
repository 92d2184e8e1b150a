from celery import shared_task

from marketplace.orders import services as orders


@shared_task(name="orders.expire_reservations", acks_late=True)
def expire_reservations() -> int:
    return orders.expire_reservations()
