"""Webhook intake under load, on SQLite and on PostgreSQL, with the worker stopped and busy.

Targets: `POST /webhooks/<provider>` answered in under 50 ms p95 while the worker is busy; 200
deliveries a second stored without loss, on SQLite and on PostgreSQL.

Method, per database: a scratch database is migrated and given --parcels orders of one USPS parcel
each. The app runs as the other benchmarks run it (`gunicorn -c gunicorn.conf.py wsgi:app`,
gevent, MLN_WEB_WORKERS as configured), with a Shippo webhook secret. Two timed runs follow:

1. worker stopped: the deliveries only pile up, which measures the intake alone and leaves the
   backlog (topped up to --backlog, sent as fast as 32 threads go, if it is short);
2. worker busy: `python -m workers` starts with the same settings (no carrier feed, e-mails
   written as .eml files into a temporary folder); once it has recorded its first delivery the
   second run begins, so the worker is working through its queue for the whole window. The
   queue is sampled every half second: start, lowest and end are reported.

Each run is open-loop: a scheduler thread hands each request to a pool of 32 threads (one
requests.Session each) at its planned time, --rate a second for --seconds. Every body is a
distinct Shippo `track_updated`, signed as Shippo signs it (Shippo-Auth-Signature, HMAC-SHA256
over `<t>.` + body), naming one of the parcels with one new scan (its own object_id), so every
delivery is stored and adds one event; the parcels' journeys pass out for delivery, a missed
attempt and delivery, so the worker queues and writes e-mails. Latency runs from the planned send
time, so a request that waits for a free thread counts its wait (no coordinated omission);
service time runs from the actual send. The rows each run stored are counted against those sent,
and afterwards the worker is given up to --drain seconds to record every delivery: each should
end processed, with one event added. CPU seconds of the web workers, the worker, PostgreSQL's
processes and this client, and how busy the machine's cores were, are taken over each run.

Baseline, in the same run: `bench/trivial_app.py` (a bare Flask app, one GET route returning
118 bytes of HTML) under the same gunicorn config, driven by the same open-loop client at the same
rate, with no worker running.

    .venv/bin/python -m bench.webhooks [--rate 200] [--seconds 15] [--parcels 300]
        [--backlog 2000] [--drain 300] [--env MLN_X=VALUE] [--worker-nice N] [--no-postgres]

The worker lowers its own priority (MLN_WORKER_NICE, 10 by default); --worker-nice runs it under
`nice -n N` on top of that.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import math
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import requests
from sqlalchemy import func, select

from bench.common import (
    HOST,
    ROOT,
    Summary,
    bench_app,
    child_pids,
    cpu_seconds,
    databases,
    free_port,
    gunicorn,
    load_average,
    postgres_version,
    server_env,
    table,
    verdict,
)
from webapp.extensions import db
from webapp.models import Notification, Order, Shipment, TrackingEvent, WebhookDelivery

SECRET = "bench-shippo-webhook-secret"  # noqa: S105 (a scratch server's, not a secret)
TARGET_P95_MS = 50.0
TARGET_RATE = 200.0
THREADS = 32
PATH = "/webhooks/shippo"
SAMPLE_SECONDS = 0.5


# --- Parcels and deliveries ---------------------------------------------------------------------


def add_parcels(count: int) -> list[str]:
    """`count` orders of one USPS parcel each, nothing scanned yet; their tracking numbers."""
    placed = datetime.now(UTC) - timedelta(days=1)
    numbers = [f"94001112010808{n:08d}" for n in range(count)]
    for n, number in enumerate(numbers):
        order = Order(
            number=f"LL-W{n:06d}",
            email=f"hook{n}@example.com",
            name="Web Hook",
            postcode="43215",
            country="US",
            placed_at=placed,
        )
        order.shipments.append(Shipment(carrier="usps", tracking_number=number))
        db.session.add(order)
    db.session.commit()
    return numbers


def scan_entry(parcel: int, k: int, per_parcel: int, base: datetime) -> dict:
    """Scan k of a parcel's journey, as Shippo writes a history entry: label, transit, out for
    delivery and a missed attempt half-way, transit again, delivered last."""
    status, substatus, text = "TRANSIT", "package_arrived", "Arrived at USPS facility"
    if k == 0:
        status, substatus, text = "PRE_TRANSIT", "information_received", "Label created"
    elif k == per_parcel // 2:
        substatus, text = "out_for_delivery", "Out for delivery"
    elif k == per_parcel // 2 + 1:
        substatus, text = "delivery_attempted", "Delivery attempted, no access"
    elif k == per_parcel - 1:
        status, substatus, text = "DELIVERED", "delivered", "Delivered, in mailbox"
    at = base + timedelta(minutes=k, seconds=parcel % 60)
    return {
        "object_id": f"bench-{parcel}-{k}",
        "status": status,
        "status_details": text,
        "status_date": at.isoformat().replace("+00:00", "Z"),
        "substatus": {"code": substatus, "text": text, "action_required": False},
        "location": {"city": "Columbus", "state": "OH", "zip": "43215", "country": "US"},
    }


def track_updated(number: str, entry: dict) -> bytes:
    """A Shippo `track_updated` delivery, as tests/integration/test_webhooks.py builds one."""
    document = {
        "event": "track_updated",
        "test": False,
        "data": {
            "carrier": "usps",
            "tracking_number": number,
            "eta": None,
            "original_eta": None,
            "servicelevel": {"token": "usps_priority", "name": "Priority Mail"},
            "tracking_status": entry,
            "tracking_history": [entry],
        },
    }
    return json.dumps(document).encode()


def plan_bodies(numbers: list[str], total: int) -> list[bytes]:
    """`total` deliveries, round-robin over the parcels, each one new scan later in its journey."""
    per_parcel = math.ceil(total / len(numbers))
    base = datetime.now(UTC) - timedelta(hours=2)
    bodies = []
    for j in range(total):
        parcel, k = j % len(numbers), j // len(numbers)
        bodies.append(track_updated(numbers[parcel], scan_entry(parcel, k, per_parcel, base)))
    return bodies


def signature(body: bytes) -> str:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def poster(base_url: str, bodies: list[bytes]) -> Callable[[requests.Session, int], tuple]:
    """Send delivery i, signed at send time; its status code and the answer's "status"."""

    def send(session: requests.Session, i: int) -> tuple[int, str]:
        body = bodies[i]
        headers = {"Content-Type": "application/json", "Shippo-Auth-Signature": signature(body)}
        answer = session.post(base_url + PATH, data=body, headers=headers, timeout=30)
        stored = answer.json().get("status", "") if answer.status_code == 200 else answer.text
        return answer.status_code, stored

    return send


