"""The shop API, version 1: JSON in and out, a key in the Authorization header."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, g, request

from webapp.api import keys
from webapp.api.problems import FieldError, Problem
from webapp.tracking.detection import detect

bp = Blueprint("api", __name__, url_prefix="/api/v1")

LONGEST_NUMBER = 64


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


@bp.get("/carriers/detect")
@requires()
def detect_carrier():
    """Every carrier a tracking number could belong to, best first."""
    number = request.args.get("number", "")
    if not number.strip():
        raise _bad_number("Give the tracking number as ?number=…")
    if len(number) > LONGEST_NUMBER:
        raise _bad_number(f"A tracking number has at most {LONGEST_NUMBER} characters.")
    candidates = detect(number)
    return {
        "number": number,
        "candidates": [
            {
                "carrier": c.carrier,
                "format": c.format,
                "check_digit_valid": c.check_digit_valid,
                "confidence": c.confidence,
            }
            for c in candidates
        ],
    }


def _bad_number(message: str) -> Problem:
    return Problem(400, "Bad Request", message, [FieldError("number", message)])
