"""Sending through the mail servers shops use: STARTTLS, TLS from the first byte and a login,
each against a real aiosmtpd server with a certificate of the test's own CA."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from tests.mail import Login, MailCA, Session, SmtpServer
from webapp.emails.transport import SendError, SmtpTransport

SECURE = ["smtp+starttls", "smtps"]
USER, PASSWORD = "shop@example.com", "s3cret:pass"


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> MailCA:
    return MailCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def server(request, ca):
    """A server of the security the test is parametrized with, taking only USER's login; the
    plain one takes none, as a relay on the shop's own network."""
    login = Login(USER, PASSWORD) if request.param != "smtp" else None
    server = SmtpServer(request.param, ca, login)
    server.start()
    yield server
    server.stop()


def message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = "help@shop.example", "ada@example.com"
    message["Subject"] = "Order LL-5001 is confirmed"
    message.set_content("Thank you.")
    return message


def transport(url: str, ca: MailCA | None) -> SmtpTransport:
    return SmtpTransport.from_url(url, 5.0, str(ca.pem) if ca else None)


def quoted(text: str) -> str:
    return text.replace("@", "%40").replace(":", "%3A")


@pytest.mark.parametrize("server", SECURE, indirect=True)
def test_each_security_delivers_encrypted_under_the_login(server, ca):
    transport(server.url_as(quoted(USER), quoted(PASSWORD)), ca).send(message())
    [received] = server.wait_for_messages(1)
    assert received["Subject"] == "Order LL-5001 is confirmed"
    assert server.inbox.sessions == [Session(encrypted=True, login=USER)]


@pytest.mark.parametrize("server", ["smtp"], indirect=True)
def test_a_plain_relay_delivers_without_a_login(server):
    transport(server.url, None).send(message())
    server.wait_for_messages(1)
    assert server.inbox.sessions == [Session(encrypted=False, login=None)]


@pytest.mark.parametrize("server", SECURE, indirect=True)
def test_a_certificate_from_a_ca_not_trusted_is_refused_before_the_login(server):
    with pytest.raises(SendError, match="CERTIFICATE_VERIFY_FAILED") as refused:
        transport(server.url_as(quoted(USER), quoted(PASSWORD)), None).send(message())
    assert refused.value.temporary  # once the CA file is set, the mail goes
    assert server.inbox.messages == []


@pytest.mark.parametrize("server", SECURE, indirect=True)
def test_a_certificate_for_another_host_is_refused(server, ca):
    url = server.url_as(USER, PASSWORD).replace("127.0.0.1", "localhost")
    with pytest.raises(SendError, match="CERTIFICATE_VERIFY_FAILED"):
        transport(url, ca).send(message())
    assert server.inbox.messages == []


@pytest.mark.parametrize("server", SECURE, indirect=True)
def test_a_wrong_password_or_none_is_a_setup_error_to_retry_not_a_bounce(server, ca):
    for url in (server.url_as(quoted(USER), "wrong"), server.url_as("", "").replace(":@", "")):
        with pytest.raises(SendError, match=r"^53[05] ") as refused:
            transport(url, ca).send(message())
        assert refused.value.temporary
    assert server.inbox.messages == []


@pytest.mark.parametrize("server", ["smtp"], indirect=True)
def test_starttls_asked_of_a_server_without_it_sends_nothing_in_the_clear(server, ca):
    url = server.url.replace("smtp://", "smtp+starttls://")
    with pytest.raises(SendError, match="STARTTLS extension not supported") as refused:
        transport(url, ca).send(message())
    assert refused.value.temporary
    assert server.inbox.messages == []
