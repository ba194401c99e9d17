"""Defaults for every setting; the environment (prefix MLN_) and tests override them."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

DEFAULTS = {
    "SHOP_NAME": "Lumen & Leaf Skincare",
    "SHOP_URL": "",
    "SUPPORT_EMAIL": "",
    "SQLALCHEMY_DATABASE_URI": None,
    # The webhook inbox: on SQLite a file of its own beside the database, so that storing a
    # delivery never waits for the worker recording one; elsewhere the same database.
    "INBOX_DATABASE_URI": None,
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "LOOKUP_RATE_LIMIT": "10 per minute; 60 per hour",
    "PROXY_FIX_X_FOR": 0,
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
    ],
    "COMPRESS_MIN_SIZE": 512,
    "SEND_FILE_MAX_AGE_DEFAULT": 3600,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "PAGE_CACHE_BYTES": 32 * 1024 * 1024,
    "PAGE_FRESH_SECONDS": 1.0,
    "CARRIER_FEED": "sandbox",
    "SANDBOX_URL": "http://127.0.0.1:8025",
    # Real feeds are enabled by their credentials; CARRIER_FEED serves the carriers none covers.
    "FEEDS": ["dhl", "easypost", "shippo", "aftership", "seventeentrack"],
    "EASYPOST_URL": "https://api.easypost.com",
    "EASYPOST_API_KEY": "",
    "EASYPOST_WEBHOOK_SECRET": "",
    "SHIPPO_URL": "https://api.goshippo.com",
    "SHIPPO_API_TOKEN": "",
    "SHIPPO_WEBHOOK_SECRET": "",
    "AFTERSHIP_URL": "https://api.aftership.com/tracking/2024-10",
    "AFTERSHIP_API_KEY": "",
    "AFTERSHIP_WEBHOOK_SECRET": "",
    "SEVENTEENTRACK_URL": "https://api.17track.net/track/v2.2",
    "SEVENTEENTRACK_API_KEY": "",
    "DHL_URL": "https://api-eu.dhl.com",
    "DHL_API_KEY": "",
    "WEBHOOK_BATCH": 50,
    "WEBHOOK_LEASE_SECONDS": 120,
    "WEBHOOK_RETENTION_SECONDS": 30 * 86400,  # recorded ones; unmatched and failed stay
    "FEED_CONNECT_TIMEOUT": 3.05,
    "FEED_READ_TIMEOUT": 10.0,
    # Seconds between checks by stage (MLN_POLL_SECONDS__IN_TRANSIT=900); 0 stops checking.
    "POLL_SECONDS": {
        "ORDERED": 3600,
        "SHIPPED": 1800,
        "IN_TRANSIT": 1800,
        "OUT_FOR_DELIVERY": 600,
        "DELIVERED": 0,
    },
    "POLL_BATCH": 20,
    "POLL_IDLE_SECONDS": 1.0,
    "POLL_LEASE_SECONDS": 120,
    "BACKOFF_BASE_SECONDS": 60,
    "BACKOFF_MAX_SECONDS": 6 * 3600,
    "STALLED_AFTER_SECONDS": 4 * 86400,
    "LIVE_EVENT_RETENTION_SECONDS": 86400,
    # The address customers reach this service at, for the links in e-mails.
    "PUBLIC_URL": "",
    "SHOP_TIME_ZONE": "Europe/London",
    # Where e-mail goes: smtp://, smtp+starttls:// or smtps://[user:password@]host[:port];
    # empty writes each message as an .eml file under instance/mail/.
    "MAIL_URL": "",
    "MAIL_FROM": "",
    "MAIL_TIMEOUT_SECONDS": 20.0,
    "MAIL_CA_FILE": "",  # a PEM file of the CAs to trust for the mail server, not the system's
    "NOTIFY_BATCH": 20,
    "NOTIFY_LEASE_SECONDS": 120,
    "NOTIFY_MAX_ATTEMPTS": 8,
    "NOTIFY_BACKOFF_BASE_SECONDS": 60,
    "NOTIFY_BACKOFF_MAX_SECONDS": 6 * 3600,
    "NOTIFY_STALE_AFTER_SECONDS": 3 * 86400,
    "SQLITE_IMMEDIATE_TRANSACTIONS": False,
    "WORKER_METRICS_PORT": 0,
    # How much lower the worker's CPU priority is than the web's: someone waits for a web answer.
    "WORKER_NICE": 10,
    "LIVE_POLL_SECONDS": 0.1,
    "LIVE_QUEUE_FRAMES": 16,
    "LIVE_PING_SECONDS": 25,
    "EMBED_ORIGINS": [],
    "ADMIN_LOGIN_RATE_LIMIT": "5 per minute; 20 per hour",
    "ADMIN_SESSION_SECONDS": 8 * 3600,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # the token is tied to the session, which expires on its own
    # Pages send no Referer (Referrer-Policy: no-referrer), which the strict HTTPS check requires.
    "WTF_CSRF_SSL_STRICT": False,
}


def raw_strings(environ) -> dict[str, str]:
    """Text settings exactly as the environment gives them. Flask reads each MLN_ value as JSON
    when it can, which would make a secret of digits a number and `1e5` a float."""
    return {
        key: environ[f"MLN_{key}"]
        for key, default in DEFAULTS.items()
        if isinstance(default, str) and f"MLN_{key}" in environ
    }


def database_uri(configured: str | None, instance_path: str) -> str:
    """Pick the database: MLN_ setting, then DATABASE_URL, then SQLite under instance/."""
    uri = configured or os.environ.get("DATABASE_URL")
    if not uri:
        return f"sqlite:///{Path(instance_path) / 'tracking.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri.removeprefix(prefix)
    return uri


def inbox_uri(configured: str | None, database: str) -> str:
    """Where the webhook inbox lives: as configured, else beside a SQLite file
    (tracking.sqlite3 → tracking.inbox.sqlite3), else in the database itself."""
    if configured:
        return database_uri(configured, "")
    prefix = "sqlite:///"
    if not database.startswith(prefix) or database == prefix + ":memory:":
        return database
    path = Path(database.removeprefix(prefix))
    return prefix + str(path.with_name(f"{path.stem}.inbox{path.suffix}"))


def secret_key(instance_path: str) -> str:
    """Read the instance's secret key, creating it on first start so every process shares it."""
    path = Path(instance_path) / "secret_key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _wait_for_key(path)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32))
    return path.read_text().strip()


def _wait_for_key(path: Path) -> str:
    """Another worker created the file a moment ago; read it once it holds the key."""
    for _ in range(100):
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} stays empty")
