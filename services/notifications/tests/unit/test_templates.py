"""Templates: every variable required, and the default SMS fit one segment for the demo school's real names."""

from __future__ import annotations

import pytest

from edu_shared.errors import InvalidInput
from edurecords.demo_people import demo_students
from notifications.domain.sms import prepare_sms
from notifications.domain.templates import Kind, fit_lines, render, short_school_name

SCHOOL = "Trường THCS Hòa Lạc"
BASE = {"school": SCHOOL, "school_short": short_school_name(SCHOOL)}
NAMES = [(s.profile.name.full, s.class_name) for s in demo_students()]
SUBJECTS = ["Toán", "Ngữ văn", "Khoa học tự nhiên", "Lịch sử và Địa lí", "Giáo dục công dân", "Ngoại ngữ 1"]


def test_a_missing_variable_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput) as err:
        render(Kind.ABSENCE, {**BASE, "student": "An"})
    assert err.value.extensions["field"] == "class_name"


def test_short_school_name_drops_the_word_truong_and_diacritics() -> None:
    assert short_school_name(SCHOOL) == "THCS Hoa Lac"


@pytest.mark.parametrize("status", ["vắng có phép", "vắng không phép", "đi muộn"])
def test_absence_sms_fits_one_segment_for_every_demo_student(status: str) -> None:
    for name, class_name in NAMES:
        values = {
            **BASE,
            "student": name,
            "class_name": class_name,
            "status": status,
            "session": "chiều",
            "date": "05/11",
            "period": ", tiết 10",
        }
        sms = prepare_sms(render(Kind.ABSENCE, values).sms)
        assert sms.segments == 1, (name, sms.text)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_score_sms_fits_one_segment_for_every_demo_student(subject: str) -> None:
    for name, class_name in NAMES:
        values = {**BASE, "student": name, "class_name": class_name, "subject": subject}
        values["lines"] = fit_lines(Kind.SCORES, {**values, "lines": ""}, ["TX1 8,5", "TX2 10", "GK 7,5", "CK 9"])
        sms = prepare_sms(render(Kind.SCORES, values).sms)
        assert sms.segments == 1, (name, sms.text)


def test_a_long_digest_keeps_one_segment_and_counts_what_it_left_out() -> None:
    name, class_name = max(NAMES, key=lambda n: len(n[0]))
    values = {**BASE, "student": name, "class_name": class_name, "date": "05/11"}
    lines = [f"{s} TX1 8,5" for s in SUBJECTS] * 2
    values["lines"] = fit_lines(Kind.SCORES_DIGEST, {**values, "lines": ""}, lines)
    sms = prepare_sms(render(Kind.SCORES_DIGEST, values).sms)
    assert sms.segments == 1
    assert values["lines"].endswith(f"+{len(lines) - values['lines'].count(';') - 1}")


def test_otp_sms_is_plain_and_one_segment() -> None:
    sms = prepare_sms(render(Kind.OTP, {"code": "123456", "minutes": "5"}).sms)
    assert (sms.encoding, sms.segments) == ("gsm7", 1)


def test_transcript_sms_fits_one_segment_for_every_demo_student() -> None:
    for name, _ in NAMES:
        values = {**BASE, "student": name, "reason": "hoàn thành cấp học", "transcript_id": "HB7K2M9QX4"}
        assert prepare_sms(render(Kind.TRANSCRIPT, values).sms).segments == 1, name
