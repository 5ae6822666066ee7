"""Reporting's own tables: the org directory, the read models projected from identity and gradebook events,
the incremental aggregates the reports read, export jobs, plus outbox and inbox.

Every `rp_*` table is a projection: `edu reporting replay` empties them and rebuilds them from the event log.
Aggregate tables (`*_counts`, `rp_score_hist*`) hold counts per key, moved by +1/-1 as events change the facts
under them, so a report sums a few hundred rows instead of grouping millions.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from edu_shared.db.messaging import add_messaging_tables
from edu_shared.directory import add_directory_tables

metadata = sa.MetaData()
messaging = add_messaging_tables(metadata)
directory = add_directory_tables(metadata)

_ID = sa.String(64)
_YEAR = sa.String(9)
_TS = sa.DateTime(timezone=True)
_N = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _counts(name: str, *keys: sa.Column[Any]) -> sa.Table:
    """An aggregate table: the key columns (all part of the primary key) and a count `n`."""
    return sa.Table(name, metadata, *keys, sa.Column("n", _N, nullable=False, server_default="0"))


def _key(name: str, type_: Any) -> sa.Column[Any]:
    return sa.Column(name, type_, primary_key=True)


# --- read models (one row per thing; `updated_at` is the external API's dateLastModified) ----------------------

schools = sa.Table(
    "rp_schools",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("org_unit_id", _ID, nullable=False, index=True),
    sa.Column("moet_code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("levels", sa.String(255), nullable=False),
    sa.Column("updated_at", _TS, nullable=False, index=True),
)

classes = sa.Table(
    "rp_classes",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("school_id", _ID, nullable=False, index=True),
    sa.Column("school_year_id", _ID, nullable=False),
    sa.Column("school_year", _YEAR, nullable=False),
    sa.Column("grade", sa.SmallInteger, nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("updated_at", _TS, nullable=False, index=True),
)

class_subjects = sa.Table(
    "rp_class_subjects",
    metadata,
    sa.Column("class_id", _ID, primary_key=True),
    sa.Column("subject_code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("periods_per_year", sa.Integer, nullable=False),
    sa.Column("assessment", sa.String(16), nullable=False),
)

students = sa.Table(
    "rp_students",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("school_id", _ID, nullable=False, index=True),
    sa.Column("sex", sa.String(8), nullable=False),
    sa.Column("ethnicity", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    # The class the student is counted in (the latest enrolment); kept after graduation for the year's figures.
    sa.Column("class_id", _ID, nullable=True, index=True),
    sa.Column("updated_at", _TS, nullable=False),
)

staff = sa.Table(
    "rp_staff",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("school_id", _ID, nullable=False, index=True),
    sa.Column("title", sa.String(128), nullable=False),
    sa.Column("subject_group", sa.String(128), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
)

dropouts = sa.Table(
    "rp_dropouts",
    metadata,
    sa.Column("student_id", _ID, primary_key=True),
    sa.Column("left_on", sa.Date, primary_key=True),
    sa.Column("school_id", _ID, nullable=False, index=True),
    sa.Column("school_year", _YEAR, nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("grade", sa.SmallInteger, nullable=False),
    sa.Column("sex", sa.String(8), nullable=False),
    sa.Column("semester", sa.SmallInteger, nullable=False),
    sa.Column("reason", sa.String(255), nullable=False),
)

graduations = sa.Table(
    "rp_graduations",
    metadata,
    sa.Column("student_id", _ID, primary_key=True),
    sa.Column("school_year", _YEAR, primary_key=True),
    sa.Column("school_id", _ID, nullable=False, index=True),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("grade", sa.SmallInteger, nullable=False),
    sa.Column("sex", sa.String(8), nullable=False),
)

# One cell of a score sheet as last recorded (the raw rows the bench's baseline GROUP BY runs over).
score_cells = sa.Table(
    "rp_score_cells",
    metadata,
    sa.Column("class_id", _ID, primary_key=True),
    sa.Column("subject_code", sa.String(64), primary_key=True),
    sa.Column("semester", sa.SmallInteger, primary_key=True),
    sa.Column("student_id", _ID, primary_key=True),
    sa.Column("column", sa.String(16), primary_key=True),
    sa.Column("value", sa.Numeric(3, 1), nullable=True),
    sa.Column("rating", sa.String(8), nullable=True),
)

# A student's approved results for a period, as the gradebook approved them (the external API's /v1/results).
results = sa.Table(
    "rp_results",
    metadata,
    sa.Column("student_id", _ID, primary_key=True),
    sa.Column("class_id", _ID, primary_key=True),
    sa.Column("period", sa.String(8), primary_key=True),
    sa.Column("school_id", _ID, nullable=False, index=True),
    sa.Column("school_year", _YEAR, nullable=False),
    sa.Column("learning", sa.String(32), nullable=True),
    sa.Column("training", sa.String(32), nullable=True),
    sa.Column("result", sa.String(32), nullable=True),
    sa.Column("outcome", sa.String(32), nullable=True),
    sa.Column("award", sa.String(32), nullable=True),
    sa.Column("absent_sessions", sa.Integer, nullable=False),
    sa.Column("subjects", sa.JSON, nullable=False),
    sa.Column("updated_at", _TS, nullable=False, index=True),
)

locks = sa.Table(
    "rp_locks",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("school_id", _ID, nullable=False, index=True),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("class_id", _ID, nullable=True),
    sa.Column("subject_code", sa.String(64), nullable=True),
    sa.Column("semester", sa.SmallInteger, nullable=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("locked_at", _TS, nullable=False),
    sa.Column("lifted_at", _TS, nullable=True),
)

# --- incremental aggregates --------------------------------------------------------------------------------

enrolment_counts = _counts(
    "rp_enrolment_counts",
    _key("school_id", _ID),
    _key("school_year", _YEAR),
    _key("level", sa.String(16)),
    _key("grade", sa.SmallInteger),
    _key("sex", sa.String(8)),
    _key("ethnicity", sa.String(64)),
)
class_sizes = _counts("rp_class_sizes", _key("class_id", _ID))
score_hist = _counts(
    "rp_score_hist",
    _key("school_year", _YEAR),
    _key("subject_code", sa.String(64)),
    _key("semester", sa.SmallInteger),
    _key("school_id", _ID),
    _key("grade", sa.SmallInteger),
    _key("kind", sa.String(4)),
    _key("bucket", sa.String(8)),
)
# The same counts without the school: the province-wide dashboard reads a few dozen rows.
score_hist_province = _counts(
    "rp_score_hist_province",
    _key("school_year", _YEAR),
    _key("subject_code", sa.String(64)),
    _key("semester", sa.SmallInteger),
    _key("grade", sa.SmallInteger),
    _key("kind", sa.String(4)),
    _key("bucket", sa.String(8)),
)
entry_counts = _counts(
    "rp_entry_counts",
    _key("class_id", _ID),
    _key("subject_code", sa.String(64)),
    _key("semester", sa.SmallInteger),
)
quality_counts = _counts(
    "rp_quality_counts",
    _key("school_year", _YEAR),
    _key("period", sa.String(8)),
    _key("school_id", _ID),
    _key("level", sa.String(16)),
    _key("grade", sa.SmallInteger),
    _key("dimension", sa.String(16)),
    _key("value", sa.String(32)),
)
subject_result_counts = _counts(
    "rp_subject_result_counts",
    _key("school_year", _YEAR),
    _key("period", sa.String(8)),
    _key("subject_code", sa.String(64)),
    _key("school_id", _ID),
    _key("grade", sa.SmallInteger),
    _key("bucket", sa.String(8)),
)
attendance_counts = _counts(
    "rp_attendance_counts",
    _key("school_year", _YEAR),
    _key("semester", sa.SmallInteger),
    _key("school_id", _ID),
    _key("class_id", _ID),
    _key("status", sa.String(16)),
)

# Gradebook events about a class identity has not announced yet (topics are ordered only within themselves):
# kept in arrival order and applied when the class is opened.
parked = sa.Table(
    "rp_parked",
    metadata,
    sa.Column("seq", _N, primary_key=True, autoincrement=True),
    sa.Column("class_id", _ID, nullable=False, index=True),
    sa.Column("envelope", sa.Text, nullable=False),
)

# How far the projections got, per topic: the lag metric.
projection_state = sa.Table(
    "rp_projection_state",
    metadata,
    sa.Column("topic", sa.String(255), primary_key=True),
    sa.Column("events_applied", _N, nullable=False),
    sa.Column("last_event_at", _TS, nullable=True),
    sa.Column("updated_at", _TS, nullable=False),
)

PROJECTION_TABLES: tuple[sa.Table, ...] = (
    schools,
    classes,
    class_subjects,
    students,
    staff,
    dropouts,
    graduations,
    score_cells,
    results,
    locks,
    enrolment_counts,
    class_sizes,
    score_hist,
    score_hist_province,
    entry_counts,
    quality_counts,
    subject_result_counts,
    attendance_counts,
    parked,
    projection_state,
)

# --- export jobs (not a projection: survives a replay) -------------------------------------------------------

export_jobs = sa.Table(
    "rp_export_jobs",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("report", sa.String(64), nullable=False),
    sa.Column("format", sa.String(8), nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("requested_by", sa.String(255), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("progress", sa.Integer, nullable=False),
    sa.Column("object_key", sa.String(512), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("finished_at", _TS, nullable=True),
)
