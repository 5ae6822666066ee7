"""Authorization matrix: every role, on every scoped endpoint of identity, in scope and out of scope.

The demo school (THCS Hòa Lạc) is the target. Users holding each role over another school, another commune,
another class or another child must be refused with 403 and the refusal must land in the audit trail; a
principal of the school itself reaches every endpoint. Runs on SQLite here and on PostgreSQL in CI.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from edu_shared.testing.tokens import user_with
from edurecords.demo import DEMO_STUDENT_ID, demo_id, seed_demo
from identity.bootstrap import IdentityService, build, create_app
from identity.config import IdentitySettings

SCHOOL = demo_id("thcshoalac")
OTHER_SCHOOL = demo_id("thcsthanhmieu")
OTHER_COMMUNE = demo_id("phuong-thanh-mieu")
STAFF = demo_id("staff:thcshoalac-teacher-1")
ACCOUNT = demo_id("account:thcshoalac-teacher-1")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: dict[str, Any] | None = None
    params: dict[str, str] | None = None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def calls(class_id: str) -> list[Call]:
    """Every identity endpoint that reads or changes something belonging to the demo school."""
    oneroster = "/ims/oneroster/rostering/v1p2"
    return [
        Call("GET", f"/schools/{SCHOOL}/staff"),
        Call("GET", f"/schools/{SCHOOL}/students"),
        Call("GET", f"/schools/{SCHOOL}/classes"),
        Call("GET", f"/classes/{class_id}"),
        Call("GET", f"/classes/{class_id}/students"),
        Call("GET", f"/staff/{STAFF}"),
        Call("GET", f"/staff/{STAFF}/grants"),
        Call("GET", f"/students/{DEMO_STUDENT_ID}"),
        Call("GET", "/accounts", params={"school_id": SCHOOL}),
        Call("GET", f"/accounts/{ACCOUNT}/grants"),
        Call("GET", "/audit", params={"school_id": SCHOOL}),
        Call("GET", "/audit/export.csv", params={"school_id": SCHOOL}),
        Call("GET", "/transfers", params={"school_id": SCHOOL}),
        Call("GET", f"/schools/{SCHOOL}/imports/templates/students.xlsx"),
        Call("GET", f"{oneroster}/schools/{SCHOOL}/classes"),
        Call("GET", f"{oneroster}/classes/{class_id}/students"),
        Call("GET", f"{oneroster}/classes/{class_id}/teachers"),
        Call("PATCH", f"/students/{DEMO_STUDENT_ID}", json={"place_of_birth": "Hà Nội"}),
        Call("POST", f"/students/{DEMO_STUDENT_ID}/drop-out", json={"reason": "Chuyển vùng"}),
        Call("POST", f"/schools/{SCHOOL}/classes", json={"school_year": "x", "grade": 6, "name": "6A9"}),
        Call("PUT", f"/classes/{class_id}/homeroom", json={"staff_id": STAFF}),
        Call(
            "POST", f"/accounts/{ACCOUNT}/grants", json={"role": "office", "scope_type": "school", "scope_id": SCHOOL}
        ),
        Call("POST", f"/accounts/{ACCOUNT}/disable", json={"reason": "thử"}),
        Call("POST", f"/accounts/{ACCOUNT}/reset-password", json={}),
    ]


OUTSIDERS = [
    (Role.PRINCIPAL, ScopeType.SCHOOL, OTHER_SCHOOL),
    (Role.VICE_PRINCIPAL, ScopeType.SCHOOL, OTHER_SCHOOL),
    (Role.SCHOOL_ADMIN, ScopeType.SCHOOL, OTHER_SCHOOL),
    (Role.INSPECTOR, ScopeType.SCHOOL, OTHER_SCHOOL),
    (Role.OFFICE, ScopeType.SCHOOL, OTHER_SCHOOL),
    (Role.SUPERVISOR, ScopeType.SCHOOL, OTHER_SCHOOL),
    (Role.SUBJECT_GROUP_HEAD, ScopeType.SCHOOL, OTHER_SCHOOL),
    (Role.UNIT_ADMIN, ScopeType.ORG_UNIT, OTHER_COMMUNE),
    (Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, "another-class:toan"),
    (Role.HOMEROOM_TEACHER, ScopeType.CLASS, "another-class"),
    (Role.PARENT, ScopeType.STUDENT, "another-child"),
    (Role.STUDENT, ScopeType.STUDENT, "another-child"),
]


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(
    scope="module", loop_scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def identity(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[IdentityService, httpx.AsyncClient, str]]:
    import os

    tmp_path = tmp_path_factory.mktemp("matrix")

    async def run(url: str | None) -> AsyncIterator[tuple[IdentityService, httpx.AsyncClient, str]]:
        bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
        service = build(IdentitySettings(data_dir=tmp_path, database_url=url), bus=bus)
        await bus.start()
        await service.runtime.start()
        await seed_demo(service)
        async with service.uow() as uow:
            (class_6a1,) = [c for c in await uow.structure.list_classes(school_id=SCHOOL) if c.name == "6A1"]
        try:
            transport = httpx.ASGITransport(app=create_app(service, manage_lifespan=False))
            async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
                yield service, client, class_6a1.id
        finally:
            await service.runtime.stop()
            await bus.close()

    if request.param == "sqlite":
        async for triple in run(None):
            yield triple
    else:
        async with fresh_postgres_database(RealServers.from_env(os.environ).postgres_url) as url:
            async for triple in run(url):
                yield triple


async def _denials(service: IdentityService) -> int:
    async with service.uow() as uow:
        return len(await uow.audit.query(action="access.denied", limit=100_000))


@pytest.mark.parametrize(("role", "scope_type", "scope_id"), OUTSIDERS, ids=[r.value for r, _, _ in OUTSIDERS])
async def test_outsiders_are_denied_everywhere_and_every_denial_is_audited(
    identity: tuple[IdentityService, httpx.AsyncClient, str], role: Role, scope_type: ScopeType, scope_id: str
) -> None:
    service, client, class_id = identity
    headers = {"Authorization": f"Bearer {service.issue_access_token(user_with(role, scope_type, scope_id))}"}
    failures = []
    for call in calls(class_id):
        before = await _denials(service)
        response = await client.request(call.method, call.path, json=call.json, params=call.params, headers=headers)
        after = await _denials(service)
        if response.status_code != 403 or after != before + 1:
            failures.append(f"{call.label} → {response.status_code}, denials logged {after - before}")
    assert not failures, f"{role.value} over {scope_type.value}:{scope_id}:\n" + "\n".join(failures)


async def test_the_schools_principal_reaches_every_read(
    identity: tuple[IdentityService, httpx.AsyncClient, str],
) -> None:
    service, client, class_id = identity
    token = service.issue_access_token(user_with(Role.PRINCIPAL, ScopeType.SCHOOL, SCHOOL))
    headers = {"Authorization": f"Bearer {token}"}
    refused = []
    for call in calls(class_id):
        if call.method != "GET":
            continue
        response = await client.request(call.method, call.path, params=call.params, headers=headers)
        if response.status_code != 200:
            refused.append(f"{call.label} → {response.status_code}")
    assert not refused, "\n".join(refused)
