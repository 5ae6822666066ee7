"""A small gradebook world for tests: one THCS school, two grade-6 classes, three students, one teacher.

The rosters are fed the way identity feeds them in production: identity events through the gradebook's consumers.
Used by the service's integration tests and by the benchmarks; nothing in the service imports it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
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
from edu_shared.testing.tokens import TokenIssuer, user_with
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


@asynccontextmanager
async def running_gradebook(tmp_path: Path, database_url: str | None = None) -> AsyncIterator[Gradebook]:
    """A gradebook service on its migrated database (SQLite in `tmp_path`, or the PostgreSQL URL), seeded with the
    school, classes 6A1 and 6A2 (Toán, GDTC), three students in 6A1 and the Toán teacher of 6A1, and an HTTP client."""
    bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
    service = build(GradebookSettings(data_dir=tmp_path, database_url=database_url), bus=bus)
    issuer = TokenIssuer()
    service.runtime.verifier = issuer.verifier()
    app = create_app(service, manage_lifespan=False)
    await bus.start()
    await service.runtime.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gradebook") as client:
            gb = Gradebook(service=service, client=client, issuer=issuer)
            await seed(gb)
            yield gb
    finally:
        await service.runtime.stop()
        await bus.close()


async def seed(gb: Gradebook) -> None:
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
