"""Score entry, reading and locking through HTTP on the migrated database (SQLite, and PostgreSQL in CI).

The rosters are fed the way identity feeds them in production: identity events through the gradebook's consumers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.bus.port import Record
from edu_shared.contracts.identity import TOPIC as IDENTITY_TOPIC
from edu_shared.contracts.identity import SchoolLevel, SchoolRegistered
from edu_shared.contracts.identity_people import (
    CatalogueSubject,
    ClassOpened,
    ClassSubjectsSet,
    StudentEnrolled,
    StudentRegistered,
    StudentSnapshot,
    TeachingAssigned,
)
from edu_shared.events.envelope import new_event
from edu_shared.events.registry import EventPayload
from edu_shared.testing.processes import eventually
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from edu_shared.testing.tokens import TokenIssuer, user_with
from gradebook.adapters import orm
from gradebook.bootstrap import GradebookService, build, create_app
from gradebook.config import GradebookSettings

SCHOOL = "sch-1"
C6A1, C6A2 = "cls-6a1", "cls-6a2"
YEAR_ID = "sy-2025"
# (id, family, middle, given): class-list order is Anh, Bình, Dũng.
STUDENTS = [("st-1", "Trần", "Văn", "Dũng"), ("st-2", "Nguyễn", "Thị", "Anh"), ("st-3", "Lê", "Thanh", "Bình")]
TOAN = CatalogueSubject(code="toan", name="Toán", periods_per_year=140, assessment="scored")
GDTC = CatalogueSubject(code="gdtc", name="Giáo dục thể chất", periods_per_year=70, assessment="comment")


@dataclass
class Gradebook:
    service: GradebookService
    client: httpx.AsyncClient
    issuer: TokenIssuer

    def bearer(self, role: Role, scope_type: ScopeType, scope_id: str, *, username: str = "tester") -> dict[str, str]:
        token = self.issuer.issue(user_with(role, scope_type, scope_id, username=username))
        return {"Authorization": f"Bearer {token}"}

    def teacher(self, class_id: str = C6A1, subject: str = "toan") -> dict[str, str]:
        return self.bearer(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{class_id}:{subject}", username="anvn.gv")

    def principal(self) -> dict[str, str]:
        return self.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, SCHOOL, username="hieutruong")

    async def publish(self, *payloads: EventPayload) -> None:
        """Deliver identity events to every gradebook consumer of `edu.identity`, as the bus would."""
        for payload in payloads:
            event = new_event(payload, source="/identity", partition_key=SCHOOL)
            for sub in self.service.runtime.subscriptions:
                await sub.handler(event)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def gradebook(
    request: pytest.FixtureRequest, tmp_path: Path, real_servers: RealServers
) -> AsyncIterator[Gradebook]:
    async def run(database_url: str | None) -> AsyncIterator[Gradebook]:
        bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
        service = build(GradebookSettings(data_dir=tmp_path, database_url=database_url), bus=bus)
        issuer = TokenIssuer()
        service.runtime.verifier = issuer.verifier()
        app = create_app(service, manage_lifespan=False)
        await bus.start()
        await service.runtime.start()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gradebook") as c:
                gb = Gradebook(service=service, client=c, issuer=issuer)
                await _seed(gb)
                yield gb
        finally:
            await service.runtime.stop()
            await bus.close()

    if request.param == "sqlite":
        async for gb in run(None):
            yield gb
    else:
        async with fresh_postgres_database(real_servers.postgres_url) as url:
            async for gb in run(url):
                yield gb


async def _seed(gb: Gradebook) -> None:
    events: list[EventPayload] = [
        SchoolRegistered(
            school_id=SCHOOL,
            org_unit_id="xa-a",
            moet_code="thcsa",
            name="Trường THCS A",
            levels=[SchoolLevel.LOWER_SECONDARY],
        )
    ]
    for class_id, name in ((C6A1, "6A1"), (C6A2, "6A2")):
        events += [
            ClassOpened(
                class_id=class_id,
                school_id=SCHOOL,
                school_year_id=YEAR_ID,
                school_year="2025-2026",
                grade=6,
                level=SchoolLevel.LOWER_SECONDARY,
                name=name,
            ),
            ClassSubjectsSet(class_id=class_id, school_id=SCHOOL, school_year_id=YEAR_ID, subjects=[TOAN, GDTC]),
        ]
    for sid, family, middle, given in STUDENTS:
        events += [
            StudentRegistered(
                student_id=sid,
                school_id=SCHOOL,
                student=StudentSnapshot(
                    family_name=family,
                    middle_name=middle,
                    given_name=given,
                    full_name=f"{family} {middle} {given}",
                    date_of_birth=date(2014, 3, 1),
                    sex="nam",
                    status="active",
                ),
            ),
            StudentEnrolled(
                enrollment_id=f"en-{sid}",
                student_id=sid,
                school_id=SCHOOL,
                class_id=C6A1,
                school_year_id=YEAR_ID,
                starts_on=date(2025, 9, 5),
            ),
        ]
    events.append(
        TeachingAssigned(
            assignment_id="ta-1",
            school_id=SCHOOL,
            class_id=C6A1,
            subject_code="toan",
            staff_id="staff-1",
            school_year_id=YEAR_ID,
        )
    )
    await gb.publish(*events)


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
