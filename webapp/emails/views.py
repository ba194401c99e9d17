"""The stop link in every e-mail: a page to stop (and restart) e-mails about one order, and the
one-click unsubscribe that mail clients POST to (RFC 8058)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Order, utcnow

bp = Blueprint("emails", __name__, url_prefix="/emails")


@bp.get("/stop/<key>")
def stop_form(key: str):
    """Ask before stopping: a link scanner opening the page changes nothing."""
    return render_template("mail/stop.html", order=_order(key), key=key)


@bp.post("/stop/<key>")
def stop(key: str):
    """No more e-mails about this order; from the page, or in one click from the mail client."""
    order = _order(key)
    if order.emails_stopped_at is None:
        order.emails_stopped_at = utcnow()
        db.session.commit()
    if request.form.get("List-Unsubscribe") == "One-Click":  # the mail client, not a person
        return "", 204
    return render_template("mail/stop.html", order=order, key=key, changed=True)


@bp.post("/resume/<key>")
def resume(key: str):
    """E-mails about this order again, from the next piece of news on."""
    order = _order(key)
    if order.emails_stopped_at is not None:
        order.emails_stopped_at = None
        db.session.commit()
    return render_template("mail/stop.html", order=order, key=key, changed=True)


def _order(key: str) -> Order:
    order = db.session.scalar(select(Order).where(Order.mail_key == key)) if key else None
    if order is None:
        abort(404)
    return order
