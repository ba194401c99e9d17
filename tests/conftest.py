"""Shared fixtures: the app on a real database, SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
import redis
from sqlalchemy import make_url

from tests.processes import start_sandbox, stop
from tests.support import (
    BASE_TIME,
    STAFF_PASSWORD,
    Sandbox,
    add_shipment,
    build_app,
    empty_databases,
    unavailable,
)
from webapp.admin.accounts import create_user
from webapp.database import close_connections
from webapp.extensions import db
from webapp.models import Order, OrderItem

POSTGRES_SERVER = os.environ.get(
    "MLN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _admin_connection() -> psycopg.Connection:
    url = make_url(POSTGRES_SERVER)
    return psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    )


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator:
    """Create fresh PostgreSQL databases on demand; all are dropped when the session ends."""
    try:
        admin = _admin_connection()
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL is not reachable: {error}")
    created = []

    def create() -> str:
        name = f"mln_test_{secrets.token_hex(4)}"
        admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)

    with admin:
        yield create
        for name in created:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgresql_url(postgres_databases) -> str:
    """The PostgreSQL database of the integration tests."""
    return postgres_databases()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'tracking.sqlite3'}"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis server that shares rate-limit counters between web processes."""
    url = os.environ.get("MLN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        unavailable(f"Redis is not reachable: {error}")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request) -> str:
    """Each database test runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def app(database_url):
    """The app on a migrated, empty database."""
    app = build_app(database_url)
    yield app
    with app.app_context():
        empty_databases()


@pytest.fixture
def app_factory(app, database_url):
    """Build further apps on the same database, with settings of their own."""
    built = []

    def factory(**overrides):
        built.append(build_app(database_url, **overrides))
        return built[-1]

    yield factory
    for other in built:
        with other.app_context():
            close_connections()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_order(app):
    """Create an order with shipments and scans: make_order(shipments=[[(status, hours), ...]])."""

    def make(number="LL-1001", email="ada@example.com", postcode="LS6 2QT", shipments=(), **fields):
        with app.app_context():
            order = Order(
                number=number,
                email=email,
                name=fields.pop("name", "Ada Lovelace"),
                postcode=postcode,
                country="GB",
                placed_at=BASE_TIME,
                items=[OrderItem(sku="LL-SER-01", title="Vitamin C Serum", quantity=1)],
                **fields,
            )
            db.session.add(order)
            for journey in shipments:
                add_shipment(order, journey)
            db.session.commit()
            return order.token

    return make


@pytest.fixture(scope="session")
def sandbox_carrier() -> Iterator[Sandbox]:
    """The sandbox carrier with every journey frozen at its label: tests inject what happens."""
    process, url = start_sandbox(speed=0)
    yield Sandbox(url)
    stop(process)


@pytest.fixture(scope="session")
def sandbox_carrier_fast() -> Iterator[Sandbox]:
    """The sandbox carrier playing journeys so fast that each one is over when first asked."""
    process, url = start_sandbox(speed=1e9)
    yield Sandbox(url)
    stop(process)


@pytest.fixture
def staff(app):
    """One member of staff per role: staff(role) is their e-mail."""
    with app.app_context():
        for role in ("viewer", "agent", "admin"):
            create_user(f"{role}@example.com", STAFF_PASSWORD, role)
        db.session.commit()
    return lambda role: f"{role}@example.com"
