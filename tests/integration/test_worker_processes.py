"""The worker as a real process: killed mid-run, restarted, run twice at once, and mailing."""

from __future__ import annotations

import itertools
import os
import re
import signal
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tests.integration.test_worker import add_due_shipment, sandbox_number
from tests.mail import Login, MailCA, Session, SmtpServer
from tests.processes import free_port, start_worker, stop, wait_for
from webapp import notifications
from webapp.extensions import db
from webapp.models import Notification, Shipment, TrackingEvent, utcnow

POLL_LINE = re.compile(
    r"^(?P<at>\S+ \S+) workers\.poll poll shipment=(?P<id>\d+) .*ms=(?P<ms>\d+)$", re.M
)


def worker_env(database_url: str, sandbox, name: str, **settings) -> dict:
    env = {
        "MLN_SQLALCHEMY_DATABASE_URI": database_url,
        "MLN_SECRET_KEY": "worker-tests",
        "MLN_SANDBOX_URL": sandbox.url,
        "MLN_WORKER_NAME": name,
        "MLN_POLL_IDLE_SECONDS": "0.05",
        "MLN_POLL_BATCH": "5",
    }
    stages = ("ORDERED", "SHIPPED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED")
    env |= {f"MLN_POLL_SECONDS__{stage}": "0" for stage in stages}
    env |= {f"MLN_{key}": str(value) for key, value in settings.items()}
    return env


def count(app, statement) -> int:
    with app.app_context():
        return db.session.scalar(statement)


def test_a_worker_killed_mid_run_and_restarted_leaves_no_duplicate_and_no_gap(
    app, database_url, sandbox_carrier_fast, tmp_path
):
    numbers = {add_due_shipment(app, sandbox_number(i % 10)): None for i in range(120)}
    polled = select(func.count()).where(Shipment.last_checked_at.is_not(None))
    env = worker_env(database_url, sandbox_carrier_fast, "worker-1")

    first = start_worker(env, tmp_path / "first.log")
    wait_for(lambda: count(app, polled) >= 10, "the first polls")
    stop(first, signal.SIGKILL)
    assert count(app, polled) < len(numbers), "killed before it finished"

    port = free_port()
    second = start_worker({**env, "MLN_WORKER_METRICS_PORT": str(port)}, tmp_path / "second.log")
    wait_for(lambda: count(app, polled) == len(numbers), "every shipment polled", timeout=60)
    metrics = _get(f"http://127.0.0.1:{port}/metrics")
    assert stop(second) == 0
    assert 'mln_polls_total{carrier="sandbox",feed="sandbox",outcome="ok"}' in metrics
    assert "mln_scans_ingested_total 0.0" not in metrics

    with app.app_context():
        for shipment in db.session.scalars(select(Shipment)):
            stored = db.session.scalars(
                select(TrackingEvent.dedupe_key).where(TrackingEvent.shipment_id == shipment.id)
            ).all()
            journey = sandbox_carrier_fast.tracking(shipment.tracking_number)["events"]
            assert sorted(stored) == sorted(event["id"] for event in journey)
            assert shipment.lease_owner is None


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_never_poll_one_shipment_at_the_same_time(
    app, database_url, sandbox_carrier, tmp_path
):
    for i in range(40):
        add_due_shipment(app, sandbox_number(i % 10))
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    env = worker_env(database_url, sandbox_carrier, "", POLL_SECONDS__SHIPPED=0.05)
    workers = [
        start_worker({**env, "MLN_WORKER_NAME": name}, log)
        for name, log in zip(("worker-a", "worker-b"), logs, strict=True)
    ]
    wait_for(lambda: all(len(POLL_LINE.findall(log.read_text())) >= 150 for log in logs), "polls")
    assert [stop(worker) for worker in workers] == [0, 0]

    polls = [poll for log in logs for poll in _polls(log.read_text())]
    by_shipment: dict[str, list[tuple[datetime, datetime]]] = {}
    for shipment_id, start, end in polls:
        by_shipment.setdefault(shipment_id, []).append((start, end))
    assert len(by_shipment) == 40
    for spans in by_shipment.values():
        spans.sort()
        for (_, earlier_end), (later_start, _) in itertools.pairwise(spans):
            assert earlier_end <= later_start


def _polls(log: str):
    for match in POLL_LINE.finditer(log):
        end = datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f")
        yield match["id"], end - timedelta(milliseconds=int(match["ms"]) + 1), end


