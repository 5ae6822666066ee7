"""merge the sibling migrations of records, lock windows, calendar and result approvals

Revision ID: f1_merge_year_end
Revises: e1_student_records, e2_lock_windows, e3_school_calendar, e4_result_approvals
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

revision: str = "f1_merge_year_end"
down_revision: str | Sequence[str] | None = (
    "e1_student_records",
    "e2_lock_windows",
    "e3_school_calendar",
    "e4_result_approvals",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
