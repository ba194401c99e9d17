"""Friendly error pages; never a bare 500 for bad input."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from webapp.api import problems

PAGES = {404: "errors/not_found.html", 429: "errors/too_many.html"}


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)


def render_error(error: HTTPException):
    """Render the page for this status, keeping headers such as Retry-After; under /api/, the
    same as problem details in JSON, and under /webhooks/ too."""
    if request.path.startswith(("/api/", "/webhooks/")):
        return problems.from_http_error(error)
    template = PAGES.get(error.code, "errors/generic.html")
    response = error.get_response()
    response.set_data(render_template(template, error=error))
    response.content_type = "text/html; charset=utf-8"
    return response