def test_sigterm_lets_the_poll_in_hand_finish_and_serves_metrics_until_then(
    app, database_url, sandbox_carrier, tmp_path
):
    number = sandbox_number(1)
    shipment_id = add_due_shipment(app, number)
    sandbox_carrier.fail_next(number, "timeout")  # the carrier holds the answer
    port = free_port()
    env = worker_env(
        database_url, sandbox_carrier, "worker-1", FEED_READ_TIMEOUT=2, WORKER_METRICS_PORT=port
    )
    worker = start_worker(env, tmp_path / "worker.log")
    leased = select(Shipment.lease_owner).where(Shipment.id == shipment_id)
    wait_for(lambda: count(app, leased) == "worker-1", "the worker to take the shipment")
    metrics = wait_for(lambda: _get(f"http://127.0.0.1:{port}/metrics"), "worker metrics")
    assert "mln_poll_lag_seconds_count" in metrics
    assert _niceness(worker.pid) == min(19, os.nice(0) + 10), "it yields the CPU to the web"

    assert stop(worker) == 0
    with app.app_context():
        shipment = db.session.get(Shipment, shipment_id)
        assert shipment.failures == 1, "the poll in hand was finished and recorded"
        assert shipment.lease_owner is None
    assert "outcome=timeout" in (tmp_path / "worker.log").read_text()


def _niceness(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[16])  # the 19th field of stat(5), counted after the command's name


def _get(url: str) -> str | None:
    try:
        return requests.get(url, timeout=2).text
    except requests.RequestException:
        return None


def test_the_worker_mails_the_latest_news_and_holds_mail_while_the_server_is_down(
    app, database_url, sandbox_carrier_fast, tmp_path
):
    """A journey over before its first poll: the confirmation and the delivery go out, the
    stages between are recorded as skipped; with the SMTP server down, both wait for it. The
    server takes mail only over STARTTLS, under a login, with a certificate of a private CA."""
    ca = MailCA(tmp_path)
    smtp = SmtpServer("smtp+starttls", ca, Login("tracking", "pw"))  # not started: it is down
    shipment_id = add_due_shipment(app, sandbox_number(0))
    with app.app_context():
        order = db.session.get(Shipment, shipment_id).order
        order.placed_at = utcnow()
        notifications.order_placed(order)
        db.session.commit()
        number = order.number
    env = worker_env(
        database_url,
        sandbox_carrier_fast,
        "worker-1",
        MAIL_URL=smtp.url_as("tracking", "pw"),
        MAIL_CA_FILE=ca.pem,
        PUBLIC_URL="http://tracking.test",
        SUPPORT_EMAIL="help@shop.test",
        NOTIFY_BACKOFF_BASE_SECONDS=0.2,
        NOTIFY_BACKOFF_MAX_SECONDS=0.5,
    )
    worker = start_worker(env, tmp_path / "worker.log")
    tried = select(func.count()).where(Notification.attempts > 0, Notification.status == "queued")
    try:
        wait_for(lambda: count(app, tried) == 2, "two tries against the server that is down")
        smtp.start()
        messages = smtp.wait_for_messages(2)
    finally:
        stop(worker)
        smtp.stop()
    assert [message["Subject"] for message in messages] == [
        f"Order {number} is confirmed",
        f"Your order {number} has been delivered",
    ]
    assert set(smtp.inbox.sessions) == {Session(encrypted=True, login="tracking")}
    with app.app_context():
        rows = db.session.execute(
            select(Notification.kind, Notification.status).order_by(Notification.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("order_confirmation", "sent"),
        ("shipped", "skipped"),
        ("out_for_delivery", "skipped"),
        ("delivered", "sent"),
    ]


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"MAIL_URL": "smtp://shop:pw@mail.example.com"}, "would send the login in the clear"),
        ({"MAIL_URL": "smtps://mail.example.com", "MAIL_CA_FILE": "missing.pem"}, "missing.pem"),
    ],
)
def test_a_mail_setting_that_cannot_work_stops_the_worker_at_start_saying_why(
    database_url, sandbox_carrier_fast, tmp_path, settings, named
):
    env = worker_env(database_url, sandbox_carrier_fast, "worker-1", **settings)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    assert worker.wait(timeout=30) == 1
    said = log.read_text()
    assert "worker not started: MLN_" in said
    assert named in said
    assert "Traceback" not in said
