"""The messages the contact book sends, in Vietnamese: a title and body for the app, e-mail and Zalo, a short SMS.

One table, one row per kind of message. SMS texts are written so that, without diacritics, they fit one GSM-7
segment for realistic names (the tests run them over the demo school's students); `fit_lines` keeps a digest in
its segment by counting what it leaves out.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from edu_shared.errors import InvalidInput
from notifications.domain.sms import GSM7_SINGLE, gsm7_length, transliterate


class Kind(StrEnum):
    """Kinds of messages; a parent may opt out of each, except one-time codes."""

    ABSENCE = "absence"
    SCORES = "scores"  # immediate, one class and subject
    SCORES_DIGEST = "scores_digest"  # the day's new scores for one child
    RESULTS = "results"  # a semester's or the year's approved results
    DISCIPLINE = "discipline"  # a discipline or reward decision
    EXEMPTION = "exemption"  # a subject exemption (miễn học)
    TRANSCRIPT = "transcript"  # the signed transcript (học bạ) was issued
    OTP = "otp"  # a guardian's sign-in code
    ANNOUNCEMENT = "announcement"  # the school's announcement to a class, a grade or the school
    TEACHER_NOTE = "teacher_note"  # a subject teacher's note to a class's parents
    ADMIN = "admin"  # the Sở's or a unit's message to a contact group
    SIGNING_REMINDER = "signing_reminder"  # to a staff member: a document waits for their signature (DOMAIN §4)


# Codes expire in minutes: quiet hours and opt-outs do not apply to them.
URGENT_KINDS = frozenset({Kind.OTP})
NO_OPT_OUT = frozenset({Kind.OTP, Kind.ADMIN})


@dataclass(frozen=True)
class Template:
    title: str
    body: str
    sms: str


TEMPLATES: dict[Kind, Template] = {
    Kind.ABSENCE: Template(
        title="Thông báo vắng học: {student}",
        body="{school} thông báo: học sinh {student}, lớp {class_name}, {status} buổi {session} ngày {date}{period}.",
        sms="{school_short}: {student} lop {class_name} {status} buoi {session} {date}{period}.",
    ),
    Kind.SCORES: Template(
        title="Điểm mới môn {subject}: {student}",
        body="{school} thông báo điểm mới của {student}, lớp {class_name}, môn {subject}: {lines}.",
        sms="{school_short}: {student} lop {class_name} diem {subject}: {lines}",
    ),
    Kind.SCORES_DIGEST: Template(
        title="Điểm mới trong ngày: {student}",
        body="{school} thông báo các điểm mới ngày {date} của {student}, lớp {class_name}: {lines}.",
        sms="{school_short}: diem moi {date} cua {student}: {lines}",
    ),
    Kind.RESULTS: Template(
        title="Kết quả {period} của {student}",
        body="{school} thông báo kết quả {period} năm học {school_year} của {student}, lớp {class_name}: {summary}.",
        sms="{school_short}: KQ {period} cua {student} lop {class_name}: {summary}",
    ),
    Kind.DISCIPLINE: Template(
        title="{label}: {student}",
        body="{school} thông báo: học sinh {student}, lớp {class_name}: {label} ngày {date}. {content}",
        sms="{school_short}: {student} lop {class_name}: {label} ngay {date}",
    ),
    Kind.EXEMPTION: Template(
        title="Miễn học môn {subject}: {student}",
        body="{school} thông báo: học sinh {student}, lớp {class_name}, được miễn học môn {subject} ({period}).",
        sms="{school_short}: {student} lop {class_name} duoc mien hoc mon {subject} ({period})",
    ),
    Kind.TRANSCRIPT: Template(
        title="Học bạ của {student} đã được cấp",
        body="{school} thông báo: học bạ của {student} đã được ký số và cấp ({reason}). Mã tra cứu: {transcript_id}.",
        sms="{school_short}: hoc ba cua {student} da duoc ky so va cap ({reason}).",
    ),
    Kind.OTP: Template(
        title="Mã đăng nhập",
        body="Mã đăng nhập Sổ liên lạc điện tử của bạn là {code}, hiệu lực {minutes} phút. Không chia sẻ mã này.",
        sms="Ma dang nhap So lien lac dien tu: {code}. Hieu luc {minutes} phut. Khong chia se ma nay.",
    ),
    Kind.ANNOUNCEMENT: Template(title="{title}", body="{school} thông báo: {text}", sms="{school_short}: {text}"),
    Kind.TEACHER_NOTE: Template(
        title="Lời nhắn của giáo viên môn {subject}",
        body="Giáo viên môn {subject} lớp {class_name} nhắn phụ huynh: {text}",
        sms="GV {subject} lop {class_name}: {text}",
    ),
    Kind.ADMIN: Template(title="{title}", body="{sender} thông báo: {text}", sms="{sender}: {text}"),
    Kind.SIGNING_REMINDER: Template(
        title="Nhắc ký số: {title}",
        body="{title} đang chờ thầy/cô ký từ ngày {since} ({role}, bước {step}). Mời thầy/cô vào mục Ký số để ký.",
        sms="Nhac ky so: {title} dang cho thay/co ky tu ngay {since}.",
    ),
}


@dataclass(frozen=True)
class Rendered:
    kind: Kind
    title: str
    body: str
    sms: str


def variables(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def render(kind: Kind, values: Mapping[str, str]) -> Rendered:
    """Fill a kind's template; a missing variable is refused, naming it (never sent half-filled)."""
    template = TEMPLATES[kind]
    for part in (template.title, template.body, template.sms):
        for name in sorted(variables(part)):
            if name not in values:
                raise InvalidInput(
                    f"Mẫu tin '{kind.value}' thiếu giá trị '{name}'.", field=name, value=None, kind=kind.value
                )
    return Rendered(
        kind=kind,
        title=template.title.format_map(values),
        body=template.body.format_map(values),
        sms=template.sms.format_map(values),
    )


def fit_lines(
    kind: Kind, values: Mapping[str, str], lines: Sequence[str], *, limit: int = GSM7_SINGLE, sep: str = "; "
) -> str:
    """As many `lines` as keep the SMS (without diacritics) within `limit`, then "+N" for the ones left out."""
    sms = TEMPLATES[kind].sms
    chosen: list[str] = []
    for i, line in enumerate(lines):
        rest = len(lines) - i - 1
        candidate = sep.join([*chosen, line]) + (f" +{rest}" if rest else "")
        if gsm7_length(transliterate(sms.format_map({**values, "lines": candidate}))) > limit and chosen:
            return sep.join(chosen) + f" +{len(lines) - len(chosen)}"
        chosen.append(line)
    return sep.join(chosen)


def short_school_name(name: str) -> str:
    """The school's name as an SMS sender line: "Trường THCS Hòa Lạc" → "THCS Hoa Lac" (no diacritics)."""
    words = name.split()
    if words and words[0].lower() in {"trường", "truong"}:
        words = words[1:]
    return transliterate(" ".join(words))[:24]
