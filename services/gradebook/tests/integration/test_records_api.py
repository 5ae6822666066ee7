"""Attendance, conduct, discipline and rewards, exemptions through HTTP on the migrated database (SQLite and
PostgreSQL), with the rosters fed through identity events as in production, and who may do what."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.contracts.identity import SchoolLevel, SchoolRegistered
from edu_shared.events.registry import EventPayload
from edu_shared.testing.servers import RealServers
from gradebook.adapters import orm
from gradebook.domain.attendance import AbsenceCounts
from gradebook.domain.rules.tt22 import Level
from gradebook.testing import (
    C6A1,
    C6A2,
    SCHOOL,
    Gradebook,
    class_opened,
    gradebook_on,
    student_enrolled,
    student_registered,
)

OTHER_SCHOOL = "sch-2"
C3A = "cls-3a"
# A class of a school year still to come, where a day can be in the school year and in the future at once.
C_FUTURE = "cls-future"
# (id, family, middle, given, class): class-list order of 6A1 is Anh, Bình, Dũng.
STUDENTS = [
    ("st-1", "Trần", "Văn", "Dũng", C6A1),
    ("st-2", "Nguyễn", "Thị", "Anh", C6A1),
    ("st-3", "Lê", "Thanh", "Bình", C6A1),
    ("st-4", "Phạm", "Minh", "Châu", C6A2),
    ("st-5", "Đỗ", "Thu", "Hà", C3A),
    ("st-6", "Vũ", "Đức", "Long", C_FUTURE),
]
MONDAY, TUESDAY, SATURDAY, SUNDAY = date(2025, 10, 6), date(2025, 10, 7), date(2025, 10, 11), date(2025, 10, 12)
SPRING_MONDAY = date(2026, 2, 2)
QUALITIES = {"yeu_nuoc": "Tốt", "nhan_ai": "Tốt", "cham_chi": "Đạt", "trung_thuc": "Tốt", "trach_nhiem": "Đạt"}
COMPETENCES = {"tu_chu_tu_hoc": "Tốt", "giao_tiep_hop_tac": "Đạt", "giai_quyet_van_de_sang_tao": "Cần cố gắng"}


async def _seed(gb: Gradebook) -> None:
    events: list[EventPayload] = [
        SchoolRegistered(
            school_id=school,
            org_unit_id="xa-a",
            moet_code=code,
            name=name,
            levels=[SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY],
        )
        for school, code, name in ((SCHOOL, "thcsa", "Trường TH&THCS A"), (OTHER_SCHOOL, "thcsb", "Trường THCS B"))
    ]
    for class_id, name, grade, year in (
        (C6A1, "6A1", 6, "2025-2026"),
        (C6A2, "6A2", 6, "2025-2026"),
        (C3A, "3A", 3, "2025-2026"),
        (C_FUTURE, "6A9", 6, "2099-2100"),
    ):
        events += class_opened(class_id, name, grade=grade, school_year=year)
    for sid, family, middle, given, class_id in STUDENTS:
        events += [student_registered(sid, family, middle, given), student_enrolled(sid, class_id)]
    await gb.publish(*events)


@pytest.fixture
async def gradebook(backend: str, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[Gradebook]:
    async with gradebook_on(backend, tmp_path, real_servers.postgres_url, seed=_seed) as gb:
        yield gb


def roll(
    on: date, marks: list[tuple[str, str]], *, session: str = "sang", semester: int = 1, **extra: Any
) -> dict[str, Any]:
    return {
        "date": on.isoformat(),
        "session": session,
        "semester": semester,
        "marks": [{"student_id": s, "status": status} for s, status in marks],
        **extra,
    }


async def outbox(gb: Gradebook, event_type: str) -> list[dict[str, Any]]:
    t = orm.messaging.outbox
    async with gb.service.runtime.engine.connect() as conn:
        envelopes = list(
            await conn.scalars(sa.select(t.c.envelope).where(t.c.event_type == f"{event_type}.v1").order_by(t.c.seq))
        )
    return [json.loads(e) for e in envelopes]


async def audit(gb: Gradebook, entity: str) -> list[tuple[str, str, Any, Any, str | None]]:
    t = orm.audit
    async with gb.service.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(t.c.action, t.c.entity_id, t.c.before, t.c.after, t.c.reason, t.c.chain)
                .where(t.c.entity == entity)
                .order_by(t.c.seq)
            )
        ).all()
    assert all(r.chain == SCHOOL for r in rows)
    return [
        (
            r.action,
            r.entity_id,
            None if r.before is None else json.loads(r.before),
            None if r.after is None else json.loads(r.after),
            r.reason,
        )
        for r in rows
    ]


ATTENDANCE = f"/classes/{C6A1}/attendance"


async def test_supervisor_takes_a_roll_and_a_reposted_roll_changes_it(gradebook: Gradebook) -> None:
    supervisor = gradebook.supervisor()
    body = roll(MONDAY, [("st-1", "P"), ("st-2", "unexcused")])
    body["marks"][0]["note"] = "Ốm, phụ huynh xin phép"
    r = await gradebook.client.put(ATTENDANCE, headers=supervisor, json=body)
    assert r.status_code == 200, r.text
    assert [(c["student_id"], c["old_status"], c["new_status"]) for c in r.json()["changes"]] == [
        ("st-1", "present", "excused"),
        ("st-2", "present", "unexcused"),
    ]
    day = r.json()["day"]
    assert [s["full_name"] for s in day["students"]] == ["Nguyễn Thị Anh", "Lê Thanh Bình", "Trần Văn Dũng"]
    anh, binh, dung = day["students"]
    assert binh["marks"] == []
    assert (dung["marks"][0]["status"], dung["marks"][0]["note"]) == ("excused", "Ốm, phụ huynh xin phép")
    assert [(x["session"], x["period"], x["taken_by_name"]) for x in day["rolls"]] == [("sang", None, "giamthi")]

    # Re-posted: Dũng turns out absent without permission, Anh came after all (not listed → present).
    again = await gradebook.client.put(ATTENDANCE, headers=supervisor, json=roll(MONDAY, [("st-1", "K")]))
    assert [(c["student_id"], c["old_status"], c["new_status"]) for c in again.json()["changes"]] == [
        ("st-1", "excused", "unexcused"),
        ("st-2", "unexcused", "present"),
    ]
    same = await gradebook.client.put(ATTENDANCE, headers=supervisor, json=roll(MONDAY, [("st-1", "K")]))
    assert same.json()["changes"] == []
    read = await gradebook.client.get(ATTENDANCE, headers=gradebook.homeroom(), params={"date": MONDAY.isoformat()})
    assert read.status_code == 200
    assert [(s["student_id"], [m["status"] for m in s["marks"]]) for s in read.json()["students"]] == [
        ("st-2", []),
        ("st-3", []),
        ("st-1", ["unexcused"]),
    ]

    entries = await audit(gradebook, "attendance")
    prefix = f"{C6A1}:2025-10-06:sang:0:"
    assert [(a, e.removeprefix(prefix), b, after) for a, e, b, after, _ in entries] == [
        ("attendance.recorded", "st-1", None, {"status": "excused", "note": "Ốm, phụ huynh xin phép"}),
        ("attendance.recorded", "st-2", None, {"status": "unexcused", "note": None}),
        (
            "attendance.recorded",
            "st-1",
            {"status": "excused", "note": "Ốm, phụ huynh xin phép"},
            {"status": "unexcused", "note": None},
        ),
        ("attendance.recorded", "st-2", {"status": "unexcused", "note": None}, None),
    ]
    events = await outbox(gradebook, "vn.edurecords.gradebook.attendance.recorded")
    assert len(events) == 2  # the unchanged third roll announces nothing
    assert events[0]["partitionkey"] == SCHOOL
    data = events[0]["data"]
    assert (data["class_name"], data["school_year"], data["date"], data["session"], data["semester"]) == (
        "6A1",
        "2025-2026",
        "2025-10-06",
        "sang",
        1,
    )
    assert data["changes"][0]["student_name"] == "Trần Văn Dũng"


async def test_absences_are_totalled_per_semester_and_year_for_the_45_session_rule(gradebook: Gradebook) -> None:
    homeroom = gradebook.homeroom()
    rolls = [
        roll(MONDAY, [("st-1", "P"), ("st-2", "M")]),
        roll(MONDAY, [("st-1", "K")], session="chieu"),
        roll(TUESDAY, [("st-1", "K")], period=3),  # a period absence: not an absent session
        roll(SATURDAY, [("st-1", "excused")]),
        roll(SPRING_MONDAY, [("st-1", "K")], semester=2),
    ]
    for body in rolls:
        r = await gradebook.client.put(ATTENDANCE, headers=homeroom, json=body)
        assert r.status_code == 200, r.text
    r = await gradebook.client.get(f"/classes/{C6A1}/students/st-1/attendance", headers=gradebook.parent("st-1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["full_name"] == "Trần Văn Dũng" and len(body["marks"]) == 5
    assert body["totals"]["semester1"] == {
        "excused": 2,
        "unexcused": 1,
        "total": 3,
        "late": 0,
        "excused_periods": 0,
        "unexcused_periods": 1,
    }
    assert body["totals"]["year"]["total"] == 4 and body["totals"]["semester2"]["unexcused"] == 1

    async with gradebook.service.uow() as uow:
        totals = await uow.records.attendance_totals(C6A1, "2025-2026")
    assert set(totals) == {"st-1", "st-2", "st-3"}
    assert totals["st-1"].year == AbsenceCounts(excused=2, unexcused=2, unexcused_periods=1)
    assert totals["st-2"].semester1 == AbsenceCounts(late=1)
    assert totals["st-3"].year.total == 0


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        (roll(SUNDAY, []), "date", "Chủ nhật"),
        (roll(date(2025, 7, 1), []), "date", "không thuộc năm học 2025-2026"),
        (roll(MONDAY, [], semester=3), "semester", "Học kì 3"),
        (roll(MONDAY, [], period=11), "period", "Tiết 11"),
    ],
)
async def test_days_outside_the_school_calendar_are_rejected(
    gradebook: Gradebook, body: dict[str, Any], field: str, fragment: str
) -> None:
    r = await gradebook.client.put(ATTENDANCE, headers=gradebook.supervisor(), json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == field and fragment in r.json()["detail"]


async def test_a_future_day_and_bad_marks_are_rejected_and_nothing_is_written(gradebook: Gradebook) -> None:
    future = await gradebook.client.put(
        f"/classes/{C_FUTURE}/attendance",
        headers=gradebook.supervisor(C_FUTURE),
        json=roll(date(2099, 10, 5), [("st-6", "K")]),
    )
    assert future.status_code == 422 and "tương lai" in future.json()["detail"]
    bad = await gradebook.client.put(
        ATTENDANCE, headers=gradebook.supervisor(), json=roll(MONDAY, [("st-1", "K"), ("st-4", "P"), ("st-2", "vắng")])
    )
    assert bad.status_code == 422
    assert bad.json()["type"].endswith("/invalid-attendance")
    assert [(e["student_id"], e["status"]) for e in bad.json()["errors"]] == [("st-4", "P"), ("st-2", "vắng")]
    read = await gradebook.client.get(ATTENDANCE, headers=gradebook.homeroom(), params={"date": MONDAY.isoformat()})
    assert read.json()["rolls"] == [] and all(s["marks"] == [] for s in read.json()["students"])
    # A day belongs to one semester.
    ok = await gradebook.client.put(ATTENDANCE, headers=gradebook.supervisor(), json=roll(MONDAY, []))
    assert ok.status_code == 200
    clash = await gradebook.client.put(
        ATTENDANCE, headers=gradebook.supervisor(), json=roll(MONDAY, [], session="chieu", semester=2)
    )
    assert clash.status_code == 422 and clash.json()["field"] == "semester"


async def test_attendance_access_matrix(gradebook: Gradebook) -> None:
    body = roll(MONDAY, [("st-1", "K")])
    params = {"date": MONDAY.isoformat()}
    student_url = f"/classes/{C6A1}/students/st-1/attendance"
    writers = {"supervisor": gradebook.supervisor(), "homeroom": gradebook.homeroom()}
    for who, headers in writers.items():
        assert (await gradebook.client.put(ATTENDANCE, headers=headers, json=body)).status_code == 200, who
    denied_writes = {
        "teacher of the class": gradebook.teacher(),
        "teacher of another class": gradebook.teacher(C6A2),
        "homeroom of another class": gradebook.homeroom(C6A2),
        "supervisor of another class": gradebook.supervisor(C6A2),
        "principal": gradebook.principal(),
        "parent": gradebook.parent("st-1"),
        "other school": gradebook.bearer(Role.SUPERVISOR, ScopeType.SCHOOL, OTHER_SCHOOL),
    }
    for who, headers in denied_writes.items():
        r = await gradebook.client.put(ATTENDANCE, headers=headers, json=body)
        assert r.status_code == 403, who
    readers = {"homeroom": gradebook.homeroom(), "principal": gradebook.principal()}
    for who, headers in readers.items():
        assert (await gradebook.client.get(ATTENDANCE, headers=headers, params=params)).status_code == 200, who
        assert (await gradebook.client.get(student_url, headers=headers)).status_code == 200, who
    denied_reads = {
        "teacher of another class": gradebook.teacher(C6A2),
        "homeroom of another class": gradebook.homeroom(C6A2),
        "parent of another child": gradebook.parent("st-2"),
        "other school": gradebook.principal(OTHER_SCHOOL),
    }
    for who, headers in denied_reads.items():
        assert (await gradebook.client.get(student_url, headers=headers)).status_code == 403, who
        assert (await gradebook.client.get(ATTENDANCE, headers=headers, params=params)).status_code == 403, who
    # Parents and students read their own child's records, never the class's.
    own = {"parent": gradebook.parent("st-1"), "student": gradebook.bearer(Role.STUDENT, ScopeType.STUDENT, "st-1")}
    for who, headers in own.items():
        assert (await gradebook.client.get(student_url, headers=headers)).status_code == 200, who
        assert (await gradebook.client.get(ATTENDANCE, headers=headers, params=params)).status_code == 403, who
    # A parent's grant does not reach a child who is not in that class.
    elsewhere = await gradebook.client.get(
        f"/classes/{C6A2}/students/st-1/attendance", headers=gradebook.parent("st-1")
    )
    assert elsewhere.status_code == 404


CONDUCT = f"/classes/{C6A1}/conduct"


async def test_homeroom_rates_training_and_the_year_result_follows_tt22(gradebook: Gradebook) -> None:
    homeroom = gradebook.homeroom()
    first = await gradebook.client.put(
        f"{CONDUCT}/semesters/1",
        headers=homeroom,
        json={"entries": [{"student_id": "st-1", "training": "Đạt"}, {"student_id": "st-2", "training": "Tốt"}]},
    )
    assert first.status_code == 200, first.text
    second = await gradebook.client.put(
        f"{CONDUCT}/semesters/2",
        headers=homeroom,
        json={
            "entries": [
                {"student_id": "st-1", "training": "tot", "comment": "Tiến bộ rõ rệt"},
                {"student_id": "st-2", "training": "Khá"},
            ]
        },
    )
    assert second.status_code == 200, second.text
    sheet = (await gradebook.client.get(CONDUCT, headers=gradebook.principal())).json()
    assert sheet["rule_set"] == "tt22" and sheet["grade"] == 6
    rows = {s["student_id"]: s for s in sheet["students"]}
    assert (rows["st-1"]["semester1"], rows["st-1"]["semester2"], rows["st-1"]["year"]) == ("Đạt", "Tốt", "Khá")
    assert (rows["st-2"]["semester1"], rows["st-2"]["semester2"], rows["st-2"]["year"]) == ("Tốt", "Khá", "Khá")
    assert rows["st-3"]["year"] is None and rows["st-3"]["ratings"] == []
    assert rows["st-1"]["ratings"][1]["comment"] == "Tiến bộ rõ rệt"

    changed = await gradebook.client.put(
        f"{CONDUCT}/semesters/1", headers=homeroom, json={"entries": [{"student_id": "st-1", "training": "Khá"}]}
    )
    change = changed.json()["changes"][0]
    assert (change["previous_training"], change["training"]) == ("Đạt", "Khá")
    async with gradebook.service.uow() as uow:
        conduct = await uow.records.conduct_for_class(C6A1)
    assert (conduct["st-1"].semester1, conduct["st-1"].year) == (Level.KHA, Level.TOT)

    entries = await audit(gradebook, "conduct")
    assert len(entries) == 5
    action, entity_id, before, after, _ = entries[-1]
    assert (action, entity_id) == ("conduct.rated", f"{C6A1}:1:end:st-1")
    assert (before["training"], after["training"]) == ("Đạt", "Khá")
    events = await outbox(gradebook, "vn.edurecords.gradebook.conduct.rated")
    assert [e["data"]["semester"] for e in events] == [1, 2, 1]
    assert events[0]["partitionkey"] == SCHOOL and events[0]["data"]["changes"][0]["student_name"] == "Trần Văn Dũng"


async def test_bad_ratings_are_rejected_naming_student_and_value(gradebook: Gradebook) -> None:
    homeroom = gradebook.homeroom()
    bad = await gradebook.client.put(
        f"{CONDUCT}/semesters/1",
        headers=homeroom,
        json={"entries": [{"student_id": "st-1", "training": "Giỏi"}, {"student_id": "st-4", "training": "Tốt"}]},
    )
    assert bad.status_code == 422
    assert bad.json()["type"].endswith("/invalid-conduct")
    assert [e["student_id"] for e in bad.json()["errors"]] == ["st-1", "st-4"]
    assert "Giỏi" in bad.json()["errors"][0]["message"]
    mid = await gradebook.client.put(
        f"{CONDUCT}/semesters/1",
        headers=homeroom,
        json={"stage": "mid", "entries": [{"student_id": "st-1", "training": "Tốt"}]},
    )
    assert mid.status_code == 422 and mid.json()["field"] == "stage"
    assert (await gradebook.client.get(CONDUCT, headers=homeroom)).json()["students"][0]["ratings"] == []


async def test_primary_class_rates_qualities_and_competences_mid_and_end_semester(gradebook: Gradebook) -> None:
    homeroom = gradebook.homeroom(C3A)
    url = f"/classes/{C3A}/conduct/semesters/1"
    for stage in ("mid", "end"):
        r = await gradebook.client.put(
            url,
            headers=homeroom,
            json={
                "stage": stage,
                "entries": [{"student_id": "st-5", "qualities": QUALITIES, "competences": COMPETENCES}],
            },
        )
        assert r.status_code == 200, r.text
    sheet = r.json()["sheet"]
    assert sheet["rule_set"] == "tt27"
    (ha,) = sheet["students"]
    assert [(x["semester"], x["stage"]) for x in ha["ratings"]] == [(1, "mid"), (1, "end")]
    assert ha["ratings"][0]["competences"]["giai_quyet_van_de_sang_tao"] == "Cần cố gắng"
    assert ha["year"] is None
    training = await gradebook.client.put(
        url, headers=homeroom, json={"entries": [{"student_id": "st-5", "training": "Tốt"}]}
    )
    assert training.status_code == 422


async def test_only_the_homeroom_teacher_of_the_class_rates_conduct(gradebook: Gradebook) -> None:
    body = {"entries": [{"student_id": "st-1", "training": "Tốt"}]}
    denied = {
        "subject teacher of the class": gradebook.teacher(),
        "teacher of another class": gradebook.teacher(C6A2),
        "homeroom of another class": gradebook.homeroom(C6A2),
        "supervisor": gradebook.supervisor(),
        "principal": gradebook.principal(),
        "parent": gradebook.parent("st-1"),
        "other school": gradebook.principal(OTHER_SCHOOL),
    }
    for who, headers in denied.items():
        assert (await gradebook.client.put(f"{CONDUCT}/semesters/1", headers=headers, json=body)).status_code == 403, (
            who
        )
    for who, headers in {
        "parent": gradebook.parent("st-1"),
        "homeroom of another class": gradebook.homeroom(C6A2),
    }.items():
        assert (await gradebook.client.get(CONDUCT, headers=headers)).status_code == 403, who
    assert (
        await gradebook.client.put(f"{CONDUCT}/semesters/1", headers=gradebook.homeroom(), json=body)
    ).status_code == 200


DISCIPLINE = f"/classes/{C6A1}/discipline"


def decision(student_id: str = "st-1", **extra: Any) -> dict[str, Any]:
    return {
        "student_id": student_id,
        "kind": "reward",
        "level": "truong",
        "date": "2025-11-20",
        "decision_number": "15/QĐ-THCSA",
        "content": "Đạt giải Nhất hội khỏe Phù Đổng cấp trường",
        **extra,
    }


async def test_rewards_and_discipline_are_recorded_and_revoked_never_deleted(gradebook: Gradebook) -> None:
    reward = await gradebook.client.post(DISCIPLINE, headers=gradebook.principal(), json=decision())
    assert reward.status_code == 201, reward.text
    assert reward.json()["level_label"] == "Khen thưởng cấp trường" and reward.json()["status"] == "active"
    warning = await gradebook.client.post(
        DISCIPLINE,
        headers=gradebook.supervisor(),
        json=decision(kind="discipline", level="khien_trach", content="Đánh nhau trong giờ ra chơi", date="2025-12-01"),
    )
    assert warning.status_code == 201, warning.text
    record_id = warning.json()["id"]
    revoked = await gradebook.client.post(
        f"/discipline/{record_id}/revoke",
        headers=gradebook.homeroom(),
        json={"reason": "Học sinh tiến bộ, xóa kỉ luật"},
    )
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["status"], revoked.json()["revoked_by_name"]) == ("revoked", "gvcn")
    twice = await gradebook.client.post(
        f"/discipline/{record_id}/revoke", headers=gradebook.homeroom(), json={"reason": "lần nữa"}
    )
    assert twice.status_code == 409

    own = await gradebook.client.get(f"/classes/{C6A1}/students/st-1/discipline", headers=gradebook.parent("st-1"))
    assert own.status_code == 200
    assert [(r["kind"], r["status"]) for r in own.json()] == [("reward", "active"), ("discipline", "revoked")]
    assert len((await gradebook.client.get(DISCIPLINE, headers=gradebook.homeroom())).json()) == 2

    entries = await audit(gradebook, "discipline")
    assert [(a, b is None, after["status"], reason) for a, _, b, after, reason in entries] == [
        ("reward.recorded", True, "active", None),
        ("discipline.recorded", True, "active", None),
        ("discipline.revoked", False, "revoked", "Học sinh tiến bộ, xóa kỉ luật"),
    ]
    recorded = await outbox(gradebook, "vn.edurecords.gradebook.discipline.recorded")
    assert [(e["data"]["kind"], e["data"]["student_name"], e["partitionkey"]) for e in recorded] == [
        ("reward", "Trần Văn Dũng", SCHOOL),
        ("discipline", "Trần Văn Dũng", SCHOOL),
    ]
    assert len(await outbox(gradebook, "vn.edurecords.gradebook.discipline.revoked")) == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (decision(level="huy_chuong"), 422, "level"),
        (decision(date="2025-07-15"), 422, "date"),
        (decision(content="   "), 422, "content"),
        (decision(student_id="st-4"), 422, "student_id"),
    ],
)
async def test_bad_discipline_records_are_rejected(
    gradebook: Gradebook, body: dict[str, Any], status: int, field: str
) -> None:
    r = await gradebook.client.post(DISCIPLINE, headers=gradebook.supervisor(), json=body)
    assert r.status_code == status, r.text
    assert r.json()["field"] == field


async def test_discipline_access_matrix(gradebook: Gradebook) -> None:
    denied = {
        "subject teacher of the class": gradebook.teacher(),
        "teacher of another class": gradebook.teacher(C6A2),
        "homeroom of another class": gradebook.homeroom(C6A2),
        "parent": gradebook.parent("st-1"),
        "other school": gradebook.principal(OTHER_SCHOOL),
    }
    for who, headers in denied.items():
        assert (await gradebook.client.post(DISCIPLINE, headers=headers, json=decision())).status_code == 403, who
    record = (await gradebook.client.post(DISCIPLINE, headers=gradebook.homeroom(), json=decision())).json()
    for who, headers in denied.items():
        r = await gradebook.client.post(f"/discipline/{record['id']}/revoke", headers=headers, json={"reason": "x"})
        assert r.status_code == 403, who
    student_url = f"/classes/{C6A1}/students/st-1/discipline"
    for who, headers in {
        "parent of another child": gradebook.parent("st-2"),
        "homeroom of another class": gradebook.homeroom(C6A2),
        "other school": gradebook.principal(OTHER_SCHOOL),
    }.items():
        assert (await gradebook.client.get(student_url, headers=headers)).status_code == 403, who
        assert (await gradebook.client.get(DISCIPLINE, headers=headers)).status_code == 403, who


EXEMPTIONS = f"/classes/{C6A1}/exemptions"


def exemption(student_id: str = "st-1", subject_code: str = "gdtc", semester: int | None = None) -> dict[str, Any]:
    return {
        "student_id": student_id,
        "subject_code": subject_code,
        "semester": semester,
        "reason": "Bệnh tim bẩm sinh, có giấy xác nhận của bệnh viện",
        "decision_ref": "Quyết định 12/QĐ-THCSA ngày 05/09/2025",
    }


async def test_principal_and_school_admin_grant_exemptions_and_the_class_results_can_read_them(
    gradebook: Gradebook,
) -> None:
    year = await gradebook.client.post(EXEMPTIONS, headers=gradebook.principal(), json=exemption())
    assert year.status_code == 201, year.text
    admin = gradebook.bearer(Role.SCHOOL_ADMIN, ScopeType.SCHOOL, SCHOOL, username="quantri")
    first = await gradebook.client.post(EXEMPTIONS, headers=admin, json=exemption("st-2", "toan", 1))
    assert first.status_code == 201, first.text
    # The year covers both semesters; the second semester of toán is still free for st-2.
    overlap = await gradebook.client.post(EXEMPTIONS, headers=admin, json=exemption("st-1", "gdtc", 2))
    assert overlap.status_code == 409 and "Giáo dục thể chất" in overlap.json()["detail"]
    second = await gradebook.client.post(EXEMPTIONS, headers=admin, json=exemption("st-2", "toan", 2))
    assert second.status_code == 201

    async with gradebook.service.uow() as uow:
        found = await uow.records.exemptions_for_class(C6A1)
    assert found == {("st-1", "gdtc", None), ("st-2", "toan", 1), ("st-2", "toan", 2)}

    revoked = await gradebook.client.post(
        f"/exemptions/{first.json()['id']}/revoke", headers=gradebook.principal(), json={"reason": "Đã khỏi bệnh"}
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    async with gradebook.service.uow() as uow:
        assert ("st-2", "toan", 1) not in await uow.records.exemptions_for_class(C6A1)
    listed = await gradebook.client.get(EXEMPTIONS, headers=gradebook.homeroom())
    assert [(x["student_id"], x["subject_code"], x["semester"], x["status"]) for x in listed.json()] == [
        ("st-1", "gdtc", None, "active"),
        ("st-2", "toan", 1, "revoked"),
        ("st-2", "toan", 2, "active"),
    ]
    entries = await audit(gradebook, "exemption")
    assert [a for a, *_ in entries] == ["exemption.granted"] * 3 + ["exemption.revoked"]
    granted = await outbox(gradebook, "vn.edurecords.gradebook.exemption.granted")
    assert granted[0]["data"]["subject_name"] == "Giáo dục thể chất" and granted[0]["data"]["semester"] is None
    assert granted[0]["partitionkey"] == SCHOOL
    assert len(await outbox(gradebook, "vn.edurecords.gradebook.exemption.revoked")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (exemption(subject_code="hoa"), "subject_code"),
        (exemption(student_id="st-4"), "student_id"),
        (exemption(semester=3), "semester"),
        ({**exemption(), "decision_ref": "  "}, "decision_ref"),
    ],
)
async def test_bad_exemptions_are_rejected(gradebook: Gradebook, body: dict[str, Any], field: str) -> None:
    r = await gradebook.client.post(EXEMPTIONS, headers=gradebook.principal(), json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


async def test_exemption_access_matrix(gradebook: Gradebook) -> None:
    denied = {
        "homeroom of the class": gradebook.homeroom(),
        "subject teacher": gradebook.teacher(),
        "supervisor": gradebook.supervisor(),
        "parent": gradebook.parent("st-1"),
        "other school": gradebook.principal(OTHER_SCHOOL),
    }
    for who, headers in denied.items():
        assert (await gradebook.client.post(EXEMPTIONS, headers=headers, json=exemption())).status_code == 403, who
    granted = (await gradebook.client.post(EXEMPTIONS, headers=gradebook.principal(), json=exemption())).json()
    for who, headers in denied.items():
        r = await gradebook.client.post(f"/exemptions/{granted['id']}/revoke", headers=headers, json={"reason": "x"})
        assert r.status_code == 403, who
    for who, headers in {
        "parent": gradebook.parent("st-1"),
        "teacher of another class": gradebook.teacher(C6A2),
        "other school": gradebook.principal(OTHER_SCHOOL),
    }.items():
        assert (await gradebook.client.get(EXEMPTIONS, headers=headers)).status_code == 403, who
