"""Handing a message over: to an SMTP server named by one URL, or to .eml files for the demo.

    smtp://host[:port]                            plain (port 25), a relay that takes no login
    smtp+starttls://[user:password@]host[:port]   STARTTLS, required (port 587)
    smtps://[user:password@]host[:port]           TLS from the first byte (port 465)
    file:///path/to/folder                        <folder>/<time>-<id>.eml, and a log line
    (empty)                                       the same in instance/mail/

Under TLS the server's certificate must name the host and be signed by a CA the system trusts,
or one of those in MAIL_CA_FILE (a relay with a private CA).

`send` returns once the server has accepted the message, or raises SendError, which says
whether trying again later may help (a 4xx reply, a refused or dropped connection, a refused
login or certificate) or not (any other 5xx, such as an unknown mailbox).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from webapp.models import utcnow

log = logging.getLogger("webapp.emails")

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
# Refusals of our login or security, not of the message: once MAIL_URL is put right it goes.
SETUP_REPLIES = {530, 534, 535, 538}


class SendError(Exception):
    def __init__(self, message: str, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


@dataclass(frozen=True)
class SmtpTransport:
    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None
    timeout: float
    tls: ssl.SSLContext = field(
        default_factory=ssl.create_default_context, repr=False, compare=False
    )

    @classmethod
    def from_url(cls, url: str, timeout: float, ca_file: str | None = None) -> SmtpTransport:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(
                "MLN_MAIL_URL must look like smtp://, smtp+starttls:// or smtps://host[:port], "
                "or file:///folder"
            )
        if parts.scheme == "smtp" and parts.username:
            raise ValueError(
                "MLN_MAIL_URL smtp:// would send the login in the clear: "
                "use smtp+starttls:// or smtps://"
            )
        return cls(
            parts.scheme,
            parts.hostname,
            parts.port or DEFAULT_PORTS[parts.scheme],
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
            timeout,
            tls_trusting(ca_file),
        )

    def send(self, message: EmailMessage) -> None:
        try:
            with self._session() as smtp:
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise SendError(_reply(code, reply), temporary=code < 500) from error
        except smtplib.SMTPResponseException as error:
            temporary = error.smtp_code < 500 or error.smtp_code in SETUP_REPLIES
            raise SendError(_reply(error.smtp_code, error.smtp_error), temporary) from error
        except (OSError, smtplib.SMTPException) as error:  # refused, reset, timed out, TLS
            raise SendError(f"{type(error).__name__}: {error}", temporary=True) from error

    @contextmanager
    def _session(self) -> Iterator[smtplib.SMTP]:
        """A connection secured and logged in as the URL says, closed whatever happens."""
        if self.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.scheme == "smtp+starttls":
                smtp.starttls(context=self.tls)
            if self.user:
                smtp.login(self.user, self.password or "")
            yield smtp

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


@dataclass(frozen=True)
class FileTransport:
    """The embedded default: each message an .eml file that any mail program opens."""

    folder: Path

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{_safe(message['Message-ID'])}.eml"
        (self.folder / name).write_bytes(message.as_bytes())
        log.info("mail written to %s: %s, to %s", name, message["Subject"], message["To"])

    def __str__(self) -> str:
        return f"files in {self.folder}"


def transport_for(
    url: str, instance_path: str, timeout: float, ca_file: str | None = None
) -> SmtpTransport | FileTransport:
    """The transport the MAIL_URL setting names; .eml files under instance/mail/ when empty."""
    if not url:
        return FileTransport(Path(instance_path) / "mail")
    if url.startswith("file://"):
        return FileTransport(Path(unquote(urlsplit(url).path)))
    return SmtpTransport.from_url(url, timeout, ca_file)


def tls_trusting(ca_file: str | None) -> ssl.SSLContext:
    """Certificates checked against the system's CAs, or only those in the file when one is set;
    a file that is missing or not PEM stops the worker as it starts."""
    try:
        return ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"MLN_MAIL_CA_FILE {ca_file}: {error}") from error


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return f"{code} {text}"


def _safe(message_id: str) -> str:
    return "".join(c for c in message_id if c.isalnum() or c in ".-")[:60]
