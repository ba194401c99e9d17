"""Errors as RFC 9457 problem details (`application/problem+json`), with the field at fault."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

CONTENT_TYPE = "application/problem+json"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class Problem(HTTPException):
    """An API answer that is not a success: status, title, detail and per-field errors."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        errors: list[FieldError] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.code, self.title, self.detail = status, title, detail
        self.errors, self.extra_headers = list(errors), headers or {}
        self.extra: dict = {}  # further members of the problem, such as a list to choose from

    def get_response(self, environ=None, scope=None) -> Response:
        body = {"type": "about:blank", "title": self.title, "status": self.code}
        if self.detail:
            body["detail"] = self.detail
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        body |= self.extra
        response = jsonify(body)
        response.status_code = self.code
        response.content_type = CONTENT_TYPE
        response.headers.update(self.extra_headers)
        return response


def from_http_error(error: HTTPException) -> Response:
    """Any other HTTP error under /api/ (404, 405, 413, 429 …) in the same shape, its headers
    (Allow, Retry-After) kept."""
    if isinstance(error, Problem):
        return error.get_response()
    problem = Problem(error.code or 500, error.name, error.description or "")
    response = problem.get_response()
    for name in ("Allow", "Retry-After"):
        if value := error.get_response().headers.get(name):
            response.headers[name] = value
    return response
