"""WeChat Pay API v3, through the kept SDK `wechatpayv3`: Native (a code_url the shop shows as a QR
code) and H5 (an h5_url a phone's browser opens), queries, closing, domestic refunds, and the
notifications' verification (the platform's RSA-SHA256 signature) and AES-256-GCM decryption.

Spoken in the gateways' vocabulary (Stripe's): a payment's id is our out_trade_no, a refund's our
out_refund_no (WeChat Pay looks both up by them; it lists neither), trade states map to statuses.

The SDK has no base-URL setting (https://api.mch.weixin.qq.com is written into its Core): _Client
points it at WECHATPAY_API_BASE for the suite's WeChat Pay server, which is why the SDK is pinned.
"""

import contextlib
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.core import Core
from werkzeug.datastructures import Headers

from marketplace.payments.gateways import (
    IntentState,
    Payer,
    PaymentProviderUnavailable,
    PaymentRefused,
    RefundState,
    asks_provider,
)

log = logging.getLogger(__name__)
# trade_state → the gateways' status. PAYERROR (the bank refused) leaves the payment open: the buyer
# may try again until the order expires.
TRADE_STATES = {
    "SUCCESS": "succeeded",
    "REFUND": "succeeded",  # paid, then (partly) refunded
    "NOTPAY": "requires_payment_method",
    "USERPAYING": "processing",
    "PAYERROR": "requires_payment_method",
    "CLOSED": "canceled",
    "REVOKED": "canceled",
}
REFUND_STATES = {"SUCCESS": "succeeded", "PROCESSING": "pending", "CLOSED": "canceled", "ABNORMAL": "failed"}
# A notification older than this is refused, so a captured one cannot be replayed later.
NOTIFICATION_MAX_AGE_SECONDS = 300
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"


class BadNotification(Exception):
    """A notification that does not verify, decrypt or belong to this merchant."""


@dataclass(frozen=True)
class WechatPaySettings:
    mchid: str
    appid: str
    private_key: str
    cert_serial_no: str
    apiv3_key: str
    notify_url: str
    api_base: str
    timeout: float
    cert_dir: str | None = None
    public_key: str | None = None
    public_key_id: str | None = None


class _Core(Core):
    """The SDK's Core, speaking to api_base: it writes its host into _gate_way as it starts, and asks
    for the platform certificates there at once."""

    def __init__(self, api_base: str, **kwargs: Any) -> None:
        self._api_base = api_base.rstrip("/")
        super().__init__(**kwargs)

    @property
    def _gate_way(self) -> str:
        return self._api_base

    @_gate_way.setter
    def _gate_way(self, value: str) -> None:
        """The SDK's own host, which it sets first thing, is not ours."""


class _Client(WeChatPay):
    """WeChatPay as its __init__ builds it, over _Core (a direct merchant, no partner mode)."""

    def __init__(self, settings: WechatPaySettings) -> None:
        self._type = WeChatPayType.NATIVE
        self._mchid = settings.mchid
        self._appid = settings.appid
        self._notify_url = settings.notify_url
        self._partner_mode = False
        self._core = _Core(
            settings.api_base,
            mchid=settings.mchid,
            cert_serial_no=settings.cert_serial_no,
            private_key=settings.private_key,
            apiv3_key=settings.apiv3_key,
            cert_dir=settings.cert_dir,
            logger=None,
            proxy=None,
            timeout=(settings.timeout, settings.timeout),
            public_key=settings.public_key,
            public_key_id=settings.public_key_id,
        )


