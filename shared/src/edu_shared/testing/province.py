"""A synthetic province: the identity and gradebook events a real one would produce, from a seed.

`province_events(ProvinceSpec(schools=1000, students=500_000, seed=1))` streams, in publish order, the org tree
(the Sở and its communes), schools of every level, classes with their subjects, staff with titles and subject
groups, students (sex, ethnicity) and their enrolments, drop-outs, score sheets with realistic distributions
(each student has an ability; each score scatters around it, rounded the way teachers write them), a few
corrections after entry, attendance, approved year results (TT22 levels, promotion, awards; TT27 for primary)
and graduations from the final grades. Deterministic for a seed; memory stays flat whatever the size.
`recount` is the independent side of the reporting tests: plain Python over the same payloads.
Shared by the reporting tests, `edu reporting generate` and the benches.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from edu_shared.contracts.gradebook import TOPIC as GRADEBOOK_TOPIC
from edu_shared.contracts.gradebook import ScoreChange, ScoresRecorded
from edu_shared.contracts.gradebook_records import AttendanceChange, AttendanceRecorded
from edu_shared.contracts.gradebook_results import ClassResultsApproved, StudentResult, SubjectResult
from edu_shared.contracts.identity import TOPIC as IDENTITY_TOPIC
from edu_shared.contracts.identity import OrgUnitKind, OrgUnitRegistered, SchoolLevel, SchoolRegistered
from edu_shared.contracts.identity_people import (
    CatalogueSubject,
    ClassOpened,
    ClassSubjectsSet,
    StaffRegistered,
    StudentDroppedOut,
    StudentEnrolled,
    StudentGraduated,
    StudentRegistered,
    StudentSnapshot,
)
from edu_shared.events.registry import EventPayload

DEPARTMENT = "so-gddt"
CLASS_SIZE = 35
# Roughly the ethnic make-up of a northern mountain province; "Kinh" is the majority.
ETHNICITIES = (("Kinh", 0.78), ("Tày", 0.08), ("Thái", 0.05), ("Mường", 0.04), ("H'Mông", 0.03), ("Dao", 0.02))
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Quốc", "Ngọc", "Đức", "Thu")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hùng", "Lan", "Linh", "Mai", "Nam", "Phương", "Quân", "Tâm")
TITLES = (("Giáo viên", 0.86), ("Hiệu trưởng", 0.02), ("Phó hiệu trưởng", 0.04), ("Nhân viên", 0.08))

_TH = [
    CatalogueSubject(code="tieng_viet", name="Tiếng Việt", periods_per_year=245, assessment="scored"),
    CatalogueSubject(code="toan", name="Toán", periods_per_year=175, assessment="scored"),
    CatalogueSubject(code="dao_duc", name="Đạo đức", periods_per_year=35, assessment="comment"),
]
_THCS = [
    CatalogueSubject(code="ngu_van", name="Ngữ văn", periods_per_year=140, assessment="scored"),
    CatalogueSubject(code="toan", name="Toán", periods_per_year=140, assessment="scored"),
    CatalogueSubject(code="ngoai_ngu", name="Ngoại ngữ 1", periods_per_year=105, assessment="scored"),
    CatalogueSubject(code="khtn", name="Khoa học tự nhiên", periods_per_year=140, assessment="scored"),
    CatalogueSubject(code="lich_su_dia_li", name="Lịch sử và Địa lí", periods_per_year=105, assessment="scored"),
    CatalogueSubject(code="gdcd", name="Giáo dục công dân", periods_per_year=35, assessment="scored"),
    CatalogueSubject(code="gdtc", name="Giáo dục thể chất", periods_per_year=70, assessment="comment"),
]
_THPT = [
    CatalogueSubject(code="ngu_van", name="Ngữ văn", periods_per_year=105, assessment="scored"),
    CatalogueSubject(code="toan", name="Toán", periods_per_year=105, assessment="scored"),
    CatalogueSubject(code="ngoai_ngu", name="Ngoại ngữ 1", periods_per_year=105, assessment="scored"),
    CatalogueSubject(code="lich_su", name="Lịch sử", periods_per_year=52, assessment="scored"),
    CatalogueSubject(code="vat_li", name="Vật lí", periods_per_year=70, assessment="scored"),
    CatalogueSubject(code="hoa_hoc", name="Hóa học", periods_per_year=70, assessment="scored"),
    CatalogueSubject(code="gdtc", name="Giáo dục thể chất", periods_per_year=70, assessment="comment"),
]
LEVELS: dict[SchoolLevel, tuple[range, list[CatalogueSubject], str]] = {
    SchoolLevel.PRIMARY: (range(1, 6), _TH, "th"),
    SchoolLevel.LOWER_SECONDARY: (range(6, 10), _THCS, "thcs"),
    SchoolLevel.UPPER_SECONDARY: (range(10, 13), _THPT, "thpt"),
}
SUBJECT_GROUPS = {
    SchoolLevel.PRIMARY: ("Tổ 1", "Tổ 2-3", "Tổ 4-5"),
    SchoolLevel.LOWER_SECONDARY: ("Tổ Toán - Tin", "Tổ Ngữ văn", "Tổ Khoa học tự nhiên", "Tổ Ngoại ngữ"),
    SchoolLevel.UPPER_SECONDARY: ("Tổ Toán", "Tổ Ngữ văn", "Tổ Vật lí - Hóa học", "Tổ Ngoại ngữ"),
}
_ONE = Decimal("0.1")


@dataclass(frozen=True)
class ProvinceSpec:
    """How big the province is; students are spread over the schools, classes of about 35."""

    schools: int = 6
    students: int = 600
    seed: int = 1
    school_year: str = "2025-2026"
    communes_per_school: float = 0.1
    dropout_rate: float = 0.012
    correction_rate: float = 0.05
    attendance_days: int = 3


@dataclass(frozen=True)
class GeneratedEvent:
    """A payload, its topic and partition key (the school id, like the services that publish them)."""

    topic: str
    key: str
    payload: EventPayload


Emit = Callable[[EventPayload], GeneratedEvent]


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    x = rng.random()
    for value, weight in weighted:
        x -= weight
        if x < 0:
            return value
    return weighted[-1][0]


def _score(rng: random.Random, ability: float, *, integer: bool = False) -> Decimal:
    """A score near the student's ability; mostly whole or half points, sometimes quarters (rounded half up)."""
    raw = min(10.0, max(0.0, rng.gauss(ability, 1.1)))
    if integer:
        return Decimal(max(1, min(10, round(raw))))
    step = 0.25 if rng.random() < 0.2 else 0.5
    return (Decimal(str(round(raw / step) * step))).quantize(_ONE, rounding=ROUND_HALF_UP)


