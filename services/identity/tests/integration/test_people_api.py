"""School structure and people through HTTP on identity's migrated database (SQLite, and PostgreSQL in CI).

Years, the catalogue, classes, staff, students, guardians, consent, enrollments and assignments; who may do
what on which school; problem+json for bad input with nothing written; audit entries and outbox events.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from edu_shared.auth.principal import Role, RoleGrant, ScopeType
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.contracts.identity import OrgUnitKind, SchoolLevel
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from edu_shared.testing.tokens import user_with
from identity.adapters import orm
from identity.adapters.orm_people import students as students_table
from identity.adapters.people_repo import assignment_grants
from identity.bootstrap import IdentityService, build, create_app
from identity.config import IdentitySettings
from identity.domain.structure import Semester
from identity.service_layer import handlers
from identity.service_layer import structure as structure_handlers

YEAR = "2025-2026"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


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
        return self.bearer(Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, "province")

    def principal(self, school: str = "a") -> dict[str, str]:
        return self.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, self.ids[school], username=f"ht.{school}")

    async def events(self, type_suffix: str) -> list[dict[str, Any]]:
        outbox = orm.messaging.outbox
        async with self.service.runtime.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(outbox.c.envelope, outbox.c.partition_key)
                .where(outbox.c.event_type.like(f"%{type_suffix}%"))
                .order_by(outbox.c.seq)
            )
            return [json.loads(r.envelope) | {"key": r.partition_key} for r in rows]

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
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://identity") as c:
                yield Env(service=service, client=c, ids=await _province(service))
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
    """A department, two communes with a THCS school each (a, b), the 2025-2026 year and the catalogue."""
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
        ids[key] = school.id
    await structure_handlers.open_school_year(
        structure_handlers.OpenSchoolYear(
            code=YEAR,
            starts_on=date(2025, 9, 5),
            ends_on=date(2026, 5, 31),
            semesters=(
                Semester(1, date(2025, 9, 5), date(2026, 1, 17)),
                Semester(2, date(2026, 1, 19), date(2026, 5, 31)),
            ),
            actor="t",
        ),
        service.uow(),
    )
    await structure_handlers.seed_default_catalogue(service.uow(), actor="t")
    return ids


async def _class(env: Env, name: str, *, school: str = "a", **extra: Any) -> dict[str, Any]:
    r = await env.client.post(
        f"/schools/{env.ids[school]}/classes",
        headers=env.principal(school),
        json={"school_year": YEAR, "grade": int(name[0]), "name": name, **extra},
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def _student(env: Env, full_name: str, *, school: str = "a", **extra: Any) -> dict[str, Any]:
    body = {"full_name": full_name, "date_of_birth": "2014-03-12", "sex": "nam", **extra}
    r = await env.client.post(f"/schools/{env.ids[school]}/students", headers=env.principal(school), json=body)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def _staff(env: Env, full_name: str, *, school: str = "a", **extra: Any) -> dict[str, Any]:
    body = {"full_name": full_name, "title": "giao_vien", **extra}
    r = await env.client.post(f"/schools/{env.ids[school]}/staff", headers=env.principal(school), json=body)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def _count_students(env: Env) -> int:
    async with env.service.runtime.engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(students_table)) or 0)


# Calendar and catalogue


async def test_department_admin_opens_a_school_year_announced_to_the_province(env: Env) -> None:
    r = await env.client.post(
        "/school-years",
        headers=env.province,
        json={
            "code": "2026-2027",
            "starts_on": "2026-09-05",
            "ends_on": "2027-05-31",
            "semesters": [{"number": 1, "starts_on": "2026-09-05", "ends_on": "2027-01-16"}],
        },
    )
    assert r.status_code == 201, r.text
    year = r.json()
    assert [s["number"] for s in year["semesters"]] == [1]
    r2 = await env.client.post(
        f"/school-years/{year['id']}/semesters",
        headers=env.province,
        json={"number": 2, "starts_on": "2027-01-18", "ends_on": "2027-05-31"},
    )
    assert r2.status_code == 201 and [s["number"] for s in r2.json()["semesters"]] == [1, 2]
    listed = (await env.client.get("/school-years")).json()
    assert [y["code"] for y in listed] == ["2026-2027", YEAR]
    opened = await env.events("school_year.opened")
    assert [e["data"]["code"] for e in opened] == [YEAR, "2026-2027"] and {e["key"] for e in opened} == {"province"}
    assert [e["data"]["number"] for e in await env.events("semester.scheduled")] == [2]


async def test_a_school_cannot_open_a_province_school_year(env: Env) -> None:
    body = {"code": "2026-2027", "starts_on": "2026-09-05", "ends_on": "2027-05-31"}
    r = await env.client.post("/school-years", headers=env.principal(), json=body)
    assert r.status_code == 403 and r.json()["permission"] == "school.manage"


async def test_bad_school_year_dates_are_explained_and_nothing_is_written(env: Env) -> None:
    bad = await env.client.post(
        "/school-years",
        headers=env.province,
        json={
            "code": "2026-2027",
            "starts_on": "2026-09-05",
            "ends_on": "2027-05-31",
            "semesters": [{"number": 2, "starts_on": "2027-01-18", "ends_on": "2027-06-30"}],
        },
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert (bad.json()["field"], bad.json()["value"]) == ("ends_on", "2027-06-30")
    duplicate = await env.client.post(
        "/school-years", headers=env.province, json={"code": YEAR, "starts_on": "2025-09-05", "ends_on": "2026-05-31"}
    )
    assert duplicate.status_code == 409
    assert [y["code"] for y in (await env.client.get("/school-years")).json()] == [YEAR]


async def test_catalogue_lists_a_grades_subjects_with_their_regular_assessments(env: Env) -> None:
    grade8 = (await env.client.get("/subjects", params={"grade": 8})).json()
    by_code = {s["code"]: s for s in grade8}
    assert (
        by_code["cong_nghe"]["periods_per_year"] == 52 and by_code["cong_nghe"]["regular_assessments_per_semester"] == 3
    )
    assert by_code["toan"]["regular_assessments_per_semester"] == 4
    assert by_code["gdtc"]["assessment"] == "comment"
    assert {s["level"] for s in grade8} == {"thcs"}
    assert len((await env.client.get("/subjects", params={"level": "thpt", "grade": 10})).json()) == 17


async def test_a_years_own_catalogue_entry_overrides_the_default(env: Env) -> None:
    r = await env.client.post(
        "/subjects",
        headers=env.province,
        json={
            "code": "tin_hoc",
            "name": "Tin học",
            "grade": 6,
            "periods_per_year": 52,
            "assessment": "scored",
            "school_year": YEAR,
        },
    )
    assert r.status_code == 201, r.text
    default = {s["code"]: s for s in (await env.client.get("/subjects", params={"grade": 6})).json()}
    year = {s["code"]: s for s in (await env.client.get("/subjects", params={"grade": 6, "school_year": YEAR})).json()}
    assert default["tin_hoc"]["periods_per_year"] == 35 and year["tin_hoc"]["periods_per_year"] == 52
    fixed = await env.client.patch(f"/subjects/{default['gddp']['id']}", headers=env.province, json={"name": "GDĐP"})
    assert fixed.status_code == 200 and fixed.json()["name"] == "GDĐP"
    (entry,) = await env.audit("subject.correct")
    assert entry["old_value"] == {"name": "Nội dung giáo dục của địa phương"} and entry["new_value"] == {"name": "GDĐP"}


# Classes


async def test_principal_opens_a_class_with_the_grades_compulsory_subjects(env: Env) -> None:
    cls = await _class(env, "6A1")
    assert cls["school_year"] == YEAR and cls["level"] == "thcs" and cls["student_count"] == 0
    assert len(cls["subjects"]) == 13
    (opened,) = await env.events("class.opened")
    assert opened["key"] == env.ids["a"] and opened["data"]["name"] == "6A1"
    (subjects_set,) = await env.events("class_subjects.set")
    assert {s["code"] for s in subjects_set["data"]["subjects"]} == {s["code"] for s in cls["subjects"]}
    listed = await env.client.get(f"/schools/{env.ids['a']}/classes", headers=env.principal(), params={"year": YEAR})
    assert [c["name"] for c in listed.json()] == ["6A1"]


async def test_class_subjects_are_replaced_with_the_schools_own_periods(env: Env) -> None:
    cls = await _class(env, "6A1", subjects=[{"code": "toan"}, {"code": "ngu_van"}])
    r = await env.client.put(
        f"/classes/{cls['id']}/subjects",
        headers=env.principal(),
        json={"subjects": [{"code": "toan", "periods_per_year": 175}, {"code": "ngu_van"}, {"code": "tin_hoc"}]},
    )
    assert r.status_code == 200, r.text
    assert [(s["code"], s["periods_per_year"]) for s in r.json()] == [("toan", 175), ("ngu_van", 140), ("tin_hoc", 35)]
    (entry,) = await env.audit("class.subjects_set")
    assert entry["old_value"] == {"toan": 140, "ngu_van": 140}
    unknown = await env.client.put(
        f"/classes/{cls['id']}/subjects", headers=env.principal(), json={"subjects": [{"code": "vat_li"}]}
    )
    assert unknown.status_code == 422 and (unknown.json()["field"], unknown.json()["value"]) == (
        "subjects.0.code",
        "vat_li",
    )


async def test_class_names_are_unique_per_school_and_year_and_grades_match_the_school(env: Env) -> None:
    await _class(env, "6A1")
    again = await env.client.post(
        f"/schools/{env.ids['a']}/classes",
        headers=env.principal(),
        json={"school_year": YEAR, "grade": 6, "name": "6a1"},
    )
    assert again.status_code == 409 and again.json()["field"] == "name"
    await _class(env, "6A1", school="b")  # another school may use the same name
    primary_grade = await env.client.post(
        f"/schools/{env.ids['a']}/classes",
        headers=env.principal(),
        json={"school_year": YEAR, "grade": 3, "name": "3A"},
    )
    assert primary_grade.status_code == 422 and (primary_grade.json()["field"], primary_grade.json()["value"]) == (
        "grade",
        3,
    )
    no_year = await env.client.post(
        f"/schools/{env.ids['a']}/classes",
        headers=env.principal(),
        json={"school_year": "2030-2031", "grade": 6, "name": "6A2"},
    )
    assert no_year.status_code == 404 and no_year.json()["field"] == "school_year"


# Assignments


async def test_teaching_and_homeroom_assignments_give_scoped_grants_within_their_windows(env: Env) -> None:
    cls = await _class(env, "6A1")
    teacher = await _staff(env, "Phạm Thị Hương", subject_group="Tổ Toán - Tin")
    first = await env.client.post(
        f"/classes/{cls['id']}/teaching-assignments",
        headers=env.principal(),
        json={"subject_code": "toan", "staff_id": teacher["id"], "semester": 2},
    )
    assert first.status_code == 201, first.text
    assert first.json()["scope_id"] == f"{cls['id']}:toan"
    twice = await env.client.post(
        f"/classes/{cls['id']}/teaching-assignments",
        headers=env.principal(),
        json={"subject_code": "toan", "staff_id": teacher["id"]},
    )
    assert twice.status_code == 409
    homeroom = await env.client.put(
        f"/classes/{cls['id']}/homeroom",
        headers=env.principal(),
        json={"staff_id": teacher["id"], "starts_on": "2025-09-05"},
    )
    assert homeroom.status_code == 200 and homeroom.json()["staff"]["full_name"] == "Phạm Thị Hương"
    async with env.service.uow() as uow:
        in_hk1 = await assignment_grants(uow.session, staff_id=teacher["id"], on=date(2025, 10, 1))
        in_hk2 = await assignment_grants(uow.session, staff_id=teacher["id"], on=date(2026, 3, 1))
        next_year = await assignment_grants(uow.session, staff_id=teacher["id"], on=date(2026, 9, 1))
    homeroom_grant = RoleGrant(role=Role.HOMEROOM_TEACHER, scope_type=ScopeType.CLASS, scope_id=cls["id"])
    teacher_grant = RoleGrant(
        role=Role.SUBJECT_TEACHER, scope_type=ScopeType.CLASS_SUBJECT, scope_id=f"{cls['id']}:toan"
    )
    assert in_hk1 == [homeroom_grant]
    assert in_hk2 == [homeroom_grant, teacher_grant]
    assert next_year == []
    ended = await env.client.delete(f"/teaching-assignments/{first.json()['id']}", headers=env.principal())
    assert ended.status_code == 204
    async with env.service.uow() as uow:
        assert await assignment_grants(uow.session, staff_id=teacher["id"], on=date(2026, 3, 1)) == [homeroom_grant]
    assert [e["data"]["subject_code"] for e in await env.events("teaching.assigned")] == ["toan"]
    assert len(await env.events("teaching.unassigned")) == 1


async def test_a_new_homeroom_teacher_ends_the_previous_assignment_the_day_before(env: Env) -> None:
    cls = await _class(env, "7A1")
    first, second = await _staff(env, "Lê Văn Nam"), await _staff(env, "Đỗ Thị Lan")
    for staff_id, starts in ((first["id"], "2025-09-05"), (second["id"], "2026-01-19")):
        r = await env.client.put(
            f"/classes/{cls['id']}/homeroom", headers=env.principal(), json={"staff_id": staff_id, "starts_on": starts}
        )
        assert r.status_code == 200, r.text
    detail = (await env.client.get(f"/classes/{cls['id']}", headers=env.principal())).json()
    assert detail["homeroom"]["staff"]["id"] == second["id"]
    async with env.service.uow() as uow:
        assert await assignment_grants(uow.session, staff_id=first["id"], on=date(2026, 1, 18)) != []
        assert await assignment_grants(uow.session, staff_id=first["id"], on=date(2026, 1, 19)) == []
    events = await env.events("homeroom.assigned")
    assert events[-1]["data"]["previous_staff_id"] == first["id"]


async def test_staff_of_another_school_cannot_be_assigned(env: Env) -> None:
    cls = await _class(env, "6A1")
    other = await _staff(env, "Hoàng Văn Tú", school="b")
    r = await env.client.post(
        f"/classes/{cls['id']}/teaching-assignments",
        headers=env.principal(),
        json={"subject_code": "toan", "staff_id": other["id"]},
    )
    assert r.status_code == 404 and (r.json()["field"], r.json()["value"]) == ("staff_id", other["id"])
    not_offered = await env.client.post(
        f"/classes/{cls['id']}/teaching-assignments",
        headers=env.principal(),
        json={"subject_code": "vat_li", "staff_id": (await _staff(env, "Vũ Minh Đức"))["id"]},
    )
    assert not_offered.status_code == 422 and not_offered.json()["field"] == "subject_code"


# Staff


async def test_staff_records_photo_and_signature_images(env: Env) -> None:
    member = await _staff(env, "nguyễn thị  thu hà", phone="+84 912 345 678", email="Ha.NTT@Example.vn", sex="nu")
    assert (member["family_name"], member["middle_name"], member["given_name"]) == ("Nguyễn", "Thị Thu", "Hà")
    assert (member["phone"], member["email"], member["title_name"]) == ("0912345678", "ha.ntt@example.vn", "Giáo viên")
    put = await env.client.put(
        f"/staff/{member['id']}/signature", headers={**env.principal(), "content-type": "image/png"}, content=PNG
    )
    assert put.status_code == 200 and put.json()["has_signature"] is True
    got = await env.client.get(f"/staff/{member['id']}/signature", headers=env.principal())
    assert got.status_code == 200 and got.content == PNG and got.headers["content-type"] == "image/png"
    not_png = await env.client.put(
        f"/staff/{member['id']}/photo", headers={**env.principal(), "content-type": "image/png"}, content=b"GIF89a"
    )
    assert not_png.status_code == 422 and not_png.json()["field"] == "photo"
    (registered,) = await env.events("staff.registered")
    assert "phone" not in registered["data"] and "email" not in registered["data"]


async def test_staff_update_is_audited_and_bad_phone_is_refused(env: Env) -> None:
    member = await _staff(env, "Trần Văn Hải")
    r = await env.client.patch(
        f"/staff/{member['id']}", headers=env.principal(), json={"title": "pho_hieu_truong", "given_name": "Hải"}
    )
    assert r.status_code == 200 and r.json()["title"] == "pho_hieu_truong"
    (entry,) = await env.audit("staff.update")
    assert entry["old_value"] == {"title": "giao_vien"} and entry["new_value"] == {"title": "pho_hieu_truong"}
    bad = await env.client.patch(f"/staff/{member['id']}", headers=env.principal(), json={"phone": "12345"})
    assert bad.status_code == 422 and (bad.json()["field"], bad.json()["value"]) == ("phone", "12345")


# Students


async def test_students_are_listed_in_vietnamese_order_and_found_without_diacritics(env: Env) -> None:
    for name in ("Trần Văn Bình", "Nguyễn Văn An", "Lê Thị Ánh", "Đỗ Đức Anh", "Phạm Thị Ân", "Nguyễn Thị An"):
        await _student(env, name)
    page = (await env.client.get(f"/schools/{env.ids['a']}/students", headers=env.principal())).json()
    assert [s["full_name"] for s in page["items"]] == [
        "Nguyễn Thị An",
        "Nguyễn Văn An",
        "Đỗ Đức Anh",
        "Lê Thị Ánh",
        "Phạm Thị Ân",
        "Trần Văn Bình",
    ]
    found = await env.client.get(
        f"/schools/{env.ids['a']}/students", headers=env.principal(), params={"q": "nguyen van an"}
    )
    assert [s["full_name"] for s in found.json()["items"]] == ["Nguyễn Văn An"]
    by_prefix = await env.client.get(f"/schools/{env.ids['a']}/students", headers=env.principal(), params={"q": "do d"})
    assert [s["full_name"] for s in by_prefix.json()["items"]] == ["Đỗ Đức Anh"]
    second_page = await env.client.get(
        f"/schools/{env.ids['a']}/students", headers=env.principal(), params={"limit": 2, "offset": 2}
    )
    assert second_page.json()["total"] == 6
    assert [s["full_name"] for s in second_page.json()["items"]] == ["Đỗ Đức Anh", "Lê Thị Ánh"]
    assert (await env.audit("student.list"))[0]["details"]["username"] == "ht.a"


async def test_student_is_registered_into_a_class_and_announced_without_contacts(env: Env) -> None:
    cls = await _class(env, "6A1")
    created = await _student(
        env,
        "Vũ Minh Khôi",
        class_id=cls["id"],
        national_id="001214012345",
        moet_student_id="0123456789",
        place_of_birth="Hà Nội",
        ethnicity="Kinh",
        address="Thôn 3, xã Hòa Lạc",
    )
    assert created["class_name"] == "6A1" and created["enrollments"][0]["status"] == "active"
    search = await env.client.get(f"/schools/{env.ids['a']}/students", headers=env.principal(), params={"q": "0012140"})
    assert [s["id"] for s in search.json()["items"]] == [created["id"]]
    (registered,) = await env.events("student.registered")
    assert registered["key"] == env.ids["a"]
    assert registered["data"]["student"]["national_id"] == "001214012345"
    assert "address" not in registered["data"]["student"]
    (enrolled,) = await env.events("student.enrolled")
    assert enrolled["data"]["class_id"] == cls["id"]


async def test_bad_student_input_names_the_field_and_value_and_writes_nothing(env: Env) -> None:
    cls = await _class(env, "6A1")
    before = len(await env.events("student."))
    url = f"/schools/{env.ids['a']}/students"
    short_id = await env.client.post(
        url,
        headers=env.principal(),
        json={
            "full_name": "Lê Văn Tám",
            "date_of_birth": "2014-01-01",
            "sex": "nam",
            "national_id": "00121401234",
            "class_id": cls["id"],
        },
    )
    assert short_id.status_code == 422
    problem = short_id.json()
    assert (problem["field"], problem["value"]) == ("national_id", "00121401234")
    assert "Số CCCD (mã định danh cá nhân) phải gồm đúng 12 chữ số" in problem["detail"]
    wrong_year = await env.client.post(
        url,
        headers=env.principal(),
        json={"full_name": "Lê Văn Tám", "date_of_birth": "2013-01-01", "sex": "nam", "national_id": "001214012345"},
    )
    assert wrong_year.status_code == 422 and "sinh năm 2014" in wrong_year.json()["detail"]
    future = await env.client.post(
        url, headers=env.principal(), json={"full_name": "Lê Văn Tám", "date_of_birth": "2099-01-01", "sex": "nam"}
    )
    assert future.status_code == 422 and future.json()["field"] == "date_of_birth"
    bad_sex = await env.client.post(
        url, headers=env.principal(), json={"full_name": "Lê Văn Tám", "date_of_birth": "2014-01-01", "sex": "x"}
    )
    assert bad_sex.status_code == 422 and bad_sex.json()["errors"][0]["field"] == "body.sex"
    await _student(env, "Lê Văn Tám", national_id="001214012345")
    taken = await env.client.post(
        url,
        headers=env.principal(),
        json={
            "full_name": "Lê Văn Chín",
            "date_of_birth": "2014-01-01",
            "sex": "nam",
            "national_id": "001214012345",
            "class_id": cls["id"],
        },
    )
    assert taken.status_code == 409 and taken.json()["field"] == "national_id"
    assert await _count_students(env) == 1
    assert len(await env.events("student.")) == before + 1
    assert len(await env.events("student.enrolled")) == 0


async def test_student_profile_change_is_audited_with_old_and_new_values(env: Env) -> None:
    created = await _student(env, "Ngô Văn Toàn", place_of_birth="Hà Nội")
    r = await env.client.patch(
        f"/students/{created['id']}",
        headers=env.principal(),
        json={"given_name": "Toản", "place_of_birth": "Phú Thọ", "address": "Xóm Mới"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["full_name"], r.json()["place_of_birth"]) == ("Ngô Văn Toản", "Phú Thọ")
    (entry,) = await env.audit("student.update")
    assert entry["old_value"] == {"given_name": "Toàn", "place_of_birth": "Hà Nội", "address": None}
    assert entry["new_value"] == {"given_name": "Toản", "place_of_birth": "Phú Thọ", "address": "Xóm Mới"}
    assert entry["actor"] == "user:ht.a" and entry["school_id"] == env.ids["a"]
    (changed,) = await env.events("student.profile_changed")
    assert changed["data"]["changed"] == ["given_name", "place_of_birth"]
    unchanged = await env.client.patch(
        f"/students/{created['id']}", headers=env.principal(), json={"address": "Xóm Mới"}
    )
    assert unchanged.status_code == 200 and len(await env.audit("student.update")) == 1
    cleared = await env.client.patch(
        f"/students/{created['id']}", headers=env.principal(), json={"date_of_birth": None}
    )
    assert cleared.status_code == 422 and cleared.json()["field"] == "date_of_birth"


async def test_principal_of_one_school_cannot_read_or_write_another_schools_students(env: Env) -> None:
    theirs = await _student(env, "Hà Văn Cường", school="b")
    other = env.principal("a")
    listing = await env.client.get(f"/schools/{env.ids['b']}/students", headers=other)
    read = await env.client.get(f"/students/{theirs['id']}", headers=other)
    write = await env.client.patch(f"/students/{theirs['id']}", headers=other, json={"address": "x"})
    create = await env.client.post(
        f"/schools/{env.ids['b']}/students",
        headers=other,
        json={"full_name": "Hà Văn Dũng", "date_of_birth": "2014-01-01", "sex": "nam"},
    )
    assert [r.status_code for r in (listing, read, write, create)] == [403, 403, 403, 403]
    assert read.json()["permission"] == "people.read" and write.json()["permission"] == "people.write"
    denials = await env.audit("access.denied")
    assert [(d["target_type"], d["school_id"], d["details"]["username"]) for d in denials] == [
        ("school", env.ids["b"], "ht.a"),
        ("student", env.ids["b"], "ht.a"),
        ("student", env.ids["b"], "ht.a"),
        ("school", env.ids["b"], "ht.a"),
    ]
    assert await _count_students(env) == 1
    assert (await env.client.get(f"/students/{theirs['id']}", headers=env.principal("b"))).status_code == 200


async def test_personal_data_is_never_public_and_parents_cannot_list_students(env: Env) -> None:
    created = await _student(env, "Hồ Thị Mai")
    assert (await env.client.get(f"/schools/{env.ids['a']}/students")).status_code == 401
    assert (await env.client.get(f"/students/{created['id']}")).status_code == 401
    parent = env.bearer(Role.PARENT, ScopeType.SCHOOL, env.ids["a"])
    assert (await env.client.get(f"/schools/{env.ids['a']}/students", headers=parent)).status_code == 403
    assert (await env.client.get(f"/schools/{env.ids['a']}/staff", headers=parent)).status_code == 403


async def test_homeroom_teacher_edits_their_classs_students_only(env: Env) -> None:
    mine, other = await _class(env, "6A1"), await _class(env, "6A2")
    pupil = await _student(env, "Bùi Văn Long", class_id=mine["id"])
    stranger = await _student(env, "Bùi Văn Hùng", class_id=other["id"])
    homeroom = env.bearer(Role.HOMEROOM_TEACHER, ScopeType.CLASS, mine["id"], username="gvcn")
    ok = await env.client.patch(f"/students/{pupil['id']}", headers=homeroom, json={"ethnicity": "Mường"})
    assert ok.status_code == 200 and ok.json()["ethnicity"] == "Mường"
    assert (
        await env.client.patch(f"/students/{stranger['id']}", headers=homeroom, json={"ethnicity": "Tày"})
    ).status_code == 403
    roster = await env.client.get(f"/classes/{mine['id']}/students", headers=homeroom)
    assert [s["full_name"] for s in roster.json()] == ["Bùi Văn Long"]
    assert (await env.client.get(f"/classes/{other['id']}/students", headers=homeroom)).status_code == 403
    subject_teacher = env.bearer(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{mine['id']}:toan")
    assert (
        await env.client.patch(f"/students/{pupil['id']}", headers=subject_teacher, json={"ethnicity": "Kinh"})
    ).status_code == 403


async def test_changing_class_within_the_year_needs_to_be_asked_for(env: Env) -> None:
    a1, a2 = await _class(env, "6A1"), await _class(env, "6A2")
    pupil = await _student(env, "Đinh Thị Yến")
    url = f"/classes/{a1['id']}/enrollments"
    first = await env.client.post(
        url, headers=env.principal(), json={"student_ids": [pupil["id"]], "starts_on": "2025-09-05"}
    )
    assert first.status_code == 201, first.text
    refused = await env.client.post(
        f"/classes/{a2['id']}/enrollments",
        headers=env.principal(),
        json={"student_ids": [pupil["id"]], "starts_on": "2025-11-01"},
    )
    assert refused.status_code == 409 and refused.json()["value"] == pupil["id"]
    moved = await env.client.post(
        f"/classes/{a2['id']}/enrollments",
        headers=env.principal(),
        json={"student_ids": [pupil["id"]], "starts_on": "2025-11-01", "move_from_current_class": True},
    )
    assert moved.status_code == 201
    detail = (await env.client.get(f"/students/{pupil['id']}", headers=env.principal())).json()
    assert [(e["class_name"], e["status"], e["ends_on"]) for e in detail["enrollments"]] == [
        ("6A2", "active", None),
        ("6A1", "moved", "2025-10-31"),
    ]
    assert (await env.events("student.enrolled"))[-1]["data"]["previous_class_id"] == a1["id"]
    assert (await env.client.get(f"/classes/{a1['id']}", headers=env.principal())).json()["student_count"] == 0
    other_school = await _student(env, "Mai Văn Hậu", school="b")
    foreign = await env.client.post(url, headers=env.principal(), json={"student_ids": [other_school["id"]]})
    assert foreign.status_code == 404 and foreign.json()["field"] == "student_ids"


async def test_guardians_and_consent_of_a_child_of_seven_or_more_need_both(env: Env) -> None:
    pupil = await _student(env, "Lý Thị Hoa")
    mother = await env.client.post(
        f"/students/{pupil['id']}/guardians",
        headers=env.principal(),
        json={"full_name": "Trịnh Thị Nga", "relation": "me", "phone": "0987654321", "occupation": "Giáo viên"},
    )
    assert mother.status_code == 201, mother.text
    url = f"/students/{pupil['id']}/consents"
    by_parent = await env.client.post(
        url,
        headers=env.principal(),
        json={
            "purpose": "education_records",
            "given_by": "guardian",
            "guardian_id": mother.json()["id"],
            "evidence": "Phiếu đồng ý số 12/2025",
        },
    )
    assert by_parent.status_code == 201, by_parent.text
    detail = (await env.client.get(f"/students/{pupil['id']}", headers=env.principal())).json()
    assert detail["consent_complete"]["education_records"] is False
    by_child = await env.client.post(
        url, headers=env.principal(), json={"purpose": "education_records", "given_by": "student"}
    )
    assert by_child.status_code == 201
    detail = (await env.client.get(f"/students/{pupil['id']}", headers=env.principal())).json()
    assert detail["consent_complete"] == {"education_records": True, "parent_contact": False, "photo": False}
    assert [g["full_name"] for g in detail["guardians"]] == ["Trịnh Thị Nga"]
    revoked = await env.client.post(f"{url}/{by_child.json()['id']}/revoke", headers=env.principal())
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    again = await env.client.post(f"{url}/{by_child.json()['id']}/revoke", headers=env.principal())
    assert again.status_code == 409
    events = [e["data"] for e in await env.events("consent.changed")]
    assert [(e["given_by"], e["granted"], e["complete"]) for e in events] == [
        ("guardian", True, False),
        ("student", True, True),
        ("student", False, False),
    ]
    stranger = await env.client.post(
        url, headers=env.principal(), json={"purpose": "photo", "given_by": "guardian", "guardian_id": "nobody"}
    )
    assert stranger.status_code == 422 and stranger.json()["field"] == "guardian_id"
    (linked,) = await env.events("guardian.linked")
    assert linked["data"]["full_name"] == "Trịnh Thị Nga" and "phone" not in linked["data"]
    # Contacts travel in their own event, which only the notifications service consumes.
    (contact,) = await env.events("guardian.contact_changed")
    assert contact["data"]["guardian_id"] == mother.json()["id"] and contact["data"]["phone"] == "0987654321"
    assert [a["action"] for a in await env.audit("student.read")] == ["student.read", "student.read"]


async def test_a_sibling_shares_the_guardian_already_recorded(env: Env) -> None:
    elder, younger = await _student(env, "Lò Văn Sơn"), await _student(env, "Lò Thị Suối", sex="nu")
    father = await env.client.post(
        f"/students/{elder['id']}/guardians",
        headers=env.principal(),
        json={"full_name": "Lò Văn Páo", "relation": "cha"},
    )
    shared = await env.client.post(
        f"/students/{younger['id']}/guardians",
        headers=env.principal(),
        json={"guardian_id": father.json()["id"], "relation": "cha"},
    )
    assert shared.status_code == 201 and shared.json()["id"] == father.json()["id"]
    twice = await env.client.post(
        f"/students/{younger['id']}/guardians",
        headers=env.principal(),
        json={"guardian_id": father.json()["id"], "relation": "cha"},
    )
    assert twice.status_code == 409
