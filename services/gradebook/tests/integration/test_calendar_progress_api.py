"""School calendar, test dates, entry progress, entry deadlines and the correction cut-off through HTTP
on the migrated database (SQLite, and PostgreSQL in CI). Rosters arrive as identity events, as in production.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.contracts.identity import SchoolLevel, SchoolRegistered
from edu_shared.contracts.identity_people import StudentEnrolled, TeachingAssigned
from edu_shared.events.registry import EventPayload
from edu_shared.testing.servers import RealServers
from gradebook.adapters import orm
from gradebook.testing import (
    C6A1,
    C6A2,
    SCHOOL,
    YEAR_ID,
    Gradebook,
    class_opened,
    gradebook_on,
    student_enrolled,
    student_registered,
)

OTHER_SCHOOL = "sch-2"
OTHER_CLASS = "cls-x6a1"
YEAR = "2025-2026"
# Both classes study Toán (TX1..TX4, GK, CK) and Giáo dục thể chất (TX1..TX3, GK, CK).
CALENDAR: dict[str, Any] = {
    "semesters": [
        {
            "semester": 1,
            "starts_on": "2025-09-05",
            "mid_on": "2025-11-01",
            "ends_on": "2026-01-17",
            "exam_starts_on": "2025-12-22",
        },
        {
            "semester": 2,
            "starts_on": "2026-01-19",
            "mid_on": "2026-03-21",
            "ends_on": "2026-05-25",
            "exam_starts_on": "2026-05-04",
        },
    ]
}


def _enrol(sid: str, class_id: str, *, starts_on: date = date(2025, 9, 5)) -> StudentEnrolled:
    # One enrolment per class, so that a move to another class is a second enrolment.
    return student_enrolled(sid, class_id, enrollment_id=f"en-{sid}-{class_id}", starts_on=starts_on)


async def _seed(gb: Gradebook) -> None:
    """Two schools; 6A1 with three students and 6A2 with one, both studying Toán and Giáo dục thể chất."""
    events: list[EventPayload] = [
        SchoolRegistered(
            school_id=school_id,
            org_unit_id="xa-a",
            moet_code=school_id,
            name=f"Trường THCS {school_id}",
            levels=[SchoolLevel.LOWER_SECONDARY],
        )
        for school_id in (SCHOOL, OTHER_SCHOOL)
    ]
    events += class_opened(C6A1, "6A1") + class_opened(C6A2, "6A2")
    events += class_opened(OTHER_CLASS, "6A1", school_id=OTHER_SCHOOL)
    for sid, given, class_id in (("st-1", "An", C6A1), ("st-2", "Bình", C6A1), ("st-3", "Cường", C6A1)):
        events += [student_registered(sid, "Nguyễn", "Văn", given), _enrol(sid, class_id)]
    events += [student_registered("st-4", "Nguyễn", "Văn", "Dũng"), _enrol("st-4", C6A2)]
    events += [
        TeachingAssigned(
            assignment_id="ta-1",
            school_id=SCHOOL,
            class_id=C6A1,
            subject_code="toan",
            staff_id="staff-1",
            school_year_id=YEAR_ID,
        ),
        TeachingAssigned(
            assignment_id="ta-2",
            school_id=SCHOOL,
            class_id=C6A1,
            subject_code="gdtc",
            staff_id="staff-2",
            school_year_id=YEAR_ID,
            semester=1,
        ),
    ]
    await gb.publish(*events)


@pytest.fixture
async def gradebook(backend: str, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[Gradebook]:
    async with gradebook_on(backend, tmp_path, real_servers.postgres_url, seed=_seed) as gb:
        yield gb


async def _seed_scores(gb: Gradebook) -> None:
    """6A1 Toán: TX1 ×3, TX2 ×1, GK ×2; then st-3 moves to 6A2 (their 6A1 cells no longer count). 6A1 GDTC: 1."""
    await gb.enter(
        C6A1,
        "toan",
        [
            ("st-1", "TX1", "7"),
            ("st-2", "TX1", "8"),
            ("st-3", "TX1", "6"),
            ("st-1", "TX2", "9"),
            ("st-1", "GK", "7,5"),
            ("st-2", "GK", "6"),
        ],
    )
    await gb.enter(C6A1, "gdtc", [("st-1", "TX1", "Đ")])
    await gb.publish(_enrol("st-3", C6A2, starts_on=date(2025, 10, 1)))


def _tally(body: dict[str, Any]) -> tuple[int, int, str | None]:
    return body["required"], body["entered"], body["share"]


async def test_principal_sets_the_calendar_audited_and_announced(gradebook: Gradebook) -> None:
    url = f"/schools/{SCHOOL}/calendars/{YEAR}"
    r = await gradebook.client.put(url, headers=gradebook.principal(), json=CALENDAR)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["periodic_entry_days"], body["essay_entry_days"], body["correction_cutoff_days"]) == (10, 14, 7)
    assert [s["correction_cutoff_on"] for s in body["semesters"]] == ["2025-12-15", "2026-04-27"]
    assert body["set_by"] == "hieutruong"
    # Replaced whole when set again; both versions are in the audit trail, each change announced.
    again = await gradebook.client.put(
        url, headers=gradebook.principal(), json={**CALENDAR, "essay_entry_days": 15, "correction_cutoff_days": 10}
    )
    assert again.status_code == 200, again.text
    read = await gradebook.client.get(url, headers=gradebook.principal())
    assert (read.json()["essay_entry_days"], read.json()["semesters"][0]["correction_cutoff_on"]) == (15, "2025-12-12")
    async with gradebook.service.runtime.engine.connect() as conn:
        audit = (
            await conn.execute(
                sa.select(orm.audit.c.action, orm.audit.c.before, orm.audit.c.after)
                .where(orm.audit.c.entity == "school_calendar")
                .order_by(orm.audit.c.seq)
            )
        ).all()
        envelopes = list(
            await conn.scalars(
                sa.select(orm.messaging.outbox.c.envelope)
                .where(orm.messaging.outbox.c.event_type == "vn.edurecords.gradebook.calendar.set.v1")
                .order_by(orm.messaging.outbox.c.seq)
            )
        )
    assert [a.action for a in audit] == ["calendar.set", "calendar.set"]
    assert audit[0].before is None and json.loads(audit[1].before)["essay_entry_days"] == 14
    assert json.loads(audit[1].after)["correction_cutoff_days"] == 10
    assert len(envelopes) == 2
    event = json.loads(envelopes[1])
    assert event["partitionkey"] == SCHOOL
    assert event["data"]["school_year"] == YEAR and event["data"]["semesters"][1]["exam_starts_on"] == "2026-05-04"


async def test_calendar_is_validated_and_only_the_school_sets_it(gradebook: Gradebook) -> None:
    url = f"/schools/{SCHOOL}/calendars/{YEAR}"
    bad = {**CALENDAR, "semesters": [{**CALENDAR["semesters"][0], "mid_on": "2025-08-30"}, CALENDAR["semesters"][1]]}
    r = await gradebook.client.put(url, headers=gradebook.principal(), json=bad)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == "semesters[1].mid_on" and "giữa học kì" in r.json()["detail"]
    outside = await gradebook.client.put(
        f"/schools/{SCHOOL}/calendars/2024-2025", headers=gradebook.principal(), json=CALENDAR
    )
    assert outside.status_code == 422 and "nằm ngoài năm học 2024-2025" in outside.json()["detail"]
    for headers in (gradebook.teacher(), gradebook.principal(OTHER_SCHOOL)):
        assert (await gradebook.client.put(url, headers=headers, json=CALENDAR)).status_code == 403
    admin = gradebook.bearer(Role.SCHOOL_ADMIN, ScopeType.SCHOOL, SCHOOL, username="admin")
    assert (await gradebook.client.put(url, headers=admin, json=CALENDAR)).status_code == 200
    unknown = await gradebook.client.get(f"/schools/{SCHOOL}/calendars/2026-2027", headers=gradebook.principal())
    assert unknown.status_code == 404


async def test_teacher_and_school_set_test_dates(gradebook: Gradebook, caplog: pytest.LogCaptureFixture) -> None:
    sheet = f"/classes/{C6A1}/subjects/toan/semesters/1"
    r = await gradebook.client.put(f"{sheet}/tests/GK", headers=gradebook.teacher(), json={"held_on": "2025-10-27"})
    assert r.status_code == 200, r.text
    assert (r.json()["held_on"], r.json()["essay"], r.json()["set_by"]) == ("2025-10-27", False, "anvn.gv")
    with caplog.at_level(logging.WARNING, logger="edurecords.access"):
        ck = await gradebook.client.put(
            f"{sheet}/tests/CK", headers=gradebook.principal(), json={"held_on": "2025-12-22", "essay": True}
        )
    assert ck.status_code == 200, ck.text
    assert not caplog.records  # the principal's right is checked directly, no teacher's check denied on the way
    not_periodic = await gradebook.client.put(
        f"{sheet}/tests/TX1", headers=gradebook.teacher(), json={"held_on": "2025-10-27"}
    )
    assert not_periodic.status_code == 422 and not_periodic.json()["field"] == "column"
    other_teacher = gradebook.teacher(class_id=C6A2)
    with caplog.at_level(logging.WARNING, logger="edurecords.access"):
        denied = await gradebook.client.put(f"{sheet}/tests/GK", headers=other_teacher, json={"held_on": "2025-10-28"})
    assert denied.status_code == 403
    assert [r.getMessage() for r in caplog.records] == ["access denied"]  # logged once
    # Once the calendar is set, a test date must fall inside its semester.
    await gradebook.client.put(f"/schools/{SCHOOL}/calendars/{YEAR}", headers=gradebook.principal(), json=CALENDAR)
    late = await gradebook.client.put(f"{sheet}/tests/GK", headers=gradebook.teacher(), json={"held_on": "2026-02-02"})
    assert late.status_code == 422 and late.json()["field"] == "held_on"
    tests = (await gradebook.client.get(f"{sheet}/tests", headers=gradebook.teacher())).json()
    assert [(t["column"], t["held_on"], t["essay"]) for t in tests] == [
        ("CK", "2025-12-22", True),
        ("GK", "2025-10-27", False),
    ]
    async with gradebook.service.runtime.engine.connect() as conn:
        actions = list(await conn.scalars(sa.select(orm.audit.c.action).where(orm.audit.c.entity == "test_date")))
    assert actions == ["test_date.set", "test_date.set"]


async def test_entry_progress_counts_cells_of_current_students(gradebook: Gradebook) -> None:
    await _seed_scores(gradebook)
    r = await gradebook.client.get(
        f"/schools/{SCHOOL}/entry-progress",
        headers=gradebook.principal(),
        params={"school_year": YEAR, "semester": 1},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    # 6A1 now has 2 students, 6A2 has 2 (st-3 moved): Toán 6 columns, GDTC 5 columns.
    # Required: 6A1 Toán 12, 6A1 GDTC 10, 6A2 Toán 12, 6A2 GDTC 10 = 44. Entered: 5 + 1 = 6 → 13.6 %.
    assert _tally(body["school"]) == (44, 6, "13.6")
    sheets = {(s["class_name"], s["subject_code"]): s for s in body["sheets"]}
    toan = sheets[("6A1", "toan")]
    assert (toan["students"], toan["teachers"]) == (2, ["staff-1"])
    assert _tally(toan["columns"]["TX1"]) == (2, 2, "100.0")
    assert _tally(toan["regular"]) == (8, 3, "37.5")
    assert _tally(toan["periodic"]) == (4, 2, "50.0")
    assert _tally(toan["total"]) == (12, 5, "41.7")
    assert _tally(sheets[("6A2", "toan")]["total"]) == (12, 0, "0.0")
    assert [(t["staff_id"], _tally(t["progress"])) for t in body["by_teacher"]] == [
        ("staff-1", (12, 5, "41.7")),
        ("staff-2", (10, 1, "10.0")),
        (None, (22, 0, "0.0")),
    ]
    assert [(c["class_name"], _tally(c["progress"])) for c in body["by_class"]] == [
        ("6A1", (22, 6, "27.3")),
        ("6A2", (22, 0, "0.0")),
    ]
    assert [(s["subject_name"], _tally(s["progress"])) for s in body["by_subject"]] == [
        ("Giáo dục thể chất", (20, 1, "5.0")),
        ("Toán", (24, 5, "20.8")),
    ]
    whole_year = await gradebook.client.get(
        f"/schools/{SCHOOL}/entry-progress", headers=gradebook.principal(), params={"school_year": YEAR}
    )
    assert _tally(whole_year.json()["school"]) == (88, 6, "6.8")
    # The whole-year Toán assignment counts in semester 2 too; the semester-1 GDTC one does not.
    by_teacher = {t["staff_id"]: _tally(t["progress"]) for t in whole_year.json()["by_teacher"]}
    assert by_teacher == {"staff-1": (24, 5, "20.8"), "staff-2": (10, 1, "10.0"), None: (54, 0, "0.0")}
    # A head of subject group looks at one teacher's sheets.
    one = await gradebook.client.get(
        f"/schools/{SCHOOL}/entry-progress",
        headers=gradebook.bearer(Role.SUBJECT_GROUP_HEAD, ScopeType.SCHOOL, SCHOOL, username="totruong"),
        params={"school_year": YEAR, "semester": 1, "staff_id": "staff-1"},
    )
    assert _tally(one.json()["school"]) == (12, 5, "41.7")
    assert [(s["class_name"], s["subject_code"]) for s in one.json()["sheets"]] == [("6A1", "toan")]


async def test_progress_is_for_the_school_leaders_only(gradebook: Gradebook) -> None:
    url = f"/schools/{SCHOOL}/entry-progress"
    params = {"school_year": YEAR}
    group_head = gradebook.bearer(Role.SUBJECT_GROUP_HEAD, ScopeType.SCHOOL, SCHOOL, username="totruong")
    assert (await gradebook.client.get(url, headers=group_head, params=params)).status_code == 200
    denied = [
        gradebook.teacher(class_id=OTHER_CLASS),  # a teacher of another school
        gradebook.principal(OTHER_SCHOOL),
        gradebook.bearer(Role.PARENT, ScopeType.STUDENT, "st-1", username="phuhuynh"),
    ]
    for headers in denied:
        assert (await gradebook.client.get(url, headers=headers, params=params)).status_code == 403
        deadlines = await gradebook.client.get(
            f"/schools/{SCHOOL}/entry-deadlines", headers=headers, params={**params, "as_of": "2025-11-10"}
        )
        assert deadlines.status_code == 403
    bad_year = await gradebook.client.get(url, headers=group_head, params={"school_year": "2025/2026"})
    assert bad_year.status_code == 422


async def test_overdue_list_names_teacher_missing_cells_and_days(gradebook: Gradebook) -> None:
    await _seed_scores(gradebook)
    url = f"/schools/{SCHOOL}/entry-deadlines"
    no_calendar = await gradebook.client.get(url, headers=gradebook.principal(), params={"school_year": YEAR})
    assert no_calendar.status_code == 404
    await gradebook.client.put(f"/schools/{SCHOOL}/calendars/{YEAR}", headers=gradebook.principal(), json=CALENDAR)
    held = await gradebook.client.put(
        f"/classes/{C6A1}/subjects/toan/semesters/1/tests/GK",
        headers=gradebook.teacher(),
        json={"held_on": "2025-10-27"},
    )
    assert held.status_code == 200
    r = await gradebook.client.get(
        url, headers=gradebook.principal(), params={"school_year": YEAR, "as_of": "2025-11-10"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    # Only semester 1 has begun by 10/11/2025: 4 sheets; mid-semester (01/11) passed 9 days ago.
    assert (body["as_of"], body["sheets_checked"]) == ("2025-11-10", 4)
    overdue = [
        (
            s["class_name"],
            s["subject_code"],
            s["teachers"],
            s["days_overdue"],
            [(f["kind"], f["missing_cells"]) for f in s["shortfalls"]],
        )
        for s in body["overdue"]
    ]
    # Half of the TX cells: 6A1 Toán needs 4 of 8 (has 3), GDTC 3 of 6 (has 1); 6A2 has nothing.
    # 6A1 Toán's GK (due 06/11) is complete: no periodic shortfall.
    assert overdue == [
        ("6A1", "gdtc", ["staff-2"], 9, [("mid_semester_regular", 2)]),
        ("6A1", "toan", ["staff-1"], 9, [("mid_semester_regular", 1)]),
        ("6A2", "gdtc", [], 9, [("mid_semester_regular", 3)]),
        ("6A2", "toan", [], 9, [("mid_semester_regular", 4)]),
    ]
    assert "giữa học kì (01/11/2025)" in body["overdue"][0]["shortfalls"][0]["detail"]
    # The GK scores were first entered today, long after 06/11/2025: both cells are late.
    assert [(s["class_name"], s["late"]) for s in body["late"]] == [
        ("6A1", [{"column": "GK", "due_on": "2025-11-06", "cells": 2}])
    ]
    end = await gradebook.client.get(
        url, headers=gradebook.principal(), params={"school_year": YEAR, "as_of": "2026-01-20"}
    )
    toan = next(s for s in end.json()["overdue"] if (s["class_name"], s["subject_code"]) == ("6A1", "toan"))
    assert [(f["kind"], f["column"], f["days_overdue"], f["missing_cells"]) for f in toan["shortfalls"]] == [
        ("mid_semester_regular", None, 80, 1),
        ("end_semester", None, 3, 7),
    ]


async def test_correction_after_the_cutoff_is_refused(gradebook: Gradebook) -> None:
    await gradebook.enter(C6A1, "toan", [("st-1", "CK", "5")])
    lock = await gradebook.client.post(
        "/locks",
        headers=gradebook.principal(),
        json={"scope": "column", "class_id": C6A1, "subject_code": "toan", "semester": 1, "column": "CK"},
    )
    assert lock.status_code == 201, lock.text
    request = {
        "class_id": C6A1,
        "subject_code": "toan",
        "semester": 1,
        "student_id": "st-1",
        "column": "CK",
        "value": "7",
        "reason": "Cộng sai điểm bài kiểm tra cuối kì",
    }
    # No calendar yet: no cut-off to apply.
    assert (await gradebook.client.post("/corrections", headers=gradebook.teacher(), json=request)).status_code == 201
    await gradebook.client.put(f"/schools/{SCHOOL}/calendars/{YEAR}", headers=gradebook.principal(), json=CALENDAR)
    refused = await gradebook.client.post("/corrections", headers=gradebook.teacher(), json=request)
    assert refused.status_code == 422
    body = refused.json()
    assert body["type"].endswith("/correction-deadline-passed")
    assert body["cutoff_on"] == "2025-12-15" and "15/12/2025" in body["detail"]
    pending = await gradebook.client.get("/corrections", headers=gradebook.principal(), params={"school_id": SCHOOL})
    assert len(pending.json()) == 1


async def test_teachers_of_the_school_read_its_calendar_and_outsiders_do_not(gradebook: Gradebook) -> None:
    r = await gradebook.client.put(
        f"/schools/{SCHOOL}/calendars/2025-2026", headers=gradebook.principal(), json=CALENDAR
    )
    assert r.status_code == 200, r.text
    url = f"/schools/{SCHOOL}/calendars/2025-2026"
    assert (await gradebook.client.get(url, headers=gradebook.teacher())).status_code == 200
    assert (await gradebook.client.get(url, headers=gradebook.homeroom())).status_code == 200
    outsider = gradebook.bearer(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{OTHER_CLASS}:toan")
    assert (await gradebook.client.get(url, headers=outsider)).status_code == 403
