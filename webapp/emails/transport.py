"""Handing a message over: to an SMTP server named by one URL, or to .eml files for the demo.

    smtp://[user:password@]host[:port]            plain (port 25)
    smtp+starttls://[user:password@]host[:port]   STARTTLS, required (port 587)
    smtps://[user:password@]host[:port]           TLS from the first byte (port 465)
    file:///path/to/folder                        <folder>/<time>-<id>.eml, and a log line
    (empty)                                       the same in instance/mail/

`send` returns once the server has accepted the message, or raises SendError, which says
whether trying again later may help (a 4xx reply, a refused or dropped connection) or not (5xx).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from webapp.models import utcnow

log = logging.getLogger("webapp.emails")

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


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

    @classmethod
    def from_url(cls, url: str, timeout: float) -> SmtpTransport:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(
                "MLN_MAIL_URL must look like smtp://, smtp+starttls:// or smtps://host[:port], "
                "or file:///folder"
            )
        return cls(
            parts.scheme,
            parts.hostname,
            parts.port or DEFAULT_PORTS[parts.scheme],
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
            timeout,
        )

    def send(self, message: EmailMessage) -> None:
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise SendError(_reply(code, reply), temporary=code < 500) from error
        except smtplib.SMTPResponseException as error:
            temporary = error.smtp_code < 500
            raise SendError(_reply(error.smtp_code, error.smtp_error), temporary) from error
        except (OSError, smtplib.SMTPException) as error:  # refused, reset, timed out, TLS
            raise SendError(f"{type(error).__name__}: {error}", temporary=True) from error

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.scheme == "smtps":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.scheme == "smtp+starttls":
            smtp.starttls(context=context)
        return smtp

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


def transport_for(url: str, instance_path: str, timeout: float) -> SmtpTransport | FileTransport:
    """The transport the MAIL_URL setting names; .eml files under instance/mail/ when empty."""
    if not url:
        return FileTransport(Path(instance_path) / "mail")
    if url.startswith("file://"):
        return FileTransport(Path(unquote(urlsplit(url).path)))
    return SmtpTransport.from_url(url, timeout)


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return f"{code} {text}"


def _safe(message_id: str) -> str:
    return "".join(c for c in message_id if c.isalnum() or c in ".-")[:60]
