"""Demo accounts sign in with the grants their records give them: a teacher's classes, a parent's own child."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import jwt
import pytest

from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edurecords.demo import DEMO_STUDENT_ID, demo_id, seed_demo
from identity.bootstrap import IdentityService, build
from identity.config import IdentitySettings


@pytest.fixture
async def identity(tmp_path: Path) -> AsyncIterator[IdentityService]:
    bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
    service = build(IdentitySettings(data_dir=tmp_path), bus=bus)
    await bus.start()
    await service.runtime.start()
    try:
        assert await seed_demo(service)
        assert not await seed_demo(service), "seeding twice must change nothing"
        yield service
    finally:
        await service.runtime.stop()
        await bus.close()


def _grants(token: str) -> set[tuple[str, str, str]]:
    claims = jwt.decode(token, options={"verify_signature": False})
    return {(g["role"], g["scope_type"], g["scope_id"]) for g in claims["grants"]}


async def test_teacher_token_carries_teaching_and_homeroom_assignments(identity: IdentityService) -> None:
    grants = _grants(await identity.issue_access_token_for(demo_id("account:thcshoalac-teacher-1")))
    teaching = {scope for role, kind, scope in grants if role == "subject_teacher" and kind == "class_subject"}
    homeroom = {scope for role, kind, scope in grants if role == "homeroom_teacher" and kind == "class"}
    assert len({s for s in teaching if s.endswith(":toan")}) == 4, "Toán in 6A1, 7A1, 8A1 and 9A1"
    assert len(homeroom) == 1
    (homeroom_class,) = homeroom
    assert f"{homeroom_class}:hdtn_hn" in teaching, "the homeroom teacher also leads the class's HĐTN"
    assert {role for role, _, _ in grants} == {"subject_teacher", "homeroom_teacher"}


async def test_parent_token_covers_only_their_own_child(identity: IdentityService) -> None:
    grants = _grants(await identity.issue_access_token_for(demo_id("account:thcshoalac-guardian-1")))
    assert grants == {("parent", "student", DEMO_STUDENT_ID)}


async def test_student_token_covers_their_own_record(identity: IdentityService) -> None:
    grants = _grants(await identity.issue_access_token_for(demo_id("account:thcshoalac-student-1")))
    assert grants == {("student", "student", DEMO_STUDENT_ID)}


async def test_principal_keeps_the_school_grant(identity: IdentityService) -> None:
    grants = _grants(await identity.issue_access_token_for(demo_id("account:thcshoalac-principal")))
    assert ("principal", "school", demo_id("thcshoalac")) in grants
