"""A small transcript world for tests: a THCS school with class 6A1 (two students), and another school.

Projections are fed the way production feeds them: identity and gradebook events through the service's consumers.
Used by the service's integration tests and by the benchmark; nothing in the service imports it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from minio import Minio
from minio.deleteobjects import DeleteObject
from pydantic import SecretStr

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.contracts.gradebook_results import ClassResultsApproved, StudentResult, SubjectResult
from edu_shared.contracts.identity import OrgUnitKind, OrgUnitRegistered, SchoolLevel, SchoolRegistered
from edu_shared.contracts.identity_people import (
    CatalogueSubject,
    ClassOpened,
    ClassSubjectsSet,
    GuardianLinked,
    HomeroomAssigned,
    StaffRegistered,
    StudentEnrolled,
    StudentRegistered,
    StudentSnapshot,
    TeachingAssigned,
)
from edu_shared.events.envelope import CloudEvent, new_event
from edu_shared.events.registry import EventPayload, event_registry
from edu_shared.objectstore.settings import S3StoreSettings
from edu_shared.testing.inprocess import database_for, serve_in_process
from edu_shared.testing.servers import S3Location
from edu_shared.testing.tokens import TokenIssuer, user_with
from transcript.adapters import orm
from transcript.bootstrap import TranscriptService, build, create_app
from transcript.config import TranscriptSettings

SCHOOL, OTHER_SCHOOL = "sch-1", "sch-2"
UNIT = "xa-a"
C6A1, C6B1 = "cls-6a1", "cls-6b1"
YEAR_ID, YEAR = "sy-2025", "2025-2026"
SUBJECTS = [
    CatalogueSubject(code="ngu_van", name="Ngữ văn", periods_per_year=140, assessment="scored"),
    CatalogueSubject(code="toan", name="Toán", periods_per_year=140, assessment="scored"),
    CatalogueSubject(code="gdtc", name="Giáo dục thể chất", periods_per_year=70, assessment="comment"),
]


@dataclass
class Transcripts:
    service: TranscriptService
    client: httpx.AsyncClient
    issuer: TokenIssuer

    def bearer(self, role: Role, scope_type: ScopeType, scope_id: str, *, username: str = "tester") -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.issuer.issue(user_with(role, scope_type, scope_id, username=username))}"
        }

    def parent(self, student_id: str = "st-1") -> dict[str, str]:
        return self.bearer(Role.PARENT, ScopeType.STUDENT, student_id, username="phuhuynh")

    def homeroom(self, class_id: str = C6A1) -> dict[str, str]:
        return self.bearer(Role.HOMEROOM_TEACHER, ScopeType.CLASS, class_id, username="gvcn")

    def teacher(self, class_id: str = C6A1, subject: str = "toan") -> dict[str, str]:
        return self.bearer(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{class_id}:{subject}", username="gvbm")

    def principal(self, school_id: str = SCHOOL) -> dict[str, str]:
        return self.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, school_id, username="hieutruong")

    async def publish(self, *payloads: EventPayload, key: str = SCHOOL) -> list[CloudEvent]:
        """Deliver events to every consumer subscribed to their topic, as the bus would."""
        events = [new_event(p, source="/test", partition_key=key) for p in payloads]
        await self.deliver(*events)
        return events

    async def deliver(self, *events: CloudEvent) -> None:
        """Hand already-built envelopes to the consumers again (a redelivery keeps the event id)."""
        for event in events:
            for sub in self.service.runtime.subscriptions:
                if _topic_of(event) in sub.topics:
                    await sub.handler(event)

    async def events(self, prefix: str) -> list[dict[str, Any]]:
        """The outbox envelopes whose event type starts with `prefix`, oldest first."""
        outbox = orm.messaging.outbox
        async with self.service.runtime.engine.connect() as conn:
            rows = await conn.scalars(
                sa.select(outbox.c.envelope).where(outbox.c.event_type.like(f"{prefix}%")).order_by(outbox.c.seq)
            )
            return [json.loads(r) for r in rows]

    async def transcript_id(self, student_id: str = "st-1", headers: dict[str, str] | None = None) -> str:
        r = await self.client.get(f"/students/{student_id}/transcripts", headers=headers or self.principal())
        assert r.status_code == 200, r.text
        found: str = r.json()[0]["id"]
        return found


def _topic_of(event: CloudEvent) -> str:
    return event_registry.get(event.type).topic


def student(
    student_id: str, full_name: str, *, school_id: str = SCHOOL, born: date = date(2014, 3, 1)
) -> StudentRegistered:
    family, *middle, given = full_name.split()
    return StudentRegistered(
        student_id=student_id,
        school_id=school_id,
        student=StudentSnapshot(
            family_name=family,
            middle_name=" ".join(middle),
            given_name=given,
            full_name=full_name,
            date_of_birth=born,
            sex="nu",
            place_of_birth="Đà Nẵng",
            ethnicity="Kinh",
            national_id="048314001234",
            moet_student_id="4801234567",
            status="active",
        ),
    )


def staff(staff_id: str, full_name: str, *, title: str = "giao_vien", school_id: str = SCHOOL) -> StaffRegistered:
    family, *middle, given = full_name.split()
    return StaffRegistered(
        staff_id=staff_id,
        school_id=school_id,
        family_name=family,
        middle_name=" ".join(middle),
        given_name=given,
        full_name=full_name,
        title=title,
    )


def school_events(school_id: str, name: str, class_id: str, class_name: str) -> list[EventPayload]:
    return [
        SchoolRegistered(
            school_id=school_id, org_unit_id=UNIT, moet_code=school_id, name=name, levels=[SchoolLevel.LOWER_SECONDARY]
        ),
        ClassOpened(
            class_id=class_id,
            school_id=school_id,
            school_year_id=YEAR_ID,
            school_year=YEAR,
            grade=6,
            level=SchoolLevel.LOWER_SECONDARY,
            name=class_name,
        ),
        ClassSubjectsSet(class_id=class_id, school_id=school_id, school_year_id=YEAR_ID, subjects=SUBJECTS),
    ]


def enrolled(student_id: str, class_id: str = C6A1, *, school_id: str = SCHOOL) -> StudentEnrolled:
    return StudentEnrolled(
        enrollment_id=f"en-{student_id}",
        student_id=student_id,
        school_id=school_id,
        class_id=class_id,
        school_year_id=YEAR_ID,
        starts_on=date(2025, 9, 5),
    )


async def seed(tr: Transcripts) -> None:
    """School sch-1 (class 6A1: st-1 Nguyễn Thị Ánh, st-2 Lê Văn Bình; homeroom, Toán and Ngữ văn teachers,
    principal), and school sch-2 (class 6B1: st-9)."""
    await tr.publish(
        OrgUnitRegistered(org_unit_id=UNIT, parent_id=None, code="xa-a", name="Xã A", kind=OrgUnitKind.COMMUNE)
    )
    await tr.publish(*school_events(SCHOOL, "Trường THCS Nguyễn Du", C6A1, "6A1"))
    await tr.publish(*school_events(OTHER_SCHOOL, "Trường THCS Lê Lợi", C6B1, "6B1"), key=OTHER_SCHOOL)
    await tr.publish(
        staff("staff-ht", "Phạm Văn Hùng", title="hieu_truong"),
        staff("staff-gvcn", "Nguyễn Thị Hoa"),
        staff("staff-toan", "Trần Văn Bình"),
        HomeroomAssigned(
            assignment_id="hr-1",
            school_id=SCHOOL,
            class_id=C6A1,
            staff_id="staff-gvcn",
            school_year_id=YEAR_ID,
            starts_on=date(2025, 9, 1),
        ),
        TeachingAssigned(
            assignment_id="ta-toan",
            school_id=SCHOOL,
            class_id=C6A1,
            subject_code="toan",
            staff_id="staff-toan",
            school_year_id=YEAR_ID,
        ),
        TeachingAssigned(
            assignment_id="ta-van",
            school_id=SCHOOL,
            class_id=C6A1,
            subject_code="ngu_van",
            staff_id="staff-gvcn",
            school_year_id=YEAR_ID,
        ),
        student("st-1", "Nguyễn Thị Ánh"),
        enrolled("st-1"),
        GuardianLinked(
            student_id="st-1",
            school_id=SCHOOL,
            guardian_id="g-1",
            relation="me",
            full_name="Lê Thị Hồng",
            occupation="Giáo viên",
        ),
        student("st-2", "Lê Văn Bình"),
        enrolled("st-2"),
    )
    await tr.publish(
        student("st-9", "Đỗ Minh Châu", school_id=OTHER_SCHOOL),
        enrolled("st-9", C6B1, school_id=OTHER_SCHOOL),
        key=OTHER_SCHOOL,
    )


def year_result(student_id: str, full_name: str, *, toan: float = 8.3) -> StudentResult:
    """A year result of 6A1: Ngữ văn, Toán, GDTC; promoted; Tốt/Khá."""
    return StudentResult(
        student_id=student_id,
        full_name=full_name,
        subjects=[
            SubjectResult(code="ngu_van", name="Ngữ văn", hk1=7.5, hk2=8.0, year=7.8),
            SubjectResult(code="toan", name="Toán", hk1=8.0, hk2=8.5, year=toan),
            SubjectResult(code="gdtc", name="Giáo dục thể chất", hk1="Đ", hk2="Đ", year="Đ"),
        ],
        learning={"hk1": "Khá", "hk2": "Khá", "year": "Khá"},
        training={"hk1": "Tốt", "hk2": "Tốt", "year": "Tốt"},
        outcome="len_lop",
        absent_sessions=2,
        rule_set="tt22",
    )


def approved(period: str, results: Sequence[StudentResult], *, class_id: str = C6A1) -> ClassResultsApproved:
    """The principal's approval of the class's results for `period`."""
    return ClassResultsApproved(
        approval_id=f"ap-{class_id}-{period}",
        school_id=SCHOOL,
        class_id=class_id,
        school_year=YEAR,
        period=period,
        submitted_by="gvcn",
        approved_by="hieutruong",
        approved_at=datetime(2026, 5, 30, 3, 0, tzinfo=UTC),
        snapshot_hash="0" * 64,
        students=list(results),
    )


def minio_test_bucket(s3: S3Location) -> S3StoreSettings:
    """A bucket of its own on the test MinIO for one test, removable afterwards (GOVERNANCE, not COMPLIANCE)."""
    return S3StoreSettings(
        endpoint=s3.endpoint,
        access_key=s3.access_key,
        secret_key=SecretStr(s3.secret_key),
        bucket=f"edu-test-transcripts-{uuid.uuid4().hex[:10]}",
        lock_mode="GOVERNANCE",
    )


def remove_minio_bucket(settings: S3StoreSettings) -> None:
    """Delete every object version of the test bucket, bypassing its governance lock, then the bucket."""
    client = Minio(
        settings.endpoint,
        access_key=settings.access_key,
        secret_key=settings.secret_key.get_secret_value(),
        secure=settings.secure,
    )
    if not client.bucket_exists(settings.bucket):
        return
    versions = [
        DeleteObject(found.object_name or "", found.version_id)
        for found in client.list_objects(settings.bucket, recursive=True, include_version=True)
    ]
    errors = list(client.remove_objects(settings.bucket, versions, bypass_governance_mode=True))
    if errors:
        raise RuntimeError(f"test bucket {settings.bucket} not emptied: {errors}")
    client.remove_bucket(settings.bucket)


@asynccontextmanager
async def running_transcripts(
    tmp_path: Path, database_url: str | None = None, *, object_store: S3StoreSettings | None = None
) -> AsyncIterator[Transcripts]:
    """A transcript service on its migrated database (SQLite in `tmp_path`, or the PostgreSQL URL) and object
    store (the filesystem store in `tmp_path`, or the S3 bucket), seeded."""
    settings = TranscriptSettings(
        data_dir=tmp_path, database_url=database_url, public_base_url="https://hocba.test", object_store=object_store
    )
    async with serve_in_process(
        tmp_path, name="transcript", build=lambda bus: build(settings, bus=bus), create_app=create_app
    ) as running:
        tr = Transcripts(service=running.service, client=running.client, issuer=running.issuer)
        try:
            await seed(tr)
            yield tr
        finally:
            await running.service.stop_jobs()


@asynccontextmanager
async def transcripts_on(
    backend: str, tmp_path: Path, postgres_url: str, *, object_store: S3StoreSettings | None = None
) -> AsyncIterator[Transcripts]:
    """`running_transcripts` on SQLite ("sqlite") or on a fresh database of the PostgreSQL server ("postgres")."""
    async with (
        database_for(backend, postgres_url) as url,
        running_transcripts(tmp_path, url, object_store=object_store) as tr,
    ):
        yield tr
