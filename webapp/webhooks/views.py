"""`POST /webhooks/<provider>`: the signature checked on the raw body, the delivery kept, 200.

Nothing is parsed beyond what finds a duplicate until the worker takes the delivery, so the
answer is one INSERT away however busy the worker is.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from prometheus_client import Counter

from webapp.api.problems import Problem
from webapp.models import utcnow
from webapp.webhooks import inbox
from workers import carriers
from workers.carriers.feed import SignatureError, loads

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger("webapp.webhooks")

MAX_BODY_BYTES = 1024 * 1024

received = Counter(
    "mln_webhook_deliveries",
    "Webhook deliveries by provider and what became of them here: stored, duplicate, "
    "bad_signature, not_json",
    ["provider", "outcome"],
)


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
    body = _signed_body(provider, feed, secret)
    document = _document(provider, body)
    delivery_id, duplicate = inbox.store(provider, request.headers, body, feed.event_id(document))
    outcome = "duplicate" if duplicate else "stored"
    received.labels(provider, outcome).inc()
    return jsonify(id=delivery_id, status=outcome)


def _signed_body(provider: str, feed, secret: str) -> bytes:
    """The raw body, once its signature holds; a 401 naming why not, logged, otherwise."""
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
        received.labels(provider, "bad_signature").inc()
        raise Problem(401, "Unauthorized", f"Signature refused: {error}.") from None
    return body


def _document(provider: str, body: bytes) -> object:
    try:
        return loads(body)
    except (ValueError, RecursionError):
        received.labels(provider, "not_json").inc()
        raise Problem(
            400,
            "Bad Request",
            "The body is not a complete JSON document (NaN and Infinity are not JSON).",
        ) from None


def _receiver(provider: str):
    """The feed taking this provider's webhooks, and its secret; 404 unless both are set up."""
    feed = carriers.FEEDS.get(provider)
    setting = getattr(feed, "WEBHOOK_SECRET", None)
    secret = setting and current_app.config.get(setting)
    if not secret:
        raise Problem(404, "Not Found", f"No webhook is set up for {provider!r}.")
    return feed, secret
