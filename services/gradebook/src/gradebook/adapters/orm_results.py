"""Tables of the year-end workflow: approvals of a class's results, and the summer round's retest and training."""

from __future__ import annotations

import sqlalchemy as sa

from gradebook.adapters.orm import metadata

# Every submission is kept (returned ones too): the approved row's snapshot is the legal list.
result_approvals = sa.Table(
    "result_approvals",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("class_id", sa.String(64), nullable=False),
    sa.Column("school_year", sa.String(9), nullable=False),
    sa.Column("period", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("snapshot", sa.JSON, nullable=False),
    sa.Column("snapshot_hash", sa.String(64), nullable=False),
    sa.Column("submitted_by", sa.String(128), nullable=False),
    sa.Column("submitted_by_name", sa.String(255), nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_by", sa.String(128), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("note", sa.String(1000), nullable=True),
    sa.Index("ix_result_approvals_class", "class_id", "period"),
)

# Kết quả kiểm tra lại: one value per student and retested subject (a score, or Đ/CĐ for a comment subject).
retest_results = sa.Table(
    "retest_results",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("subject_code", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("value", sa.String(8), nullable=False),
    sa.Column("entered_by", sa.String(128), nullable=False),
    sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
)

# Kết quả rèn luyện hè: replaces the year training result of a student who owed it.
summer_training = sa.Table(
    "summer_training",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("entered_by", sa.String(128), nullable=False),
    sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
)
