"""The audit log: every staff action, and every attempt to sign in, with who and from where."""

from __future__ import annotations

from flask import request

from webapp.extensions import db
from webapp.models import AuditEntry


def record(action: str, email: str, actor_id: int | None = None, **detail) -> None:
    """Add an entry to the caller's transaction (the caller commits); detail is plain JSON."""
    order_id = detail.pop("order_id", None)
    db.session.add(
        AuditEntry(
            actor_id=actor_id,
            actor_email=email[:320],
            action=action,
            order_id=order_id,
            client=(request.remote_addr or "")[:64],
            detail=detail,
        )
    )
