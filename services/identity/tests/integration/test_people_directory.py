"""Classes reach every service's directory projection, so class and class-subject scopes climb to the school.

Identity opens a class; the gradebook (any service keeping the projection) consumes `ClassOpened` from the bus
and then grants a principal of that school access over `<class id>:<subject code>`, while a principal of
another school stays denied. SQLite always; PostgreSQL in CI.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

import gradebook.bootstrap
from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import Role, ScopeType
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.contracts.identity import OrgUnitKind, OrgUnitRegistered, SchoolLevel, SchoolRegistered
from edu_shared.contracts.identity_people import ClassOpened
from edu_shared.db.engine import create_engine, session_factory, sqlite_url
from edu_shared.directory import DirectoryResolver, DirectoryTables, add_directory_tables, apply_directory_event
from edu_shared.errors import PermissionDenied
from edu_shared.events.envelope import new_event
from edu_shared.service import DirectoryService
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from edu_shared.testing.tokens import user_with
from gradebook.config import GradebookSettings
from gradebook.service_layer.uow import GradebookUnitOfWork
from identity.bootstrap import IdentityService, build
from identity.config import IdentitySettings
from identity.domain.structure import Semester
from identity.service_layer import handlers
from identity.service_layer import structure as structure_handlers


async def test_projection_climbs_from_class_subject_to_class_school_and_units(tmp_path: Path) -> None:
    metadata = sa.MetaData()
    tables = add_directory_tables(metadata)
    engine = create_engine(sqlite_url(tmp_path / "dir.db"))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        sessions = session_factory(engine)
        payloads = [
            OrgUnitRegistered(org_unit_id="so", parent_id=None, code="so", name="Sở", kind=OrgUnitKind.DEPARTMENT),
            OrgUnitRegistered(org_unit_id="xa", parent_id="so", code="xa", name="Xã", kind=OrgUnitKind.COMMUNE),
            SchoolRegistered(
                school_id="s1", org_unit_id="xa", moet_code="s1", name="S1", levels=[SchoolLevel.LOWER_SECONDARY]
            ),
            ClassOpened(
                class_id="c1",
                school_id="s1",
                school_year_id="y",
                school_year="2025-2026",
                grade=6,
                level=SchoolLevel.LOWER_SECONDARY,
                name="6A1",
            ),
        ]
        async with sessions() as session:
            for payload in [*payloads, payloads[-1]]:  # a redelivered ClassOpened is an upsert
                await apply_directory_event(session, tables, new_event(payload, source="/t", partition_key="s1"))
            await session.commit()
            assert list(await session.execute(sa.select(tables.classes))) == [("c1", "s1", "2025-2026", 6, "6A1")]  # type: ignore[arg-type]
        resolver = DirectoryResolver(sessions, tables)
        school_and_up = {(ScopeType.SCHOOL, "s1"), (ScopeType.ORG_UNIT, "xa"), (ScopeType.ORG_UNIT, "so")}
        assert await resolver.lineage((ScopeType.CLASS_SUBJECT, "c1:toan")) == {
            (ScopeType.CLASS_SUBJECT, "c1:toan"),
            (ScopeType.CLASS, "c1"),
            *school_and_up,
        }
        assert await resolver.lineage((ScopeType.CLASS, "unknown")) == {(ScopeType.CLASS, "unknown")}
        # A service built before classes were projected keeps its behaviour: exact class grants only.
        legacy = DirectoryResolver(sessions, DirectoryTables(org_units=tables.org_units, schools=tables.schools))
        assert await legacy.lineage((ScopeType.CLASS, "c1")) == {(ScopeType.CLASS, "c1")}
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def identity_and_gradebook(
    request: pytest.FixtureRequest, tmp_path: Path, real_servers: RealServers
) -> AsyncIterator[tuple[IdentityService, DirectoryService[GradebookUnitOfWork]]]:
    async with AsyncExitStack() as stack:
        urls: list[str | None] = [None, None]
        if request.param == "postgres":
            urls = [
                await stack.enter_async_context(fresh_postgres_database(real_servers.postgres_url)) for _ in range(2)
            ]
        bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
        identity = build(IdentitySettings(data_dir=tmp_path, database_url=urls[0]), bus=bus)
        book = gradebook.bootstrap.build(GradebookSettings(data_dir=tmp_path, database_url=urls[1]), bus=bus)
        await bus.start()
        await identity.runtime.start()
        await book.runtime.start()
        try:
            yield identity, book
        finally:
            await book.runtime.stop()
            await identity.runtime.stop()
            await bus.close()


async def test_a_class_opened_in_identity_reaches_another_services_scope_checks(
    identity_and_gradebook: tuple[IdentityService, DirectoryService[GradebookUnitOfWork]],
) -> None:
    identity, book = identity_and_gradebook
    so = await handlers.register_org_unit(
        handlers.RegisterOrgUnit(code="so", name="Sở", kind=OrgUnitKind.DEPARTMENT, parent_id=None, actor="t"),
        identity.uow(),
    )
    schools = []
    for code in ("thcsa", "thcsb"):
        schools.append(
            await handlers.register_school(
                handlers.RegisterSchool(
                    org_unit_id=so.id, moet_code=code, name=code, levels=(SchoolLevel.LOWER_SECONDARY,), actor="t"
                ),
                identity.uow(),
            )
        )
    await structure_handlers.open_school_year(
        structure_handlers.OpenSchoolYear(
            code="2025-2026",
            starts_on=date(2025, 9, 5),
            ends_on=date(2026, 5, 31),
            semesters=(Semester(1, date(2025, 9, 5), date(2026, 1, 17)),),
            actor="t",
        ),
        identity.uow(),
    )
    await structure_handlers.seed_default_catalogue(identity.uow(), actor="t")
    ((cls, _),) = await structure_handlers.open_classes(
        structure_handlers.OpenClasses(
            school_id=schools[0].id,
            school_year="2025-2026",
            classes=(structure_handlers.ClassSpec(grade=6, name="6A1"),),
            actor="t",
        ),
        identity.uow(),
    )
    target = (ScopeType.CLASS_SUBJECT, f"{cls.id}:toan")
    for _ in range(300):
        if (ScopeType.SCHOOL, schools[0].id) in await book.resolver.lineage(target):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the gradebook never learned the class")
    principal_a = user_with(Role.PRINCIPAL, ScopeType.SCHOOL, schools[0].id)
    await authorize(principal_a, Permission.SCORES_READ, target, resolver=book.resolver)
    with pytest.raises(PermissionDenied):
        await authorize(
            user_with(Role.PRINCIPAL, ScopeType.SCHOOL, schools[1].id),
            Permission.SCORES_READ,
            target,
            resolver=book.resolver,
        )
