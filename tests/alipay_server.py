"""A local server that answers python-alipay-sdk as Alipay's gateway (openapi.alipay.com/gateway.do)
does, for tests.

It speaks the protocol, with its own RSA code (the `cryptography` package, not the SDK's): every
request's parameters (query or form) are verified against the merchant's public key (RSA2: SHA256
with RSA over the parameters but `sign`, sorted, as k=v joined by &), and every answer is
`{"<method>_response": {...}, "sign": "..."}` signed with an Alipay key pair generated here, as are
the asynchronous notifications it makes (signed over every field but sign and sign_type).

A trade exists once the buyer opens the signed page-pay / H5 link (`open_cashier`); tests then pay
it (in full or short), refund it at the provider, or make the next calls fail.
"""

import base64
import itertools
import json
import secrets
import threading
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit
from urllib.request import urlopen
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Flask, Response, request
from werkzeug.serving import make_server

APP_ID = "2021000000000001"
CHINA = ZoneInfo("Asia/Shanghai")
TIMESTAMP = "%Y-%m-%d %H:%M:%S"
TIMESTAMP_SLACK = timedelta(minutes=15)


def key_pair() -> tuple[rsa.RSAPrivateKey, str, str]:
    """(the key, its private PEM, its public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return key, private, public


def sign(key: rsa.RSAPrivateKey, content: str) -> str:
    return base64.b64encode(key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verifies(public_pem: str, content: str, signature: str) -> bool:
    public = serialization.load_pem_public_key(public_pem.encode())
    try:
        public.verify(base64.b64decode(signature), content.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def content_of(params: dict[str, str], leave_out: tuple[str, ...]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in leave_out and v != "")


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def fen(text: str) -> int:
    whole, _, cents = text.partition(".")
    return int(whole) * 100 + int(cents.ljust(2, "0") or 0)


class FakeAlipay:
    def __init__(self) -> None:
        self.merchant_key, self.merchant_private_pem, self.merchant_public_pem = key_pair()
        self.alipay_key, self.alipay_private_pem, self.alipay_public_pem = key_pair()
        self.lock = threading.Lock()
        self.reset()
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/gateway.do"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def settings(self) -> dict[str, object]:
        """The app's settings for this server: our merchant key, its Alipay public key."""
        return {
            "PAYMENT_GATEWAY": "alipay",
            "ALIPAY_APP_ID": APP_ID,
            "ALIPAY_APP_PRIVATE_KEY": self.merchant_private_pem,
            "ALIPAY_PUBLIC_KEY": self.alipay_public_pem,
            "ALIPAY_GATEWAY_URL": self.url,
            "ALIPAY_NOTIFY_URL": "https://shop.example.cn/api/v1/webhooks/alipay",
            "ALIPAY_TIMEOUT_SECONDS": 3,
        }

    def reset(self) -> None:
        self.trades: dict[str, dict] = {}
        self.failures: list[str] = []  # what the next calls answer: "http_502" or "system_error"
        self.requests: list[dict[str, str]] = []
        self.refunds_wait = False  # refunds accepted but not yet paid out (fund_change N) until settled
        self.ids = itertools.count(1)

    def close(self) -> None:
        self.server.shutdown()

    # Test controls ---------------------------------------------------------------------------

    def fail_next(self, count: int = 1, how: str = "http_502") -> None:
        self.failures.extend([how] * count)

    def open_cashier(self, link: str) -> str:
        """What the buyer's browser does with a pay link: Alipay's cashier opens (the trade now exists)."""
        with urlopen(link, timeout=5) as page:
            return page.read().decode()

    def pay(self, out_trade_no: str, total_fen: int | None = None) -> dict:
        """The buyer paid, in full or (to test what we accept) another total."""
        with self.lock:
            trade = self.trades[out_trade_no]
            if total_fen is not None:
                trade["total_fen"] = total_fen
            trade.update(status="TRADE_SUCCESS", send_pay_date=self._now())
            return dict(trade)

    def notification(self, out_trade_no: str, key: rsa.RSAPrivateKey | None = None, **fields: str) -> dict:
        """Alipay's asynchronous notification of the trade as it is now (trade_status_sync), signed
        with Alipay's key (or another, to test a forged one); fields override what it says."""
        trade = self.trades[out_trade_no]
        form = {
            "notify_id": f"2026{secrets.token_hex(14)}",
            "notify_type": "trade_status_sync",
            "notify_time": self._now(),
            "charset": "utf-8",
            "version": "1.0",
            "app_id": APP_ID,
            "auth_app_id": APP_ID,
            "trade_no": trade["trade_no"],
            "out_trade_no": out_trade_no,
            "buyer_id": "2088102177846880",
            "seller_id": "2088102176283877",
            "trade_status": trade["status"],
            "total_amount": yuan(trade["total_fen"]),
            "receipt_amount": yuan(trade["total_fen"]),
            "subject": trade["subject"],
            "gmt_create": trade["gmt_create"],
        }
        if trade.get("send_pay_date"):
            form["gmt_payment"] = trade["send_pay_date"]
        form.update(fields)
        form["sign"] = sign(key or self.alipay_key, content_of(form, ("sign", "sign_type")))
        form["sign_type"] = "RSA2"
        return form

    def refunded_fen(self, out_trade_no: str) -> int:
        return sum(self.trades[out_trade_no]["refunds"].values())

    def settle_refunds(self, out_trade_no: str) -> None:
        """The refunds Alipay accepted are paid out to the buyer."""
        with self.lock:
            trade = self.trades[out_trade_no]
            trade["refunds"].update(trade.pop("waiting", {}))

    # The HTTP side -------------------------------------------------------------------------------

    def _now(self) -> str:
        return datetime.now(CHINA).strftime(TIMESTAMP)

    def _answer(self, method: str, content: dict) -> Response:
        body = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        name = method.replace(".", "_") + "_response"
        text = f'{{"{name}":{body},"sign":"{sign(self.alipay_key, body)}"}}'
        return Response(text, mimetype="application/json")

    def _refuse(self, method: str, sub_code: str, sub_msg: str, code: str = "40004") -> Response:
        msg = {
            "40004": "Business Failed",
            "40002": "Invalid Arguments",
            "20000": "Service Currently Unavailable",
        }
        return self._answer(
            method, {"code": code, "msg": msg[code], "sub_code": sub_code, "sub_msg": sub_msg}
        )

    def _make_app(self) -> Flask:
        app = Flask("fake-alipay")
        fake = self

        @app.route("/gateway.do", methods=["GET", "POST"])
        def gateway():
            params = {k: v for k, v in request.values.items()}
            fake.requests.append(params)
            method = params.get("method", "")
            with fake.lock:
                failure = fake.failures.pop(0) if fake.failures else None
            if failure == "http_502":
                return Response("Bad Gateway", status=502)
            if failure == "system_error":
                return fake._refuse(method, "ACQ.SYSTEM_ERROR", "系统繁忙", code="20000")
            if not verifies(fake.merchant_public_pem, content_of(params, ("sign",)), params.get("sign", "")):
                return fake._refuse(method, "isv.invalid-signature", "验签出错", code="40002")
            if params.get("app_id") != APP_ID:
                return fake._refuse(method, "isv.invalid-app-id", "无效的AppID参数", code="40002")
            try:
                sent = datetime.strptime(params.get("timestamp", ""), TIMESTAMP).replace(tzinfo=CHINA)
            except ValueError:
                sent = None
            if sent is None or abs(datetime.now(CHINA) - sent) > TIMESTAMP_SLACK:
                return fake._refuse(method, "isv.invalid-timestamp", "非法的时间戳参数", code="40002")
            biz = json.loads(params.get("biz_content") or "{}")
            handler = HANDLERS.get(method)
            if handler is None:
                return fake._refuse(method, "isv.invalid-method", "不存在的方法名", code="40002")
            with fake.lock:
                return handler(fake, method, biz)

        return app

    def _cashier(self, method: str, biz: dict) -> Response:
        trade = self.trades.setdefault(
            biz["out_trade_no"],
            {
                "trade_no": f"2026{next(self.ids):024d}",
                "total_fen": fen(biz["total_amount"]),
                "subject": biz["subject"],
                "product_code": biz["product_code"],
                "status": "WAIT_BUYER_PAY",
                "gmt_create": self._now(),
                "send_pay_date": None,
                "refunds": {},
            },
        )
        return Response(
            f"<html><body>支付宝收银台 ¥{yuan(trade['total_fen'])}</body></html>", mimetype="text/html"
        )

    def _query(self, method: str, biz: dict) -> Response:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None:
            return self._refuse(method, "ACQ.TRADE_NOT_EXIST", "交易不存在")
        content = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade["trade_no"],
            "out_trade_no": biz["out_trade_no"],
            "trade_status": trade["status"],
            "total_amount": yuan(trade["total_fen"]),
            "buyer_logon_id": "159****5620",
        }
        if trade["send_pay_date"]:
            content["send_pay_date"] = trade["send_pay_date"]
        return self._answer(method, content)

    def _close(self, method: str, biz: dict) -> Response:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None:
            return self._refuse(method, "ACQ.TRADE_NOT_EXIST", "交易不存在")
        if trade["status"] != "WAIT_BUYER_PAY":
            return self._refuse(method, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade["status"] = "TRADE_CLOSED"
        content = {"code": "10000", "msg": "Success", "trade_no": trade["trade_no"]}
        return self._answer(method, {**content, "out_trade_no": biz["out_trade_no"]})

    def _refund(self, method: str, biz: dict) -> Response:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None:
            return self._refuse(method, "ACQ.TRADE_NOT_EXIST", "交易不存在")
        request_no = biz.get("out_request_no") or biz["out_trade_no"]
        amount = fen(biz["refund_amount"])
        done = {"code": "10000", "msg": "Success", "trade_no": trade["trade_no"]}
        done.update(out_trade_no=biz["out_trade_no"], buyer_logon_id="159****5620", refund_fee=yuan(amount))
        if request_no in trade["refunds"] or request_no in trade.get("waiting", {}):
            # The same request again: no money moves.
            return self._answer(method, {**done, "fund_change": "N"})
        if trade["status"] not in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            return self._refuse(method, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        if amount > trade["total_fen"] - sum(trade["refunds"].values()):
            return self._refuse(method, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        if self.refunds_wait:
            trade.setdefault("waiting", {})[request_no] = amount
            return self._answer(method, {**done, "fund_change": "N"})
        trade["refunds"][request_no] = amount
        if sum(trade["refunds"].values()) == trade["total_fen"]:
            trade["status"] = "TRADE_CLOSED"  # paid, then refunded in full
        return self._answer(method, {**done, "fund_change": "Y", "gmt_refund_pay": self._now()})

    def _refund_query(self, method: str, biz: dict) -> Response:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None:
            return self._refuse(method, "ACQ.TRADE_NOT_EXIST", "交易不存在")
        amount = trade["refunds"].get(biz.get("out_request_no", ""))
        content = {"code": "10000", "msg": "Success", "out_trade_no": biz["out_trade_no"]}
        if amount is not None:
            content.update(
                out_request_no=biz["out_request_no"],
                refund_amount=yuan(amount),
                refund_status="REFUND_SUCCESS",
            )
        return self._answer(method, content)


HANDLERS = {
    "alipay.trade.page.pay": FakeAlipay._cashier,
    "alipay.trade.wap.pay": FakeAlipay._cashier,
    "alipay.trade.query": FakeAlipay._query,
    "alipay.trade.close": FakeAlipay._close,
    "alipay.trade.refund": FakeAlipay._refund,
    "alipay.trade.fastpay.refund.query": FakeAlipay._refund_query,
}


def link_params(link: str) -> dict[str, str]:
    """A pay link's parameters, as Alipay reads them."""
    return dict(parse_qsl(urlsplit(link).query))
