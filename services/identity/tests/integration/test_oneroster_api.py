"""OneRoster 1.2 Rostering endpoints through HTTP over the demo province (SQLite, and PostgreSQL in CI).

The demo seeder gives a department, communes, six schools, and THCS Hòa Lạc with four classes, staff, 120
students and their guardians. Checks envelopes and mapping, list parameters and paging headers, scope cuts for
lists, 403 with an audit entry for a school or class outside the caller's scope, and the access log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from edu_shared.testing.tokens import user_with
from edurecords.demo import demo_id, seed_demo
from edurecords.demo_people import CLASSES, STUDENTS_PER_CLASS, YEAR
from identity.bootstrap import IdentityService, build, create_app
from identity.config import IdentitySettings

V = "/ims/oneroster/rostering/v1p2"
HOA_LAC = demo_id("thcshoalac")
THANH_MIEU = demo_id("thcsthanhmieu")
CLASS_6A1 = demo_id(f"thcshoalac/class/{YEAR}/6A1")
CLASS_7A1 = demo_id(f"thcshoalac/class/{YEAR}/7A1")


@dataclass
class Env:
    service: IdentityService
    client: httpx.AsyncClient

    def bearer(self, role: Role, scope_type: ScopeType, scope_id: str, *, username: str = "tester") -> dict[str, str]:
        token = self.service.issue_access_token(user_with(role, scope_type, scope_id, username=username))
        return {"Authorization": f"Bearer {token}"}

    @property
    def province(self) -> dict[str, str]:
        return self.bearer(Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, "province", username="so")

    def principal(self, school_id: str = HOA_LAC) -> dict[str, str]:
        return self.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, school_id, username=f"ht.{school_id[:6]}")

    async def get(self, path: str, headers: dict[str, str], **params: Any) -> httpx.Response:
        return await self.client.get(V + path, headers=headers, params=params)

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
            await seed_demo(service)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://identity") as c:
                yield Env(service=service, client=c)
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


async def test_orgs_map_the_department_to_state_communes_to_local_and_schools_with_moet_codes(env: Env) -> None:
    r = await env.get("/orgs", env.province)
    assert r.status_code == 200, r.text
    orgs = {o["sourcedId"]: o for o in r.json()["orgs"]}
    assert r.headers["X-Total-Count"] == str(len(orgs)) == "10"
    department = orgs[demo_id("so-gddt-demo")]
    assert department["type"] == "state" and department["parent"] is None
    commune = orgs[demo_id("xa-hoa-lac")]
    assert commune["type"] == "local"
    assert commune["parent"]["sourcedId"] == department["sourcedId"]
    school = orgs[HOA_LAC]
    assert school["type"] == "school" and school["status"] == "active"
    assert school["identifier"] == school["metadata"]["moetCode"] == "thcshoalac"
    assert school["parent"]["href"].endswith(f"{V}/orgs/{commune['sourcedId']}")
    assert {c["sourcedId"] for c in commune["children"]} == {demo_id("thhoalac"), HOA_LAC}
    assert school["dateLastModified"].endswith("Z")


async def test_principal_lists_only_their_school_and_the_units_above_it(env: Env) -> None:
    r = await env.get("/orgs", env.principal())
    assert {o["sourcedId"] for o in r.json()["orgs"]} == {HOA_LAC, demo_id("xa-hoa-lac"), demo_id("so-gddt-demo")}
    schools = (await env.get("/schools", env.principal())).json()["orgs"]
    assert [s["sourcedId"] for s in schools] == [HOA_LAC]
    one = await env.get(f"/orgs/{demo_id('xa-hoa-lac')}", env.principal())
    assert one.status_code == 200 and one.json()["org"]["type"] == "local"


async def test_school_outside_the_callers_scope_is_forbidden_and_audited(env: Env) -> None:
    other = env.principal(THANH_MIEU)
    for path in (f"/schools/{HOA_LAC}", f"/schools/{HOA_LAC}/classes", f"/orgs/{HOA_LAC}"):
        r = await env.get(path, other)
        assert r.status_code == 403, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    denied = await env.audit("access.denied")
    assert len(denied) == 3
    assert {d["school_id"] for d in denied} == {HOA_LAC}
    assert denied[0]["details"]["permission"] == "school.read"


async def test_class_outside_the_callers_scope_is_forbidden_for_its_students_and_teachers(env: Env) -> None:
    other = env.principal(THANH_MIEU)
    assert (await env.get(f"/classes/{CLASS_6A1}/students", other)).status_code == 403
    assert (await env.get(f"/classes/{CLASS_6A1}:toan/teachers", other)).status_code == 403
    assert len(await env.audit("access.denied")) == 2


async def test_lists_are_cut_to_the_callers_scope(env: Env) -> None:
    other = env.principal(THANH_MIEU)
    for path, key in (("/classes", "classes"), ("/students", "users"), ("/enrollments", "enrollments")):
        r = await env.get(path, other)
        assert r.status_code == 200, r.text
        assert r.json()[key] == [] and r.headers["X-Total-Count"] == "0"


async def test_school_classes_are_homeroom_classes_with_a_scheduled_class_per_subject(env: Env) -> None:
    r = await env.get(f"/schools/{HOA_LAC}/classes", env.principal(), limit=1000)
    assert r.status_code == 200, r.text
    found = r.json()["classes"]
    homerooms = [c for c in found if c["classType"] == "homeroom"]
    assert [c["title"] for c in homerooms] == list(CLASSES)
    assert homerooms[0]["grades"] == ["06"]
    assert homerooms[0]["course"]["sourcedId"] == "homeroom-06"
    maths = next(c for c in found if c["sourcedId"] == f"{CLASS_6A1}:toan")
    assert maths["classType"] == "scheduled" and maths["subjectCodes"] == ["toan"]
    assert maths["school"]["sourcedId"] == HOA_LAC
    courses = {c["sourcedId"]: c for c in (await env.get("/courses", env.principal(), limit=1000)).json()["courses"]}
    assert courses[maths["course"]["sourcedId"]]["courseCode"] == "toan"
    assert courses[maths["course"]["sourcedId"]]["grades"] == ["06"]
    assert courses[maths["course"]["sourcedId"]]["org"]["sourcedId"] == demo_id("so-gddt-demo")


async def test_school_years_are_sessions_with_their_semesters_as_children(env: Env) -> None:
    r = await env.get("/academicSessions", env.principal())
    sessions = r.json()["academicSessions"]
    year = next(s for s in sessions if s["type"] == "schoolYear")
    semesters = [s for s in sessions if s["type"] == "semester"]
    assert year["schoolYear"] == YEAR.split("-")[1]
    assert len(semesters) == 2
    assert all(s["parent"]["sourcedId"] == year["sourcedId"] for s in semesters)
    assert {c["sourcedId"] for c in year["children"]} == {s["sourcedId"] for s in semesters}


async def test_students_filter_by_family_name_with_paging_headers(env: Env) -> None:
    r = await env.get("/students", env.principal(), filter="familyName='Nguyễn'", limit=5)
    assert r.status_code == 200, r.text
    total = int(r.headers["X-Total-Count"])
    students = r.json()["users"]
    assert 5 < total < len(CLASSES) * STUDENTS_PER_CLASS
    assert len(students) == 5
    assert all(s["familyName"] == "Nguyễn" and s["roles"][0]["role"] == "student" for s in students)
    assert 'rel="next"' in r.headers["Link"] and "offset=5" in r.headers["Link"]
    assert 'rel="last"' in r.headers["Link"]
    both = await env.get("/students", env.principal(), filter="familyName='Nguyễn' AND status='active'", limit=1000)
    assert len(both.json()["users"]) == total


async def test_vietnamese_names_split_into_family_middle_and_given(env: Env) -> None:
    r = await env.get("/teachers", env.principal(), filter="givenName='Trang'")
    (trang,) = r.json()["users"]
    assert (trang["familyName"], trang["middleName"], trang["givenName"]) == ("Vũ", "Thị Thu", "Trang")
    assert trang["roles"][0]["role"] == "teacher"


async def test_principal_who_teaches_is_an_administrator_with_a_secondary_teacher_role(env: Env) -> None:
    r = await env.get("/users", env.principal(), filter="givenName='Hùng' AND familyName='Phạm'", limit=1000)
    vice = next(u for u in r.json()["users"] if u["metadata"].get("title") == "pho_hieu_truong")
    assert [(x["roleType"], x["role"]) for x in vice["roles"]] == [
        ("primary", "administrator"),
        ("secondary", "teacher"),
    ]


async def test_users_include_parents_linked_to_their_children_through_agents(env: Env) -> None:
    r = await env.get("/users", env.principal(), filter="roles.role='parent'", limit=1)
    parent = r.json()["users"][0]
    child_id = parent["agents"][0]["sourcedId"]
    child = (await env.get("/students", env.principal(), filter=f"sourcedId='{child_id}'")).json()["users"][0]
    assert parent["sourcedId"] in {a["sourcedId"] for a in child["agents"]}


async def test_national_id_is_shown_to_school_readers_but_not_to_a_class_level_teacher(env: Env) -> None:
    principal = (await env.get("/students", env.principal(), limit=1000)).json()["users"]
    assert len(principal) == len(CLASSES) * STUDENTS_PER_CLASS
    assert all(len(s["identifier"]) == 12 for s in principal)
    teacher = env.bearer(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{CLASS_7A1}:toan", username="gv")
    r = await env.get("/students", teacher, limit=1000)
    assert r.status_code == 200, r.text
    seen = r.json()["users"]
    assert len(seen) == STUDENTS_PER_CLASS
    assert all("identifier" not in s for s in seen)
    roster = await env.get(f"/classes/{CLASS_7A1}:toan/students", teacher)
    assert roster.status_code == 200 and all("identifier" not in s for s in roster.json()["users"])
    assert (await env.get(f"/classes/{CLASS_6A1}/students", teacher)).status_code == 403


async def test_class_students_and_teachers(env: Env) -> None:
    students = (await env.get(f"/classes/{CLASS_6A1}/students", env.principal())).json()["users"]
    assert len(students) == STUDENTS_PER_CLASS and students[0]["grades"] == ["06"]
    teachers = (await env.get(f"/classes/{CLASS_7A1}:toan/teachers", env.principal())).json()["users"]
    assert [(t["familyName"], t["givenName"]) for t in teachers] == [("Nguyễn", "An")]
    homeroom = (await env.get(f"/classes/{CLASS_7A1}/teachers", env.principal(), limit=1000)).json()["users"]
    assert ("Nguyễn", "An") in {(t["familyName"], t["givenName"]) for t in homeroom}
    assert len(homeroom) > 5


async def test_enrollments_put_students_and_teachers_in_homeroom_and_scheduled_classes(env: Env) -> None:
    r = await env.get("/enrollments", env.principal(), filter=f"class.sourcedId='{CLASS_7A1}'", limit=1000)
    homeroom = r.json()["enrollments"]
    assert sum(e["role"] == "student" for e in homeroom) == STUDENTS_PER_CLASS
    (teacher,) = [e for e in homeroom if e["role"] == "teacher"]
    assert teacher["primary"] == "true" and teacher["school"]["sourcedId"] == HOA_LAC
    maths = (
        await env.get("/enrollments", env.principal(), filter=f"class.sourcedId='{CLASS_7A1}:toan'", limit=1000)
    ).json()["enrollments"]
    assert sum(e["role"] == "student" for e in maths) == STUDENTS_PER_CLASS
    assert [e["role"] for e in maths if e["role"] == "teacher"] == ["teacher"]


async def test_field_selection_returns_only_the_requested_fields(env: Env) -> None:
    r = await env.get("/schools", env.province, fields="sourcedId,name", sort="name", orderBy="desc")
    schools = r.json()["orgs"]
    assert all(set(s) == {"sourcedId", "name"} for s in schools)
    assert [s["name"] for s in schools] == sorted((s["name"] for s in schools), reverse=True)
    one = await env.get(f"/schools/{HOA_LAC}", env.province, fields="name")
    assert one.json() == {"org": {"name": "Trường THCS Hòa Lạc"}}


async def test_bad_query_parameters_are_400_problems_naming_the_parameter(env: Env) -> None:
    for params, field in (
        ({"filter": "familyName=Nguyễn"}, "filter"),
        ({"filter": "shoeSize='42'"}, "filter"),
        ({"fields": "sourcedId,shoeSize"}, "fields"),
        ({"sort": "shoeSize"}, "sort"),
        ({"orderBy": "sideways"}, "orderBy"),
    ):
        r = await env.get("/students", env.principal(), **params)
        assert r.status_code == 400, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["field"] == field


async def test_callers_without_people_rights_are_denied_users_and_the_denial_is_audited(env: Env) -> None:
    parent = env.bearer(Role.PARENT, ScopeType.STUDENT, demo_id("thcshoalac/student/6A1/0"), username="ph")
    for path in ("/users", "/students", "/teachers", "/enrollments", "/classes"):
        assert (await env.get(path, parent)).status_code == 403, path
    assert len(await env.audit("access.denied")) == 5
    assert (await env.client.get(V + "/users")).status_code == 401


async def test_reading_personal_data_through_oneroster_is_logged(env: Env) -> None:
    await env.get("/students", env.principal(), filter="familyName='Lê'")
    await env.get(f"/classes/{CLASS_6A1}/students", env.principal())
    (listing, roster) = await env.audit("oneroster.read")
    assert listing["target_id"] == "/students"
    assert listing["details"]["query"] == {"filter": "familyName='Lê'"}
    assert roster["school_id"] == HOA_LAC
