"""widget.js for shops' pages, and the pages it frames: a lookup form, then one order, live."""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from webapp.headers import content_security_policy
from webapp.track.cards import shipment_views
from webapp.track.lookup import LookupForm, find_by_token, find_order, rate_limited
from webapp.widget.loader import loader_script
from webapp.widget.options import EmbedOptions
from webapp.widget.theme import palette

bp = Blueprint("widget", __name__)


@bp.get("/widget.js")
def script():
    """The loader a shop's page includes with one script tag; revalidated by its ETag."""
    body, etag = loader_script(current_app.static_folder)
    response = Response(body, mimetype="text/javascript")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=600, stale-while-revalidate=86400"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


@bp.get("/embed")
def lookup_frame():
    """The lookup form inside a shop's page, with the order number the shop filled in."""
    options = _options()
    form = LookupForm(options.order, "")
    return _frame("widget/lookup.html", options, form=form, errors={})


@bp.post("/embed")
@rate_limited
def lookup():
    """Find the order and show it in the frame; the same answers and limit as the lookup page."""
    options = _options()
    form = LookupForm.parse(request.form)
    errors = form.errors()
    if errors:
        return _frame("widget/lookup.html", options, 422, form=form, errors=errors)
    order = find_order(form.number, form.contact)
    if order is None:
        return _frame("widget/lookup.html", options, 404, form=form, errors={}, not_found=True)
    return redirect(url_for("widget.order_frame", token=order.token, **options.query()), 303)


@bp.get("/embed/t/<token>")
def order_frame(token: str):
    """One order's stage cards, kept current by the same socket as its tracking page."""
    options = _options()
    order = find_by_token(token)
    if order is None:
        return _frame("widget/expired.html", options, 404)
    return _frame("widget/order.html", options, order=order, shipments=shipment_views(order))


@bp.errorhandler(429)
def too_many_lookups(error):
    """The lookup limit, answered inside the frame rather than with the site's page."""
    form = LookupForm.parse(request.form)
    return _frame("widget/lookup.html", _options(), 429, form=form, errors={}, too_many=True)


def _options() -> EmbedOptions:
    return EmbedOptions.parse(request.args, current_app.config["EMBED_ORIGINS"])


def _frame(template: str, options: EmbedOptions, status: int = 200, **context) -> Response:
    """Render a page that only the configured shop origins may frame."""
    nonce = secrets.token_urlsafe(16) if options.accent else ""
    theme = palette(options.accent) if options.accent else {}
    response = make_response(
        render_template(template, options=options, theme=theme, style_nonce=nonce, **context),
        status,
    )
    ancestors = " ".join(current_app.config["EMBED_ORIGINS"]) or "'none'"
    response.headers["Content-Security-Policy"] = content_security_policy(ancestors, nonce)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
