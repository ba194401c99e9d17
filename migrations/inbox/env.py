"""Alembic environment of the webhook inbox: `flask db … --directory migrations/inbox`."""

from webapp.database import INBOX
from webapp.schema import run_environment

run_environment(INBOX)
