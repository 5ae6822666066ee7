"""School years, semesters, classes, the 2018 subject catalogue and assignment windows (pure rules)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from edu_shared.contracts.identity import SchoolLevel
from edu_shared.errors import Conflict, InvalidInput
from identity.domain.people import (
    Consent,
    ConsentGiver,
    ConsentPurpose,
    check_image,
    check_phone,
    consent_complete,
)
from identity.domain.structure import (
    ASSIGNMENT_GRACE_AFTER_YEAR,
    HomeroomAssignment,
    SchoolYear,
    Semester,
    check_semesters,
    homeroom_window,
    new_class,
    teaching_window,
)
from identity.domain.subjects import Assessment, curriculum_level, default_catalogue, regular_assessments_per_semester

HK1 = Semester(1, date(2025, 9, 5), date(2026, 1, 17))
HK2 = Semester(2, date(2026, 1, 19), date(2026, 5, 31))


def _year(*semesters: Semester) -> SchoolYear:
    return SchoolYear(
        id="y", code="2025-2026", starts_on=date(2025, 9, 5), ends_on=date(2026, 5, 31), semesters=semesters
    )


def test_school_year_code_is_two_consecutive_years_matching_its_dates() -> None:
    assert _year(HK1, HK2).semester(2) == HK2
    with pytest.raises(InvalidInput) as bad_code:
        SchoolYear(id="y", code="2025-2027", starts_on=date(2025, 9, 5), ends_on=date(2026, 5, 31))
    assert bad_code.value.extensions == {"field": "code", "value": "2025-2027"}
    with pytest.raises(InvalidInput) as bad_start:
        SchoolYear(id="y", code="2025-2026", starts_on=date(2024, 9, 5), ends_on=date(2026, 5, 31))
    assert bad_start.value.extensions["field"] == "starts_on"


def test_semesters_lie_inside_the_year_in_order_once_each() -> None:
    with pytest.raises(InvalidInput) as outside:
        _year(Semester(2, date(2026, 1, 19), date(2026, 6, 30)))
    assert outside.value.extensions == {"field": "ends_on", "value": "2026-06-30"}
    with pytest.raises(InvalidInput):
        _year(HK1, Semester(2, date(2026, 1, 10), date(2026, 5, 31)))
    with pytest.raises(Conflict):
        check_semesters(_year(HK1), (HK1, HK1))
    with pytest.raises(InvalidInput):
        Semester(3, date(2026, 1, 19), date(2026, 5, 31))


def test_catalogue_has_the_thcs_subjects_and_periods_of_the_2018_curriculum() -> None:
    grade6 = {e.code: e for e in default_catalogue() if e.level == SchoolLevel.LOWER_SECONDARY and e.grade == 6}
    assert {c: e.periods_per_year for c, e in grade6.items()} == {
        "ngu_van": 140,
        "toan": 140,
        "ngoai_ngu_1": 105,
        "gdcd": 35,
        "lich_su_dia_li": 105,
        "khtn": 140,
        "cong_nghe": 35,
        "tin_hoc": 35,
        "gdtc": 70,
        "am_nhac": 35,
        "mi_thuat": 35,
        "hdtn_hn": 105,
        "gddp": 35,
    }
    comment_only = {c for c, e in grade6.items() if e.assessment == Assessment.COMMENT}
    assert comment_only == {"gdtc", "am_nhac", "mi_thuat", "hdtn_hn", "gddp"}
    grade8 = {e.code: e for e in default_catalogue() if e.level == SchoolLevel.LOWER_SECONDARY and e.grade == 8}
    assert grade8["cong_nghe"].periods_per_year == 52


def test_catalogue_has_thpt_compulsory_subjects_and_electives() -> None:
    grade10 = {e.code: e for e in default_catalogue() if e.grade == 10}
    compulsory = {c for c, e in grade10.items() if not e.elective}
    assert compulsory == {"ngu_van", "toan", "ngoai_ngu_1", "lich_su", "gdqp_an", "gdtc", "hdtn_hn", "gddp"}
    electives = {c for c, e in grade10.items() if e.elective}
    assert len(electives) == 9 and all(grade10[c].periods_per_year == 70 for c in electives)
    assert {c for c in electives if grade10[c].assessment == Assessment.COMMENT} == {"am_nhac", "mi_thuat"}


def test_catalogue_entries_are_unique_per_level_grade_and_code() -> None:
    keys = Counter((e.level, e.grade, e.code) for e in default_catalogue())
    assert max(keys.values()) == 1
    assert all(curriculum_level(e.grade) == e.level for e in default_catalogue())
    assert {e.grade for e in default_catalogue()} == set(range(1, 13))


@pytest.mark.parametrize(("periods", "count"), [(35, 2), (36, 3), (52, 3), (70, 3), (71, 4), (105, 4), (140, 4)])
def test_regular_assessments_follow_periods_per_year(periods: int, count: int) -> None:
    assert regular_assessments_per_semester(periods) == count


def test_class_grade_must_be_taught_by_the_school_and_agree_with_its_name() -> None:
    cls = new_class(
        id="c", school_id="s", school_year_id="y", grade=6, name=" 6A1 ", school_levels=(SchoolLevel.LOWER_SECONDARY,)
    )
    assert (cls.name, cls.level) == ("6A1", SchoolLevel.LOWER_SECONDARY)
    with pytest.raises(InvalidInput) as wrong_grade:
        new_class(
            id="c",
            school_id="s",
            school_year_id="y",
            grade=10,
            name="10A1",
            school_levels=(SchoolLevel.LOWER_SECONDARY,),
        )
    assert wrong_grade.value.extensions == {"field": "grade", "value": 10}
    with pytest.raises(InvalidInput) as wrong_name:
        new_class(
            id="c", school_id="s", school_year_id="y", grade=6, name="7A1", school_levels=(SchoolLevel.LOWER_SECONDARY,)
        )
    assert wrong_name.value.extensions["field"] == "name"
    gdtx = new_class(
        id="c", school_id="s", school_year_id="y", grade=11, name="11B", school_levels=(SchoolLevel.CONTINUING,)
    )
    assert gdtx.level == SchoolLevel.UPPER_SECONDARY


def test_teaching_window_runs_from_the_semester_start_to_the_year_end_plus_grace() -> None:
    year = _year(HK1, HK2)
    second = teaching_window(year, HK2)
    assert not second.covers(date(2025, 12, 1))
    assert second.covers(HK2.starts_on) and second.covers(year.ends_on + ASSIGNMENT_GRACE_AFTER_YEAR)
    assert not second.covers(year.ends_on + ASSIGNMENT_GRACE_AFTER_YEAR + timedelta(days=1))
    assert teaching_window(year, None).covers(year.starts_on)


def test_homeroom_window_ends_when_the_assignment_ends() -> None:
    year = _year(HK1, HK2)
    ended = HomeroomAssignment(
        id="h",
        school_id="s",
        class_id="c",
        staff_id="t",
        school_year_id="y",
        starts_on=date(2025, 8, 1),
        ends_on=date(2025, 12, 31),
    )
    window = homeroom_window(year, ended)
    assert window.starts_on == year.starts_on and window.covers(date(2025, 12, 31))
    assert not window.covers(date(2026, 1, 1))


def test_consent_of_a_child_of_seven_or_more_needs_the_child_too() -> None:
    def consent(by: ConsentGiver) -> Consent:
        return Consent(
            id=by.value,
            student_id="s",
            purpose=ConsentPurpose.EDUCATION_RECORDS,
            given_by=by,
            guardian_id="g" if by == ConsentGiver.GUARDIAN else None,
            granted_at=datetime.now(UTC),
            recorded_by="x",
        )

    parent_only = [consent(ConsentGiver.GUARDIAN)]
    on = date(2025, 9, 5)
    assert consent_complete(
        parent_only, purpose=ConsentPurpose.EDUCATION_RECORDS, date_of_birth=date(2019, 9, 6), on=on
    )
    assert not consent_complete(
        parent_only, purpose=ConsentPurpose.EDUCATION_RECORDS, date_of_birth=date(2018, 9, 5), on=on
    )
    both = [*parent_only, consent(ConsentGiver.STUDENT)]
    assert consent_complete(both, purpose=ConsentPurpose.EDUCATION_RECORDS, date_of_birth=date(2012, 1, 1), on=on)
    assert not consent_complete(both, purpose=ConsentPurpose.PHOTO, date_of_birth=date(2012, 1, 1), on=on)


def test_phone_numbers_are_normalised_and_images_checked_by_content() -> None:
    assert check_phone("+84 912 345 678") == "0912345678"
    assert check_phone("0243.8251234") == "02438251234"
    with pytest.raises(InvalidInput) as bad_phone:
        check_phone("0123")
    assert bad_phone.value.extensions == {"field": "phone", "value": "0123"}
    assert check_image(b"\x89PNG\r\n\x1a\n....", content_type="image/png", field_name="photo") == "image/png"
    with pytest.raises(InvalidInput):
        check_image(b"GIF89a", content_type="image/png", field_name="photo")