def _level_of_school(rng: random.Random, index: int) -> SchoolLevel:
    # Every small province has each level; then about half primary, a third lower and the rest upper secondary.
    if index < 3:
        return (SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY, SchoolLevel.UPPER_SECONDARY)[index]
    x = rng.random()
    return SchoolLevel.PRIMARY if x < 0.5 else SchoolLevel.LOWER_SECONDARY if x < 0.85 else SchoolLevel.UPPER_SECONDARY


def _tt22_learning(averages: list[Decimal], comments_ok: bool) -> str:
    if comments_ok and min(averages) >= Decimal("6.5") and sum(a >= 8 for a in averages) >= 6:
        return "Tốt"
    if comments_ok and min(averages) >= 5 and sum(a >= Decimal("6.5") for a in averages) >= 6:
        return "Khá"
    if sum(a >= 5 for a in averages) >= 6 and min(averages) >= Decimal("3.5"):
        return "Đạt"
    return "Chưa đạt"


def province_events(spec: ProvinceSpec) -> Iterator[GeneratedEvent]:
    """Every event of the province, in the order its services would publish them."""
    rng = random.Random(spec.seed)
    start_year = int(spec.school_year[:4])
    year_id = f"sy-{start_year}"
    at = datetime(start_year, 9, 5, 7, 0, tzinfo=UTC)
    communes = max(1, math.ceil(spec.schools * spec.communes_per_school))
    yield GeneratedEvent(
        IDENTITY_TOPIC,
        DEPARTMENT,
        OrgUnitRegistered(
            org_unit_id=DEPARTMENT, parent_id=None, code="sgddt", name="Sở GDĐT tỉnh Mẫu", kind=OrgUnitKind.DEPARTMENT
        ),
    )
    for c in range(communes):
        yield GeneratedEvent(
            IDENTITY_TOPIC,
            DEPARTMENT,
            OrgUnitRegistered(
                org_unit_id=f"xa-{c:04d}",
                parent_id=DEPARTMENT,
                code=f"xa{c:04d}",
                name=f"UBND xã Mẫu {c + 1}",
                kind=OrgUnitKind.COMMUNE,
            ),
        )
    per_school = [
        spec.students // spec.schools + (1 if i < spec.students % spec.schools else 0) for i in range(spec.schools)
    ]
    for index in range(spec.schools):
        yield from _school(rng, spec, index, f"xa-{index % communes:04d}", per_school[index], year_id, at)


