"""Tables of the school calendar (semester dates, entry-deadline policy) and of periodic test dates."""

from __future__ import annotations

import sqlalchemy as sa

from gradebook.adapters.orm import metadata

# One row per school and school year ("2025-2026", the label classes carry); replaced whole when set again.
school_calendars = sa.Table(
    "school_calendars",
    metadata,
    sa.Column("school_id", sa.String(64), primary_key=True),
    sa.Column("school_year", sa.String(9), primary_key=True),
    sa.Column("periodic_entry_days", sa.SmallInteger, nullable=False),
    sa.Column("essay_entry_days", sa.SmallInteger, nullable=False),
    sa.Column("correction_cutoff_days", sa.SmallInteger, nullable=False),
    sa.Column("set_by", sa.String(128), nullable=False),
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
)

calendar_semesters = sa.Table(
    "school_calendar_semesters",
    metadata,
    sa.Column("school_id", sa.String(64), primary_key=True),
    sa.Column("school_year", sa.String(9), primary_key=True),
    sa.Column("semester", sa.SmallInteger, primary_key=True),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("mid_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("exam_starts_on", sa.Date, nullable=False),
)

# When each periodic test (GK, CK) of a class's subject was held: the entry deadline counts from it.
test_dates = sa.Table(
    "gradebook_test_dates",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("subject_code", sa.String(64), primary_key=True),
    sa.Column("semester", sa.SmallInteger, primary_key=True),
    sa.Column("column", sa.String(8), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False, index=True),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("essay", sa.Boolean, nullable=False),
    sa.Column("set_by", sa.String(128), nullable=False),
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
)
