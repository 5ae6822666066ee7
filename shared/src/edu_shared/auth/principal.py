"""Who is calling: the claims of a verified access token, with role grants bound to scopes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    """Role types of ../shared/DOMAIN.md §2."""

    PLATFORM_ADMIN = "platform_admin"
    DEPARTMENT_ADMIN = "department_admin"  # Sở GDĐT
    UNIT_ADMIN = "unit_admin"  # intermediate unit: Phòng GDĐT before 2025, commune after
    PRINCIPAL = "principal"
    VICE_PRINCIPAL = "vice_principal"
    SCHOOL_ADMIN = "school_admin"  # Ban/Tổ quản trị
    SUBJECT_TEACHER = "subject_teacher"
    HOMEROOM_TEACHER = "homeroom_teacher"
    SUPERVISOR = "supervisor"
    SUBJECT_GROUP_HEAD = "subject_group_head"
    OFFICE = "office"
    INSPECTOR = "inspector"
    PARENT = "parent"
    STUDENT = "student"


class ScopeType(StrEnum):
    PROVINCE = "province"
    ORG_UNIT = "org_unit"
    SCHOOL = "school"
    CLASS = "class"
    CLASS_SUBJECT = "class_subject"
    STUDENT = "student"


class RoleGrant(BaseModel):
    """A role held over a scope, e.g. subject_teacher over class_subject `<class id>:<subject code>`."""

    model_config = ConfigDict(frozen=True)

    role: Role
    scope_type: ScopeType
    scope_id: str


class CurrentUserClaims(BaseModel):
    """The verified identity a request acts as."""

    model_config = ConfigDict(frozen=True)

    sub: str
    username: str
    name: str = ""
    grants: tuple[RoleGrant, ...] = ()

    def has_role(self, role: Role) -> bool:
        return any(g.role == role for g in self.grants)
