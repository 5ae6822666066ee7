"""subject teachers' comments (nhận xét) per student, subject and semester

Revision ID: g1_subject_comments
Revises: f1_merge_year_end
Create Date: 2026-11-23 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "g1_subject_comments"
down_revision: str | None = "f1_merge_year_end"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subject_comments",
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=False),
        sa.Column("semester", sa.SmallInteger(), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("class_id", "subject_code", "semester", "student_id"),
    )


def downgrade() -> None:
    op.drop_table("subject_comments")
