"""Identity tables for accounts, credentials and sessions (in identity's metadata).

Credentials are sensitive personal data (Law 91/2025): no column holds a secret in a form that signs anyone
in. Passwords are argon2id hashes; TOTP secrets are AES-256-GCM ciphertexts under a key derived from
`IDENTITY_CREDENTIALS_KEY` (bound to the account id); refresh tokens and one-time codes are stored as
SHA-256 / HMAC-SHA256 digests only.
"""

from __future__ import annotations

import sqlalchemy as sa

from identity.adapters.orm import metadata

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(128), nullable=False, unique=True),
    sa.Column("person_kind", sa.String(16), nullable=False),  # staff | student | guardian | admin
    sa.Column("person_id", sa.String(64), nullable=True),  # the staff / student / guardian record, if any
    sa.Column("school_id", sa.String(64), nullable=True, index=True),
    sa.Column("org_unit_id", sa.String(64), nullable=True),  # accounts of a unit (Sở, commune) without a school
    sa.Column("display_name", sa.String(255), nullable=False),
    # E.164. Guardians sign in with it, so it names at most one account.
    sa.Column("phone", sa.String(20), nullable=True, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=True),  # argon2id; NULL: no password (guardians)
    sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("must_change_password", sa.Boolean, nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("totp_secret", sa.String(255), nullable=True),  # encrypted, see the module docstring
    sa.Column("totp_enabled", sa.Boolean, nullable=False),
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),  # last accepted step: codes are single-use
    sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("disabled_by", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
)

# One row per refresh token ever issued; a family is one sign-in and every token rotated out of it.
refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("family_id", sa.String(64), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex of the opaque token
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("replaced_by", sa.String(64), nullable=True),
)

# One-time sign-in codes sent to guardians' phones. A row is written for every request, known number or not,
# so that rate limits and responses do not tell which numbers have an account.
otp_challenges = sa.Table(
    "otp_challenges",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("phone", sa.String(20), nullable=False, index=True),
    sa.Column("account_id", sa.String(64), nullable=True),
    sa.Column("code_hash", sa.String(64), nullable=False),  # HMAC-SHA256(challenge id : code)
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
)

# Failure counters for user names that have no account: they lock exactly like real ones, so that a lockout
# does not reveal which user names exist.
sign_in_throttle = sa.Table(
    "sign_in_throttle",
    metadata,
    sa.Column("username", sa.String(128), primary_key=True),
    sa.Column("failed_attempts", sa.Integer, nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
)
