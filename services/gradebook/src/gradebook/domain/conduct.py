"""Conduct: training results (kết quả rèn luyện, TT22) and primary qualities and competences (TT27).

Pure: no I/O. The homeroom teacher rates each student per semester. Grades 6–12 (TT22) get one training level
per semester (Tốt / Khá / Đạt / Chưa đạt) and the year result comes from `tt22.training_year_result`. Grades 1–5
(TT27) get the five qualities (phẩm chất) and three general competences (năng lực chung) rated Tốt / Đạt /
Cần cố gắng at mid-semester and at the end of the semester. Every entry of a batch is checked together.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from edu_shared.errors import InvalidInput
from gradebook.domain.rules.tt22 import Level, training_year_result
from gradebook.domain.rules.tt27 import QualityLevel

RuleSet = Literal["tt22", "tt27"]
Stage = Literal["mid", "end"]
STAGE_LABELS: dict[str, str] = {"mid": "giữa học kì", "end": "cuối học kì"}
PRIMARY_GRADES = range(1, 6)

QUALITIES: dict[str, str] = {
    "yeu_nuoc": "Yêu nước",
    "nhan_ai": "Nhân ái",
    "cham_chi": "Chăm chỉ",
    "trung_thuc": "Trung thực",
    "trach_nhiem": "Trách nhiệm",
}
COMPETENCES: dict[str, str] = {
    "tu_chu_tu_hoc": "Tự chủ và tự học",
    "giao_tiep_hop_tac": "Giao tiếp và hợp tác",
    "giai_quyet_van_de_sang_tao": "Giải quyết vấn đề và sáng tạo",
}
QUALITY_LABELS: dict[QualityLevel, str] = {
    QualityLevel.TOT: "Tốt",
    QualityLevel.DAT: "Đạt",
    QualityLevel.CAN_CO_GANG: "Cần cố gắng",
}
MAX_COMMENT = 1000


def _key(raw: str) -> str:
    return unicodedata.normalize("NFC", raw).strip().lower()


_TRAINING = {_key(level.label): level for level in Level} | {
    "tot": Level.TOT,
    "kha": Level.KHA,
    "dat": Level.DAT,
    "chua_dat": Level.CHUA_DAT,
    "t": Level.TOT,
    "k": Level.KHA,
    "đ": Level.DAT,
    "cđ": Level.CHUA_DAT,
}
_QUALITY = {_key(label): level for level, label in QUALITY_LABELS.items()} | {
    "tot": QualityLevel.TOT,
    "dat": QualityLevel.DAT,
    "can_co_gang": QualityLevel.CAN_CO_GANG,
    "t": QualityLevel.TOT,
    "đ": QualityLevel.DAT,
    "c": QualityLevel.CAN_CO_GANG,
}


def rule_set_for_grade(grade: int) -> RuleSet:
    """Primary grades 1–5 follow TT27; grades 6–12 follow TT22."""
    return "tt27" if grade in PRIMARY_GRADES else "tt22"


def parse_training(raw: object) -> Level | None:
    """A TT22 training level as typed ("Tốt", "Khá", "Đạt", "Chưa đạt", or tot/kha/dat/chua_dat); None if unknown."""
    return _TRAINING.get(_key(raw)) if isinstance(raw, str) else None


def parse_quality(raw: object) -> QualityLevel | None:
    """A TT27 quality or competence level ("Tốt", "Đạt", "Cần cố gắng"); None if unknown."""
    return _QUALITY.get(_key(raw)) if isinstance(raw, str) else None


@dataclass(frozen=True)
class ConductEntry:
    """One student's rating as sent: `training` for TT22 classes, `qualities` and `competences` for TT27 ones."""

    student_id: str
    training: str | None = None
    qualities: Mapping[str, str] | None = None
    competences: Mapping[str, str] | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Conduct:
    """A checked rating of one student for one semester and stage."""

    training: Level | None = None
    qualities: Mapping[str, QualityLevel] = field(default_factory=dict)
    competences: Mapping[str, QualityLevel] = field(default_factory=dict)
    comment: str | None = None


class InvalidConduct(InvalidInput):
    """A batch of ratings with at least one bad entry: nothing of it is written."""

    slug = "invalid-conduct"
    title = "Đánh giá rèn luyện không hợp lệ"


def check_stage(stage: str, *, rule_set: RuleSet) -> Stage:
    """TT22 rates once per semester (end); TT27 at mid-semester and at the end."""
    if stage not in STAGE_LABELS:
        raise InvalidInput(
            f"Thời điểm đánh giá '{stage}' không hợp lệ: chỉ nhận 'mid' (giữa kì) hoặc 'end' (cuối kì).",
            field="stage",
            value=stage,
        )
    if rule_set == "tt22" and stage != "end":
        raise InvalidInput(
            "Kết quả rèn luyện (Thông tư 22) chỉ đánh giá cuối mỗi học kì: thời điểm phải là 'end'.",
            field="stage",
            value=stage,
        )
    return "mid" if stage == "mid" else "end"


