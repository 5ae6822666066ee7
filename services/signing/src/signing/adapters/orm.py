"""Signing's own tables: requests and their steps, file revisions and archive, credentials, batches, the staff and
account projection of identity events, the audit trail, plus the org directory, outbox and inbox."""

from __future__ import annotations

import sqlalchemy as sa

from edu_shared.audit.trail import add_audit_trail_table
from edu_shared.db.messaging import add_messaging_tables
from edu_shared.directory import add_directory_tables

metadata = sa.MetaData()
messaging = add_messaging_tables(metadata)
directory = add_directory_tables(metadata)
audit = add_audit_trail_table(metadata)

TZ = sa.DateTime(timezone=True)

requests = sa.Table(
    "signing_requests",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("requester", sa.String(32), nullable=False),
    sa.Column("document_kind", sa.String(32), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("reference", sa.String(255), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("requested_by", sa.String(128), nullable=False),
    sa.Column("requested_at", TZ, nullable=False),
    sa.Column("step_opened_at", TZ, nullable=True),
    sa.Column("reminded_at", TZ, nullable=True),
    sa.Column("completed_at", TZ, nullable=True),
    sa.Column("rejected_by", sa.String(128), nullable=True),
    sa.Column("rejected_by_name", sa.String(255), nullable=True),
    sa.Column("rejected_role", sa.String(32), nullable=True),
    sa.Column("rejected_reason", sa.String(2000), nullable=True),
    sa.Column("rejected_at", TZ, nullable=True),
    # Optimistic concurrency: two signers of one parallel step must not both extend the same revision.
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_signing_requests_school_status", "school_id", "status"),
    sa.Index("ix_signing_requests_status_opened", "status", "step_opened_at"),
)

signers = sa.Table(
    "signing_signers",
    metadata,
    sa.Column("request_id", sa.String(64), sa.ForeignKey("signing_requests.id"), primary_key=True),
    sa.Column("step", sa.Integer, primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("staff_id", sa.String(64), nullable=True, index=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("field_name", sa.String(128), nullable=False),
    sa.Column("subject_code", sa.String(64), nullable=True),
    sa.Column("signed_at", TZ, nullable=True),
    sa.Column("signed_by", sa.String(128), nullable=True),
    sa.Column("certificate_subject", sa.String(1000), nullable=True),
)

# Every revision of every file; the highest revision of a role is current. Revision 0 is the author's original.
documents = sa.Table(
    "signing_documents",
    metadata,
    sa.Column("request_id", sa.String(64), sa.ForeignKey("signing_requests.id"), primary_key=True),
    sa.Column("role", sa.String(8), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("object_key", sa.String(512), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("media_type", sa.String(128), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
)

archives = sa.Table(
    "signing_archives",
    metadata,
    sa.Column("request_id", sa.String(64), sa.ForeignKey("signing_requests.id"), primary_key=True),
    sa.Column("role", sa.String(8), primary_key=True),
    sa.Column("object_key", sa.String(512), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("retain_until", TZ, nullable=False),
    sa.Column("archived_at", TZ, nullable=False),
)

credentials = sa.Table(
    "signing_credentials",
    metadata,
    sa.Column("owner", sa.String(128), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("backend", sa.String(32), nullable=False),
    sa.Column("credential_id", sa.String(255), nullable=False),
    sa.Column("label", sa.String(255), nullable=False),
    sa.Column("updated_by", sa.String(128), nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

batches = sa.Table(
    "signing_batches",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.String(128), nullable=False),
    sa.Column("username", sa.String(128), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("finished_at", TZ, nullable=True),
)

batch_items = sa.Table(
    "signing_batch_items",
    metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("signing_batches.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.String(2000), nullable=True),
)

# Access tokens name the account (`sub`); signers are named by staff id. Identity's events link the two.
staff = sa.Table(
    "signing_staff",
    metadata,
    sa.Column("staff_id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("full_name", sa.String(255), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
)

accounts = sa.Table(
    "signing_accounts",
    metadata,
    sa.Column("account_id", sa.String(128), primary_key=True),
    sa.Column("staff_id", sa.String(64), nullable=False, index=True),
    sa.Column("username", sa.String(128), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False),
)
