"""Waiting for SQLite's write lock by trying again, not in SQLite's own busy handler."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from webapp.database import engine_options, yielding_to_writers


def locked() -> OperationalError:
    return OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))


@pytest.fixture
def connection():
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA busy_timeout=5000")
        yield connection


def busy_timeout(connection) -> int:
    return connection.exec_driver_sql("PRAGMA busy_timeout").scalar()


def test_a_locked_database_is_tried_again_until_the_lock_is_free(connection):
    tries = []

    def write():
        tries.append(busy_timeout(connection))
        if len(tries) < 3:
            raise locked()
        return "stored"

    assert yielding_to_writers(connection, write, 5000) == "stored"
    assert tries == [0, 0, 0]  # SQLite's own handler is off while we wait
    assert busy_timeout(connection) == 5000  # and on again afterwards


def test_a_lock_held_past_the_timeout_is_the_error_it_was(connection):
    def write():
        raise locked()

    with pytest.raises(OperationalError, match="locked"):
        yielding_to_writers(connection, write, 20)
    assert busy_timeout(connection) == 20


def test_any_other_error_is_raised_at_once(connection):
    tries = []

    def write():
        tries.append(1)
        raise OperationalError("INSERT …", {}, sqlite3.OperationalError("no such table: x"))

    with pytest.raises(OperationalError, match="no such table"):
        yielding_to_writers(connection, write, 5000)
    assert tries == [1]


def test_postgresql_gets_a_pool_for_a_busy_gevent_process_unless_configured_otherwise():
    assert engine_options("postgresql+psycopg://h/db", {}) == {"pool_size": 20, "max_overflow": 5}
    assert engine_options("postgresql+psycopg://h/db", {"pool_size": 3})["pool_size"] == 3
    assert engine_options("sqlite:///x.db", {}) == {}
