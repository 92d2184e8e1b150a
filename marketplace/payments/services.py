"""Money in and out: webhook intake, payment events, refunds, reconciliation.

Every event is stored once by its id and processed by a task; processing
re-reads the provider's current state instead of trusting the event, so
duplicated and reordered events change nothing twice.
"""

import functools
import json
import logging
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

import redis
import stripe
from flask import current_app
from sqlalchemy import Insert, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.datastructures import Headers

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.config import ALIPAY_KEYS
from marketplace.errors import Conflict, DomainError, Forbidden, InvalidField, NotFound
from marketplace.extensions import celery_app, db
from marketplace.i18n import N_, _, name_of, yuan
from marketplace.orders import lifecycle as order_lifecycle
from marketplace.orders.models import ORDER_STATUS_NAMES, Order, OrderStatus
from marketplace.outbox import services as outbox
from marketplace.payments import events, lifecycle
from marketplace.payments.alipay import TRADE_STATUSES, AlipayGateway, fen_of
from marketplace.payments.gateways import (
    DevGateway,
    IntentState,
    PaymentDeclined,
    PaymentProviderUnavailable,
    PaymentRefused,
    gateway,
    method_gateways,
)
from marketplace.payments.models import Payment, PaymentStatus, Refund, RefundStatus, WebhookEvent
from marketplace.payments.stock import close_unpaid, lock_order, release_stock, reserve_again
from marketplace.payments.wechatpay import BadNotification, WechatPayGateway
from marketplace.suppliers.services import member_supplier_ids
from marketplace.timeutil import china_today, now

log = logging.getLogger(__name__)
PROCESS_EVENT = "payments.process_event"
# Webhook intake hands stored events over to claim_received through a list in Redis (_hand_over).
CLAIM_RECEIVED = "payments.claim_received"
RECEIVED_KEY = "marketplace:payments:received"
# Set while a claim task is on its way, so that a burst sends one; it ends by itself should that task be lost.
CLAIM_DUE_KEY = "marketplace:payments:claim-due"
CLAIM_DUE_SECONDS = 60
# Why an order was closed, paid or refunded, and why money did not pay it or a refund failed: kept as
# these English templates, written out in each reader's language when read (marketplace.schemas.Translated).
CLOSED_AS: dict[str, str] = {
    PaymentStatus.CANCELED: N_("payment canceled"),
    PaymentStatus.FAILED: N_("payment failed"),
}
PAID = N_("paid")
PAID_AFTER_EXPIRY = N_("paid after expiry; stock reserved again")
REFUNDED_AFTER_CANCELLATION = N_("paid after cancellation: refunded automatically")
REFUNDED_AFTER_EXPIRY = N_("paid after expiry, and the stock had gone: refunded automatically")
OTHER_CURRENCY = N_(
    "{received} was received in {currency} (its smallest unit), not {owed} fen in {owed_currency}"
)
SHORT = N_("{received} fen was received of the {owed} fen owed")
REFUSED = N_("the provider refused it: {why}")
ENDED_AS = {"failed": N_("the provider's refund failed"), "canceled": N_("the provider canceled the refund")}


class BadSignature(DomainError):
    status = 400
    error_code = "bad_signature"


class NotificationRefused(DomainError):
    """A WeChat Pay notification that does not verify: 401, as WeChat Pay is to be answered."""

    status = 401
    error_code = "bad_signature"


def latest_payment(order: Order) -> Payment | None:
    return db.session.scalars(
        select(Payment).where(Payment.order_id == order.id).order_by(Payment.id.desc())
    ).first()


def offered_methods() -> list[dict[str, str]]:
    """The payment methods a buyer may choose at checkout, and the provider of each."""
    return [{"method": method, "provider": name} for method, name in method_gateways().items()]


