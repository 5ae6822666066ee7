"""Reading and exporting the audit trail through HTTP (SQLite, and PostgreSQL in CI).

Who reads what: the department everything, a unit admin its schools and itself, a principal their school, an
inspector in scope; narrowing outside one's scope is 403 and audited; reading is itself audited; the CSV export
is UTF-8 with a BOM, newest first, with formula-like cells neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
from identity.adapters.audit import AuditEntry
from identity.bootstrap import IdentityService, build, create_app
from identity.config import IdentitySettings
from identity.service_layer import handlers


@dataclass
class Env:
    service: IdentityService
    client: httpx.AsyncClient
    ids: dict[str, str]

    def bearer(self, role: Role, scope_type: ScopeType, scope_id: str, *, username: str = "tester") -> dict[str, str]:
        token = self.service.issue_access_token(user_with(role, scope_type, scope_id, username=username))
        return {"Authorization": f"Bearer {token}"}

    @property
    def province(self) -> dict[str, str]:
        return self.bearer(Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, "province", username="so")

    def principal(self, school: str = "a") -> dict[str, str]:
        return self.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, self.ids[school], username=f"ht.{school}")

    def unit_admin(self, unit: str = "xa-a") -> dict[str, str]:
        return self.bearer(Role.UNIT_ADMIN, ScopeType.ORG_UNIT, self.ids[unit], username=f"admin.{unit}")

    async def entries(self, **params: Any) -> list[dict[str, Any]]:
        r = await self.client.get("/audit", headers=params.pop("headers", self.province), params=params)
        assert r.status_code == 200, r.text
        body: list[dict[str, Any]] = r.json()
        return body

    async def audit(self, action: str) -> list[dict[str, Any]]:
        async with self.service.uow() as uow:
            return list(reversed(await uow.audit.query(action=action)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def env(request: pytest.FixtureRequest, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[Env]:
    async def run(database_url: str | None) -> AsyncIterator[Env]:
        bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
        service = build(IdentitySettings(data_dir=tmp_path, database_url=database_url), bus=bus)
        app = create_app(service, manage_lifespan=False)
        await bus.start()
        await service.runtime.start()
        try:
            ids = await _province(service)
            await _trail(service, ids)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://identity") as c:
                yield Env(service=service, client=c, ids=ids)
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


async def _province(service: IdentityService) -> dict[str, str]:
    """A department, two communes (xa-a, xa-b) with a THCS school each (a, b)."""
    so = await handlers.register_org_unit(
        handlers.RegisterOrgUnit(code="so-gddt", name="Sở", kind=OrgUnitKind.DEPARTMENT, parent_id=None, actor="t"),
        service.uow(),
    )
    ids = {"so": so.id}
    for key, code in (("a", "thcshoalac"), ("b", "thcstamnong")):
        unit = await handlers.register_org_unit(
            handlers.RegisterOrgUnit(code=f"xa-{key}", name=key, kind=OrgUnitKind.COMMUNE, parent_id=so.id, actor="t"),
            service.uow(),
        )
        school = await handlers.register_school(
            handlers.RegisterSchool(
                org_unit_id=unit.id, moet_code=code, name=code, levels=(SchoolLevel.LOWER_SECONDARY,), actor="t"
            ),
            service.uow(),
        )
        ids[key], ids[f"xa-{key}"] = school.id, unit.id
    return ids


async def _trail(service: IdentityService, ids: dict[str, str]) -> None:
    """Entries of school a, school b, commune a (no school) and the province (neither), oldest first.

    The trail the set-up itself wrote is cleared first (test data only: the table is append-only)."""
    entries = [
        AuditEntry(actor="acc-1", action="sign_in.password", outcome="success", school_id=ids["a"], ip="10.0.0.1"),
        AuditEntry(
            actor="acc-2",
            action="sign_in.password",
            outcome="failure",
            school_id=ids["a"],
            user_agent='=HYPERLINK("http://evil")',
            details={"username": "Nguyễn Văn An"},
        ),
        AuditEntry(actor="acc-3", action="student.update", school_id=ids["b"], old_value={"ho": "Lê"}),
        AuditEntry(actor="acc-4", action="account.create", org_unit_id=ids["xa-a"]),
        AuditEntry(actor="acc-5", action="org_unit.create", details={"code": "xa-c"}),
    ]
    async with service.uow() as uow:
        await uow.session.execute(sa.delete(orm.audit_log))
        for entry in entries:
            await uow.audit.record(entry)
        await uow.commit()


async def test_department_admin_reads_every_entry_newest_first(env: Env) -> None:
    r = await env.client.get("/audit", headers=env.province)
    assert r.status_code == 200, r.text
    assert [e["actor"] for e in r.json()] == ["acc-5", "acc-4", "acc-3", "acc-2", "acc-1"]
    assert r.headers["X-Total-Count"] == "5"
    assert r.json()[-1]["ip"] == "10.0.0.1"
    assert r.json()[-1]["at"].endswith("Z")


async def test_department_admin_granted_on_the_root_unit_reads_the_whole_trail(env: Env) -> None:
    so = env.bearer(Role.DEPARTMENT_ADMIN, ScopeType.ORG_UNIT, env.ids["so"], username="so2")
    assert [e["actor"] for e in await env.entries(headers=so)] == ["acc-5", "acc-4", "acc-3", "acc-2", "acc-1"]


async def test_principal_sees_only_their_schools_entries(env: Env) -> None:
    found = await env.entries(headers=env.principal("a"))
    assert [e["actor"] for e in found] == ["acc-2", "acc-1"]


async def test_unit_admin_sees_the_schools_under_the_unit_and_the_units_own_entries(env: Env) -> None:
    found = await env.entries(headers=env.unit_admin("xa-a"))
    assert [e["actor"] for e in found] == ["acc-4", "acc-2", "acc-1"]
    narrowed = await env.entries(headers=env.province, org_unit_id=env.ids["xa-b"])
    assert [e["actor"] for e in narrowed] == ["acc-3"]


async def test_inspector_reads_in_their_scope(env: Env) -> None:
    inspector = env.bearer(Role.INSPECTOR, ScopeType.SCHOOL, env.ids["b"], username="thanhtra")
    assert [e["actor"] for e in await env.entries(headers=inspector)] == ["acc-3"]


async def test_filters_by_action_outcome_actor_time_and_pages(env: Env) -> None:
    r = await env.client.get("/audit", headers=env.province, params={"limit": 2, "offset": 1})
    assert [e["actor"] for e in r.json()] == ["acc-4", "acc-3"]
    assert r.headers["X-Total-Count"] == "5"
    assert [e["actor"] for e in await env.entries(action="sign_in.password", outcome="failure")] == ["acc-2"]
    assert [e["actor"] for e in await env.entries(actor="acc-3")] == ["acc-3"]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert await env.entries(since=later) == []
    assert [e["actor"] for e in await env.entries(until=later, actor="acc-1")] == ["acc-1"]
    earlier = (datetime.now(UTC) - timedelta(hours=1)).replace(tzinfo=None).isoformat()
    assert [e["actor"] for e in await env.entries(since=earlier, actor="acc-1")] == ["acc-1"]


async def test_asking_for_a_school_or_unit_outside_ones_scope_is_denied_and_audited(env: Env) -> None:
    r = await env.client.get("/audit", headers=env.principal("a"), params={"school_id": env.ids["b"]})
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await env.client.get(
        "/audit/export.csv", headers=env.unit_admin("xa-a"), params={"org_unit_id": env.ids["xa-b"]}
    )
    assert r.status_code == 403
    denied = await env.audit("access.denied")
    assert [d["details"]["permission"] for d in denied] == ["audit.read", "audit.read"]
    assert denied[0]["school_id"] == env.ids["b"]


async def test_roles_without_audit_read_are_denied(env: Env) -> None:
    teacher = env.bearer(Role.SUBJECT_TEACHER, ScopeType.SCHOOL, env.ids["a"], username="gv")
    assert (await env.client.get("/audit", headers=teacher)).status_code == 403
    assert (await env.client.get("/audit/export.csv", headers=teacher)).status_code == 403
    assert (await env.client.get("/audit")).status_code == 401
    assert len(await env.audit("access.denied")) == 2


async def test_reading_and_exporting_are_themselves_audited(env: Env) -> None:
    await env.entries(headers=env.principal("a"), action="sign_in.password")
    await env.client.get("/audit/export.csv", headers=env.province, params={"outcome": "failure"})
    (read,) = await env.audit("audit.read")
    assert read["actor"] == "user:ht.a"
    assert read["details"]["filters"] == {"action": "sign_in.password"}
    assert read["details"]["count"] == 2
    assert read["school_id"] == env.ids["a"]
    (export,) = await env.audit("audit.export")
    assert export["details"]["filters"] == {"outcome": "failure"}


async def test_export_is_a_utf8_csv_with_bom_newest_first_and_formulas_neutralised(env: Env) -> None:
    r = await env.client.get("/audit/export.csv", headers=env.principal("a"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    # The export's own entry is written before the stream starts, so it leads the file.
    assert [(row["actor"], row["action"]) for row in rows[:1]] == [("user:ht.a", "audit.export")]
    rows = rows[1:]
    assert [row["actor"] for row in rows] == ["acc-2", "acc-1"]
    assert rows[0]["user_agent"].startswith("'=HYPERLINK")
    assert "Nguyễn Văn An" in rows[0]["details"]


async def test_export_streams_every_batch(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    from identity.entrypoints import audit_api

    monkeypatch.setattr(audit_api, "EXPORT_BATCH", 2)
    r = await env.client.get("/audit/export.csv", headers=env.province)
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    async with env.service.uow() as uow:
        total = await uow.session.scalar(sa.select(sa.func.count()).select_from(orm.audit_log))
    # Every entry, the export's own included (written before the stream started).
    assert len(rows) == total
    assert [int(row["seq"]) for row in rows] == sorted((int(row["seq"]) for row in rows), reverse=True)
