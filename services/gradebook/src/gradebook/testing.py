"""A small gradebook world for tests: one THCS school, two grade-6 classes, three students, one teacher.

The rosters are fed the way identity feeds them in production: identity events through the gradebook's consumers.
A test module with a world of its own builds it from the same event builders and passes its `seed` along.
Used by the service's integration tests and by the benchmarks; nothing in the service imports it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from edu_shared.auth.principal import Role, ScopeType
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
from edu_shared.objectstore import S3StoreSettings
from edu_shared.testing.inprocess import database_for, serve_in_process
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

    def bearer(
        self, role: Role, scope_type: ScopeType, scope_id: str, *, username: str = "tester", sub: str | None = None
    ) -> dict[str, str]:
        claims = user_with(role, scope_type, scope_id, username=username)
        if sub is not None:
            claims = claims.model_copy(update={"sub": sub})
        return {"Authorization": f"Bearer {self.issuer.issue(claims)}"}

    def teacher(self, class_id: str = C6A1, subject: str = "toan", *, username: str = "anvn.gv") -> dict[str, str]:
        return self.bearer(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{class_id}:{subject}", username=username)

    def principal(self, school_id: str = SCHOOL) -> dict[str, str]:
        return self.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, school_id, username="hieutruong")

    def homeroom(self, class_id: str = C6A1) -> dict[str, str]:
        return self.bearer(Role.HOMEROOM_TEACHER, ScopeType.CLASS, class_id, username="gvcn")

    def supervisor(self, class_id: str = C6A1) -> dict[str, str]:
        return self.bearer(Role.SUPERVISOR, ScopeType.CLASS, class_id, username="giamthi")

    def parent(self, student_id: str = "st-1") -> dict[str, str]:
        return self.bearer(Role.PARENT, ScopeType.STUDENT, student_id, username="phuhuynh")

    def unit_admin(self, org_unit_id: str) -> dict[str, str]:
        return self.bearer(Role.UNIT_ADMIN, ScopeType.ORG_UNIT, org_unit_id, username=f"admin.{org_unit_id}")

    def department_admin(self, province: str = "tinh") -> dict[str, str]:
        return self.bearer(Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, province, username="admin.so")

    def inspector(self, org_unit_id: str) -> dict[str, str]:
        return self.bearer(Role.INSPECTOR, ScopeType.ORG_UNIT, org_unit_id, username="thanhtra")

    async def publish(self, *payloads: EventPayload) -> None:
        """Deliver identity events to every gradebook consumer of `edu.identity`, as the bus would."""
        for payload in payloads:
            event = new_event(payload, source="/identity", partition_key=SCHOOL)
            for sub in self.service.runtime.subscriptions:
                await sub.handler(event)

    async def put(
        self, column: str, value: str, *, student: str = "st-1", class_id: str = C6A1, subject: str = "toan"
    ) -> httpx.Response:
        """Write one cell of a semester-1 sheet as its teacher; the answer is the caller's to check."""
        return await self._write(class_id, subject, [(student, column, value)])

    async def enter(self, class_id: str, subject: str, cells: Sequence[tuple[str, str, str]]) -> None:
        """Write (student, column, value) cells of a semester-1 sheet as its teacher, who must be let in."""
        r = await self._write(class_id, subject, cells)
        assert r.status_code == 200, r.text

    async def _write(self, class_id: str, subject: str, cells: Sequence[tuple[str, str, str]]) -> httpx.Response:
        return await self.client.put(
            f"/classes/{class_id}/subjects/{subject}/semesters/1/scores",
            headers=self.teacher(class_id, subject),
            json={"entries": [{"student_id": s, "column": c, "value": v} for s, c, v in cells]},
        )

    async def move_window(self, lock_id: str, **window: datetime) -> None:
        """Let time pass for one lock: its stored window moves instead of the test waiting."""
        async with self.service.runtime.engine.begin() as conn:
            await conn.execute(sa.update(orm.locks).where(orm.locks.c.id == lock_id).values(**window))

    async def events(self, prefix: str) -> list[dict[str, Any]]:
        """The outbox envelopes whose event type starts with `prefix`, oldest first."""
        outbox = orm.messaging.outbox
        async with self.service.runtime.engine.connect() as conn:
            rows = await conn.scalars(
                sa.select(outbox.c.envelope).where(outbox.c.event_type.like(f"{prefix}%")).order_by(outbox.c.seq)
            )
            return [json.loads(r) for r in rows]

    async def audit(self, school_id: str = SCHOOL) -> list[dict[str, Any]]:
        """The school's audit trail as its principal reads it through HTTP."""
        r = await self.client.get(
            "/audit", headers=self.principal(school_id), params={"school_id": school_id, "limit": 1000}
        )
        assert r.status_code == 200, r.text
        entries: list[dict[str, Any]] = r.json()["entries"]
        return entries


