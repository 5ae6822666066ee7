"""signing workflow: requests, signers, file revisions, archive, credentials, batches, staff/account projection, audit

Revision ID: c1_signing_workflow
Revises: b1_directory_classes
Create Date: 2026-11-23 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c1_signing_workflow"
down_revision: str | None = "b1_directory_classes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_trail",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
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
    op.create_index("ix_audit_trail_entity", "audit_trail", ["chain", "entity", "entity_id"], unique=False)

    op.create_table(
        "signing_requests",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("requester", sa.String(length=32), nullable=False),
        sa.Column("document_kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("step_opened_at", TZ, nullable=True),
        sa.Column("reminded_at", TZ, nullable=True),
        sa.Column("completed_at", TZ, nullable=True),
        sa.Column("rejected_by", sa.String(length=128), nullable=True),
        sa.Column("rejected_by_name", sa.String(length=255), nullable=True),
        sa.Column("rejected_role", sa.String(length=32), nullable=True),
        sa.Column("rejected_reason", sa.String(length=2000), nullable=True),
        sa.Column("rejected_at", TZ, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_signing_requests_school_status", "signing_requests", ["school_id", "status"], unique=False)
    op.create_index("ix_signing_requests_status_opened", "signing_requests", ["status", "step_opened_at"], unique=False)

    op.create_table(
        "signing_signers",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("field_name", sa.String(length=128), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=True),
        sa.Column("signed_at", TZ, nullable=True),
        sa.Column("signed_by", sa.String(length=128), nullable=True),
        sa.Column("certificate_subject", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["signing_requests.id"]),
        sa.PrimaryKeyConstraint("request_id", "step", "position"),
    )
    op.create_index("ix_signing_signers_staff_id", "signing_signers", ["staff_id"], unique=False)

    op.create_table(
        "signing_documents",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("object_key", sa.String(length=512), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["signing_requests.id"]),
        sa.PrimaryKeyConstraint("request_id", "role", "revision"),
    )
    op.create_table(
        "signing_archives",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("object_key", sa.String(length=512), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("retain_until", TZ, nullable=False),
        sa.Column("archived_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["signing_requests.id"]),
        sa.PrimaryKeyConstraint("request_id", "role"),
    )
    op.create_table(
        "signing_credentials",
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("credential_id", sa.String(length=255), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("owner"),
    )
    op.create_table(
        "signing_batches",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "signing_batch_items",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["signing_batches.id"]),
        sa.PrimaryKeyConstraint("batch_id", "position"),
    )
    op.create_table(
        "signing_staff",
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("staff_id"),
    )
    op.create_table(
        "signing_accounts",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_index("ix_signing_accounts_staff_id", "signing_accounts", ["staff_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_signing_accounts_staff_id", table_name="signing_accounts")
    op.drop_table("signing_accounts")
    op.drop_table("signing_staff")
    op.drop_table("signing_batch_items")
    op.drop_table("signing_batches")
    op.drop_table("signing_credentials")
    op.drop_table("signing_archives")
    op.drop_table("signing_documents")
    op.drop_index("ix_signing_signers_staff_id", table_name="signing_signers")
    op.drop_table("signing_signers")
    op.drop_index("ix_signing_requests_status_opened", table_name="signing_requests")
    op.drop_index("ix_signing_requests_school_status", table_name="signing_requests")
    op.drop_table("signing_requests")
    op.drop_index("ix_audit_trail_entity", table_name="audit_trail")
    op.drop_table("audit_trail")
