"""Identity tables for school structure and people (in identity's metadata).

Names are stored in parts, with two derived columns kept by the repositories: `sort_key` (Vietnamese class-list
order as a binary-comparable string, `identity.domain.names.class_list_sort_key`) and `search_name` (the folded
full name with a leading space, so `LIKE '% nguy%'` matches a word prefix without diacritics).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from identity.adapters.orm import metadata


def _audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
    ]


def _name_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("family_name", sa.String(64), nullable=False),
        sa.Column("middle_name", sa.String(64), nullable=False, server_default=""),
        sa.Column("given_name", sa.String(64), nullable=False),
        sa.Column("sort_key", sa.String(512), nullable=False),
        sa.Column("search_name", sa.String(255), nullable=False),
    ]


school_years = sa.Table(
    "school_years",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("code", sa.String(9), nullable=False, unique=True),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    *_audit_columns(),
)

semesters = sa.Table(
    "semesters",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_year_id", sa.String(64), sa.ForeignKey("school_years.id"), nullable=False),
    sa.Column("number", sa.SmallInteger, nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.UniqueConstraint("school_year_id", "number", name="uq_semesters_year_number"),
)

# The catalogue: `school_year_id` NULL is the province default; a year's own rows override it by code.
subjects = sa.Table(
    "subjects",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("grade", sa.SmallInteger, nullable=False),
    sa.Column("periods_per_year", sa.SmallInteger, nullable=False),
    sa.Column("assessment", sa.String(16), nullable=False),
    sa.Column("elective", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("position", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("school_year_id", sa.String(64), sa.ForeignKey("school_years.id"), nullable=True),
    *_audit_columns(),
    sa.UniqueConstraint("school_year_id", "level", "grade", "code", name="uq_subjects_year_level_grade_code"),
    sa.Index("ix_subjects_level_grade", "level", "grade"),
)

classes = sa.Table(
    "classes",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), sa.ForeignKey("schools.id"), nullable=False),
    sa.Column("school_year_id", sa.String(64), sa.ForeignKey("school_years.id"), nullable=False),
    sa.Column("grade", sa.SmallInteger, nullable=False),
    sa.Column("name", sa.String(32), nullable=False),
    *_audit_columns(),
    sa.UniqueConstraint("school_id", "school_year_id", "name", name="uq_classes_school_year_name"),
)

class_subjects = sa.Table(
    "class_subjects",
    metadata,
    sa.Column("class_id", sa.String(64), sa.ForeignKey("classes.id"), primary_key=True),
    sa.Column("subject_code", sa.String(32), primary_key=True),
    sa.Column("subject_id", sa.String(64), sa.ForeignKey("subjects.id"), nullable=False),
    sa.Column("periods_per_year", sa.SmallInteger, nullable=False),
    sa.Column("position", sa.SmallInteger, nullable=False, server_default="0"),
)

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), sa.ForeignKey("schools.id"), nullable=False, index=True),
    *_name_columns(),
    sa.Column("title", sa.String(64), nullable=False),
    sa.Column("subject_group", sa.String(128), nullable=True),
    sa.Column("phone", sa.String(16), nullable=True),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("date_of_birth", sa.Date, nullable=True),
    sa.Column("sex", sa.String(8), nullable=True),
    sa.Column("photo_object_key", sa.String(255), nullable=True),
    sa.Column("signature_object_key", sa.String(255), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    *_audit_columns(),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
)

students = sa.Table(
    "students",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), sa.ForeignKey("schools.id"), nullable=False, index=True),
    *_name_columns(),
    sa.Column("date_of_birth", sa.Date, nullable=False),
    sa.Column("sex", sa.String(8), nullable=False),
    sa.Column("place_of_birth", sa.String(255), nullable=True),
    sa.Column("ethnicity", sa.String(64), nullable=True),
    sa.Column("address", sa.String(500), nullable=True),
    sa.Column("national_id", sa.String(12), nullable=True, unique=True),
    sa.Column("moet_student_id", sa.String(20), nullable=True, unique=True),
    sa.Column("status", sa.String(16), nullable=False),
    *_audit_columns(),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("updated_by", sa.String(128), nullable=True),
)

enrollments = sa.Table(
    "enrollments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), sa.ForeignKey("students.id"), nullable=False, index=True),
    sa.Column("class_id", sa.String(64), sa.ForeignKey("classes.id"), nullable=False, index=True),
    sa.Column("school_year_id", sa.String(64), sa.ForeignKey("school_years.id"), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    *_audit_columns(),
)

# A guardian belongs to the school that recorded them; siblings in that school share the row.
guardians = sa.Table(
    "guardians",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), sa.ForeignKey("schools.id"), nullable=False, index=True),
    sa.Column("family_name", sa.String(64), nullable=False),
    sa.Column("middle_name", sa.String(64), nullable=False, server_default=""),
    sa.Column("given_name", sa.String(64), nullable=False),
    sa.Column("phone", sa.String(16), nullable=True),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("occupation", sa.String(128), nullable=True),
    *_audit_columns(),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
)

student_guardians = sa.Table(
    "student_guardians",
    metadata,
    sa.Column("student_id", sa.String(64), sa.ForeignKey("students.id"), primary_key=True),
    sa.Column("guardian_id", sa.String(64), sa.ForeignKey("guardians.id"), primary_key=True, index=True),
    sa.Column("relation", sa.String(16), nullable=False),
    *_audit_columns(),
)

consents = sa.Table(
    "consents",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), sa.ForeignKey("students.id"), nullable=False, index=True),
    sa.Column("guardian_id", sa.String(64), sa.ForeignKey("guardians.id"), nullable=True),
    sa.Column("given_by", sa.String(16), nullable=False),
    sa.Column("purpose", sa.String(32), nullable=False),
    sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_by", sa.String(128), nullable=False),
    sa.Column("evidence", sa.String(255), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_by", sa.String(128), nullable=True),
)

teaching_assignments = sa.Table(
    "teaching_assignments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), sa.ForeignKey("schools.id"), nullable=False),
    sa.Column("class_id", sa.String(64), sa.ForeignKey("classes.id"), nullable=False, index=True),
    sa.Column("subject_code", sa.String(32), nullable=False),
    sa.Column("staff_id", sa.String(64), sa.ForeignKey("staff.id"), nullable=False, index=True),
    sa.Column("school_year_id", sa.String(64), sa.ForeignKey("school_years.id"), nullable=False),
    sa.Column("semester", sa.SmallInteger, nullable=True),
    *_audit_columns(),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_by", sa.String(128), nullable=True),
)

homeroom_assignments = sa.Table(
    "homeroom_assignments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), sa.ForeignKey("schools.id"), nullable=False),
    sa.Column("class_id", sa.String(64), sa.ForeignKey("classes.id"), nullable=False, index=True),
    sa.Column("staff_id", sa.String(64), sa.ForeignKey("staff.id"), nullable=False, index=True),
    sa.Column("school_year_id", sa.String(64), sa.ForeignKey("school_years.id"), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=True),
    *_audit_columns(),
)
