"""Builders for test data and apps, and the rule for missing services, shared by all tests."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import upgrade

from webapp import create_app
from webapp.extensions import db
from webapp.ingest import record_scans
from webapp.models import Order, Shipment
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
            upgrade()
        _migrated.add(database_url)
    return app


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
