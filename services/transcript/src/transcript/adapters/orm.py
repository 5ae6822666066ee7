"""Transcript's own tables: the org directory it keeps from identity events, outbox and inbox; the projections,
drafts and homeroom comments are in orm_transcripts.py; versions, locks, jobs, imports and school keys in
orm_lifecycle.py."""

from __future__ import annotations

import sqlalchemy as sa

from edu_shared.db.messaging import add_messaging_tables
from edu_shared.directory import add_directory_tables

metadata = sa.MetaData()
messaging = add_messaging_tables(metadata)
directory = add_directory_tables(metadata)

from transcript.adapters import orm_lifecycle, orm_transcripts  # noqa: E402, F401  (register their tables)
