"""lock windows, inspection windows, relock after save; correction evidence files

Revision ID: e2_lock_windows
Revises: d1_audit_trail
Create Date: 2026-11-23 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e2_lock_windows"
down_revision: str | None = "d1_audit_trail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("gradebook_locks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="school"))
        batch_op.add_column(sa.Column("window_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("org_unit_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("relock_after_save", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("relocked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("relock_of", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_gradebook_locks_window_id", ["window_id"], unique=False)
    op.create_table(
        "correction_evidence",
        sa.Column("correction_id", sa.String(length=36), nullable=False),
        sa.Column("n", sa.SmallInteger(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by", sa.String(length=128), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("correction_id", "n"),
    )


def downgrade() -> None:
    op.drop_table("correction_evidence")
    with op.batch_alter_table("gradebook_locks", schema=None) as batch_op:
        batch_op.drop_index("ix_gradebook_locks_window_id")
        for column in (
            "relock_of",
            "relocked_at",
            "relock_after_save",
            "reason",
            "org_unit_id",
            "window_id",
            "kind",
            "ends_at",
            "starts_at",
        ):
            batch_op.drop_column(column)
