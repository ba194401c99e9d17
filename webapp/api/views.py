"""The shop API, version 1: JSON in and out, a key in the Authorization header."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, current_app, g, request, url_for
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from webapp.api import keys, openapi, orders, shipments
from webapp.api.problems import FieldError, Problem
from webapp.api.schemas import (
    CandidateOut,
    EventOut,
    ItemOut,
    OrderIn,
    OrderOut,
    ShipmentCreated,
    ShipmentIn,
    ShipmentOut,
)
from webapp.emails.links import public_url
from webapp.extensions import db
from webapp.models import Order, Shipment
from webapp.tracking.carriers import CARRIERS
from webapp.tracking.detection import detect
from webapp.tracking.stages import Stage

bp = Blueprint("api", __name__, url_prefix="/api/v1")

LONGEST_NUMBER = 64
MAX_BODY_BYTES = 1024 * 1024


@bp.before_request
def allow_bigger_bodies() -> None:
    """The API takes up to 1 MB (a large order); the pages keep the app's smaller limit."""
    request.max_content_length = MAX_BODY_BYTES


def requires(scope: str | None = None) -> Callable:
    """The view needs a live key (with this scope, when one is named); 401 or 403 otherwise."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            key = keys.authenticate(_bearer())
            if key is None:
                raise Problem(
                    401,
                    "Unauthorized",
                    "Send a live API key as 'Authorization: Bearer mln_…'.",
                    headers={"WWW-Authenticate": 'Bearer realm="api"'},
                )
            if scope and not key.allows(scope):
                raise Problem(403, "Forbidden", f"This key lacks the {scope} scope.")
            g.api_key = key
            return view(*args, **kwargs)

        return guarded

    return decorate


def _bearer() -> str:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


@bp.get("/openapi.json")
def openapi_document():
    """What the API takes and gives, as OpenAPI 3.1; public, like any API's documentation."""
    return openapi.document()


@bp.get("/carriers/detect")
@requires()
def detect_carrier():
    """Every carrier a tracking number could belong to, best first."""
    number = request.args.get("number", "")
    if not number.strip():
        raise _bad_number("Give the tracking number as ?number=…")
    if len(number) > LONGEST_NUMBER:
        raise _bad_number(f"A tracking number has at most {LONGEST_NUMBER} characters.")
    return {"number": number, "candidates": _candidates_out(detect(number))}


def _candidates_out(candidates) -> list[dict]:
    return [
        CandidateOut(
            carrier=c.carrier,
            format=c.format,
            check_digit_valid=c.check_digit_valid,
            confidence=c.confidence,
        ).model_dump(mode="json")
        for c in candidates
    ]


def _bad_number(message: str) -> Problem:
    return Problem(400, "Bad Request", message, [FieldError("number", message)])


@bp.post("/orders")
@requires("orders:write")
def create_order():
    """Make an order; the same request again (or the same Idempotency-Key) gives the same
    answer, and another order under a number already taken is a 409."""
    payload = _body(OrderIn)
    idempotency_key = request.headers.get("Idempotency-Key")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 255:
        raise Problem(400, "Bad Request", "An Idempotency-Key has 1 to 255 characters.")
    try:
        received = orders.receive(payload, g.api_key, idempotency_key)
    except orders.KeyReused:
        raise Problem(
            422,
            "Idempotency-Key reused",
            "This Idempotency-Key came before with a different request.",
        ) from None
    except orders.Conflict:
        raise Problem(
            409,
            "Conflict",
            f"Order {payload.number} exists with other details.",
            [FieldError("number", "taken by an order with other details")],
        ) from None
    location = url_for(".read_order", number=received.order.number)
    headers = {"Location": location}
    if not received.created:
        headers["Idempotent-Replayed"] = "true"
    return order_out(received.order), 201, headers


@bp.get("/orders/<number>")
@requires("orders:read")
def read_order(number: str):
    """The order, its parcels with their stage, status, expected day and scans, and its link."""
    return order_out(_order(number))


@bp.post("/orders/<number>/shipments")
@requires("orders:write")
def add_shipment(number: str):
    """Register a parcel; without a carrier, the one its number vouches for, else a 422 that
    lists what the number could be."""
    order = _order(number)
    payload = _body(ShipmentIn)
    try:
        registered = shipments.register(order, payload)
    except shipments.UnknownCarrier:
        known = ", ".join(sorted(CARRIERS))
        raise _field_problem("carrier", f"unknown carrier; known: {known}") from None
    except shipments.Unclear as unclear:
        problem = _field_problem("carrier", "the number does not say which carrier; give it")
        problem.extra["candidates"] = _candidates_out(unclear.candidates)
        raise problem from None
    except shipments.Conflict:
        raise Problem(
            409,
            "Conflict",
            "This order has that tracking number already, with another carrier.",
            [FieldError("tracking_number", "registered already with another carrier")],
        ) from None
    body = ShipmentCreated(
        shipment=_shipment_out(registered.shipment),
        candidates=_candidates_out(registered.candidates),
    ).model_dump(mode="json")
    headers = {"Location": url_for(".read_order", number=order.number)}
    if not registered.created:
        headers["Idempotent-Replayed"] = "true"
    return body, 201, headers


def _order(number: str) -> Order:
    order = db.session.scalar(select(Order).where(Order.number == number))
    if order is None:
        raise Problem(404, "Not Found", f"No order {number}.")
    return order


def _field_problem(field: str, message: str) -> Problem:
    return Problem(422, "Unprocessable Content", message, [FieldError(field, message)])


def order_out(order: Order) -> dict:
    return OrderOut(
        number=order.number,
        email=order.email,
        name=order.name,
        placed_at=order.placed_at,
        tracking_url=_tracking_url(order),
        items=[ItemOut.model_validate(item, from_attributes=True) for item in order.items],
        shipments=[_shipment_out(shipment) for shipment in order.shipments],
    ).model_dump(mode="json")


def _shipment_out(shipment: Shipment) -> ShipmentOut:
    return ShipmentOut(
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        service=shipment.service,
        stage=Stage(shipment.stage).slug,
        status=shipment.status,
        eta_date=shipment.eta_date,
        delivered_at=shipment.delivered_at,
        events=[
            EventOut(
                occurred_at=event.occurred_at,
                status=event.status,
                text=event.carrier_text,
                city=event.city or None,
                country=event.country or None,
            )
            for event in shipment.events
        ],
    )


def _tracking_url(order: Order) -> str:
    """At the configured public address, else at the one this request came to."""
    if current_app.config["PUBLIC_URL"]:
        return public_url("track.order_page", token=order.token)
    return url_for("track.order_page", token=order.token, _external=True)


def _body(model: type[BaseModel]) -> BaseModel:
    """The JSON body as this model: 415 when it is not JSON, 400 when it does not parse,
    422 naming each field at fault."""
    if not request.is_json:
        raise Problem(415, "Unsupported Media Type", "Send the body as application/json.")
    try:
        data = json.loads(request.get_data())
        json.dumps(data, ensure_ascii=False).encode()  # an unpaired \ud800 escape fails here
    except (ValueError, RecursionError) as error:  # bad JSON or UTF-8, too deep, huge integers
        raise Problem(400, "Bad Request", f"The body is not valid JSON: {error}") from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise Problem(
            422,
            "Unprocessable Content",
            f"{error.error_count()} field(s) need attention.",
            [FieldError(_path(e["loc"]), e["msg"]) for e in error.errors()],
        ) from None


def _path(location: tuple) -> str:
    return ".".join(str(part) for part in location) or "(body)"
