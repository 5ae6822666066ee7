"""Demo gradebook of Trường THCS Hòa Lạc: the first half of semester I as teachers would have entered it.

Runs in embedded mode once identity's demo roster has reached the gradebook over the bus: regular scores and the
mid-term for every scored subject, ratings for comment subjects, a few absences, for every demo class. Entries go
through the gradebook's own use cases (validated, audited, announced) as the demo seed actor, never into tables
directly. Idempotent: a sheet that already has entries is left alone.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import date, timedelta
from decimal import Decimal

from edu_shared.auth.principal import CurrentUserClaims, Role, RoleGrant, ScopeType
from edu_shared.errors import DomainError
from edurecords.demo import SEED_ACTOR, demo_id
from edurecords.demo_people import CLASSES, SCHOOL, SEMESTERS, STUDENTS_PER_CLASS, YEAR
from gradebook.bootstrap import GradebookService
from gradebook.domain.attendance import MarkEntry
from gradebook.domain.sheet import MIDTERM, Entry, columns
from gradebook.service_layer import records
from gradebook.service_layer.handlers import Caller, RecordScores, record_scores

log = logging.getLogger(__name__)
SEED_NAME = "Dữ liệu mẫu"


def _caller(service: GradebookService, role: Role, scope_type: ScopeType, scope_id: str) -> Caller:
    claims = CurrentUserClaims(
        sub=SEED_ACTOR,
        username=SEED_ACTOR,
        name=SEED_NAME,
        grants=(RoleGrant(role=role, scope_type=scope_type, scope_id=scope_id),),
    )
    return Caller(user=claims, resolver=service.resolver)


def _score(rng: random.Random, ability: float) -> Decimal:
    raw = min(10.0, max(2.0, rng.gauss(ability, 1.2)))
    return Decimal(round(raw * 2) / 2).quantize(Decimal("0.1"))  # teachers mostly give whole and half points


async def _roster_ready(service: GradebookService, class_ids: list[str], *, timeout_s: float) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        async with service.uow() as uow:
            # Roster and directory are two consumers of the same events: wait for both to know every class.
            known = [await uow.scores.class_info(c) is not None for c in class_ids]
            sizes = [len(await uow.scores.class_students(c)) for c in class_ids]
            subjects = [len(await uow.scores.class_subject_list(c)) for c in class_ids]
        if all(known) and all(n == STUDENTS_PER_CLASS for n in sizes) and all(subjects):
            return True
        await asyncio.sleep(0.5)
    return False


async def seed_demo_gradebook(service: GradebookService, *, timeout_s: float = 120.0) -> int:
    """Enter the demo's first-half-of-semester-I data; returns how many sheets were written."""
    class_ids = [demo_id(f"{SCHOOL}/class/{YEAR}/{name}") for name in CLASSES]
    if not await _roster_ready(service, class_ids, timeout_s=timeout_s):
        log.warning("demo gradebook skipped: the demo roster did not reach the gradebook in time")
        return 0
    written = 0
    for class_id in class_ids:
        async with service.uow() as uow:
            students = await uow.scores.class_students(class_id)
            subjects = await uow.scores.class_subject_list(class_id)
        for subject in subjects:
            async with service.uow() as uow:
                if await uow.scores.sheet_version((class_id, subject.code, 1)) > 0:
                    continue
            rng = random.Random(f"{class_id}/{subject.code}")
            regular = [c for c in columns(subject.periods_per_year) if c.startswith("TX")][:2]
            entries: list[Entry] = []
            for student in students:
                ability = random.Random(student.id).uniform(5.0, 9.3)
                for column in [*regular, MIDTERM]:
                    if subject.assessment == "scored":
                        value: Decimal | str = _score(rng, ability)
                    else:
                        value = "Đ" if rng.random() < 0.96 else "CĐ"
                    entries.append(Entry(student_id=student.id, column=column, value=value))
            try:
                await record_scores(
                    RecordScores(
                        class_id=class_id, subject_code=subject.code, semester=1, entries=entries, expected_version=0
                    ),
                    service.uow(),
                    caller=_caller(
                        service, Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{class_id}:{subject.code}"
                    ),
                )
                written += 1
            except DomainError as err:  # someone entered this sheet meanwhile: theirs stands
                log.info("demo sheet %s/%s left as entered: %s", class_id, subject.code, err.detail)
        await _seed_absences(service, class_id, [s.id for s in students])
    return written


async def _seed_absences(service: GradebookService, class_id: str, students: list[str]) -> None:
    """A few morning absences on the last school days (excused or not)."""
    rng = random.Random(f"{class_id}/attendance")
    today, start = date.today(), SEMESTERS[0].starts_on
    day, taken = min(today, SEMESTERS[0].ends_on), 0
    caller = _caller(service, Role.HOMEROOM_TEACHER, ScopeType.CLASS, class_id)
    while taken < 5 and day >= start:
        day -= timedelta(days=1)
        if day.weekday() == 6:
            continue
        absent = rng.sample(students, k=rng.randint(0, 2))
        marks = [MarkEntry(student_id=s, status="K" if rng.random() < 0.3 else "P") for s in absent]
        try:
            await records.record_attendance(
                records.RecordAttendance(class_id=class_id, on=day, session="sang", semester=1, marks=marks),
                service.uow(),
                caller=caller,
            )
        except DomainError as err:
            log.info("demo attendance of %s on %s skipped: %s", class_id, day, err.detail)
        taken += 1
