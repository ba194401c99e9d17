"""Lookup misses take the same time whether the order exists or not.

"No such order" and "wrong e-mail" must be indistinguishable by timing. The script times, in
process through app.test_client(), interleaved lookups of an unknown order number and of a real
order with the wrong e-mail, plus successful lookups as the baseline, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import time
from contextlib import contextmanager
from datetime import UTC, datetime

from bench.common import (
    Summary,
    databases,
    load_average,
    migrate_quietly,
    table,
)
from webapp import create_app
from webapp.database import close_connections
from webapp.extensions import db
from webapp.models import Order

KINDS = {
    "unknown order": {"number": "LL-99999", "contact": "eve@example.com"},
    "wrong e-mail": {"number": "LL-10001", "contact": "eve@example.com"},
    "match (baseline)": {"number": "LL-10001", "contact": "ada@example.com"},
}


@contextmanager
def lookup_app(database_url: str):
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LOOKUP_RATE_LIMIT": "1000000 per minute",
        }
    )
    with app.app_context():
        migrate_quietly()
        if not db.session.get(Order, 1):
            db.session.add(
                Order(
                    number="LL-10001",
                    email="ada@example.com",
                    name="Ada",
                    postcode="LS6 2QT",
                    placed_at=datetime.now(UTC),
                )
            )
            db.session.commit()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            close_connections()


def time_lookups(app, requests: int, warmup: int) -> dict[str, list[float]]:
    """Milliseconds per lookup of each kind, interleaved so all see the same conditions."""
    client = app.test_client()
    samples = {kind: [] for kind in KINDS}
    for round_ in range(warmup + requests):
        for kind, form in KINDS.items():
            start = time.perf_counter()
            client.post("/track", data=form)
            if round_ >= warmup:
                samples[kind].append((time.perf_counter() - start) * 1000)
    return samples


def rows_for(database: str, url: str, requests: int, warmup: int) -> list[list]:
    with lookup_app(url) as app:
        samples = time_lookups(app, requests, warmup)
    medians = {kind: Summary.of(values).p50 for kind, values in samples.items()}
    gap = abs(medians["unknown order"] - medians["wrong e-mail"])
    rows = []
    for kind, values in samples.items():
        s = Summary.of(values)
        rows.append([database, kind, s.n, f"{s.p50:.3f}", f"{s.p95:.3f}", f"{s.mean:.3f}"])
    rows.append([database, "gap between the two misses (median)", "", f"{gap:.3f}", "", ""])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    args = parser.parse_args()
    print(f"in-process through app.test_client(); {load_average()}", flush=True)
    rows = []
    for database, url in databases():
        rows += rows_for(database, url, args.requests, args.warmup)
    print(f"\nms per POST /track, {args.requests} of each kind after {args.warmup} warm-up\n")
    print(table(["database", "lookup", "n", "p50", "p95", "mean"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
