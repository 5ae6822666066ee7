"""The outbox and inbox tables every service database carries, added to the service's own metadata.

Outbox: events written in the same transaction as the change that raised them; the relay publishes them in
`seq` order and stamps `published_at`. Inbox: (consumer group, event id) of every event whose effect is
committed, written in the effect's transaction, so a redelivered event is applied once.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


@dataclass(frozen=True)
class MessagingTables:
    outbox: sa.Table
    inbox: sa.Table


def add_messaging_tables(metadata: sa.MetaData) -> MessagingTables:
    """Define `outbox` and `inbox` in a service's metadata (so its alembic migrations create them)."""
    outbox = sa.Table(
        "outbox",
        metadata,
        sa.Column("seq", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("partition_key", sa.String(255), nullable=False),
        sa.Column("event_type", sa.String(255), nullable=False),
        sa.Column("envelope", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    sa.Index("ix_outbox_unpublished", outbox.c.published_at, outbox.c.seq)
    inbox = sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer_group", sa.String(255), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("event_type", sa.String(255), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    return MessagingTables(outbox=outbox, inbox=inbox)
