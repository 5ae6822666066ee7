"""What the contact book sends when gradebook and identity events arrive (seed 002, Điều 7)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from edu_shared.contracts.gradebook import ScoresRecorded
from edu_shared.contracts.gradebook_records import AttendanceRecorded, DisciplineRecorded, ExemptionGranted
from edu_shared.contracts.gradebook_results import ClassResultsApproved, StudentResult
from edu_shared.contracts.identity_accounts import ParentOtpRequested
from edu_shared.contracts.signing import SigningReminderDue
from edu_shared.contracts.transcript import TranscriptIssued
from notifications.domain.preferences import DEFAULT_PREFERENCES, LOCAL_TZ, ContactPoints, Preferences
from notifications.domain.templates import Kind, fit_lines, short_school_name
from notifications.service_layer.queueing import Delivery, Draft, Queued, queue
from notifications.service_layer.uow import NotificationsUnitOfWork

ABSENCE_LABELS = {"excused": "vắng có phép", "unexcused": "vắng không phép", "late": "đi muộn"}
SESSION_LABELS = {"sang": "sáng", "chieu": "chiều"}
PERIOD_LABELS = {"hk1": "học kì I", "hk2": "học kì II", "year": "cả năm", "retest": "sau kiểm tra lại"}
OUTCOME_LABELS = {
    "len_lop": "lên lớp",
    "kiem_tra_lai": "kiểm tra lại",
    "ren_luyen_he": "rèn luyện hè",
    "o_lai_lop": "ở lại lớp",
}


def day(d: date) -> str:
    return d.strftime("%d/%m")


async def _school(uow: NotificationsUnitOfWork, school_id: str) -> dict[str, str]:
    name = await uow.contacts.school_name(school_id)
    return {"school": name, "school_short": short_school_name(name)}


@dataclass(frozen=True)
class ToParents:
    """A message about one student, for each of the student's reachable guardians."""

    source_id: str
    school_id: str
    student_id: str
    kind: Kind
    values: dict[str, str]


Wanted = ToParents | Draft


def to_parents(
    *, source_id: str, school_id: str, per_student: Sequence[tuple[str, Kind, dict[str, str]]]
) -> list[Wanted]:
    return [ToParents(f"{source_id}/{s}", school_id, s, kind, values) for s, kind, values in per_student]


async def deliver(
    uow: NotificationsUnitOfWork, wanted: Sequence[Wanted], *, delivery: Delivery, now: datetime
) -> Queued:
    """Resolve every student's reachable guardians at once, then queue all the drafts together."""
    students = sorted({w.student_id for w in wanted if isinstance(w, ToParents)})
    recipients = await uow.contacts.reachable_guardians(students)
    drafts: list[Draft] = []
    for w in wanted:
        if isinstance(w, Draft):
            drafts.append(w)
            continue
        drafts += [
            Draft(
                source_id=w.source_id,
                school_id=w.school_id,
                recipient_kind="guardian",
                recipient_id=r.guardian_id,
                student_id=w.student_id,
                kind=w.kind,
                values=w.values,
                contact=r.contact,
                preferences=r.preferences,
            )
            for r in recipients.get(w.student_id, [])
        ]
    return await queue(uow, drafts, delivery=delivery, now=now)


async def on_attendance(
    uow: NotificationsUnitOfWork, p: AttendanceRecorded, *, event_id: str, now: datetime
) -> list[Wanted]:
    """An absence or a late arrival goes to the parents at once (a mark taken back sends nothing)."""
    school = await _school(uow, p.school_id)
    period = f", tiết {p.period}" if p.period is not None else ""
    per_student = [
        (
            c.student_id,
            Kind.ABSENCE,
            {
                **school,
                "student": c.student_name,
                "class_name": p.class_name,
                "status": ABSENCE_LABELS[c.new_status],
                "session": SESSION_LABELS[p.session],
                "date": day(p.date),
                "period": period,
            },
        )
        for c in p.changes
        if c.new_status != "present" and c.new_status != c.old_status
    ]
    return to_parents(source_id=event_id, school_id=p.school_id, per_student=per_student)


