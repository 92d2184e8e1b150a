"""A local server that answers Alibaba Cloud's SMS SDK as Dysmsapi (dysmsapi.aliyuncs.com) does, for
tests: SendSms of API version 2017-05-25, over plain HTTP on 127.0.0.1.

It checks each request as Alibaba Cloud documents its V3 signature (ACS3-HMAC-SHA256), with code of
its own (hashlib and hmac, not the SDK's): the canonical request (method, path, sorted and encoded
query, the signed headers lower-cased and sorted, the list of them, the body's SHA-256) is hashed,
the string "ACS3-HMAC-SHA256\\n<that hash>" is signed with the AccessKey secret by HMAC-SHA256, and
the Authorization header must carry exactly that signature, for the right AccessKey id, with the
host, content-type and every x-acs-* header signed; the body must hash to x-acs-content-sha256, the
date be within 15 minutes and the nonce never seen before. Then it answers as Dysmsapi does: Code
"OK" and a BizId, or an isv.* code for a bad number, an unknown sign or template or a missing
template variable, and it keeps each message it sent, its template filled in.

Tests make the next calls fail: a 503 (ServiceUnavailable), flow control (isv.BUSINESS_LIMIT_CONTROL),
or an answer that comes too late (the message is sent all the same, as a provider would).
"""

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from string import Template
from urllib.parse import parse_qsl, quote

from flask import Flask, Response, request
from werkzeug.serving import make_server

ACCESS_KEY_ID = "LTAI5tMarketplaceTest"
ACCESS_KEY_SECRET = "marketplace-test-secret-0123456789"
SIGN_NAME = "消费帮扶平台"
ALGORITHM = "ACS3-HMAC-SHA256"
DATE_SLACK = timedelta(minutes=15)
AUTHORIZATION = re.compile(
    rf"^{ALGORITHM} Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{{64}})$"
)


@dataclass(frozen=True)
class Sent:
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    text: str
    biz_id: str


def encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_request(method: str, path: str, query: str, headers: dict[str, str], signed: list[str]) -> str:
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    canonical_query = "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
    return "\n".join(
        [
            method,
            path or "/",
            canonical_query,
            canonical_headers,
            ";".join(signed),
            headers["x-acs-content-sha256"],
        ]
    )


def signature(secret: str, canonical: str) -> str:
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


