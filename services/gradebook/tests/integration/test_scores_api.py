"""Score entry, reading and locking through HTTP on the migrated database (SQLite, and PostgreSQL in CI).

The rosters are fed the way identity feeds them in production: identity events through the gradebook's consumers.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.bus.port import Record
from edu_shared.contracts.identity import TOPIC as IDENTITY_TOPIC
from edu_shared.contracts.identity_people import StudentEnrolled
from edu_shared.events.envelope import new_event
from edu_shared.testing.processes import eventually
from gradebook.adapters import orm
from gradebook.testing import C6A1, C6A2, SCHOOL, YEAR_ID, Gradebook

SHEET = f"/classes/{C6A1}/subjects/toan/semesters/1/scores"


def entry(student: str, column: str, value: Any) -> dict[str, Any]:
    return {"student_id": student, "column": column, "value": value}


async def test_projections_hold_rosters_subjects_and_assignments(gradebook: Gradebook) -> None:
    async with gradebook.service.runtime.engine.connect() as conn:
        subjects = (
            await conn.execute(sa.select(orm.class_subjects).where(orm.class_subjects.c.class_id == C6A1))
        ).all()
        enrolled = await conn.scalar(sa.select(sa.func.count()).select_from(orm.enrolments))
        teaching = (await conn.execute(sa.select(orm.teaching))).all()
    assert {(s.subject_code, s.periods_per_year, s.assessment) for s in subjects} == {
        ("toan", 140, "scored"),
        ("gdtc", 70, "comment"),
    }
    assert enrolled == 3
    assert [(t.class_id, t.subject_code, t.staff_id) for t in teaching] == [(C6A1, "toan", "staff-1")]


async def test_teacher_enters_scores_and_reads_the_sheet_in_class_list_order(gradebook: Gradebook) -> None:
    r = await gradebook.client.put(
        SHEET,
        headers=gradebook.teacher(),
        json={
            "entries": [
                entry("st-2", "TX1", "7"),
                entry("st-2", "TX2", 8),
                entry("st-2", "TX3", "6,5"),
                entry("st-2", "TX4", 9.5),
                entry("st-2", "GK", "7.25"),
                entry("st-2", "CK", "8"),
                entry("st-1", "TX1", "5"),
            ]
        },
    )
    assert r.status_code == 200, r.text
    assert len(r.json()["changes"]) == 7
    sheet = (await gradebook.client.get(SHEET, headers=gradebook.teacher())).json()
    assert sheet["columns"] == ["TX1", "TX2", "TX3", "TX4", "GK", "CK"]
    assert [s["full_name"] for s in sheet["students"]] == ["Nguyễn Thị Anh", "Lê Thanh Bình", "Trần Văn Dũng"]
    anh, binh, dung = sheet["students"]
    assert anh["values"]["GK"] == "7.3"  # 7.25 rounded half up
    # (7 + 8 + 6.5 + 9.5 + 2·7.3 + 3·8) / 9 = 69.6 / 9 = 7.733… → 7.7
    assert anh["average"] == "7.7"
    assert binh["average"] is None and binh["values"]["TX1"] is None
    assert dung["values"]["TX1"] == "5.0" and dung["average"] is None  # incomplete
    async with gradebook.service.runtime.engine.connect() as conn:
        envelopes = list(
            await conn.scalars(
                sa.select(orm.messaging.outbox.c.envelope).where(
                    orm.messaging.outbox.c.event_type == "vn.edurecords.gradebook.scores.recorded.v1"
                )
            )
        )
    assert len(envelopes) == 1
    event = json.loads(envelopes[0])
    assert event["partitionkey"] == SCHOOL
    assert len(event["data"]["changes"]) == 7


async def test_comment_subject_takes_ratings_and_gives_a_semester_rating(gradebook: Gradebook) -> None:
    sheet_url = f"/classes/{C6A1}/subjects/gdtc/semesters/2/scores"
    teacher = gradebook.teacher(subject="gdtc")
    cells = [entry("st-1", c, "Đ") for c in ("TX1", "TX2", "TX3", "GK", "CK")]
    r = await gradebook.client.put(sheet_url, headers=teacher, json={"entries": cells})
    assert r.status_code == 200, r.text
    dung = next(s for s in r.json()["sheet"]["students"] if s["student_id"] == "st-1")
    assert dung["rating"] == "Đ" and dung["average"] is None
    bad = await gradebook.client.put(sheet_url, headers=teacher, json={"entries": [entry("st-2", "TX1", "8")]})
    assert bad.status_code == 422


async def test_bad_input_is_rejected_listing_every_entry_and_nothing_is_written(gradebook: Gradebook) -> None:
    r = await gradebook.client.put(
        SHEET,
        headers=gradebook.teacher(),
        json={
            "entries": [
                entry("st-1", "TX1", "7"),
                entry("st-2", "TX1", "10,5"),
                entry("st-3", "GK", "bảy"),
                entry("st-3", "TX7", "5"),
            ]
        },
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("/invalid-scores")
    assert [(e["student_id"], e["column"], e["value"]) for e in body["errors"]] == [
        ("st-2", "TX1", "10,5"),
        ("st-3", "GK", "bảy"),
        ("st-3", "TX7", "5"),
    ]
    assert "Nguyễn Thị Anh" in body["errors"][0]["message"]
    sheet = (await gradebook.client.get(SHEET, headers=gradebook.teacher())).json()
    assert all(v is None for s in sheet["students"] for v in s["values"].values())


async def test_teacher_of_another_class_is_denied(gradebook: Gradebook) -> None:
    other = gradebook.teacher(class_id=C6A2)
    r = await gradebook.client.put(SHEET, headers=other, json={"entries": [entry("st-1", "TX1", "7")]})
    assert r.status_code == 403
    assert (await gradebook.client.get(SHEET, headers=other)).status_code == 403


async def test_principal_reads_but_does_not_enter_scores(gradebook: Gradebook) -> None:
    principal = gradebook.principal()
    r = await gradebook.client.put(SHEET, headers=principal, json={"entries": [entry("st-1", "TX1", "7")]})
    assert r.status_code == 403
    assert (await gradebook.client.get(SHEET, headers=principal)).status_code == 200
    homeroom = gradebook.bearer(Role.HOMEROOM_TEACHER, ScopeType.CLASS, C6A1)
    assert (await gradebook.client.get(SHEET, headers=homeroom)).status_code == 200


async def test_history_keeps_old_and_new_values(gradebook: Gradebook) -> None:
    teacher = gradebook.teacher()
    for value in ("6", "7,5", None):
        r = await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-1", "TX1", value)]})
        assert r.status_code == 200, r.text
    # Sending the same value again is not a change: no history row, no event.
    again = await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-1", "TX1", None)]})
    assert again.json()["changes"] == []
    history_url = SHEET.removesuffix("/scores") + "/history"
    history = (await gradebook.client.get(history_url, headers=teacher)).json()
    assert [(h["old_value"], h["new_value"], h["source"], h["changed_by_name"]) for h in history] == [
        (None, "6.0", "entry", "anvn.gv"),
        ("6.0", "7.5", "entry", "anvn.gv"),
        ("7.5", None, "entry", "anvn.gv"),
    ]


async def test_locked_column_rejects_new_score(gradebook: Gradebook) -> None:
    teacher = gradebook.teacher()
    ok = await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-1", "GK", "6")]})
    assert ok.status_code == 200
    lock = await gradebook.client.post(
        "/locks",
        headers=gradebook.principal(),
        json={"scope": "column", "class_id": C6A1, "subject_code": "toan", "semester": 1, "column": "GK"},
    )
    assert lock.status_code == 201, lock.text
    assert lock.json()["school_id"] == SCHOOL and lock.json()["locked_by"] == "hieutruong"
    refused = await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-2", "GK", "8")]})
    assert refused.status_code == 409
    body = refused.json()
    assert body["type"].endswith("/score-locked")
    assert body["column"] == "GK" and body["locked_by"] == "hieutruong" and body["locked_at"]
    assert "GK" in body["detail"] and "hieutruong" in body["detail"]
    # Other columns stay open; the locked value is unchanged and the sheet shows the lock.
    assert (
        await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-2", "CK", "8")]})
    ).status_code == 200
    sheet = (await gradebook.client.get(SHEET, headers=teacher)).json()
    assert list(sheet["locked_columns"]) == ["GK"]
    assert next(s for s in sheet["students"] if s["student_id"] == "st-2")["values"]["GK"] is None

    unlocked = await gradebook.client.delete(f"/locks/{lock.json()['id']}", headers=gradebook.principal())
    assert unlocked.status_code == 200
    assert unlocked.json()["unlocked_by"] == "hieutruong"
    assert (
        await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-2", "GK", "8")]})
    ).status_code == 200
    async with gradebook.service.runtime.engine.connect() as conn:
        types = list(
            await conn.scalars(
                sa.select(orm.messaging.outbox.c.event_type)
                .where(orm.messaging.outbox.c.event_type.like("vn.edurecords.gradebook.lock%"))
                .order_by(orm.messaging.outbox.c.seq)
            )
        )
    assert types == ["vn.edurecords.gradebook.lock.set.v1", "vn.edurecords.gradebook.lock.lifted.v1"]


async def test_school_lock_blocks_every_sheet_and_teachers_cannot_lock(gradebook: Gradebook) -> None:
    denied = await gradebook.client.post(
        "/locks", headers=gradebook.teacher(), json={"scope": "school", "school_id": SCHOOL}
    )
    assert denied.status_code == 403
    incomplete = await gradebook.client.post("/locks", headers=gradebook.principal(), json={"scope": "column"})
    assert incomplete.status_code == 422
    lock = await gradebook.client.post(
        "/locks", headers=gradebook.principal(), json={"scope": "school", "school_id": SCHOOL}
    )
    assert lock.status_code == 201
    gdtc = f"/classes/{C6A1}/subjects/gdtc/semesters/2/scores"
    r = await gradebook.client.put(
        gdtc, headers=gradebook.teacher(subject="gdtc"), json={"entries": [entry("st-1", "TX1", "Đ")]}
    )
    assert r.status_code == 409
    again = await gradebook.client.delete(f"/locks/{lock.json()['id']}", headers=gradebook.principal())
    assert again.status_code == 200
    twice = await gradebook.client.delete(f"/locks/{lock.json()['id']}", headers=gradebook.principal())
    assert twice.status_code == 409


async def test_unknown_subject_of_a_class_is_not_found(gradebook: Gradebook) -> None:
    r = await gradebook.client.get(f"/classes/{C6A1}/subjects/hoa/semesters/1/scores", headers=gradebook.principal())
    assert r.status_code == 404
    assert "6A1" in r.json()["detail"]


async def test_identity_events_on_the_bus_reach_the_roster_once(gradebook: Gradebook) -> None:
    enrolled = StudentEnrolled(
        enrollment_id="en-move",
        student_id="st-3",
        school_id=SCHOOL,
        class_id=C6A2,
        school_year_id=YEAR_ID,
        starts_on=date(2026, 1, 5),
        previous_class_id=C6A1,
    )
    event = new_event(enrolled, source="/identity", partition_key=SCHOOL)
    # Delivered twice (a producer retry): applied once, through the subscribed consumer.
    await gradebook.service.runtime.bus.publish([Record(topic=IDENTITY_TOPIC, event=event)] * 2)

    async def moved() -> list[str] | None:
        sheet = (await gradebook.client.get(SHEET, headers=gradebook.principal())).json()
        names = [s["full_name"] for s in sheet["students"]]
        return names if len(names) == 2 else None

    assert await eventually(moved, timeout_s=20, what="change of class applied") == [
        "Nguyễn Thị Anh",
        "Trần Văn Dũng",
    ]
    inbox = orm.messaging.inbox
    async with gradebook.service.runtime.engine.connect() as conn:
        processed = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(inbox)
            .where(inbox.c.event_id == event.id, inbox.c.consumer_group == "gradebook.roster")
        )
    assert processed == 1


async def test_correction_after_lock_is_applied_only_when_the_principal_approves(gradebook: Gradebook) -> None:
    teacher, principal = gradebook.teacher(), gradebook.principal()
    assert (
        await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-1", "CK", "5")]})
    ).status_code == 200
    request = {
        "class_id": C6A1,
        "subject_code": "toan",
        "semester": 1,
        "student_id": "st-1",
        "column": "CK",
        "value": "7,5",
        "reason": "Cộng sai điểm bài kiểm tra cuối kì",
        "evidence": "bai-kiem-tra-ck-st1.pdf",
    }
    # Not locked yet: the teacher just corrects the score.
    assert (await gradebook.client.post("/corrections", headers=teacher, json=request)).status_code == 409
    lock = await gradebook.client.post(
        "/locks", headers=principal, json={"scope": "class_subject", "class_id": C6A1, "subject_code": "toan"}
    )
    assert lock.status_code == 201
    filed = await gradebook.client.post("/corrections", headers=teacher, json=request)
    assert filed.status_code == 201, filed.text
    assert (filed.json()["old_value"], filed.json()["new_value"], filed.json()["status"]) == ("5.0", "7.5", "pending")
    # The teacher cannot approve their own request; the principal can.
    cid = filed.json()["id"]
    assert (await gradebook.client.post(f"/corrections/{cid}/approve", headers=teacher, json={})).status_code == 403
    queue = (await gradebook.client.get("/corrections", headers=principal, params={"school_id": SCHOOL})).json()
    assert [c["id"] for c in queue] == [cid]
    approved = await gradebook.client.post(
        f"/corrections/{cid}/approve", headers=principal, json={"note": "Đã đối chiếu bài làm"}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "hieutruong"
    again = await gradebook.client.post(f"/corrections/{cid}/reject", headers=principal, json={})
    assert again.status_code == 409
    sheet = (await gradebook.client.get(SHEET, headers=teacher)).json()
    assert next(s for s in sheet["students"] if s["student_id"] == "st-1")["values"]["CK"] == "7.5"
    history = (await gradebook.client.get(SHEET.removesuffix("/scores") + "/history", headers=teacher)).json()
    assert [(h["old_value"], h["new_value"], h["source"], h["approved_by"]) for h in history] == [
        (None, "5.0", "entry", None),
        ("5.0", "7.5", "correction", "hieutruong"),
    ]
    # Still locked for direct entry.
    assert (
        await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-1", "CK", "9")]})
    ).status_code == 409


async def test_rejected_correction_leaves_the_score(gradebook: Gradebook) -> None:
    teacher, principal = gradebook.teacher(), gradebook.principal()
    await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-2", "GK", "6")]})
    await gradebook.client.post("/locks", headers=principal, json={"scope": "class", "class_id": C6A1})
    filed = await gradebook.client.post(
        "/corrections",
        headers=teacher,
        json={
            "class_id": C6A1,
            "subject_code": "toan",
            "semester": 1,
            "student_id": "st-2",
            "column": "GK",
            "value": 8,
            "reason": "Nhập nhầm",
        },
    )
    assert filed.status_code == 201
    rejected = await gradebook.client.post(
        f"/corrections/{filed.json()['id']}/reject", headers=principal, json={"note": "Không có minh chứng"}
    )
    assert rejected.json()["status"] == "rejected"
    sheet = (await gradebook.client.get(SHEET, headers=teacher)).json()
    assert next(s for s in sheet["students"] if s["student_id"] == "st-2")["values"]["GK"] == "6.0"


async def test_concurrent_batches_on_one_cell_keep_a_consistent_history(gradebook: Gradebook) -> None:
    teacher = gradebook.teacher()
    results = await asyncio.gather(
        *(
            gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-3", "TX1", str(v))]})
            for v in (4, 5, 6, 7)
        )
    )
    assert [r.status_code for r in results] == [200] * 4
    history = (await gradebook.client.get(SHEET.removesuffix("/scores") + "/history", headers=teacher)).json()
    # Every change starts from the value the previous one left: nothing was overwritten silently.
    assert [h["old_value"] for h in history] == [None] + [h["new_value"] for h in history[:-1]]
    sheet = (await gradebook.client.get(SHEET, headers=teacher)).json()
    assert next(s for s in sheet["students"] if s["student_id"] == "st-3")["values"]["TX1"] == history[-1]["new_value"]


async def test_stale_sheet_version_is_refused_and_nothing_is_written(gradebook: Gradebook) -> None:
    teacher = gradebook.teacher()
    opened = (await gradebook.client.get(SHEET, headers=teacher)).json()
    assert opened["version"] == 0
    first = await gradebook.client.put(
        SHEET, headers=teacher, json={"entries": [entry("st-1", "TX1", "6")], "expected_version": 0}
    )
    assert first.status_code == 200 and first.json()["sheet"]["version"] == 1
    # A second screen still showing version 0 would overwrite st-1's TX1 silently: refused, with what changed.
    stale = await gradebook.client.put(
        SHEET,
        headers=gradebook.bearer(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{C6A1}:toan", username="gv2"),
        json={"entries": [entry("st-1", "TX1", "9"), entry("st-2", "TX1", "8")], "expected_version": 0},
    )
    assert stale.status_code == 409, stale.text
    problem = stale.json()
    assert problem["type"].endswith("sheet-changed")
    assert (problem["field"], problem["value"], problem["current_version"]) == ("expected_version", 0, 1)
    assert problem["changed_cells"] == [
        {
            "student_id": "st-1",
            "column": "TX1",
            "old": None,
            "new": "6.0",
            "by": "anvn.gv",
            "student_name": "Trần Văn Dũng",
        }
    ]
    sheet = (await gradebook.client.get(SHEET, headers=teacher)).json()
    assert sheet["version"] == 1
    assert {s["student_id"]: s["values"].get("TX1") for s in sheet["students"]} == {
        "st-1": "6.0",
        "st-2": None,
        "st-3": None,
    }


async def audit_entries(gradebook: Gradebook) -> list[dict[str, Any]]:
    r = await gradebook.client.get("/audit", headers=gradebook.principal(), params={"school_id": SCHOOL, "limit": 1000})
    assert r.status_code == 200, r.text
    entries: list[dict[str, Any]] = r.json()["entries"]
    return entries


async def test_every_change_is_in_the_hash_chained_audit_trail(gradebook: Gradebook) -> None:
    teacher, principal = gradebook.teacher(), gradebook.principal()
    await gradebook.client.put(
        SHEET, headers=teacher, json={"entries": [entry("st-1", "CK", "5"), entry("st-2", "GK", "6")]}
    )
    await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-2", "GK", "6.5")]})
    lock = (await gradebook.client.post("/locks", headers=principal, json={"scope": "class", "class_id": C6A1})).json()
    filed = await gradebook.client.post(
        "/corrections",
        headers=teacher,
        json={
            "class_id": C6A1,
            "subject_code": "toan",
            "semester": 1,
            "student_id": "st-1",
            "column": "CK",
            "value": "7",
            "reason": "Chấm sót câu 3",
            "evidence": "bai-ck-st1.pdf",
            "witnesses": ["Lê Văn Tổ trưởng"],
        },
    )
    assert filed.json()["witnesses"] == ["Lê Văn Tổ trưởng"]
    await gradebook.client.post(f"/corrections/{filed.json()['id']}/approve", headers=principal, json={"note": "Đúng"})
    await gradebook.client.delete(f"/locks/{lock['id']}", headers=principal)

    entries = await audit_entries(gradebook)
    assert [(e["seq"], e["action"], e["before"], e["after"]) for e in entries] == [
        (1, "score.entered", None, "5.0"),
        (2, "score.entered", None, "6.0"),
        (3, "score.entered", "6.0", "6.5"),
        (4, "lock.set", None, entries[3]["after"]),
        (5, "correction.requested", "5.0", "7.0"),
        (6, "correction.approved", {"status": "pending"}, {"status": "approved", "old": "5.0", "new": "7.0"}),
        (7, "score.corrected", "5.0", "7.0"),
        (8, "lock.lifted", entries[3]["after"], None),
    ]
    assert entries[0]["actor_name"] == "anvn.gv" and entries[0]["entity_id"] == f"{C6A1}:toan:1:st-1:CK"
    assert entries[6]["actor_name"] == "anvn.gv" and "hieutruong" in entries[6]["reason"]
    assert all(e["prev_hash"] == prev["hash"] for prev, e in zip(entries, entries[1:], strict=False))
    verified = (await gradebook.client.get("/audit/verify", headers=principal, params={"school_id": SCHOOL})).json()
    assert (verified["intact"], verified["entries"], verified["head_hash"]) == (True, 8, entries[-1]["hash"])
    # Teachers, parents and other schools' principals cannot read the trail.
    for headers in (
        teacher,
        gradebook.bearer(Role.PARENT, ScopeType.STUDENT, "st-1"),
        gradebook.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, "sch-other"),
    ):
        assert (await gradebook.client.get("/audit", headers=headers, params={"school_id": SCHOOL})).status_code == 403


async def test_tampering_with_an_audit_row_is_detected(gradebook: Gradebook) -> None:
    teacher, principal = gradebook.teacher(), gradebook.principal()
    for value in ("5", "6", "7"):
        await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-1", "TX1", value)]})
    async with gradebook.service.runtime.engine.begin() as conn:
        await conn.execute(sa.update(orm.audit).where(orm.audit.c.seq == 2).values(after='"9.0"'))
    report = (await gradebook.client.get("/audit/verify", headers=principal, params={"school_id": SCHOOL})).json()
    assert report["intact"] is False
    assert report["breaks"][0]["seq"] == 2
    async with gradebook.service.runtime.engine.begin() as conn:
        await conn.execute(sa.update(orm.audit).where(orm.audit.c.seq == 2).values(after='"6.0"'))
        await conn.execute(sa.delete(orm.audit).where(orm.audit.c.seq == 1))
    report = (await gradebook.client.get("/audit/verify", headers=principal, params={"school_id": SCHOOL})).json()
    assert report["intact"] is False and report["breaks"][0]["seq"] == 2


async def test_audit_export_streams_every_entry_as_jsonl_and_csv(gradebook: Gradebook) -> None:
    teacher, principal = gradebook.teacher(), gradebook.principal()
    await gradebook.client.put(
        SHEET, headers=teacher, json={"entries": [entry("st-1", "TX1", "5"), entry("st-2", "TX1", "6")]}
    )
    jsonl = await gradebook.client.get("/audit/export", headers=principal, params={"school_id": SCHOOL})
    assert jsonl.status_code == 200 and jsonl.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [(e["seq"], e["after"]) for e in lines] == [(1, "5.0"), (2, "6.0")]
    csv_export = await gradebook.client.get(
        "/audit/export", headers=principal, params={"school_id": SCHOOL, "format": "csv"}
    )
    rows = csv_export.text.lstrip("\ufeff").splitlines()
    assert rows[0].startswith("seq,recorded_at,actor_id") and len(rows) == 3
    bad = await gradebook.client.get("/audit/export", headers=principal, params={"school_id": SCHOOL, "format": "xml"})
    assert bad.status_code == 422 and "xml" in bad.text


def edu_audit_verify(gradebook: Gradebook, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """`edu audit verify` as an inspector runs it against this gradebook's database (SQLite file or PostgreSQL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADEBOOK_")}
    database_url = gradebook.service.runtime.settings.database_url
    if database_url:
        env["GRADEBOOK_DATABASE_URL"] = database_url
    edu = str(Path(sys.executable).with_name("edu"))
    return subprocess.run(
        [edu, "audit", "verify", "--data-dir", str(data_dir)], env=env, capture_output=True, text=True, timeout=120
    )


