"""The transcript's projections of identity and gradebook events, its drafts and the homeroom comments.

Projections keep only what a transcript prints; they are fed by one consumer in event order, so a class is always
known before the enrolments and results that refer to it.
"""

from __future__ import annotations

import sqlalchemy as sa

from transcript.adapters.orm import metadata

schools = sa.Table(
    "tr_schools",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
)

students = sa.Table(
    "tr_students",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("family_name", sa.String(64), nullable=False),
    sa.Column("middle_name", sa.String(64), nullable=False),
    sa.Column("given_name", sa.String(64), nullable=False),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("date_of_birth", sa.Date, nullable=False),
    sa.Column("sex", sa.String(8), nullable=False),
    sa.Column("place_of_birth", sa.String(255), nullable=True),
    sa.Column("ethnicity", sa.String(64), nullable=True),
    sa.Column("national_id", sa.String(32), nullable=True),
    sa.Column("moet_student_id", sa.String(32), nullable=True),
    sa.Column("status", sa.String(32), nullable=False),
)

guardians = sa.Table(
    "tr_guardians",
    metadata,
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("guardian_id", sa.String(64), primary_key=True),
    sa.Column("relation", sa.String(32), nullable=False),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("occupation", sa.String(200), nullable=True),
)

staff = sa.Table(
    "tr_staff",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False, index=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("title", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
)

classes = sa.Table(
    "tr_classes",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("school_year_id", sa.String(64), nullable=False),
    sa.Column("school_year", sa.String(9), nullable=False),
    sa.Column("grade", sa.SmallInteger, nullable=False),
    sa.Column("name", sa.String(32), nullable=False),
)

class_subjects = sa.Table(
    "tr_class_subjects",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("subject_code", sa.String(64), primary_key=True),
    sa.Column("position", sa.SmallInteger, nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
)

enrolments = sa.Table(
    "tr_enrolments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), nullable=False, index=True),
    sa.Column("class_id", sa.String(64), nullable=False, index=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

homerooms = sa.Table(
    "tr_homerooms",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("staff_id", sa.String(64), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
)

teaching = sa.Table(
    "tr_teaching",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("class_id", sa.String(64), nullable=False, index=True),
    sa.Column("subject_code", sa.String(64), nullable=False),
    sa.Column("staff_id", sa.String(64), nullable=False),
    sa.Column("semester", sa.SmallInteger, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
)

# One student's approved results per class and period, as the gradebook's event carried them (JSON).
results = sa.Table(
    "tr_results",
    metadata,
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(8), primary_key=True),
    sa.Column("approval_id", sa.String(64), nullable=False),
    sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("result", sa.Text, nullable=False),
)

comments = sa.Table(
    "tr_comments",
    metadata,
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("subject_code", sa.String(64), primary_key=True),
    sa.Column("semester", sa.SmallInteger, primary_key=True),
    sa.Column("text", sa.String(1000), nullable=False),
)

exemptions = sa.Table(
    "tr_exemptions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), nullable=False, index=True),
    sa.Column("class_id", sa.String(64), nullable=False),
    sa.Column("subject_code", sa.String(64), nullable=False),
    sa.Column("semester", sa.SmallInteger, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
)

# Written in this service by the homeroom teacher (PUT …/homeroom-comment), one per student and school year.
homeroom_comments = sa.Table(
    "tr_homeroom_comments",
    metadata,
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("school_year", sa.String(9), primary_key=True),
    sa.Column("class_id", sa.String(64), nullable=False),
    sa.Column("text", sa.String(2000), nullable=False),
    sa.Column("written_by", sa.String(128), nullable=False),
    sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
)

transcripts = sa.Table(
    "transcripts",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), nullable=False, index=True),
    sa.Column("school_id", sa.String(64), nullable=False, index=True),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("verification_code", sa.String(16), nullable=False, unique=True),
    sa.Column("school_years", sa.String(255), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("content_sha256", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # The lifecycle (orm_lifecycle.py): the latest version's number (0 before the first submission), whether the
    # inputs changed since that version was frozen, and why the last submission came back.
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("stale", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("returned_reason", sa.Text, nullable=True),
)
