"""What admins do to staff accounts, and what each member does to their own; all audited.

Everything joins the caller's transaction (the caller commits) and raises StaffError, with a
message for the admin, when asked for something it cannot do. No one changes their own role or
access here, so the panel always keeps the admin who is using it.
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select

from webapp.admin import audit
from webapp.admin.accounts import (
    MIN_PASSWORD_LENGTH,
    ROLES,
    AccountError,
    Staff,
    create_user,
    password_matches,
    session_digest,
    set_password,
)
from webapp.extensions import db
from webapp.models import AdminSession, AdminUser


class StaffError(ValueError):
    """A change to an account refused as asked; the message says what to change."""


def members() -> list[AdminUser]:
    """Every member of staff, active ones first, by e-mail."""
    return list(
        db.session.scalars(select(AdminUser).order_by(AdminUser.active.desc(), AdminUser.email))
    )


def find_member(user_id: int) -> AdminUser | None:
    return db.session.get(AdminUser, user_id)


def new_password() -> str:
    """A password to hand over once: 20 characters, about 120 bits."""
    return secrets.token_urlsafe(15)


def add_member(actor: Staff, email: str, role: str) -> tuple[AdminUser, str]:
    """A new account with a password made for it, shown to the admin once."""
    password = new_password()
    try:
        user = create_user(email, password, role)
    except AccountError as error:
        raise StaffError(_sentence(error)) from None
    db.session.flush()
    audit.record("staff_added", actor.email, actor.user_id, member=user.email, role=role)
    return user, password


def change_role(actor: Staff, user: AdminUser, role: str) -> None:
    _not_yourself(actor, user, "change your own role")
    if role not in ROLES:
        raise StaffError(f"Choose a role: {', '.join(ROLES)}.")
    if role == user.role:
        raise StaffError(f"{user.email} is {_article(role)} {role} already.")
    audit.record(
        "staff_role_changed", actor.email, actor.user_id, member=user.email, was=user.role, now=role
    )
    user.role = role


def set_access(actor: Staff, user: AdminUser, active: bool) -> None:
    """Disable an account (its open sessions end at once) or enable it again."""
    _not_yourself(actor, user, "disable your own account")
    if user.active == active:
        state = "enabled" if active else "disabled"
        raise StaffError(f"{user.email} is {state} already.")
    user.active = active
    if not active:
        _end_sessions(user)
    action = "staff_enabled" if active else "staff_disabled"
    audit.record(action, actor.email, actor.user_id, member=user.email)


def reset_password(actor: Staff, user: AdminUser) -> str:
    """A new password for someone who lost theirs: their open sessions end."""
    _not_yourself(actor, user, "reset your own password here; change it under Your account")
    password = new_password()
    set_password(user, password)
    _end_sessions(user)
    audit.record("staff_password_reset", actor.email, actor.user_id, member=user.email)
    return password


def change_own_password(actor: Staff, current: str, new: str, repeated: str) -> None:
    """Change the signed-in member's password; their other sessions end, this one stays."""
    user = db.session.get(AdminUser, actor.user_id)
    if not password_matches(user, current):
        raise StaffError("That is not your current password.")
    if new != repeated:
        raise StaffError("The new password and its repetition differ.")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"The new password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if new == current:
        raise StaffError("The new password is the one you have now.")
    set_password(user, new)
    _end_sessions(user, keep=actor.session_token)
    audit.record("password_changed", actor.email, actor.user_id)


def _end_sessions(user: AdminUser, keep: str | None = None) -> None:
    query = delete(AdminSession).where(AdminSession.user_id == user.id)
    if keep is not None:
        query = query.where(AdminSession.id_hash != session_digest(keep))
    db.session.execute(query)


def _not_yourself(actor: Staff, user: AdminUser, what: str) -> None:
    if actor.user_id == user.id:
        raise StaffError(f"You cannot {what}: another admin can.")


def _sentence(error: Exception) -> str:
    text = str(error)
    return text[:1].upper() + text[1:] + "."


def _article(role: str) -> str:
    return "an" if role[0] in "aeiou" else "a"
