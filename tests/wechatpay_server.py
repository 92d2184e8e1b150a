"""A local server that speaks WeChat Pay API v3 for the calls the gateway makes, for tests.

It holds the platform's RSA key and certificate (made here, self-signed) and the merchant's public
key: every request's Authorization (WECHATPAY2-SHA256-RSA2048) is checked against the merchant's key,
every 2xx answer is signed with the platform key (Wechatpay-Signature over "<timestamp>\\n<nonce>\\n
<body>\\n"), the certificates at /v3/certificates and the resources of notifications are encrypted
with AEAD_AES_256_GCM under the APIv3 key. Tests drive it directly: a buyer pays (in full or short),
a refund settles, the next calls fail, and each of those produces the notification WeChat Pay
would POST, signed, for the test to deliver (as is, late, twice, or tampered with).
"""

import base64
import datetime
import itertools
import json
import re
import secrets
import threading
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from flask import Flask, Response, request
from werkzeug.serving import make_server

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
APIV3_KEY = "a12d3924fd499edac8a5efc4f2c91a7b"  # 32 bytes, as WeChat Pay's are
MERCHANT_SERIAL = "444F4864EA9B34415"
AUTHORIZATION = re.compile(r"^WECHATPAY2-SHA256-RSA2048 (.+)$")
UNIT = {"mchid", "nonce_str", "signature", "timestamp", "serial_no"}


def _pem_private(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _certificate(key, serial: int) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (test)")])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def encrypt(plain: str, associated_data: str) -> dict:
    """AEAD_AES_256_GCM under the APIv3 key, as WeChat Pay encrypts a resource."""
    nonce = secrets.token_hex(6)  # 12 characters
    sealed = AESGCM(APIV3_KEY.encode()).encrypt(nonce.encode(), plain.encode(), associated_data.encode())
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "nonce": nonce,
        "associated_data": associated_data,
        "ciphertext": base64.b64encode(sealed).decode(),
    }


