"""Staff accounts: argon2id passwords, roles, and server-side sessions that logging out ends."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from webapp.extensions import db
from webapp.models import AdminSession, AdminUser, utcnow

ROLES = ("viewer", "agent", "admin")  # each may do everything the ones before it may
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # argon2id, RFC 9106's low-memory profile
_UNKNOWN_USER_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """An account that cannot be created as asked; the message says why."""


@dataclass(frozen=True)
class Staff:
    """The signed-in member of staff, as Flask-Login sees them: identified by their session."""

    user_id: int
    email: str
    role: str
    session_token: str
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.session_token

    def may(self, role: str) -> bool:
        """Whether this member of staff has the rights of `role` (or more)."""
        return ROLES.index(self.role) >= ROLES.index(role)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(email: str, password: str, role: str) -> AdminUser:
    """Add a member of staff; the caller commits."""
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}")
    if "@" not in email:
        raise AccountError("that is not an e-mail address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if db.session.scalar(select(AdminUser.id).where(AdminUser.email == email)):
        raise AccountError(f"there is an account for {email} already")
    user = AdminUser(email=email, password_hash=_hasher.hash(password), role=role)
    db.session.add(user)
    return user


def set_password(user: AdminUser, password: str) -> None:
    user.password_hash = _hasher.hash(password)


def password_matches(user: AdminUser | None, password: str) -> bool:
    """Whether this is the user's password; without a user it costs the same and is False."""
    try:
        _hasher.verify(user.password_hash if user else _UNKNOWN_USER_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


def authenticate(email: str, password: str) -> AdminUser | None:
    """The active user with this e-mail and password; an unknown e-mail costs the same work."""
    user = db.session.scalar(select(AdminUser).where(AdminUser.email == normalise_email(email)))
    if not password_matches(user, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        set_password(user, password)
    return user


def start_session(user: AdminUser, lifetime: timedelta) -> Staff:
    """A new session for this user (never one that existed before sign-in); the caller commits."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    stored = AdminSession(id_hash=session_digest(token), user=user, expires_at=now + lifetime)
    db.session.add(stored)
    user.last_login_at = now
    return Staff(user.id, user.email, user.role, token)


def find_session(token: str) -> Staff | None:
    """The signed-in staff member behind a session token, while it lasts and they are active."""
    session = db.session.get(AdminSession, session_digest(token))
    if session is None or session.expires_at <= utcnow() or not session.user.active:
        return None
    return Staff(session.user.id, session.user.email, session.user.role, token)


def end_session(token: str) -> None:
    """Forget the session, so its cookie opens nothing any more; the caller commits."""
    db.session.execute(delete(AdminSession).where(AdminSession.id_hash == session_digest(token)))


def session_digest(token: str) -> str:
    """How a session token is stored: only its hash, so the table opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()
