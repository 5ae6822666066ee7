"""Demo data for a small province after the 2025 two-tier reform: the department, three communes, six schools.

Ids are derived from codes (UUID v5), so seeding twice changes nothing. Everything goes through identity's
own handlers, so the other services learn the org tree through events, exactly as in production.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from edu_shared.contracts.identity import OrgUnitKind, SchoolLevel
from identity.bootstrap import IdentityService
from identity.service_layer import handlers

DEMO_NAMESPACE = uuid.UUID("0f6f3c1e-5d0a-4c55-9a53-6f1d2b7c9e11")
SEED_ACTOR = "system:demo-seed"


def demo_id(code: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, code))


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    kind: OrgUnitKind
    parent: str | None


@dataclass(frozen=True)
class DemoSchool:
    moet_code: str
    name: str
    unit: str
    levels: tuple[SchoolLevel, ...]


DEPARTMENT = DemoUnit(
    "so-gddt-demo", "Sở Giáo dục và Đào tạo tỉnh Sông Hồng (dữ liệu mẫu)", OrgUnitKind.DEPARTMENT, None
)
UNITS = (
    DEPARTMENT,
    DemoUnit("xa-hoa-lac", "UBND xã Hòa Lạc", OrgUnitKind.COMMUNE, DEPARTMENT.code),
    DemoUnit("phuong-thanh-mieu", "UBND phường Thanh Miếu", OrgUnitKind.COMMUNE, DEPARTMENT.code),
    DemoUnit("xa-tam-nong", "UBND xã Tam Nông", OrgUnitKind.COMMUNE, DEPARTMENT.code),
)
SCHOOLS = (
    DemoSchool("thhoalac", "Trường Tiểu học Hòa Lạc", "xa-hoa-lac", (SchoolLevel.PRIMARY,)),
    DemoSchool("thcshoalac", "Trường THCS Hòa Lạc", "xa-hoa-lac", (SchoolLevel.LOWER_SECONDARY,)),
    DemoSchool("thcsthanhmieu", "Trường THCS Thanh Miếu", "phuong-thanh-mieu", (SchoolLevel.LOWER_SECONDARY,)),
    DemoSchool(
        "thththcstamnong",
        "Trường TH và THCS Tam Nông",
        "xa-tam-nong",
        (SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY),
    ),
    DemoSchool("thptchuyenhungvuong", "Trường THPT Chuyên Hùng Vương", DEPARTMENT.code, (SchoolLevel.UPPER_SECONDARY,)),
    DemoSchool("gdtxtinh", "Trung tâm GDNN-GDTX tỉnh", DEPARTMENT.code, (SchoolLevel.CONTINUING,)),
)


async def seed_demo(service: IdentityService) -> bool:
    """Create the demo org tree unless it is there already; True when something was created."""
    async with service.uow() as uow:
        if await uow.org.get_unit(demo_id(DEPARTMENT.code)) is not None:
            return False
    for unit in UNITS:
        await handlers.register_org_unit(
            handlers.RegisterOrgUnit(
                code=unit.code,
                name=unit.name,
                kind=unit.kind,
                parent_id=demo_id(unit.parent) if unit.parent else None,
                actor=SEED_ACTOR,
                unit_id=demo_id(unit.code),
            ),
            service.uow(),
        )
    for school in SCHOOLS:
        await handlers.register_school(
            handlers.RegisterSchool(
                org_unit_id=demo_id(school.unit),
                moet_code=school.moet_code,
                name=school.name,
                levels=school.levels,
                actor=SEED_ACTOR,
                school_id=demo_id(school.moet_code),
            ),
            service.uow(),
        )
    return True
