"""staff accounts (account id ↔ staff id), so that signing reminders reach a staff member's in-app inbox

Revision ID: c1_staff_accounts
Revises: 3511bbe4c2fb
Create Date: 2026-11-23 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c1_staff_accounts"
down_revision: str | None = "3511bbe4c2fb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
    )
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_accounts_staff_id"), ["staff_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_accounts_staff_id"))
    op.drop_table("staff_accounts")