def getter(base_url: str) -> Callable[[requests.Session, int], tuple]:
    def send(session: requests.Session, _i: int) -> tuple[int, str]:
        answer = session.get(base_url + "/", timeout=30)
        return answer.status_code, "ok" if answer.ok else answer.text

    return send


# --- The client ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    planned: float  # perf_counter when it was due
    sent: float  # when the thread began sending it
    done: float  # when its answer had been read
    code: int  # 0: no answer
    outcome: str


def _shooter(send: Callable) -> Callable[[int, float], Shot]:
    local = threading.local()

    def one(i: int, planned: float) -> Shot:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        sent = time.perf_counter()
        try:
            code, outcome = send(local.session, i)
        except (requests.RequestException, ValueError) as error:
            code, outcome = 0, type(error).__name__
        return Shot(planned, sent, time.perf_counter(), code, outcome)

    return one


def open_loop(send: Callable, count: int, rate: float) -> list[Shot]:
    """`count` requests, request i handed to the pool at start + i / rate, whatever came back."""
    one = _shooter(send)
    with ThreadPoolExecutor(THREADS) as pool:
        start = time.perf_counter() + 0.2
        futures = []
        for i in range(count):
            planned = start + i / rate
            delay = planned - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(one, i, planned))
        return [future.result() for future in futures]


def flood(send: Callable, count: int) -> tuple[list[Shot], float]:
    """`count` requests as fast as the pool's threads take them; and the seconds it took."""
    one = _shooter(send)
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        shots = list(pool.map(lambda i: one(i, time.perf_counter()), range(count)))
    return shots, time.perf_counter() - started


def ms(shots: list[Shot], since: str = "planned") -> list[float]:
    return [(shot.done - getattr(shot, since)) * 1000 for shot in shots]


# --- The worker and its queue -------------------------------------------------------------------


