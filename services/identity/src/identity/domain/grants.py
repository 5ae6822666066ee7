"""Who may grant which role, and the rules of a principal's delegation (pure, no I/O).

The scope check (is the target inside the granter's scope?) is `authorize(ACCOUNT_MANAGE, target)`; this module
adds the other half: a granter hands out only roles below their own level, so a school admin cannot make
themselves principal, and a commune cannot appoint the Sở's administrators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from edu_shared.auth.principal import CurrentUserClaims, Role, ScopeType
from edu_shared.errors import InvalidInput, PermissionDenied

SCHOOL_STAFF_ROLES = frozenset(
    {
        Role.VICE_PRINCIPAL,
        Role.SCHOOL_ADMIN,
        Role.SUBJECT_TEACHER,
        Role.HOMEROOM_TEACHER,
        Role.SUPERVISOR,
        Role.SUBJECT_GROUP_HEAD,
        Role.OFFICE,
    }
)

# What each role may grant (always within its own scope).
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.PLATFORM_ADMIN: frozenset(Role) - {Role.PARENT, Role.STUDENT},
    Role.DEPARTMENT_ADMIN: frozenset({Role.DEPARTMENT_ADMIN, Role.UNIT_ADMIN, Role.INSPECTOR, Role.PRINCIPAL})
    | SCHOOL_STAFF_ROLES,
    Role.UNIT_ADMIN: frozenset({Role.UNIT_ADMIN, Role.PRINCIPAL}) | SCHOOL_STAFF_ROLES,
    Role.PRINCIPAL: SCHOOL_STAFF_ROLES,
    Role.SCHOOL_ADMIN: SCHOOL_STAFF_ROLES - {Role.SCHOOL_ADMIN, Role.VICE_PRINCIPAL},
}

# Which scope kinds a role can be held over.
SCOPES_OF_ROLE: dict[Role, frozenset[ScopeType]] = {
    Role.PLATFORM_ADMIN: frozenset({ScopeType.PROVINCE}),
    Role.DEPARTMENT_ADMIN: frozenset({ScopeType.PROVINCE, ScopeType.ORG_UNIT}),
    Role.UNIT_ADMIN: frozenset({ScopeType.ORG_UNIT}),
    Role.INSPECTOR: frozenset({ScopeType.PROVINCE, ScopeType.ORG_UNIT, ScopeType.SCHOOL}),
    Role.SUBJECT_TEACHER: frozenset({ScopeType.SCHOOL, ScopeType.CLASS_SUBJECT}),
    Role.HOMEROOM_TEACHER: frozenset({ScopeType.CLASS}),
}
DEFAULT_SCOPES = frozenset({ScopeType.SCHOOL})

MAX_DELEGATION = timedelta(days=366)


@dataclass(frozen=True)
class GrantRequest:
    role: Role
    scope_type: ScopeType
    scope_id: str
    valid_from: date | None
    valid_to: date | None
    delegation: bool = False


def check_grant(granter: CurrentUserClaims, request: GrantRequest) -> None:
    """Refuse a grant the granter's own roles do not allow, or one with a scope or dates that make no sense."""
    allowed_scopes = SCOPES_OF_ROLE.get(request.role, DEFAULT_SCOPES)
    if request.scope_type not in allowed_scopes:
        raise InvalidInput(
            f"Vai trò '{request.role.value}' không gắn với phạm vi '{request.scope_type.value}'.",
            field="scope_type",
            value=request.scope_type.value,
        )
    if request.valid_from and request.valid_to and request.valid_to < request.valid_from:
        raise InvalidInput(
            "Ngày kết thúc hiệu lực phải sau ngày bắt đầu.", field="valid_to", value=request.valid_to.isoformat()
        )
    if request.delegation:
        check_delegation(granter, request)
        return
    if not any(request.role in GRANTABLE.get(g.role, frozenset()) for g in granter.grants):
        raise PermissionDenied(
            f"Tài khoản {granter.username} không được giao vai trò '{request.role.value}'.",
            field="role",
            value=request.role.value,
        )


def check_delegation(granter: CurrentUserClaims, request: GrantRequest) -> None:
    """A principal lends their own role over their own school, for a bounded period (ủy quyền)."""
    holds = any(
        g.role == Role.PRINCIPAL and g.scope_type == ScopeType.SCHOOL and g.scope_id == request.scope_id
        for g in granter.grants
    )
    if request.role != Role.PRINCIPAL or request.scope_type != ScopeType.SCHOOL or not holds:
        raise PermissionDenied(
            "Chỉ hiệu trưởng được ủy quyền, và chỉ vai trò hiệu trưởng của chính trường mình.",
            field="delegation",
            value=True,
        )
    if request.valid_from is None or request.valid_to is None:
        raise InvalidInput("Ủy quyền phải có thời hạn (valid_from và valid_to).", field="valid_to", value=None)
    if request.valid_to - request.valid_from > MAX_DELEGATION:
        raise InvalidInput("Thời hạn ủy quyền không quá một năm.", field="valid_to", value=request.valid_to.isoformat())
