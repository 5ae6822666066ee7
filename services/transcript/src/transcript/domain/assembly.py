"""Builds a transcript from the facts the projections keep: pure, so a draft is rebuilt the same way every time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from transcript.domain.transcript import (
    Form,
    Guardian,
    Level,
    Mark,
    SignatureSlot,
    StudentProfile,
    SubjectLine,
    Transcript,
    YearPage,
    transcript_id,
)

EXEMPT = "Miễn"
PERIOD_ORDER = {"hk1": 0, "hk2": 1, "year": 2, "retest": 3}
AWARD_LABELS = {"xuat_sac": "Học sinh Xuất sắc", "gioi": "Học sinh Giỏi"}
# Thông tư 22 replaced Thông tư 58/26 grade by grade: 6 in 2021–22, 7 and 10 in 2022–23, 8 and 11 in 2023–24,
# 9 and 12 in 2024–25 (the first school year each grade is assessed under it).
_TT22_FROM = {6: 2021, 7: 2022, 10: 2022, 8: 2023, 11: 2023, 9: 2024, 12: 2024}


def form_for(grade: int, school_year: str) -> Form:
    """The assessment form a year page follows: TT27 for primary, TT22 or (earlier years) TT58 otherwise."""
    if grade <= 5:
        return "tt27"
    start = int(school_year[:4])
    return "tt22" if start >= _TT22_FROM.get(grade, 2024) else "tt58"


def signature_field(school_year: str, suffix: str) -> str:
    """A PDF field name, unique in the transcript: no dots (they separate field name parts in PDF)."""
    return f"Sig_{school_year.replace('-', '_')}_{suffix}"


@dataclass(frozen=True)
class Person:
    staff_id: str
    name: str


@dataclass(frozen=True)
class ApprovedSubject:
    code: str
    name: str
    hk1: Mark | None = None
    hk2: Mark | None = None
    year: Mark | None = None
    year_before_retest: Mark | None = None
    tests: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ApprovedResult:
    """One student's results as the principal approved them for a period (hk1, hk2, year, retest)."""

    period: str
    subjects: tuple[ApprovedSubject, ...] = ()
    learning: Mapping[str, str] = field(default_factory=dict)
    training: Mapping[str, str] = field(default_factory=dict)
    outcome: str | None = None
    award: str | None = None
    award_label: str | None = None
    absent_sessions: int = 0
    explanations: Mapping[str, str] = field(default_factory=dict)
    result_label: Mapping[str, str] = field(default_factory=dict)
    qualities: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    competences: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ClassYear:
    """What is known of the student's class in one school year."""

    class_id: str
    school_id: str
    school_name: str
    school_year: str
    grade: int
    name: str
    results: tuple[ApprovedResult, ...] = ()
    teachers: Mapping[str, Person] = field(default_factory=dict)  # subject code → teacher
    subject_names: Mapping[str, str] = field(default_factory=dict)  # subjects the class studies, in order
    comments: Mapping[tuple[str, int], str] = field(default_factory=dict)  # (subject code, semester) → comment
    exemptions: tuple[tuple[str, int | None], ...] = ()  # (subject code, semester or None for the year)
    homeroom: Person | None = None
    homeroom_comment: str | None = None
    principal: Person | None = None


@dataclass(frozen=True)
class TranscriptFacts:
    student_id: str
    level: Level
    profile: StudentProfile
    guardians: tuple[Guardian, ...]
    years: tuple[ClassYear, ...]


def _merge_subjects(results: Sequence[ApprovedResult], names: Mapping[str, str]) -> list[SubjectLine]:
    lines: dict[str, SubjectLine] = {code: SubjectLine(code=code, name=name) for code, name in names.items()}
    before_retest: dict[str, Mark] = {}
    for result in results:
        for s in result.subjects:
            line = lines.get(s.code) or SubjectLine(code=s.code, name=s.name)
            lines[s.code] = replace(
                line,
                name=s.name or line.name,
                hk1=s.hk1 if s.hk1 is not None else line.hk1,
                hk2=s.hk2 if s.hk2 is not None else line.hk2,
                year=s.year if s.year is not None else line.year,
                tests={**line.tests, **s.tests},
            )
            if s.year_before_retest is not None:
                before_retest[s.code] = s.year_before_retest
    for code, before in before_retest.items():
        # The approved year result is the one after the retest; the page shows both, the original first.
        lines[code] = replace(lines[code], year=before, retest=lines[code].year)
    return list(lines.values())


