"""Demo data for a small province after the 2025 two-tier reform: the department, three communes, six schools.

Ids are derived from codes (UUID v5), so seeding twice changes nothing. Everything goes through identity's
own handlers, so the other services learn the org tree through events, exactly as in production.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from edu_shared.auth.principal import Role, RoleGrant, ScopeType
from edu_shared.contracts.identity import OrgUnitKind, SchoolLevel
from edu_shared.contracts.identity_accounts import PersonKind
from identity.bootstrap import IdentityService
from identity.service_layer import accounts as account_handlers
from identity.service_layer import handlers

log = logging.getLogger(__name__)

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
    """Create whatever part of the demo province is missing (org tree, school structure, accounts)."""
    async with service.uow() as uow:
        tree_exists = await uow.org.get_unit(demo_id(DEPARTMENT.code)) is not None
    if not tree_exists:
        await _seed_org_tree_for(service)
    from edurecords.demo_people import seed_demo_structure  # imports this module: a top-level import would cycle

    structure_created = await seed_demo_structure(service)
    accounts_created = await seed_demo_accounts(service)
    return not tree_exists or structure_created or accounts_created


async def _seed_org_tree_for(service: IdentityService) -> None:
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


# Demo only: every demo account has this password and need not change it. Never use it anywhere else.
DEMO_PASSWORD = "Demo@2026-edu"


@dataclass(frozen=True)
class DemoAccount:
    key: str
    kind: PersonKind
    name: str
    school: str | None = None  # moet code
    unit: str | None = None  # org unit code, for unit accounts
    role: Role | None = None
    phone: str | None = None


DEMO_ACCOUNTS = (
    # so-gddt-demo_admin: Sở administrator (second factor: enrols at first sign-in)
    DemoAccount("so-admin", PersonKind.ADMIN, "Quản trị Sở GDĐT", unit=DEPARTMENT.code, role=Role.DEPARTMENT_ADMIN),
    # xa-hoa-lac_thcshoalac: the school's admin account (seed 002, Điều 3 b)
    DemoAccount(
        "thcshoalac-admin", PersonKind.ADMIN, "Quản trị THCS Hòa Lạc", school="thcshoalac", role=Role.SCHOOL_ADMIN
    ),
    # binhtt.thcshoalac: principal (second factor: enrols at first sign-in)
    DemoAccount("thcshoalac-principal", PersonKind.STAFF, "Trần Thị Bình", school="thcshoalac", role=Role.PRINCIPAL),
    # anvn.thcshoalac and anvn2.thcshoalac: two teachers whose names give the same user name
    DemoAccount("thcshoalac-teacher-1", PersonKind.STAFF, "Nguyễn Văn An", school="thcshoalac"),
    DemoAccount("thcshoalac-teacher-2", PersonKind.STAFF, "Ngô Văn An", school="thcshoalac"),
    # chauml.thcshoalac: a student
    DemoAccount("thcshoalac-student-1", PersonKind.STUDENT, "Lê Minh Châu", school="thcshoalac"),
    # ph.0912345678: a guardian, signs in by phone and one-time code (development: var/data/dev-otp.log)
    DemoAccount("thcshoalac-guardian-1", PersonKind.GUARDIAN, "Lê Văn Dũng", school="thcshoalac", phone="0912345678"),
)


DEMO_STUDENT_ID = demo_id("thcshoalac/student/6A1/0")  # Lê Minh Châu, 6A1 (see demo_people.py)


def _demo_person_id(demo: DemoAccount) -> str | None:
    """The record an account belongs to: its grants for classes and children follow from that record."""
    if demo.kind == PersonKind.STAFF:
        return demo_id(f"staff:{demo.key}")
    if demo.kind == PersonKind.STUDENT:
        return DEMO_STUDENT_ID
    if demo.kind == PersonKind.GUARDIAN:
        return demo_id(f"{DEMO_STUDENT_ID}/father")
    return None


async def seed_demo_accounts(service: IdentityService) -> bool:
    """Create the demo accounts (password DEMO_PASSWORD) unless they exist; True when something was created."""
    created = False
    for demo in DEMO_ACCOUNTS:
        account_id = demo_id(f"account:{demo.key}")
        async with service.uow() as uow:
            if await uow.accounts.get(account_id) is not None:
                continue
        school_id = demo_id(demo.school) if demo.school else None
        result = await account_handlers.create_account(
            account_handlers.CreateAccount(
                person_kind=demo.kind,
                display_name=demo.name,
                actor=SEED_ACTOR,
                school_id=school_id,
                org_unit_id=demo_id(demo.unit) if demo.unit else None,
                phone=demo.phone,
                person_id=_demo_person_id(demo),
                account_id=account_id,
                password=None if demo.kind == PersonKind.GUARDIAN else DEMO_PASSWORD,
                must_change_password=False,
            ),
            service.uow(),
            service.auth,
        )
        if demo.role is not None:
            scope = (ScopeType.SCHOOL, school_id) if school_id else (ScopeType.PROVINCE, "province")
            async with service.uow() as uow:
                await uow.accounts.add_grant(
                    grant_id=demo_id(f"grant:{demo.key}"),
                    account_id=account_id,
                    grant=RoleGrant(role=demo.role, scope_type=scope[0], scope_id=scope[1]),
                    school_id=school_id,
                    actor=SEED_ACTOR,
                    now=service.auth.now(),
                    source="demo",
                )
                await uow.commit()
        log.info("demo account created", extra={"username": result.account.username})
        created = True
    return created
