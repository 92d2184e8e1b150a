"""The one writer of a payment's and a refund's status. Both follow the provider, whose answer is
read again and again (webhooks, reconciliation), so a status may be set to itself; what is refused
is a record going back on itself: a succeeded payment, a settled refund."""

from collections.abc import Collection, Mapping
from typing import Any

from marketplace.errors import Conflict
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


def move_payment(payment: Payment, to: PaymentStatus) -> None:
    _require_move(PAYMENT_MOVES, payment.status, to)
    payment.status = to


def move_refund(refund: Refund, to: RefundStatus) -> None:
    _require_move(REFUND_MOVES, refund.status, to)
    refund.status = to


def _require_move(moves: Mapping[Any, Collection[str]], from_status: str, to: str) -> None:
    if to not in moves.get(from_status, ()):
        raise Conflict(
            _("Cannot go from %(from_status)s to %(to_status)s.", from_status=from_status, to_status=to)
        )
