"""Bulk import through HTTP on identity's migrated database (SQLite, and PostgreSQL in CI).

A file is checked whole before anything is written: bad rows are listed (row, column, value, reason) and,
unless the user asked for the valid rows only, nothing is written. An import writes the same audit entries and
events as registering one record at a time, and one audit entry for the file.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.contracts.identity import OrgUnitKind, SchoolLevel
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from edu_shared.testing.tokens import user_with
from identity.adapters import orm
from identity.adapters.orm_people import guardians as guardians_table
from identity.adapters.orm_people import homeroom_assignments as homerooms_table
from identity.adapters.orm_people import staff as staff_table
from identity.adapters.orm_people import students as students_table
from identity.adapters.orm_people import teaching_assignments as teaching_table
from identity.adapters.spreadsheets import XLSX_MEDIA_TYPE, write_xlsx
from identity.bootstrap import IdentityService, build, create_app
from identity.config import IdentitySettings
from identity.domain.imports import SCHOOL_SHEET, STAFF_SHEET, STUDENT_SHEET, TEACHING_SHEET
from identity.domain.structure import Semester
from identity.service_layer import handlers
from identity.service_layer import structure as structure_handlers

YEAR = "2025-2026"
HEADERS = [c.header for c in STUDENT_SHEET.columns]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Minh", "Nam"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Đức"]
# Three bad rows among fifty: (spreadsheet row, column, value).
BAD = {7: ("Ngày sinh", "31/02/2013"), 20: ("Giới tính", "Nam giới"), 41: ("Số điện thoại", "12345")}


@dataclass
class Env:
    service: IdentityService
    client: httpx.AsyncClient
    ids: dict[str, str]

    def principal(self, school: str = "a") -> dict[str, str]:
        user = user_with(Role.PRINCIPAL, ScopeType.SCHOOL, self.ids[school], username=f"ht.{school}")
        return {"Authorization": f"Bearer {self.service.issue_access_token(user)}"}

    def unit_admin(self, unit: str) -> dict[str, str]:
        user = user_with(Role.UNIT_ADMIN, ScopeType.ORG_UNIT, self.ids[unit], username=f"qt.{unit}")
        return {"Authorization": f"Bearer {self.service.issue_access_token(user)}"}

    async def upload_schools(
        self, data: bytes, *, unit: str = "so", as_unit: str | None = None, **params: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/org-units/{self.ids[unit]}/imports/schools",
            headers=self.unit_admin(as_unit or unit),
            params=params,
            files={"file": ("truong.xlsx", data, XLSX_MEDIA_TYPE)},
        )

    async def count(self, table: sa.Table) -> int:
        async with self.service.runtime.engine.connect() as conn:
            return int(await conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0)

    async def events(self, type_suffix: str) -> list[dict[str, Any]]:
        outbox = orm.messaging.outbox
        async with self.service.runtime.engine.connect() as conn:
            rows = await conn.execute(sa.select(outbox.c.envelope).where(outbox.c.event_type.like(f"%{type_suffix}%")))
            return [json.loads(r.envelope) for r in rows]

    async def audit(self, action: str) -> list[dict[str, Any]]:
        async with self.service.uow() as uow:
            return list(await uow.audit.query(action=action))

    async def upload(
        self, data: bytes, *, filename: str = "hoc-sinh.xlsx", kind: str = "students", school: str = "a", **params: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/schools/{self.ids[school]}/imports/{kind}",
            headers=self.principal(school),
            params=params,
            files={"file": (filename, data, XLSX_MEDIA_TYPE)},
        )


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
                e = Env(service=service, client=c, ids=await _schools(service))
                r = await c.post(
                    f"/schools/{e.ids['a']}/classes",
                    headers=e.principal(),
                    json={"school_year": YEAR, "grade": 6, "name": "6A1"},
                )
                assert r.status_code == 201, r.text
                e.ids["6A1"] = r.json()["id"]
                yield e
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


async def _schools(service: IdentityService) -> dict[str, str]:
    """Two THCS schools (a, b) of one department, the 2025-2026 year and the catalogue."""
    so = await handlers.register_org_unit(
        handlers.RegisterOrgUnit(code="so-gddt", name="Sở", kind=OrgUnitKind.DEPARTMENT, parent_id=None, actor="t"),
        service.uow(),
    )
    ids = {"so": so.id}
    for key in ("a", "b"):
        unit = await handlers.register_org_unit(
            handlers.RegisterOrgUnit(code=f"xa-{key}", name=key, kind=OrgUnitKind.COMMUNE, parent_id=so.id, actor="t"),
            service.uow(),
        )
        ids[f"xa-{key}"] = unit.id
        school = await handlers.register_school(
            handlers.RegisterSchool(
                org_unit_id=unit.id, moet_code=f"thcs{key}", name=key, levels=(SchoolLevel.LOWER_SECONDARY,), actor="t"
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


def student_rows(n: int, *, bad: dict[int, tuple[str, str]] | None = None) -> list[list[str]]:
    """n distinct students of class 6A1, each with a parent; `bad` spoils one cell of some spreadsheet rows."""
    rows = []
    for i in range(n):
        born = date(2013, 1, 1) + timedelta(days=i)
        cells = {
            "Họ và tên": f"Nguyễn {MIDDLE[i // 10 % 5]} {GIVEN[i % 10]}",
            "Ngày sinh": born.strftime("%d/%m/%Y"),
            "Giới tính": "Nam",
            "Dân tộc": "Kinh",
            "Lớp": "6A1",
            "Họ tên cha/mẹ/người giám hộ": f"Nguyễn Văn Cha{chr(97 + i % 26)}",
            "Quan hệ": "Cha",
            "Số điện thoại": f"09{i:08d}",
        }
        if bad and i + 2 in bad:
            column, value = bad[i + 2]
            cells[column] = value
        rows.append([cells.get(h, "") for h in HEADERS])
    return rows


def csv_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    lines = [",".join(headers)] + [",".join(r) for r in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


async def test_a_file_with_three_bad_rows_is_refused_whole_listing_each_error(env: Env) -> None:
    data = write_xlsx(HEADERS, student_rows(50, bad=BAD))
    r = await env.upload(data)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("/import-rejected")
    assert (body["total_rows"], body["valid_rows"], body["imported"]) == (50, 47, 0)
    assert [(e["row"], e["column"], e["value"]) for e in body["errors"]] == [
        (row, column, value) for row, (column, value) in BAD.items()
    ]
    assert all(e["message"] for e in body["errors"])
    assert await env.count(students_table) == 0
    assert await env.count(guardians_table) == 0
    assert await env.events("student.registered") == []
    (audited,) = await env.audit("import.students")
    assert audited["outcome"] == "failure"
    assert audited["details"]["sha256"] == hashlib.sha256(data).hexdigest()


async def test_valid_rows_only_imports_the_good_rows_and_reports_the_bad(env: Env) -> None:
    data = write_xlsx(HEADERS, student_rows(50, bad=BAD))
    r = await env.upload(data, mode="valid_rows_only")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["total_rows"], body["valid_rows"], body["imported"]) == (50, 47, 47)
    assert [e["row"] for e in body["errors"]] == list(BAD)
    assert await env.count(students_table) == 47
    assert len(await env.events("student.registered")) == 47
    assert len(await env.events("student.enrolled")) == 47
    assert len(await env.events("guardian.linked")) == 47
    assert len(await env.audit("student.register")) == 47
    roster = await env.client.get(f"/classes/{env.ids['6A1']}/students", headers=env.principal())
    assert roster.status_code == 200, roster.text
    (audited,) = await env.audit("import.students")
    assert audited["details"]["file_name"] == "hoc-sinh.xlsx"
    assert (audited["details"]["imported"], audited["details"]["error_rows"]) == (47, 3)


async def test_a_csv_in_utf8_with_a_byte_order_mark_imports(env: Env) -> None:
    r = await env.upload(csv_bytes(HEADERS, student_rows(5)), filename="hoc-sinh.csv")
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 5
    assert await env.count(students_table) == 5


async def test_a_dry_run_reports_without_writing(env: Env) -> None:
    r = await env.upload(write_xlsx(HEADERS, student_rows(10, bad={3: ("Giới tính", "?")})), dry_run="true")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["dry_run"], body["valid_rows"], body["imported"]) == (True, 9, 0)
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "Giới tính")]
    assert await env.count(students_table) == 0
    assert await env.audit("import.students") == []


async def test_identifiers_and_classes_are_checked_against_the_school_records(env: Env) -> None:
    first = student_rows(1)
    first[0][HEADERS.index("Số CCCD/Mã định danh")] = "001213004567"
    assert (await env.upload(write_xlsx(HEADERS, first))).status_code == 200
    again = student_rows(3)[1:]
    again[0][HEADERS.index("Số CCCD/Mã định danh")] = "001213004567"
    again[1][HEADERS.index("Lớp")] = "9Z9"
    r = await env.upload(write_xlsx(HEADERS, again))
    assert r.status_code == 422, r.text
    assert [(e["row"], e["column"], e["message"]) for e in r.json()["errors"]] == [
        (2, "Số CCCD/Mã định danh", "Số CCCD 001213004567 đã thuộc về một học sinh khác."),
        (3, "Lớp", "Trường không có lớp 9Z9."),
    ]


async def test_a_file_that_is_not_a_spreadsheet_is_a_problem(env: Env) -> None:
    r = await env.upload(b"PK\x03\x04 broken", filename="hoc-sinh.xlsx")
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("/unreadable-spreadsheet")
    r = await env.upload("Họ và tên\n".encode("utf-16"), filename="hoc-sinh.csv")
    assert r.status_code == 422
    assert "UTF-8" in r.json()["detail"]
    assert await env.count(students_table) == 0


async def test_a_principal_cannot_import_into_another_school(env: Env) -> None:
    r = await env.client.post(
        f"/schools/{env.ids['b']}/imports/students",
        headers=env.principal("a"),
        files={"file": ("hs.xlsx", write_xlsx(HEADERS, student_rows(2)), XLSX_MEDIA_TYPE)},
    )
    assert r.status_code == 403, r.text
    template = await env.client.get(
        f"/schools/{env.ids['b']}/imports/templates/students.xlsx", headers=env.principal("a")
    )
    assert template.status_code == 403
    assert await env.count(students_table) == 0


async def test_the_downloaded_template_filled_in_and_uploaded_round_trips(env: Env) -> None:
    r = await env.client.get(f"/schools/{env.ids['a']}/imports/templates/students.xlsx", headers=env.principal())
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX_MEDIA_TYPE
    book = load_workbook(io.BytesIO(r.content))
    sheet = book.worksheets[0]
    for row in student_rows(2):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    r = await env.upload(out.getvalue(), filename="mau-nhap-students.xlsx")
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 2
    assert await env.count(students_table) == 2


async def test_staff_import_registers_each_member_and_refuses_people_already_on_record(env: Env) -> None:
    headers = [c.header for c in STAFF_SHEET.columns]
    rows = [
        ["Trần Thị Hoa", "Giáo viên", "Tổ Toán", "12/03/1985", "Nữ", "0987654321", "hoa@example.edu.vn"],
        ["Lê Văn Nam", "Kế toán", "", "", "Nam", "", ""],
    ]
    r = await env.upload(write_xlsx(headers, rows), kind="staff", filename="can-bo.xlsx")
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 2
    assert len(await env.events("staff.registered")) == 2
    r = await env.upload(write_xlsx(headers, rows[:1]), kind="staff", filename="can-bo.xlsx")
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"] == "Trường đã có cán bộ cùng họ tên và ngày sinh."
    assert await env.count(staff_table) == 2


async def test_classes_import_opens_each_class_with_its_subjects_or_lists_every_problem(env: Env) -> None:
    headers = ["Năm học", "Khối", "Tên lớp"]
    bad = [[YEAR, "6", "6A1"], [YEAR, "10", "10A1"], ["2030-2031", "7", "7A1"], [YEAR, "7", "6A3"]]
    r = await env.upload(write_xlsx(headers, [[YEAR, "6", "6A2"], *bad]), kind="classes", filename="lop.xlsx")
    assert r.status_code == 422, r.text
    assert [(e["row"], e["column"], e["value"]) for e in r.json()["errors"]] == [
        (3, "Tên lớp", "6A1"),
        (4, "Khối", "10"),
        (5, "Năm học", "2030-2031"),
        (6, "Tên lớp", "6A3"),
    ]
    assert r.json()["errors"][0]["message"] == f"Trường đã có lớp 6A1 trong năm học {YEAR}."
    r = await env.upload(write_xlsx(headers, [[YEAR, "6", "6A2"], [YEAR, "Khối 7", "7A1"]]), kind="classes")
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 2
    opened = await env.events("class.opened")
    assert {e["data"]["name"] for e in opened} >= {"6A2", "7A1"}
    listed = await env.client.get(f"/schools/{env.ids['a']}/classes", headers=env.principal(), params={"year": YEAR})
    assert {c["name"] for c in listed.json()} == {"6A1", "6A2", "7A1"}


SCHOOL_HEADERS = [c.header for c in SCHOOL_SHEET.columns]
# Three bad rows among ten: a code the API refuses, a level that does not exist, a code already registered.
BAD_SCHOOLS = {4: ("Mã trường", "THCS Số 3"), 7: ("Cấp học", "Đại học"), 10: ("Mã trường", "thcsa")}


def school_rows(n: int, *, bad: dict[int, tuple[str, str]] | None = None) -> list[list[str]]:
    """n new schools of commune a; `bad` spoils one cell of some spreadsheet rows."""
    rows = []
    for i in range(n):
        cells = {
            "Mã trường": f"thmoi{i}",
            "Tên trường": f"Trường Tiểu học Mới số {i}",
            "Cấp học": "Tiểu học, THCS" if i % 2 else "Tiểu học",
            "Đơn vị quản lý (mã)": "xa-a",
        }
        if bad and i + 2 in bad:
            column, value = bad[i + 2]
            cells[column] = value
        rows.append([cells[h] for h in SCHOOL_HEADERS])
    return rows


async def test_a_schools_file_with_three_bad_rows_is_refused_whole(env: Env) -> None:
    before = await env.count(orm.schools)
    r = await env.upload_schools(write_xlsx(SCHOOL_HEADERS, school_rows(10, bad=BAD_SCHOOLS)))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"].endswith("/import-rejected")
    assert (body["total_rows"], body["valid_rows"], body["imported"]) == (10, 7, 0)
    assert [(e["row"], e["column"], e["value"]) for e in body["errors"]] == [
        (row, column, value) for row, (column, value) in BAD_SCHOOLS.items()
    ]
    assert body["errors"][2]["message"] == "Mã trường 'thcsa' đã được dùng."
    assert await env.count(orm.schools) == before
    (audited,) = await env.audit("import.schools")
    assert audited["outcome"] == "failure" and audited["org_unit_id"] == env.ids["so"]


async def test_valid_schools_only_registers_the_good_rows_like_one_at_a_time(env: Env) -> None:
    before = await env.count(orm.schools)
    r = await env.upload_schools(write_xlsx(SCHOOL_HEADERS, school_rows(10, bad=BAD_SCHOOLS)), mode="valid_rows_only")
    assert r.status_code == 200, r.text
    assert (r.json()["imported"], [e["row"] for e in r.json()["errors"]]) == (7, list(BAD_SCHOOLS))
    assert await env.count(orm.schools) == before + 7
    registered = [e["data"] for e in await env.events("school.registered") if e["data"]["moet_code"] != "thcsa"]
    assert len([e for e in registered if e["moet_code"].startswith("thmoi")]) == 7
    assert {e["org_unit_id"] for e in registered if e["moet_code"].startswith("thmoi")} == {env.ids["xa-a"]}
    assert next(e for e in registered if e["moet_code"] == "thmoi1")["levels"] == ["tieu_hoc", "thcs"]
    assert len(await env.audit("school.register")) == 2 + 7
    listed = await env.client.get("/schools", params={"org_unit_id": env.ids["xa-a"]})
    assert len(listed.json()) == 1 + 7


async def test_a_commune_imports_only_schools_of_its_own_units(env: Env) -> None:
    rows = school_rows(2)
    rows[1][SCHOOL_HEADERS.index("Đơn vị quản lý (mã)")] = "xa-b"
    r = await env.upload_schools(write_xlsx(SCHOOL_HEADERS, rows), unit="xa-a")
    assert r.status_code == 422, r.text
    assert [(e["row"], e["column"], e["value"]) for e in r.json()["errors"]] == [(3, "Đơn vị quản lý (mã)", "xa-b")]
    r = await env.upload_schools(write_xlsx(SCHOOL_HEADERS, school_rows(2)), unit="xa-b", as_unit="xa-a")
    assert r.status_code == 403, r.text
    template = await env.client.get(
        f"/org-units/{env.ids['xa-b']}/imports/templates/schools.xlsx", headers=env.unit_admin("xa-a")
    )
    assert template.status_code == 403
    principal = await env.client.post(
        f"/org-units/{env.ids['xa-a']}/imports/schools",
        headers=env.principal("a"),
        files={"file": ("truong.xlsx", write_xlsx(SCHOOL_HEADERS, school_rows(1)), XLSX_MEDIA_TYPE)},
    )
    assert principal.status_code == 403
    assert len(await env.events("school.registered")) == 2


async def test_the_schools_template_round_trips_and_the_unit_in_the_url_is_the_default(env: Env) -> None:
    r = await env.client.get(
        f"/org-units/{env.ids['xa-a']}/imports/templates/schools.xlsx", headers=env.unit_admin("xa-a")
    )
    assert r.status_code == 200, r.text
    sheet = (book := load_workbook(io.BytesIO(r.content))).worksheets[0]
    assert [c.value for c in sheet[1]] == SCHOOL_HEADERS
    sheet.append(["mnhoalac", "Trường Mầm non Hòa Lạc", "Mầm non", None])
    out = io.BytesIO()
    book.save(out)
    r = await env.upload_schools(out.getvalue(), unit="xa-a")
    assert r.status_code == 200, r.text
    (school,) = [s for s in (await env.client.get("/schools")).json() if s["moet_code"] == "mnhoalac"]
    assert (school["org_unit_id"], school["levels"]) == (env.ids["xa-a"], ["mam_non"])


TEACHING_HEADERS = ["Lớp", "Môn", "Giáo viên", "Chủ nhiệm", "Học kỳ"]
# Three bad rows among eight: an ambiguous name, a subject 6A1 does not study, a class the school does not have.
TEACHING_ROWS = [
    ["6A1", "Toán", "Trần Thị Hoa", "x", ""],
    ["6A1", "Ngữ văn", "Lê Văn Nam", "", ""],
    ["6A1", "khtn", "an1@example.edu.vn", "", ""],
    ["6A1", "Tin học", "nguyễn văn an", "", ""],
    ["6A1", "Hóa học", "Lê Văn Nam", "", ""],
    ["9Z9", "Toán", "Trần Thị Hoa", "", ""],
    ["6A1", "Lịch sử và Địa lí", "0987654321", "", ""],
    ["6A1", "Giáo dục công dân", "an2@example.edu.vn", "", "1"],
]
BAD_TEACHING = {5: "Giáo viên", 6: "Môn", 7: "Lớp"}


async def _teachers(env: Env) -> None:
    headers = [c.header for c in STAFF_SHEET.columns]
    rows = [
        ["Trần Thị Hoa", "Giáo viên", "", "12/03/1985", "Nữ", "0987654321", "hoa@example.edu.vn"],
        ["Lê Văn Nam", "Giáo viên", "", "", "Nam", "", ""],
        ["Nguyễn Văn An", "Giáo viên", "", "01/01/1980", "Nam", "", "an1@example.edu.vn"],
        ["Nguyễn Văn An", "Giáo viên", "", "01/01/1990", "Nam", "", "an2@example.edu.vn"],
    ]
    r = await env.upload(write_xlsx(headers, rows), kind="staff", filename="can-bo.xlsx")
    assert r.status_code == 200, r.text


async def test_a_teaching_file_with_three_bad_rows_is_refused_whole(env: Env) -> None:
    await _teachers(env)
    r = await env.upload(write_xlsx(TEACHING_HEADERS, TEACHING_ROWS), kind="teaching_assignments")
    assert r.status_code == 422, r.text
    body = r.json()
    assert (body["total_rows"], body["valid_rows"], body["imported"]) == (8, 5, 0)
    assert [(e["row"], e["column"]) for e in body["errors"]] == list(BAD_TEACHING.items())
    assert body["errors"][0]["message"].startswith("Trường có 2 cán bộ tên Nguyễn Văn An")
    assert body["errors"][1]["message"] == "Lớp 6A1 không học môn 'Hóa học'."
    assert await env.count(teaching_table) == 0
    assert await env.count(homerooms_table) == 0
    assert await env.events("teaching.assigned") == []


async def test_valid_teaching_rows_only_assigns_like_the_single_record_handlers(env: Env) -> None:
    await _teachers(env)
    r = await env.upload(
        write_xlsx(TEACHING_HEADERS, TEACHING_ROWS), kind="teaching_assignments", mode="valid_rows_only"
    )
    assert r.status_code == 200, r.text
    assert (r.json()["imported"], [e["row"] for e in r.json()["errors"]]) == (5, list(BAD_TEACHING))
    assigned = [e["data"] for e in await env.events("teaching.assigned")]
    assert sorted((a["subject_code"], a["semester"]) for a in assigned) == [
        ("gdcd", 1),
        ("khtn", None),
        ("lich_su_dia_li", None),
        ("ngu_van", None),
        ("toan", None),
    ]
    assert len(await env.audit("teaching.assign")) == 5
    (homeroom,) = await env.events("homeroom.assigned")
    detail = (await env.client.get(f"/classes/{env.ids['6A1']}", headers=env.principal())).json()
    assert detail["homeroom"]["staff"] == {"id": homeroom["data"]["staff_id"], "full_name": "Trần Thị Hoa"}
    assert len(detail["teaching_assignments"]) == 5
    (audited,) = await env.audit("import.teaching_assignments")
    assert audited["details"]["imported"] == 5
    again = await env.upload(write_xlsx(TEACHING_HEADERS, TEACHING_ROWS[:1]), kind="teaching_assignments")
    assert again.status_code == 422
    assert (
        again.json()["errors"][0]["message"] == "Cán bộ Trần Thị Hoa đã được phân công dạy môn 'toan' lớp 6A1 cả năm."
    )


async def test_the_teaching_template_round_trips_and_other_schools_are_out_of_scope(env: Env) -> None:
    await _teachers(env)
    r = await env.client.get(
        f"/schools/{env.ids['a']}/imports/templates/teaching_assignments.xlsx", headers=env.principal()
    )
    assert r.status_code == 200, r.text
    sheet = (book := load_workbook(io.BytesIO(r.content))).worksheets[0]
    assert [c.value for c in sheet[1]] == [c.header for c in TEACHING_SHEET.columns]
    sheet.append(["6A1", "", "Lê Văn Nam", "có", "", YEAR])
    out = io.BytesIO()
    book.save(out)
    r = await env.upload(out.getvalue(), kind="teaching_assignments")
    assert r.status_code == 200, r.text
    assert await env.count(homerooms_table) == 1
    denied = await env.client.post(
        f"/schools/{env.ids['b']}/imports/teaching_assignments",
        headers=env.principal("a"),
        files={"file": ("pc.xlsx", write_xlsx(TEACHING_HEADERS, TEACHING_ROWS[:1]), XLSX_MEDIA_TYPE)},
    )
    assert denied.status_code == 403
    wrong_kind = await env.client.get(
        f"/schools/{env.ids['a']}/imports/templates/schools.xlsx", headers=env.principal()
    )
    assert wrong_kind.status_code == 422
