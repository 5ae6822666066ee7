"""transcript projections (identity and gradebook events), drafts and homeroom comments

Revision ID: c1_transcripts
Revises: b1_directory_classes
Create Date: 2026-11-23 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c1_transcripts"
down_revision: str | None = "b1_directory_classes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tr_schools",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tr_students",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("family_name", sa.String(length=64), nullable=False),
        sa.Column("middle_name", sa.String(length=64), nullable=False),
        sa.Column("given_name", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("place_of_birth", sa.String(length=255), nullable=True),
        sa.Column("ethnicity", sa.String(length=64), nullable=True),
        sa.Column("national_id", sa.String(length=32), nullable=True),
        sa.Column("moet_student_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tr_guardians",
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("guardian_id", sa.String(length=64), nullable=False),
        sa.Column("relation", sa.String(length=32), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("occupation", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("student_id", "guardian_id"),
    )
    op.create_table(
        "tr_staff",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tr_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tr_staff_school_id"), ["school_id"], unique=False)
    op.create_table(
        "tr_classes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("school_year_id", sa.String(length=64), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("grade", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tr_class_subjects",
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("class_id", "subject_code"),
    )
    op.create_table(
        "tr_enrolments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tr_enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tr_enrolments_student_id"), ["student_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tr_enrolments_class_id"), ["class_id"], unique=False)
    op.create_table(
        "tr_homerooms",
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("class_id"),
    )
    op.create_table(
        "tr_teaching",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tr_teaching", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tr_teaching_class_id"), ["class_id"], unique=False)
    op.create_table(
        "tr_results",
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("approval_id", sa.String(length=64), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("student_id", "class_id", "period"),
    )
    op.create_table(
        "tr_comments",
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("student_id", "class_id", "subject_code", "semester"),
    )
    op.create_table(
        "tr_exemptions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tr_exemptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tr_exemptions_student_id"), ["student_id"], unique=False)
    op.create_table(
        "tr_homeroom_comments",
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("written_by", sa.String(length=128), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("student_id", "school_year"),
    )
    op.create_table(
        "transcripts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("verification_code", sa.String(length=16), nullable=False),
        sa.Column("school_years", sa.String(length=255), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("verification_code"),
    )
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transcripts_student_id"), ["student_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transcripts_school_id"), ["school_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcripts_student_id"))
        batch_op.drop_index(batch_op.f("ix_transcripts_school_id"))
    op.drop_table("transcripts")
    op.drop_table("tr_homeroom_comments")
    with op.batch_alter_table("tr_exemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tr_exemptions_student_id"))
    op.drop_table("tr_exemptions")
    op.drop_table("tr_comments")
    op.drop_table("tr_results")
    with op.batch_alter_table("tr_teaching", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tr_teaching_class_id"))
    op.drop_table("tr_teaching")
    op.drop_table("tr_homerooms")
    with op.batch_alter_table("tr_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tr_enrolments_student_id"))
        batch_op.drop_index(batch_op.f("ix_tr_enrolments_class_id"))
    op.drop_table("tr_enrolments")
    op.drop_table("tr_class_subjects")
    op.drop_table("tr_classes")
    with op.batch_alter_table("tr_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tr_staff_school_id"))
    op.drop_table("tr_staff")
    op.drop_table("tr_guardians")
    op.drop_table("tr_students")
    op.drop_table("tr_schools")
