"""Notifications's own tables: the org directory and the contact book it keeps from identity events, preferences,
the durable message table the dispatcher works through, contact groups, plus outbox and inbox."""

from __future__ import annotations

import sqlalchemy as sa

from edu_shared.db.messaging import add_messaging_tables
from edu_shared.directory import add_directory_tables

metadata = sa.MetaData()
messaging = add_messaging_tables(metadata)
directory = add_directory_tables(metadata)

_TZ = sa.DateTime(timezone=True)

# --- the contact book, a projection of identity events -------------------------------------------------------------

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("guardian_id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False, index=True),
    sa.Column("full_name", sa.String(255), nullable=False),
    sa.Column("phone", sa.String(32)),
    sa.Column("email", sa.String(255)),
    sa.Column("zalo_id", sa.String(64)),
    sa.Column("language", sa.String(8), nullable=False, server_default="vi"),
)

guardian_accounts = sa.Table(
    "guardian_accounts",
    metadata,
    sa.Column("account_id", sa.String(64), primary_key=True),
    sa.Column("guardian_id", sa.String(64), nullable=False, index=True),
)

# A staff member's (CBCNV) app account: where reminders to sign (DOMAIN §4) are read.
staff_accounts = sa.Table(
    "staff_accounts",
    metadata,
    sa.Column("account_id", sa.String(64), primary_key=True),
    sa.Column("staff_id", sa.String(64), nullable=False, index=True),
)

guardian_links = sa.Table(
    "guardian_links",
    metadata,
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("guardian_id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("relation", sa.String(32), nullable=False),
)
sa.Index("ix_guardian_links_guardian", guardian_links.c.guardian_id)

consents = sa.Table(
    "consents",
    metadata,
    sa.Column("consent_id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), nullable=False, index=True),
    sa.Column("guardian_id", sa.String(64)),
    sa.Column("purpose", sa.String(64), nullable=False),
    sa.Column("granted", sa.Boolean, nullable=False),
    sa.Column("at", _TZ, nullable=False),
)

# Whether a student's purpose has every consent it needs (the child's own, from 7), as identity last said.
consent_state = sa.Table(
    "consent_state",
    metadata,
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("purpose", sa.String(64), primary_key=True),
    sa.Column("complete", sa.Boolean, nullable=False),
)

students = sa.Table(
    "students",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("full_name", sa.String(255), nullable=False),
    sa.Column("given_name", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    # The class the student is in now (None: not enrolled, graduated, transferred out or dropped out).
    sa.Column("class_id", sa.String(64), index=True),
)

class_subjects = sa.Table(
    "class_subjects",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
)

# --- what parents and schools chose -----------------------------------------------------------------------------------

preferences = sa.Table(
    "preferences",
    metadata,
    sa.Column("guardian_id", sa.String(64), primary_key=True),
    sa.Column("channels", sa.String(64), nullable=False),
    sa.Column("quiet_start", sa.String(5)),
    sa.Column("quiet_end", sa.String(5)),
    sa.Column("opted_out", sa.String(255), nullable=False, server_default=""),
    sa.Column("language", sa.String(8), nullable=False, server_default="vi"),
    sa.Column("updated_at", _TZ, nullable=False),
)

school_settings = sa.Table(
    "school_settings",
    metadata,
    sa.Column("school_id", sa.String(64), primary_key=True),
    sa.Column("score_mode", sa.String(16), nullable=False),
    sa.Column("digest_hour", sa.SmallInteger, nullable=False),
    sa.Column("monthly_budget_vnd", sa.BigInteger),
    sa.Column("updated_by", sa.String(128), nullable=False),
    sa.Column("updated_at", _TZ, nullable=False),
)

# --- messages --------------------------------------------------------------------------------------------------------

# Score changes waiting for a parent's daily digest (one line each).
pending_scores = sa.Table(
    "pending_scores",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("source_event_id", sa.String(64), nullable=False),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("guardian_id", sa.String(64), nullable=False),
    sa.Column("student_id", sa.String(64), nullable=False),
    sa.Column("line", sa.String(128), nullable=False),
    sa.Column("created_at", _TZ, nullable=False),
    sa.Column("digest_message_id", sa.String(64)),
    sa.UniqueConstraint("source_event_id", "guardian_id", "student_id", "line", name="uq_pending_scores_once"),
)
sa.Index("ix_pending_scores_open", pending_scores.c.digest_message_id, pending_scores.c.guardian_id)

# One row per (source, recipient, channel): the durable queue the dispatcher works through and the delivery record.
messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("idempotency_key", sa.String(255), nullable=False, unique=True),
    sa.Column("source_id", sa.String(128), nullable=False),
    sa.Column("school_id", sa.String(64), index=True),
    sa.Column("recipient_kind", sa.String(16), nullable=False),
    sa.Column("recipient_id", sa.String(64), nullable=False),
    sa.Column("student_id", sa.String(64)),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("address", sa.String(255), nullable=False),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("sms_text", sa.Text),
    sa.Column("template_data", sa.Text, nullable=False, server_default="{}"),
    sa.Column("segments", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("cost_vnd", sa.Integer, nullable=False, server_default="0"),
    sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("not_before", _TZ, nullable=False),
    sa.Column("next_attempt_at", _TZ, nullable=False),
    sa.Column("fallback", sa.String(64), nullable=False, server_default=""),
    sa.Column("provider_ref", sa.String(128)),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", _TZ, nullable=False),
    sa.Column("sent_at", _TZ),
    sa.Column("delivered_at", _TZ),
    sa.Column("read_at", _TZ),
)
sa.Index("ix_messages_due", messages.c.status, messages.c.next_attempt_at)
sa.Index("ix_messages_inbox", messages.c.recipient_id, messages.c.channel, messages.c.created_at)
sa.Index("ix_messages_provider_ref", messages.c.channel, messages.c.provider_ref)

# --- contact groups (nhóm danh bạ) of the Sở and units --------------------------------------------------------------

contact_groups = sa.Table(
    "contact_groups",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("scope_type", sa.String(16), nullable=False),
    sa.Column("scope_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("created_at", _TZ, nullable=False),
)
sa.Index("ix_contact_groups_scope", contact_groups.c.scope_type, contact_groups.c.scope_id)

contact_group_members = sa.Table(
    "contact_group_members",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("group_id", sa.String(64), sa.ForeignKey("contact_groups.id"), nullable=False, index=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("school_id", sa.String(64)),
    sa.Column("phone", sa.String(32)),
    sa.Column("email", sa.String(255)),
)
