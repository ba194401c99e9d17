"""Shop API keys: issued once, kept as a digest, found by their public part, revocable.

A key reads `mln_<lookup>_<secret>`. The lookup finds the row without scanning; the whole key's
SHA-256 is compared in constant time. A leaked database gives no usable key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ApiKey, utcnow

SCOPES = ("orders:read", "orders:write")
SHAPE = re.compile(r"mln_([0-9a-f]{12})_[A-Za-z0-9_-]{43}")
# How stale "last used" may be: one write a minute per key, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyError(ValueError):
    """A key that cannot be issued or revoked as asked, in words for the command line."""


def issue(name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """A new key with these scopes; the row to commit and the key, which is never shown again."""
    name = name.strip()
    if not name:
        raise ApiKeyError("Give the key a name that says who uses it.")
    if unknown := sorted(set(scopes) - set(SCOPES)):
        known = ", ".join(SCOPES)
        raise ApiKeyError(f"Unknown scope {', '.join(unknown)}; the scopes are {known}.")
    if db.session.scalar(select(ApiKey.id).where(ApiKey.name == name)):
        raise ApiKeyError(f"A key named {name!r} exists already.")
    lookup = secrets.token_hex(6)
    key = f"mln_{lookup}_{secrets.token_urlsafe(32)}"
    row = ApiKey(name=name, lookup=lookup, digest=_digest(key), scopes=" ".join(sorted(scopes)))
    db.session.add(row)
    return row, key


def authenticate(presented: str) -> ApiKey | None:
    """The live key this is, or None: malformed, unknown, wrong secret or revoked alike."""
    shape = SHAPE.fullmatch(presented)
    if shape is None:
        return None
    row = db.session.scalar(select(ApiKey).where(ApiKey.lookup == shape[1]))
    if row is None or not hmac.compare_digest(row.digest, _digest(presented)):
        return None
    if row.revoked_at is not None:
        return None
    _note_use(row)
    return row


def revoke(name: str) -> ApiKey:
    row = db.session.scalar(select(ApiKey).where(ApiKey.name == name))
    if row is None:
        raise ApiKeyError(f"No key is named {name!r}.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def _note_use(row: ApiKey) -> None:
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
        db.session.commit()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
