"""Liveness, readiness and metrics for whatever runs the service."""

from __future__ import annotations

import os
from functools import cache

from alembic.script import ScriptDirectory
from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import column, select, table, text
from sqlalchemy.exc import SQLAlchemyError

from webapp import schema
from webapp.database import INBOX
from webapp.extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The process answers."""
    return {"status": "ok"}


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """The process answers, its database does too, and the schemas of the database and the
    webhook inbox are the ones this code expects (`flask upgrade` brings both there)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return _unready("database", "unreachable")
    for name, bind_key, directory in (
        ("database", None, current_app.extensions["migrate"].directory),
        ("inbox", INBOX, schema.inbox_directory()),
    ):
        version, head = _schema_version(bind_key), _head_of(directory)
        if version != head:
            return _unready(name, f"at migration {version or 'none'}, expected {head}")
    return {"status": "ok", "database": "ok", "inbox": "ok"}


def _unready(part: str, reason: str):
    db.session.rollback()
    return {"status": "unavailable", part: reason}, 503


def _schema_version(bind_key: str | None) -> str | None:
    query = select(column("version_num")).select_from(table(schema.VERSION_TABLES[bind_key]))
    try:
        with db.engines[bind_key].connect() as connection:
            return connection.execute(query).scalar()
    except SQLAlchemyError:
        return None


@bp.get("/metrics")
@limiter.exempt
def metrics():
    """Prometheus metrics of this process, or of all of them when multiprocess mode is on."""
    return Response(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def _registry():
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


@cache
def _head_of(directory: str) -> str:
    return ScriptDirectory(directory).get_current_head()
