"""Identity handlers: plain async functions taking a command and a unit of work."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from edu_shared.auth.keys import KeySet
from edu_shared.contracts.identity import OrgUnitKind, OrgUnitRegistered, SchoolLevel, SchoolRegistered
from edu_shared.errors import InvalidInput, NotFound
from identity.adapters.audit import AuditEntry
from identity.domain.org import DuplicateCode, OrgUnit, School
from identity.service_layer.uow import IdentityUnitOfWork


@dataclass(frozen=True)
class RegisterOrgUnit:
    code: str
    name: str
    kind: OrgUnitKind
    parent_id: str | None
    actor: str
    unit_id: str | None = None


@dataclass(frozen=True)
class RegisterSchool:
    org_unit_id: str
    moet_code: str
    name: str
    levels: tuple[SchoolLevel, ...]
    actor: str
    school_id: str | None = None


async def register_org_unit(cmd: RegisterOrgUnit, uow: IdentityUnitOfWork) -> OrgUnit:
    """Add a node to the org tree (the department, a district office, a commune…)."""
    async with uow:
        unit = OrgUnit(
            id=cmd.unit_id or str(uuid.uuid4()),
            parent_id=cmd.parent_id,
            code=cmd.code,
            name=cmd.name.strip(),
            kind=cmd.kind,
        )
        if cmd.parent_id is not None and await uow.org.get_unit(cmd.parent_id) is None:
            raise NotFound(
                f"Không có đơn vị cấp trên với mã định danh {cmd.parent_id}.", field="parent_id", value=cmd.parent_id
            )
        if await uow.org.unit_code_taken(cmd.code):
            raise DuplicateCode(f"Mã đơn vị '{cmd.code}' đã được dùng.", field="code", value=cmd.code)
        await uow.org.add_unit(unit, actor=cmd.actor)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="org_unit.register",
                target_type="org_unit",
                target_id=unit.id,
                org_unit_id=unit.parent_id,
                new_value={"code": unit.code, "name": unit.name, "kind": unit.kind.value},
            )
        )
        uow.emit(
            OrgUnitRegistered(
                org_unit_id=unit.id, parent_id=unit.parent_id, code=unit.code, name=unit.name, kind=unit.kind
            ),
            partition_key=unit.id,
            subject=f"org_units/{unit.id}",
        )
        await uow.commit()
        return unit


async def register_school(cmd: RegisterSchool, uow: IdentityUnitOfWork) -> School:
    """Add a school under an org unit; other services learn of it through `SchoolRegistered`."""
    async with uow:
        school = School(
            id=cmd.school_id or str(uuid.uuid4()),
            org_unit_id=cmd.org_unit_id,
            moet_code=cmd.moet_code,
            name=cmd.name.strip(),
            levels=cmd.levels,
        )
        if len(set(cmd.levels)) != len(cmd.levels):
            raise InvalidInput("Cấp học bị lặp lại.", field="levels", value=[lv.value for lv in cmd.levels])
        if await uow.org.get_unit(cmd.org_unit_id) is None:
            raise NotFound(
                f"Không có đơn vị quản lý với mã định danh {cmd.org_unit_id}.",
                field="org_unit_id",
                value=cmd.org_unit_id,
            )
        if await uow.org.school_code_taken(cmd.moet_code):
            raise DuplicateCode(f"Mã trường '{cmd.moet_code}' đã được dùng.", field="moet_code", value=cmd.moet_code)
        await uow.org.add_school(school, actor=cmd.actor)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="school.register",
                target_type="school",
                target_id=school.id,
                school_id=school.id,
                org_unit_id=school.org_unit_id,
                new_value={"moet_code": school.moet_code, "name": school.name},
            )
        )
        uow.emit(
            SchoolRegistered(
                school_id=school.id,
                org_unit_id=school.org_unit_id,
                moet_code=school.moet_code,
                name=school.name,
                levels=list(school.levels),
            ),
            partition_key=school.id,
            subject=f"schools/{school.id}",
        )
        await uow.commit()
        return school


async def ensure_signing_keys(uow: IdentityUnitOfWork, *, rotate_after_s: float) -> KeySet:
    """Load the token keys, creating the first one or rotating when the newest is older than the period."""
    async with uow:
        keys = await uow.keys.load()
        if not keys.keys or time.time() - keys.keys[0].created_at > rotate_after_s:
            await uow.keys.add(keys.rotate())
            await uow.commit()
        keys.retire_older_than(rotate_after_s * 2)
        return keys
