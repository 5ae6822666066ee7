"""The demo school's structure and people: complete, deterministic, fast to seed, and seeded only once."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edurecords.demo import SCHOOLS, SEED_ACTOR, UNITS, demo_id
from edurecords.demo_people import (
    CLASSES,
    STAFF,
    STUDENTS_PER_CLASS,
    YEAR_STARTS,
    demo_students,
    seed_demo_structure,
)
from identity.adapters import orm
from identity.adapters.people_repo import assignment_grants
from identity.bootstrap import IdentityService, build
from identity.config import IdentitySettings
from identity.domain.names import class_list_sort_key
from identity.domain.people import ConsentPurpose, consent_complete
from identity.service_layer import handlers


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[IdentityService]:
    bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
    built = build(IdentitySettings(data_dir=tmp_path), bus=bus)
    await bus.start()
    await built.runtime.start()
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
            built.uow(),
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
            built.uow(),
        )
    try:
        yield built
    finally:
        await built.runtime.stop()
        await bus.close()


def test_demo_students_are_the_same_every_time() -> None:
    first, second = demo_students(), demo_students()
    assert first == second
    assert len(first) == len(CLASSES) * STUDENTS_PER_CLASS
    assert len({s.profile.national_id for s in first}) == len(first)
    assert first[0].profile.name.full == "Lê Minh Châu"


async def test_demo_school_is_seeded_quickly_completely_and_once(service: IdentityService) -> None:
    started = time.monotonic()
    assert await seed_demo_structure(service) is True
    assert time.monotonic() - started < 10
    assert await seed_demo_structure(service) is False
    school_id = demo_id("thcshoalac")
    async with service.uow() as uow:
        classes = await uow.structure.list_classes(school_id=school_id)
        assert [c.name for c in classes] == list(CLASSES)
        for cls in classes:
            roster = await uow.people.class_roster(cls.id)
            assert len(roster) == STUDENTS_PER_CLASS
            keys = [class_list_sort_key(s.profile.name) for s in roster]
            assert keys == sorted(keys)
            offered = {s.code for s in await uow.structure.class_subjects(cls.id)}
            taught = {a.subject_code for a in await uow.structure.teaching_assignments(class_id=cls.id)}
            assert offered == taught, f"{cls.name}: subjects without a teacher: {offered - taught}"
            assert (await uow.structure.current_homerooms([cls.id]))[cls.id] is not None
        assert len(await uow.people.list_staff(school_id=school_id)) == len(STAFF)
        first = roster[0]
        guardians = await uow.people.guardians_of(first.id)
        assert {g.relation.value for g in guardians} == {"cha", "me"}
        consents = await uow.people.consents_of(first.id)
        assert consent_complete(
            consents,
            purpose=ConsentPurpose.EDUCATION_RECORDS,
            date_of_birth=first.profile.date_of_birth,
            on=YEAR_STARTS,
        )
        grants = await assignment_grants(
            uow.session, staff_id=demo_id("staff:thcshoalac-teacher-1"), on=YEAR_STARTS + timedelta(days=26)
        )
        assert {g.role.value for g in grants} == {"subject_teacher", "homeroom_teacher"}
    async with service.runtime.engine.connect() as conn:
        enrolled = await conn.scalar(
            sa.select(sa.func.count()).where(orm.messaging.outbox.c.event_type.like("%student.enrolled%"))
        )
    assert enrolled == len(CLASSES) * STUDENTS_PER_CLASS
