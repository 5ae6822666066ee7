"""Tables of the student records kept beside the score sheets: attendance, conduct, discipline, exemptions.

Defined on the gradebook's metadata (imported at the bottom of `orm`). Every change is also in the audit trail;
discipline records and exemptions are never deleted (revocation stamps them).
"""

from __future__ import annotations

import sqlalchemy as sa

from gradebook.adapters.orm import metadata

# One row per mark; a student without a mark for a roll is present. `period` 0 is the whole session (a key
# column cannot be null), 1–10 a single period.
attendance_marks = sa.Table(
    "attendance_marks",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("on", sa.Date, primary_key=True),
    sa.Column("session", sa.String(8), primary_key=True),
    sa.Column("period", sa.SmallInteger, primary_key=True),
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("school_year", sa.String(9), nullable=False),
    sa.Column("semester", sa.SmallInteger, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("note", sa.String(500), nullable=True),
    sa.Column("recorded_by", sa.String(128), nullable=False),
    sa.Column("recorded_by_name", sa.String(255), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_attendance_marks_student_year", "student_id", "school_year"),
)

# That a roll was taken (so "nobody absent" differs from "not taken yet"), and by whom last.
attendance_rolls = sa.Table(
    "attendance_rolls",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("on", sa.Date, primary_key=True),
    sa.Column("session", sa.String(8), primary_key=True),
    sa.Column("period", sa.SmallInteger, primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("school_year", sa.String(9), nullable=False),
    sa.Column("semester", sa.SmallInteger, nullable=False),
    sa.Column("taken_by", sa.String(128), nullable=False),
    sa.Column("taken_by_name", sa.String(255), nullable=False),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
)

# Current rating per student, semester and stage ("end" only for TT22); levels stored by their labels.
conduct_ratings = sa.Table(
    "conduct_ratings",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("semester", sa.SmallInteger, primary_key=True),
    sa.Column("stage", sa.String(8), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("school_year", sa.String(9), nullable=False),
    sa.Column("rule_set", sa.String(8), nullable=False),
    sa.Column("training", sa.String(16), nullable=True),
    sa.Column("qualities", sa.JSON, nullable=True),
    sa.Column("competences", sa.JSON, nullable=True),
    sa.Column("comment", sa.String(1000), nullable=True),
    sa.Column("updated_by", sa.String(128), nullable=False),
    sa.Column("updated_by_name", sa.String(255), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

discipline_records = sa.Table(
    "discipline_records",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("class_id", sa.String(64), nullable=False, index=True),
    sa.Column("school_year", sa.String(9), nullable=False),
    sa.Column("student_id", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("level", sa.String(32), nullable=False),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("decision_number", sa.String(64), nullable=True),
    sa.Column("content", sa.String(2000), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("recorded_by", sa.String(128), nullable=False),
    sa.Column("recorded_by_name", sa.String(255), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_by", sa.String(128), nullable=True),
    sa.Column("revoked_by_name", sa.String(255), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoke_reason", sa.String(1000), nullable=True),
)

subject_exemptions = sa.Table(
    "subject_exemptions",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("class_id", sa.String(64), nullable=False, index=True),
    sa.Column("school_year", sa.String(9), nullable=False),
    sa.Column("student_id", sa.String(64), nullable=False),
    sa.Column("subject_code", sa.String(64), nullable=False),
    sa.Column("semester", sa.SmallInteger, nullable=True),
    sa.Column("reason", sa.String(1000), nullable=False),
    sa.Column("decision_ref", sa.String(128), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("granted_by", sa.String(128), nullable=False),
    sa.Column("granted_by_name", sa.String(255), nullable=False),
    sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_by", sa.String(128), nullable=True),
    sa.Column("revoked_by_name", sa.String(255), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoke_reason", sa.String(1000), nullable=True),
)
