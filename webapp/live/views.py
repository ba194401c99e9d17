"""The WebSocket a tracking page opens to receive its order's changes as they happen."""

from __future__ import annotations

import socket as socket_module
from collections.abc import Callable
from contextlib import suppress
from functools import partial

import gevent.socket
from flask import Blueprint, abort, current_app, g, request
from simple_websocket import ConnectionClosed, Server

from webapp.extensions import db, sock
from webapp.live import frames, metrics
from webapp.live.hub import CLOSE_TOKEN_ROTATED, Subscriber
from webapp.track.lookup import find_by_token, page_revision

bp = Blueprint("live", __name__)


@bp.before_request
def admit():
    """Refuse before the upgrade: a foreign origin, an unknown token; and switch compression off."""
    if not _origin_allowed(request.headers.get("Origin")):
        abort(403)
    revision = page_revision(request.view_args["token"])
    if revision is None:
        abort(404)
    g.live_revision = revision
    # Deflate costs ~200 KB per socket and slows broadcasts fivefold; the frames are small.
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)


@sock.route("/t/<token>/live", bp=bp)
def socket(ws: Server, token: str):
    """Stream the order's changes to one tracking page, starting with a full snapshot."""
    live = current_app.extensions["live"]
    order_id, frame = _snapshot(g.live_revision)
    subscriber = Subscriber(
        order_id,
        token,
        ws.event,
        current_app.config["LIVE_QUEUE_FRAMES"],
        partial(_abort, ws),
        _sender(ws),
    )
    live.hub.subscribe(subscriber)
    metrics.open_sockets.inc()
    try:
        live.listener.ensure_started()
        latest = page_revision(token)  # a change between admit() and subscribe() is not lost
        if latest != g.live_revision:
            order_id, frame = _snapshot(latest)
        subscriber.offer(frame)
        _pump(ws, subscriber, current_app.config["LIVE_PING_SECONDS"])
    finally:
        live.hub.unsubscribe(subscriber)
        metrics.open_sockets.dec()


def _snapshot(revision: tuple[str, int] | None) -> tuple[int, bytes]:
    """The order's id and its full snapshot frame, rendered once per (token, revision)."""
    snapshots = current_app.extensions["live"].snapshots
    if revision not in snapshots:
        order = revision and find_by_token(revision[0])
        if order is None:
            raise ConnectionClosed(CLOSE_TOKEN_ROTATED, "This tracking link no longer works.")
        snapshots[revision] = order.id, frames.text_frame(frames.snapshot(order))
    db.session.remove()  # nothing else here needs the session: do not keep one per socket
    return snapshots[revision]


def _pump(ws: Server, subscriber: Subscriber, ping_seconds: float) -> None:
    """Write queued frames until the page goes away; ping when idle so proxies keep the socket."""
    try:
        while ws.connected:
            woke = ws.event.wait(ping_seconds)
            ws.event.clear()
            ws.input_buffer.clear()  # a page sends nothing we act on
            if subscriber.close_code:
                ws.close(subscriber.close_code)
                return
            subscriber.writing = True
            if not woke:
                ws.sock.sendall(frames.PING)
            while subscriber.frames:
                ws.sock.sendall(subscriber.frames.popleft())
            subscriber.writing = False
    except OSError:
        return


def _sender(ws: Server) -> Callable[[bytes], int] | None:
    """A write that never waits, so the listener can hand a frame straight to an idle socket.

    Only under gevent, where the listener and every writer take turns in one thread and so cannot
    slip a frame between the bytes of another; with real threads the writer sends everything.
    Waking 5,000 writers per broadcast cost more than the broadcast itself.
    """
    if not isinstance(ws.sock, gevent.socket.socket):
        return None
    return partial(ws.sock.send, flags=0, timeout=0.0)


def _abort(ws: Server) -> None:
    with suppress(OSError):
        ws.sock.shutdown(socket_module.SHUT_RDWR)


def _origin_allowed(origin: str | None) -> bool:
    """Browsers always send Origin; only our own pages and the configured embeds may connect."""
    if origin is None:
        return True
    own = request.host_url.rstrip("/")
    return origin == own or origin in current_app.config["EMBED_ORIGINS"]
