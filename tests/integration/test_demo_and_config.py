"""Demo data covers every stage and can be seeded twice; configuration comes from MLN_ variables."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from webapp import create_app
from webapp.config import database_uri, inbox_uri
from webapp.database import close_connections
from webapp.demo import LIVE_ORDERS, ORDERS
from webapp.extensions import db
from webapp.models import Order, Shipment
from webapp.tracking.stages import Stage


@pytest.fixture
def seeded(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed", "--base-url", "http://shop.test"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    with app.app_context():
        yield first.output, second.output


def test_seed_is_idempotent_and_restarts_the_live_orders(seeded):
    first, second = seeded
    total = len(ORDERS) + len(LIVE_ORDERS)
    assert db.session.scalar(select(func.count(Order.id))) == total >= 25
    assert f"0 orders created, {len(ORDERS)} already there" in second
    live = db.session.scalars(select(Order).where(Order.number == LIVE_ORDERS[0][0])).one()
    assert live.token not in first, "a fresh order, with a fresh link"
    assert live.token in second


def test_only_the_live_orders_are_left_for_the_worker_to_poll(seeded):
    due = db.session.scalars(select(Shipment).where(Shipment.next_check_at.is_not(None))).all()
    assert sorted(shipment.order.number for shipment in due) == [row[0] for row in LIVE_ORDERS]
    assert {shipment.carrier for shipment in due} == {"sandbox"}
    assert all(not shipment.events for shipment in due), "the sandbox will tell their story"


def test_seed_prints_how_to_look_each_order_up(seeded):
    first, second = seeded
    for order in db.session.scalars(select(Order)):
        assert f"/t/{order.token}" in second
        assert order.email in second
    assert "http://shop.test/t/" in first


def test_seed_covers_every_stage_and_the_hard_cases(seeded):
    shipments = db.session.scalars(select(Shipment)).all()
    stages = Counter(Stage(s.stage) for s in shipments)
    statuses = Counter(s.status for s in shipments)
    assert set(stages) == set(Stage)
    assert stages[Stage.DELIVERED] >= 3
    assert {"exception", "failed_attempt", "returned_to_sender", "available_for_pickup"} <= set(
        statuses
    )
    assert any(len(order.shipments) == 2 for order in db.session.scalars(select(Order)))
    assert any(not order.shipments for order in db.session.scalars(select(Order)))


def test_settings_come_from_prefixed_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MLN_SHOP_NAME", "Fern & Fig")
    monkeypatch.setenv("MLN_LOOKUP_RATE_LIMIT", "5 per minute")
    monkeypatch.setenv("MLN_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/x.db")
    app = create_app()
    assert app.config["SHOP_NAME"] == "Fern & Fig"
    assert app.config["LOOKUP_RATE_LIMIT"] == "5 per minute"
    with app.app_context():
        close_connections()


def test_text_settings_stay_text_however_the_value_reads(monkeypatch, tmp_path):
    """A secret of digits, or one like 1e5, is a secret, not a number."""
    monkeypatch.setenv("MLN_SHIPPO_WEBHOOK_SECRET", "123456")
    monkeypatch.setenv("MLN_EASYPOST_WEBHOOK_SECRET", "1234e5678")
    monkeypatch.setenv("MLN_POLL_BATCH", "5")
    monkeypatch.setenv("MLN_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/x.db")
    app = create_app()
    assert app.config["SHIPPO_WEBHOOK_SECRET"] == "123456"
    assert app.config["EASYPOST_WEBHOOK_SECRET"] == "1234e5678"
    assert app.config["POLL_BATCH"] == 5  # numbers are still read as numbers
    with app.app_context():
        close_connections()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_alias_is_normalised(monkeypatch, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)
    assert database_uri(None, "/srv/instance") == expected


def test_default_database_is_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_uri(None, "/srv/instance") == "sqlite:////srv/instance/tracking.sqlite3"


@pytest.mark.parametrize(
    ("configured", "database", "expected"),
    [
        (
            None,
            "sqlite:////srv/instance/tracking.sqlite3",
            "sqlite:////srv/instance/tracking.inbox.sqlite3",
        ),
        (None, "sqlite:///relative/shop.db", "sqlite:///relative/shop.inbox.db"),
        (None, "sqlite:///:memory:", "sqlite:///:memory:"),
        (None, "postgresql+psycopg://db/tracking", "postgresql+psycopg://db/tracking"),
        ("postgres://db/inbox", "sqlite:////srv/t.sqlite3", "postgresql+psycopg://db/inbox"),
    ],
)
def test_the_inbox_lives_beside_a_sqlite_file_and_in_any_other_database(
    configured, database, expected
):
    assert inbox_uri(configured, database) == expected


def test_secret_key_is_created_once_private_and_reused(tmp_path):
    from webapp.config import secret_key

    first = secret_key(str(tmp_path))
    assert secret_key(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
