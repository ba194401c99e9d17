"""Finding orders: the search page, its results as you type, and the same search as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from flask_login import current_user

from webapp.admin import audit
from webapp.admin.access import requires
from webapp.admin.export import csv_lines
from webapp.admin.search import OrderSearch, SearchError, every_match, search_orders
from webapp.extensions import db
from webapp.models import utcnow
from webapp.tracking.carriers import CARRIERS
from webapp.tracking.stages import Stage
from webapp.tracking.statuses import Status

bp = Blueprint("search", __name__)


@bp.get("/orders")
def orders():
    """Search every order by number, e-mail, name, postcode or tracking number."""
    search, results, error = _run()
    page = render_template(
        "admin/search.html", search=search, results=results, error=error, choices=_CHOICES
    )
    return page, 400 if error else 200


@bp.get("/search")
def results():
    """The results alone, for the page's search as you type; the address bar follows."""
    search, results, error = _run()
    page = render_template("admin/partials/search_results.html", results=results, error=error)
    address = url_for(".orders", **search.args())
    return page, 400 if error else 200, {"HX-Replace-Url": address}


@bp.get("/orders.csv")
@requires("agent")
def export():
    """Every order the search finds, as CSV; the export is written to the audit log."""
    try:
        search = OrderSearch.from_args(request.args)
    except SearchError as error:
        return Response(f"{error}\n", 400, mimetype="text/plain")
    audit.record("exported_orders", current_user.email, current_user.user_id, **search.args())
    db.session.commit()
    name = f"orders-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(csv_lines(every_match(search))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _run() -> tuple[OrderSearch, object, str | None]:
    """The search the request asks for, its results, or why it cannot run."""
    try:
        search = OrderSearch.from_args(request.args)
    except SearchError as error:
        return OrderSearch(text=request.args.get("q", "")[:100]), None, str(error)
    return search, search_orders(search), None


_CHOICES = {
    "stages": list(Stage),
    "statuses": list(Status),
    "carriers": sorted(CARRIERS.values(), key=lambda carrier: carrier.name),
}
