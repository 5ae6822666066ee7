"""Alembic environment of the gradebook service (async; batch mode for SQLite)."""

from alembic import context

from edu_shared.db.migrations import run_env
from gradebook.adapters.orm import metadata

run_env(context, metadata)