class FakeAliyunSms:
    def __init__(self, templates: dict[str, str]) -> None:
        """templates: the approved templates, {code: text with ${variables}}."""
        self.templates = templates
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.sent: list[Sent] = []
        self.nonces: set[str] = set()
        self.requests = 0
        self.failures: list[str] = []
        self.late_seconds = 0.0
        self.app = Flask(__name__)
        self.app.add_url_rule("/", "api", self.api, methods=["POST", "GET"])
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.endpoint = f"127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def settings(self, kinds: dict[str, str]) -> dict[str, object]:
        """The app's settings for this server; kinds: {notification kind: template code}."""
        return {
            "SMS_PROVIDER": "aliyun",
            "SMS_ALIYUN_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "SMS_ALIYUN_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET,
            "SMS_ALIYUN_SIGN_NAME": SIGN_NAME,
            "SMS_ALIYUN_TEMPLATES": kinds,
            "SMS_ALIYUN_ENDPOINT": self.endpoint,
            "SMS_ALIYUN_PROTOCOL": "http",
            "SMS_TIMEOUT_SECONDS": 1,
        }

    def reset(self) -> None:
        with self.lock:
            self.sent.clear()
            self.failures.clear()
            self.requests = 0
            self.late_seconds = 0.0

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)

    def fail_next(self, how: str, count: int = 1, late_seconds: float = 2.0) -> None:
        """how: "http_503", "throttled" or "late" (sent, but answered after late_seconds)."""
        with self.lock:
            self.failures.extend([how] * count)
            self.late_seconds = late_seconds

    # The API

    def api(self) -> Response:
        with self.lock:
            self.requests += 1
            failure = self.failures.pop(0) if self.failures else None
        refused = self.refuse_signature()
        if refused is not None:
            return refused
        if failure == "http_503":
            return self.answer({"Code": "ServiceUnavailable", "Message": "The service is unavailable."}, 503)
        if failure == "throttled":
            return self.answer(
                {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控Permits:10"}
            )
        params = {**dict(parse_qsl(request.query_string.decode())), **request.form.to_dict()}
        answer = self.send_sms(params)
        if failure == "late":
            time.sleep(self.late_seconds)
        return self.answer(answer)

    def refuse_signature(self) -> Response | None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
            return self.answer(
                {"Code": "InvalidAction.NotFound", "Message": "Specified api is not found"}, 404
            )
        match = AUTHORIZATION.match(headers.get("authorization", ""))
        if match is None:
            return self.answer(
                {"Code": "IncompleteSignature", "Message": "The request signature is incomplete."}, 400
            )
        key_id, signed_list, given = match.groups()
        if key_id != ACCESS_KEY_ID:
            return self.answer(
                {"Code": "InvalidAccessKeyId.NotFound", "Message": "AccessKeyId is not found."}, 404
            )
        signed = signed_list.split(";")
        required = {"host", "content-type"} & headers.keys() | {h for h in headers if h.startswith("x-acs-")}
        if signed != sorted(signed) or not required <= set(signed) or not set(signed) <= headers.keys():
            return self.answer({"Code": "IncompleteSignature", "Message": "A header is not signed."}, 400)
        if headers.get("x-acs-content-sha256") != hashlib.sha256(request.get_data()).hexdigest():
            return self.answer({"Code": "InvalidContentSha256", "Message": "The body does not match."}, 400)
        try:
            date = datetime.strptime(headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return self.answer(
                {"Code": "InvalidTimeStamp.Format", "Message": "x-acs-date is malformed."}, 400
            )
        if abs(datetime.now(UTC) - date) > DATE_SLACK:
            return self.answer({"Code": "InvalidTimeStamp.Expired", "Message": "x-acs-date expired."}, 400)
        canonical = canonical_request(
            request.method, request.path, request.query_string.decode(), headers, signed
        )
        if not hmac.compare_digest(signature(ACCESS_KEY_SECRET, canonical), given):
            return self.answer(
                {
                    "Code": "SignatureDoesNotMatch",
                    "Message": "Specified signature does not match our calculation.",
                },
                400,
            )
        nonce = headers.get("x-acs-signature-nonce", "")
        with self.lock:
            if not nonce or nonce in self.nonces:
                return self.answer(
                    {"Code": "SignatureNonceUsed", "Message": "The nonce was used before."}, 400
                )
            self.nonces.add(nonce)
        return None

    def send_sms(self, params: dict[str, str]) -> dict[str, str]:
        phone, code = params.get("PhoneNumbers", ""), params.get("TemplateCode", "")
        if not re.fullmatch(r"1[3-9]\d{9}", phone):
            return {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
        if params.get("SignName") != SIGN_NAME:
            return {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "该账号下找不到对应签名"}
        if code not in self.templates:
            return {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "该账号下找不到对应模板"}
        try:
            variables = json.loads(params.get("TemplateParam") or "{}")
            text = Template(self.templates[code]).substitute(variables)
        except (ValueError, KeyError):
            return {"Code": "isv.TEMPLATE_MISSING_PARAMETERS", "Message": "模板变量缺少对应参数值"}
        biz_id = f"{next(self.ids):06d}^0"
        with self.lock:
            self.sent.append(
                Sent(phone, params["SignName"], code, variables, f"【{SIGN_NAME}】{text}", biz_id)
            )
        return {"Code": "OK", "Message": "OK", "BizId": biz_id}

    def answer(self, body: dict[str, str], status: int = 200) -> Response:
        body = {**body, "RequestId": str(uuid.uuid4()).upper()}
        return Response(
            json.dumps(body, ensure_ascii=False), status, content_type="application/json;charset=utf-8"
        )