Seed = Callable[[Gradebook], Awaitable[None]]


def class_opened(
    class_id: str,
    name: str,
    *,
    school_id: str = SCHOOL,
    grade: int = 6,
    school_year: str = "2025-2026",
    subjects: Sequence[CatalogueSubject] = (TOAN, GDTC),
) -> list[EventPayload]:
    """The events identity sends when a class of the school year `YEAR_ID` opens with its subjects."""
    level = (
        SchoolLevel.PRIMARY
        if grade <= 5
        else SchoolLevel.LOWER_SECONDARY
        if grade <= 9
        else SchoolLevel.UPPER_SECONDARY
    )
    return [
        ClassOpened(
            class_id=class_id,
            school_id=school_id,
            school_year_id=YEAR_ID,
            school_year=school_year,
            grade=grade,
            level=level,
            name=name,
        ),
        ClassSubjectsSet(class_id=class_id, school_id=school_id, school_year_id=YEAR_ID, subjects=list(subjects)),
    ]


def student_registered(
    student_id: str, family: str, middle: str, given: str, *, school_id: str = SCHOOL
) -> StudentRegistered:
    """An active student born 1 March 2014."""
    return StudentRegistered(
        student_id=student_id,
        school_id=school_id,
        student=StudentSnapshot(
            family_name=family,
            middle_name=middle,
            given_name=given,
            full_name=f"{family} {middle} {given}",
            date_of_birth=date(2014, 3, 1),
            sex="nam",
            status="active",
        ),
    )


def student_enrolled(
    student_id: str, class_id: str, *, enrollment_id: str | None = None, starts_on: date = date(2025, 9, 5)
) -> StudentEnrolled:
    """The student's enrolment in a class of the school `SCHOOL` (id `en-<student>` unless given)."""
    return StudentEnrolled(
        enrollment_id=enrollment_id or f"en-{student_id}",
        student_id=student_id,
        school_id=SCHOOL,
        class_id=class_id,
        school_year_id=YEAR_ID,
        starts_on=starts_on,
    )


async def seed(
    gb: Gradebook,
    *,
    school_name: str = "Trường THCS A",
    students: Sequence[tuple[str, str, str, str]] = STUDENTS,
) -> None:
    """The school, classes 6A1 and 6A2 (Toán, GDTC), the students in 6A1 and the Toán teacher of 6A1."""
    events: list[EventPayload] = [
        SchoolRegistered(
            school_id=SCHOOL,
            org_unit_id="xa-a",
            moet_code="thcsa",
            name=school_name,
            levels=[SchoolLevel.LOWER_SECONDARY],
        )
    ]
    events += class_opened(C6A1, "6A1") + class_opened(C6A2, "6A2")
    for sid, family, middle, given in students:
        events += [student_registered(sid, family, middle, given), student_enrolled(sid, C6A1)]
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


@asynccontextmanager
async def running_gradebook(
    tmp_path: Path,
    database_url: str | None = None,
    *,
    seed: Seed = seed,
    object_store: S3StoreSettings | None = None,
) -> AsyncIterator[Gradebook]:
    """A gradebook service on its migrated database (SQLite in `tmp_path`, or the PostgreSQL URL), seeded by `seed`
    (by default the school, classes 6A1 and 6A2 (Toán, GDTC), three students in 6A1 and the Toán teacher of 6A1),
    and an HTTP client. Evidence files go to `object_store`, or to a folder in `tmp_path`."""
    settings = GradebookSettings(data_dir=tmp_path, database_url=database_url, object_store=object_store)
    async with serve_in_process(
        tmp_path, name="gradebook", build=lambda bus: build(settings, bus=bus), create_app=create_app
    ) as running:
        gb = Gradebook(service=running.service, client=running.client, issuer=running.issuer)
        await seed(gb)
        yield gb


@asynccontextmanager
async def gradebook_on(
    backend: str,
    tmp_path: Path,
    postgres_url: str,
    *,
    seed: Seed = seed,
    object_store: S3StoreSettings | None = None,
) -> AsyncIterator[Gradebook]:
    """`running_gradebook` on SQLite (`backend` "sqlite") or on a fresh database of the PostgreSQL server at
    `postgres_url` ("postgres"), dropped afterwards."""
    async with (
        database_for(backend, postgres_url) as url,
        running_gradebook(tmp_path, url, seed=seed, object_store=object_store) as gb,
    ):
        yield gb