def _levels(
    sent: Mapping[str, str] | None, *, catalogue: Mapping[str, str], what: str, name: str, problems: list[str]
) -> dict[str, QualityLevel]:
    found: dict[str, QualityLevel] = {}
    sent = sent or {}
    for code, raw in sent.items():
        if code not in catalogue:
            problems.append(f"{what} '{code}' của học sinh {name} không có (các mục: {', '.join(catalogue)}).")
            continue
        level = parse_quality(raw)
        if level is None:
            problems.append(
                f"Mức '{raw}' của {catalogue[code]} (học sinh {name}) không hợp lệ: chỉ nhận Tốt, Đạt hoặc Cần cố gắng."
            )
            continue
        found[code] = level
    missing = [catalogue[c] for c in catalogue if c not in sent]
    if missing:
        problems.append(f"Học sinh {name} còn thiếu đánh giá {what.lower()}: {', '.join(missing)}.")
    return found


def check_conduct(
    entries: Sequence[ConductEntry], *, rule_set: RuleSet, students: Mapping[str, str]
) -> dict[str, Conduct]:
    """Every entry checked against the class's rule set; raise InvalidConduct listing every bad one."""
    problems: list[dict[str, object]] = []
    checked: dict[str, Conduct] = {}
    for e in entries:
        name = students.get(e.student_id)
        messages: list[str] = []
        training: Level | None = None
        qualities: dict[str, QualityLevel] = {}
        competences: dict[str, QualityLevel] = {}
        if name is None:
            messages.append(f"Học sinh {e.student_id} không thuộc danh sách lớp.")
        elif e.student_id in checked:
            messages.append(f"Học sinh {name} được đánh giá nhiều lần trong cùng một lượt.")
        elif rule_set == "tt22":
            if e.qualities or e.competences:
                messages.append(
                    f"Lớp THCS/THPT (Thông tư 22) không đánh giá phẩm chất, năng lực theo Thông tư 27 "
                    f"(học sinh {name})."
                )
            training = parse_training(e.training)
            if training is None:
                messages.append(
                    f"Kết quả rèn luyện '{e.training}' của học sinh {name} không hợp lệ: "
                    "chỉ nhận Tốt, Khá, Đạt hoặc Chưa đạt."
                )
        else:
            if e.training is not None:
                messages.append(
                    "Lớp tiểu học (Thông tư 27) đánh giá phẩm chất và năng lực, không xếp mức rèn luyện "
                    f"(học sinh {name})."
                )
            qualities = _levels(e.qualities, catalogue=QUALITIES, what="Phẩm chất", name=name, problems=messages)
            competences = _levels(e.competences, catalogue=COMPETENCES, what="Năng lực", name=name, problems=messages)
        if e.comment is not None and len(e.comment) > MAX_COMMENT:
            messages.append(f"Nhận xét của học sinh {name or e.student_id} dài quá {MAX_COMMENT} ký tự.")
        if messages:
            problems += [{"student_id": e.student_id, "value": e.training, "message": m} for m in messages]
            continue
        checked[e.student_id] = Conduct(
            training=training,
            qualities=qualities,
            competences=competences,
            comment=(e.comment or "").strip() or None,
        )
    if problems:
        more = f" (và {len(problems) - 1} lỗi khác)" if len(problems) > 1 else ""
        raise InvalidConduct(f"Không ghi đánh giá nào: {problems[0]['message']}{more}", errors=problems)
    return checked


def year_training(semester1: Level | None, semester2: Level | None) -> Level | None:
    """The year's training result (TT22 table), once both semesters are rated."""
    if semester1 is None or semester2 is None:
        return None
    return training_year_result(semester1, semester2)


def conduct_snapshot(conduct: Conduct | None) -> dict[str, object] | None:
    """The rating as plain text values (audit trail, events): levels by their Vietnamese labels."""
    if conduct is None:
        return None
    return {
        "training": None if conduct.training is None else conduct.training.label,
        "qualities": {c: QUALITY_LABELS[v] for c, v in conduct.qualities.items()},
        "competences": {c: QUALITY_LABELS[v] for c, v in conduct.competences.items()},
        "comment": conduct.comment,
    }


@dataclass(frozen=True)
class ConductSummary:
    """One student's conduct over the year: TT22 training levels, or the TT27 ratings by (semester, stage)."""

    rule_set: RuleSet
    semester1: Level | None = None
    semester2: Level | None = None
    year: Level | None = None
    ratings: Mapping[tuple[int, Stage], Conduct] = field(default_factory=dict)


def summarize(rule_set: RuleSet, ratings: Mapping[tuple[int, Stage], Conduct]) -> ConductSummary:
    """The semester and year training results (TT22) beside every stored rating."""
    if rule_set == "tt27":
        return ConductSummary(rule_set=rule_set, ratings=dict(ratings))
    first = ratings.get((1, "end"))
    second = ratings.get((2, "end"))
    s1 = None if first is None else first.training
    s2 = None if second is None else second.training
    return ConductSummary(
        rule_set=rule_set, semester1=s1, semester2=s2, year=year_training(s1, s2), ratings=dict(ratings)
    )
