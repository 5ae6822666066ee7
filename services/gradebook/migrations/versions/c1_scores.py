"""score sheets, their history, locks, correction requests and class rosters

Revision ID: c1_scores
Revises: b1_directory_classes
Create Date: 2026-11-23 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c1_scores"
down_revision: str | None = "b1_directory_classes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gradebook_locks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=True),
        sa.Column("subject_code", sa.String(length=64), nullable=True),
        sa.Column("semester", sa.SmallInteger(), nullable=True),
        sa.Column("column", sa.String(length=8), nullable=True),
        sa.Column("locked_by", sa.String(length=128), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unlocked_by", sa.String(length=128), nullable=True),
        sa.Column("unlocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("gradebook_locks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gradebook_locks_school_id"), ["school_id"], unique=False)

    op.create_table(
        "roster_class_subjects",
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("school_year_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("periods_per_year", sa.SmallInteger(), nullable=False),
        sa.Column("assessment", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("class_id", "subject_code"),
    )
    op.create_table(
        "roster_enrolments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("school_year_id", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("roster_enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_enrolments_class_id"), ["class_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_roster_enrolments_student_id"), ["student_id"], unique=False)

    op.create_table(
        "roster_students",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("family_name", sa.String(length=64), nullable=False),
        sa.Column("middle_name", sa.String(length=64), nullable=False),
        sa.Column("given_name", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("roster_students", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_students_school_id"), ["school_id"], unique=False)

    op.create_table(
        "roster_teaching",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("school_year_id", sa.String(length=64), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("roster_teaching", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_teaching_class_id"), ["class_id"], unique=False)

    op.create_table(
        "score_corrections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("column", sa.String(length=8), nullable=False),
        sa.Column("old_value", sa.String(length=8), nullable=True),
        sa.Column("new_value", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("evidence", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("requested_by_name", sa.String(length=255), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("score_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_score_corrections_school_id"), ["school_id"], unique=False)

    op.create_table(
        "score_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("column", sa.String(length=8), nullable=False),
        sa.Column("old_value", sa.String(length=8), nullable=True),
        sa.Column("new_value", sa.String(length=8), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("changed_by", sa.String(length=128), nullable=False),
        sa.Column("changed_by_name", sa.String(length=255), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=128), nullable=True),
        sa.Column("correction_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("score_history", schema=None) as batch_op:
        batch_op.create_index("ix_score_history_sheet", ["class_id", "subject_code", "semester"], unique=False)

    op.create_table(
        "scores",
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("column", sa.String(length=8), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Numeric(precision=3, scale=1), nullable=True),
        sa.Column("rating", sa.String(length=2), nullable=True),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("class_id", "subject_code", "semester", "student_id", "column"),
    )


def downgrade() -> None:
    op.drop_table("scores")
    with op.batch_alter_table("score_history", schema=None) as batch_op:
        batch_op.drop_index("ix_score_history_sheet")

    op.drop_table("score_history")
    with op.batch_alter_table("score_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_corrections_school_id"))

    op.drop_table("score_corrections")
    with op.batch_alter_table("roster_teaching", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_teaching_class_id"))

    op.drop_table("roster_teaching")
    with op.batch_alter_table("roster_students", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_students_school_id"))

    op.drop_table("roster_students")
    with op.batch_alter_table("roster_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_enrolments_student_id"))
        batch_op.drop_index(batch_op.f("ix_roster_enrolments_class_id"))

    op.drop_table("roster_enrolments")
    op.drop_table("roster_class_subjects")
    with op.batch_alter_table("gradebook_locks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gradebook_locks_school_id"))

    op.drop_table("gradebook_locks")
