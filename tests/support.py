"""Builders for test data and apps, and the rule for missing services, shared by all tests."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import requests

from webapp import create_app
from webapp.database import close_connections
from webapp.extensions import db
from webapp.ingest import record_scans
from webapp.models import Order, Shipment
from webapp.schema import upgrade_all
from webapp.tracking.scans import CarrierScan
from webapp.tracking.statuses import Status

IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where every service must be there."""
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


_migrated: set[str] = set()


def build_app(database_url: str, **overrides):
    """An app on this database, migrated to the latest revision the first time it is used."""
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PAGE_FRESH_SECONDS": 0,
        **overrides,
    }
    app = create_app(settings)
    if database_url not in _migrated:
        with app.app_context():
            upgrade_all()
        _migrated.add(database_url)
    return app


def empty_databases() -> None:
    """Delete every row of the database and the inbox, and close their connections."""
    db.session.remove()
    for metadata in db.metadatas.values():
        for table in reversed(metadata.sorted_tables):
            db.session.execute(table.delete())
    db.session.commit()
    close_connections()


BASE_TIME = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def add_shipment(order: Order, journey, carrier="royalmail", number=None, **fields) -> Shipment:
    """Attach a shipment whose scans are (status, hours after BASE_TIME[, text[, reason]])."""
    shipment = Shipment(
        carrier=carrier,
        tracking_number=number or f"RB{len(order.shipments) + 1:09d}GB",
        **fields,
    )
    order.shipments.append(shipment)
    db.session.flush()
    record_scans(shipment, [scan(*step) for step in journey])
    return shipment


def scan(status: Status, hours: float, text: str = "", reason: str | None = None, **fields):
    return CarrierScan(
        occurred_at=BASE_TIME + timedelta(hours=hours),
        status=status,
        carrier_text=text or f"{status.value} scan",
        exception_reason=reason,
        city=fields.pop("city", "Leeds"),
        country=fields.pop("country", "GB"),
        **fields,
    )


@dataclass(frozen=True)
class Sandbox:
    """The sandbox carrier's control API, as tests and the demo use it."""

    url: str

    def tracking(self, number: str) -> dict:
        response = requests.get(f"{self.url}/v1/tracking/{number}", timeout=10)
        response.raise_for_status()
        return response.json()

    def inject(self, number: str, code: str, hours: float = 0, **event) -> dict:
        """Add a scan to a journey, `hours` after BASE_TIME unless occurred_at is given."""
        event.setdefault("occurred_at", (BASE_TIME + timedelta(hours=hours)).isoformat())
        response = requests.post(
            f"{self.url}/v1/tracking/{number}/events", json={"code": code, **event}, timeout=10
        )
        assert response.status_code == 201, response.text
        return response.json()

    def fail_next(self, number: str, mode: str, count: int = 1, retry_after: int = 30) -> None:
        body = {"mode": mode, "count": count, "retry_after": retry_after}
        response = requests.post(f"{self.url}/v1/tracking/{number}/failures", json=body, timeout=10)
        assert response.status_code == 201, response.text

    def forget(self, number: str) -> None:
        requests.delete(f"{self.url}/v1/tracking/{number}", timeout=10).raise_for_status()


STAFF_PASSWORD = "correct horse battery"


def csrf_token(client, path="/admin/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, email, password=STAFF_PASSWORD, **extra):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/admin/login", data=data)
