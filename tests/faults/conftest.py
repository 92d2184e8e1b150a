"""Fault tests: the app under gunicorn and real Celery workers, while a test stops Redis, kills a
worker or cuts the app off from PostgreSQL."""

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.orders.models import Order
from marketplace.payments.models import WebhookEvent
from tests.shop import Shop


class ServedShop(Shop):
    """The orders tests' shop (two products of two suppliers, buyers, an admin), driven over HTTP
    against a served app; what it reads back comes from the database itself."""

    def status(self, order_id: int) -> str:
        db.session.rollback()  # a fresh snapshot of what the other processes committed
        return db.session.get(Order, order_id, populate_existing=True).status

    def ledger(self) -> tuple[int, int]:
        """(entries, total fen) in the sales ledger."""
        db.session.rollback()
        count, total = db.session.execute(
            select(func.count(), func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
        ).one()
        return count, total

    def unprocessed_events(self) -> int:
        db.session.rollback()
        return db.session.scalar(select(func.count()).where(WebhookEvent.processed_at.is_(None)))


@pytest.fixture
def served_shop(fake_stripe, make_user):
    """A factory: ServedShop(client) once the test has its served app."""
    return lambda client: ServedShop(client, fake_stripe, make_user)


ORDER_FEN = 2 * 6990 + 5880  # the shop's default order: two oranges and a plum