class FakeWechatPay:
    def __init__(self) -> None:
        self.merchant_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.merchant_private_pem = _pem_private(self.merchant_key)
        self.platform_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.platform_serial = secrets.randbits(64) | 1 << 63
        self.platform_certificate = _certificate(self.platform_key, self.platform_serial)
        self.lock = threading.Lock()
        self.reset()
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def serial_hex(self) -> str:
        return format(self.platform_serial, "X")

    def reset(self) -> None:
        self.trades: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.failures: list[int] = []  # HTTP statuses the next calls answer with
        self.requests: list[tuple[str, str, dict]] = []
        self.ids = itertools.count(1)

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)

    # What happens at WeChat Pay, and the notification it then sends

    def pay(self, out_trade_no: str, total: int | None = None, currency: str = "CNY") -> dict:
        """The buyer scans and pays: the trade succeeds (with `total` received, when short)."""
        with self.lock:
            trade = self.trades[out_trade_no]
            trade["trade_state"], trade["trade_state_desc"] = "SUCCESS", "支付成功"
            trade["transaction_id"] = f"42000{next(self.ids):023d}"
            trade["success_time"] = _now_text()
            trade["bank_type"] = "OTHERS"
            trade["payer"] = {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
            if total is not None:
                trade["amount"] = {**trade["amount"], "total": total, "payer_total": total}
            trade["amount"]["currency"] = currency
            trade["amount"]["payer_currency"] = currency
            return dict(trade)

    def settle_refund(self, out_refund_no: str, status: str = "SUCCESS") -> dict:
        with self.lock:
            refund = self.refunds[out_refund_no]
            refund["status"] = status
            if status == "SUCCESS":
                refund["success_time"] = _now_text()
            return dict(refund)

    def notification(self, event_type: str, resource: dict, sign_with=None, timestamp: int | None = None):
        """(headers, body) of the notification WeChat Pay POSTs for this resource."""
        original_type = "transaction" if event_type.startswith("TRANSACTION") else "refund"
        body = json.dumps(
            {
                "id": f"EV-{secrets.token_hex(8)}",
                "create_time": _now_text(),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": "支付成功" if original_type == "transaction" else "退款状态变更",
                "resource": {
                    **encrypt(json.dumps(resource, ensure_ascii=False), original_type),
                    "original_type": original_type,
                },
            },
            ensure_ascii=False,
        )
        return self.signed_headers(body, sign_with=sign_with, timestamp=timestamp), body.encode()

    def refund_resource(self, refund: dict) -> dict:
        """A refund notification's resource, as WeChat Pay gives it."""
        return {
            "mchid": MCHID,
            "out_trade_no": refund["out_trade_no"],
            "transaction_id": refund["transaction_id"],
            "out_refund_no": refund["out_refund_no"],
            "refund_id": refund["refund_id"],
            "refund_status": refund["status"],
            "success_time": refund.get("success_time"),
            "user_received_account": refund["user_received_account"],
            "amount": {
                "total": refund["amount"]["total"],
                "refund": refund["amount"]["refund"],
                "payer_total": refund["amount"]["total"],
                "payer_refund": refund["amount"]["refund"],
            },
        }

    def signed_headers(self, body: str, sign_with=None, timestamp: int | None = None) -> dict:
        timestamp = int(time.time()) if timestamp is None else timestamp
        nonce = secrets.token_hex(16)
        message = f"{timestamp}\n{nonce}\n{body}\n".encode()
        key = sign_with or self.platform_key
        signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return {
            "Wechatpay-Timestamp": str(timestamp),
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": base64.b64encode(signature).decode(),
            "Wechatpay-Serial": self.serial_hex,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        self.failures.extend([status] * count)

    # The protocol

    def _make_app(self) -> Flask:
        app = Flask("fake_wechatpay")

        def answer(status: int, payload: dict | None = None) -> Response:
            body = "" if payload is None else json.dumps(payload, ensure_ascii=False)
            headers = {"Request-ID": secrets.token_hex(8)}
            if 200 <= status < 300:
                headers.update(self.signed_headers(body))
            return Response(body, status=status, headers=headers, content_type="application/json")

        def error(status: int, code: str, message: str) -> Response:
            return answer(status, {"code": code, "message": message})

        @app.before_request
        def authenticate():
            self.requests.append(
                (request.method, request.full_path.rstrip("?"), request.get_json(silent=True))
            )
            if self.failures:
                return error(self.failures.pop(0), "SYSTEM_ERROR", "系统错误")
            return self._check_authorization()

        @app.get("/v3/certificates")
        def certificates():
            pem = self.platform_certificate.public_bytes(serialization.Encoding.PEM).decode()
            now = datetime.datetime.now(datetime.UTC)
            return answer(
                200,
                {
                    "data": [
                        {
                            "serial_no": self.serial_hex,
                            "effective_time": (now - datetime.timedelta(days=1)).isoformat(),
                            "expire_time": (now + datetime.timedelta(days=365)).isoformat(),
                            "encrypt_certificate": encrypt(pem, "certificate"),
                        }
                    ]
                },
            )

        @app.post("/v3/pay/transactions/<trade_type>")
        def create(trade_type):
            if trade_type not in ("native", "h5"):
                return error(404, "NOT_FOUND", "无此接口")
            body = request.get_json()
            missing = [
                k
                for k in ("appid", "mchid", "description", "out_trade_no", "notify_url", "amount")
                if not body.get(k)
            ]
            if missing:
                return error(400, "PARAM_ERROR", f"缺少参数 {missing[0]}")
            if body["mchid"] != MCHID or body["appid"] != APPID:
                return error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
            amount = body["amount"]
            if (
                not isinstance(amount.get("total"), int)
                or amount["total"] < 1
                or amount.get("currency", "CNY") != "CNY"
            ):
                return error(400, "PARAM_ERROR", "金额或币种错误")
            if trade_type == "h5" and not (body.get("scene_info") or {}).get("payer_client_ip"):
                return error(400, "PARAM_ERROR", "缺少 scene_info.payer_client_ip")
            out_trade_no = body["out_trade_no"]
            if not re.fullmatch(r"[0-9A-Za-z_\-|*]{6,32}", out_trade_no):
                return error(400, "PARAM_ERROR", "out_trade_no 格式错误")
            with self.lock:
                trade = self.trades.get(out_trade_no)
                if trade is not None and (
                    trade["amount"]["total"] != amount["total"] or trade["trade_state"] != "NOTPAY"
                ):
                    return error(400, "OUT_TRADE_NO_USED", "商户订单号重复")
                if trade is None:
                    trade = {
                        "appid": APPID,
                        "mchid": MCHID,
                        "out_trade_no": out_trade_no,
                        "trade_type": trade_type.upper().replace("H5", "MWEB"),
                        "trade_state": "NOTPAY",
                        "trade_state_desc": "订单未支付",
                        "attach": body.get("attach", ""),
                        "amount": {"total": amount["total"], "currency": "CNY"},
                        "prepay": f"wx{next(self.ids):026d}",
                        "notify_url": body["notify_url"],
                    }
                    self.trades[out_trade_no] = trade
            if trade_type == "native":
                return answer(200, {"code_url": f"weixin://wxpay/bizpayurl?pr={trade['prepay'][-7:]}"})
            return answer(
                200,
                {
                    "h5_url": f"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={trade['prepay']}&package=1"
                },
            )

        @app.get("/v3/pay/transactions/out-trade-no/<out_trade_no>")
        def query(out_trade_no):
            if request.args.get("mchid") != MCHID:
                return error(400, "PARAM_ERROR", "mchid 错误")
            trade = self.trades.get(out_trade_no)
            if trade is None:
                return error(404, "ORDER_NOT_EXIST", "订单不存在")
            return answer(200, {k: v for k, v in trade.items() if k not in ("prepay", "notify_url")})

        @app.post("/v3/pay/transactions/out-trade-no/<out_trade_no>/close")
        def close(out_trade_no):
            with self.lock:
                trade = self.trades.get(out_trade_no)
                if trade is None:
                    return error(404, "ORDER_NOT_EXIST", "订单不存在")
                if trade["trade_state"] in ("SUCCESS", "REFUND"):
                    return error(400, "ORDERPAID", "订单已支付")
                trade["trade_state"], trade["trade_state_desc"] = "CLOSED", "订单已关闭"
            return answer(204)

        @app.post("/v3/refund/domestic/refunds")
        def refund():
            body = request.get_json()
            out_refund_no, amount = body.get("out_refund_no"), body.get("amount") or {}
            with self.lock:
                if out_refund_no in self.refunds:
                    return answer(200, self.refunds[out_refund_no])
                trade = self.trades.get(body.get("out_trade_no"))
                if trade is None:
                    return error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
                if trade["trade_state"] not in ("SUCCESS", "REFUND"):
                    return error(400, "INVALID_REQUEST", "订单未支付")
                if amount.get("total") != trade["amount"]["total"] or amount.get("currency", "CNY") != "CNY":
                    return error(400, "PARAM_ERROR", "订单金额或币种与原订单不符")
                refunded = sum(
                    r["amount"]["refund"]
                    for r in self.refunds.values()
                    if r["out_trade_no"] == trade["out_trade_no"] and r["status"] != "CLOSED"
                )
                if not 0 < amount.get("refund", 0) <= trade["amount"]["total"] - refunded:
                    return error(400, "NOT_ENOUGH", "可退金额不足")
                record = {
                    "refund_id": f"50000{next(self.ids):025d}",
                    "out_refund_no": out_refund_no,
                    "transaction_id": trade["transaction_id"],
                    "out_trade_no": trade["out_trade_no"],
                    "channel": "ORIGINAL",
                    "user_received_account": "招商银行信用卡0403",
                    "create_time": _now_text(),
                    "status": "PROCESSING",
                    "funds_account": "AVAILABLE",
                    "amount": {
                        "total": trade["amount"]["total"],
                        "refund": amount["refund"],
                        "payer_total": trade["amount"]["total"],
                        "payer_refund": amount["refund"],
                        "settlement_refund": amount["refund"],
                        "settlement_total": trade["amount"]["total"],
                        "discount_refund": 0,
                        "currency": "CNY",
                    },
                }
                self.refunds[out_refund_no] = record
                trade["trade_state"], trade["trade_state_desc"] = "REFUND", "转入退款"
            return answer(200, record)

        @app.get("/v3/refund/domestic/refunds/<out_refund_no>")
        def query_refund(out_refund_no):
            refund = self.refunds.get(out_refund_no)
            if refund is None:
                return error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
            return answer(200, refund)

        return app

    def _check_authorization(self) -> Response | None:
        """The merchant's signature: "<method>\\n<path?query>\\n<timestamp>\\n<nonce>\\n<body>\\n",
        RSA-SHA256 with the merchant's key, its serial and mchid named, within five minutes."""

        def refuse(why: str) -> Response:
            return Response(
                json.dumps({"code": "SIGN_ERROR", "message": why}, ensure_ascii=False),
                status=401,
                content_type="application/json",
            )

        found = AUTHORIZATION.match(request.headers.get("Authorization", ""))
        if not found:
            return refuse("缺少或无法识别 Authorization")
        parts = dict(re.findall(r'(\w+)="([^"]*)"', found.group(1)))
        if set(parts) != UNIT:
            return refuse("Authorization 参数不全")
        if parts["mchid"] != MCHID or parts["serial_no"] != MERCHANT_SERIAL:
            return refuse("商户号或证书序列号错误")
        if abs(time.time() - int(parts["timestamp"])) > 300:
            return refuse("时间戳过期")
        body = request.get_data(as_text=True)
        path = request.full_path.rstrip("?")
        message = f"{request.method}\n{path}\n{parts['timestamp']}\n{parts['nonce_str']}\n{body}\n"
        try:
            self.merchant_key.public_key().verify(
                base64.b64decode(parts["signature"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, ValueError):
            return refuse("签名错误")
        return None


def _now_text() -> str:
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).isoformat(timespec="seconds")
