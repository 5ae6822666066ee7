"""Assembling a transcript from its facts: merging approvals, retests, exemptions, comments, signers, forms."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from transcript.domain.assembly import ApprovedResult, ApprovedSubject, form_for, year_page
from transcript.domain.labels import outcome_label
from transcript.domain.transcript import transcript_id, verification_code
from transcript.samples import tt22_year


def test_later_approvals_complete_earlier_ones() -> None:
    hk1 = ApprovedResult(
        period="hk1",
        subjects=(ApprovedSubject(code="toan", name="Toán", hk1=Decimal("7.0")),),
        learning={"hk1": "Khá"},
    )
    year = ApprovedResult(
        period="year",
        subjects=(ApprovedSubject(code="toan", name="Toán", hk2=Decimal("8.0"), year=Decimal("7.7")),),
        learning={"hk2": "Tốt", "year": "Khá"},
        outcome="len_lop",
        award="gioi",
    )
    page = year_page(replace(tt22_year(), results=(year, hk1), subject_names={"toan": "Toán"}, exemptions=()))
    [toan] = page.subjects
    assert (toan.hk1, toan.hk2, toan.year, toan.retest) == (Decimal("7.0"), Decimal("8.0"), Decimal("7.7"), None)
    assert page.learning == {"hk1": "Khá", "hk2": "Tốt", "year": "Khá"}
    assert (page.award, page.approved_periods) == ("Học sinh Giỏi", ("hk1", "year"))
    assert outcome_label(page) == "Được lên lớp"


def test_a_retest_keeps_the_original_year_result_beside_it() -> None:
    page = year_page(tt22_year())
    toan = next(s for s in page.subjects if s.code == "toan")
    assert (toan.year, toan.retest) == (Decimal("4.5"), Decimal("6.0"))
    assert outcome_label(page) == "Được lên lớp sau kiểm tra lại"
    assert page.learning["year"] == "Khá"


def test_exemption_and_comments() -> None:
    page = year_page(tt22_year())
    by_code = {s.code: s for s in page.subjects}
    assert (by_code["gdtc"].hk1, by_code["gdtc"].hk2) == ("Miễn", "Đ")
    assert by_code["toan"].comment == "Cần luyện thêm kĩ năng giải toán có lời văn."
    assert by_code["tin_hoc"].comment == "Thao tác máy tính thành thạo."  # semester I's, until semester II's exists
    whole_year = year_page(replace(tt22_year(), exemptions=(("gdtc", None),)))
    assert {s.code: (s.hk1, s.hk2, s.year) for s in whole_year.subjects}["gdtc"] == ("Miễn", "Miễn", "Miễn")


def test_signers_are_each_subject_teacher_then_homeroom_principal_and_seal() -> None:
    page = year_page(tt22_year())
    roles = [s.role for s in page.signers]
    assert roles == ["subject_teacher"] * 12 + ["homeroom_teacher", "principal", "school_seal"]
    assert page.signers[1].field_name == "Sig_2025_2026_GVBM_toan"
    assert (page.signers[1].name, page.signers[1].staff_id) == ("Trần Văn Bình", "staff-toan")
    assert page.signers[-2].name == "Phạm Văn Hùng"


def test_the_form_follows_grade_and_year() -> None:
    assert form_for(3, "2019-2020") == "tt27"
    assert form_for(6, "2021-2022") == "tt22"
    assert form_for(7, "2021-2022") == "tt58"
    assert form_for(9, "2023-2024") == "tt58"
    assert form_for(12, "2024-2025") == "tt22"


def test_ids_and_codes_are_stable_and_readable() -> None:
    first = transcript_id("st-1", "thcs")
    assert first == transcript_id("st-1", "thcs") != transcript_id("st-1", "thpt")
    code = verification_code(first)
    assert len(code) == 10 and not set(code) & set("01IO")
