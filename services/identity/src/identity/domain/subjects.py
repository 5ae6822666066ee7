"""The subject catalogue of the 2018 general-education curriculum (Thông tư 32/2018), as data (DOMAIN §3.3b).

Seeds the province's default catalogue; a department admin corrects it through the API (per school year if need
be), and a school can set other periods for one class. The figures are configuration, not code: edit the tables
below, nothing else depends on their values. Also the one place deciding how many regular assessments
(ĐĐGtx) a subject has per semester from its periods per year (Thông tư 22/2021, Điều 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from edu_shared.contracts.identity import SchoolLevel


class Assessment(StrEnum):
    SCORED = "scored"  # điểm số 0–10 (THCS/THPT); for primary: has periodic tests scored 1–10
    COMMENT = "comment"  # nhận xét: Đạt / Chưa đạt (THCS/THPT); T / H / C (primary)


@dataclass(frozen=True)
class CatalogueEntry:
    """One subject of the curriculum for one grade."""

    code: str
    name: str
    level: SchoolLevel
    grade: int
    periods_per_year: int
    assessment: Assessment
    elective: bool = False


@dataclass(frozen=True)
class _Row:
    code: str
    name: str
    grades: tuple[int, ...]
    periods: int | tuple[int, ...]  # one figure, or one per grade of `grades`
    assessment: Assessment
    elective: bool = False


S, C = Assessment.SCORED, Assessment.COMMENT
THCS_GRADES = (6, 7, 8, 9)
THPT_GRADES = (10, 11, 12)

# THCS 6–9 (DOMAIN §3.3b). "Nghệ thuật" (70) is taught and rated as two parts by different teachers, so it is
# two entries of 35: a teaching assignment and a rating are per subject code.
THCS: tuple[_Row, ...] = (
    _Row("ngu_van", "Ngữ văn", THCS_GRADES, 140, S),
    _Row("toan", "Toán", THCS_GRADES, 140, S),
    _Row("ngoai_ngu_1", "Ngoại ngữ 1", THCS_GRADES, 105, S),
    _Row("gdcd", "Giáo dục công dân", THCS_GRADES, 35, S),
    _Row("lich_su_dia_li", "Lịch sử và Địa lí", THCS_GRADES, 105, S),
    _Row("khtn", "Khoa học tự nhiên", THCS_GRADES, 140, S),
    _Row("cong_nghe", "Công nghệ", THCS_GRADES, (35, 35, 52, 52), S),
    _Row("tin_hoc", "Tin học", THCS_GRADES, 35, S),
    _Row("gdtc", "Giáo dục thể chất", THCS_GRADES, 70, C),
    _Row("am_nhac", "Nghệ thuật (Âm nhạc)", THCS_GRADES, 35, C),
    _Row("mi_thuat", "Nghệ thuật (Mĩ thuật)", THCS_GRADES, 35, C),
    _Row("hdtn_hn", "Hoạt động trải nghiệm, hướng nghiệp", THCS_GRADES, 105, C),
    _Row("gddp", "Nội dung giáo dục của địa phương", THCS_GRADES, 35, C),
)

# THPT 10–12: compulsory subjects, then the electives (a student takes 4). The 3 learning topics (chuyên đề,
# 35 periods each) belong to subjects and count in their regular assessments, so they are not entries here.
THPT: tuple[_Row, ...] = (
    _Row("ngu_van", "Ngữ văn", THPT_GRADES, 105, S),
    _Row("toan", "Toán", THPT_GRADES, 105, S),
    _Row("ngoai_ngu_1", "Ngoại ngữ 1", THPT_GRADES, 105, S),
    _Row("lich_su", "Lịch sử", THPT_GRADES, 52, S),
    # Its assessment rules are unconfirmed (DOMAIN §3.3b); scored until they are.
    _Row("gdqp_an", "Giáo dục quốc phòng và an ninh", THPT_GRADES, 35, S),
    _Row("gdtc", "Giáo dục thể chất", THPT_GRADES, 70, C),
    _Row("hdtn_hn", "Hoạt động trải nghiệm, hướng nghiệp", THPT_GRADES, 105, C),
    _Row("gddp", "Nội dung giáo dục của địa phương", THPT_GRADES, 35, C),
    _Row("dia_li", "Địa lí", THPT_GRADES, 70, S, elective=True),
    _Row("gdkt_pl", "Giáo dục kinh tế và pháp luật", THPT_GRADES, 70, S, elective=True),
    _Row("vat_li", "Vật lí", THPT_GRADES, 70, S, elective=True),
    _Row("hoa_hoc", "Hóa học", THPT_GRADES, 70, S, elective=True),
    _Row("sinh_hoc", "Sinh học", THPT_GRADES, 70, S, elective=True),
    _Row("cong_nghe", "Công nghệ", THPT_GRADES, 70, S, elective=True),
    _Row("tin_hoc", "Tin học", THPT_GRADES, 70, S, elective=True),
    _Row("am_nhac", "Âm nhạc", THPT_GRADES, 70, C, elective=True),
    _Row("mi_thuat", "Mĩ thuật", THPT_GRADES, 70, C, elective=True),
)

# Primary 1–5, minimal (DOMAIN §3.2): "scored" marks the subjects with periodic tests (Khoa học unconfirmed).
# Periods from memory of the curriculum *(unconfirmed)*.
TH: tuple[_Row, ...] = (
    _Row("tieng_viet", "Tiếng Việt", (1, 2, 3, 4, 5), (420, 350, 245, 245, 245), S),
    _Row("toan", "Toán", (1, 2, 3, 4, 5), (105, 175, 175, 175, 175), S),
    _Row("ngoai_ngu_1", "Ngoại ngữ 1", (3, 4, 5), 140, S),
    _Row("lich_su_dia_li", "Lịch sử và Địa lí", (4, 5), 70, S),
    _Row("tin_hoc_cong_nghe", "Tin học và Công nghệ", (3, 4, 5), 70, S),
    _Row("khoa_hoc", "Khoa học", (4, 5), 70, S),
    _Row("dao_duc", "Đạo đức", (1, 2, 3, 4, 5), 35, C),
    _Row("tu_nhien_xa_hoi", "Tự nhiên và Xã hội", (1, 2, 3), 70, C),
    _Row("gdtc", "Giáo dục thể chất", (1, 2, 3, 4, 5), 70, C),
    _Row("nghe_thuat", "Nghệ thuật (Âm nhạc, Mĩ thuật)", (1, 2, 3, 4, 5), 70, C),
    _Row("hdtn", "Hoạt động trải nghiệm", (1, 2, 3, 4, 5), 105, C),
)

CURRICULUM: dict[SchoolLevel, tuple[_Row, ...]] = {
    SchoolLevel.PRIMARY: TH,
    SchoolLevel.LOWER_SECONDARY: THCS,
    SchoolLevel.UPPER_SECONDARY: THPT,
}

GRADES_OF_LEVEL: dict[SchoolLevel, tuple[int, ...]] = {
    SchoolLevel.PRESCHOOL: (),
    SchoolLevel.PRIMARY: (1, 2, 3, 4, 5),
    SchoolLevel.LOWER_SECONDARY: THCS_GRADES,
    SchoolLevel.UPPER_SECONDARY: THPT_GRADES,
    # Continuing-education centres teach the lower- and upper-secondary programmes (DOMAIN §3.4).
    SchoolLevel.CONTINUING: THCS_GRADES + THPT_GRADES,
}


def curriculum_level(grade: int) -> SchoolLevel:
    """The curriculum a grade follows (a GDTX class of grade 10 follows the THPT catalogue)."""
    if 1 <= grade <= 5:
        return SchoolLevel.PRIMARY
    if 6 <= grade <= 9:
        return SchoolLevel.LOWER_SECONDARY
    if 10 <= grade <= 12:
        return SchoolLevel.UPPER_SECONDARY
    raise ValueError(f"grade {grade} is outside 1–12")


def default_catalogue() -> list[CatalogueEntry]:
    """Every (subject, grade) of the curriculum, in teaching-plan order."""
    entries: list[CatalogueEntry] = []
    for level, rows in CURRICULUM.items():
        for row in rows:
            for i, grade in enumerate(row.grades):
                periods = row.periods if isinstance(row.periods, int) else row.periods[i]
                entries.append(
                    CatalogueEntry(
                        code=row.code,
                        name=row.name,
                        level=level,
                        grade=grade,
                        periods_per_year=periods,
                        assessment=row.assessment,
                        elective=row.elective,
                    )
                )
    return entries


def regular_assessments_per_semester(periods_per_year: int) -> int:
    """Number of regular assessments (ĐĐGtx) per semester, Thông tư 22/2021: ≤35 periods → 2, 36–70 → 3, >70 → 4."""
    if periods_per_year <= 35:
        return 2
    if periods_per_year <= 70:
        return 3
    return 4