def _school(
    rng: random.Random, spec: ProvinceSpec, index: int, unit: str, students: int, year_id: str, at: datetime
) -> Iterator[GeneratedEvent]:
    level = _level_of_school(rng, index)
    grades, subjects, prefix = LEVELS[level]
    school = f"sch-{index:05d}"

    def identity(payload: EventPayload) -> GeneratedEvent:
        return GeneratedEvent(IDENTITY_TOPIC, school, payload)

    def gradebook(payload: EventPayload) -> GeneratedEvent:
        return GeneratedEvent(GRADEBOOK_TOPIC, school, payload)

    yield identity(
        SchoolRegistered(
            school_id=school,
            org_unit_id=unit,
            moet_code=f"{prefix}{index:05d}",
            name=f"Trường {prefix.upper()} Mẫu {index + 1}",
            levels=[level],
        )
    )
    groups = SUBJECT_GROUPS[level]
    for s in range(max(3, students // 18)):
        title = _pick(rng, TITLES)
        yield identity(
            StaffRegistered(
                staff_id=f"{school}-gv-{s:04d}",
                school_id=school,
                family_name=rng.choice(FAMILY),
                middle_name=rng.choice(MIDDLE),
                given_name=rng.choice(GIVEN),
                full_name="Cán bộ",
                title=title,
                subject_group=rng.choice(groups) if title == "Giáo viên" else None,
            )
        )
    per_grade = [students // len(grades) + (1 if i < students % len(grades) else 0) for i in range(len(grades))]
    student_no = 0
    for grade, count in zip(grades, per_grade, strict=True):
        classes = max(1, math.ceil(count / CLASS_SIZE))
        for c in range(classes):
            size = count // classes + (1 if c < count % classes else 0)
            if size == 0:
                continue
            class_id = f"{school}-{grade}-{c}"
            yield identity(
                ClassOpened(
                    class_id=class_id,
                    school_id=school,
                    school_year_id=year_id,
                    school_year=spec.school_year,
                    grade=grade,
                    level=level,
                    name=f"{grade}A{c + 1}",
                )
            )
            yield identity(
                ClassSubjectsSet(class_id=class_id, school_id=school, school_year_id=year_id, subjects=subjects)
            )
            roster: list[tuple[str, float]] = []
            for _ in range(size):
                student_id = f"{school}-hs-{student_no:05d}"
                student_no += 1
                sex = "nu" if rng.random() < 0.49 else "nam"
                yield identity(
                    StudentRegistered(
                        student_id=student_id,
                        school_id=school,
                        student=StudentSnapshot(
                            family_name=rng.choice(FAMILY),
                            middle_name="Thị" if sex == "nu" else "Văn",
                            given_name=rng.choice(GIVEN),
                            full_name="Học sinh",
                            date_of_birth=date(
                                int(spec.school_year[:4]) - 6 - grade, 1 + rng.randrange(12), 1 + rng.randrange(28)
                            ),
                            sex=sex,
                            ethnicity=_pick(rng, ETHNICITIES),
                            status="active",
                        ),
                    )
                )
                yield identity(
                    StudentEnrolled(
                        enrollment_id=f"en-{student_id}",
                        student_id=student_id,
                        school_id=school,
                        class_id=class_id,
                        school_year_id=year_id,
                        starts_on=at.date(),
                    )
                )
                roster.append((student_id, min(9.6, max(3.0, rng.gauss(6.9, 1.2)))))
            yield from _class_year(
                rng, spec, school, class_id, grade, level, subjects, roster, year_id, at, identity, gradebook
            )


def _class_year(
    rng: random.Random,
    spec: ProvinceSpec,
    school: str,
    class_id: str,
    grade: int,
    level: SchoolLevel,
    subjects: list[CatalogueSubject],
    roster: list[tuple[str, float]],
    year_id: str,
    at: datetime,
    identity: Emit,
    gradebook: Emit,
) -> Iterator[GeneratedEvent]:
    """Drop-outs, score sheets, corrections, attendance, approved results and graduation of one class."""
    start = at.date()
    staying: list[tuple[str, float]] = []
    for student_id, ability in roster:
        if rng.random() < spec.dropout_rate:
            left_on = start + timedelta(days=rng.randrange(20, 250))
            yield identity(
                StudentDroppedOut(
                    student_id=student_id,
                    school_id=school,
                    enrollment_id=f"en-{student_id}",
                    class_id=class_id,
                    left_on=left_on,
                    reason="Hoàn cảnh gia đình khó khăn",
                )
            )
        else:
            staying.append((student_id, ability))
    primary = level == SchoolLevel.PRIMARY
    year_avg: dict[str, dict[str, Decimal]] = {s: {} for s, _ in staying}
    comment_ok: dict[str, bool] = {s: True for s, _ in staying}
    for semester in (1, 2):
        for subject in subjects:
            regular = 2 if subject.periods_per_year <= 35 else 3 if subject.periods_per_year <= 70 else 4
            columns = ["CK"] if primary else [*(f"TX{i}" for i in range(1, regular + 1)), "GK", "CK"]
            changes: list[ScoreChange] = []
            for student_id, ability in staying:
                if subject.assessment == "comment":
                    ratings = ["Đ" if rng.random() < 0.97 else "CĐ" for _ in columns]
                    comment_ok[student_id] &= all(r == "Đ" for r in ratings)
                    changes += [
                        ScoreChange(student_id=student_id, column=c, old=None, new=r)
                        for c, r in zip(columns, ratings, strict=True)
                    ]
                    continue
                values = [_score(rng, ability, integer=primary) for _ in columns]
                changes += [
                    ScoreChange(student_id=student_id, column=c, old=None, new=str(v))
                    for c, v in zip(columns, values, strict=True)
                ]
                if not primary:
                    tx, gk, ck = values[:-2], values[-2], values[-1]
                    avg = ((sum(tx, Decimal(0)) + 2 * gk + 3 * ck) / (len(tx) + 5)).quantize(
                        _ONE, rounding=ROUND_HALF_UP
                    )
                    previous = year_avg[student_id].get(subject.code)
                    year_avg[student_id][subject.code] = (
                        avg if previous is None else ((previous + 2 * avg) / 3).quantize(_ONE, rounding=ROUND_HALF_UP)
                    )
                else:
                    year_avg[student_id][subject.code] = values[-1]
            recorded_at = at + timedelta(days=60 + 120 * (semester - 1))
            yield gradebook(
                ScoresRecorded(
                    school_id=school,
                    class_id=class_id,
                    subject_code=subject.code,
                    school_year=spec.school_year,
                    semester=semester,
                    recorded_by="gv",
                    recorded_at=recorded_at,
                    changes=changes,
                )
            )
            if rng.random() < spec.correction_rate and changes:
                fixed = rng.sample(changes, k=min(3, len(changes)))
                corrections = []
                for i, ch in enumerate(fixed):
                    if subject.assessment == "comment":
                        new: str | None = "CĐ" if ch.new == "Đ" else "Đ"
                    elif i == 0 and len(fixed) > 1:
                        new = None  # a cell cleared by mistake at entry and taken back
                    else:
                        new = str(min(Decimal(10), Decimal(ch.new or "0") + Decimal("0.5")))
                    corrections.append(ScoreChange(student_id=ch.student_id, column=ch.column, old=ch.new, new=new))
                yield gradebook(
                    ScoresRecorded(
                        school_id=school,
                        class_id=class_id,
                        subject_code=subject.code,
                        school_year=spec.school_year,
                        semester=semester,
                        source="correction",
                        recorded_by="gv",
                        recorded_at=recorded_at + timedelta(days=3),
                        changes=corrections,
                    )
                )
    for day in range(spec.attendance_days):
        marks = [
            AttendanceChange(
                student_id=s,
                student_name="Học sinh",
                old_status="present",
                new_status=rng.choice(("excused", "unexcused", "late")),
            )
            for s, _ in staying
            if rng.random() < 0.04
        ]
        if marks:
            yield gradebook(
                AttendanceRecorded(
                    school_id=school,
                    class_id=class_id,
                    class_name="Lớp",
                    school_year=spec.school_year,
                    semester=1 + day % 2,
                    date=start + timedelta(days=7 + day * 40),
                    session="sang",
                    recorded_by="gvcn",
                    recorded_at=at + timedelta(days=7 + day * 40),
                    changes=marks,
                )
            )
    results = []
    for student_id, _ in staying:
        averages = year_avg[student_id]
        subject_results = [
            SubjectResult(
                code=s.code,
                name=s.name,
                year=float(averages[s.code]) if s.code in averages else ("Đ" if comment_ok[student_id] else "CĐ"),
            )
            for s in subjects
        ]
        if primary:
            low = min(averages.values())
            result = (
                "hoan_thanh_xuat_sac"
                if low >= 9
                else "hoan_thanh_tot"
                if low >= 7
                else "hoan_thanh"
                if low >= 5
                else "chua_hoan_thanh"
            )
            results.append(
                StudentResult(
                    student_id=student_id,
                    full_name="Học sinh",
                    subjects=subject_results,
                    learning={},
                    training={},
                    rule_set="tt27",
                    result={"year": result},
                    outcome="len_lop" if result != "chua_hoan_thanh" else "o_lai_lop",
                    award="xuat_sac" if result == "hoan_thanh_xuat_sac" else None,
                )
            )
            continue
        learning = _tt22_learning(list(averages.values()), comment_ok[student_id])
        training = _pick(rng, (("Tốt", 0.7), ("Khá", 0.22), ("Đạt", 0.07), ("Chưa đạt", 0.01)))
        outcome = (
            "len_lop"
            if learning != "Chưa đạt" and training != "Chưa đạt"
            else "ren_luyen_he"
            if training == "Chưa đạt"
            else "kiem_tra_lai"
        )
        award = None
        if training == "Tốt" and learning == "Tốt":
            award = "xuat_sac" if sum(a >= 9 for a in averages.values()) >= 6 else "gioi"
        results.append(
            StudentResult(
                student_id=student_id,
                full_name="Học sinh",
                subjects=subject_results,
                learning={"year": learning},
                training={"year": training},
                rule_set="tt22",
                outcome=outcome,
                award=award,
            )
        )
    if results:
        yield gradebook(
            ClassResultsApproved(
                approval_id=f"ap-{class_id}",
                school_id=school,
                class_id=class_id,
                school_year=spec.school_year,
                period="year",
                submitted_by="gvcn",
                approved_by="ht",
                approved_at=at + timedelta(days=265),
                snapshot_hash="0" * 64,
                students=results,
            )
        )
    if grade in (5, 9, 12):
        for r in results:
            if r.outcome == "len_lop":
                yield identity(
                    StudentGraduated(
                        student_id=r.student_id,
                        school_id=school,
                        enrollment_id=f"en-{r.student_id}",
                        class_id=class_id,
                        school_year_id=year_id,
                        grade=grade,
                        level=level,
                        ends_on=start + timedelta(days=270),
                    )
                )


# --- the independent recount: plain Python over the payloads, for cross-checking reports -------------------


@dataclass
class Truth:
    """What the generated events say, kept as plainly as possible (no SQL, nothing shared with a service)."""

    school_unit: dict[str, str] = field(default_factory=dict)
    classes: dict[str, ClassOpened] = field(default_factory=dict)
    students: dict[str, StudentRegistered] = field(default_factory=dict)
    placed: dict[str, str] = field(default_factory=dict)  # student → class
    dropped: dict[str, StudentDroppedOut] = field(default_factory=dict)
    graduated: list[StudentGraduated] = field(default_factory=list)
    staff: list[StaffRegistered] = field(default_factory=list)
    cells: dict[tuple[str, str, int, str, str], str | None] = field(default_factory=dict)
    results: list[tuple[str, Any]] = field(default_factory=list)  # (class id, StudentResult)
    attendance: Counter[tuple[str, str]] = field(default_factory=Counter)  # (school, status)

    def school_of(self, student: str) -> str:
        return self.classes[self.placed[student]].school_id

    def enrolled(self, schools: set[str] | None = None) -> list[str]:
        """Students counted at the start of the year and still there (drop-outs excluded)."""
        return [s for s in self.placed if s not in self.dropped and (schools is None or self.school_of(s) in schools)]


def recount(events: list[GeneratedEvent]) -> Truth:
    """Replay the payloads into dictionaries: the last value of every score cell, every placement, every result."""
    truth = Truth()
    for e in events:
        p = e.payload
        if isinstance(p, SchoolRegistered):
            truth.school_unit[p.school_id] = p.org_unit_id
        elif isinstance(p, ClassOpened):
            truth.classes[p.class_id] = p
        elif isinstance(p, StudentRegistered):
            truth.students[p.student_id] = p
        elif isinstance(p, StudentEnrolled):
            truth.placed[p.student_id] = p.class_id
        elif isinstance(p, StudentDroppedOut):
            truth.dropped[p.student_id] = p
        elif isinstance(p, StudentGraduated):
            truth.graduated.append(p)
        elif isinstance(p, StaffRegistered):
            truth.staff.append(p)
        elif isinstance(p, ScoresRecorded):
            for c in p.changes:
                truth.cells[(p.class_id, p.subject_code, p.semester, c.student_id, c.column)] = c.new
        elif isinstance(p, ClassResultsApproved):
            truth.results += [(p.class_id, s) for s in p.students]
        elif isinstance(p, AttendanceRecorded):
            for mark in p.changes:
                truth.attendance[(p.school_id, mark.new_status)] += 1
    return truth


def histogram(truth: Truth, *, subject: str, semester: int, schools: set[str] | None = None) -> Counter[str]:
    """Half-point buckets of the recorded values of a subject (ratings as themselves)."""
    counts: Counter[str] = Counter()
    for (class_id, code, sem, _, _), value in truth.cells.items():
        if value is None or code != subject or sem != semester:
            continue
        if schools is not None and truth.classes[class_id].school_id not in schools:
            continue
        try:
            number = Decimal(value)
        except ArithmeticError:
            counts[value] += 1
            continue
        counts[str((number * 2).to_integral_value(ROUND_FLOOR) / 2)] += 1
    return counts
