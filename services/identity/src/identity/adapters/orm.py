"""Identity's own tables (its database only), plus the outbox and inbox every service carries."""

from __future__ import annotations

import sqlalchemy as sa

from edu_shared.db.messaging import add_messaging_tables

metadata = sa.MetaData()
messaging = add_messaging_tables(metadata)

org_units = sa.Table(
    "org_units",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("parent_id", sa.String(64), sa.ForeignKey("org_units.id"), nullable=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
)

schools = sa.Table(
    "schools",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("org_unit_id", sa.String(64), sa.ForeignKey("org_units.id"), nullable=False),
    sa.Column("moet_code", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("levels", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
)

signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("kid", sa.String(32), primary_key=True),
    sa.Column("private_pem", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# Role grants: a role held over a scope for a validity window. Teaching and homeroom assignments are grants too
# (subject_teacher over class_subject "<class id>:<subject code>", homeroom_teacher over class "<class id>"),
# with `source` telling which workflow created them.
role_grants = sa.Table(
    "role_grants",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.String(64), nullable=False, index=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("scope_type", sa.String(32), nullable=False),
    sa.Column("scope_id", sa.String(128), nullable=False),
    sa.Column("school_id", sa.String(64), nullable=True, index=True),
    sa.Column("valid_from", sa.Date, nullable=True),
    sa.Column("valid_to", sa.Date, nullable=True),
    sa.Column("source", sa.String(32), nullable=False, server_default="manual"),
    sa.Column("delegated_by", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_by", sa.String(64), nullable=True),
)

# The audit trail (lưu vết): sign-ins, admin actions, denied access. Append-only: never updated or deleted.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(64), nullable=False, index=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("target_type", sa.String(32), nullable=True),
    sa.Column("target_id", sa.String(128), nullable=True),
    sa.Column("school_id", sa.String(64), nullable=True, index=True),
    sa.Column("org_unit_id", sa.String(64), nullable=True),
    sa.Column("ip", sa.String(64), nullable=True),
    sa.Column("user_agent", sa.String(512), nullable=True),
    sa.Column("old_value", sa.JSON, nullable=True),
    sa.Column("new_value", sa.JSON, nullable=True),
    sa.Column("details", sa.JSON, nullable=True),
)

# Tables defined beside their repositories, registered in the same metadata (alembic sees them all).
from identity.adapters import orm_accounts, orm_lifecycle, orm_people  # noqa: E402, F401
