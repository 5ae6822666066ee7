"""Sample transcripts (TT22, TT27, TT58) built through the real assembly: golden-file tests and the benchmark.

Nothing in the service imports this module.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from transcript.domain.assembly import ApprovedResult, ApprovedSubject, ClassYear, Person, TranscriptFacts, assemble
from transcript.domain.transcript import Guardian, StudentProfile, Transcript

SCHOOL = "sch-1"
SCHOOL_NAME = "Trường THCS Nguyễn Du"
PRINCIPAL = Person("staff-ht", "Phạm Văn Hùng")

# (code, name, periods: scored or comment, hk1, hk2, year)
_TT22: list[tuple[str, str, str, str, str]] = [
    ("ngu_van", "Ngữ văn", "7.8", "8.2", "8.1"),
    ("toan", "Toán", "4.2", "4.6", "4.5"),
    ("ngoai_ngu_1", "Ngoại ngữ 1", "8.0", "8.4", "8.3"),
    ("gdcd", "Giáo dục công dân", "9.0", "9.2", "9.1"),
    ("lich_su_dia_li", "Lịch sử và Địa lí", "7.5", "7.9", "7.8"),
    ("khtn", "Khoa học tự nhiên", "6.8", "7.4", "7.2"),
    ("cong_nghe", "Công nghệ", "8.5", "8.7", "8.6"),
    ("tin_hoc", "Tin học", "9.3", "9.5", "9.4"),
    ("gdtc", "Giáo dục thể chất", "Đ", "Đ", "Đ"),
    ("nghe_thuat", "Nghệ thuật", "Đ", "Đ", "Đ"),
    ("hdtn", "Hoạt động trải nghiệm, hướng nghiệp", "Đ", "Đ", "Đ"),
    ("gddp", "Nội dung giáo dục của địa phương", "Đ", "Đ", "Đ"),
]
_TEACHERS = {
    "ngu_van": "Nguyễn Thị Hoa",
    "toan": "Trần Văn Bình",
    "ngoai_ngu_1": "Lê Thị Mai",
    "gdcd": "Đỗ Văn Cường",
    "lich_su_dia_li": "Hoàng Thị Lan",
    "khtn": "Vũ Đức Thắng",
    "cong_nghe": "Bùi Thị Hạnh",
    "tin_hoc": "Ngô Quang Huy",
    "gdtc": "Phan Văn Dũng",
    "nghe_thuat": "Đặng Thị Thu",
    "hdtn": "Nguyễn Thị Hoa",
    "gddp": "Hoàng Thị Lan",
}


def _mark(text: str) -> Decimal | str:
    return text if text in ("Đ", "CĐ", "T", "H", "C") else Decimal(text)


def profile(
    full_name: str = "Nguyễn Thị Ánh", *, born: date = date(2014, 3, 1), sex: Literal["nam", "nu"] = "nu"
) -> StudentProfile:
    family, *middle, given = full_name.split()
    return StudentProfile(
        full_name=full_name,
        family_name=family,
        middle_name=" ".join(middle),
        given_name=given,
        date_of_birth=born,
        sex=sex,
        place_of_birth="Xã Hòa Tiến, Thành phố Đà Nẵng",
        ethnicity="Kinh",
        national_id="048314001234",
        moet_student_id="4801234567",
    )


GUARDIANS = (
    Guardian(relation="cha", full_name="Nguyễn Văn Tâm", occupation="Kỹ sư xây dựng"),
    Guardian(relation="me", full_name="Lê Thị Hồng", occupation="Giáo viên"),
)


def tt22_year(*, school_year: str = "2025-2026", grade: int = 6, class_name: str = "6A1") -> ClassYear:
    """A grade-6 year under TT22: Toán retested (4.5 → 6.0), PE exempt in semester I, promoted after the retest."""
    subjects = tuple(
        ApprovedSubject(code=c, name=n, hk1=_mark(a), hk2=_mark(b), year=_mark(y)) for c, n, a, b, y in _TT22
    )
    year = ApprovedResult(
        period="year",
        subjects=subjects,
        learning={"hk1": "Đạt", "hk2": "Khá", "year": "Chưa đạt"},
        training={"hk1": "Tốt", "hk2": "Tốt", "year": "Tốt"},
        outcome="kiem_tra_lai",
        absent_sessions=3,
    )
    retest = ApprovedResult(
        period="retest",
        subjects=(ApprovedSubject(code="toan", name="Toán", year=Decimal("6.0"), year_before_retest=Decimal("4.5")),),
        learning={"year": "Khá"},
        outcome="len_lop",
        absent_sessions=3,
        explanations={"retest": "Kiểm tra lại môn Toán ngày 20/7/2026 đạt 6.0"},
    )
    return ClassYear(
        class_id=f"cls-{class_name.lower()}",
        school_id=SCHOOL,
        school_name=SCHOOL_NAME,
        school_year=school_year,
        grade=grade,
        name=class_name,
        results=(retest, year),
        teachers={code: Person(f"staff-{code}", name) for code, name in _TEACHERS.items()},
        subject_names={c: n for c, n, *_ in _TT22},
        comments={
            ("toan", 2): "Cần luyện thêm kĩ năng giải toán có lời văn.",
            ("ngu_van", 2): "Viết văn mạch lạc, giàu cảm xúc.",
            ("tin_hoc", 1): "Thao tác máy tính thành thạo.",
        },
        exemptions=(("gdtc", 1),),
        homeroom=Person("staff-ngu_van", "Nguyễn Thị Hoa"),
        homeroom_comment="Chăm ngoan, lễ phép; cần cố gắng hơn ở môn Toán.",
        principal=PRINCIPAL,
    )


def tt22_transcript() -> Transcript:
    """A THCS transcript with one TT22 year page."""
    return assemble(
        TranscriptFacts(
            student_id="st-anh",
            level="thcs",
            profile=profile(),
            guardians=GUARDIANS,
            years=(tt22_year(),),
        )
    )


_TT27 = [
    ("tieng_viet", "Tiếng Việt", "T", "T", {"hk1": 9, "year": 10}),
    ("toan", "Toán", "T", "H", {"hk1": 8, "year": 7}),
    ("dao_duc", "Đạo đức", "T", "T", {}),
    ("tnxh", "Tự nhiên và Xã hội", "H", "T", {}),
    ("gdtc", "Giáo dục thể chất", "T", "T", {}),
    ("am_nhac", "Âm nhạc", "H", "H", {}),
    ("mi_thuat", "Mĩ thuật", "T", "T", {}),
    ("hdtn", "Hoạt động trải nghiệm", "T", "T", {}),
]


def tt27_transcript() -> Transcript:
    """A primary (TH) transcript with one TT27 year page (grade 2)."""
    subjects = tuple(ApprovedSubject(code=c, name=n, hk1=a, year=y, tests=t) for c, n, a, y, t in _TT27)
    levels = {"hk1": "Tốt", "year": "Tốt"}
    result = ApprovedResult(
        period="year",
        subjects=subjects,
        outcome="len_lop",
        award_label="Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
        absent_sessions=1,
        result_label={"hk1": "hoan_thanh_tot", "year": "hoan_thanh_tot"},
        qualities=dict.fromkeys(("yeu_nuoc", "nhan_ai", "cham_chi", "trung_thuc", "trach_nhiem"), levels),
        competences={
            "tu_chu_tu_hoc": levels,
            "giao_tiep_hop_tac": {"hk1": "Đạt", "year": "Tốt"},
            "giai_quyet_van_de_sang_tao": {"hk1": "Đạt", "year": "Đạt"},
        },
    )
    year = ClassYear(
        class_id="cls-2a",
        school_id="sch-th",
        school_name="Trường Tiểu học Kim Đồng",
        school_year="2025-2026",
        grade=2,
        name="2A",
        results=(result,),
        teachers={c: Person("staff-gv2a", "Trần Thị Thanh") for c, *_ in _TT27},
        subject_names={c: n for c, n, *_ in _TT27},
        comments={("tieng_viet", 2): "Đọc to, rõ ràng; viết chữ đẹp.", ("toan", 2): "Cần cẩn thận khi tính toán."},
        homeroom=Person("staff-gv2a", "Trần Thị Thanh"),
        homeroom_comment="Em ngoan, hòa đồng với bạn bè, tích cực tham gia hoạt động.",
        principal=Person("staff-htth", "Lê Văn Sơn"),
    )
    return assemble(
        TranscriptFacts(
            student_id="st-minh",
            level="tieu_hoc",
            profile=profile("Phạm Quang Minh", born=date(2018, 9, 12), sex="nam"),
            guardians=GUARDIANS[:1],
            years=(year,),
        )
    )


def tt58_transcript() -> Transcript:
    """An older THPT year (2020–21, grade 11) kept under TT58/26: học lực and hạnh kiểm."""
    subjects = tuple(
        ApprovedSubject(code=c, name=n, hk1=Decimal(a), hk2=Decimal(b), year=Decimal(y))
        for c, n, a, b, y in [
            ("toan", "Toán", "8.1", "8.5", "8.4"),
            ("vat_li", "Vật lí", "7.6", "8.0", "7.9"),
            ("ngu_van", "Ngữ văn", "7.0", "7.4", "7.3"),
        ]
    )
    result = ApprovedResult(
        period="year",
        subjects=subjects,
        learning={"hk1": "Khá", "hk2": "Giỏi", "year": "Giỏi"},
        training={"hk1": "Tốt", "hk2": "Tốt", "year": "Tốt"},
        outcome="len_lop",
        award_label="Học sinh Giỏi",
    )
    year = ClassYear(
        class_id="cls-11a2",
        school_id="sch-thpt",
        school_name="Trường THPT Phan Châu Trinh",
        school_year="2020-2021",
        grade=11,
        name="11A2",
        results=(result,),
        subject_names={},
        homeroom=Person("staff-11a2", "Võ Thị Kim"),
        principal=Person("staff-ht3", "Huỳnh Văn Phước"),
    )
    return assemble(
        TranscriptFacts(
            student_id="st-old",
            level="thpt",
            profile=profile("Trương Thị Bảo Ngọc", born=date(2004, 1, 20)),
            guardians=(),
            years=(year,),
        )
    )
