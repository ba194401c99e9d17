"""`POST /webhooks/<provider>`: the signature checked on the raw body, the delivery kept, 200.

Nothing is parsed beyond what finds a duplicate until the worker takes the delivery, so the
answer is one INSERT away however busy the worker is.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, jsonify, request

from webapp.api.problems import Problem
from webapp.models import utcnow
from webapp.webhooks import inbox
from workers import carriers
from workers.carriers.feed import SignatureError

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger("webapp.webhooks")

MAX_BODY_BYTES = 1024 * 1024


@bp.before_request
def allow_bigger_bodies() -> None:
    """A parcel with a long history makes a large delivery; the pages keep their smaller limit."""
    request.max_content_length = MAX_BODY_BYTES


@bp.post("/<provider>")
def receive(provider: str):
    """Keep a correctly signed delivery and say so; refuse anything else with its reason."""
    feed, secret = _receiver(provider)
    if request.mimetype != "application/json":
        raise Problem(415, "Unsupported Media Type", "Send the delivery as application/json.")
    body = request.get_data(cache=False)
    try:
        feed.verify(request.headers, body, secret, utcnow())
    except SignatureError as error:
        log.warning(
            "webhook refused provider=%s reason=%r bytes=%d from=%s",
            provider,
            str(error),
            len(body),
            request.remote_addr,
        )
        raise Problem(401, "Unauthorized", f"Signature refused: {error}.") from None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise Problem(400, "Bad Request", "The body is not a complete JSON document.") from None
    delivery_id, duplicate = inbox.store(provider, request.headers, body, feed.event_id(document))
    return jsonify(id=delivery_id, status="duplicate" if duplicate else "stored")


def _receiver(provider: str):
    """The feed taking this provider's webhooks, and its secret; 404 unless both are set up."""
    feed = carriers.FEEDS.get(provider)
    setting = getattr(feed, "WEBHOOK_SECRET", None)
    secret = setting and current_app.config.get(setting)
    if not secret:
        raise Problem(404, "Not Found", f"No webhook is set up for {provider!r}.")
    return feed, secret
