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
