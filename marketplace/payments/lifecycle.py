"""The one writer of a payment's and a refund's status, each move recorded with its audit event here
(subject the payment or the refund), in the caller's transaction. Both follow the provider, whose
answer is read again and again (webhooks, reconciliation), so a status may be set to itself, which
records nothing; what is refused is a record going back on itself: a succeeded payment, a settled
refund. The actor is whoever caused the move: a person (the admin who asked for a refund, the buyer
who cancelled), or None for the provider's answer and the system."""

from collections.abc import Collection, Mapping
from typing import Any

from marketplace.audit import services as audit
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.payments.models import Payment, PaymentStatus, Refund, RefundStatus

PAYMENT_MOVES = {
    PaymentStatus.PENDING: {PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELED},
    # A declined card tried again, money rejected again for another reason, or the payment given up.
    PaymentStatus.FAILED: {PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELED},
    # Money that arrived for an intent we took for canceled: it succeeds, or is rejected.
    PaymentStatus.CANCELED: {PaymentStatus.CANCELED, PaymentStatus.SUCCEEDED, PaymentStatus.FAILED},
}
REFUND_MOVES = {RefundStatus.PENDING: {RefundStatus.SUCCEEDED, RefundStatus.FAILED}}
# The audit action of a move into each status.
ACTIONS = {"succeeded": "succeed", "failed": "fail", "canceled": "cancel"}


def move_payment(
    payment: Payment, to: PaymentStatus, actor_id: int | None = None, reason: str | None = None
) -> None:
    _move(PAYMENT_MOVES, payment, to, actor_id, reason)


def request_refund(refund: Refund) -> None:
    """Add a new (pending) refund to the caller's transaction, recorded as asked for by its requester
    (None when the system refunds by itself), for its reason."""
    db.session.add(refund)
    db.session.flush()
    audit.record(
        refund,
        "request",
        refund.requested_by_id,
        to_status=RefundStatus.PENDING,
        reason=refund.reason,
        details={"amount_fen": refund.amount_fen},
    )


def move_refund(
    refund: Refund, to: RefundStatus, actor_id: int | None = None, reason: str | None = None
) -> None:
    _move(REFUND_MOVES, refund, to, actor_id, reason)


def _move(
    moves: Mapping[Any, Collection[str]],
    subject: Payment | Refund,
    to: str,
    actor_id: int | None,
    reason: str | None,
) -> None:
    from_status = subject.status
    if to not in moves.get(from_status, ()):
        raise Conflict(
            _("Cannot go from %(from_status)s to %(to_status)s.", from_status=from_status, to_status=to)
        )
    if to == from_status:
        return
    subject.status = to
    audit.record(subject, ACTIONS[to], actor_id, from_status=from_status, to_status=to, reason=reason)