def score_lines(p: ScoresRecorded, subject: str) -> dict[str, list[str]]:
    """Each student's new or changed scores as "Toán TX1 8" (a cleared cell says nothing)."""
    lines: dict[str, list[str]] = {}
    for c in p.changes:
        if c.new is not None and c.new != c.old:
            lines.setdefault(c.student_id, []).append(f"{subject} {c.column} {c.new.replace('.', ',')}")
    return lines


async def on_scores(uow: NotificationsUnitOfWork, p: ScoresRecorded, *, event_id: str, now: datetime) -> list[Wanted]:
    """New scores: held for the parent's daily digest, or sent at once when the school chose so."""
    settings = await uow.contacts.school_settings(p.school_id)
    subject = await uow.contacts.subject_name(p.class_id, p.subject_code)
    lines = score_lines(p, subject)
    if not lines:
        return []
    if settings.score_mode == "digest":
        await uow.digests.hold(event_id=event_id, school_id=p.school_id, lines=lines, now=now)
        return []
    school = await _school(uow, p.school_id)
    students = await uow.contacts.students(list(lines))
    per_student: list[tuple[str, Kind, dict[str, str]]] = []
    for student_id, student_lines in lines.items():
        info = students.get(student_id)
        values = {
            **school,
            "student": info.full_name if info else student_id,
            "class_name": info.class_name if info else "",
            "subject": subject,
        }
        short = [line.removeprefix(f"{subject} ") for line in student_lines]
        values["lines"] = fit_lines(Kind.SCORES, {**values, "lines": ""}, short)
        per_student.append((student_id, Kind.SCORES, values))
    return to_parents(source_id=event_id, school_id=p.school_id, per_student=per_student)


def _result_summary(s: StudentResult, period: str) -> str:
    parts: list[str] = []
    if s.result_label and period in s.result_label:
        parts.append(s.result_label[period])
    if period in s.learning:
        parts.append(f"học tập {s.learning[period]}")
    if period in s.training:
        parts.append(f"rèn luyện {s.training[period]}")
    if s.award_label:
        parts.append(s.award_label)
    if s.outcome:
        parts.append(OUTCOME_LABELS[s.outcome])
    return ", ".join(parts) or "đã được phê duyệt"


async def on_results(
    uow: NotificationsUnitOfWork, p: ClassResultsApproved, *, event_id: str, now: datetime
) -> list[Wanted]:
    """Approved results reach each student's own parents only."""
    school = await _school(uow, p.school_id)
    info = await uow.contacts.class_info(p.class_id)
    class_name = info[1] if info else ""
    per_student = [
        (
            s.student_id,
            Kind.RESULTS,
            {
                **school,
                "student": s.full_name,
                "class_name": class_name,
                "period": PERIOD_LABELS[p.period],
                "school_year": p.school_year,
                "summary": _result_summary(s, "year" if p.period == "retest" else p.period),
            },
        )
        for s in p.students
    ]
    return to_parents(source_id=event_id, school_id=p.school_id, per_student=per_student)


async def on_discipline(
    uow: NotificationsUnitOfWork, p: DisciplineRecorded, *, event_id: str, now: datetime
) -> list[Wanted]:
    """A discipline or reward decision goes to the student's parents."""
    values = {
        **await _school(uow, p.school_id),
        "student": p.student_name,
        "class_name": p.class_name,
        "label": p.level_label,
        "date": day(p.date),
        "content": p.content,
    }
    return to_parents(source_id=event_id, school_id=p.school_id, per_student=[(p.student_id, Kind.DISCIPLINE, values)])


