"""Role grants and delegation through HTTP, on the demo school (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import jwt
import pytest
import sqlalchemy as sa

from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from edurecords.demo import demo_id, seed_demo
from identity.adapters import orm
from identity.bootstrap import IdentityService, build, create_app
from identity.config import IdentitySettings

SCHOOL = demo_id("thcshoalac")
OTHER_SCHOOL = demo_id("thcsthanhmieu")
PRINCIPAL = demo_id("account:thcshoalac-principal")
SCHOOL_ADMIN = demo_id("account:thcshoalac-admin")
TEACHER_1 = demo_id("account:thcshoalac-teacher-1")
TEACHER_2 = demo_id("account:thcshoalac-teacher-2")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def identity(
    request: pytest.FixtureRequest, tmp_path: Path, real_servers: RealServers
) -> AsyncIterator[tuple[IdentityService, httpx.AsyncClient]]:
    async def run(url: str | None) -> AsyncIterator[tuple[IdentityService, httpx.AsyncClient]]:
        bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
        service = build(IdentitySettings(data_dir=tmp_path, database_url=url), bus=bus)
        await bus.start()
        await service.runtime.start()
        await seed_demo(service)
        try:
            transport = httpx.ASGITransport(app=create_app(service, manage_lifespan=False))
            async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
                yield service, client
        finally:
            await service.runtime.stop()
            await bus.close()

    if request.param == "sqlite":
        async for pair in run(None):
            yield pair
    else:
        async with fresh_postgres_database(real_servers.postgres_url) as url:
            async for pair in run(url):
                yield pair


async def auth(service: IdentityService, account_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await service.issue_access_token_for(account_id)}"}


async def roles_in_token(service: IdentityService, account_id: str) -> set[tuple[str, str]]:
    claims = jwt.decode(await service.issue_access_token_for(account_id), options={"verify_signature": False})
    return {(g["role"], g["scope_id"]) for g in claims["grants"]}


async def test_principal_appoints_a_subject_group_head_and_it_is_audited_and_published(
    identity: tuple[IdentityService, httpx.AsyncClient],
) -> None:
    service, client = identity
    response = await client.post(
        f"/accounts/{TEACHER_1}/grants",
        headers=await auth(service, PRINCIPAL),
        json={"role": "subject_group_head", "scope_type": "school", "scope_id": SCHOOL},
    )
    assert response.status_code == 201, response.text
    assert response.json()["school_id"] == SCHOOL
    assert ("subject_group_head", SCHOOL) in await roles_in_token(service, TEACHER_1)
    async with service.uow() as uow:
        assert [e["new_value"]["role"] for e in await uow.audit.query(action="role.grant")] == ["subject_group_head"]
    async with service.runtime.engine.connect() as conn:
        types = list(await conn.scalars(sa.select(orm.messaging.outbox.c.event_type)))
    assert "vn.edurecords.identity.role.granted.v1" in types
    again = await client.post(
        f"/accounts/{TEACHER_1}/grants",
        headers=await auth(service, PRINCIPAL),
        json={"role": "subject_group_head", "scope_type": "school", "scope_id": SCHOOL},
    )
    assert again.status_code == 409


async def test_school_admin_cannot_appoint_a_principal_or_act_in_another_school(
    identity: tuple[IdentityService, httpx.AsyncClient],
) -> None:
    service, client = identity
    admin = await auth(service, SCHOOL_ADMIN)
    upward = await client.post(
        f"/accounts/{TEACHER_1}/grants",
        headers=admin,
        json={"role": "principal", "scope_type": "school", "scope_id": SCHOOL},
    )
    assert upward.status_code == 403 and upward.json()["field"] == "role"
    elsewhere = await client.post(
        f"/accounts/{TEACHER_1}/grants",
        headers=admin,
        json={"role": "office", "scope_type": "school", "scope_id": OTHER_SCHOOL},
    )
    assert elsewhere.status_code == 403
    async with service.uow() as uow:
        denied = await uow.audit.query(action="access.denied")
    assert [(d["target_id"], d["school_id"]) for d in denied] == [(OTHER_SCHOOL, OTHER_SCHOOL)]
    wrong_scope = await client.post(
        f"/accounts/{TEACHER_1}/grants",
        headers=admin,
        json={"role": "homeroom_teacher", "scope_type": "school", "scope_id": SCHOOL},
    )
    assert wrong_scope.status_code == 422 and wrong_scope.json()["field"] == "scope_type"


async def test_principal_delegates_to_a_vice_principal_for_a_bounded_time_and_revokes(
    identity: tuple[IdentityService, httpx.AsyncClient],
) -> None:
    service, client = identity
    principal = await auth(service, PRINCIPAL)
    today = date.today()
    not_vp = await client.post(
        f"/accounts/{TEACHER_2}/grants",
        headers=principal,
        json={
            "role": "principal",
            "scope_type": "school",
            "scope_id": SCHOOL,
            "delegation": True,
            "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=30)).isoformat(),
        },
    )
    assert not_vp.status_code == 409
    made_vp = await client.post(
        f"/accounts/{TEACHER_2}/grants",
        headers=principal,
        json={"role": "vice_principal", "scope_type": "school", "scope_id": SCHOOL},
    )
    assert made_vp.status_code == 201
    unbounded = await client.post(
        f"/accounts/{TEACHER_2}/grants",
        headers=principal,
        json={"role": "principal", "scope_type": "school", "scope_id": SCHOOL, "delegation": True},
    )
    assert unbounded.status_code == 422 and unbounded.json()["field"] == "valid_to"
    delegated = await client.post(
        f"/accounts/{TEACHER_2}/grants",
        headers=principal,
        json={
            "role": "principal",
            "scope_type": "school",
            "scope_id": SCHOOL,
            "delegation": True,
            "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=30)).isoformat(),
        },
    )
    assert delegated.status_code == 201, delegated.text
    assert delegated.json()["delegated_by"] == PRINCIPAL and delegated.json()["source"] == "delegation"
    assert ("principal", SCHOOL) in await roles_in_token(service, TEACHER_2)
    revoked = await client.post(f"/grants/{delegated.json()['id']}/revoke", headers=principal)
    assert revoked.status_code == 200 and revoked.json()["revoked_by"] == PRINCIPAL
    assert ("principal", SCHOOL) not in await roles_in_token(service, TEACHER_2)
    history = await client.get(f"/accounts/{TEACHER_2}/grants", headers=principal, params={"include_revoked": True})
    assert {g["role"] for g in history.json()} == {"vice_principal", "principal"}


async def test_teacher_cannot_grant_anything(identity: tuple[IdentityService, httpx.AsyncClient]) -> None:
    service, client = identity
    response = await client.post(
        f"/accounts/{TEACHER_2}/grants",
        headers=await auth(service, TEACHER_1),
        json={"role": "office", "scope_type": "school", "scope_id": SCHOOL},
    )
    assert response.status_code == 403
