"""What the benchmarks share: a seeded app under gunicorn, scratch databases and small tables."""

from __future__ import annotations

import io
import os
import re
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import requests
from flask import Flask
from sqlalchemy import make_url

from webapp import create_app
from webapp.database import close_connections
from webapp.extensions import db
from webapp.ingest import record_scans
from webapp.models import Order, Shipment
from webapp.schema import upgrade_all
from webapp.tracking.scans import CarrierScan
from webapp.tracking.statuses import Status

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
POSTGRES_SERVER = os.environ.get(
    "MLN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- PostgreSQL scratch databases -------------------------------------------------------------


def _admin() -> psycopg.Connection:
    url = make_url(POSTGRES_SERVER)
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
        connect_timeout=5,
    )


def postgres_available() -> str | None:
    """None when the server answers, else why not."""
    try:
        with _admin() as admin:
            admin.execute("SELECT 1")
    except psycopg.OperationalError as error:
        return str(error).strip().splitlines()[0]
    return None


@contextmanager
def postgres_database(keep: bool = False) -> Iterator[str]:
    """A fresh database mln_bench_<random>, dropped on the way out unless kept."""
    name = f"mln_bench_{secrets.token_hex(4)}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with _admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def databases() -> Iterator[tuple[str, str]]:
    """("SQLite", url) on a temporary file, then ("PostgreSQL", url) on a scratch database."""
    with tempfile.TemporaryDirectory(prefix="mln-bench-") as scratch:
        yield "SQLite", f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
    problem = postgres_available()
    if problem:
        print(f"PostgreSQL skipped: {problem}")
        return
    with postgres_database() as url:
        yield "PostgreSQL", url


def postgres_version() -> str:
    with _admin() as admin:
        return admin.execute("SHOW server_version").fetchone()[0]


def migrate_quietly() -> None:
    """`flask upgrade` in this app context, without Alembic's INFO lines on stderr."""
    with redirect_stderr(io.StringIO()):
        upgrade_all()


# --- The app under gunicorn --------------------------------------------------------------------


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    tracking_urls: dict[str, str] = field(default_factory=dict)

    def order_url(self, number: str) -> str:
        return self.tracking_urls[number]


def server_env(database: str | None, port: int, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "MLN_SECRET_KEY": "bench",
        "MLN_BIND": f"{HOST}:{port}",
        **extra,
    }
    env.pop("MLN_ACCESS_LOG", None)
    if database:
        env["MLN_SQLALCHEMY_DATABASE_URI"] = database
    return env


