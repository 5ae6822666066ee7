"""Alembic environment of the notifications service (async; batch mode for SQLite)."""

from alembic import context

from edu_shared.db.migrations import run_env
from notifications.adapters.orm import metadata

run_env(context, metadata)
