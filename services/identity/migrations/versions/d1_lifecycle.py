"""student lifecycle: promotion results, transfers between schools, enrollment closures

Revision ID: d1_lifecycle
Revises: c1_merge_accounts_people
Create Date: 2026-11-23 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d1_lifecycle"
down_revision: str | None = "c1_merge_accounts_people"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promotion_results",
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("school_year_id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_event_id", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"]),
        sa.ForeignKeyConstraint(["school_year_id"], ["school_years.id"]),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"]),
        sa.PrimaryKeyConstraint("student_id", "school_year_id"),
    )
    with op.batch_alter_table("promotion_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_promotion_results_school_id"), ["school_id"], unique=False)

    op.create_table(
        "transfers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("from_school_id", sa.String(length=64), nullable=False),
        sa.Column("to_school_id", sa.String(length=64), nullable=False),
        sa.Column("to_class_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("from_enrollment_id", sa.String(length=64), nullable=True),
        sa.Column("to_enrollment_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["from_school_id"], ["schools.id"]),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"]),
        sa.ForeignKeyConstraint(["to_class_id"], ["classes.id"]),
        sa.ForeignKeyConstraint(["to_school_id"], ["schools.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfers_from_school_id"), ["from_school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfers_student_id"), ["student_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfers_to_school_id"), ["to_school_id"], unique=False)

    op.create_table(
        "enrollment_closures",
        sa.Column("enrollment_id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("transfer_id", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"]),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"]),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfers.id"]),
        sa.PrimaryKeyConstraint("enrollment_id"),
    )
    with op.batch_alter_table("enrollment_closures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrollment_closures_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrollment_closures_student_id"), ["student_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enrollment_closures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollment_closures_student_id"))
        batch_op.drop_index(batch_op.f("ix_enrollment_closures_school_id"))
    op.drop_table("enrollment_closures")
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfers_to_school_id"))
        batch_op.drop_index(batch_op.f("ix_transfers_student_id"))
        batch_op.drop_index(batch_op.f("ix_transfers_from_school_id"))
    op.drop_table("transfers")
    with op.batch_alter_table("promotion_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_promotion_results_school_id"))
    op.drop_table("promotion_results")
