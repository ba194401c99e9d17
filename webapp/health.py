"""Liveness, readiness and metrics for whatever runs the service."""

from __future__ import annotations

import os
from functools import cache

from alembic.script import ScriptDirectory
from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

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
    """The process answers, its database does too, and the schema is the one this code expects."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return _unready("unreachable")
    version = _schema_version()
    if version != _head():
        return _unready(f"at migration {version or 'none'}, expected {_head()}")
    return {"status": "ok", "database": "ok"}


def _unready(database: str):
    db.session.rollback()
    return {"status": "unavailable", "database": database}, 503


def _schema_version() -> str | None:
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
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


def _head() -> str:
    return _head_of(current_app.extensions["migrate"].directory)
