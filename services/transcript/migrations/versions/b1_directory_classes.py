"""directory projection of classes (class → school), for class and class-subject scope checks

Revision ID: b1_directory_classes
Revises: 35de3871ceb6
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b1_directory_classes"
down_revision: str | None = "35de3871ceb6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dir_classes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.String(length=9), nullable=False),
        sa.Column("grade", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dir_classes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dir_classes_school_id"), ["school_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dir_classes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dir_classes_school_id"))

    op.drop_table("dir_classes")
