"""school calendars (semester dates, entry-deadline policy) and periodic test dates

Revision ID: e3_school_calendar
Revises: d1_audit_trail
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e3_school_calendar"
down_revision: str | None = "d1_audit_trail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "school_calendars",
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("periodic_entry_days", sa.SmallInteger(), nullable=False),
        sa.Column("essay_entry_days", sa.SmallInteger(), nullable=False),
        sa.Column("correction_cutoff_days", sa.SmallInteger(), nullable=False),
        sa.Column("set_by", sa.String(length=128), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "school_year"),
    )
    op.create_table(
        "school_calendar_semesters",
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("mid_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("exam_starts_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "school_year", "semester"),
    )
    op.create_table(
        "gradebook_test_dates",
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=False),
        sa.Column("column", sa.String(length=8), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("essay", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.String(length=128), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("class_id", "subject_code", "semester", "column"),
    )
    with op.batch_alter_table("gradebook_test_dates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gradebook_test_dates_school_id"), ["school_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gradebook_test_dates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gradebook_test_dates_school_id"))
    op.drop_table("gradebook_test_dates")
    op.drop_table("school_calendar_semesters")
    op.drop_table("school_calendars")
