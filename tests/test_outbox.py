"""The outbox's one after-commit hook: a commit sends the messages its own transaction enqueued, no
others; a rollback (or a savepoint rolled back) sends nothing."""

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.outbox import services as outbox
from marketplace.outbox.models import OutboxMessage


@pytest.fixture
def sent(monkeypatch):
    """The ids of the messages handed to the broker, in order."""
    handed: list[int] = []
    monkeypatch.setattr(outbox, "_send", lambda message: handed.append(message.id))
    return handed


def pending_ids() -> list[int]:
    db.session.rollback()  # a fresh snapshot
    return list(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None))))


@pytest.mark.postgres
def test_a_rolled_back_transaction_dispatches_nothing(app, sent):
    outbox.enqueue("mail.send", "verify", {"user_id": 1})
    db.session.flush()
    db.session.rollback()
    db.session.commit()  # the next commit does not send what was rolled back either
    assert sent == []
    assert db.session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.postgres
def test_a_commit_dispatches_exactly_its_own_messages(app, sent, monkeypatch):
    def broker_down(message):
        raise ConnectionError("broker down")

    with monkeypatch.context() as outage:
        outage.setattr(outbox, "_send", broker_down)
        outbox.enqueue("mail.send", "earlier", {})
        db.session.commit()
    [earlier] = pending_ids()  # held back by the outage: beat's dispatch_pending() sends it

    # Another transaction, open at the same time in a session of its own, enqueues too.
    with app.app_context():
        other = outbox.enqueue("mail.send", "other", {})
        db.session.flush()
        with app.app_context():
            first = outbox.enqueue("mail.send", "first", {})
            savepoint = db.session.begin_nested()
            outbox.enqueue("mail.send", "in a savepoint rolled back", {})
            savepoint.rollback()
            second = outbox.enqueue("mail.send", "second", {})
            db.session.commit()
            mine = [first.id, second.id]
        assert sent == mine
        db.session.commit()
        assert sent == [*mine, other.id]
    assert pending_ids() == [earlier]
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 4