def receive_stripe_webhook(payload: bytes, signature: str | None) -> tuple[int, bool]:
    """Verify the signature, store the event once, and send its processing after the commit.
    Returns the stored event's id and whether it had been received already."""
    secret = current_app.config["STRIPE_WEBHOOK_SECRET"]
    if not secret:
        raise BadSignature(_("Webhooks are not configured (STRIPE_WEBHOOK_SECRET)."))
    try:
        # The SDK's check of the signature and its timestamp; the event is read as plain JSON, as it
        # is stored (the SDK's construct_event would build a StripeObject from it only to drop it).
        stripe.WebhookSignature.verify_header(payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
        event = json.loads(payload)
    except stripe.SignatureVerificationError:
        raise BadSignature(_("The Stripe-Signature header does not verify.")) from None
    except ValueError:
        raise BadSignature(_("The body is not a Stripe event.")) from None
    data_object = (event.get("data") or {}).get("object") or {}
    stored_id, duplicate, hand_over = _store_event(
        "stripe", event["id"], event["type"], data_object.get("id"), event
    )
    db.session.commit()
    if hand_over:
        _hand_over(stored_id)
    return stored_id, duplicate


def receive_wechatpay_notification(headers: Headers | Mapping[str, str], body: bytes) -> tuple[int, bool]:
    """Verify a WeChat Pay notification's signature (the platform certificate it names), decrypt its
    resource with the APIv3 key, and store it once with its processing queued, as Stripe's events."""
    provider = gateway("wechatpay") if "wechatpay" in method_gateways().values() else None
    if not isinstance(provider, WechatPayGateway):
        raise NotificationRefused(_("WeChat Pay is not configured here."))
    db.session.commit()  # the provider may be asked for the certificate the notification names
    try:
        notification = provider.verify_notification(headers, body)
    except BadNotification as exc:
        log.warning("a WeChat Pay notification was refused: %s", exc)
        raise NotificationRefused(_("The notification's signature does not verify.")) from None
    resource = notification["resource"]
    subject = resource.get("out_trade_no")
    stored_id, duplicate, hand_over = _store_event(
        "wechatpay", notification["id"], notification["event_type"], subject, notification
    )
    db.session.commit()
    if hand_over:
        _hand_over(stored_id)
    return stored_id, duplicate


def _store_event(
    provider: str, event_id: str, event_type: str, object_id: str | None, payload: dict[str, Any]
) -> tuple[int, bool, bool]:
    """Store a verified event once: (the stored event's id, whether it had been received already,
    whether its processing is to be handed over once the receiver has committed). One statement,
    for the receiver's one commit, the least a provider's burst can be answered with; a crash after
    the commit leaves the event unprocessed, and the provider's resend (a duplicate, handed over
    again) or reconcile_recent() has it processed."""
    stored_id = db.session.connection().scalar(
        _store_statement(db.engine.dialect.name),
        {
            "provider": provider,
            "event_id": event_id,
            "event_type": event_type[:60],
            "object_id": object_id,
            "payload": payload,
        },
    )
    duplicate, processed_at = stored_id is None, None
    if stored_id is None:
        stored_id, processed_at = db.session.execute(
            select(WebhookEvent.id, WebhookEvent.processed_at).where(WebhookEvent.event_id == event_id)
        ).one()
    # An event not processed yet is handed over again when it is sent again (its task lost with a
    # crash, or still queued): processing is idempotent.
    hand_over = processed_at is None
    if hand_over and celery_app.conf.task_always_eager:
        outbox.enqueue(PROCESS_EVENT, stored_id)  # no broker: the task runs here, after the commit
        hand_over = False
    return stored_id, duplicate, hand_over


@functools.cache
def _store_statement(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT (event_id) DO NOTHING RETURNING id, built once: a Core statement, as
    the ORM's bulk insert path costs intake a fifth of its time for nothing it needs."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast("Table", WebhookEvent.__table__)
    columns = ("provider", "event_id", "event_type", "object_id", "payload")
    return (
        insert(table)
        .values({name: bindparam(name, type_=table.c[name].type) for name in columns})
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(table.c.id)
    )


def _intake_redis() -> redis.Redis:
    url = current_app.config["REDIS_URL"]
    if not url:
        raise redis.ConnectionError("no REDIS_URL to hand stored events over through")
    kept = current_app.extensions.get("payments_intake_redis")
    if kept is None or kept[0] != url:
        kept = (url, redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5))
        current_app.extensions["payments_intake_redis"] = kept
    client: redis.Redis = kept[1]
    return client


def _hand_over(webhook_event_id: int) -> None:
    """Put a stored event's id on Redis's list of received events and send the claim task, unless one
    is due already: under a burst, one LPUSH an event, where sending each its own task would cost
    the request about seven times as much CPU. When Redis or the broker refuses, the event's
    processing is kept in the outbox, for beat's dispatch_pending() to send."""
    try:
        client = _intake_redis()
        pipe = client.pipeline(transaction=False)
        pipe.lpush(RECEIVED_KEY, webhook_event_id)
        pipe.set(CLAIM_DUE_KEY, 1, nx=True, ex=CLAIM_DUE_SECONDS)
        claim_due = pipe.execute()[1]
        if claim_due:
            try:
                celery_app.send_task(CLAIM_RECEIVED)
            except Exception:
                client.delete(CLAIM_DUE_KEY)  # the next event sends it again
                raise
    except Exception as exc:
        log.warning("stored event %s not handed over, kept in the outbox: %s", webhook_event_id, exc)
        outbox.keep(PROCESS_EVENT, webhook_event_id, error=exc)


def claim_received(batch: int = 500) -> int:
    """Send the processing task of every event intake handed over (those handed over while this runs
    too); returns how many were sent. Ids whose task the broker refuses go back on the list."""
    if not current_app.config["REDIS_URL"]:
        return 0  # the embedded default: intake ran each event's task itself
    client = _intake_redis()
    client.delete(CLAIM_DUE_KEY)  # an event handed over from now on sends another claim
    sent = 0
    while popped := client.rpop(RECEIVED_KEY, batch):
        for n, raw in enumerate(popped):
            try:
                celery_app.tasks[PROCESS_EVENT].apply_async(args=(int(raw),))
            except Exception:
                client.rpush(RECEIVED_KEY, *reversed(popped[n:]))  # popped first next time
                raise
            sent += 1
    return sent


def _event_subject(event: WebhookEvent) -> tuple[str, str | None]:
    """What a stored event is about, in its provider's words: ("payment" | "refunds" | "ignored",
    the provider's id of the payment)."""
    if event.provider == "wechatpay":
        resource = event.payload.get("resource") or {}
        if event.event_type.startswith("TRANSACTION."):
            return "payment", resource.get("out_trade_no")
        if event.event_type.startswith("REFUND."):
            return "refunds", resource.get("out_trade_no")
        return "ignored", None
    if event.provider == "alipay":
        # Alipay's word is its trade as queried now, whatever order its notifications came in.
        return "payment", event.payload.get("out_trade_no")
    obj = event.payload.get("data", {}).get("object", {})
    if event.event_type.startswith("payment_intent."):
        return "payment", obj.get("id")
    if event.event_type in ("charge.refunded", "refund.created", "refund.updated", "charge.refund.updated"):
        return "refunds", obj.get("payment_intent")
    return "ignored", None


def receive_alipay_notification(form: dict[str, str]) -> tuple[int, bool]:
    """Verify an Alipay asynchronous notification (RSA2, with Alipay's public key), check it is for a
    payment of this merchant's through Alipay and well-formed, and store it once through the outbox.
    What it says is not trusted: processing queries the trade (alipay.trade.query)."""
    # Configured rather than offered: the notifications of payments made before it was withdrawn still count.
    if not all(current_app.config[key] for key in ALIPAY_KEYS):
        raise BadSignature(_("Alipay is not configured (MARKETPLACE_ALIPAY_*)."))
    provider = gateway(AlipayGateway.name)
    if not isinstance(provider, AlipayGateway) or not provider.verify_notification(form):
        raise BadSignature(_("The notification's sign does not verify with Alipay's public key."))
    if form.get("app_id") != provider.app_id:
        raise InvalidField("app_id", _("The notification is for another Alipay app."), location="form")
    if fen_of(form.get("total_amount", "")) is None:
        raise InvalidField(
            "total_amount", _("Not an amount in yuan with at most two decimals."), location="form"
        )
    if form.get("trade_status") not in TRADE_STATUSES:
        raise InvalidField("trade_status", _("Not a status of an Alipay trade."), location="form")
    ours = db.session.scalar(
        select(Payment.id).where(
            Payment.provider == provider.name, Payment.provider_ref == form["out_trade_no"]
        )
    )
    if ours is None:
        raise InvalidField("out_trade_no", _("No payment of ours has this trade number."), location="form")
    stored_id, duplicate, hand_over = _store_event(
        "alipay",
        f"alipay-{form['notify_id']}",
        f"alipay.{form.get('notify_type') or 'trade_status_sync'}",
        form["out_trade_no"],
        form,
    )
    db.session.commit()
    if hand_over:
        _hand_over(stored_id)
    return stored_id, duplicate


def process_event(webhook_event_id: int) -> str:
    """Apply one stored event; idempotent. Raises on a provider outage so that the task retries; an
    event the provider refuses to resolve (a payment it does not know) is recorded as failed and
    alerted, once, instead of being tried again every hour."""
    event = db.session.get(WebhookEvent, webhook_event_id)
    if event is None or event.processed_at is not None:
        return "skipped"
    provider, event_type, payload = event.provider, event.event_type, event.payload
    kind, subject = _event_subject(event)
    db.session.commit()  # the provider is asked next
    try:
        if kind == "payment" and subject:
            intent = gateway(provider).retrieve_intent(subject)
            outcome = apply_intent(intent, failed=event_type.endswith("failed"))
            if provider == "alipay" and (payload.get("out_biz_no") or payload.get("refund_fee")):
                sync_refunds(provider, subject)  # Alipay tells of a refund on the trade's notification
        elif kind == "refunds":
            outcome = sync_refunds(provider, subject)
        else:
            outcome = "ignored"
    except PaymentRefused as exc:
        db.session.rollback()
        _event_failed(webhook_event_id, exc.message)
        db.session.commit()
        return "failed"
    event = db.session.get_one(WebhookEvent, webhook_event_id)
    event.processed_at = now()
    db.session.commit()
    return outcome


def _event_failed(webhook_event_id: int, why: str) -> None:
    event = db.session.scalars(
        select(WebhookEvent)
        .where(WebhookEvent.id == webhook_event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if event.processed_at is None:
        log.warning("provider event %s cannot be processed: %s", event.event_id, why)
        event.processed_at, event.error = now(), why
        events.provider_event_failed.send(event, why=why)  # admins are alerted (alerts/receivers.py)


def apply_intent(intent: IntentState, failed: bool = False) -> str:
    """Bring our order in line with the provider's payment, whatever order events came in. Money
    for an order that can no longer be had is refunded: recorded with the payment, then asked for."""
    outcome, refund_id = _apply_intent(intent, failed)
    db.session.commit()
    if refund_id is not None:
        send_refund(refund_id)
    return outcome


def _apply_intent(intent: IntentState, failed: bool) -> tuple[str, int | None]:
    """(the outcome, the refund to ask the provider for, if any)."""
    payment = db.session.scalar(select(Payment).where(Payment.provider_ref == intent.id))
    if payment is None:
        log.warning("payment intent %s is not ours", intent.id)
        return "unknown", None
    order = lock_order(payment.order_id)
    payment = db.session.get_one(Payment, payment.id, populate_existing=True)
    if intent.status == "succeeded":
        return _payment_succeeded(order, payment, intent)
    if intent.status == "canceled" or (failed and intent.status == "requires_payment_method"):
        lifecycle.move_payment(
            payment, PaymentStatus.CANCELED if intent.status == "canceled" else PaymentStatus.FAILED
        )
        if order.status == OrderStatus.PENDING_PAYMENT:
            close_unpaid(order, OrderStatus.CANCELLED, None, reason=CLOSED_AS[payment.status])
            return "released", None
        return payment.status, None
    return "pending", None


def _payment_succeeded(order: Order, payment: Payment, intent: IntentState) -> tuple[str, int | None]:
    if payment.status == PaymentStatus.SUCCEEDED:
        return "already paid", None
    why = _does_not_pay(order, intent)
    if why:
        return _reject_payment(order, payment, intent, why), None
    from_status = order.status
    details = {"payment_intent": intent.id, "amount_fen": intent.amount_received}
    if order.status == OrderStatus.PENDING_PAYMENT or (
        order.status == OrderStatus.EXPIRED and reserve_again(order)
    ):
        lifecycle.move_payment(payment, PaymentStatus.SUCCEEDED)
        payment.amount_received_fen = intent.amount_received
        order.paid_fen = intent.amount_received
        note = PAID if from_status == OrderStatus.PENDING_PAYMENT else PAID_AFTER_EXPIRY
        order_lifecycle.move(order, OrderStatus.PAID, None, "pay", reason=note, details=details)
        # The ledger enters the sale (ledger/receivers.py).
        events.order_paid.send(order, sale_date=china_today())
        return "paid", None
    # Paid for an order that is cancelled, or expired with its stock gone: give the money back.
    # (A failed re-reservation rolled back, so lock again.)
    order = lock_order(order.id)
    payment = db.session.get_one(Payment, payment.id, populate_existing=True)
    lifecycle.move_payment(payment, PaymentStatus.SUCCEEDED)
    payment.amount_received_fen = intent.amount_received
    order.paid_fen = intent.amount_received
    reason = REFUNDED_AFTER_CANCELLATION if from_status == OrderStatus.CANCELLED else REFUNDED_AFTER_EXPIRY
    audit.record(
        order, "pay", None, from_status=from_status, to_status=order.status, reason=reason, details=details
    )
    refund = _record_refund(order, payment, intent.amount_received, lines={}, actor_id=None, reason=reason)
    return "refunded", refund.id


def _does_not_pay(order: Order, intent: IntentState) -> str | None:
    """Why the money the provider received does not pay the order, or None when it does: a payment
    counts only when the amount and currency received equal what was owed."""
    if intent.currency.upper() != order.currency.upper():
        return OTHER_CURRENCY.format(
            received=intent.amount_received,
            currency=intent.currency.upper(),
            owed=order.total_fen,
            owed_currency=order.currency,
        )
    if intent.amount_received != order.total_fen:
        return SHORT.format(received=intent.amount_received, owed=order.total_fen)
    return None


def _reject_payment(order: Order, payment: Payment, intent: IntentState, why: str) -> str:
    """Money that does not pay the order: the order stays as it was (unpaid, and it expires as any
    unpaid order does), nothing enters the ledger, and admins are alerted to settle it with the buyer
    at the provider. Idempotent: the provider's answer for a succeeded payment does not change."""
    if payment.failure_reason != why:
        log.warning("payment %s of order %s rejected: %s", intent.id, order.id, why)
        lifecycle.move_payment(payment, PaymentStatus.FAILED, reason=why)
        payment.failure_reason = why
        received = {"received": intent.amount_received, "received_currency": intent.currency.upper()}
        audit.record(
            order,
            "payment_rejected",
            None,
            from_status=order.status,
            to_status=order.status,
            reason=why,
            details={"payment_intent": intent.id, **received},
        )
        events.payment_rejected.send(payment, why=why, received=received)  # alerted (alerts/receivers.py)
    return "rejected"


def refund_order(
    actor: User, order_id: int, lines: list[dict[str, int]] | None, amount_fen: int | None
) -> Refund:
    """Refund by lines (admin, or the supplier for its own lines) or by amount (admin); never more
    than was paid and not yet refunded."""
    order = db.session.get(Order, order_id)
    own = member_supplier_ids(actor)
    may_refund = order is not None and (actor.is_admin or own & {f.supplier_id for f in order.fulfilments})
    if order is None or not (may_refund or order.buyer_id == actor.id):
        raise NotFound(_("No order %(id)s.", id=order_id))
    if not may_refund:
        raise Forbidden(_("Refunds are made by the supplier or an admin; ask them for one."))
    if amount_fen is not None and not actor.is_admin:
        raise Forbidden(_("Only an admin refunds by amount; suppliers refund their own lines."))
    order = lock_order(order_id)
    if order.status not in (OrderStatus.PAID, OrderStatus.COMPLETED):
        raise Conflict(
            _("A %(status)s order has nothing to refund.", status=name_of(ORDER_STATUS_NAMES, order.status))
        )
    payment = latest_payment(order)
    assert payment is not None, "a paid order has its payment"
    by_line: dict[int, int] = {}
    if amount_fen is not None:
        amount = amount_fen
    else:
        by_id = {line.id: line for line in order.lines}
        for i, item in enumerate(lines or []):
            line = by_id.get(item["line_id"])
            if line is None or not (actor.is_admin or line.supplier_id in own):
                raise InvalidField(
                    "lines",
                    _(
                        "[%(index)s] line %(line)s is not a line of yours on this order.",
                        index=i,
                        line=item["line_id"],
                    ),
                )
            left = line.quantity - line.refunded_quantity - by_line.get(line.id, 0)
            if item["quantity"] > left:
                raise InvalidField(
                    "lines",
                    _(
                        "[%(index)s] only %(left)s of line %(line)s can still be refunded.",
                        index=i,
                        left=left,
                        line=line.id,
                    ),
                )
            by_line[line.id] = by_line.get(line.id, 0) + item["quantity"]
        amount = sum(by_id[line_id].unit_price_fen * q for line_id, q in by_line.items())
    if amount > _refundable(order):
        raise Conflict(
            _("At most %(amount)s can still be refunded on this order.", amount=yuan(_refundable(order)))
        )
    refund_id = _record_refund(order, payment, amount, lines=by_line, actor_id=actor.id, reason=None).id
    db.session.commit()
    send_refund(refund_id)
    return db.session.get_one(Refund, refund_id)


def refund_remaining(order: Order, actor_id: int, reason: str, restock: bool) -> int | None:
    """End a paid order (the buyer cancelled before shipping) and record the refund of what is left
    of it, in the caller's transaction; returns the refund to send once that commits, if any."""
    amount = _refundable(order)
    order_lifecycle.cancel_paid(order, actor_id, reason)
    if restock:
        release_stock(order)
    if amount <= 0:
        return None
    payment = latest_payment(order)
    assert payment is not None, "a paid order has its payment"
    return _record_refund(
        order,
        payment,
        amount,
        lines={line.id: line.quantity - line.refunded_quantity for line in order.lines},
        actor_id=actor_id,
        reason=reason,
    ).id


def _refundable(order: Order) -> int:
    pending_or_done = db.session.scalars(
        select(Refund.amount_fen).where(
            Refund.order_id == order.id, Refund.status.in_((RefundStatus.PENDING, RefundStatus.SUCCEEDED))
        )
    )
    return order.paid_fen - sum(pending_or_done)


def _record_refund(
    order: Order,
    payment: Payment,
    amount: int,
    lines: dict[int, int],
    actor_id: int | None,
    reason: str | None,
) -> Refund:
    """Record the refund first (so it is counted against what is refundable); send_refund() asks the
    provider for it once this is committed."""
    refund = Refund(
        order_id=order.id,
        payment_id=payment.id,
        amount_fen=amount,
        lines={str(k): v for k, v in lines.items()},
        reason=reason,
        requested_by_id=actor_id,
    )
    for line in order.lines:
        line.refunded_quantity += lines.get(line.id, 0)
    lifecycle.request_refund(refund)
    audit.record(
        order,
        "refund_requested",
        actor_id,
        reason=reason,
        details={"refund_id": refund.id, "amount_fen": amount, "lines": refund.lines},
    )
    return refund


def send_refund(refund_id: int) -> bool:
    """Ask the provider for a recorded refund; returns whether it answered. Unreachable, the refund
    stays pending and the hourly reconciliation asks again (with the same idempotency key); refused
    or declined, it has failed and will not be asked for again."""
    refund = db.session.get_one(Refund, refund_id)
    payment = db.session.get_one(Payment, refund.payment_id)
    provider, intent_id, amount = payment.provider, payment.provider_ref, refund.amount_fen
    assert intent_id is not None, "a refunded payment is one the provider took"
    db.session.commit()  # the provider is asked next
    try:
        state = gateway(provider).refund(intent_id, amount, key=f"refund-{refund_id}")
    except PaymentProviderUnavailable:
        log.warning("refund %s left pending: provider unavailable; reconciliation retries it", refund_id)
        return False
    except (PaymentRefused, PaymentDeclined) as exc:
        _settle_refund(refund_id, "failed", why=REFUSED.format(why=exc.message))
        db.session.commit()
        return True
    db.session.get_one(Refund, refund_id).provider_ref = state.id
    _settle_refund(refund_id, state.status, why=state.failure_reason)
    db.session.commit()
    return True


def _settle_refund(refund_id: int, provider_status: str, why: str | None = None) -> None:
    refund = db.session.get_one(Refund, refund_id)
    if refund.status != RefundStatus.PENDING or provider_status not in ("succeeded", "failed", "canceled"):
        return
    order = lock_order(refund.order_id)
    refund = db.session.get_one(Refund, refund_id, populate_existing=True)
    if refund.status != RefundStatus.PENDING:
        return
    if provider_status == "succeeded":
        lifecycle.move_refund(refund, RefundStatus.SUCCEEDED)
        order.refunded_fen += refund.amount_fen
        # The ledger enters the refund (ledger/receivers.py).
        events.refund_succeeded.send(refund, order=order, refund_date=china_today())
    else:
        refund.failure_reason = why or ENDED_AS[provider_status]
        lifecycle.move_refund(refund, RefundStatus.FAILED, reason=refund.failure_reason)
        for line in order.lines:
            line.refunded_quantity -= refund.lines.get(str(line.id), 0)
        events.refund_failed.send(refund, why=refund.failure_reason)  # alerted (alerts/receivers.py)
    audit.record(
        order,
        f"refund_{refund.status}",
        None,
        details={"refund_id": refund.id, "amount_fen": refund.amount_fen},
    )


def sync_refunds(provider: str, intent_id: str | None) -> str:
    """Settle our refunds of this payment as its provider lists them, each in a transaction."""
    if not intent_id:
        return "ignored"
    ours = dict(
        db.session.execute(
            select(Refund.provider_ref, Refund.id)
            .join(Payment, Payment.id == Refund.payment_id)
            .where(Payment.provider_ref == intent_id)
        ).all()
    )
    db.session.commit()  # the provider is asked next
    refs = sorted(ref for ref in ours if ref)
    for state in gateway(provider).list_refunds(intent_id, refs):
        if state.id in ours:
            _settle_refund(ours[state.id], state.status, why=state.failure_reason)
            db.session.commit()
    return "refunds synced"


def reconcile_recent(hours: int = 48) -> dict[str, int]:
    """Repair orders whose webhook never came: re-read recent payments at the provider, process
    stored events whose task was lost (a Redis that restarted with it queued), and retry refunds
    that could not be sent."""
    counts = {"intents": 0, "events": 0, "refunds_retried": 0}
    # Older than the visibility timeout: by then a killed worker's task was handed out again.
    lost = now() - timedelta(seconds=current_app.config["TASK_VISIBILITY_TIMEOUT_SECONDS"])
    for event_id in list(
        db.session.scalars(
            select(WebhookEvent.id)
            .where(WebhookEvent.processed_at.is_(None), WebhookEvent.received_at < lost)
            .order_by(WebhookEvent.id)
            .limit(500)
        )
    ):
        try:
            process_event(event_id)
        except PaymentProviderUnavailable:
            db.session.rollback()
            break
        except DomainError:
            # One event that cannot be applied must not hold up the others behind it.
            db.session.rollback()
            log.exception("stored event %s could not be processed; the others carry on", event_id)
            continue
        counts["events"] += 1
    db.session.commit()  # the providers are asked next
    since = int(time.time()) - hours * 3600
    for provider in sorted(set(method_gateways().values())):
        ours = [
            ref
            for ref in db.session.scalars(
                select(Payment.provider_ref).where(
                    Payment.provider == provider,
                    Payment.status == PaymentStatus.PENDING,
                    Payment.provider_ref.is_not(None),
                    Payment.created_at >= now() - timedelta(hours=hours),
                )
            )
            if ref is not None
        ]
        db.session.commit()  # the provider is asked next
        for intent in gateway(provider).list_recent_intents(since, ours):
            if apply_intent(intent) in ("paid", "released", "refunded"):
                counts["intents"] += 1
    stuck = db.session.scalars(
        select(Refund.id).where(Refund.status == RefundStatus.PENDING, Refund.provider_ref.is_(None))
    )
    for refund_id in list(stuck):
        if send_refund(refund_id):
            counts["refunds_retried"] += 1
    return counts


def confirm_dev_payment(actor: User, order_id: int, succeed: bool) -> str:
    """DEVELOPMENT GATEWAY ONLY: the buyer 'pays' locally; the same code path as a Stripe event."""
    provider = gateway("dev") if "dev" in method_gateways().values() else None
    if not isinstance(provider, DevGateway):
        raise NotFound(_("The development gateway is not in use."))
    order = db.session.get(Order, order_id)
    if order is None or order.buyer_id != actor.id:
        raise NotFound(_("No order %(id)s of yours.", id=order_id))
    payment = latest_payment(order)
    if payment is None or payment.provider != "dev":
        raise NotFound(_("The development gateway is not in use."))
    intent_id = payment.provider_ref
    assert intent_id is not None, "a payment is written with the intent the provider opened"
    db.session.commit()  # the provider is asked next
    return apply_intent(provider.confirm(intent_id, succeed), failed=not succeed)


def alipay_pay_url(actor: User, order_id: int, device: str) -> dict[str, object]:
    """The buyer's signed link to Alipay's cashier for their order awaiting payment: page pay on a
    computer, H5 on a phone; it cannot be paid after the reservation ends. Paid, Alipay sends the
    buyer back to ALIPAY_RETURN_URL, by default the web shop's result page of the order."""
    order = db.session.get(Order, order_id)
    if order is None or order.buyer_id != actor.id:
        raise NotFound(_("No order %(id)s of yours.", id=order_id))
    payment = latest_payment(order)
    if payment is None or payment.provider != AlipayGateway.name:
        raise Conflict(_("This order is not paid through Alipay."))
    provider = gateway(payment.provider)
    # Written with the intent the provider opened (payments/checkout.py place_order).
    assert isinstance(provider, AlipayGateway) and payment.provider_ref is not None
    if order.status != OrderStatus.PENDING_PAYMENT or payment.status != PaymentStatus.PENDING:
        raise Conflict(
            _("A %(status)s order is not awaiting payment.", status=name_of(ORDER_STATUS_NAMES, order.status))
        )
    url = provider.pay_url(
        payment.provider_ref,
        payment.amount_fen,
        _("Consumption-assistance order %(id)s", id=order.id),
        device,
        order.reserved_until,
        current_app.config["ALIPAY_RETURN_URL"]
        or f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/orders/{order.id}/result",
    )
    return {"url": url, "device": device, "expires_at": order.reserved_until}
