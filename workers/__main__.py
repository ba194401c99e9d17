"""The worker process: `python -m workers` polls carrier feeds and sends customer e-mails until
SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from threading import Event

from prometheus_client import start_http_server

from webapp import create_app
from workers import housekeeping
from workers.inbox import Inbox
from workers.notifier import Notifier
from workers.poller import Poller

HOUSEKEEPING_SECONDS = 300

app = create_app({"SQLITE_IMMEDIATE_TRANSACTIONS": True})
log = logging.getLogger("workers")


def main() -> None:
    """Poll until told to stop; the unit of work in hand is always finished first."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if niceness := int(app.config["WORKER_NICE"]):
        os.nice(niceness)  # the web's answers, which someone waits for, go first
    if port := int(app.config["WORKER_METRICS_PORT"]):
        start_http_server(port, addr="127.0.0.1")
    owner = app.config.get("WORKER_NAME") or f"{socket.gethostname()}:{os.getpid()}"
    try:
        notifier = Notifier.for_app(app, owner)
    except ValueError as error:  # a mail setting that cannot work: say which, before any work
        raise SystemExit(f"worker not started: {error}") from None
    poller = Poller.for_app(app, owner)
    feeds = ", ".join(poller.feed_names) or "none"
    log.info("worker %s polling feeds %s, mail %s", owner, feeds, notifier.transport)
    run(Inbox(app, owner), poller, notifier, stop)
    log.info("worker %s stopped", owner)


def run(inbox: Inbox, poller: Poller, notifier: Notifier, stop: Event) -> None:
    """Tick until stopped: straight on while there is work, a short wait when there is none.

    Webhooks, the freshest news, come first; the e-mails the last ones and the last polls
    queued go out before the next batch.
    """
    next_housekeeping = 0.0
    while not stop.is_set():
        if time.monotonic() >= next_housekeeping:
            housekeeping.prune_live_events(poller.app)
            housekeeping.prune_admin_sessions(poller.app)
            housekeeping.prune_webhook_deliveries(poller.app)
            next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
        received = inbox.tick(stop)
        polled = poller.tick(stop)
        sent = notifier.tick(stop)
        if not (received or polled or sent):
            stop.wait(poller.app.config["POLL_IDLE_SECONDS"])


if __name__ == "__main__":
    main()