@contextmanager
def worker(env: dict[str, str], log: Path, nice: int = 0) -> Iterator[subprocess.Popen]:
    """`python -m workers` with this environment (under `nice` if asked), its log in a file,
    until the block ends."""
    command = [sys.executable, "-m", "workers"]
    if nice:
        command = ["nice", "-n", str(nice), *command]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def states(app) -> Counter:
    """Deliveries by state."""
    with app.app_context():
        rows = db.session.execute(
            select(WebhookDelivery.state, func.count()).group_by(WebhookDelivery.state)
        ).all()
        db.session.remove()
    return Counter(dict(rows))


def scalar(app, query):
    with app.app_context():
        value = db.session.scalar(query)
        db.session.remove()
    return value


def wait_until_recording(app, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not states(app)["processed"]:
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the worker recorded nothing within {timeout:.0f} s")
        time.sleep(0.1)


@contextmanager
def queue_sampler(app) -> Iterator[list[int]]:
    """Pending deliveries, sampled every SAMPLE_SECONDS while the block runs (first and last
    sample at its edges)."""
    samples = [states(app)["pending"]]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(SAMPLE_SECONDS):
            samples.append(states(app)["pending"])

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()
        samples.append(states(app)["pending"])


def machine_busy() -> tuple[int, int]:
    """Jiffies the machine's cores were busy, and all jiffies, from /proc/stat."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def postgres_pids() -> list[int]:
    """Every process of the PostgreSQL server on this machine (postmaster, backends, helpers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                pids.append(int(entry.name))
        except OSError:  # gone meanwhile
            continue
    return pids


def _cpu_by_pid(pids: list[int]) -> dict[int, float]:
    found = {}
    for pid in pids:
        try:
            found[pid] = cpu_seconds(pid)
        except OSError:  # gone meanwhile
            continue
    return found


@contextmanager
def cpu_meter(pids: dict[str, list[int]]) -> Iterator[dict]:
    """CPU seconds each group of processes (those alive at both ends), this client and the whole
    machine used while the block ran."""
    spent: dict = {}
    before = {name: _cpu_by_pid(group) for name, group in pids.items()}
    client, machine, wall = time.process_time(), machine_busy(), time.perf_counter()
    try:
        yield spent
    finally:
        busy, total = machine_busy()
        for name, was in before.items():
            now = _cpu_by_pid(list(was))
            spent[name] = sum(now[pid] - was[pid] for pid in now)
        spent["client"] = time.process_time() - client
        spent["wall"] = time.perf_counter() - wall
        spent["machine busy"] = (busy - machine[0]) / max(total - machine[1], 1)


def drain(app, process: subprocess.Popen, timeout: float) -> float | None:
    """Seconds until no delivery is pending, or None if that took longer than `timeout`."""
    started = time.monotonic()
    while states(app)["pending"]:
        if process.poll() is not None or time.monotonic() - started > timeout:
            return None
        time.sleep(0.2)
    return time.monotonic() - started


def max_id(app) -> int:
    return scalar(app, select(func.coalesce(func.max(WebhookDelivery.id), 0)))


def rows_after(app, last_id: int) -> int:
    """Deliveries stored since the one with this id."""
    newer = WebhookDelivery.id > last_id
    return scalar(app, select(func.count()).select_from(WebhookDelivery).where(newer))


def recorded_between(app, since: datetime, until: datetime) -> int:
    """Deliveries the worker took up between two moments (processed_at is set as it starts)."""
    during = WebhookDelivery.processed_at >= since, WebhookDelivery.processed_at < until
    return scalar(app, select(func.count()).select_from(WebhookDelivery).where(*during))


def count_of(app, model, *where) -> int:
    return scalar(app, select(func.count()).select_from(model).where(*where))


def outcome_of(app, mail: Path) -> dict:
    """What the worker made of every delivery: states, events, e-mails."""
    return {
        "states": states(app),
        "events": count_of(app, TrackingEvent, TrackingEvent.source == "webhook"),
        "events_added": scalar(app, select(func.sum(WebhookDelivery.events_added))) or 0,
        "mail": count_of(app, Notification, Notification.status == "sent"),
        "mail_queued": count_of(app, Notification, Notification.status == "queued"),
        "eml": len(list(mail.glob("*.eml"))),
    }


# --- One database -------------------------------------------------------------------------------


@dataclass
class Phase:
    """One open-loop run: its requests, the rows it stored, the worker's queue meanwhile."""

    shots: list[Shot]
    rows: int
    queue: list[int]
    recorded: int  # deliveries the worker took up meanwhile
    seconds: float
    cpu: dict


@dataclass
class Run:
    database: str
    idle: Phase  # no worker running
    busy: Phase  # the worker working through its queue
    topped_up: int  # deliveries sent as fast as they go between the two, to make the backlog
    drained: float | None  # seconds the worker took to empty its queue after the busy run
    facts: dict


def timed_run(app, send: Callable, count: int, rate: float, pids: dict) -> Phase:
    """`count` deliveries open-loop at `rate`, the queue sampled and the CPU metered meanwhile."""
    last_id = max_id(app)
    began = datetime.now(UTC)
    with queue_sampler(app) as queue, cpu_meter(pids) as cpu:
        shots = open_loop(send, count, rate)
    ended = datetime.now(UTC)
    return Phase(
        shots,
        rows_after(app, last_id),
        queue,
        recorded_between(app, began, ended),
        (ended - began).total_seconds(),
        cpu,
    )


def run_database(database: str, url: str, args) -> Run:
    """Parcels, the app, a run with no worker, the backlog topped up, the worker, a run while it
    is busy, and the drain; what came of it."""
    with tempfile.TemporaryDirectory(prefix="mln-bench-hooks-") as scratch, bench_app(url) as app:
        with app.app_context():
            numbers = add_parcels(args.parcels)
        count = int(args.rate * args.seconds)
        bodies = plan_bodies(numbers, 2 * count + args.backlog + THREADS)
        port = free_port()
        env = server_env(
            url,
            port,
            MLN_SHIPPO_WEBHOOK_SECRET=SECRET,
            MLN_CARRIER_FEED="",
            MLN_POLL_IDLE_SECONDS="0.05",
            MLN_MAIL_URL=f"file://{scratch}/mail",
            MLN_MAIL_FROM="shop@example.com",
            MLN_PUBLIC_URL=f"http://{HOST}:{port}",
            **dict(setting.split("=", 1) for setting in args.env),
        )
        with gunicorn("wsgi:app", env, "/readyz") as server:
            run = intake(database, app, server, env, bodies, Path(scratch), args)
    return run


def intake(database: str, app, server, env: dict, bodies: list[bytes], scratch: Path, args) -> Run:
    """A run with no worker, the backlog topped up, the worker started, a run while it works
    through its queue, then the drain and the count of what it recorded."""
    count = int(args.rate * args.seconds)
    flood(poster(server.url, bodies[-THREADS:]), THREADS)  # connections and caches, not counted
    web = {"web workers": child_pids(server.process.pid)}
    if database == "PostgreSQL":
        web["PostgreSQL"] = postgres_pids()
    idle = timed_run(app, poster(server.url, bodies), count, args.rate, web)
    print(f"  {database}: worker stopped: {idle.rows:,} of {count:,} stored", flush=True)
    topped_up = max(0, args.backlog - states(app)["pending"])
    flood(poster(server.url, bodies[count:]), topped_up)
    busy_bodies = bodies[count + topped_up :]
    with worker(env, scratch / "worker.log", args.worker_nice) as process:
        wait_until_recording(app, process)
        pids = {**web, "worker": [process.pid]}
        if database == "PostgreSQL":
            pids["PostgreSQL"] = postgres_pids()  # the worker's connections too
        busy = timed_run(app, poster(server.url, busy_bodies), count, args.rate, pids)
        print(f"  {database}: worker busy: {busy.rows:,} of {count:,} stored; draining", flush=True)
        drained = drain(app, process, args.drain)
        facts = outcome_of(app, scratch / "mail")
        facts["worker_rc"] = process.poll()
    facts["sent"] = 2 * count + topped_up + THREADS
    return Run(database, idle, busy, topped_up, drained, facts)


def baseline(args) -> Phase:
    port = free_port()
    with gunicorn("bench.trivial_app:app", server_env(None, port), "/") as server:
        send = getter(server.url)
        flood(send, THREADS)
        pids = {"web workers": child_pids(server.process.pid)}
        with cpu_meter(pids) as cpu:
            started = time.perf_counter()
            shots = open_loop(send, int(args.rate * args.seconds), args.rate)
        return Phase(shots, 0, [], 0, time.perf_counter() - started, cpu)


# --- Tables ---------------------------------------------------------------------------------------


def achieved_rate(shots: list[Shot], outcome: str) -> float:
    """Answers of this kind a second, from the first planned send to the last answer."""
    good = [shot for shot in shots if shot.outcome == outcome]
    if not good:
        return 0.0
    return len(good) / (max(shot.done for shot in good) - min(shot.planned for shot in shots))


def latency_row(label: str, samples: list[float], outcome: str = "") -> list:
    s = Summary.of(samples)
    figures = [f"{value:.1f}" for value in (s.p50, s.p95, s.p99, s.mean, s.max)]
    return [label, f"{s.n:,}", *figures, outcome]


def latency_rows(run: Run) -> list[list]:
    p95 = Summary.of(ms(run.busy.shots)).p95
    target = f"{verdict(p95 < TARGET_P95_MS)} (< {TARGET_P95_MS:.0f})"
    name = run.database
    return [
        latency_row(f"{name}: worker busy, from planned send", ms(run.busy.shots), target),
        latency_row(f"{name}: worker busy, from actual send", ms(run.busy.shots, "sent")),
        latency_row(f"{name}: worker stopped, from planned send", ms(run.idle.shots)),
        latency_row(f"{name}: worker stopped, from actual send", ms(run.idle.shots, "sent")),
    ]


def stored_met(phase: Phase) -> bool:
    stored = sum(shot.outcome == "stored" for shot in phase.shots)
    return (
        stored == len(phase.shots) == phase.rows
        and achieved_rate(phase.shots, "stored") >= 0.98 * TARGET_RATE
    )


def phase_rows(phase: Phase) -> list[str]:
    """One column of the intake table: a run with the worker stopped or busy."""
    shots = phase.shots
    stored = sum(shot.outcome == "stored" for shot in shots)
    other = Counter(
        f"{shot.code} {shot.outcome}"[:40] for shot in shots if shot.outcome != "stored"
    )
    late = Summary.of([(shot.sent - shot.planned) * 1000 for shot in shots])
    queue = phase.queue
    return [
        f"{len(shots):,}",
        f"{stored:,}",
        ", ".join(f"{n:,} x {what}" for what, n in other.items()) or "0",
        f"{phase.rows:,}",
        f"{len(shots) - phase.rows:,}",
        f"{achieved_rate(shots, 'stored'):.1f}",
        verdict(stored_met(phase)),
        f"{late.p95:.1f} / {late.max:.1f}",
        f"{queue[0]:,} / {min(queue):,} / {queue[-1]:,}" + _first_empty(queue),
        f"{phase.recorded:,} ({phase.recorded / phase.seconds:.0f}/s)",
        cpu_figures(phase.cpu),
    ]


def _first_empty(queue: list[int]) -> str:
    """When the sampled queue first ran dry, if it did."""
    if min(queue):
        return ""
    return f" (empty after about {queue.index(0) * SAMPLE_SECONDS:.0f} s)"


INTAKE_MEASURES = [
    "deliveries sent",
    "answered 200 stored",
    "any other answer (target 0)",
    "rows stored during the run",
    "lost (sent - rows; target 0)",
    "stored/s, first planned send to last answer",
    f"{TARGET_RATE:.0f}/s stored, nothing lost",
    "client sent later than planned, p95 / max ms",
    "worker's queue (pending): start / min / end",
    "worker took up during the run",
    "CPU seconds during the run",
]


def intake_table(run: Run, args) -> str:
    columns = zip(phase_rows(run.idle), phase_rows(run.busy), strict=True)
    rows = [[measure, *pair] for measure, pair in zip(INTAKE_MEASURES, columns, strict=True)]
    headers = ["measure", "worker stopped", "worker busy"]
    return table(headers, rows, right=False)


def drain_lines(run: Run, args) -> list[str]:
    facts, st = run.facts, run.facts["states"]
    left = run.busy.queue[-1]
    drained = (
        f"in {run.drained:.1f} s ({left / max(run.drained, 0.1):.0f}/s)"
        if run.drained is not None
        else f"NOT in {args.drain:.0f} s"
    )
    return [
        f"backlog topped up with {run.topped_up:,} deliveries sent as fast as they went",
        f"the worker's queue of {left:,} emptied {drained} after the busy run",
        f"{facts['sent']:,} deliveries in all: "
        + ", ".join(f"{n:,} {state}" for state, n in sorted(st.items()))
        + (
            " (every one processed)" if st["processed"] == facts["sent"] else " (NOT all processed)"
        ),
        f"events added: {facts['events_added']:,} by the deliveries' count, {facts['events']:,} "
        f"webhook rows in tracking_events (one per delivery: {facts['sent']:,})",
        f"e-mails: {facts['mail']:,} sent, {facts['eml']:,} .eml files written, "
        f"{facts['mail_queued']:,} still queued",
    ] + ([f"the worker exited early with {facts['worker_rc']}"] if facts["worker_rc"] else [])


def cpu_figures(cpu: dict) -> str:
    worker = f", worker {cpu['worker']:.1f}" if "worker" in cpu else ""
    server = f", PostgreSQL {cpu['PostgreSQL']:.1f}" if "PostgreSQL" in cpu else ""
    return (
        f"web {cpu['web workers']:.1f}{worker}{server}, client {cpu['client']:.1f} in "
        f"{cpu['wall']:.1f} s; machine {cpu['machine busy']:.0%} busy"
    )


def versions() -> str:
    names = ("gunicorn", "gevent", "flask", "sqlalchemy", "psycopg", "requests")
    return ", ".join(f"{name} {version(name)}" for name in names) + (
        f", SQLite {sqlite3.sqlite_version}"
    )


def others_busy(seconds: float = 3.0) -> float:
    """How busy the machine's cores are before the benchmark starts: other work skews it all."""
    busy, total = machine_busy()
    time.sleep(seconds)
    now_busy, now_total = machine_busy()
    return (now_busy - busy) / max(now_total - total, 1)


def report(base: Phase, runs: list[Run], args) -> None:
    print(f"\nms per request; target p95 < {TARGET_P95_MS:.0f} ms with the worker busy\n")
    rows = [row for run in runs for row in latency_rows(run)]
    rows.append(latency_row("baseline: trivial_app GET /, from planned send", ms(base.shots)))
    rows.append(
        latency_row("baseline: trivial_app GET /, from actual send", ms(base.shots, "sent"))
    )
    print(table(["path", "n", "p50", "p95", "p99", "mean", "max", ""], rows))
    other = sum(shot.outcome != "ok" for shot in base.shots)
    print(
        f"\nbaseline: {other} answers other than 200, {achieved_rate(base.shots, 'ok'):.1f}/s; "
        f"CPU seconds: {cpu_figures(base.cpu)}"
    )
    for run in runs:
        print(f"\n{run.database}, {args.rate:.0f} deliveries/s for {args.seconds:.0f} s:\n")
        print(intake_table(run, args))
        print()
        for line in drain_lines(run, args):
            print(f"- {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="deliveries per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each timed run")
    parser.add_argument("--parcels", type=int, default=300, help="parcels the deliveries name")
    parser.add_argument("--backlog", type=int, default=2000, help="pending when the worker starts")
    parser.add_argument("--drain", type=float, default=300.0, help="seconds the worker is given")
    parser.add_argument(
        "--env", action="append", default=[], metavar="MLN_X=VALUE", help="for app and worker"
    )
    parser.add_argument("--worker-nice", type=int, default=0, help="run the worker under nice")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    print(
        f"gunicorn -c gunicorn.conf.py (gevent); {args.rate:.0f} deliveries/s for "
        f"{args.seconds:.0f} s open loop, {THREADS} client threads, twice: worker stopped, then "
        f"busy with a backlog of at least {args.backlog:,}; {args.parcels} parcels; "
        f"{' '.join(args.env) or 'no extra settings'}; worker nice {args.worker_nice}; "
        f"{versions()}; {load_average()}, cores {others_busy():.0%} busy before the start",
        flush=True,
    )
    base = baseline(args)
    print(f"  baseline: {len(base.shots):,} GET / done", flush=True)
    runs = []
    for database, url in databases():
        runs.append(run_database(database, url, args))
        if args.no_postgres:
            break
    if any(run.database == "PostgreSQL" for run in runs):
        print(f"PostgreSQL server {postgres_version()}")
    report(base, runs, args)
    print(f"\nfinished; {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
