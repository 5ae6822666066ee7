"""Who may do what, where: the one permission table and the check every service calls.

A grant covers its own scope and everything below it in the org tree (province → units → school → class →
class×subject, and a student's records). The tree comes from the calling service's own directory projection
through a `ScopeResolver`. Every denial is logged with who, what and where.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Protocol

from edu_shared.auth.principal import CurrentUserClaims, Role, ScopeType
from edu_shared.errors import PermissionDenied

log = logging.getLogger("edurecords.access")


class Permission(StrEnum):
    ORG_MANAGE = "org.manage"
    ORG_READ = "org.read"
    SCHOOL_READ = "school.read"
    REPORT_READ = "report.read"
    SCORES_ENTER = "scores.enter"
    SCORES_READ = "scores.read"
    GRADEBOOK_LOCK = "gradebook.lock"
    CORRECTION_APPROVE = "correction.approve"
    TRANSCRIPT_SIGN = "transcript.sign"
    TRANSCRIPT_WRITE = "transcript.write"  # the homeroom teacher's comment in the class's transcripts
    MESSAGE_SEND = "message.send"
    SCHOOL_MANAGE = "school.manage"  # school years, classes, subjects per class, staff, students, assignments
    PEOPLE_READ = "people.read"  # staff and student records (personal data, never public)
    PEOPLE_WRITE = "people.write"  # student profiles (lý lịch), guardians and consents
    ACCOUNT_MANAGE = "account.manage"  # create, reset, disable and list accounts in scope
    AUDIT_READ = "audit.read"  # read and export the audit trail (lưu vết) in scope
    ATTENDANCE_RECORD = "attendance.record"  # daily attendance (điểm danh) of a class
    DISCIPLINE_RECORD = "discipline.record"  # discipline (kỉ luật) and reward (khen thưởng) entries
    CONDUCT_RATE = "conduct.rate"  # training results (rèn luyện) per semester, TT27 qualities and competences
    EXEMPTION_MANAGE = "exemption.manage"  # subject exemptions (miễn học) and individual-plan overrides
    RESULTS_SUBMIT = "results.submit"  # the homeroom teacher submits the class results and proposed lists
    RESULTS_APPROVE = "results.approve"  # the principal approves class results, promotion, retest and award lists
    GRADEBOOK_INSPECT = "gradebook.inspect"  # upper levels open inspection windows over schools in scope


_ALL = frozenset(Permission)
_READ = frozenset({Permission.ORG_READ, Permission.SCHOOL_READ, Permission.REPORT_READ})


def _perms(*permissions: Permission, base: frozenset[Permission] = frozenset()) -> frozenset[Permission]:
    return base | frozenset(permissions)


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Records are kept by the people who teach and lead the school: a platform admin never writes them.
    Role.PLATFORM_ADMIN: _ALL
    - {
        Permission.SCORES_ENTER,
        Permission.TRANSCRIPT_SIGN,
        Permission.TRANSCRIPT_WRITE,
        Permission.ATTENDANCE_RECORD,
        Permission.DISCIPLINE_RECORD,
        Permission.CONDUCT_RATE,
        Permission.RESULTS_SUBMIT,
        Permission.RESULTS_APPROVE,
    },
    Role.DEPARTMENT_ADMIN: _perms(
        Permission.ORG_MANAGE, Permission.MESSAGE_SEND, Permission.ACCOUNT_MANAGE, base=_READ
    ),
    Role.UNIT_ADMIN: _perms(Permission.ORG_MANAGE, Permission.MESSAGE_SEND, Permission.ACCOUNT_MANAGE, base=_READ),
    Role.PRINCIPAL: _perms(
        Permission.SCORES_READ,
        Permission.GRADEBOOK_LOCK,
        Permission.CORRECTION_APPROVE,
        Permission.TRANSCRIPT_SIGN,
        Permission.MESSAGE_SEND,
        Permission.ACCOUNT_MANAGE,
        base=_READ,
    ),
    Role.VICE_PRINCIPAL: _perms(Permission.SCORES_READ, base=_READ),
    Role.SCHOOL_ADMIN: _perms(Permission.SCORES_READ, Permission.GRADEBOOK_LOCK, Permission.ACCOUNT_MANAGE, base=_READ),
    Role.SUBJECT_TEACHER: _perms(Permission.SCHOOL_READ, Permission.SCORES_ENTER, Permission.SCORES_READ),
    Role.HOMEROOM_TEACHER: _perms(
        Permission.SCHOOL_READ, Permission.SCORES_READ, Permission.TRANSCRIPT_SIGN, Permission.MESSAGE_SEND
    ),
    Role.SUPERVISOR: _perms(Permission.SCHOOL_READ),
    Role.SUBJECT_GROUP_HEAD: _perms(Permission.SCHOOL_READ, Permission.SCORES_READ),
    Role.OFFICE: _perms(Permission.SCHOOL_READ),
    Role.INSPECTOR: _perms(Permission.SCORES_READ, base=_READ),
    Role.PARENT: _perms(Permission.SCORES_READ),
    Role.STUDENT: _perms(Permission.SCORES_READ),
}

# School structure and people records (identity). Managing them: the school's principal and admin board, and the
# admins of the units above. Editing student profiles, guardians and consents: those, and the homeroom teacher (over
# the class, which reaches its students). Reading personal data (DOMAIN §7): the school's staff and the admins above;
# parents and students get no such right here (a parent seeing only their own child is a separate, per-student check).
_STRUCTURE_AND_PEOPLE: dict[Role, frozenset[Permission]] = {
    Role.DEPARTMENT_ADMIN: frozenset({Permission.SCHOOL_MANAGE, Permission.PEOPLE_READ, Permission.PEOPLE_WRITE}),
    Role.UNIT_ADMIN: frozenset({Permission.SCHOOL_MANAGE, Permission.PEOPLE_READ, Permission.PEOPLE_WRITE}),
    Role.PRINCIPAL: frozenset({Permission.SCHOOL_MANAGE, Permission.PEOPLE_READ, Permission.PEOPLE_WRITE}),
    Role.SCHOOL_ADMIN: frozenset({Permission.SCHOOL_MANAGE, Permission.PEOPLE_READ, Permission.PEOPLE_WRITE}),
    Role.VICE_PRINCIPAL: frozenset({Permission.PEOPLE_READ}),
    Role.SUBJECT_TEACHER: frozenset({Permission.PEOPLE_READ}),
    Role.HOMEROOM_TEACHER: frozenset({Permission.PEOPLE_READ, Permission.PEOPLE_WRITE}),
    Role.SUPERVISOR: frozenset({Permission.PEOPLE_READ}),
    Role.SUBJECT_GROUP_HEAD: frozenset({Permission.PEOPLE_READ}),
    Role.OFFICE: frozenset({Permission.PEOPLE_READ}),
}
for _role, _extra in _STRUCTURE_AND_PEOPLE.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

# The audit trail (DOMAIN §4): admins over their scope, the principal over the school, inspectors (thanh tra).
# PLATFORM_ADMIN has it through _ALL.
for _role in (Role.DEPARTMENT_ADMIN, Role.UNIT_ADMIN, Role.PRINCIPAL, Role.INSPECTOR):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {Permission.AUDIT_READ}

# Class records (DOMAIN §2): the homeroom teacher keeps attendance, conduct and the class results; the supervisor
# (giám thị) takes daily attendance and discipline; the principal rules on exemptions, rewards and approves the lists;
# the Sở and intermediate units open inspection windows.
_CLASS_RECORDS: dict[Role, frozenset[Permission]] = {
    Role.HOMEROOM_TEACHER: frozenset(
        {
            Permission.ATTENDANCE_RECORD,
            Permission.DISCIPLINE_RECORD,
            Permission.CONDUCT_RATE,
            Permission.RESULTS_SUBMIT,
            Permission.TRANSCRIPT_WRITE,
        }
    ),
    Role.SUPERVISOR: frozenset({Permission.ATTENDANCE_RECORD, Permission.DISCIPLINE_RECORD}),
    Role.PRINCIPAL: frozenset({Permission.DISCIPLINE_RECORD, Permission.EXEMPTION_MANAGE, Permission.RESULTS_APPROVE}),
    Role.SCHOOL_ADMIN: frozenset({Permission.EXEMPTION_MANAGE}),
    Role.DEPARTMENT_ADMIN: frozenset({Permission.GRADEBOOK_INSPECT}),
    Role.UNIT_ADMIN: frozenset({Permission.GRADEBOOK_INSPECT}),
}
for _role, _extra in _CLASS_RECORDS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

Scope = tuple[ScopeType, str]


class ScopeResolver(Protocol):
    """Everything a scope sits under, itself included (a school → its units → the province)."""

    async def lineage(self, scope: Scope) -> set[Scope]: ...


DenialRecorder = Callable[[CurrentUserClaims, "Permission", Scope], Awaitable[None]]


async def authorize(
    user: CurrentUserClaims,
    permission: Permission,
    target: Scope,
    *,
    resolver: ScopeResolver,
    on_denied: DenialRecorder | None = None,
) -> None:
    """Raise PermissionDenied unless one of the user's grants gives `permission` over `target`."""
    lineage = await resolver.lineage(target)
    for grant in user.grants:
        if permission not in ROLE_PERMISSIONS.get(grant.role, frozenset()):
            continue
        if grant.scope_type == ScopeType.PROVINCE or (grant.scope_type, grant.scope_id) in lineage:
            return
    log.warning(
        "access denied",
        extra={
            "user": user.sub,
            "username": user.username,
            "permission": permission.value,
            "scope": f"{target[0]}:{target[1]}",
        },
    )
    if on_denied is not None:
        await on_denied(user, permission, target)
    raise PermissionDenied(
        f"Tài khoản {user.username} không có quyền '{permission.value}' trên {target[0]} {target[1]}.",
        permission=permission.value,
        scope_type=target[0].value,
        scope_id=target[1],
    )


async def authorize_within(
    user: CurrentUserClaims,
    permission: Permission,
    target: Scope,
    *,
    resolver: ScopeResolver,
    on_denied: DenialRecorder | None = None,
) -> None:
    """Like `authorize`, but a grant on a scope *inside* the target also counts (a teacher of a class reads what
    concerns the whole school, e.g. its calendar): for things every member of a school may see, never for writes."""
    for grant in user.grants:
        if permission not in ROLE_PERMISSIONS.get(grant.role, frozenset()) or grant.scope_type == ScopeType.PROVINCE:
            continue
        if target in await resolver.lineage((grant.scope_type, grant.scope_id)):
            return
    await authorize(user, permission, target, resolver=resolver, on_denied=on_denied)


async def holds(user: CurrentUserClaims, permission: Permission, target: Scope, *, resolver: ScopeResolver) -> bool:
    """Whether one of the user's grants gives `permission` over `target` (a question, not a check: never logged)."""
    lineage = await resolver.lineage(target)
    return any(
        permission in ROLE_PERMISSIONS.get(grant.role, frozenset())
        and (grant.scope_type == ScopeType.PROVINCE or (grant.scope_type, grant.scope_id) in lineage)
        for grant in user.grants
    )