def seed_demo(database: str, base: str, env: dict[str, str]) -> dict[str, str]:
    """`flask upgrade` and `flask demo seed`; the demo orders' tracking URLs by number."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    seed = subprocess.run(
        [*flask, "demo", "seed", "--base-url", base],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(re.findall(r"^\s+(LL-\d+)\s.*?(http\S+/t/\S+)$", seed.stdout, re.M))


@contextmanager
def gunicorn(
    app: str,
    env: dict[str, str],
    ready_path: str,
    *,
    quiet: bool = True,
    timeout: float = 30,
) -> Iterator[Server]:
    """`gunicorn -c gunicorn.conf.py APP` with this environment, until the block ends."""
    base = f"http://{env['MLN_BIND']}"
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", app],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=output,
    )
    try:
        _wait_until_ready(base + ready_path, process, timeout)
        yield Server(base, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def demo_server(database: str, **extra_env: str) -> Iterator[Server]:
    """The service on freshly seeded demo data, served as tests/browser/conftest.py does."""
    port = free_port()
    env = server_env(database, port, **extra_env)
    urls = seed_demo(database, f"http://{HOST}:{port}", env)
    with gunicorn("wsgi:app", env, "/readyz") as server:
        server.tracking_urls = urls
        yield server


def _wait_until_ready(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(url, timeout=5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


# --- Figures and tables ------------------------------------------------------------------------


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile by linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    n: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        return cls(
            n=len(samples),
            p50=percentile(samples, 50),
            p95=percentile(samples, 95),
            p99=percentile(samples, 99),
            mean=statistics.fmean(samples),
            max=max(samples),
        )


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, right: bool = True) -> str:
    """A Markdown table, padded so it reads in a terminal too; columns after the first are
    right-aligned (figures) unless right is False."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]

    def aligned(column: int) -> bool:
        return right and column > 0

    def line(values: Sequence[str]) -> str:
        padded = [
            value.rjust(width) if aligned(i) else value.ljust(width)
            for i, (value, width) in enumerate(zip(values, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|".join(
        "-" * (width + 1) + ":" if aligned(i) else ":" + "-" * (width + 1)
        for i, width in enumerate(widths)
    )
    return "\n".join([line(headers), f"|{rule}|", *(line(row) for row in cells)])


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews every figure."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def verdict(met: bool) -> str:
    return "MET" if met else "MISSED"


# --- Live pages: an app of our own, orders, scans, processes ----------------------------------


@contextmanager
def bench_app(database: str, **settings: object) -> Iterator[Flask]:
    """create_app on this database, migrated; its connections closed on the way out."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database, **settings})
    with app.app_context():
        migrate_quietly()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            close_connections()


@dataclass(frozen=True)
class Watched:
    """An order a benchmark changes and watches: its id, token and one shipment."""

    order_id: int
    token: str
    shipment_id: int


def add_orders(count: int, prefix: str = "LL-B", scans: int = 3) -> list[Watched]:
    """`count` orders of one parcel in transit, each with `scans` scans; call in an app context."""
    placed = datetime.now(UTC) - timedelta(days=2)
    orders = []
    for n in range(count):
        order = Order(
            number=f"{prefix}{n:06d}",
            email=f"bench{n}@example.com",
            name="Bench Mark",
            postcode="LS6 2QT",
            country="GB",
            placed_at=placed,
        )
        order.shipments.append(
            Shipment(carrier="dhl", tracking_number=f"{prefix}-{n:06d}", service="Express")
        )
        db.session.add(order)
        db.session.flush()
        record_scans(order.shipments[0], [_history(order.number, i, placed) for i in range(scans)])
        orders.append(order)
        if n % 200 == 199:
            db.session.commit()
    db.session.commit()
    return [Watched(order.id, order.token, order.shipments[0].id) for order in orders]


def bench_scan(serial: int, at: datetime | None = None) -> CarrierScan:
    """An in-transit scan whose text carries its serial, so a client can tell which frame it is."""
    return CarrierScan(
        occurred_at=at or datetime.now(UTC),
        status=Status.IN_TRANSIT,
        carrier_code="PU",
        carrier_text=f"Processed at sorting hub (scan {serial})",
        city="Leeds",
        country="GB",
        raw_payload={"serial": serial},
        key=f"bench-{serial}",
    )


def _history(number: str, index: int, placed: datetime) -> CarrierScan:
    return CarrierScan(
        occurred_at=placed + timedelta(hours=index + 1),
        status=Status.INFO_RECEIVED if index == 0 else Status.IN_TRANSIT,
        carrier_text="Shipping label created" if index == 0 else "Arrived at hub",
        city="London",
        country="GB",
        key=f"{number}-{index}",
    )


def raise_open_files() -> int:
    """Lift this process's soft limit on open files to the hard one; children inherit it."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def child_pids(pid: int) -> list[int]:
    """The processes this one started (gunicorn's master: its workers)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return children


def rss_kib(pid: int) -> int:
    """Resident memory of a process, VmRSS from /proc/<pid>/status."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB$", status, re.M).group(1))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used, from /proc/<pid>/stat (10 ms ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def metric(base_url: str, name: str) -> float:
    """One sample of the server's /metrics, by its full name (labels included); 0 when absent."""
    text = requests.get(f"{base_url}/metrics", timeout=10).text
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


@contextmanager
def live_server(database: str, workers: int = 1, connections: int = 1000) -> Iterator[Server]:
    """The service on an already migrated database, under gunicorn as configured, on a free port."""
    port = free_port()
    env = server_env(
        database,
        port,
        MLN_WEB_WORKERS=str(workers),
        MLN_WORKER_CONNECTIONS=str(connections),
    )
    with gunicorn("wsgi:app", env, "/readyz") as server:
        yield server
