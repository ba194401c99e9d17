"""Webhook deliveries in the panel: the ones that need staff (a number no parcel has, a delivery
that could not be read), each shown as it arrived, and replayed once the cause is fixed."""

from __future__ import annotations

import contextlib
import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from webapp.admin import audit
from webapp.admin.access import requires
from webapp.extensions import db
from webapp.models import WebhookDelivery
from webapp.webhooks import inbox

bp = Blueprint("webhooks", __name__)

LISTS = {
    "attention": inbox.REPLAYABLE,
    "unmatched": (inbox.UNMATCHED,),
    "failed": (inbox.FAILED,),
    "pending": (inbox.PENDING,),
    "processed": (inbox.PROCESSED,),
}
PAGE_SIZE = 50
BODY_PREVIEW_BYTES = 4096
PRETTY_UP_TO_BYTES = 64 * 1024


@bp.get("/webhooks")
@requires("viewer")
def deliveries():
    """The newest deliveries in one list: by default those waiting for staff."""
    shown = request.args.get("state", "attention")
    if shown not in LISTS:
        abort(404)
    rows = db.session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.state.in_(LISTS[shown]))
        .order_by(WebhookDelivery.received_at.desc(), WebhookDelivery.id.desc())
        .limit(PAGE_SIZE)
    ).all()
    return render_template(
        "admin/webhooks.html",
        shown=shown,
        lists=LISTS,
        counts=_counts(),
        deliveries=rows,
        preview=_preview,
        replayable=inbox.REPLAYABLE,
    )


@bp.post("/webhooks/<int:delivery_id>/replay")
@requires("agent")
def replay(delivery_id: int):
    """Hand a delivery back to the worker, to be read again as if it had just arrived."""
    delivery = db.session.get(WebhookDelivery, delivery_id) or abort(404)
    if delivery.state not in inbox.REPLAYABLE:
        flash(f"Delivery {delivery.id} is {delivery.state}; only unmatched or failed ones replay.")
        return _back()
    was = delivery.state
    inbox.replay(delivery)
    audit.record(
        "webhook_replayed",
        current_user.email,
        current_user.user_id,
        delivery=delivery.id,
        provider=delivery.provider,
        was=was,
    )
    db.session.commit()
    flash(f"Delivery {delivery.id} is queued again; the worker reads it within seconds.")
    return _back()


def _back():
    shown = request.form.get("state", "attention")
    return redirect(url_for(".deliveries", state=shown if shown in LISTS else None), 303)


def _counts() -> dict[str, int]:
    rows = db.session.execute(
        select(WebhookDelivery.state, func.count()).group_by(WebhookDelivery.state)
    )
    by_state = dict(rows.all())
    return {name: sum(by_state.get(state, 0) for state in states) for name, states in LISTS.items()}


def _preview(delivery: WebhookDelivery) -> str:
    """The body as indented text, cut short: staff read what the provider said, never a huge
    page. A body that is not JSON is shown as it came."""
    body = delivery.body
    text = body[: BODY_PREVIEW_BYTES * 2].decode("utf-8", "replace")
    if len(body) <= PRETTY_UP_TO_BYTES:
        with contextlib.suppress(ValueError, RecursionError):
            text = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    return text[:BODY_PREVIEW_BYTES] + (" …" if len(text) > BODY_PREVIEW_BYTES else "")
