"""The transcript lifecycle's tables: frozen versions and their signed files, per-year locks, batch jobs and their
per-student items, class archives, imported packages and the schools' credential keys."""

from __future__ import annotations

import sqlalchemy as sa

from transcript.adapters.orm import metadata

# One row per submission: the frozen content, the files handed to signing and, once signed, the final files.
versions = sa.Table(
    "transcript_versions",
    metadata,
    sa.Column("transcript_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("request_id", sa.String(64), nullable=False, unique=True),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("content_sha256", sa.String(64), nullable=False),
    # documents: JSON list of DocumentRef (submitted; then the latest revisions; then the final signed files)
    sa.Column("submitted_documents", sa.Text, nullable=False),
    sa.Column("signed_documents", sa.Text, nullable=True),
    sa.Column("signatures", sa.Text, nullable=False, server_default="[]"),
    sa.Column("supersedes", sa.Integer, nullable=True),
    sa.Column("superseded_by", sa.Integer, nullable=True),
    sa.Column("submitted_by", sa.String(128), nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("retain_until", sa.Date, nullable=True),
    sa.Column("returned_reason", sa.Text, nullable=True),
    sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("issued_reason", sa.String(16), nullable=True),
    sa.Column("issued_by", sa.String(128), nullable=True),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
)

# The principal's "chốt học bạ" of a class for a school year (seed 000 Điều 12 k1).
locks = sa.Table(
    "transcript_locks",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("school_year", sa.String(9), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("locked_by", sa.String(128), nullable=False),
    sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
)

jobs = sa.Table(
    "transcript_jobs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False, index=True),
    sa.Column("class_id", sa.String(64), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("requested_by", sa.String(128), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
)

# One row per student of a job; a restarted job skips the rows already done.
job_items = sa.Table(
    "transcript_job_items",
    metadata,
    sa.Column("job_id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("class_id", sa.String(64), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("transcript_id", sa.String(64), nullable=True),
    sa.Column("signed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("files", sa.Text, nullable=True),  # JSON list of {role, object_key, sha256, size}
    sa.Column("error", sa.Text, nullable=True),
)

archives = sa.Table(
    "transcript_archives",
    metadata,
    sa.Column("job_id", sa.String(64), primary_key=True),
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("school_year", sa.String(9), nullable=False),
    sa.Column("object_key", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("manifest_sha256", sa.String(64), nullable=False),
    sa.Column("files", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

imports = sa.Table(
    "transcript_imports",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("transcript_id", sa.String(64), nullable=False, index=True),
    sa.Column("student_id", sa.String(64), nullable=False),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("source_school_name", sa.String(255), nullable=False),
    sa.Column("source_transcript_id", sa.String(64), nullable=False),
    sa.Column("school_years", sa.String(255), nullable=False),
    sa.Column("package_key", sa.String(255), nullable=False),
    sa.Column("package_sha256", sa.String(64), nullable=False),
    sa.Column("manifest", sa.Text, nullable=False),
    sa.Column("imported_by", sa.String(128), nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
)

# The key each school signs its verifiable credentials with (ES256); the public half is published as a DID document.
school_keys = sa.Table(
    "transcript_school_keys",
    metadata,
    sa.Column("school_id", sa.String(64), primary_key=True),
    sa.Column("kid", sa.String(64), nullable=False),
    sa.Column("private_key_pem", sa.Text, nullable=False),
    sa.Column("public_jwk", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
