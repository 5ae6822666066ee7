"""The subject teachers' comments (nhận xét), one current text per student, subject and semester."""

from __future__ import annotations

import sqlalchemy as sa

from gradebook.adapters.orm import metadata

subject_comments = sa.Table(
    "subject_comments",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("subject_code", sa.String(64), primary_key=True),
    sa.Column("semester", sa.SmallInteger, primary_key=True),
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("text", sa.String(500), nullable=False),
    sa.Column("updated_by", sa.String(128), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