async def test_edu_audit_verify_names_the_tampered_entry(gradebook: Gradebook, tmp_path: Path) -> None:
    teacher = gradebook.teacher()
    for value in ("5", "6", "7"):
        await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-1", "TX1", value)]})
    intact = await asyncio.to_thread(edu_audit_verify, gradebook, tmp_path)
    assert intact.returncode == 0, intact.stderr
    assert f"✓ {SCHOOL}: 3 bản ghi toàn vẹn" in intact.stdout
    async with gradebook.service.runtime.engine.begin() as conn:
        await conn.execute(sa.update(orm.audit).where(orm.audit.c.seq == 3).values(actor_name="nguoi-khac"))
    tampered = await asyncio.to_thread(edu_audit_verify, gradebook, tmp_path)
    assert tampered.returncode == 1
    assert f"✗ {SCHOOL}: lưu vết đã bị can thiệp" in tampered.stdout
    assert "bản ghi số 3: Nội dung bản ghi đã bị sửa" in tampered.stdout


def test_edu_audit_verify_without_a_database_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADEBOOK_")}
    edu = str(Path(sys.executable).with_name("edu"))
    result = subprocess.run(
        [edu, "audit", "verify", "--data-dir", str(tmp_path / "none")], env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Lỗi: không tìm thấy cơ sở dữ liệu" in result.stderr and "Traceback" not in result.stderr


async def test_deleted_newest_entries_are_found_against_the_published_head(
    gradebook: Gradebook, tmp_path: Path
) -> None:
    teacher, principal = gradebook.teacher(), gradebook.principal()
    for value in ("5", "6", "7"):
        await gradebook.client.put(SHEET, headers=teacher, json={"entries": [entry("st-1", "TX1", value)]})
    t = gradebook.service.runtime.messaging.outbox
    async with gradebook.service.runtime.engine.connect() as conn:
        envelopes = (
            await conn.execute(
                sa.select(t.c.envelope)
                .where(t.c.event_type == "vn.edurecords.gradebook.audit.head-advanced.v1")
                .order_by(t.c.seq)
            )
        ).all()
    heads = [json.loads(e.envelope)["data"] for e in envelopes]
    assert [h["seq"] for h in heads] == [1, 2, 3]
    anchor = {"anchor_seq": heads[-1]["seq"], "anchor_hash": heads[-1]["hash"]}
    async with gradebook.service.runtime.engine.begin() as conn:
        await conn.execute(sa.delete(orm.audit).where(orm.audit.c.seq == 3))
    alone = (await gradebook.client.get("/audit/verify", headers=principal, params={"school_id": SCHOOL})).json()
    assert alone["intact"] is True  # the chain by itself cannot show a removed tail
    anchored = (
        await gradebook.client.get("/audit/verify", headers=principal, params={"school_id": SCHOOL, **anchor})
    ).json()
    assert anchored["intact"] is False and "Thiếu các bản ghi cuối" in anchored["breaks"][0]["reason"]
    half = await gradebook.client.get("/audit/verify", headers=principal, params={"school_id": SCHOOL, "anchor_seq": 3})
    assert half.status_code == 422 and half.json()["field"] == "anchor_hash"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADEBOOK_")}
    if gradebook.service.runtime.settings.database_url:
        env["GRADEBOOK_DATABASE_URL"] = gradebook.service.runtime.settings.database_url
    edu = str(Path(sys.executable).with_name("edu"))
    cli = await asyncio.to_thread(
        subprocess.run,
        [edu, "audit", "verify", "--data-dir", str(tmp_path), "--anchor", f"{SCHOOL}=3:{heads[-1]['hash']}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 1 and "Thiếu các bản ghi cuối" in cli.stdout
