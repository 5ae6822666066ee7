"""Reads the projections into transcript facts, and keeps the drafts and homeroom comments."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from transcript.adapters import orm_transcripts as t
from transcript.adapters.json_document import TranscriptDocument, content_sha256, from_document, to_document
from transcript.domain.assembly import (
    ApprovedResult,
    ApprovedSubject,
    ClassYear,
    Person,
    TranscriptFacts,
)
from transcript.domain.lifecycle import Status
from transcript.domain.transcript import Guardian, Level, StudentProfile, Transcript, level_of_grade, score

PRINCIPAL_TITLE = "hieu_truong"


@dataclass(frozen=True)
class StoredTranscript:
    """A transcript as kept: the domain object, its content hash and when the draft last changed."""

    transcript: Transcript
    document: TranscriptDocument
    content_sha256: str
    updated_at: datetime
    status: Status = "draft"  # the lifecycle's (domain/lifecycle.py); the document itself is always the working draft
    version: int = 0
    stale: bool = False
    returned_reason: str | None = None


@dataclass(frozen=True)
class _Class:
    id: str
    school_id: str
    school_year: str
    grade: int
    name: str


def _marks(raw: Any) -> Any:
    return None if raw is None else score(raw)


def approved_result(period: str, raw: Mapping[str, Any]) -> ApprovedResult:
    """The domain view of a `StudentResult` payload (as stored in JSON)."""
    return ApprovedResult(
        period=period,
        subjects=tuple(
            ApprovedSubject(
                code=s["code"],
                name=s["name"],
                hk1=_marks(s.get("hk1")),
                hk2=_marks(s.get("hk2")),
                year=_marks(s.get("year")),
                year_before_retest=_marks(s.get("year_before_retest")),
                tests=s.get("tests") or {},
            )
            for s in raw.get("subjects", [])
        ),
        learning=raw.get("learning") or {},
        training=raw.get("training") or {},
        outcome=raw.get("outcome"),
        award=raw.get("award"),
        award_label=raw.get("award_label"),
        absent_sessions=raw.get("absent_sessions") or 0,
        explanations=raw.get("explanations") or {},
        # TT27 results by period: the printed labels where the gradebook sent them, else the codes (mapped to labels
        # when printed).
        result_label={**(raw.get("result") or {}), **(raw.get("result_label") or {})},
        qualities=raw.get("qualities") or {},
        competences=raw.get("competences") or {},
    )


class TranscriptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Which students a change reaches.

    async def students_of_classes(self, class_ids: Iterable[str]) -> set[str]:
        ids = list(class_ids)
        if not ids:
            return set()
        found = await self.session.scalars(sa.select(t.enrolments.c.student_id).where(t.enrolments.c.class_id.in_(ids)))
        return set(found)

    async def classes_of_staff(self, staff_id: str) -> set[str]:
        taught = await self.session.scalars(sa.select(t.teaching.c.class_id).where(t.teaching.c.staff_id == staff_id))
        led = await self.session.scalars(sa.select(t.homerooms.c.class_id).where(t.homerooms.c.staff_id == staff_id))
        return set(taught) | set(led)

    async def students_of_school(self, school_id: str) -> set[str]:
        found = await self.session.scalars(
            sa.select(t.enrolments.c.student_id).where(t.enrolments.c.school_id == school_id)
        )
        return set(found)

    # Facts.

    async def _profile(self, student_id: str) -> StudentProfile | None:
        row = (await self.session.execute(sa.select(t.students).where(t.students.c.id == student_id))).first()
        if row is None:
            return None
        return StudentProfile(
            full_name=row.full_name,
            family_name=row.family_name,
            middle_name=row.middle_name,
            given_name=row.given_name,
            date_of_birth=row.date_of_birth,
            sex=row.sex,
            place_of_birth=row.place_of_birth,
            ethnicity=row.ethnicity,
            national_id=row.national_id,
            moet_student_id=row.moet_student_id,
        )

    async def _staff_names(self, ids: Iterable[str]) -> dict[str, str]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        rows = await self.session.execute(sa.select(t.staff.c.id, t.staff.c.full_name).where(t.staff.c.id.in_(wanted)))
        return {r.id: r.full_name for r in rows}

    async def _class_year(self, student_id: str, klass: _Class) -> ClassYear:
        s = self.session
        school_name = await s.scalar(sa.select(t.schools.c.name).where(t.schools.c.id == klass.school_id)) or ""
        results = [
            approved_result(r.period, json.loads(r.result))
            for r in await s.execute(
                sa.select(t.results.c.period, t.results.c.result).where(
                    t.results.c.student_id == student_id, t.results.c.class_id == klass.id
                )
            )
        ]
        subjects = {
            r.subject_code: r.name
            for r in await s.execute(
                sa.select(t.class_subjects)
                .where(t.class_subjects.c.class_id == klass.id)
                .order_by(t.class_subjects.c.position)
            )
        }
        teaching = (
            await s.execute(
                sa.select(t.teaching.c.subject_code, t.teaching.c.staff_id, t.teaching.c.semester).where(
                    t.teaching.c.class_id == klass.id, t.teaching.c.active.is_(True)
                )
            )
        ).all()
        homeroom = await s.scalar(sa.select(t.homerooms.c.staff_id).where(t.homerooms.c.class_id == klass.id))
        principal = (
            await s.execute(
                sa.select(t.staff.c.id, t.staff.c.full_name)
                .where(
                    t.staff.c.school_id == klass.school_id,
                    t.staff.c.title == PRINCIPAL_TITLE,
                    t.staff.c.status == "active",
                )
                .order_by(t.staff.c.id)
            )
        ).first()
        names = await self._staff_names([r.staff_id for r in teaching] + ([homeroom] if homeroom else []))
        # The teacher of semester II (or of the whole year) is the one who gives the year result.
        teachers: dict[str, Person] = {}
        for r in sorted(teaching, key=lambda r: r.semester or 3):
            teachers[r.subject_code] = Person(r.staff_id, names.get(r.staff_id, ""))
        comments = {
            (r.subject_code, r.semester): r.text
            for r in await s.execute(
                sa.select(t.comments).where(t.comments.c.student_id == student_id, t.comments.c.class_id == klass.id)
            )
        }
        exemptions = tuple(
            (r.subject_code, r.semester)
            for r in await s.execute(
                sa.select(t.exemptions.c.subject_code, t.exemptions.c.semester)
                .where(
                    t.exemptions.c.student_id == student_id,
                    t.exemptions.c.class_id == klass.id,
                    t.exemptions.c.active.is_(True),
                )
                .order_by(t.exemptions.c.id)
            )
        )
        homeroom_comment = await s.scalar(
            sa.select(t.homeroom_comments.c.text).where(
                t.homeroom_comments.c.student_id == student_id,
                t.homeroom_comments.c.school_year == klass.school_year,
            )
        )
        return ClassYear(
            class_id=klass.id,
            school_id=klass.school_id,
            school_name=school_name,
            school_year=klass.school_year,
            grade=klass.grade,
            name=klass.name,
            results=tuple(results),
            teachers=teachers,
            subject_names=subjects,
            comments=comments,
            exemptions=exemptions,
            homeroom=Person(homeroom, names.get(homeroom, "")) if homeroom else None,
            homeroom_comment=homeroom_comment,
            principal=Person(principal.id, principal.full_name) if principal else None,
        )

    async def facts(self, student_id: str) -> list[TranscriptFacts]:
        """One set of facts per school level the student has been enrolled at (none before a profile arrives)."""
        profile = await self._profile(student_id)
        if profile is None:
            return []
        rows = (
            await self.session.execute(
                sa.select(t.enrolments.c.active, t.enrolments.c.starts_on, t.classes)
                .join(t.classes, t.classes.c.id == t.enrolments.c.class_id)
                .where(t.enrolments.c.student_id == student_id)
            )
        ).all()
        # Per school year, the class the student ended the year in: the active enrolment, else the latest.
        chosen: dict[str, tuple[bool, date, _Class]] = {}
        for r in rows:
            klass = _Class(r.id, r.school_id, r.school_year, r.grade, r.name)
            key = (bool(r.active), r.starts_on)
            if r.school_year not in chosen or key > chosen[r.school_year][:2]:
                chosen[r.school_year] = (*key, klass)
        by_level: dict[Level, list[ClassYear]] = defaultdict(list)
        for _, _, klass in sorted(chosen.values(), key=lambda c: c[2].school_year):
            by_level[level_of_grade(klass.grade)].append(await self._class_year(student_id, klass))
        guardians = tuple(
            Guardian(relation=g.relation, full_name=g.full_name, occupation=g.occupation)
            for g in await self.session.execute(
                sa.select(t.guardians)
                .where(t.guardians.c.student_id == student_id)
                .order_by(t.guardians.c.relation.desc(), t.guardians.c.guardian_id)
            )
        )
        return [
            TranscriptFacts(
                student_id=student_id, level=level, profile=profile, guardians=guardians, years=tuple(years)
            )
            for level, years in by_level.items()
        ]

    # Drafts.

    async def status(self, transcript_id: str) -> str | None:
        found: str | None = await self.session.scalar(
            sa.select(t.transcripts.c.status).where(t.transcripts.c.id == transcript_id)
        )
        return found

    async def save_draft(self, transcript: Transcript, *, now: datetime) -> str | None:
        """Store the draft; its content hash when the content changed, None when it did not."""
        document = to_document(transcript)
        sha = content_sha256(document)
        table = t.transcripts
        current = await self.session.scalar(sa.select(table.c.content_sha256).where(table.c.id == transcript.id))
        if current == sha:
            return None
        values = {
            "student_id": transcript.student_id,
            "school_id": transcript.school_id,
            "level": transcript.level,
            "verification_code": transcript.verification_code,
            "school_years": ",".join(p.school_year for p in transcript.pages),
            "content": document.model_dump_json(),
            "content_sha256": sha,
            "updated_at": now,
        }
        if current is None:
            await self.session.execute(sa.insert(table).values(id=transcript.id, status="draft", **values))
        else:
            await self.session.execute(sa.update(table).where(table.c.id == transcript.id).values(**values))
        return sha

    async def _stored(self, where: sa.ColumnElement[bool]) -> list[StoredTranscript]:
        c = t.transcripts.c
        rows = await self.session.execute(
            sa.select(c.content, c.content_sha256, c.updated_at, c.status, c.version, c.stale, c.returned_reason)
            .where(where)
            .order_by(c.level)
        )
        found = []
        for r in rows:
            document = TranscriptDocument.model_validate_json(r.content)
            found.append(
                StoredTranscript(
                    from_document(document),
                    document,
                    r.content_sha256,
                    r.updated_at,
                    status=r.status,
                    version=r.version,
                    stale=bool(r.stale),
                    returned_reason=r.returned_reason,
                )
            )
        return found

    async def get(self, transcript_id: str) -> StoredTranscript | None:
        found = await self._stored(t.transcripts.c.id == transcript_id)
        return found[0] if found else None

    async def by_code(self, code: str) -> StoredTranscript | None:
        found = await self._stored(t.transcripts.c.verification_code == code)
        return found[0] if found else None

    async def of_student(self, student_id: str) -> list[StoredTranscript]:
        return await self._stored(t.transcripts.c.student_id == student_id)

    async def student_at_school(self, school_id: str, *, student_id: str, national_id: str | None) -> str | None:
        """The id of the student enrolled at the school: by id, else by national id (another installation's ids)."""
        enrolled = sa.select(t.enrolments.c.student_id).where(t.enrolments.c.school_id == school_id)
        found: str | None = await self.session.scalar(
            sa.select(t.students.c.id).where(t.students.c.id == student_id, t.students.c.id.in_(enrolled))
        )
        if found is None and national_id:
            found = await self.session.scalar(
                sa.select(t.students.c.id)
                .where(t.students.c.national_id == national_id, t.students.c.id.in_(enrolled))
                .order_by(t.students.c.id)
                .limit(1)
            )
        return found

    async def class_info(self, class_id: str) -> tuple[str, str] | None:
        """The class's school and school year."""
        row = (
            await self.session.execute(
                sa.select(t.classes.c.school_id, t.classes.c.school_year).where(t.classes.c.id == class_id)
            )
        ).first()
        return None if row is None else (row.school_id, row.school_year)

    async def class_roster(self, class_id: str) -> list[str]:
        """The students enrolled in the class (active or not: a student who left still has that year's page)."""
        found = await self.session.scalars(
            sa.select(t.enrolments.c.student_id)
            .where(t.enrolments.c.class_id == class_id)
            .order_by(t.enrolments.c.student_id)
        )
        return list(dict.fromkeys(found))

    async def school_classes(self, school_id: str, school_year: str | None = None) -> list[tuple[str, str, str]]:
        """(class id, name, school year) of the school's classes, latest year first."""
        query = sa.select(t.classes.c.id, t.classes.c.name, t.classes.c.school_year).where(
            t.classes.c.school_id == school_id
        )
        if school_year is not None:
            query = query.where(t.classes.c.school_year == school_year)
        rows = await self.session.execute(query.order_by(t.classes.c.school_year.desc(), t.classes.c.name))
        return [(r.id, r.name, r.school_year) for r in rows]

    async def classes_of_student(self, student_id: str) -> set[str]:
        found = await self.session.scalars(
            sa.select(t.enrolments.c.class_id).where(t.enrolments.c.student_id == student_id)
        )
        return set(found)

    async def set_homeroom_comment(
        self, *, student_id: str, school_year: str, class_id: str, text: str | None, by: str, at: datetime
    ) -> None:
        table = t.homeroom_comments
        where = sa.and_(table.c.student_id == student_id, table.c.school_year == school_year)
        await self.session.execute(sa.delete(table).where(where))
        if text:
            await self.session.execute(
                sa.insert(table).values(
                    student_id=student_id,
                    school_year=school_year,
                    class_id=class_id,
                    text=text,
                    written_by=by,
                    written_at=at,
                )
            )
