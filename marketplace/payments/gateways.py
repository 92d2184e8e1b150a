"""Payment providers behind one interface, chosen per payment method (PAYMENT_METHODS, or every
method through PAYMENT_GATEWAY); a payment's own provider is asked about it afterwards.

- "stripe": the real `stripe` SDK; STRIPE_API_BASE points it at a local
  Stripe-compatible server in tests.
- "alipay": Alipay through python-alipay-sdk (marketplace/payments/alipay.py); ALIPAY_GATEWAY_URL
  points it at a local Alipay-speaking server in tests.
- "dev": a development gateway for the embedded default that keeps intents in
  process memory and lets a buyer confirm a payment locally. It is clearly
  marked in every answer and refused outside development and test.
"""

import functools
import itertools
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, ParamSpec, Protocol, TypeVar

import stripe
from flask import current_app

from marketplace.config import DEVELOPMENT_ENVS, PAYMENT_GATEWAYS, ConfigError
from marketplace.errors import DomainError, InvalidField
from marketplace.extensions import db
from marketplace.i18n import N_, _

R = TypeVar("R")
P = ParamSpec("P")


def asks_provider(call: Callable[P, R]) -> Callable[P, R]:
    """A gateway's call to its provider: it refuses to run inside a database transaction, so that a
    slow or hung provider holds no row lock on PostgreSQL and not SQLite's one write lock for its
    wait. Every gateway marks each of its calls so, and the use cases commit before they ask and
    write what the provider answered in a transaction of its own, after it."""

    @functools.wraps(call)
    def outside_transaction(*args: P.args, **kwargs: P.kwargs) -> R:
        if db.session().in_transaction():
            raise RuntimeError(
                f"{call.__qualname__}: the payment provider called inside a database transaction"
            )
        return call(*args, **kwargs)

    return outside_transaction


class PaymentProviderUnavailable(DomainError):
    status = 503
    error_code = "payment_provider_unavailable"
    message = N_("The payment provider could not be reached; nothing was charged. Try again shortly.")


class PaymentRefused(DomainError):
    """The provider refused the request for the payment's state (cancel a succeeded payment...).
    Its message is the provider's, in the provider's words (English): it is stored with the event or
    refund it fails, and alerts quote it."""

    status = 409
    error_code = "payment_refused"


class PaymentDeclined(DomainError):
    status = 402
    error_code = "payment_declined"


@dataclass(frozen=True)
class IntentState:
    """A provider's payment, in Stripe's vocabulary of statuses."""

    id: str
    status: str  # requires_payment_method ... processing, succeeded, canceled
    amount: int
    amount_received: int
    currency: str
    order_id: int | None
    client_secret: str | None
    created: int = 0
    # What the buyer opens to pay, for providers paid outside the shop's page: the content of a QR
    # code to scan (WeChat Pay Native's code_url), or a page to go to (WeChat Pay H5's h5_url).
    qr_code: str | None = None
    redirect_url: str | None = None


@dataclass(frozen=True)
class Payer:
    """Who pays, as a provider asks: on a "desktop" (shown a QR code) or a "mobile" browser (sent to
    the provider's page), from which address."""

    device: str = "desktop"
    client_ip: str | None = None


@dataclass(frozen=True)
class RefundState:
    id: str
    payment_intent: str
    amount: int
    status: str  # pending, succeeded, failed, canceled
    failure_reason: str | None = None  # Stripe's, when it failed: expired_or_canceled_card, ...


class PaymentGateway(Protocol):
    """A payment provider. Each of these calls asks it, and each implementation marks them
    @asks_provider."""

    name: str

    def create_intent(
        self, order_id: int, amount: int, currency: str, method: str, key: str, payer: Payer | None = None
    ) -> IntentState: ...
    def retrieve_intent(self, intent_id: str) -> IntentState: ...
    def cancel_intent(self, intent_id: str) -> IntentState: ...
    def refund(self, intent_id: str, amount: int, key: str) -> RefundState: ...
    # `ours`: our refunds of it (their provider ids), for providers that look refunds up one by one.
    def list_refunds(self, intent_id: str, ours: Sequence[str] = ()) -> list[RefundState]: ...
    # The provider's payments since then; `ours`, our payments with it still open, for providers
    # that list none and are asked about each.
    def list_recent_intents(self, created_after: int, ours: Sequence[str] = ()) -> list[IntentState]: ...


def _plain(obj: Any) -> dict[str, Any]:
    """SDK objects are not dicts (stripe-python 12+); the local fakes answer with dicts."""
    plain: dict[str, Any] = obj.to_dict() if hasattr(obj, "to_dict") else obj
    return plain


