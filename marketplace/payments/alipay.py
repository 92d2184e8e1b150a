"""Alipay (支付宝) through python-alipay-sdk: page pay (alipay.trade.page.pay) for a computer's browser
and H5 (alipay.trade.wap.pay) for a phone's, the asynchronous notifications verified by Alipay's RSA2
signature, alipay.trade.query, alipay.trade.close and alipay.trade.refund.

Page pay and H5 are signed links the buyer's browser opens at Alipay: nothing is asked of Alipay at
checkout, and Alipay knows the trade only once the buyer has opened it. A trade is our out_trade_no,
made from the payment's idempotency key; Alipay's statuses are read in the gateway protocol's (Stripe's)
vocabulary. ALIPAY_GATEWAY_URL points the SDK at another gateway (the tests' tests/alipay_server.py).
"""

import json
import logging
import re
import urllib.error
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError

from marketplace.payments.gateways import (
    IntentState,
    Payer,
    PaymentProviderUnavailable,
    PaymentRefused,
    RefundState,
    asks_provider,
)
from marketplace.timeutil import CHINA

log = logging.getLogger(__name__)
TIMESTAMP = "%Y-%m-%d %H:%M:%S"  # Beijing time, as Alipay reads every time it is sent
# Alipay's trade statuses, read as the protocol's.
PAID = ("TRADE_SUCCESS", "TRADE_FINISHED")
TRADE_STATUSES = ("WAIT_BUYER_PAY", "TRADE_CLOSED", *PAID)
PRODUCTS = {"page": "alipay.trade.page.pay", "wap": "alipay.trade.wap.pay"}
# Answers that say Alipay is not able to answer now (retrying may mend them), not that it refuses.
UNAVAILABLE_CODES = ("20000",)
UNAVAILABLE_SUB_CODES = ("ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR")
YUAN = re.compile(r"([0-9]{1,16})(?:\.([0-9]{1,2}))?")  # ASCII digits: \d takes "１" too


def yuan_text(fen: int) -> str:
    """Fen as Alipay's amounts are written: yuan with two decimals (19860 → "198.60")."""
    return f"{fen // 100}.{fen % 100:02d}"


def fen_of(text: str) -> int | None:
    """Alipay's yuan ("198.60", "198.6", "198") as fen exactly; None for anything else."""
    match = YUAN.fullmatch(text or "")
    if match is None:
        return None
    return int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))


def trade_no_for(key: str) -> str:
    """An out_trade_no (letters, digits and underscores, at most 64) from an idempotency key."""
    return re.sub(r"[^0-9A-Za-z_]", "_", key)[:64]


