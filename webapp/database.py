"""Connection settings that SQLite needs to serve a web process and a worker at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask
from sqlalchemy import Connection, event
from sqlalchemy.exc import OperationalError

from webapp.extensions import db

#: The bind key of the webhook inbox (config.inbox_uri says where it lives).
INBOX = "inbox"


def engine_options(uri: str, configured: dict) -> dict:
    """PostgreSQL: a pool as large as the requests a gevent web process has in flight, so a
    busy moment reuses connections instead of opening and closing one per request."""
    if not uri.startswith("postgresql"):
        return configured
    return {"pool_size": 20, "max_overflow": 5, **configured}


def tune_sqlite(app: Flask) -> None:
    """Turn on WAL, foreign keys and a busy timeout on every SQLite connection of this app, in
    the database and the inbox alike."""
    with app.app_context():
        engines = set(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            _tune(engine, app.config)


def _tune(engine, config) -> None:
    busy_timeout = int(config["SQLITE_BUSY_TIMEOUT_MS"])

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    if config["SQLITE_IMMEDIATE_TRANSACTIONS"]:
        begin_immediately(engine)


Result = TypeVar("Result")
LOCK_RETRY_SECONDS = 0.001
#: One writer of this process at a time tries for SQLite's lock; the others wait here, where
#: waiting costs no CPU (gevent's lock in a web process), instead of all retrying at once.
_process_writer = threading.Lock()


def yielding_to_writers(
    connection: Connection, run: Callable[[], Result], timeout_ms: int
) -> Result:
    """Run a statement that writes; on SQLite, wait for another process's write lock by trying
    again every millisecond instead of in SQLite's own busy handler.

    The busy handler sleeps inside C, where a gevent web process cannot switch: every request
    of that process would wait with this one. time.sleep is gevent's there.
    """
    if connection.dialect.name != "sqlite":
        return run()
    deadline = time.monotonic() + timeout_ms / 1000
    if not _process_writer.acquire(timeout=timeout_ms / 1000):
        raise TimeoutError("another write of this process held SQLite's lock too long")
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                return run()
            except OperationalError as error:
                if "locked" not in str(error.orig) or time.monotonic() > deadline:
                    raise
                time.sleep(LOCK_RETRY_SECONDS)
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(timeout_ms)}")
        _process_writer.release()


def begin_immediately(engine) -> None:
    """Take SQLite's write lock when a transaction begins, not at its first write.

    A deferred transaction that reads and then writes fails at once when another process holds the
    lock; an immediate one waits for it (busy_timeout) instead. For processes that mostly write.
    """

    @event.listens_for(engine, "connect")
    def _manual_transactions(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def close_connections() -> None:
    """Close the pooled connections of this app's engines, the database's and the inbox's."""
    for engine in db.engines.values():
        engine.dispose()
