"""A primary class (Thông tư 27) through HTTP: its sheets, entry checks, and the year-end approval.

Grade 4A studies Tiếng Việt and Toán (levels, mid- and end-of-semester tests) and Đạo đức (levels only). Three
pupils end the year three ways: Anh Hoàn thành xuất sắc (Học sinh Xuất sắc), Bình Hoàn thành, Dũng Chưa hoàn
thành in Toán, who fails the summer's supplementary evaluation too and stays in grade 4.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.contracts.identity import SchoolLevel, SchoolRegistered
from edu_shared.contracts.identity_people import CatalogueSubject
from edu_shared.events.registry import EventPayload
from edu_shared.testing.servers import RealServers
from gradebook.testing import (
    SCHOOL,
    STUDENTS,
    YEAR_ID,
    Gradebook,
    class_opened,
    gradebook_on,
    student_enrolled,
    student_registered,
)

C4A = "cls-4a"
SUBJECTS = [
    CatalogueSubject(code="tieng_viet", name="Tiếng Việt", periods_per_year=245, assessment="scored"),
    CatalogueSubject(code="toan", name="Toán", periods_per_year=175, assessment="scored"),
    CatalogueSubject(code="dao_duc", name="Đạo đức", periods_per_year=35, assessment="comment"),
]
# Per pupil: the level of every subject and its test score (Dũng: Toán C and 4 at the end of the year).
LEVELS = {"st-2": "Hoàn thành tốt", "st-3": "H", "st-1": "h"}
TESTS = {"st-2": "10", "st-3": 7, "st-1": "6"}
QUALITIES = ("yeu_nuoc", "nhan_ai", "cham_chi", "trung_thuc", "trach_nhiem")
COMPETENCES = ("tu_chu_tu_hoc", "giao_tiep_hop_tac", "giai_quyet_van_de_sang_tao")
RATED = {"st-2": "Tốt", "st-3": "Đạt", "st-1": "Đạt"}


async def primary_school(gb: Gradebook) -> None:
    events: list[EventPayload] = [
        SchoolRegistered(
            school_id=SCHOOL, org_unit_id="xa-a", moet_code="tha", name="Trường TH A", levels=[SchoolLevel.PRIMARY]
        )
    ]
    events += class_opened(C4A, "4A", grade=4, subjects=SUBJECTS)
    for sid, family, middle, given in STUDENTS:
        events += [student_registered(sid, family, middle, given), student_enrolled(sid, C4A)]
    await gb.publish(*events)


@pytest.fixture
async def gradebook(backend: str, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[Gradebook]:
    async with gradebook_on(backend, tmp_path, real_servers.postgres_url, seed=primary_school) as gb:
        yield gb


def teacher(gb: Gradebook, subject: str) -> dict[str, str]:
    return gb.bearer(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{C4A}:{subject}", username=f"gv.{subject}")


def homeroom(gb: Gradebook) -> dict[str, str]:
    return gb.bearer(Role.HOMEROOM_TEACHER, ScopeType.CLASS, C4A, username="gvcn.4a")


def sheet_url(subject: str, semester: int) -> str:
    return f"/classes/{C4A}/subjects/{subject}/semesters/{semester}/scores"


async def put(gb: Gradebook, subject: str, semester: int, cells: list[tuple[str, str, Any]]) -> dict[str, Any]:
    r = await gb.client.put(
        sheet_url(subject, semester),
        headers=teacher(gb, subject),
        json={"entries": [{"student_id": s, "column": c, "value": v} for s, c, v in cells]},
    )
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


async def enter_semester(gb: Gradebook, semester: int) -> None:
    for subject in ("tieng_viet", "toan"):
        cells: list[tuple[str, str, Any]] = []
        for sid in LEVELS:
            failing = sid == "st-1" and subject == "toan" and semester == 2
            cells += [
                (sid, "GK", LEVELS[sid]),
                (sid, "KTGK", TESTS[sid]),
                (sid, "CK", "C" if failing else LEVELS[sid]),
                (sid, "KTCK", "4" if failing else TESTS[sid]),
            ]
        await put(gb, subject, semester, cells)
    await put(gb, "dao_duc", semester, [(sid, column, "T") for sid in LEVELS for column in ("GK", "CK")])


async def rate(gb: Gradebook, semester: int) -> None:
    entries = [
        {
            "student_id": sid,
            "qualities": dict.fromkeys(QUALITIES, level),
            "competences": dict.fromkeys(COMPETENCES, level),
        }
        for sid, level in RATED.items()
    ]
    r = await gb.client.put(
        f"/classes/{C4A}/conduct/semesters/{semester}",
        headers=homeroom(gb),
        json={"stage": "end", "entries": entries},
    )
    assert r.status_code == 200, r.text


async def submit(gb: Gradebook, period: str) -> dict[str, Any]:
    r = await gb.client.post(f"/classes/{C4A}/results/{period}/submit", headers=homeroom(gb))
    assert r.status_code == 201, r.text
    found: dict[str, Any] = r.json()
    return found


async def approve(gb: Gradebook, approval_id: str) -> None:
    r = await gb.client.post(f"/result-approvals/{approval_id}/approve", headers=gb.principal(), json={})
    assert r.status_code == 200, r.text


async def outbox(gb: Gradebook, event_type: str) -> list[dict[str, Any]]:
    t = gb.service.runtime.messaging.outbox
    async with gb.service.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.c.envelope).where(t.c.event_type == event_type).order_by(t.c.seq))).all()
    return [json.loads(r.envelope)["data"] for r in rows]


async def test_primary_sheets_show_levels_and_the_tests_of_the_subject(gradebook: Gradebook) -> None:
    toan = (await gradebook.client.get(sheet_url("toan", 1), headers=teacher(gradebook, "toan"))).json()
    assert toan["rule_set"] == "TT27/2020"
    assert toan["columns"] == ["GK", "KTGK", "CK", "KTCK"]
    assert [(c["code"], c["accepts"]) for c in toan["column_specs"]] == [
        ("GK", "level"),
        ("KTGK", "test"),
        ("CK", "level"),
        ("KTCK", "test"),
    ]
    dao_duc = (await gradebook.client.get(sheet_url("dao_duc", 2), headers=teacher(gradebook, "dao_duc"))).json()
    assert dao_duc["columns"] == ["GK", "CK"]
    assert dao_duc["column_specs"][1]["label"] == "Mức đạt được cuối năm học"

    saved = await put(
        gradebook, "toan", 1, [("st-1", "CK", "hoàn thành tốt"), ("st-1", "KTCK", "8"), ("st-2", "GK", "c")]
    )
    assert sorted((c["column"], c["new"]) for c in saved["changes"]) == [("CK", "T"), ("GK", "C"), ("KTCK", "8")]
    rows = {r["student_id"]: r for r in saved["sheet"]["students"]}
    assert rows["st-1"]["values"] == {"GK": None, "KTGK": None, "CK": "T", "KTCK": "8"}
    assert (rows["st-1"]["level"], rows["st-1"]["test_score"], rows["st-1"]["average"]) == ("T", 8, None)
    assert (rows["st-2"]["level"], rows["st-2"]["test_score"]) == (None, None)
    # A test score read back from the database is the same 8: saving it again changes nothing.
    again = await put(gradebook, "toan", 1, [("st-1", "KTCK", 8)])
    assert again["changes"] == [] and again["sheet"]["version"] == saved["sheet"]["version"]


async def test_bad_primary_entries_are_all_named_and_nothing_is_saved(gradebook: Gradebook) -> None:
    r = await gradebook.client.put(
        sheet_url("toan", 1),
        headers=teacher(gradebook, "toan"),
        json={
            "entries": [
                {"student_id": "st-1", "column": "KTCK", "value": "0"},
                {"student_id": "st-2", "column": "KTCK", "value": 7.5},
                {"student_id": "st-3", "column": "CK", "value": "A"},
                {"student_id": "st-3", "column": "TX1", "value": "8"},
                {"student_id": "st-2", "column": "CK", "value": "T"},
            ]
        },
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert [(e["student_id"], e["column"], e["value"]) for e in problem["errors"]] == [
        ("st-1", "KTCK", "0"),
        ("st-2", "KTCK", "7.5"),
        ("st-3", "CK", "A"),
        ("st-3", "TX1", "8"),
    ]
    assert "Trần Văn Dũng" in problem["detail"] and "KTCK" in problem["detail"] and "'0'" in problem["detail"]
    assert "Lê Thanh Bình" in problem["errors"][2]["message"] and "'A'" in problem["errors"][2]["message"]
    dao_duc = await gradebook.client.put(
        sheet_url("dao_duc", 1),
        headers=teacher(gradebook, "dao_duc"),
        json={"entries": [{"student_id": "st-1", "column": "KTCK", "value": "9"}]},
    )
    assert dao_duc.status_code == 422 and dao_duc.json()["errors"][0]["column"] == "KTCK"
    sheet = (await gradebook.client.get(sheet_url("toan", 1), headers=teacher(gradebook, "toan"))).json()
    assert sheet["version"] == 0 and all(v is None for row in sheet["students"] for v in row["values"].values())


async def test_primary_results_are_approved_and_announced_through_the_summer_round(gradebook: Gradebook) -> None:
    preview = (await gradebook.client.get(f"/classes/{C4A}/results/hk1", headers=homeroom(gradebook))).json()
    assert preview["complete"] is False
    assert "Nguyễn Thị Anh: môn Toán học kì 1 thiếu GK, KTGK, CK, KTCK" in preview["missing"]
    assert "Nguyễn Thị Anh: môn Đạo đức học kì 1 thiếu GK, CK" in preview["missing"]
    assert "Nguyễn Thị Anh: chưa đánh giá phẩm chất, năng lực cuối học kì 1" in preview["missing"]

    await enter_semester(gradebook, 1)
    await rate(gradebook, 1)
    hk1 = await submit(gradebook, "hk1")
    await approve(gradebook, hk1["id"])
    (event,) = await outbox(gradebook, "vn.edurecords.gradebook.results.approved.v1")
    anh = next(s for s in event["students"] if s["student_id"] == "st-2")
    assert anh["rule_set"] == "tt27" and anh["learning"] == {} and anh["training"] == {}
    assert [(s["code"], s["hk1"], s["tests"]) for s in anh["subjects"]] == [
        ("dao_duc", "T", None),
        ("tieng_viet", "T", {"hk1": 10}),
        ("toan", "T", {"hk1": 10}),
    ]
    assert anh["qualities"]["yeu_nuoc"] == {"hk1": "Tốt"}
    assert anh["competences"]["tu_chu_tu_hoc"] == {"hk1": "Tốt"}
    # Semester I is closed for entry now.
    closed = await gradebook.client.put(
        sheet_url("toan", 1),
        headers=teacher(gradebook, "toan"),
        json={"entries": [{"student_id": "st-1", "column": "KTCK", "value": "9"}]},
    )
    assert closed.status_code == 409
    # A correction request after the lock is checked by the layout, and names the old test score as entered.
    fix = {"class_id": C4A, "subject_code": "toan", "semester": 1, "student_id": "st-2", "column": "KTCK"}
    bad_fix = await gradebook.client.post(
        "/corrections", headers=teacher(gradebook, "toan"), json={**fix, "value": "0", "reason": "Chấm nhầm"}
    )
    assert bad_fix.status_code == 422 and "Nguyễn Thị Anh" in bad_fix.json()["detail"]
    requested = await gradebook.client.post(
        "/corrections", headers=teacher(gradebook, "toan"), json={**fix, "value": 9, "reason": "Chấm nhầm"}
    )
    assert requested.status_code == 201, requested.text
    assert (requested.json()["old_value"], requested.json()["new_value"]) == ("10", "9")

    await enter_semester(gradebook, 2)
    await rate(gradebook, 2)
    await approve(gradebook, (await submit(gradebook, "hk2"))["id"])

    year = (await gradebook.client.get(f"/classes/{C4A}/results/year", headers=homeroom(gradebook))).json()
    assert year["complete"] is True, year["missing"]
    rows = {r["student_id"]: r for r in year["students"]}
    assert rows["st-2"]["result"] == {"hk1": "hoan_thanh_xuat_sac", "year": "hoan_thanh_xuat_sac"}
    assert (rows["st-2"]["outcome"], rows["st-2"]["award"], rows["st-2"]["award_label"]) == (
        "len_lop",
        "xuat_sac",
        "Học sinh Xuất sắc",
    )
    assert (rows["st-3"]["result"]["year"], rows["st-3"]["outcome"], rows["st-3"]["award"]) == (
        "hoan_thanh",
        "len_lop",
        None,
    )
    assert (rows["st-1"]["result"], rows["st-1"]["outcome"]) == (
        {"hk1": "hoan_thanh", "year": "chua_hoan_thanh"},
        "kiem_tra_lai",
    )
    toan = next(s for s in rows["st-1"]["subjects"] if s["code"] == "toan")
    assert (toan["hk1"], toan["year"], toan["tests"]) == ("H", "C", {"hk1": 6, "year": 4})
    assert "Toán" in rows["st-1"]["explanations"]["result.year"]
    assert rows["st-1"]["result_label"]["year"] == "Chưa hoàn thành"
    overview = (await gradebook.client.get(f"/classes/{C4A}/results", headers=homeroom(gradebook))).json()
    dung = next(s for s in overview["students"] if s["student_id"] == "st-1")
    assert next(s for s in dung["subjects"] if s["code"] == "toan") == {
        "code": "toan",
        "semester1": "H",
        "semester2": "C",
        "year": "C",
    }
    assert dung["learning"] == {"semester1": None, "semester2": None, "year": None}

    await approve(gradebook, (await submit(gradebook, "year"))["id"])
    announced = await outbox(gradebook, "vn.edurecords.gradebook.results.approved.v1")
    assert [e["period"] for e in announced] == ["hk1", "hk2", "year"]
    decided = await outbox(gradebook, "vn.edurecords.gradebook.promotion.decided.v1")
    assert sorted((d["student_id"], d["outcome"], d["school_year_id"]) for d in decided) == [
        ("st-2", "promoted", YEAR_ID),
        ("st-3", "promoted", YEAR_ID),
    ]

    # Summer: Dũng's supplementary evaluation (only Đạt / Chưa đạt, only for a pupil who owes it).
    early = await gradebook.client.post(f"/classes/{C4A}/results/retest/submit", headers=homeroom(gradebook))
    assert early.status_code == 409 and "Trần Văn Dũng: chưa có kết quả đánh giá bổ sung" in early.json()["missing"]
    summer_url = f"/classes/{C4A}/summer-training"
    bad = await gradebook.client.put(
        summer_url, headers=homeroom(gradebook), json={"entries": [{"student_id": "st-1", "level": "Tốt"}]}
    )
    assert bad.status_code == 422 and "đánh giá bổ sung" in bad.json()["detail"]
    not_owed = await gradebook.client.put(
        summer_url, headers=homeroom(gradebook), json={"entries": [{"student_id": "st-2", "level": "Đạt"}]}
    )
    assert not_owed.status_code == 422
    r = await gradebook.client.put(
        summer_url, headers=homeroom(gradebook), json={"entries": [{"student_id": "st-1", "level": "Chưa đạt"}]}
    )
    assert r.status_code == 200, r.text
    summer = (await gradebook.client.get(f"/classes/{C4A}/results/retest", headers=homeroom(gradebook))).json()
    (dung,) = summer["students"]
    assert (dung["student_id"], dung["outcome"], dung["result"]["supplementary"]) == (
        "st-1",
        "o_lai_lop",
        "chua_hoan_thanh",
    )
    await approve(gradebook, (await submit(gradebook, "retest"))["id"])
    decided = await outbox(gradebook, "vn.edurecords.gradebook.promotion.decided.v1")
    assert sorted((d["student_id"], d["outcome"]) for d in decided) == [
        ("st-1", "retained"),
        ("st-2", "promoted"),
        ("st-3", "promoted"),
    ]
