"""hash-chained audit trail; witnesses on correction requests

Revision ID: d1_audit_trail
Revises: c1_scores
Create Date: 2026-11-23 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d1_audit_trail"
down_revision: str | None = "c1_scores"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_trail",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_name", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chain", "seq", name="uq_audit_trail_chain_seq"),
    )
    with op.batch_alter_table("audit_trail", schema=None) as batch_op:
        batch_op.create_index("ix_audit_trail_entity", ["chain", "entity", "entity_id"], unique=False)
    with op.batch_alter_table("score_corrections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("witnesses", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("score_corrections", schema=None) as batch_op:
        batch_op.drop_column("witnesses")
    with op.batch_alter_table("audit_trail", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_trail_entity")
    op.drop_table("audit_trail")
