"""Customer pages: look an order up, then watch it."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from webapp.extensions import limiter
from webapp.track.cards import shipment_views
from webapp.track.encodings import best_encoding
from webapp.track.lookup import (
    LookupForm,
    find_by_token,
    find_order,
    page_revision,
    rate_limited,
)

bp = Blueprint("track", __name__)


@bp.get("/")
def home():
    """Send visitors to the lookup form."""
    return redirect(url_for("track.lookup_form"))


@bp.get("/track")
def lookup_form():
    """Show the empty lookup form."""
    return render_template("track/lookup.html", form=LookupForm("", ""), errors={})


@bp.post("/track")
@rate_limited
def lookup():
    """Find the order and redirect to its token URL; one answer for every kind of miss."""
    form = LookupForm.parse(request.form)
    errors = form.errors()
    if errors:
        return render_template("track/lookup.html", form=form, errors=errors), 422
    order = find_order(form.number, form.contact)
    if order is None:
        return render_template("track/lookup.html", form=form, errors={}, not_found=True), 404
    return redirect(url_for("track.order_page", token=order.token), 303)


@limiter.request_filter
def _unlimited() -> bool:
    """Leave the tracking page unlimited: a 192-bit token cannot be guessed."""
    return request.endpoint == "track.order_page"


@bp.get("/t/<token>")
def order_page(token: str):
    """The live tracking page of one order, rendered again only when the order changed."""
    page = current_app.extensions["page_cache"].page(token, page_revision, lambda: _render(token))
    if page is None:
        abort(404)
    encoding = best_encoding(request.accept_encodings)
    headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Vary": "Accept-Encoding"}
    if encoding:
        headers["Content-Encoding"] = encoding
    return page.encoded(encoding), headers


def _render(token: str) -> bytes:
    order = find_by_token(token)
    if order is None:
        abort(404)
    return render_template(
        "track/order.html", order=order, shipments=shipment_views(order)
    ).encode()
