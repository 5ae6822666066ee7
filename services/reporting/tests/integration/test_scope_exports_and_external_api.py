"""Scope of every report, exports (at once and as background jobs), the external /v1 API, the lag endpoint."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from openpyxl import load_workbook

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.testing.province import GeneratedEvent, ProvinceSpec, province_events, recount
from edu_shared.testing.servers import RealServers
from reporting.testing import Reporting, envelopes, reporting_on

# Two communes: schools 0, 2, 4 under xa-0000; 1, 3 under xa-0001.
SPEC = ProvinceSpec(schools=5, students=200, seed=5, communes_per_school=0.4)
YEAR = SPEC.school_year
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def generated() -> list[GeneratedEvent]:
    return list(province_events(SPEC))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fed(
    module_backend: str,
    tmp_path_factory: pytest.TempPathFactory,
    real_servers: RealServers,
    generated: list[GeneratedEvent],
) -> AsyncIterator[Reporting]:
    async with reporting_on(module_backend, tmp_path_factory.mktemp("rp"), real_servers.postgres_url) as reporting:
        await reporting.feed(envelopes(generated))
        yield reporting


async def test_school_admin_reads_its_school_and_not_another(fed: Reporting) -> None:
    mine = await fed.report("enrolment", fed.principal("sch-00000"), school_year=YEAR, school_id="sch-00000")
    assert mine.status_code == 200, mine.text
    other = await fed.report("enrolment", fed.principal("sch-00000"), school_year=YEAR, school_id="sch-00001")
    assert other.status_code == 403
    assert other.headers["content-type"].startswith("application/problem+json")
    province = await fed.report("enrolment", fed.principal("sch-00000"), school_year=YEAR)
    assert province.status_code == 403
    unit = await fed.report("enrolment", fed.principal("sch-00000"), school_year=YEAR, org_unit_id="xa-0000")
    assert unit.status_code == 403


async def test_unit_admin_sees_only_the_schools_of_its_unit(fed: Reporting, generated: list[GeneratedEvent]) -> None:
    truth = recount(generated)
    r = await fed.report(
        "enrolment", fed.unit_admin("xa-0000"), school_year=YEAR, org_unit_id="xa-0000", group="school"
    )
    assert r.status_code == 200, r.text
    assert {row["school_id"] for row in r.json()["rows"]} == {"sch-00000", "sch-00002", "sch-00004"}
    under = {s for s, unit in truth.school_unit.items() if unit == "xa-0000"}
    assert sum(row["students"] for row in r.json()["rows"]) == len(truth.enrolled(under))
    school = await fed.report("enrolment", fed.unit_admin("xa-0000"), school_year=YEAR, school_id="sch-00002")
    assert school.status_code == 200
    outside = await fed.report("enrolment", fed.unit_admin("xa-0000"), school_year=YEAR, school_id="sch-00001")
    assert outside.status_code == 403
    other_unit = await fed.report("staff", fed.unit_admin("xa-0000"), school_year=YEAR, org_unit_id="xa-0001")
    assert other_unit.status_code == 403
    teacher = fed.bearer(Role.SUBJECT_TEACHER, ScopeType.SCHOOL, "sch-00000")
    assert (await fed.report("enrolment", teacher, school_year=YEAR, school_id="sch-00000")).status_code == 403


async def test_bad_parameters_are_problems_naming_the_field(fed: Reporting) -> None:
    r = await fed.report("scores", school_year=YEAR, subject_code="toan", width="2")
    assert r.status_code == 422 and r.json()["field"] == "width"
    r = await fed.report("scores", school_year=YEAR)
    assert r.status_code == 422 and r.json()["field"] == "subject_code"
    r = await fed.report("nope", school_year=YEAR)
    assert r.status_code == 404
    r = await fed.report("quality", school_year=YEAR, group="class")
    assert r.status_code == 422 and r.json()["field"] == "group"


async def test_xlsx_export_is_laid_out_like_the_official_form(fed: Reporting) -> None:
    r = await fed.client.get(
        "/reports/enrolment/export",
        headers=fed.department(),
        params={"school_year": YEAR, "format": "xlsx"},
    )
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    assert sheet["A4"].value == "THỐNG KÊ ĐẦU NĂM HỌC"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in [c.value for c in sheet[1]]
    headings = [c.value for c in sheet[7]]
    assert headings[:4] == ["Cấp học", "Khối", "Số lớp", "Số học sinh"]
    json_rows = (await fed.report("enrolment", school_year=YEAR)).json()["rows"]
    assert sheet.cell(8 + len(json_rows) - 1, 4).value == json_rows[-1]["students"]


async def test_csv_and_pdf_exports(fed: Reporting) -> None:
    params = {"school_year": YEAR, "format": "csv", "subject_code": "toan"}
    r = await fed.client.get("/reports/scores/export", headers=fed.department(), params=params)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["Điểm", "Số lượt điểm", "Tỉ lệ %"] and len(rows) == 22
    r = await fed.client.get(
        "/reports/quality/export", headers=fed.department(), params={"school_year": YEAR, "format": "pdf"}
    )
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = await fed.client.get(
        "/reports/quality/export", headers=fed.department(), params={"school_year": YEAR, "format": "doc"}
    )
    assert r.status_code == 422 and r.json()["field"] == "format"


async def test_background_export_reports_progress_and_a_download_link(fed: Reporting) -> None:
    body = {"report": "quality", "format": "xlsx", "school_year": YEAR, "level": "thcs", "org_unit_id": "xa-0000"}
    r = await fed.client.post("/exports", headers=fed.unit_admin("xa-0000"), json=body)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] in ("queued", "running", "done")
    await asyncio.gather(*fed.service.jobs)
    r = await fed.client.get(f"/exports/{job['id']}", headers=fed.unit_admin("xa-0000"))
    done = r.json()
    assert (done["status"], done["progress"]) == ("done", 100), done
    assert done["download_url"].endswith(f"/exports/{job['id']}/download")
    file = await fed.client.get(f"/exports/{job['id']}/download", headers=fed.unit_admin("xa-0000"))
    assert file.status_code == 200
    sheet = load_workbook(io.BytesIO(file.content)).active
    assert sheet is not None and "CHẤT LƯỢNG" in str(sheet["A4"].value)
    # Someone else cannot see the job; a request outside one's scope is refused before any job exists.
    assert (await fed.client.get(f"/exports/{job['id']}", headers=fed.department())).status_code == 404
    refused = await fed.client.post("/exports", headers=fed.unit_admin("xa-0001"), json=body)
    assert refused.status_code == 403


async def test_external_api_pages_and_filters_by_date_last_modified(
    fed: Reporting, generated: list[GeneratedEvent]
) -> None:
    truth = recount(generated)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 7, "school_year": YEAR}
        if cursor:
            params["cursor"] = cursor
        r = await fed.client.get("/v1/classes", headers=fed.department(), params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        seen += [c["id"] for c in page["items"]]
        assert all("dateLastModified" in c for c in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(truth.classes) and len(seen) == len(set(seen))
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    r = await fed.client.get("/v1/schools", headers=fed.department(), params={"dateLastModified": future})
    assert r.json() == {"items": [], "next_cursor": None}
    r = await fed.client.get("/v1/schools", headers=fed.unit_admin("xa-0001"), params={"org_unit_id": "xa-0001"})
    assert {s["id"] for s in r.json()["items"]} == {"sch-00001", "sch-00003"}
    r = await fed.client.get(
        "/v1/results", headers=fed.principal("sch-00001"), params={"school_id": "sch-00001", "limit": 1000}
    )
    results = r.json()["items"]
    assert len(results) == sum(1 for c, _ in truth.results if truth.classes[c].school_id == "sch-00001")
    assert (await fed.client.get("/v1/results", headers=fed.principal("sch-00001"))).status_code == 403
    r = await fed.client.get("/v1/classes", headers=fed.department(), params={"cursor": "!!"})
    assert r.status_code == 422 and r.json()["field"] == "cursor"
