"""transcript lifecycle: versions, locks, batch jobs and archives, imports, school credential keys

Revision ID: d1_lifecycle
Revises: c1_transcripts
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d1_lifecycle"
down_revision: str | None = "c1_transcripts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transcripts") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("stale", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("returned_reason", sa.Text(), nullable=True))
    op.create_table(
        "transcript_versions",
        sa.Column("transcript_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("submitted_documents", sa.Text(), nullable=False),
        sa.Column("signed_documents", sa.Text(), nullable=True),
        sa.Column("signatures", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("supersedes", sa.Integer(), nullable=True),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.String(length=128), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("returned_reason", sa.Text(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_reason", sa.String(length=16), nullable=True),
        sa.Column("issued_by", sa.String(length=128), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("transcript_id", "version"),
        sa.UniqueConstraint("request_id"),
    )
    op.create_table(
        "transcript_locks",
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("locked_by", sa.String(length=128), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("class_id", "school_year"),
    )
    op.create_table(
        "transcript_jobs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_transcript_jobs_school_id", "transcript_jobs", ["school_id"])
    op.create_table(
        "transcript_job_items",
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("transcript_id", sa.String(length=64), nullable=True),
        sa.Column("signed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("files", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("job_id", "student_id"),
    )
    op.create_table(
        "transcript_archives",
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("object_key", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "class_id"),
    )
    op.create_table(
        "transcript_imports",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("transcript_id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("source_school_name", sa.String(length=255), nullable=False),
        sa.Column("source_transcript_id", sa.String(length=64), nullable=False),
        sa.Column("school_years", sa.String(length=255), nullable=False),
        sa.Column("package_key", sa.String(length=255), nullable=False),
        sa.Column("package_sha256", sa.String(length=64), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("imported_by", sa.String(length=128), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_transcript_imports_transcript_id", "transcript_imports", ["transcript_id"])
    op.create_table(
        "transcript_school_keys",
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("school_id"),
    )


def downgrade() -> None:
    op.drop_table("transcript_school_keys")
    op.drop_index("ix_transcript_imports_transcript_id", table_name="transcript_imports")
    op.drop_table("transcript_imports")
    op.drop_table("transcript_archives")
    op.drop_table("transcript_job_items")
    op.drop_index("ix_transcript_jobs_school_id", table_name="transcript_jobs")
    op.drop_table("transcript_jobs")
    op.drop_table("transcript_locks")
    op.drop_table("transcript_versions")
    with op.batch_alter_table("transcripts") as batch:
        batch.drop_column("returned_reason")
        batch.drop_column("stale")
        batch.drop_column("version")
