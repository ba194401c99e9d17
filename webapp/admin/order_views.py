"""One order as staff see it, kept current over a socket, and what agents do to it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from simple_websocket import Server

from webapp.admin import actions
from webapp.admin.access import requires
from webapp.admin.accounts import find_session
from webapp.admin.actions import ActionError
from webapp.admin.orders import (
    find_order,
    find_shipment,
    notes,
    order_id,
    staff_view,
)
from webapp.extensions import db, sock
from webapp.live import frames
from webapp.live.hub import Subscriber
from webapp.models import Notification, Order, Shipment
from webapp.tracking.carriers import CARRIERS
from webapp.tracking.statuses import ExceptionReason

bp = Blueprint("orders", __name__, url_prefix="/orders")
# Close codes a page does not reconnect after (htmx reconnects after 1001, 1006, 1011-1014).
SIGNED_OUT = 1008
GONE = 1000


@bp.get("/<number>")
def detail(number: str):
    """One order in full: each scan with the carrier's own code and words beside ours."""
    return _page(_order(number))


@bp.post("/<number>/notes")
@requires("agent")
def add_note(number: str):
    """Leave a note on the order for other staff."""
    order = _order(number)
    actions.add_note(order, current_user, request.form.get("body", ""))
    return _done(order, "Note added.", "notes")


@bp.post("/<number>/link")
@requires("agent")
def rotate_link(number: str):
    """Give the order a new tracking link: the links sent so far stop working."""
    order = _order(number)
    actions.rotate_link(order, current_user)
    return _done(order, "The order has a new tracking link; the old links no longer work.", "link")


@bp.post("/<number>/emails/<int:notification_id>/resend")
@requires("agent")
def resend_email(number: str, notification_id: int):
    """Send one of the order's e-mails again."""
    order = _order(number)
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.order_id != order.id:
        abort(404)
    again = actions.resend_email(notification, current_user)
    return _done(order, f"The e-mail goes again to {again.recipient} in a moment.", "emails")


@bp.post("/<number>/shipments/<int:shipment_id>/check")
@requires("agent")
def refresh(number: str, shipment_id: int):
    """Have the worker check the parcel with its carrier at once."""
    order, shipment = _shipment(number, shipment_id)
    actions.refresh_now(shipment, current_user)
    return _done(order, f"{shipment.tracking_number} is checked with the carrier now.", shipment)


@bp.post("/<number>/shipments/<int:shipment_id>/status")
@requires("agent")
def override_status(number: str, shipment_id: int):
    """Set the parcel's status by hand, saying why."""
    order, shipment = _shipment(number, shipment_id)
    form = request.form
    actions.override_status(
        shipment, current_user, form.get("status", ""), form.get("reason", ""), form.get("problem")
    )
    return _done(order, f"{shipment.tracking_number} has its new status.", shipment)


@bp.post("/<number>/shipments/<int:shipment_id>/correction")
@requires("agent")
def correct_shipment(number: str, shipment_id: int):
    """Correct the parcel's carrier or tracking number; its old scans go."""
    order, shipment = _shipment(number, shipment_id)
    form = request.form
    actions.correct_shipment(
        shipment, current_user, form.get("carrier", ""), form.get("tracking_number", "")
    )
    return _done(order, f"Corrected to {shipment.tracking_number}; checking it now.", shipment)


@dataclass(frozen=True)
class Problem:
    """An action refused: which form (endpoint and parcel) asked, and what to change."""

    action: str
    shipment_id: int | None
    message: str


@bp.errorhandler(ActionError)
def refuse(error: ActionError):
    """Show the page again with the message beside the form, and what the agent had typed."""
    db.session.rollback()
    problem = Problem(
        request.endpoint.rpartition(".")[2], request.view_args.get("shipment_id"), str(error)
    )
    return _page(_order(request.view_args["number"]), problem), 422


def _order(number: str) -> Order:
    order = find_order(number)
    if order is None:
        abort(404)
    return order


def _shipment(number: str, shipment_id: int) -> tuple[Order, Shipment]:
    order = _order(number)
    shipment = find_shipment(order, shipment_id)
    if shipment is None:
        abort(404)
    return order, shipment


def _page(order: Order, problem: Problem | None = None) -> str:
    return render_template(
        "admin/order.html",
        **staff_view(order),
        notes=notes(order),
        carriers=CARRIERS.values(),
        statuses=actions.status_choices(),
        problems=list(ExceptionReason),
        problem=problem,
        typed=request.form if problem else {},
    )


def _done(order: Order, message: str, place: Shipment | str):
    """Commit, confirm, and go back to the part of the page the agent acted on."""
    db.session.commit()
    flash(message)
    anchor = place if isinstance(place, str) else f"shipment-{place.id}"
    return redirect(url_for(".detail", number=order.number, _anchor=anchor), 303)


@bp.before_request
def admit_socket():
    """Open the order's socket only for our own pages (the panel's guards ran already)."""
    if request.url_rule is None or not request.url_rule.websocket:
        return
    if request.headers.get("Origin") != request.host_url.rstrip("/"):
        abort(403)
    g.order_id = order_id(request.view_args["number"])
    if g.order_id is None:
        abort(404)
    db.session.remove()  # a socket lives long: hold no connection between pushes
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)  # small frames; see live.views


@dataclass(eq=False)
class StaffWatch(Subscriber):
    """A staff page on an order: each frame only says the order changed, and it renders its own.

    Staff do not watch through the customer's link: the pump never reads `close_code`, which the
    hub sets when the link is replaced, so the page stays live and shows the new link.
    """

    changed: bool = True  # the first push is the snapshot

    def offer(self, frame: bytes) -> bool:
        self.changed = True
        self.wake.set()
        return True


@sock.route("/<number>/live", bp=bp)
def live(ws: Server, number: str):
    """Send the order's parcels and trail as they are, and again whenever the order changes."""
    fanout = current_app.extensions["live"]
    watch = StaffWatch(g.order_id, "", ws.event, 1)
    fanout.hub.subscribe(watch)
    try:
        fanout.listener.ensure_started()
        _pump(ws, watch, number, current_app.config["LIVE_PING_SECONDS"])
    finally:
        fanout.hub.unsubscribe(watch)


def _pump(ws: Server, watch: StaffWatch, number: str, ping_seconds: float) -> None:
    """Push the order when it changed; ping when idle; stop once the staff session ended."""
    while ws.connected:
        if watch.changed:
            watch.changed = False
            if find_session(current_user.session_token) is None:
                ws.close(SIGNED_OUT, "Signed out")
                return
            frame = _frame(number)
            if frame is None:
                ws.close(GONE, "No such order")
                return
            ws.send(frame)
        woke = ws.event.wait(ping_seconds)
        ws.event.clear()
        ws.input_buffer.clear()  # a page sends nothing we act on
        if not woke and not watch.changed:
            ws.sock.sendall(frames.PING)


def _frame(number: str) -> str | None:
    """The order's live parts as swaps by id; None once the order is gone."""
    order = find_order(number)
    html = order and render_template("admin/partials/order_live.html", **staff_view(order))
    db.session.remove()
    return html
