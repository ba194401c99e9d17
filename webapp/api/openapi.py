"""The OpenAPI 3.1 document of the API, written from the pydantic models that validate it, so
the document cannot drift from what the code accepts."""

from __future__ import annotations

from functools import cache

from pydantic.json_schema import models_json_schema

from webapp.api.schemas import (
    CandidateOut,
    OrderIn,
    OrderOut,
    ProblemOut,
    ShipmentCreated,
    ShipmentIn,
)

REF = "#/components/schemas/{model}"
MODELS = [
    (OrderIn, "validation"),
    (ShipmentIn, "validation"),
    (OrderOut, "serialization"),
    (ShipmentCreated, "serialization"),
    (CandidateOut, "serialization"),
    (ProblemOut, "serialization"),
]
PROBLEMS = {
    400: "The body or a parameter is malformed",
    401: "No live API key",
    403: "The key lacks the scope",
    404: "No such order",
    409: "Taken by something with other details",
    413: "The body is over 1 MB",
    415: "The body is not JSON",
    422: "A field is at fault (each is named)",
}


@cache
def document() -> dict:
    _, schemas = models_json_schema(MODELS, ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MLNshops Order Tracking: shop API",
            "version": "1",
            "description": "Orders and parcels in, their tracking out. Errors are RFC 9457 "
            "problem details.",
        },
        "paths": _paths(),
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {
                "key": {"type": "http", "scheme": "bearer", "description": "mln_… API key"}
            },
        },
        "security": [{"key": []}],
    }


def _paths() -> dict:
    number = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/api/v1/orders": {
            "post": _operation(
                "createOrder",
                "Make an order; the same request again is the same answer.",
                body="OrderIn",
                created="OrderOut",
                problems=[400, 401, 403, 409, 413, 415, 422],
                parameters=[
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    }
                ],
            )
        },
        "/api/v1/orders/{number}": {
            "get": _operation(
                "readOrder",
                "The order with its parcels and scans.",
                ok="OrderOut",
                problems=[401, 403, 404],
                parameters=[number],
            )
        },
        "/api/v1/orders/{number}/shipments": {
            "post": _operation(
                "addShipment",
                "Register a parcel; the carrier is read from the number when absent.",
                body="ShipmentIn",
                created="ShipmentCreated",
                problems=[400, 401, 403, 404, 409, 413, 415, 422],
                parameters=[number],
            )
        },
        "/api/v1/carriers/detect": {
            "get": _operation(
                "detectCarrier",
                "Every carrier a tracking number could belong to, best first.",
                ok_schema={
                    "type": "object",
                    "required": ["number", "candidates"],
                    "properties": {
                        "number": {"type": "string"},
                        "candidates": {"type": "array", "items": _ref("CandidateOut")},
                    },
                },
                problems=[400, 401],
                parameters=[
                    {
                        "name": "number",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 64},
                    }
                ],
            )
        },
    }


def _operation(
    operation_id: str,
    summary: str,
    *,
    problems: list[int],
    parameters: list[dict],
    body: str | None = None,
    created: str | None = None,
    ok: str | None = None,
    ok_schema: dict | None = None,
) -> dict:
    responses = {}
    if created:
        responses["201"] = _json("Made, or made before by the same request", _ref(created))
    if ok or ok_schema:
        responses["200"] = _json("Found", ok_schema or _ref(ok))
    for status in problems:
        responses[str(status)] = {
            "description": PROBLEMS[status],
            "content": {"application/problem+json": {"schema": _ref("ProblemOut")}},
        }
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "parameters": parameters,
        "responses": responses,
    }
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(model: str) -> dict:
    return {"$ref": REF.format(model=model)}
