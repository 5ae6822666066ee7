"""Events of the identity service (topic `edu.identity`): the org tree and schools."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from edu_shared.events.registry import EventPayload

TOPIC = "edu.identity"


class OrgUnitKind(StrEnum):
    DEPARTMENT = "department"  # Sở GDĐT, the root of a deployment
    DISTRICT_OFFICE = "district_office"  # Phòng GDĐT (until 07/2025)
    COMMUNE = "commune"  # xã / phường (from 07/2025)
    OTHER = "other"


class SchoolLevel(StrEnum):
    PRESCHOOL = "mam_non"
    PRIMARY = "tieu_hoc"
    LOWER_SECONDARY = "thcs"
    UPPER_SECONDARY = "thpt"
    CONTINUING = "gdtx"


class OrgUnitRegistered(EventPayload, event_type="vn.edurecords.identity.org_unit.registered", topic=TOPIC):
    """A node of the org tree was created (the department, a district office, a commune…)."""

    org_unit_id: str
    parent_id: str | None
    code: str
    name: str
    kind: OrgUnitKind


class SchoolRegistered(EventPayload, event_type="vn.edurecords.identity.school.registered", topic=TOPIC):
    """A school joined the deployment under an org unit."""

    school_id: str
    org_unit_id: str
    moet_code: str
    name: str
    levels: list[SchoolLevel] = Field(min_length=1)
