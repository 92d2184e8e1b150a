"""SMS behind an interface: Aliyun SMS (Dysmsapi SendSms) in production, a recorder elsewhere.

Mainland SMS goes out only through templates the provider approved beforehand, each with its
signature (签名): a message is a template code and the values of its variables, and its text (the
template filled in) is what the recorder keeps and the tests read. A send ends in one of three ways
the caller must tell apart, since a text message cannot be taken back: sent (the provider's receipt),
refused for good (SmsRefused: a bad number, an unapproved template; trying again would not help),
or not sent at all (SmsUnavailable: the provider could not be reached, or said it was busy, so
trying again later is safe). Anything else (an answer that never came) leaves it unknown whether the
message went, and is raised as it is.
"""

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol

import requests
import urllib3
from alibabacloud_dysmsapi20170525 import models as dysms
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import UnretryableException
from darabonba.runtime import RuntimeOptions
from flask import current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sms:
    to: str
    # Which approved template (a notification kind; the provider's code is the deployment's setting).
    template: str
    params: dict[str, str] = field(default_factory=dict)
    # The template filled in, as the recipient reads it (the sign name aside).
    text: str = ""


class SmsRefused(Exception):
    """The provider refused the message for good: trying again would not help."""


class SmsUnavailable(Exception):
    """The message was not sent (the provider unreachable, down or throttling): try again later."""


class SmsSender(Protocol):
    def send(self, sms: Sms) -> str:
        """Send one message; returns the provider's id of it."""
        ...


class RecordingSender:
    """The test double of development, the tests and the embedded default: keeps each message in
    this process (newest last) and logs it, sending nothing."""

    sent: list[Sms] = []
    _lock = threading.Lock()

    def send(self, sms: Sms) -> str:
        with self._lock:
            self.sent.append(sms)
            number = len(self.sent)
        log.info("SMS to %s (%s): %s", sms.to, sms.template, sms.text)
        return f"recorded-{number}"


# Aliyun's answer codes after which the same message may be sent again later: flow control, its own
# trouble. Every other code but OK refuses the message (a bad number, sign or template).
ALIYUN_TRY_LATER = {"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isp.SYSTEM_ERROR"}


class AliyunSender:
    """Dysmsapi 2017-05-25 SendSms through Alibaba Cloud's SDK, which signs each request (ACS3-HMAC-
    SHA256). The SDK's own retries stay off: a retry after an answer that never came could send a
    message twice."""

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: dict[str, str],
        *,
        endpoint: str = "dysmsapi.aliyuncs.com",
        protocol: str = "https",
        timeout: float = 10,
    ) -> None:
        self.sign_name, self.templates = sign_name, templates
        millis = int(timeout * 1000)
        self.client = Client(
            Config(
                access_key_id=access_key_id,
                access_key_secret=access_key_secret,
                endpoint=endpoint,
                protocol=protocol,
                connect_timeout=millis,
                read_timeout=millis,
            )
        )

    def send(self, sms: Sms) -> str:
        code = self.templates.get(sms.template)
        if not code:
            raise SmsRefused(f"no template code for {sms.template!r} in MARKETPLACE_SMS_ALIYUN_TEMPLATES")
        request = dysms.SendSmsRequest(
            phone_numbers=sms.to,
            sign_name=self.sign_name,
            template_code=code,
            template_param=json.dumps(sms.params, ensure_ascii=False),
        )
        try:
            answer = self.client.send_sms_with_options(request, RuntimeOptions()).body
        except (ThrottlingException, ServerException) as exc:
            raise SmsUnavailable(f"{exc.code}: {exc.message}") from exc
        except ClientException as exc:
            # The request itself is wrong (our keys, our signature, a parameter): not sent.
            raise SmsRefused(f"{exc.code}: {exc.message}") from exc
        except UnretryableException as exc:
            if _never_reached(exc.inner_exception):
                raise SmsUnavailable(f"Aliyun SMS unreachable: {exc.inner_exception}") from exc
            raise
        if answer.code == "OK":
            return str(answer.biz_id)
        reason = f"{answer.code}: {answer.message} (request {answer.request_id})"
        if answer.code in ALIYUN_TRY_LATER:
            raise SmsUnavailable(reason)
        raise SmsRefused(reason)


def _never_reached(exc: BaseException | None) -> bool:
    """Whether the request surely never reached the provider: no connection was made. The SDK
    raises its own RetryError while handling the requests library's error, which it leaves as the
    error's context."""
    while exc is not None:
        if isinstance(exc, requests.ConnectTimeout):
            return True
        if isinstance(exc, requests.ConnectionError) and exc.args:
            reason = getattr(exc.args[0], "reason", exc.args[0])
            return isinstance(reason, urllib3.exceptions.NewConnectionError)
        exc = exc.__cause__ or exc.__context__
    return False


def provider() -> str:
    """The SMS provider of this deployment: "aliyun", "record", or "off" (no SMS channel)."""
    return str(current_app.config["SMS_PROVIDER"])


def available() -> bool:
    return provider() != "off"


def sender() -> SmsSender:
    config = current_app.config
    if config["SMS_PROVIDER"] == "aliyun":
        return AliyunSender(
            config["SMS_ALIYUN_ACCESS_KEY_ID"],
            config["SMS_ALIYUN_ACCESS_KEY_SECRET"],
            config["SMS_ALIYUN_SIGN_NAME"],
            config["SMS_ALIYUN_TEMPLATES"],
            endpoint=config["SMS_ALIYUN_ENDPOINT"],
            protocol=config["SMS_ALIYUN_PROTOCOL"],
            timeout=config["SMS_TIMEOUT_SECONDS"],
        )
    if config["SMS_PROVIDER"] == "record":
        return RecordingSender()
    raise RuntimeError("No SMS provider in this deployment (MARKETPLACE_SMS_PROVIDER is off)")
