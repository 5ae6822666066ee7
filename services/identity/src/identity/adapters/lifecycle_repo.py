"""Reading and writing promotion results, transfers and enrollment closures; moving a student between schools."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.orm_lifecycle import enrollment_closures, promotion_results, transfers
from identity.adapters.orm_people import classes, enrollments, students
from identity.domain.lifecycle import ClosureReason, PromotionOutcome, PromotionSource, RosterStudent, TransferStatus
from identity.domain.names import PersonName
from identity.domain.people import EnrollmentStatus, StudentStatus


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were written in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PromotionResult:
    student_id: str
    school_year_id: str
    school_id: str
    outcome: PromotionOutcome
    source: PromotionSource
    decided_at: datetime
    source_event_id: str | None = None


@dataclass(frozen=True)
class Transfer:
    id: str
    student_id: str
    from_school_id: str
    to_school_id: str
    to_class_id: str | None
    status: TransferStatus
    reason: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    from_enrollment_id: str | None = None
    to_enrollment_id: str | None = None


def _transfer(row: Any) -> Transfer:
    return Transfer(
        id=row.id,
        student_id=row.student_id,
        from_school_id=row.from_school_id,
        to_school_id=row.to_school_id,
        to_class_id=row.to_class_id,
        status=TransferStatus(row.status),
        reason=row.reason,
        requested_by=row.requested_by,
        requested_at=_aware(row.requested_at),
        decided_by=row.decided_by,
        decided_at=_aware(row.decided_at) if row.decided_at else None,
        decision_note=row.decision_note,
        from_enrollment_id=row.from_enrollment_id,
        to_enrollment_id=row.to_enrollment_id,
    )


@dataclass(frozen=True)
class TransferListing:
    transfer: Transfer
    student_name: str


class LifecycleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Rosters of a year

    async def rosters(self, class_ids: Sequence[str]) -> dict[str, list[RosterStudent]]:
        """Students with an active enrollment in each class, in a stable order."""
        if not class_ids:
            return {}
        rows = await self.session.execute(
            sa.select(
                enrollments.c.id,
                enrollments.c.class_id,
                students.c.id.label("student_id"),
                students.c.family_name,
                students.c.middle_name,
                students.c.given_name,
            )
            .join(students, students.c.id == enrollments.c.student_id)
            .where(
                enrollments.c.class_id.in_(list(class_ids)),
                enrollments.c.status == EnrollmentStatus.ACTIVE.value,
            )
            .order_by(students.c.sort_key, students.c.id)
        )
        out: dict[str, list[RosterStudent]] = {}
        for r in rows:
            name = PersonName(family=r.family_name, middle=r.middle_name, given=r.given_name)
            out.setdefault(r.class_id, []).append(
                RosterStudent(student_id=r.student_id, full_name=name.full, enrollment_id=r.id)
            )
        return out

    # Promotion results

    async def promotion_results(self, *, school_year_id: str, student_ids: Sequence[str]) -> dict[str, PromotionResult]:
        if not student_ids:
            return {}
        t = promotion_results
        rows = await self.session.execute(
            sa.select(t).where(t.c.school_year_id == school_year_id, t.c.student_id.in_(list(set(student_ids))))
        )
        return {
            r.student_id: PromotionResult(
                student_id=r.student_id,
                school_year_id=r.school_year_id,
                school_id=r.school_id,
                outcome=PromotionOutcome(r.outcome),
                source=PromotionSource(r.source),
                decided_at=_aware(r.decided_at),
                source_event_id=r.source_event_id,
            )
            for r in rows
        }

    async def save_promotion_result(self, result: PromotionResult, *, actor: str, replace: bool) -> None:
        values = {
            "school_id": result.school_id,
            "outcome": result.outcome.value,
            "source": result.source.value,
            "source_event_id": result.source_event_id,
            "decided_at": result.decided_at,
            "received_at": _now(),
            "recorded_by": actor,
        }
        t = promotion_results
        if replace:
            await self.session.execute(
                sa.update(t)
                .where(t.c.student_id == result.student_id, t.c.school_year_id == result.school_year_id)
                .values(**values)
            )
        else:
            await self.session.execute(
                sa.insert(t).values(student_id=result.student_id, school_year_id=result.school_year_id, **values)
            )

    # Transfers

    async def add_transfer(self, t: Transfer) -> None:
        await self.session.execute(
            sa.insert(transfers).values(
                id=t.id,
                student_id=t.student_id,
                from_school_id=t.from_school_id,
                to_school_id=t.to_school_id,
                to_class_id=t.to_class_id,
                status=t.status.value,
                reason=t.reason,
                requested_by=t.requested_by,
                requested_at=t.requested_at,
            )
        )

    async def get_transfer(self, transfer_id: str) -> Transfer | None:
        row = (await self.session.execute(sa.select(transfers).where(transfers.c.id == transfer_id))).first()
        return _transfer(row) if row else None

    async def pending_transfer_of(self, student_id: str) -> Transfer | None:
        row = (
            await self.session.execute(
                sa.select(transfers).where(
                    transfers.c.student_id == student_id, transfers.c.status == TransferStatus.REQUESTED.value
                )
            )
        ).first()
        return _transfer(row) if row else None

    async def decide_transfer(self, t: Transfer) -> bool:
        """Write a decision; False when another request decided the transfer first (optimistic check)."""
        result = await self.session.execute(
            sa.update(transfers)
            .where(transfers.c.id == t.id, transfers.c.status == TransferStatus.REQUESTED.value)
            .values(
                status=t.status.value,
                to_class_id=t.to_class_id,
                decided_by=t.decided_by,
                decided_at=t.decided_at,
                decision_note=t.decision_note,
                from_enrollment_id=t.from_enrollment_id,
                to_enrollment_id=t.to_enrollment_id,
            )
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def list_transfers(
        self, *, school_id: str, status: TransferStatus | None = None, limit: int = 100, offset: int = 0
    ) -> list[TransferListing]:
        """Transfers from or to a school, newest first, with the student's name."""
        query = (
            sa.select(transfers, students.c.family_name, students.c.middle_name, students.c.given_name)
            .join(students, students.c.id == transfers.c.student_id)
            .where(sa.or_(transfers.c.from_school_id == school_id, transfers.c.to_school_id == school_id))
            .order_by(transfers.c.requested_at.desc(), transfers.c.id)
            .limit(limit)
            .offset(offset)
        )
        if status is not None:
            query = query.where(transfers.c.status == status.value)
        return [
            TransferListing(
                transfer=_transfer(r),
                student_name=PersonName(family=r.family_name, middle=r.middle_name, given=r.given_name).full,
            )
            for r in await self.session.execute(query)
        ]

    # Students and enrollments

    async def move_student(self, student_id: str, *, school_id: str, actor: str) -> None:
        """The student's record now belongs to another school (after an accepted transfer)."""
        await self.session.execute(
            sa.update(students)
            .where(students.c.id == student_id)
            .values(school_id=school_id, updated_at=_now(), updated_by=actor)
        )

    async def set_student_status(self, student_ids: Sequence[str], status: StudentStatus, *, actor: str) -> None:
        if not student_ids:
            return
        await self.session.execute(
            sa.update(students)
            .where(students.c.id.in_(list(student_ids)))
            .values(status=status.value, updated_at=_now(), updated_by=actor)
        )

    async def record_closures(
        self,
        closures: Sequence[tuple[str, str, str]],  # (enrollment id, student id, school id)
        *,
        reason: ClosureReason,
        closed_on: date,
        actor: str,
        note: str | None = None,
        transfer_id: str | None = None,
    ) -> None:
        if not closures:
            return
        now = _now()
        await self.session.execute(
            sa.insert(enrollment_closures),
            [
                {
                    "enrollment_id": enrollment_id,
                    "student_id": student_id,
                    "school_id": school_id,
                    "reason": reason.value,
                    "closed_on": closed_on,
                    "note": note,
                    "transfer_id": transfer_id,
                    "recorded_at": now,
                    "recorded_by": actor,
                }
                for enrollment_id, student_id, school_id in closures
            ],
        )

    async def closures_of(self, student_id: str) -> list[dict[str, Any]]:
        """Why each closed enrollment of a student ended, oldest first, with the class name."""
        rows = await self.session.execute(
            sa.select(enrollment_closures, classes.c.name.label("class_name"))
            .join(enrollments, enrollments.c.id == enrollment_closures.c.enrollment_id)
            .join(classes, classes.c.id == enrollments.c.class_id)
            .where(enrollment_closures.c.student_id == student_id)
            .order_by(enrollment_closures.c.closed_on, enrollment_closures.c.recorded_at)
        )
        return [dict(r._mapping) for r in rows]
