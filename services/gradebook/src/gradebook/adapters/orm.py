"""Gradebook's own tables: the org directory and class rosters it keeps from identity events, the score sheets
with their append-only history, the locks, plus outbox and inbox."""

from __future__ import annotations

import sqlalchemy as sa

from edu_shared.audit.trail import add_audit_trail_table
from edu_shared.db.messaging import add_messaging_tables
from edu_shared.directory import add_directory_tables

metadata = sa.MetaData()
messaging = add_messaging_tables(metadata)
directory = add_directory_tables(metadata)
# The legal trail of every change (scores, locks, corrections, attendance, conduct…), hash-chained per school.
audit = add_audit_trail_table(metadata)

# Projections of identity events (roster): what a class studies, who is in it, who teaches what.
class_subjects = sa.Table(
    "roster_class_subjects",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("subject_code", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("school_year_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("periods_per_year", sa.SmallInteger, nullable=False),
    sa.Column("assessment", sa.String(16), nullable=False),
)

students = sa.Table(
    "roster_students",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False, index=True),
    sa.Column("family_name", sa.String(64), nullable=False),
    sa.Column("middle_name", sa.String(64), nullable=False),
    sa.Column("given_name", sa.String(64), nullable=False),
    sa.Column("full_name", sa.String(255), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
)

enrolments = sa.Table(
    "roster_enrolments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), nullable=False, index=True),
    sa.Column("class_id", sa.String(64), nullable=False, index=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("school_year_id", sa.String(64), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

teaching = sa.Table(
    "roster_teaching",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("class_id", sa.String(64), nullable=False, index=True),
    sa.Column("subject_code", sa.String(64), nullable=False),
    sa.Column("staff_id", sa.String(64), nullable=False),
    sa.Column("school_year_id", sa.String(64), nullable=False),
    sa.Column("semester", sa.SmallInteger, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
)

# Current value of every cell; a score (Numeric, one decimal) or a rating (Đ/CĐ), never both.
scores = sa.Table(
    "scores",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("subject_code", sa.String(64), primary_key=True),
    sa.Column("semester", sa.SmallInteger, primary_key=True),
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("column", sa.String(8), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("score", sa.Numeric(3, 1), nullable=True),
    sa.Column("rating", sa.String(2), nullable=True),
    sa.Column("updated_by", sa.String(128), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Lưu vết: append-only, one row per change of a cell, written in the transaction of the change.
score_history = sa.Table(
    "score_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("class_id", sa.String(64), nullable=False),
    sa.Column("subject_code", sa.String(64), nullable=False),
    sa.Column("semester", sa.SmallInteger, nullable=False),
    sa.Column("student_id", sa.String(64), nullable=False),
    sa.Column("column", sa.String(8), nullable=False),
    sa.Column("old_value", sa.String(8), nullable=True),
    sa.Column("new_value", sa.String(8), nullable=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("changed_by", sa.String(128), nullable=False),
    sa.Column("changed_by_name", sa.String(255), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    # Set for a correction after lock: who approved it, and which request it came from.
    sa.Column("approved_by", sa.String(128), nullable=True),
    sa.Column("correction_id", sa.String(36), nullable=True),
    sa.Index("ix_score_history_sheet", "class_id", "subject_code", "semester"),
)

# A lock is never deleted: unlocking stamps it, so the table is also the audit of lock and unlock.
locks = sa.Table(
    "gradebook_locks",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False, index=True),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("class_id", sa.String(64), nullable=True),
    sa.Column("subject_code", sa.String(64), nullable=True),
    sa.Column("semester", sa.SmallInteger, nullable=True),
    sa.Column("column", sa.String(8), nullable=True),
    sa.Column("locked_by", sa.String(128), nullable=False),
    sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("unlocked_by", sa.String(128), nullable=True),
    sa.Column("unlocked_at", sa.DateTime(timezone=True), nullable=True),
    # The window: in force from starts_at (null: locked_at) until ends_at (null: until lifted).
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
    # "school" (set by the school's leaders) or "inspection" (one school's share of an upper level's window).
    sa.Column("kind", sa.String(16), nullable=False, server_default="school"),
    sa.Column("window_id", sa.String(36), nullable=True, index=True),
    sa.Column("org_unit_id", sa.String(64), nullable=True),
    sa.Column("reason", sa.String(500), nullable=True),
    # Lifted for one fix: the first save under it locks again (relocked_at stamps that), as lock `relock_of`.
    sa.Column("relock_after_save", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("relocked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("relock_of", sa.String(36), nullable=True),
)

# Yêu cầu sửa điểm sau khóa sổ: filed by the teacher, decided by the principal; kept whatever the outcome.
corrections = sa.Table(
    "score_corrections",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False, index=True),
    sa.Column("class_id", sa.String(64), nullable=False),
    sa.Column("subject_code", sa.String(64), nullable=False),
    sa.Column("semester", sa.SmallInteger, nullable=False),
    sa.Column("student_id", sa.String(64), nullable=False),
    sa.Column("column", sa.String(8), nullable=False),
    sa.Column("old_value", sa.String(8), nullable=True),
    sa.Column("new_value", sa.String(8), nullable=True),
    sa.Column("reason", sa.String(1000), nullable=False),
    sa.Column("evidence", sa.String(500), nullable=True),
    # Người chứng kiến named on the correction record (biên bản), as a JSON list of names.
    sa.Column("witnesses", sa.JSON, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("requested_by", sa.String(128), nullable=False),
    sa.Column("requested_by_name", sa.String(255), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_by", sa.String(128), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decision_note", sa.String(1000), nullable=True),
)

# Minh chứng of a correction request: files in the object store (content-addressed), numbered 1, 2, … per request.
correction_evidence = sa.Table(
    "correction_evidence",
    metadata,
    sa.Column("correction_id", sa.String(36), primary_key=True),
    sa.Column("n", sa.SmallInteger, primary_key=True),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content_type", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("uploaded_by", sa.String(128), nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
)

from gradebook.adapters import orm_calendar, orm_comments, orm_records, orm_results  # noqa: E402, F401