class WechatPayGateway:
    name = "wechatpay"

    def __init__(self, settings: WechatPaySettings) -> None:
        self._settings = settings
        self._client: _Client | None = None

    def _sdk(self) -> _Client:
        """The SDK, made on first use: it fetches the platform certificates as it starts."""
        if self._client is None:
            try:
                self._client = _Client(self._settings)
            except requests.RequestException as exc:
                raise PaymentProviderUnavailable() from exc
            except Exception as exc:  # the SDK raises bare Exceptions: no certificate came
                log.warning("WeChat Pay's platform certificates could not be had: %s", exc)
                raise PaymentProviderUnavailable() from exc
        return self._client

    def _call(self, name: str, **kwargs: Any) -> dict[str, Any]:
        """One SDK call: its answer's JSON (or {} for 204); 5xx, 429, no answer or an answer whose
        signature does not verify is the provider unavailable, any other refusal PaymentRefused."""
        sdk = self._sdk()
        try:
            code, body = getattr(sdk, name)(**kwargs)
        except requests.RequestException as exc:
            raise PaymentProviderUnavailable() from exc
        except Exception as exc:  # the SDK's own: the answer's signature did not verify
            log.error("WeChat Pay's answer to %s was refused: %s", name, exc)
            raise PaymentProviderUnavailable() from exc
        answer = _json(body)
        if code >= 500 or code == 429:
            raise PaymentProviderUnavailable()
        if code >= 400:
            raise PaymentRefused(f"{answer.get('code', code)}: {answer.get('message', '')}".strip())
        return answer

    @asks_provider
    def create_intent(
        self, order_id: int, amount: int, currency: str, method: str, key: str, payer: Payer | None = None
    ) -> IntentState:
        payer = payer or Payer()
        out_trade_no = key
        params: dict[str, Any] = {
            "description": f"订单 {order_id}",
            "out_trade_no": out_trade_no,
            "amount": {"total": amount, "currency": currency.upper()},
            "attach": json.dumps({"order_id": order_id}),
        }
        if payer.device == "mobile":
            params["pay_type"] = WeChatPayType.H5
            params["scene_info"] = {
                "payer_client_ip": payer.client_ip or "127.0.0.1",
                "h5_info": {"type": "Wap"},
            }
        else:
            params["pay_type"] = WeChatPayType.NATIVE
        answer = self._call("pay", **params)
        return IntentState(
            id=out_trade_no,
            status="requires_payment_method",
            amount=amount,
            amount_received=0,
            currency=currency.lower(),
            order_id=order_id,
            client_secret=None,
            created=int(time.time()),
            qr_code=answer.get("code_url"),
            redirect_url=answer.get("h5_url"),
        )

    @asks_provider
    def retrieve_intent(self, intent_id: str) -> IntentState:
        return _intent(self._call("query", out_trade_no=intent_id))

    @asks_provider
    def cancel_intent(self, intent_id: str) -> IntentState:
        # Paid meanwhile (ORDERPAID), or closed already: the trade says which.
        with contextlib.suppress(PaymentRefused):
            self._call("close", out_trade_no=intent_id)
        return self.retrieve_intent(intent_id)

    @asks_provider
    def refund(self, intent_id: str, amount: int, key: str) -> RefundState:
        trade = self.retrieve_intent(intent_id)
        answer = self._call(
            "refund",
            out_refund_no=key,
            out_trade_no=intent_id,
            amount={"refund": amount, "total": trade.amount, "currency": trade.currency.upper()},
        )
        return _refund(answer)

    @asks_provider
    def list_refunds(self, intent_id: str, ours: Sequence[str] = ()) -> list[RefundState]:
        return [_refund(self._call("query_refund", out_refund_no=ref)) for ref in ours]

    @asks_provider
    def list_recent_intents(self, created_after: int, ours: Sequence[str] = ()) -> list[IntentState]:
        """WeChat Pay lists no payments: each of ours still open is asked about."""
        states = []
        for out_trade_no in ours:
            try:
                states.append(self.retrieve_intent(out_trade_no))
            except PaymentRefused as exc:
                log.warning("WeChat Pay has no payment %s: %s", out_trade_no, exc)
        return states

    @asks_provider
    def verify_notification(self, headers: Headers | Mapping[str, str], body: bytes) -> dict[str, Any]:
        """The notification, its resource decrypted, once its signature verifies against the platform
        certificate it names, it is fresh, and it is this merchant's; BadNotification otherwise."""
        wanted = ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial")
        missing = [name for name in wanted if not headers.get(name)]
        if missing:
            raise BadNotification(f"missing {', '.join(missing)}")
        if headers.get("Wechatpay-Signature-Type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
            raise BadNotification("an unknown signature type")
        try:
            sent_at = int(headers["Wechatpay-Timestamp"])
        except ValueError:
            raise BadNotification("Wechatpay-Timestamp is not a time") from None
        if abs(time.time() - sent_at) > NOTIFICATION_MAX_AGE_SECONDS:
            raise BadNotification("Wechatpay-Timestamp is stale")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadNotification("the body is not UTF-8") from None
        plain = {
            "Wechatpay-Signature": headers["Wechatpay-Signature"],
            "Wechatpay-Timestamp": headers["Wechatpay-Timestamp"],
            "Wechatpay-Nonce": headers["Wechatpay-Nonce"],
            "Wechatpay-Serial": headers["Wechatpay-Serial"],
            "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        }
        sdk = self._sdk()
        try:
            notification = sdk.callback(plain, text)
        except requests.RequestException as exc:  # a certificate it did not know, and no answer for it
            raise PaymentProviderUnavailable() from exc
        except (ValueError, TypeError, AttributeError) as exc:
            raise BadNotification("the body is not a WeChat Pay notification") from exc
        except Exception as exc:  # the SDK's own refusals (an algorithm it does not take)
            raise BadNotification(str(exc)) from exc
        if not isinstance(notification, dict) or not isinstance(notification.get("resource"), dict):
            raise BadNotification("the signature or the resource does not verify")
        resource = notification["resource"]
        if resource.get("mchid", self._settings.mchid) != self._settings.mchid:
            raise BadNotification("another merchant's notification")
        if not notification.get("id") or not notification.get("event_type"):
            raise BadNotification("the notification has no id or event_type")
        return notification


def _json(body: Any) -> dict[str, Any]:
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _intent(trade: dict[str, Any]) -> IntentState:
    state = TRADE_STATES.get(trade.get("trade_state", ""), "requires_payment_method")
    amount = trade.get("amount") or {}
    try:
        order_id = int(json.loads(trade.get("attach") or "{}").get("order_id"))
    except (TypeError, ValueError, AttributeError):
        order_id = None
    total = int(amount.get("total") or 0)
    return IntentState(
        id=trade["out_trade_no"],
        status=state,
        amount=total,
        amount_received=total if state == "succeeded" else 0,
        currency=str(amount.get("currency") or "CNY").lower(),
        order_id=order_id,
        client_secret=None,
    )


def _refund(answer: dict[str, Any]) -> RefundState:
    status = REFUND_STATES.get(answer.get("status", ""), "pending")
    return RefundState(
        id=answer["out_refund_no"],
        payment_intent=answer.get("out_trade_no") or "",
        amount=int((answer.get("amount") or {}).get("refund") or 0),
        status=status,
        failure_reason="WeChat Pay: ABNORMAL (the buyer's account could not take it)"
        if status == "failed"
        else None,
    )
