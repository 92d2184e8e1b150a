"""Mail behind an interface: SMTP in production, .eml files in a folder on the embedded default.

A mail is queued by template name and parameters through the outbox, in the transaction of the
change that calls for it, and rendered when it is sent: the content (and any signed link in it) is
made from the database as it is then, so no live token waits in the outbox table, and a mail whose
reason has gone (an invitation revoked, an address verified meanwhile) is skipped. Domains register
their templates with @template, and render them `with in_language(...)` of the recipient; in-app and
SMS notifications can take the same path.
"""

import logging
import os
import smtplib
import ssl
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from celery import shared_task
from flask import current_app

from marketplace.i18n import DEFAULT_LOCALE, LOCALES, force_locale
from marketplace.outbox import services as outbox
from marketplace.outbox.models import OutboxMessage

log = logging.getLogger(__name__)
SEND_MAIL = "mail.send"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


class MailRefused(Exception):
    """The server refused the mail for good (a 5xx answer): trying again would not help."""


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> "))
    message.set_content(mail.text)
    return message


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        security: str = "starttls",
        timeout: float = 10,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.security, self.timeout = security, timeout
        self.tls_context = tls_context or ssl.create_default_context()

    def send(self, mail: Mail) -> None:
        """Send one mail. A recipient or content refused for good raises MailRefused; anything else
        propagates (smtplib.SMTPException, OSError) so that the task retries."""
        message = build_message(mail, self.sender)
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            # The address itself is refused: trying again would not help. Any other refusal (of our
            # sign-in, our sender, plain text where TLS is required) is our settings', and waits for
            # them to be fixed.
            if all(code >= 500 for code, _ in exc.recipients.values()):
                raise MailRefused(f"recipients refused: {exc.recipients}") from exc
            raise
        except smtplib.SMTPDataError as exc:
            if exc.smtp_code >= 500:
                raise MailRefused(f"content refused: {exc.smtp_code} {exc.smtp_error!r}") from exc
            raise

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls_context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=self.tls_context)
            except BaseException:
                smtp.close()
                raise
        return smtp


class FileMailer:
    """Each mail as a readable .eml file (any mail client opens one), newest last by name."""

    def __init__(self, directory: str, sender: str) -> None:
        self.directory, self.sender = Path(directory), sender

    def send(self, mail: Mail) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        message = build_message(mail, self.sender)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        tmp = self.directory / f".{name}.part"
        tmp.write_bytes(bytes(message))
        os.replace(tmp, self.directory / f"{name}.eml")


def mailer() -> Mailer:
    config = current_app.config
    if config["MAIL_BACKEND"] == "smtp":
        return SmtpMailer(
            config["MAIL_SMTP_HOST"],
            config["MAIL_SMTP_PORT"],
            config["MAIL_FROM"],
            username=config["MAIL_SMTP_USERNAME"],
            password=config["MAIL_SMTP_PASSWORD"],
            security=config["MAIL_SMTP_SECURITY"],
            timeout=config["MAIL_SMTP_TIMEOUT_SECONDS"],
        )
    return FileMailer(
        config["MAIL_DIR"] or os.path.join(current_app.instance_path, "mail"), config["MAIL_FROM"]
    )


Renderer = Callable[..., Mail | None]
TEMPLATES: dict[str, Renderer] = {}


def template(name: str) -> Callable[[Renderer], Renderer]:
    """Register a renderer: keyword parameters (JSON values) -> the Mail, or None to send nothing."""

    def register(renderer: Renderer) -> Renderer:
        TEMPLATES[name] = renderer
        return renderer

    return register


def queue(name: str, **params: Any) -> OutboxMessage:
    """Add a mail to the caller's transaction; it is sent when that transaction commits."""
    if name not in TEMPLATES:
        raise KeyError(f"no mail template {name!r}")
    return outbox.enqueue(SEND_MAIL, name, params)


def in_language(tag: str | None) -> AbstractContextManager[None]:
    """Where a mail is rendered: in its recipient's language (a saved tag, "zh-CN" or "en"), else
    Chinese; never the language of whoever caused it."""
    return force_locale(LOCALES.get(tag or "", DEFAULT_LOCALE))


def link(path: str, **query: str) -> str:
    """An address in the web app, for a mail."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}{path}" + (f"?{urlencode(query)}" if query else "")


def deliver(name: str, params: dict[str, Any]) -> str:
    """Render and send one queued mail: "sent", "skipped" (its reason has gone) or "refused"."""
    mail = TEMPLATES[name](**params)
    if mail is None:
        return "skipped"
    try:
        mailer().send(mail)
    except MailRefused as exc:
        log.warning("mail %s refused by the server: %s", name, exc)
        return "refused"
    return "sent"


@shared_task(
    name=SEND_MAIL,
    acks_late=True,
    # A server that is down or answers 4xx is tried again; a 5xx refusal is final (deliver).
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=1800,
    max_retries=10,
)
def send(name: str, params: dict) -> str:
    """Render and send one mail the outbox queued."""
    return deliver(name, params)
