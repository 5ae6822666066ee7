"""Account administration through HTTP: seed-002 user names, scopes, events (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.contracts.identity import OrgUnitKind, SchoolLevel
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from edu_shared.testing.tokens import user_with
from identity.adapters import orm
from identity.bootstrap import IdentityService, build, create_app
from identity.config import IdentitySettings
from identity.service_layer import handlers


@dataclass
class Env:
    service: IdentityService
    client: httpx.AsyncClient
    ids: dict[str, str]

    def bearer(self, role: Role, scope_type: ScopeType, scope_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.service.issue_access_token(user_with(role, scope_type, scope_id))}"}

    @property
    def province_admin(self) -> dict[str, str]:
        return self.bearer(Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, "province")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def env(request: pytest.FixtureRequest, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[Env]:
    async def run(database_url: str | None) -> AsyncIterator[Env]:
        bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
        service = build(IdentitySettings(data_dir=tmp_path, database_url=database_url), bus=bus)
        app = create_app(service, manage_lifespan=False)
        await bus.start()
        await service.runtime.start()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://identity") as c:
                yield Env(service=service, client=c, ids=await _tree(service))
        finally:
            await service.runtime.stop()
            await bus.close()

    if request.param == "sqlite":
        async for e in run(None):
            yield e
    else:
        async with fresh_postgres_database(real_servers.postgres_url) as url:
            async for e in run(url):
                yield e


async def _tree(service: IdentityService) -> dict[str, str]:
    so = await handlers.register_org_unit(
        handlers.RegisterOrgUnit(code="so-gddt", name="Sở", kind=OrgUnitKind.DEPARTMENT, parent_id=None, actor="t"),
        service.uow(),
    )
    ids = {"so": so.id}
    for code in ("xa-hoa-lac", "xa-tam-nong"):
        unit = await handlers.register_org_unit(
            handlers.RegisterOrgUnit(code=code, name=code, kind=OrgUnitKind.COMMUNE, parent_id=so.id, actor="t"),
            service.uow(),
        )
        ids[code] = unit.id
    for code, unit_code in (("thcshoalac", "xa-hoa-lac"), ("thcstamnong", "xa-tam-nong")):
        school = await handlers.register_school(
            handlers.RegisterSchool(
                org_unit_id=ids[unit_code], moet_code=code, name=code, levels=(SchoolLevel.LOWER_SECONDARY,), actor="t"
            ),
            service.uow(),
        )
        ids[code] = school.id
    return ids


async def _outbox(env: Env, event: str) -> list[tuple[str, dict[str, Any]]]:
    box = orm.messaging.outbox
    async with env.service.runtime.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(box.c.partition_key, box.c.envelope)
            .where(box.c.event_type.like(f"%{event}%"))
            .order_by(box.c.seq)
        )
        return [(r.partition_key, json.loads(r.envelope)["data"]) for r in rows]


async def test_same_names_at_one_school_get_numbered_user_names_and_account_created_events(env: Env) -> None:
    principal = env.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, env.ids["thcshoalac"])
    names = []
    for full_name in ("Nguyễn Văn An", "Ngô Văn An", "Nông Văn An"):
        r = await env.client.post(
            "/accounts",
            headers=principal,
            json={"person_kind": "staff", "display_name": full_name, "school_id": env.ids["thcshoalac"]},
        )
        assert r.status_code == 201, r.text
        assert r.json()["account"]["must_change_password"] is True and len(r.json()["temporary_password"]) >= 10
        names.append(r.json()["account"]["username"])
    assert names == ["anvn.thcshoalac", "anvn2.thcshoalac", "anvn3.thcshoalac"]
    elsewhere = await env.client.post(
        "/accounts",
        headers=env.province_admin,
        json={"person_kind": "staff", "display_name": "Nguyễn Văn An", "school_id": env.ids["thcstamnong"]},
    )
    assert elsewhere.json()["account"]["username"] == "anvn.thcstamnong"
    events = await _outbox(env, "account.created")
    assert [(key, data["username"]) for key, data in events] == [
        (env.ids["thcshoalac"], "anvn.thcshoalac"),
        (env.ids["thcshoalac"], "anvn2.thcshoalac"),
        (env.ids["thcshoalac"], "anvn3.thcshoalac"),
        (env.ids["thcstamnong"], "anvn.thcstamnong"),
    ]
    assert all("password" not in json.dumps(data) for _, data in events)


async def test_admin_accounts_are_named_unit_underscore_school(env: Env) -> None:
    commune = env.bearer(Role.UNIT_ADMIN, ScopeType.ORG_UNIT, env.ids["xa-hoa-lac"])
    school_admin = await env.client.post(
        "/accounts",
        headers=commune,
        json={"person_kind": "admin", "display_name": "Quản trị THCS Hòa Lạc", "school_id": env.ids["thcshoalac"]},
    )
    assert school_admin.json()["account"]["username"] == "xa-hoa-lac_thcshoalac"
    unit_admin = await env.client.post(
        "/accounts",
        headers=env.province_admin,
        json={"person_kind": "admin", "display_name": "Quản trị xã", "org_unit_id": env.ids["xa-hoa-lac"]},
    )
    assert unit_admin.json()["account"]["username"] == "so-gddt_xa-hoa-lac"
    assert unit_admin.json()["account"]["org_unit_id"] == env.ids["xa-hoa-lac"]


async def test_principal_manages_accounts_of_own_school_only_and_denials_are_audited(env: Env) -> None:
    principal = env.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, env.ids["thcshoalac"])
    denied = await env.client.post(
        "/accounts",
        headers=principal,
        json={"person_kind": "staff", "display_name": "Trần Văn Bảo", "school_id": env.ids["thcstamnong"]},
    )
    assert denied.status_code == 403 and denied.json()["permission"] == "account.manage"
    teacher = env.bearer(Role.SUBJECT_TEACHER, ScopeType.SCHOOL, env.ids["thcshoalac"])
    assert (
        await env.client.post(
            "/accounts",
            headers=teacher,
            json={"person_kind": "staff", "display_name": "Trần Văn Bảo", "school_id": env.ids["thcshoalac"]},
        )
    ).status_code == 403
    assert (
        await env.client.get("/accounts", headers=principal, params={"school_id": env.ids["thcstamnong"]})
    ).status_code == 403
    async with env.service.uow() as uow:
        denials = await uow.audit.query(action="access.denied")
    assert len(denials) == 3


async def test_listing_accounts_shows_no_credentials(env: Env) -> None:
    school_admin = env.bearer(Role.SCHOOL_ADMIN, ScopeType.SCHOOL, env.ids["thcshoalac"])
    for name in ("Trần Thị Bình", "Lê Minh Châu"):
        await env.client.post(
            "/accounts",
            headers=school_admin,
            json={"person_kind": "staff", "display_name": name, "school_id": env.ids["thcshoalac"]},
        )
    listed = await env.client.get("/accounts", headers=school_admin, params={"school_id": env.ids["thcshoalac"]})
    assert listed.status_code == 200
    assert [a["username"] for a in listed.json()] == ["binhtt.thcshoalac", "chauml.thcshoalac"]
    text = listed.text
    assert "password_hash" not in text and "totp_secret" not in text and "argon2" not in text


async def test_guardians_need_a_phone_which_names_one_account_only(env: Env) -> None:
    school = env.ids["thcshoalac"]
    missing = await env.client.post(
        "/accounts",
        headers=env.province_admin,
        json={"person_kind": "guardian", "display_name": "Lê Văn Dũng", "school_id": school},
    )
    assert missing.status_code == 422 and missing.json()["field"] == "phone"
    ok = await env.client.post(
        "/accounts",
        headers=env.province_admin,
        json={"person_kind": "guardian", "display_name": "Lê Văn Dũng", "school_id": school, "phone": "0912 345 678"},
    )
    assert ok.status_code == 201
    assert ok.json()["account"]["username"] == "ph.0912345678" and ok.json()["account"]["phone"] == "+84912345678"
    assert ok.json()["temporary_password"] is None
    again = await env.client.post(
        "/accounts",
        headers=env.province_admin,
        json={"person_kind": "guardian", "display_name": "Lê Thị Em", "school_id": school, "phone": "+84912345678"},
    )
    assert again.status_code == 409 and again.json()["field"] == "phone"
    bad = await env.client.post(
        "/accounts",
        headers=env.province_admin,
        json={"person_kind": "guardian", "display_name": "Lê Thị Em", "school_id": school, "phone": "12345"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "phone"


async def test_missing_or_unknown_school_is_explained(env: Env) -> None:
    no_place = await env.client.post(
        "/accounts", headers=env.province_admin, json={"person_kind": "staff", "display_name": "Trần Văn Bảo"}
    )
    assert no_place.status_code == 422 and no_place.json()["field"] == "school_id"
    unknown = await env.client.post(
        "/accounts",
        headers=env.province_admin,
        json={"person_kind": "staff", "display_name": "Trần Văn Bảo", "school_id": "no-such-school"},
    )
    assert unknown.status_code == 404 and unknown.json()["value"] == "no-such-school"
    blank = await env.client.post(
        "/accounts",
        headers=env.province_admin,
        json={"person_kind": "staff", "display_name": "   ", "school_id": env.ids["thcshoalac"]},
    )
    assert blank.status_code == 422 and blank.json()["field"] == "display_name"


async def test_nobody_disables_their_own_account(env: Env) -> None:
    created = await env.client.post(
        "/accounts",
        headers=env.province_admin,
        json={"person_kind": "staff", "display_name": "Trần Thị Bình", "school_id": env.ids["thcshoalac"]},
    )
    account_id = created.json()["account"]["id"]
    token = await env.service.issue_access_token_for(account_id)
    me = await env.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "binhtt.thcshoalac" and me.json()["grants"] == []
    # as the school's principal, with the right to manage its accounts, but not to disable one's own
    own = env.service.issue_access_token(
        user_with(Role.PRINCIPAL, ScopeType.SCHOOL, env.ids["thcshoalac"]).model_copy(update={"sub": account_id})
    )
    r = await env.client.post(f"/accounts/{account_id}/disable", headers={"Authorization": f"Bearer {own}"}, json={})
    assert r.status_code == 409
