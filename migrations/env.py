"""Alembic environment of the database (the webhook inbox has its own, in inbox/)."""

from webapp.schema import run_environment

run_environment(None)
