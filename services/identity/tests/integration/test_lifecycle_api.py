"""The student lifecycle through HTTP on identity's migrated database (SQLite, and PostgreSQL in CI).

Year rollover of the demo school (THCS Hòa Lạc) by promotion results, promotion decisions from the gradebook,
a transfer between two schools of the province, drop-out; out-of-scope requests denied and audited; bad input
answered with problem+json naming the field.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.contracts.gradebook import PromotionOutcome, StudentPromotionDecided
from edu_shared.db.uow import IdempotentHandler
from edu_shared.events.envelope import CloudEvent, new_event
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from edu_shared.testing.tokens import user_with
from edurecords.demo import demo_id, seed_demo
from edurecords.demo_people import YEAR, YEAR_ENDS, YEAR_STARTS
from identity.adapters import orm
from identity.adapters.lifecycle_repo import LifecycleRepository
from identity.bootstrap import IdentityService, build, create_app
from identity.config import IdentitySettings
from identity.domain.people import EnrollmentStatus, StudentStatus
from identity.domain.structure import Semester
from identity.service_layer import structure as structure_handlers

_START = int(YEAR[:4])
NEXT = f"{_START + 1}-{_START + 2}"
HOA_LAC = demo_id("thcshoalac")
THANH_MIEU = demo_id("thcsthanhmieu")


@dataclass
class Env:
    service: IdentityService
    client: httpx.AsyncClient

    def principal(self, school_id: str, *, username: str = "ht") -> dict[str, str]:
        token = self.service.issue_access_token(
            user_with(Role.PRINCIPAL, ScopeType.SCHOOL, school_id, username=username)
        )
        return {"Authorization": f"Bearer {token}"}

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
            return list(reversed(await uow.audit.query(action=action, limit=1000)))

    async def classes(self, school_id: str, year: str) -> dict[str, str]:
        async with self.service.uow() as uow:
            y = await uow.structure.school_year_by_code(year)
            if y is None:
                return {}
            return {c.name: c.id for c in await uow.structure.list_classes(school_id=school_id, school_year_id=y.id)}

    async def roster(self, class_id: str) -> list[str]:
        async with self.service.uow() as uow:
            return [s.id for s in await uow.people.class_roster(class_id)]


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
            await structure_handlers.open_school_year(
                structure_handlers.OpenSchoolYear(
                    code=NEXT,
                    starts_on=YEAR_STARTS.replace(year=_START + 1),
                    ends_on=YEAR_ENDS.replace(year=_START + 2),
                    semesters=(
                        Semester(1, date(_START + 1, 9, 5), date(_START + 2, 1, 17)),
                        Semester(2, date(_START + 2, 1, 19), date(_START + 2, 5, 31)),
                    ),
                    actor="t",
                ),
                service.uow(),
            )
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


async def _results(env: Env, results: list[tuple[str, str]], *, school_id: str = HOA_LAC) -> httpx.Response:
    return await env.client.post(
        f"/schools/{school_id}/promotion-results",
        headers=env.principal(school_id),
        json={"school_year": YEAR, "results": [{"student_id": s, "outcome": o} for s, o in results]},
    )


async def _rollover(env: Env, *, dry_run: bool, **extra: Any) -> httpx.Response:
    return await env.client.post(
        f"/schools/{HOA_LAC}/rollover",
        params={"dry_run": str(dry_run).lower()},
        headers=env.principal(HOA_LAC),
        json={"from_year": YEAR, "to_year": NEXT, **extra},
    )


async def test_rollover_carries_the_demo_school_by_promotion_results(env: Env) -> None:
    now = await env.classes(HOA_LAC, YEAR)
    rosters = {name: await env.roster(class_id) for name, class_id in now.items()}
    assert sorted(rosters) == ["6A1", "7A1", "8A1", "9A1"] and all(len(r) == 30 for r in rosters.values())
    late, retained = rosters["6A1"][-1], rosters["7A1"][:2]
    results = [(s, "promoted") for name in ("6A1", "7A1", "8A1") for s in rosters[name]]
    results = [(s, "retained" if s in retained else o) for s, o in results if s != late]
    results += [(s, "graduated") for s in rosters["9A1"]]
    r = await _results(env, results)
    assert r.status_code == 201, r.text

    # Dry run: the plan, with the student lacking a result as a blocker; nothing written.
    r = await _rollover(env, dry_run=True, retained_mapping={"7A1": "7A1"})
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["dry_run"] is True and plan["executed"] is False
    assert [(c["from_class"], c["to_class"], c["opens"]) for c in plan["classes"]] == [
        ("6A1", "7A1", True),
        ("7A1", "8A1", True),
        ("8A1", "9A1", True),
    ]
    assert [b["student_id"] for b in plan["blockers"]] == [late]
    assert (len(plan["promoted"]), len(plan["retained"]), len(plan["graduated"])) == (29 + 28 + 30, 2, 30)
    assert await env.classes(HOA_LAC, NEXT) == {}

    # Execute: new classes open, students move, 9A1 graduates, the blocker stays where they are.
    r = await _rollover(env, dry_run=False, retained_mapping={"7A1": "7A1"})
    assert r.status_code == 200, r.text
    assert r.json()["executed"] is True
    nxt = await env.classes(HOA_LAC, NEXT)
    assert sorted(nxt) == ["7A1", "8A1", "9A1"]
    assert len(await env.roster(nxt["7A1"])) == 29 + 2
    assert set(retained) <= set(await env.roster(nxt["7A1"]))
    assert len(await env.roster(nxt["8A1"])) == 28
    assert len(await env.roster(nxt["9A1"])) == 30
    assert await env.roster(now["6A1"]) == [late]
    assert await env.roster(now["9A1"]) == []
    async with env.service.uow() as uow:
        graduate = await uow.people.get_student(rosters["9A1"][0])
        assert graduate is not None and graduate.status == StudentStatus.GRADUATED
        history = await uow.people.enrollment_history(rosters["6A1"][0])
        assert [(e.status, name) for e, name in history] == [
            (EnrollmentStatus.ACTIVE, "7A1"),
            (EnrollmentStatus.ENDED, "6A1"),
        ]
        graduate_history = await uow.people.enrollment_history(graduate.id)
        assert [e.status for e, _ in graduate_history] == [EnrollmentStatus.GRADUATED]
        closures = await LifecycleRepository(uow.session).closures_of(graduate.id)
        assert [c["reason"] for c in closures] == ["graduated"]
    assert len(await env.events("class.opened")) == 4 + 3  # the demo's four, then this year's three
    assert len(await env.events("student.graduated")) == 30
    rolled = await env.events("school_year.rolled_over")
    assert len(rolled) == 1 and rolled[0]["key"] == HOA_LAC and rolled[0]["data"]["blocked"] == 1
    summary = await env.audit("school.rollover")
    assert summary[-1]["new_value"]["promoted"] == 87 and summary[-1]["school_id"] == HOA_LAC

    # Re-run: nothing to do, nothing written.
    enrolled_before = len(await env.events("student.enrolled"))
    r = await _rollover(env, dry_run=False, retained_mapping={"7A1": "7A1"})
    assert r.status_code == 200 and r.json()["executed"] is False
    assert [b["student_id"] for b in r.json()["blockers"]] == [late]
    assert len(await env.events("student.enrolled")) == enrolled_before
    assert len(await env.events("school_year.rolled_over")) == 1

    # The late result arrives: the next run carries that one student.
    assert (await _results(env, [(late, "promoted")])).status_code == 201
    r = await _rollover(env, dry_run=False)
    assert r.json()["executed"] is True and [m["student_id"] for m in r.json()["promoted"]] == [late]
    assert late in await env.roster(nxt["7A1"])


async def test_changed_promotion_result_is_audited_old_and_new(env: Env) -> None:
    student = (await env.roster((await env.classes(HOA_LAC, YEAR))["7A1"]))[0]
    assert (await _results(env, [(student, "retained")])).status_code == 201
    assert (await _results(env, [(student, "retained")])).status_code == 201  # unchanged: no new entry
    assert (await _results(env, [(student, "promoted")])).status_code == 201
    entries = [e for e in await env.audit("promotion.record") if e["target_id"] == student]
    assert [(e["old_value"] or {}).get("outcome") for e in entries] == [None, "retained"]
    assert [e["new_value"]["outcome"] for e in entries] == ["retained", "promoted"]


async def test_promotion_results_bad_input_names_the_field(env: Env) -> None:
    student = (await env.roster((await env.classes(HOA_LAC, YEAR))["7A1"]))[0]
    r = await _results(env, [(student, "len_lop")])
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "body.results.0.outcome"
    r = await _results(env, [(student, "graduated")])
    assert r.status_code == 422 and r.json()["field"] == "results.0.outcome"
    assert "lớp cuối cấp" in r.json()["detail"]
    r = await _rollover(env, dry_run=True, class_mapping={"6A1": "8A1"})
    assert r.status_code == 422 and r.json()["field"] == "class_mapping.6A1"


async def test_gradebook_decision_is_recorded_once_and_older_ones_ignored(env: Env) -> None:
    student = (await env.roster((await env.classes(HOA_LAC, YEAR))["8A1"]))[0]
    async with env.service.uow() as uow:
        year = await uow.structure.school_year_by_code(YEAR)
    assert year is not None
    (subscription,) = [s for s in env.service.runtime.subscriptions if s.group == "identity.promotions"]
    handler = subscription.handler
    assert isinstance(handler, IdempotentHandler)
    decided = datetime.now(UTC)

    def decision(outcome: PromotionOutcome, at: datetime) -> CloudEvent:
        payload = StudentPromotionDecided(
            student_id=student, school_id=HOA_LAC, school_year_id=year.id, outcome=outcome, decided_at=at
        )
        return new_event(payload, source="/gradebook", partition_key=HOA_LAC)

    first = decision("retained", decided)
    await handler(first)
    await handler(first)  # redelivered: applied once
    await handler(decision("promoted", decided - timedelta(days=1)))  # older decision: ignored
    entries = [e for e in await env.audit("promotion.record") if e["target_id"] == student]
    assert [e["new_value"]["outcome"] for e in entries] == ["retained"]
    assert entries[0]["actor"] == "system:gradebook"
    await handler(decision("promoted", decided + timedelta(days=60)))  # after the retest
    entries = [e for e in await env.audit("promotion.record") if e["target_id"] == student]
    assert [e["new_value"]["outcome"] for e in entries] == ["retained", "promoted"]


async def test_transfer_request_then_accept_moves_the_student_and_keeps_history(env: Env) -> None:
    r = await env.client.post(
        f"/schools/{THANH_MIEU}/classes",
        headers=env.principal(THANH_MIEU),
        json={"school_year": YEAR, "grade": 7, "name": "7A2"},
    )
    assert r.status_code == 201, r.text
    new_class = r.json()["id"]
    old_class = (await env.classes(HOA_LAC, YEAR))["7A1"]
    student = (await env.roster(old_class))[3]

    r = await env.client.post(
        "/transfers",
        headers=env.principal(HOA_LAC),
        json={"student_id": student, "to_school_id": THANH_MIEU, "reason": "Gia đình chuyển nơi ở"},
    )
    assert r.status_code == 201, r.text
    transfer = r.json()
    assert transfer["status"] == "requested" and transfer["from_school_id"] == HOA_LAC
    (requested,) = await env.events("student.transfer_requested")
    assert requested["key"] == THANH_MIEU

    # Both schools see it; a second request for the same student waits for the first.
    for school in (HOA_LAC, THANH_MIEU):
        r = await env.client.get(
            "/transfers", params={"school_id": school, "status": "requested"}, headers=env.principal(school)
        )
        assert [t["id"] for t in r.json()] == [transfer["id"]] and r.json()[0]["student_name"]
    r = await env.client.post(
        "/transfers",
        headers=env.principal(HOA_LAC),
        json={"student_id": student, "to_school_id": THANH_MIEU, "reason": "lần hai"},
    )
    assert r.status_code == 409

    # Only the receiving school accepts; the sending school is denied, and the denial audited.
    r = await env.client.post(
        f"/transfers/{transfer['id']}/accept", headers=env.principal(HOA_LAC, username="ht.hoalac"), json={}
    )
    assert r.status_code == 403
    denied = await env.audit("access.denied")
    assert denied[-1]["school_id"] == THANH_MIEU and denied[-1]["details"]["username"] == "ht.hoalac"
    r = await env.client.post(f"/transfers/{transfer['id']}/accept", headers=env.principal(THANH_MIEU), json={})
    assert r.status_code == 422 and r.json()["field"] == "to_class_id"

    starts = min(max(date.today(), YEAR_STARTS + timedelta(days=30)), YEAR_ENDS)
    r = await env.client.post(
        f"/transfers/{transfer['id']}/accept",
        headers=env.principal(THANH_MIEU),
        json={"to_class_id": new_class, "starts_on": starts.isoformat()},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted" and r.json()["to_enrollment_id"]

    assert student not in await env.roster(old_class)
    assert await env.roster(new_class) == [student]
    async with env.service.uow() as uow:
        moved = await uow.people.get_student(student)
        assert moved is not None and moved.school_id == THANH_MIEU and moved.status == StudentStatus.STUDYING
        history = await uow.people.enrollment_history(student)
        assert [(name, e.status, e.ends_on) for e, name in history] == [
            ("7A2", EnrollmentStatus.ACTIVE, None),
            ("7A1", EnrollmentStatus.TRANSFERRED_OUT, starts - timedelta(days=1)),
        ]
        closures = await LifecycleRepository(uow.session).closures_of(student)
        assert [(c["reason"], c["transfer_id"]) for c in closures] == [("transferred_out", transfer["id"])]
    (transferred,) = await env.events("student.transferred")
    assert transferred["key"] == THANH_MIEU
    assert transferred["data"]["from_school_id"] == HOA_LAC and transferred["data"]["from_class_id"] == old_class
    assert {e["school_id"] for e in await env.audit("transfer.out")} == {HOA_LAC}
    assert {e["school_id"] for e in await env.audit("transfer.accept")} == {THANH_MIEU}

    # Decided once: accepting again conflicts; the old school no longer manages the student.
    r = await env.client.post(
        f"/transfers/{transfer['id']}/accept", headers=env.principal(THANH_MIEU), json={"to_class_id": new_class}
    )
    assert r.status_code == 409
    r = await env.client.post(f"/students/{student}/drop-out", headers=env.principal(HOA_LAC), json={"reason": "thử"})
    assert r.status_code == 403


async def test_transfer_reject_needs_a_reason_and_the_sender_may_cancel(env: Env) -> None:
    student = (await env.roster((await env.classes(HOA_LAC, YEAR))["6A1"]))[0]

    async def request() -> str:
        r = await env.client.post(
            "/transfers",
            headers=env.principal(HOA_LAC),
            json={"student_id": student, "to_school_id": THANH_MIEU, "reason": "Chuyển nhà"},
        )
        assert r.status_code == 201, r.text
        transfer_id: str = r.json()["id"]
        return transfer_id

    first = await request()
    r = await env.client.post(f"/transfers/{first}/reject", headers=env.principal(THANH_MIEU), json={})
    assert r.status_code == 422 and r.json()["field"] == "note"
    r = await env.client.post(
        f"/transfers/{first}/reject", headers=env.principal(THANH_MIEU), json={"note": "Hết chỉ tiêu lớp 6"}
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    second = await request()
    r = await env.client.post(f"/transfers/{second}/cancel", headers=env.principal(THANH_MIEU), json={})
    assert r.status_code == 403  # only the sending school withdraws its request
    r = await env.client.post(f"/transfers/{second}/cancel", headers=env.principal(HOA_LAC), json={})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert [e["data"]["status"] for e in await env.events("student.transfer_decided")] == ["rejected", "cancelled"]
    async with env.service.uow() as uow:
        stayed = await uow.people.get_student(student)
    assert stayed is not None and stayed.school_id == HOA_LAC


async def test_drop_out_closes_the_enrollment_with_reason_and_date(env: Env) -> None:
    class_id = (await env.classes(HOA_LAC, YEAR))["8A1"]
    student = (await env.roster(class_id))[5]
    r = await env.client.post(f"/students/{student}/drop-out", headers=env.principal(HOA_LAC), json={"reason": " "})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    left_on = min(max(date.today(), YEAR_STARTS + timedelta(days=10)), YEAR_ENDS)
    r = await env.client.post(
        f"/students/{student}/drop-out",
        headers=env.principal(HOA_LAC),
        json={"reason": "Hoàn cảnh gia đình khó khăn", "left_on": left_on.isoformat()},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "dropped_out" and r.json()["left_on"] == left_on.isoformat()
    assert student not in await env.roster(class_id)
    (event,) = await env.events("student.dropped_out")
    assert event["key"] == HOA_LAC and event["data"]["reason"] == "Hoàn cảnh gia đình khó khăn"
    (entry,) = await env.audit("student.drop_out")
    assert entry["old_value"]["status"] == "studying" and entry["new_value"]["status"] == "dropped_out"
    r = await env.client.post(f"/students/{student}/drop-out", headers=env.principal(HOA_LAC), json={"reason": "x"})
    assert r.status_code == 409


async def test_out_of_scope_rollover_is_denied_and_audited(env: Env) -> None:
    r = await env.client.post(
        f"/schools/{HOA_LAC}/rollover",
        params={"dry_run": "true"},
        headers=env.principal(THANH_MIEU, username="ht.thanhmieu"),
        json={"from_year": YEAR, "to_year": NEXT},
    )
    assert r.status_code == 403
    denied = await env.audit("access.denied")
    assert denied[-1]["school_id"] == HOA_LAC and denied[-1]["details"]["username"] == "ht.thanhmieu"
    r = await env.client.get(
        "/transfers", params={"school_id": HOA_LAC}, headers=env.principal(THANH_MIEU, username="ht.thanhmieu")
    )
    assert r.status_code == 403
