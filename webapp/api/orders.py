"""Orders from the shop's systems: made once, however often the request is repeated."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp import notifications
from webapp.api.schemas import OrderIn
from webapp.extensions import db
from webapp.models import ApiKey, IdempotencyKey, Order, OrderItem
from webapp.track.lookup import normalise_email


class Conflict(Exception):
    """The order number is taken by an order with other details."""


class KeyReused(Exception):
    """The Idempotency-Key came before with a different request."""


@dataclass(frozen=True)
class Received:
    order: Order
    created: bool  # False: an earlier request made it, and this one repeats it


def receive(payload: OrderIn, api_key: ApiKey | None, idempotency_key: str | None) -> Received:
    """The order this request makes, or made before when it is a repeat; commits."""
    digest = request_digest(payload)
    for _ in range(2):  # a concurrent twin may win the insert; then its order is the answer
        earlier = _earlier(payload.number, digest, api_key, idempotency_key)
        if earlier is not None:
            return Received(earlier, created=False)
        try:
            order = _create(payload, digest, api_key, idempotency_key)
            db.session.commit()
            return Received(order, created=True)
        except IntegrityError:
            db.session.rollback()
    raise Conflict  # both tries collided, yet no twin is found: another order took the number


def request_digest(payload: OrderIn) -> str:
    """SHA-256 of the request as validated, so formatting and key order do not matter."""
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _earlier(number: str, digest: str, api_key: ApiKey | None, idempotency_key: str | None):
    if api_key is not None and idempotency_key is not None:
        seen = db.session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.api_key_id == api_key.id, IdempotencyKey.key == idempotency_key
            )
        )
        if seen is not None:
            if seen.request_digest != digest:
                raise KeyReused
            return seen.order
    order = db.session.scalar(select(Order).where(Order.number == number))
    if order is not None and order.api_digest != digest:
        raise Conflict
    return order


def _create(
    payload: OrderIn, digest: str, api_key: ApiKey | None, idempotency_key: str | None
) -> Order:
    fields = payload.model_dump(exclude={"items", "email"})
    order = Order(**fields, email=normalise_email(payload.email), api_digest=digest)
    order.items = [
        OrderItem(**item.model_dump(exclude={"image_url"}), image_url=_text(item.image_url))
        for item in payload.items
    ]
    db.session.add(order)
    notifications.order_placed(order)
    if api_key is not None and idempotency_key is not None:
        db.session.add(
            IdempotencyKey(
                api_key_id=api_key.id, key=idempotency_key, request_digest=digest, order=order
            )
        )
    db.session.flush()
    return order


def _text(url) -> str | None:
    return None if url is None else str(url)
