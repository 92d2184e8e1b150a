"""One audit trail for every domain: who moved what from which state to which, when and why."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import Model

if TYPE_CHECKING:  # audit lies below accounts: the actor is named by the table, not imported
    from marketplace.accounts.models import User


class AuditEvent(Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped["User | None"] = relationship("User", lazy="joined", viewonly=True)

    @property
    def actor_name(self) -> str | None:
        """Who acted, by the name they go by; None for the system (a daily task)."""
        return self.actor.display_name if self.actor else None
