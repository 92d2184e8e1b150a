"""The outbox: work that must reach the queue is written in the same transaction as the change
that calls for it, and sent after commit; a beat task sends whatever a Redis outage held back."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import Model


class OutboxMessage(Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index(
            "ix_outbox_messages_pending",
            "id",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_name: Mapped[str] = mapped_column(String(80))
    args: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
