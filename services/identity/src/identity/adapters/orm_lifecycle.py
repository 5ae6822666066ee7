"""Identity tables for the student lifecycle (in identity's metadata): promotion results received from the
gradebook (or entered by the school), transfers between schools, and why an enrollment closed.

`enrollment_closures` says why an enrollment ended (graduated, transferred out, dropped out) while the
enrollment row itself keeps the generic `ended` status the people module knows.
"""

from __future__ import annotations

import sqlalchemy as sa

from identity.adapters.orm import metadata

# One current result per student and year; a later decision (after a retest) replaces it, audited old/new.
promotion_results = sa.Table(
    "promotion_results",
    metadata,
    sa.Column("student_id", sa.String(64), sa.ForeignKey("students.id"), primary_key=True),
    sa.Column("school_year_id", sa.String(64), sa.ForeignKey("school_years.id"), primary_key=True),
    sa.Column("school_id", sa.String(64), sa.ForeignKey("schools.id"), nullable=False, index=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),  # gradebook | manual
    sa.Column("source_event_id", sa.String(64), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_by", sa.String(128), nullable=False),
)

transfers = sa.Table(
    "transfers",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), sa.ForeignKey("students.id"), nullable=False, index=True),
    sa.Column("from_school_id", sa.String(64), sa.ForeignKey("schools.id"), nullable=False, index=True),
    sa.Column("to_school_id", sa.String(64), sa.ForeignKey("schools.id"), nullable=False, index=True),
    sa.Column("to_class_id", sa.String(64), sa.ForeignKey("classes.id"), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("requested_by", sa.String(128), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_by", sa.String(128), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decision_note", sa.String(500), nullable=True),
    sa.Column("from_enrollment_id", sa.String(64), nullable=True),
    sa.Column("to_enrollment_id", sa.String(64), nullable=True),
)

enrollment_closures = sa.Table(
    "enrollment_closures",
    metadata,
    sa.Column("enrollment_id", sa.String(64), sa.ForeignKey("enrollments.id"), primary_key=True),
    sa.Column("student_id", sa.String(64), sa.ForeignKey("students.id"), nullable=False, index=True),
    sa.Column("school_id", sa.String(64), sa.ForeignKey("schools.id"), nullable=False, index=True),
    sa.Column("reason", sa.String(16), nullable=False),  # graduated | transferred_out | dropped_out
    sa.Column("closed_on", sa.Date, nullable=False),
    sa.Column("note", sa.String(500), nullable=True),
    sa.Column("transfer_id", sa.String(64), sa.ForeignKey("transfers.id"), nullable=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_by", sa.String(128), nullable=False),
)
