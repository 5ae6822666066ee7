"""Events of the identity service about accounts and sign-in (topic `edu.identity`).

Partition key: the account's school id when it has one, else the account id, so that every event about the
accounts of one school stays in order.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from edu_shared.contracts.identity import TOPIC
from edu_shared.events.registry import EventPayload


class PersonKind(StrEnum):
    """Who an account belongs to."""

    STAFF = "staff"  # CBCNV: teachers, principals, office, Sở / commune staff
    STUDENT = "student"
    GUARDIAN = "guardian"  # phụ huynh: signs in by phone number and a one-time code
    ADMIN = "admin"  # an administration account of a unit or school (seed 002, Điều 3 b)


class AccountCreated(EventPayload, event_type="vn.edurecords.identity.account.created", topic=TOPIC):
    """An account was created; its user name follows seed 002 (e.g. `anvn.thcshoalac`)."""

    account_id: str
    username: str
    person_kind: PersonKind
    person_id: str | None = None
    school_id: str | None = None
    org_unit_id: str | None = None
    display_name: str


class AccountDisabled(EventPayload, event_type="vn.edurecords.identity.account.disabled", topic=TOPIC):
    """An account can no longer sign in; its sessions were revoked (access tokens still expire on their own)."""

    account_id: str
    username: str
    school_id: str | None = None
    disabled_at: datetime
    disabled_by: str


class ParentOtpRequested(EventPayload, event_type="vn.edurecords.identity.parent_otp.requested", topic=TOPIC):
    """A guardian asked to sign in: deliver `code` to `phone` (SMS / Zalo ZNS), within `expires_at`.

    SENSITIVE: `code` is a live credential for a few minutes. The notifications service must deliver it and
    must never log it, store it in plain text beyond delivery, or copy it into error reports or dead letters
    it prints. The event is published only for phone numbers that belong to an active guardian account.
    """

    account_id: str
    phone: str = Field(description="E.164, e.g. +84912345678")
    code: str = Field(min_length=6, max_length=6, description="Sensitive: never log")
    expires_at: datetime
    school_id: str | None = None


class RoleGranted(EventPayload, event_type="vn.edurecords.identity.role.granted", topic=TOPIC):
    """A role was granted over a scope (also a principal's delegation to a vice principal)."""

    grant_id: str
    account_id: str
    role: str
    scope_type: str
    scope_id: str
    school_id: str | None
    valid_from: date | None
    valid_to: date | None
    delegated_by: str | None


class RoleRevoked(EventPayload, event_type="vn.edurecords.identity.role.revoked", topic=TOPIC):
    """A grant was revoked; tokens issued before keep it until they expire (15 minutes at most)."""

    grant_id: str
    account_id: str
    role: str
    school_id: str | None
