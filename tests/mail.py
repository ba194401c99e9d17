"""A real SMTP server for the tests (aiosmtpd), which keeps what it accepts, parsed: plain, or
with STARTTLS or TLS from the first byte under a certificate of the test's own CA, and a login."""

from __future__ import annotations

import ssl
import warnings
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from tests.processes import free_port, wait_for


class Inbox:
    """aiosmtpd's handler: accepts every message but to the refused addresses (550)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.sessions: list[Session] = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        login = session.auth_data.login.decode() if session.authenticated else None
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.sessions.append(Session(encrypted, login))
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class Session:
    """How a message came: over TLS or not, and under which login."""

    encrypted: bool
    login: str | None


class Login:
    """aiosmtpd's authenticator for one user and password."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        given = auth_data if isinstance(auth_data, LoginPassword) else None
        wanted = LoginPassword(self.user.encode(), self.password.encode())
        if given != wanted:
            return AuthResult(success=False, handled=False)  # aiosmtpd replies 535
        return AuthResult(success=True, auth_data=given)


class MailCA:
    """A certificate authority of the test's own, its certificate for 127.0.0.1 and the PEM file
    a client trusts it by."""

    def __init__(self, folder: Path) -> None:
        self._ca = trustme.CA()
        self.pem = folder / "test-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.pem))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert("127.0.0.1").configure_cert(context)
        return context


class SmtpServer:
    """The server on a port of its own, which a test can take down and bring back.

    security: "smtp" (plain), "smtp+starttls" (STARTTLS, required) or "smtps" (TLS at once), the
    latter two with a certificate from `ca`; `login` makes it refuse mail until one logs in."""

    def __init__(
        self, security: str = "smtp", ca: MailCA | None = None, login: Login | None = None
    ) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.security = security
        self._ca = ca
        self._login = login
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def url_as(self, user: str, password: str) -> str:
        return f"{self.security}://{user}:{password}@127.0.0.1:{self.port}"

    def start(self) -> None:
        controller = SmtpsController if self.security == "smtps" else Controller
        self._controller = controller(
            self.inbox, hostname="127.0.0.1", port=self.port, **self._options()
        )
        self._controller.start()

    def _options(self) -> dict:
        options: dict = {}
        if self._login is not None:
            options |= {"authenticator": self._login, "auth_required": True}
        if self.security == "smtp+starttls":
            options |= {"tls_context": self._ca.server_context(), "require_starttls": True}
        if self.security == "smtps":
            options |= {"ssl_context": self._ca.server_context(), "server_hostname": "127.0.0.1"}
            options["auth_require_tls"] = False  # the whole connection is TLS already
        return options

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for_messages(self, count: int) -> list[EmailMessage]:
        wait_for(lambda: len(self.inbox.messages) >= count, f"{count} messages")
        return self.inbox.messages


class SmtpsController(Controller):
    """aiosmtpd counts only STARTTLS as TLS, so over TLS from the first byte it would never offer
    a login (aio-libs/aiosmtpd#281); it warns that the login is not behind TLS, which it is."""

    def factory(self) -> SMTP:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return super().factory()


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain text and the HTML of a multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html
