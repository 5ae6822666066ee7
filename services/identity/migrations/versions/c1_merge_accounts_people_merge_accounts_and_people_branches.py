"""merge accounts and people branches

Revision ID: c1_merge_accounts_people
Revises: a1_accounts_sessions, b1_structure_people
Create Date: 2026-11-23 14:03:29.624981
"""

from collections.abc import Sequence

revision: str = "c1_merge_accounts_people"
down_revision: str | None = ("a1_accounts_sessions", "b1_structure_people")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
