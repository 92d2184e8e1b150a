"""Mail: the SMTP implementation against a real SMTP server (aiosmtpd on 127.0.0.1), the file
implementation of the embedded default, and the outbox path that sends after commit."""

import shutil
import smtplib
import ssl
import subprocess
from contextlib import contextmanager
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from marketplace import mail
from marketplace.extensions import celery_app, db
from marketplace.outbox import services as outbox
from marketplace.outbox.models import OutboxMessage
from tests.processes import free_port

CHINESE = mail.Mail(
    to="zhang.wei@sdny.gov.test",
    subject="邀请您加入奉节县脐橙专业合作社 / Invitation",
    text="您好：\n请接受邀请。\n\nHello,\nplease accept.\n",
)


class Inbox:
    """An aiosmtpd handler keeping what arrived; refuses recipients at refused.test with 550."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.test"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"mailer",
        b"smtp secret",
    )
    return AuthResult(success=ok)


@contextmanager
def served(**kwargs):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    with served(authenticator=authenticator, auth_require_tls=False) as server:
        yield server


def test_smtp_mailer_delivers_a_chinese_mail_through_a_real_server(smtp_server):
    controller, inbox = smtp_server
    sender = "消费帮扶平台 <noreply@marketplace.test>"
    mail.SmtpMailer("127.0.0.1", controller.port, sender, security="none").send(CHINESE)
    [(mail_from, rcpt_tos, message)] = inbox.received
    assert (mail_from, rcpt_tos) == ("noreply@marketplace.test", ["zhang.wei@sdny.gov.test"])
    assert message["Subject"] == CHINESE.subject and message["From"] == sender
    assert message.get_content().replace("\r\n", "\n") == CHINESE.text and message["Message-ID"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_mailer_signs_in_with_its_credentials_and_without_them_is_retried():
    with served(authenticator=authenticator, auth_require_tls=False, auth_required=True) as server:
        signs_in_or_is_refused(*server)


def signs_in_or_is_refused(controller, inbox):
    mailer = mail.SmtpMailer(
        "127.0.0.1",
        controller.port,
        "noreply@marketplace.test",
        username="mailer",
        password="smtp secret",
        security="none",
    )
    mailer.send(CHINESE)
    assert len(inbox.received) == 1
    anonymous = mail.SmtpMailer("127.0.0.1", controller.port, "noreply@marketplace.test", security="none")
    # Not MailRefused: the settings are wrong, not the mail, so the task retries until they are fixed.
    with pytest.raises(smtplib.SMTPSenderRefused):
        anonymous.send(CHINESE)
    assert len(inbox.received) == 1


def test_smtp_refusal_is_final_and_an_unreachable_server_is_retried(app, smtp_server):
    controller, inbox = smtp_server
    mailer = mail.SmtpMailer("127.0.0.1", controller.port, "noreply@marketplace.test", security="none")
    with pytest.raises(mail.MailRefused):
        mailer.send(mail.Mail(to="nobody@refused.test", subject="s", text="t"))
    down = mail.SmtpMailer("127.0.0.1", free_port(), "noreply@marketplace.test", security="none", timeout=2)
    with pytest.raises(OSError):
        down.send(CHINESE)
    assert inbox.received == []
    assert smtplib.SMTPException in celery_app.tasks["mail.send"].autoretry_for
    assert OSError in celery_app.tasks["mail.send"].autoretry_for


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a certificate")
def test_smtp_mailer_upgrades_to_tls_with_starttls(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    with served(tls_context=server_tls, require_starttls=True) as (controller, inbox):
        plain = mail.SmtpMailer("127.0.0.1", controller.port, "noreply@marketplace.test", security="none")
        with pytest.raises(smtplib.SMTPSenderRefused):
            plain.send(CHINESE)  # the server requires STARTTLS: our settings are wrong, retried
        untrusted = mail.SmtpMailer("127.0.0.1", controller.port, "noreply@marketplace.test")
        with pytest.raises(ssl.SSLError):
            untrusted.send(CHINESE)  # a certificate we do not trust is never sent to
        trusted = ssl.create_default_context(cafile=str(cert))
        mail.SmtpMailer(
            "127.0.0.1", controller.port, "noreply@marketplace.test", security="starttls", tls_context=trusted
        ).send(CHINESE)
    assert [rcpt for _, rcpt, _ in inbox.received] == [["zhang.wei@sdny.gov.test"]]


def test_the_app_sends_queued_mail_by_smtp_when_configured(app, smtp_server, make_user):
    controller, inbox = smtp_server
    settings = {"MAIL_BACKEND": "smtp", "MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": controller.port}
    settings |= {
        "MAIL_SMTP_SECURITY": "none",
        "MAIL_SMTP_USERNAME": "mailer",
        "MAIL_SMTP_PASSWORD": "smtp secret",
    }
    saved = {k: app.config[k] for k in settings}
    app.config.update(settings)
    try:
        make_user(email="li.na@example.test", verified=False)
    finally:
        app.config.update(saved)
    [(_, rcpt_tos, message)] = inbox.received
    assert rcpt_tos == ["li.na@example.test"] and "/verify-email?token=" in message.get_content()


def test_file_mailer_writes_readable_eml_files(tmp_path):
    mailer = mail.FileMailer(str(tmp_path / "mail"), "noreply@marketplace.test")
    mailer.send(CHINESE)
    mailer.send(mail.Mail(to="b@example.test", subject="second", text="2"))
    first, second = sorted((tmp_path / "mail").glob("*.eml"))
    message = BytesParser(policy=policy.default).parsebytes(first.read_bytes())
    assert message["To"] == CHINESE.to and message["Subject"] == CHINESE.subject
    assert message.get_content() == CHINESE.text
    assert "second" in second.read_text()
    assert not list((tmp_path / "mail").glob(".*"))  # no half-written file left


def test_a_mail_is_sent_only_if_its_transaction_commits(app, make_user, mailbox):
    user, _ = make_user(email="rollback@example.test")
    before = len(mailbox.messages())
    from marketplace.accounts.mails import PASSWORD_RESET

    mail.queue(PASSWORD_RESET, user_id=user.id)
    db.session.rollback()
    assert outbox.dispatch_pending() == 0
    assert len(mailbox.messages()) == before


def test_a_mail_queued_while_the_broker_is_down_is_sent_when_it_is_back(
    app, client, make_user, mailbox, broker_down
):
    make_user(email="wang.fang@example.test", verified=False)
    r = client.post("/api/v1/auth/password-reset", json={"email": "wang.fang@example.test"})
    assert r.status_code == 202
    assert mailbox.messages() == []
    pending = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).all()
    assert [m.task_name for m in pending] == ["mail.send", "mail.send"]  # verification, then reset

    celery_app.conf.update(task_always_eager=True)  # the broker is back (tasks run here)
    assert outbox.dispatch_pending() == 2
    subjects = [m["Subject"] for m in mailbox.messages("wang.fang@example.test")]
    assert subjects[0].startswith("请验证") and subjects[1].startswith("重置密码")


def test_unknown_template_is_refused_when_queued(app):
    with pytest.raises(KeyError):
        mail.queue("no.such.template", user_id=1)
