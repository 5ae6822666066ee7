"""Identity's org-tree API through HTTP on its migrated database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from edu_shared.testing.tokens import user_with
from identity.adapters import orm
from identity.bootstrap import IdentityService, build, create_app
from identity.config import IdentitySettings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def identity(
    request: pytest.FixtureRequest, tmp_path: Path, real_servers: RealServers
) -> AsyncIterator[tuple[IdentityService, httpx.AsyncClient]]:
    async def run(database_url: str | None) -> AsyncIterator[tuple[IdentityService, httpx.AsyncClient]]:
        bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
        service = build(IdentitySettings(data_dir=tmp_path, database_url=database_url), bus=bus)
        app = create_app(service, manage_lifespan=False)
        await bus.start()
        await service.runtime.start()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://identity") as c:
                yield service, c
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


def bearer(service: IdentityService, role: Role, scope_type: ScopeType, scope_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.issue_access_token(user_with(role, scope_type, scope_id))}"}


async def _tree(service: IdentityService, client: httpx.AsyncClient) -> dict[str, str]:
    root = bearer(service, Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, "province")
    so = await client.post(
        "/org-units", headers=root, json={"code": "so-gddt", "name": "Sở GDĐT", "kind": "department"}
    )
    assert so.status_code == 201, so.text
    ids = {"so": so.json()["id"]}
    for code in ("xa-a", "xa-b"):
        r = await client.post(
            "/org-units",
            headers=root,
            json={"code": code, "name": f"UBND {code}", "kind": "commune", "parent_id": ids["so"]},
        )
        assert r.status_code == 201, r.text
        ids[code] = r.json()["id"]
    return ids


async def test_department_admin_builds_the_tree_and_events_are_in_the_outbox(
    identity: tuple[IdentityService, httpx.AsyncClient],
) -> None:
    service, client = identity
    ids = await _tree(service, client)
    root = bearer(service, Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, "province")
    school = await client.post(
        "/schools",
        headers=root,
        json={"org_unit_id": ids["xa-a"], "moet_code": "thcsa", "name": "Trường THCS A", "levels": ["thcs"]},
    )
    assert school.status_code == 201
    async with service.runtime.engine.connect() as conn:
        types = await conn.scalars(sa.select(orm.messaging.outbox.c.event_type).order_by(orm.messaging.outbox.c.seq))
        assert list(types) == ["vn.edurecords.identity.org_unit.registered.v1"] * 3 + [
            "vn.edurecords.identity.school.registered.v1"
        ]
    listed = (await client.get("/schools", params={"org_unit_id": ids["xa-a"]})).json()
    assert [s["moet_code"] for s in listed] == ["thcsa"]


async def test_commune_admin_cannot_register_a_school_in_another_commune(
    identity: tuple[IdentityService, httpx.AsyncClient],
) -> None:
    service, client = identity
    ids = await _tree(service, client)
    commune_a = bearer(service, Role.UNIT_ADMIN, ScopeType.ORG_UNIT, ids["xa-a"])
    ok = await client.post(
        "/schools",
        headers=commune_a,
        json={"org_unit_id": ids["xa-a"], "moet_code": "tha", "name": "Trường TH A", "levels": ["tieu_hoc"]},
    )
    assert ok.status_code == 201
    denied = await client.post(
        "/schools",
        headers=commune_a,
        json={"org_unit_id": ids["xa-b"], "moet_code": "thb", "name": "Trường TH B", "levels": ["tieu_hoc"]},
    )
    assert denied.status_code == 403
    assert denied.json()["scope_id"] == ids["xa-b"]
    teacher = bearer(service, Role.SUBJECT_TEACHER, ScopeType.ORG_UNIT, ids["xa-a"])
    assert (
        await client.post(
            "/org-units", headers=teacher, json={"code": "xa-c", "name": "x", "kind": "commune", "parent_id": ids["so"]}
        )
    ).status_code == 403
    assert [s["moet_code"] for s in (await client.get("/schools")).json()] == ["tha"]
    async with service.uow() as uow:
        denials = await uow.audit.query(action="access.denied")
    assert [(d["target_type"], d["target_id"], d["outcome"]) for d in denials] == [
        ("org_unit", ids["so"], "denied"),
        ("org_unit", ids["xa-b"], "denied"),
    ]
    async with service.uow() as uow:
        registered = await uow.audit.query(action="school.register")
    assert [r["new_value"]["moet_code"] for r in registered] == ["tha"]


async def test_requests_without_a_valid_token_are_refused(identity: tuple[IdentityService, httpx.AsyncClient]) -> None:
    _service, client = identity
    body = {"code": "so-x", "name": "Sở", "kind": "department"}
    missing = await client.post("/org-units", json=body)
    assert missing.status_code == 401 and missing.json()["reason"] == "missing"
    forged = await client.post("/org-units", json=body, headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401


async def test_invalid_codes_and_tree_shapes_are_explained(identity: tuple[IdentityService, httpx.AsyncClient]) -> None:
    service, client = identity
    ids = await _tree(service, client)
    root = bearer(service, Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, "province")
    bad_code = await client.post(
        "/schools",
        headers=root,
        json={"org_unit_id": ids["xa-a"], "moet_code": "THCS Hòa Lạc", "name": "Trường", "levels": ["thcs"]},
    )
    assert bad_code.status_code == 422
    assert bad_code.json()["field"] == "moet_code" and bad_code.json()["value"] == "THCS Hòa Lạc"
    second_root = await client.post(
        "/org-units",
        headers=root,
        json={"code": "so-khac", "name": "Sở khác", "kind": "department", "parent_id": ids["so"]},
    )
    assert second_root.status_code == 422 and second_root.json()["field"] == "parent_id"
    orphan = await client.post("/org-units", headers=root, json={"code": "xa-mo-coi", "name": "Xã", "kind": "commune"})
    assert orphan.status_code == 422
    unknown = await client.get("/schools/does-not-exist")
    assert unknown.status_code == 404 and unknown.json()["value"] == "does-not-exist"


async def test_jwks_publishes_the_signing_key(identity: tuple[IdentityService, httpx.AsyncClient]) -> None:
    service, client = identity
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert [k["kid"] for k in jwks["keys"]] == [service.keys.current.kid]
    assert all("d" not in k for k in jwks["keys"]), "private key material must never be published"
