"""student records: attendance marks and rolls, conduct ratings, discipline and rewards, subject exemptions

Revision ID: e1_student_records
Revises: d1_audit_trail
Create Date: 2026-11-23 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e1_student_records"
down_revision: str | None = "d1_audit_trail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attendance_marks",
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("session", sa.String(length=8), nullable=False),
        sa.Column("period", sa.SmallInteger(), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=255), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("class_id", "on", "session", "period", "student_id"),
    )
    with op.batch_alter_table("attendance_marks", schema=None) as batch_op:
        batch_op.create_index("ix_attendance_marks_student_year", ["student_id", "school_year"], unique=False)

    op.create_table(
        "attendance_rolls",
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("session", sa.String(length=8), nullable=False),
        sa.Column("period", sa.SmallInteger(), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=False),
        sa.Column("taken_by", sa.String(length=128), nullable=False),
        sa.Column("taken_by_name", sa.String(length=255), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("class_id", "on", "session", "period"),
    )

    op.create_table(
        "conduct_ratings",
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("rule_set", sa.String(length=8), nullable=False),
        sa.Column("training", sa.String(length=16), nullable=True),
        sa.Column("qualities", sa.JSON(), nullable=True),
        sa.Column("competences", sa.JSON(), nullable=True),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_by_name", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("class_id", "student_id", "semester", "stage"),
    )

    op.create_table(
        "discipline_records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("decision_number", sa.String(length=64), nullable=True),
        sa.Column("content", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=255), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(length=128), nullable=True),
        sa.Column("revoked_by_name", sa.String(length=255), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.String(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("discipline_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discipline_records_class_id"), ["class_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_discipline_records_student_id"), ["student_id"], unique=False)

    op.create_table(
        "subject_exemptions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("decision_ref", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("granted_by", sa.String(length=128), nullable=False),
        sa.Column("granted_by_name", sa.String(length=255), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(length=128), nullable=True),
        sa.Column("revoked_by_name", sa.String(length=255), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.String(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("subject_exemptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subject_exemptions_class_id"), ["class_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("subject_exemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_exemptions_class_id"))
    op.drop_table("subject_exemptions")
    with op.batch_alter_table("discipline_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discipline_records_student_id"))
        batch_op.drop_index(batch_op.f("ix_discipline_records_class_id"))
    op.drop_table("discipline_records")
    op.drop_table("conduct_ratings")
    op.drop_table("attendance_rolls")
    with op.batch_alter_table("attendance_marks", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_marks_student_year")
    op.drop_table("attendance_marks")