async def on_exemption(
    uow: NotificationsUnitOfWork, p: ExemptionGranted, *, event_id: str, now: datetime
) -> list[Wanted]:
    """A subject exemption is confirmed to the parents (they usually asked for it)."""
    values = {
        **await _school(uow, p.school_id),
        "student": p.student_name,
        "class_name": p.class_name,
        "subject": p.subject_name,
        "period": f"học kì {'I' if p.semester == 1 else 'II'}" if p.semester else "cả năm",
    }
    return to_parents(source_id=event_id, school_id=p.school_id, per_student=[(p.student_id, Kind.EXEMPTION, values)])


ISSUE_REASONS = {"graduation": "hoàn thành cấp học", "transfer": "chuyển trường", "request": "theo đề nghị"}


async def on_transcript_issued(
    uow: NotificationsUnitOfWork, p: TranscriptIssued, *, event_id: str, now: datetime
) -> list[Wanted]:
    """The signed transcript was issued: the student's parents are told it is ready."""
    students = await uow.contacts.students([p.student_id])
    info = students.get(p.student_id)
    values = {
        **await _school(uow, p.school_id),
        "student": info.full_name if info else p.student_id,
        "reason": ISSUE_REASONS[p.reason],
        "transcript_id": p.transcript_id,
    }
    return to_parents(source_id=event_id, school_id=p.school_id, per_student=[(p.student_id, Kind.TRANSCRIPT, values)])


async def on_parent_otp(
    uow: NotificationsUnitOfWork, p: ParentOtpRequested, *, event_id: str, now: datetime
) -> list[Wanted]:
    """A sign-in code: to the phone identity named, at once, whatever the hour (the code is never logged)."""
    known = await uow.contacts.contact_of_account(p.account_id)
    prefs = DEFAULT_PREFERENCES
    zalo_id = None
    if known is not None:
        prefs = await uow.contacts.preferences_of(known[0])
        zalo_id = known[1].zalo_id
    minutes = max(1, math.ceil((p.expires_at - now).total_seconds() / 60))
    draft = Draft(
        source_id=event_id,
        school_id=p.school_id,
        recipient_kind="account",
        recipient_id=p.account_id,
        kind=Kind.OTP,
        values={"code": p.code, "minutes": str(minutes)},
        contact=ContactPoints(phone=p.phone, zalo_id=zalo_id),
        preferences=prefs,
    )
    return [draft]


SIGNER_ROLES = {
    "subject_teacher": "giáo viên bộ môn",
    "homeroom_teacher": "giáo viên chủ nhiệm",
    "principal": "hiệu trưởng",
    "vice_principal": "phó hiệu trưởng",
    "school_seal": "đóng dấu",
}
# Staff have no preferences of their own: a reminder to sign goes to the app only, outside the default quiet hours.
STAFF_PREFERENCES = Preferences(channels=("inapp",))


async def on_signing_reminder(
    uow: NotificationsUnitOfWork, p: SigningReminderDue, *, event_id: str, now: datetime
) -> list[Wanted]:
    """A signing step waited too long: each pending signer gets an in-app reminder, read with their staff account.

    The inbox is keyed by staff id, so a signer whose account identity has not created yet finds the reminder
    there once it exists (ADR 0021); the school seal has no person and gets nothing.
    """
    staff_ids = sorted({s.staff_id for s in p.signers if s.staff_id is not None})
    accounts = await uow.contacts.staff_accounts(staff_ids)
    since = p.waiting_since.astimezone(LOCAL_TZ).strftime("%d/%m/%Y")
    drafts: list[Wanted] = []
    for signer in p.signers:
        if signer.staff_id is None:
            continue
        account = accounts.get(signer.staff_id, f"staff:{signer.staff_id}")
        drafts.append(
            Draft(
                source_id=event_id,
                school_id=p.school_id,
                recipient_kind="staff",
                recipient_id=signer.staff_id,
                kind=Kind.SIGNING_REMINDER,
                values={"title": p.title, "since": since, "role": SIGNER_ROLES[signer.role], "step": str(p.step)},
                contact=ContactPoints(account=account),
                preferences=STAFF_PREFERENCES,
            )
        )
    return drafts
