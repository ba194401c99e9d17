"""One order as staff see it, and what agents do to it."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from webapp.admin.orders import audit_trail, find_order

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.get("/<number>")
def detail(number: str):
    """One order in full: each scan with the carrier's own code and words beside ours."""
    order = find_order(number)
    if order is None:
        abort(404)
    return render_template("admin/order.html", order=order, trail=audit_trail(order))