class _AliPay(AliPay):
    """The SDK, pointed at the configured gateway and stamping China's time (it stamps the host's
    local time, which a server in UTC would send eight hours off)."""

    def __init__(self, gateway_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._gateway = gateway_url

    def build_body(
        self, method: str, biz_content: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        data: dict[str, Any] = super().build_body(method, biz_content, **kwargs)
        data["timestamp"] = datetime.now(CHINA).strftime(TIMESTAMP)
        return data


class AlipayGateway:
    name = "alipay"

    def __init__(
        self,
        app_id: str,
        app_private_key: str,
        alipay_public_key: str,
        gateway_url: str,
        notify_url: str | None,
        timeout: float = 10.0,
    ) -> None:
        self.app_id = app_id
        self._sdk = _AliPay(
            gateway_url,
            appid=app_id,
            app_notify_url=notify_url,
            app_private_key_string=app_private_key,
            alipay_public_key_string=alipay_public_key,
            sign_type="RSA2",
        )
        self._sdk._config.timeout = timeout

    # Calls to Alipay ----------------------------------------------------------------------------

    def _call(self, api: str, **params: Any) -> dict[str, Any]:
        """One signed call; Alipay's verified answer, or the protocol's error for why there is none."""
        try:
            answer: dict[str, Any] = getattr(self._sdk, api)(**params)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise PaymentProviderUnavailable() from exc
        except AliPayValidationError as exc:
            # An answer not signed by Alipay's key is no answer: nothing is changed on it.
            raise PaymentProviderUnavailable() from exc
        except AliPayException as exc:  # an answer Alipay did not sign: its error_response
            answer = _error_answer(str(exc))
        code, sub_code = str(answer.get("code", "")), str(answer.get("sub_code", ""))
        if code == "10000":
            return answer
        if code in UNAVAILABLE_CODES or sub_code in UNAVAILABLE_SUB_CODES:
            raise PaymentProviderUnavailable()
        raise PaymentRefused(
            f"{sub_code or code}: {answer.get('sub_msg') or answer.get('msg') or ''}".strip()
        )

    # The gateway protocol ------------------------------------------------------------------------

    @asks_provider
    def create_intent(
        self, order_id: int, amount: int, currency: str, method: str, key: str, payer: Payer | None = None
    ) -> IntentState:
        if currency.upper() != "CNY":
            raise PaymentRefused(f"Alipay takes CNY, not {currency}.")
        trade = trade_no_for(key)
        return IntentState(trade, "requires_payment_method", amount, 0, "cny", order_id, None)

    @asks_provider
    def retrieve_intent(self, intent_id: str) -> IntentState:
        try:
            trade = self._call("api_alipay_trade_query", out_trade_no=intent_id)
        except PaymentRefused as exc:
            if "TRADE_NOT_EXIST" in exc.message:  # the buyer has not opened the cashier yet
                return IntentState(intent_id, "requires_payment_method", 0, 0, "cny", None, None)
            raise
        total = fen_of(str(trade.get("total_amount", ""))) or 0
        status = str(trade.get("trade_status", ""))
        # TRADE_CLOSED is a trade never paid, or one paid and then refunded in full: paid, it had a
        # payment date, and its refunds are ours to follow.
        paid = status in PAID or (status == "TRADE_CLOSED" and bool(trade.get("send_pay_date")))
        return IntentState(
            intent_id,
            "succeeded" if paid else "canceled" if status == "TRADE_CLOSED" else "requires_payment_method",
            total,
            total if paid else 0,
            str(trade.get("trans_currency") or "cny").lower(),
            None,
            None,
        )

    @asks_provider
    def cancel_intent(self, intent_id: str) -> IntentState:
        try:
            self._call("api_alipay_trade_close", out_trade_no=intent_id)
        except PaymentRefused as exc:
            if "TRADE_NOT_EXIST" not in exc.message:
                return self.retrieve_intent(intent_id)  # paid already, or closed: as Alipay has it
        # Never opened: its link expires with the reservation (time_expire), so nothing can pay it.
        return IntentState(intent_id, "canceled", 0, 0, "cny", None, None)

    @asks_provider
    def refund(self, intent_id: str, amount: int, key: str) -> RefundState:
        request_no = trade_no_for(key)
        answer = self._call(
            "api_alipay_trade_refund",
            refund_amount=yuan_text(amount),
            out_trade_no=intent_id,
            out_request_no=request_no,
        )
        if answer.get("fund_change") == "Y":
            return RefundState(request_no, intent_id, amount, "succeeded")
        # "N": no money moved by this call; a retry of a refund made already says so too.
        return self._refund_state(intent_id, request_no, amount)

    def _refund_state(self, intent_id: str, request_no: str, amount: int | None = None) -> RefundState:
        answer = self._call(
            "api_alipay_trade_fastpay_refund_query", out_request_no=request_no, out_trade_no=intent_id
        )
        done = answer.get("refund_status") == "REFUND_SUCCESS"
        if amount is None:
            amount = fen_of(str(answer.get("refund_amount", ""))) or 0
        return RefundState(request_no, intent_id, amount, "succeeded" if done else "pending")

    @asks_provider
    def list_refunds(self, intent_id: str, ours: Sequence[str] = ()) -> list[RefundState]:
        """Alipay lists no refunds: each of ours on this trade is queried."""
        return [self._refund_state(intent_id, ref) for ref in ours]

    @asks_provider
    def list_recent_intents(self, created_after: int, ours: Sequence[str] = ()) -> list[IntentState]:
        """Alipay lists no trades: reconciliation queries each of our Alipay payments still pending
        (alipay.trade.query)."""
        trades = []
        for ref in ours:
            try:
                trades.append(self.retrieve_intent(ref))
            except PaymentRefused as exc:  # one trade Alipay will not answer for holds up no other
                log.warning("alipay trade %s not reconciled: %s", ref, exc.message)
        return trades

    # Alipay's own: signed and verified here, with nothing asked of Alipay -----------------------

    def pay_url(
        self,
        intent_id: str,
        amount: int,
        subject: str,
        device: str,
        expires_at: datetime,
        return_url: str | None,
    ) -> str:
        """The signed link that opens Alipay's cashier: page pay on a computer, H5 on a phone. It
        cannot be paid after the reservation ends (time_expire)."""
        base = self._sdk.client_api(
            PRODUCTS[device],
            biz_content={
                "subject": subject,
                "out_trade_no": intent_id,
                "total_amount": yuan_text(amount),
                "product_code": "FAST_INSTANT_TRADE_PAY" if device == "page" else "QUICK_WAP_WAY",
                "time_expire": expires_at.astimezone(CHINA).strftime(TIMESTAMP),
            },
            return_url=return_url,
        )
        return f"{self._sdk._gateway}?{base}"

    def verify_notification(self, form: dict[str, str]) -> bool:
        """Whether Alipay signed these fields (RSA2 over every field but sign and sign_type, sorted)."""
        fields = dict(form)
        signature = fields.pop("sign", "")
        if not signature or fields.get("sign_type", "RSA2") != "RSA2":
            return False
        fields.pop("sign_type", None)
        try:
            return bool(self._sdk.verify(fields, signature))
        except (ValueError, TypeError):  # not base64, or not a signature of this key's size
            return False


def _error_answer(text: str) -> dict[str, Any]:
    """The body of an answer Alipay did not sign (an error_response), from the SDK's exception."""
    _, _, raw = text.partition("message:")
    try:
        body = json.loads(raw)
    except ValueError:
        return {"code": "20000"}
    if not isinstance(body, dict):
        return {"code": "20000"}
    answer = body.get("error_response") or next(
        (v for k, v in body.items() if k.endswith("_response") and isinstance(v, dict)), {}
    )
    return answer if isinstance(answer, dict) else {"code": "20000"}
