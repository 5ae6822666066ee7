"""Triggers from gradebook and identity events, exactly-once delivery across redelivery and restarts, budgets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.contracts.gradebook import ScoreChange, ScoresRecorded
from edu_shared.contracts.gradebook_records import (
    AttendanceChange,
    AttendanceRecorded,
    DisciplineRecorded,
    ExemptionGranted,
)
from edu_shared.contracts.gradebook_results import ClassResultsApproved, StudentResult
from edu_shared.contracts.transcript import TranscriptIssued
from edu_shared.events.envelope import CloudEvent, new_event
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from notifications.bootstrap import build_gateways
from notifications.config import BrandnameSettings
from notifications.testing import (
    C6A1,
    FAMILIES,
    SCHOOL,
    BrandnameProvider,
    Family,
    World,
    identity_events,
    running_notifications,
    serve,
    settings_for,
)

RECORDED = datetime(2025, 11, 5, 2, tzinfo=UTC)


def scores(*cells: tuple[str, str, str | None, str | None]) -> ScoresRecorded:
    return ScoresRecorded(
        school_id=SCHOOL,
        class_id=C6A1,
        subject_code="toan",
        school_year="2025-2026",
        semester=1,
        recorded_by="gv",
        recorded_at=RECORDED,
        changes=[ScoreChange(student_id=s, column=c, old=o, new=n) for s, c, o, n in cells],
    )


async def test_scores_wait_for_the_daily_digest_then_go_once(world: World) -> None:
    await world.publish(scores(("st-1", "TX1", None, "8"), ("st-2", "TX1", None, "6.5")), twice=True)
    await world.publish(scores(("st-1", "GK", None, "7.5"), ("st-1", "TX2", "5", None)))
    assert await world.messages() == []  # nothing before the school's digest hour (18:00)
    assert (await world.service.digests()).queued == 0
    world.set_time(datetime(2025, 11, 5, 18, 5))
    assert (await world.service.digests()).queued == 2
    assert (await world.service.digests()).queued == 0  # a second run finds every line closed
    [digest] = await world.messages(recipient_id="g-1")
    assert digest["kind"] == "scores_digest"
    assert "Toán TX1 8; Toán GK 7,5" in digest["body"] and "TX2" not in digest["body"]


async def test_a_school_may_send_scores_at_once(world: World) -> None:
    principal = world.as_role(Role.PRINCIPAL, ScopeType.SCHOOL, SCHOOL)
    body = {"score_mode": "immediate", "digest_hour": 17, "monthly_budget_vnd": None}
    r = await world.client.put(f"/schools/{SCHOOL}/notification-settings", headers=principal, json=body)
    assert r.status_code == 200, r.text
    teacher = world.as_role(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{C6A1}:toan")
    r = await world.client.put(f"/schools/{SCHOOL}/notification-settings", headers=teacher, json=body)
    assert r.status_code == 403
    await world.publish(scores(("st-2", "TX1", None, "9")))
    [row] = await world.messages(kind="scores")
    assert row["recipient_id"] == "g-2" and "Nguyễn Thị Anh" in row["body"] and "TX1 9" in row["body"]
    assert row["sms_text"] == "THCS Hoa Lac: Nguyen Thi Anh lop 6A1 diem Toan: TX1 9"


async def test_results_and_discipline_reach_each_students_own_parents(world: World) -> None:
    results = ClassResultsApproved(
        approval_id="ap-1",
        school_id=SCHOOL,
        class_id=C6A1,
        school_year="2025-2026",
        period="hk1",
        submitted_by="gvcn",
        approved_by="ht",
        approved_at=RECORDED,
        snapshot_hash="0" * 64,
        students=[
            StudentResult(
                student_id=f.student_id,
                full_name=" ".join(f.student),
                subjects=[],
                learning={"hk1": "Khá" if i else "Tốt"},
                training={"hk1": "Tốt"},
            )
            for i, f in enumerate(FAMILIES)
        ],
    )
    discipline = DisciplineRecorded(
        record_id="d-1",
        school_id=SCHOOL,
        class_id=C6A1,
        class_name="6A1",
        school_year="2025-2026",
        student_id="st-2",
        student_name="Nguyễn Thị Anh",
        kind="reward",
        level="truong",
        level_label="Khen thưởng cấp trường",
        date=date(2025, 11, 4),
        content="Đạt giải Nhất Toán cấp trường.",
        recorded_by="ht",
        recorded_at=RECORDED,
    )
    await world.publish(results, discipline, twice=True)
    by_parent = {r["recipient_id"]: r["body"] for r in await world.messages(kind="results")}
    assert set(by_parent) == {"g-1", "g-2"}
    assert "Lê Minh Châu" in by_parent["g-1"] and "học tập Tốt" in by_parent["g-1"]
    assert "Nguyễn Thị Anh" not in by_parent["g-1"]  # never another family's data
    [reward] = await world.messages(kind="discipline")
    assert reward["recipient_id"] == "g-2" and "Khen thưởng cấp trường" in reward["title"]


async def test_an_exemption_is_confirmed_to_the_parents(world: World) -> None:
    granted = ExemptionGranted(
        exemption_id="ex-1",
        school_id=SCHOOL,
        class_id=C6A1,
        class_name="6A1",
        school_year="2025-2026",
        student_id="st-1",
        student_name="Lê Minh Châu",
        subject_code="gdtc",
        subject_name="Giáo dục thể chất",
        semester=None,
        reason="Sức khỏe",
        decision_ref="QĐ 12",
        granted_by="ht",
        granted_at=RECORDED,
    )
    await world.publish(granted, twice=True)
    [row] = await world.messages(kind="exemption")
    assert row["recipient_id"] == "g-1" and "miễn học môn Giáo dục thể chất (cả năm)" in row["body"]


async def test_an_issued_transcript_is_announced_to_the_parents(world: World) -> None:
    issued = TranscriptIssued(
        transcript_id="HB7K2M9QX4",
        school_id=SCHOOL,
        student_id="st-2",
        version=1,
        reason="graduation",
        issued_by="ht",
        issued_at=RECORDED,
    )
    await world.publish(issued, twice=True)
    [row] = await world.messages(kind="transcript")
    assert row["recipient_id"] == "g-2" and "học bạ của Nguyễn Thị Anh" in row["body"]
    assert row["sms_text"] == "THCS Hoa Lac: hoc ba cua Nguyen Thi Anh da duoc ky so va cap (hoan thanh cap hoc)."


async def test_announcement_budget_refusal_and_monthly_report(world: World) -> None:
    principal = world.as_role(Role.PRINCIPAL, ScopeType.SCHOOL, SCHOOL)
    # Parents without an app account in mind: SMS only for g-1, so the announcement costs money.
    for guardian, student in (("g-1", "st-1"), ("g-2", "st-2")):
        prefs = {"channels": ["sms"], "quiet_start": None, "quiet_end": None, "opted_out": []}
        assert (
            await world.client.put("/me/preferences", headers=world.parent(guardian, student), json=prefs)
        ).status_code == 200
    settings = {"score_mode": "digest", "digest_hour": 18, "monthly_budget_vnd": 1000}
    await world.client.put(f"/schools/{SCHOOL}/notification-settings", headers=principal, json=settings)
    note = {"title": "Họp phụ huynh", "text": "Họp phụ huynh lúc 8h sáng Chủ nhật."}
    # SMS is not configured in this world: the plan keeps the app inbox and costs nothing.
    r = await world.client.post(f"/schools/{SCHOOL}/announcements", headers=principal, json={**note, "dry_run": True})
    assert r.status_code == 202 and r.json()["cost_vnd"] == 0 and r.json()["queued"] == 0
    world.service.delivery = world.service.delivery.__class__(
        channels=frozenset({"inapp", "sms"}), pricing=world.service.pricing, clock=world.service.delivery.clock
    )
    r = await world.client.post(f"/schools/{SCHOOL}/announcements", headers=principal, json=note)
    assert r.status_code == 409, r.text
    assert "hạn mức" in r.json()["detail"] and r.json()["field"] == "monthly_budget_vnd"
    assert await world.messages(kind="announcement") == []  # all or nothing
    settings["monthly_budget_vnd"] = 10_000
    await world.client.put(f"/schools/{SCHOOL}/notification-settings", headers=principal, json=settings)
    r = await world.client.post(f"/schools/{SCHOOL}/announcements", headers=principal, json=note)
    assert r.status_code == 202 and r.json() == {**r.json(), "queued": 2, "cost_vnd": 1600}
    await world.service.dispatcher.drain()  # no SMS gateway in this world: both fail, nothing to fall back on
    r = await world.client.get(f"/schools/{SCHOOL}/delivery-report", headers=principal, params={"month": "2025-11"})
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["sent"], report["failed"], report["cost_vnd"]) == (0, 2, 0)
    r = await world.client.get(f"/schools/{SCHOOL}/delivery-report", headers=principal, params={"month": "11/2025"})
    assert r.status_code == 422 and r.json()["field"] == "month"


# --- exactly once -----------------------------------------------------------------------------------------------------


@pytest.fixture
async def provider() -> AsyncIterator[tuple[BrandnameProvider, BrandnameSettings]]:
    p = BrandnameProvider()
    async with serve(p.app()) as url:
        yield (
            p,
            BrandnameSettings(
                url=f"{url}/MainService.svc/json/SendMultipleMessage_V4_post_json/",
                api_key="key",
                secret_key="secret",
                brandname="THCSHOALAC",
            ),
        )


MANY = tuple(
    Family(f"st-{i}", ("Phạm", "Văn", f"Học{i}"), f"g-{i}", f"Phạm Văn Cha{i}", phone=f"09{i:08d}") for i in range(40)
)


def absences(n: int) -> list[CloudEvent]:
    """One roll per student, as separate events (a day of attendance for the class)."""
    return [
        new_event(
            AttendanceRecorded(
                school_id=SCHOOL,
                class_id=C6A1,
                class_name="6A1",
                school_year="2025-2026",
                semester=1,
                date=date(2025, 11, 5),
                session="sang",
                recorded_by="gt",
                recorded_at=RECORDED,
                changes=[
                    AttendanceChange(
                        student_id=f.student_id,
                        student_name=" ".join(f.student),
                        old_status="present",
                        new_status="excused",
                    )
                ],
            ),
            source="/gradebook",
            partition_key=SCHOOL,
        )
        for f in MANY[:n]
    ]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_every_event_twice_and_a_restart_mid_batch_give_one_sms_per_parent(
    backend: str, tmp_path: Path, real_servers: RealServers, provider: tuple[BrandnameProvider, BrandnameSettings]
) -> None:
    sms, bn = provider
    events = absences(len(MANY))
    async with fresh_postgres_database(real_servers.postgres_url) if backend == "postgres" else _none() as url:
        settings = settings_for(tmp_path, url, brandname=bn, dispatch_batch=15)
        sms_only = [{"channels": ["sms"], "quiet_start": None, "quiet_end": None, "opted_out": []}]
        # First run: half the events (each delivered twice), one batch claimed and "crashed" mid-send.
        async with running_notifications(
            tmp_path, url, settings=settings, gateways=build_gateways(settings), seed=identity_events(MANY)
        ) as world:
            for f in MANY:
                r = await world.client.put(
                    "/me/preferences", headers=world.parent(f.guardian_id, f.student_id), json=sms_only[0]
                )
                assert r.status_code == 200
            await world.deliver(events[:20], twice=True)
            assert (await world.service.dispatcher.run_once()).sent == 15
            async with world.service.uow() as unit:  # the process dies after claiming the next batch, before sending
                claimed = await unit.messages.claim_due(now=world.service.clock(), limit=3, lease=timedelta(minutes=5))
                await unit.commit()
            assert len(claimed) == 3
        # Second run, same database: every event again (twice), the rest of the day's events, then drain.
        async with running_notifications(
            tmp_path, url, settings=settings, gateways=build_gateways(settings), seed=[]
        ) as world:
            await world.deliver(events, twice=True)
            await world.service.dispatcher.drain()
            world.set_time(world.service.clock() + timedelta(minutes=6))  # the dead process's lease ran out
            await world.service.dispatcher.drain()
            rows = await world.messages(kind="absence")
            assert len(rows) == len(MANY) and {r["status"] for r in rows} == {"sent"}
    phones = sorted(m["Phone"] for m in sms.received)
    assert phones == sorted(f.phone for f in MANY if f.phone)  # exactly one SMS per parent


class _none:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None