def _intent(sdk_obj: Any) -> IntentState:
    obj = _plain(sdk_obj)
    metadata = obj.get("metadata") or {}
    order_id = metadata.get("order_id")
    received = obj.get("amount_received")
    if received is None and obj["status"] == "succeeded":
        received = obj["amount"]  # Stripe always says; some compatible servers leave it out
    return IntentState(
        id=obj["id"],
        status=obj["status"],
        amount=int(obj["amount"]),
        amount_received=int(received or 0),
        currency=obj["currency"],
        order_id=int(order_id) if order_id and str(order_id).isdigit() else None,
        client_secret=obj.get("client_secret"),
        created=int(obj.get("created") or 0),
    )


def _refund(sdk_obj: Any) -> RefundState:
    obj = _plain(sdk_obj)
    return RefundState(
        id=obj["id"],
        payment_intent=obj.get("payment_intent") or "",
        amount=int(obj["amount"]),
        status=obj["status"],
        failure_reason=obj.get("failure_reason"),
    )


class StripeGateway:
    name = "stripe"

    def __init__(self, api_key: str, api_base: str | None, timeout: float = 10.0) -> None:
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=2,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    def _call(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        try:
            return fn(*args, **kwargs)
        except stripe.CardError as exc:
            raise PaymentDeclined(exc.user_message or "The payment was declined.") from exc
        except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as exc:
            raise PaymentProviderUnavailable() from exc
        except stripe.InvalidRequestError as exc:
            raise PaymentRefused(exc.user_message or str(exc)) from exc

    @asks_provider
    def create_intent(
        self, order_id: int, amount: int, currency: str, method: str, key: str, payer: Payer | None = None
    ) -> IntentState:
        params = {
            "amount": amount,
            "currency": currency.lower(),
            "payment_method_types": [method],
            "metadata": {"order_id": str(order_id)},
        }
        return _intent(
            self._call(
                self._client.v1.payment_intents.create, params=params, options={"idempotency_key": key}
            )
        )

    @asks_provider
    def retrieve_intent(self, intent_id: str) -> IntentState:
        return _intent(self._call(self._client.v1.payment_intents.retrieve, intent_id))

    @asks_provider
    def cancel_intent(self, intent_id: str) -> IntentState:
        return _intent(self._call(self._client.v1.payment_intents.cancel, intent_id))

    @asks_provider
    def refund(self, intent_id: str, amount: int, key: str) -> RefundState:
        params = {"payment_intent": intent_id, "amount": amount}
        return _refund(
            self._call(self._client.v1.refunds.create, params=params, options={"idempotency_key": key})
        )

    @asks_provider
    def list_refunds(self, intent_id: str, ours: Sequence[str] = ()) -> list[RefundState]:
        page = self._call(self._client.v1.refunds.list, params={"payment_intent": intent_id, "limit": 100})
        return [_refund(r) for r in page.data]

    @asks_provider
    def list_recent_intents(self, created_after: int, ours: Sequence[str] = ()) -> list[IntentState]:
        page = self._call(
            self._client.v1.payment_intents.list, params={"created": {"gte": created_after}, "limit": 100}
        )
        return [_intent(i) for i in page.auto_paging_iter()]


class DevGateway:
    """DEVELOPMENT ONLY: payments that never leave this process. Refused in production."""

    name = "dev"
    _ids = itertools.count(1)

    def __init__(self) -> None:
        self._intents: dict[str, IntentState] = {}
        self._by_key: dict[str, str] = {}
        self._refunds: dict[str, RefundState] = {}
        self._lock = threading.Lock()

    @asks_provider
    def create_intent(
        self, order_id: int, amount: int, currency: str, method: str, key: str, payer: Payer | None = None
    ) -> IntentState:
        with self._lock:
            if key in self._by_key:
                return self._intents[self._by_key[key]]
            intent_id = f"pi_dev_{next(self._ids)}_{secrets.token_hex(4)}"
            state = IntentState(
                intent_id,
                "requires_payment_method",
                amount,
                0,
                currency.lower(),
                order_id,
                f"{intent_id}_secret_DEVELOPMENT_ONLY",
                int(time.time()),
            )
            self._intents[intent_id] = state
            self._by_key[key] = intent_id
            return state

    @asks_provider
    def confirm(self, intent_id: str, succeed: bool = True) -> IntentState:
        """What a buyer's card confirmation would do at Stripe."""
        with self._lock:
            state = self.retrieve_intent(intent_id)
            if state.status in ("requires_payment_method", "requires_confirmation"):
                state = replace(
                    state,
                    status="succeeded" if succeed else "requires_payment_method",
                    amount_received=state.amount if succeed else 0,
                )
                self._intents[intent_id] = state
            return state

    @asks_provider
    def retrieve_intent(self, intent_id: str) -> IntentState:
        if intent_id not in self._intents:
            # As Stripe answers for an intent it does not know: nothing retrying would mend.
            raise PaymentRefused(f"The development gateway has no intent {intent_id} (restarted?).")
        return self._intents[intent_id]

    @asks_provider
    def cancel_intent(self, intent_id: str) -> IntentState:
        state = self.retrieve_intent(intent_id)
        if state.status != "succeeded":
            state = replace(state, status="canceled")
            self._intents[intent_id] = state
        return state

    @asks_provider
    def refund(self, intent_id: str, amount: int, key: str) -> RefundState:
        with self._lock:
            if key in self._refunds:
                return self._refunds[key]
            refund = RefundState(f"re_dev_{next(self._ids)}", intent_id, amount, "succeeded")
            self._refunds[key] = refund
            return refund

    @asks_provider
    def list_refunds(self, intent_id: str, ours: Sequence[str] = ()) -> list[RefundState]:
        return [r for r in self._refunds.values() if r.payment_intent == intent_id]

    @asks_provider
    def list_recent_intents(self, created_after: int, ours: Sequence[str] = ()) -> list[IntentState]:
        return [i for i in self._intents.values() if i.created >= created_after]


def method_gateways() -> dict[str, str]:
    """The payment methods offered, {method: the name of the gateway it goes through}."""
    config = current_app.config
    default = config["PAYMENT_GATEWAY"]
    return dict(config["PAYMENT_METHODS"] or dict.fromkeys(PAYMENT_GATEWAYS[default], default))


def gateway_for(method: str) -> PaymentGateway:
    """The gateway a new payment by this method goes through; a 422 naming payment_method when the
    method is not offered here."""
    offered = method_gateways()
    if method not in offered:
        raise InvalidField(
            "payment_method",
            _(
                "%(method)s is not offered here; choose one of: %(offered)s.",
                method=method,
                offered=", ".join(offered),
            ),
        )
    return gateway(offered[method])


def gateway(name: str | None = None) -> PaymentGateway:
    """The gateway of that name (a payment's provider), PAYMENT_GATEWAY's by default; one per app."""
    wanted = name or current_app.config["PAYMENT_GATEWAY"]
    cached: dict[str, PaymentGateway] = current_app.extensions.setdefault("payment_gateway", {})
    if wanted not in cached:
        cached[wanted] = _make_gateway(wanted)
    return cached[wanted]


def _make_gateway(name: str) -> PaymentGateway:
    config = current_app.config
    if name == "stripe":
        return StripeGateway(
            config["STRIPE_SECRET_KEY"],
            config["STRIPE_API_BASE"],
            timeout=float(config["STRIPE_TIMEOUT_SECONDS"]),
        )
    if name == "wechatpay":
        from marketplace.payments.wechatpay import WechatPayGateway, WechatPaySettings

        public_key_file = config["WECHATPAY_PUBLIC_KEY_FILE"]
        return WechatPayGateway(
            WechatPaySettings(
                mchid=config["WECHATPAY_MCHID"],
                appid=config["WECHATPAY_APPID"],
                private_key=_read(config["WECHATPAY_PRIVATE_KEY_FILE"]),
                cert_serial_no=config["WECHATPAY_CERT_SERIAL_NO"],
                apiv3_key=config["WECHATPAY_APIV3_KEY"],
                notify_url=config["WECHATPAY_NOTIFY_URL"]
                or config["PUBLIC_BASE_URL"].rstrip("/") + "/api/v1/webhooks/wechat-pay",
                api_base=config["WECHATPAY_API_BASE"],
                timeout=float(config["WECHATPAY_TIMEOUT_SECONDS"]),
                cert_dir=config["WECHATPAY_CERT_DIR"],
                public_key=_read(public_key_file) if public_key_file else None,
                public_key_id=config["WECHATPAY_PUBLIC_KEY_ID"],
            )
        )
    if name == "alipay":
        from marketplace.payments.alipay import AlipayGateway  # it builds on this module

        return AlipayGateway(
            config["ALIPAY_APP_ID"],
            config["ALIPAY_APP_PRIVATE_KEY"],
            config["ALIPAY_PUBLIC_KEY"],
            config["ALIPAY_GATEWAY_URL"],
            config["ALIPAY_NOTIFY_URL"],
            timeout=float(config["ALIPAY_TIMEOUT_SECONDS"]),
        )
    if name == "dev":
        if config["ENV"] in DEVELOPMENT_ENVS:
            return DevGateway()
        raise ConfigError(f"The development payment gateway is refused in {config['ENV']}.")
    raise ConfigError(f"There is no payment gateway {name!r}.")


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()