def _exempt(line: SubjectLine, exemptions: Sequence[tuple[str, int | None]]) -> SubjectLine:
    for code, semester in exemptions:
        if code != line.code:
            continue
        if semester == 1:
            line = replace(line, hk1=EXEMPT)
        elif semester == 2:
            line = replace(line, hk2=EXEMPT)
        else:
            line = replace(line, hk1=EXEMPT, hk2=EXEMPT, year=EXEMPT)
    return line


def _signers(year: ClassYear, subjects: Sequence[SubjectLine]) -> tuple[SignatureSlot, ...]:
    """Subject teachers sign their subject's line, then the homeroom teacher, the principal and the school seal."""
    slots = [
        SignatureSlot(
            role="subject_teacher",
            field_name=signature_field(year.school_year, f"GVBM_{s.code}"),
            name=teacher.name if (teacher := year.teachers.get(s.code)) else "",
            staff_id=teacher.staff_id if teacher else None,
            subject_code=s.code,
        )
        for s in subjects
    ]
    slots.append(
        SignatureSlot(
            role="homeroom_teacher",
            field_name=signature_field(year.school_year, "GVCN"),
            name=year.homeroom.name if year.homeroom else "",
            staff_id=year.homeroom.staff_id if year.homeroom else None,
        )
    )
    slots.append(
        SignatureSlot(
            role="principal",
            field_name=signature_field(year.school_year, "HieuTruong"),
            name=year.principal.name if year.principal else "",
            staff_id=year.principal.staff_id if year.principal else None,
        )
    )
    slots.append(
        SignatureSlot(
            role="school_seal", field_name=signature_field(year.school_year, "DauTruong"), name=year.school_name
        )
    )
    return tuple(slots)


def year_page(year: ClassYear) -> YearPage:
    """A year page from the class's facts: later approvals (hk2, year, retest) complete the earlier ones."""
    results = sorted(year.results, key=lambda r: PERIOD_ORDER.get(r.period, len(PERIOD_ORDER)))
    subjects = [
        replace(
            _exempt(line, year.exemptions),
            teacher_name=teacher.name if (teacher := year.teachers.get(line.code)) else None,
            # Semester II's comment is the year comment; until it is written, semester I's stands.
            comment=year.comments.get((line.code, 2)) or year.comments.get((line.code, 1)),
        )
        for line in _merge_subjects(results, year.subject_names)
    ]
    learning: dict[str, str] = {}
    training: dict[str, str] = {}
    education: dict[str, str] = {}
    qualities: dict[str, dict[str, str]] = {}
    competences: dict[str, dict[str, str]] = {}
    explanations: dict[str, str] = {}
    outcome: str | None = None
    award: str | None = None
    absent = 0
    for r in results:
        learning.update(r.learning)
        training.update(r.training)
        education.update(r.result_label)
        for code, levels in r.qualities.items():
            qualities.setdefault(code, {}).update(levels)
        for code, levels in r.competences.items():
            competences.setdefault(code, {}).update(levels)
        explanations.update(r.explanations)
        outcome = r.outcome or outcome
        award = r.award_label or AWARD_LABELS.get(r.award or "") or award
        absent = max(absent, r.absent_sessions)
    return YearPage(
        school_year=year.school_year,
        school_id=year.school_id,
        school_name=year.school_name,
        class_id=year.class_id,
        class_name=year.name,
        grade=year.grade,
        form=form_for(year.grade, year.school_year),
        subjects=tuple(subjects),
        learning=learning,
        training=training,
        education_result=education,
        qualities=qualities,
        competences=competences,
        absent_sessions=absent,
        outcome=outcome,
        award=award,
        explanations=explanations,
        homeroom_teacher=year.homeroom.name if year.homeroom else None,
        homeroom_comment=year.homeroom_comment,
        principal_name=year.principal.name if year.principal else None,
        approved_periods=tuple(r.period for r in results),
        signers=_signers(year, subjects),
    )


def assemble(facts: TranscriptFacts) -> Transcript:
    """The draft transcript: one page per school year, oldest first; the school is the latest year's."""
    pages = tuple(sorted((year_page(y) for y in facts.years), key=lambda p: (p.school_year, p.grade)))
    latest = pages[-1] if pages else None
    return Transcript(
        id=transcript_id(facts.student_id, facts.level),
        student_id=facts.student_id,
        school_id=latest.school_id if latest else "",
        school_name=latest.school_name if latest else "",
        level=facts.level,
        profile=facts.profile,
        guardians=facts.guardians,
        pages=pages,
    )
