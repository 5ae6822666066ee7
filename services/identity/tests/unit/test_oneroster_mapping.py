"""OneRoster vocabulary mapping of identity's model (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from edu_shared.contracts.identity import OrgUnitKind
from identity.domain.oneroster import ending_year, grade_code, guid_ref, iso_datetime, org_type, user_role_for_staff


def test_department_is_a_state_org_and_intermediate_units_are_district_or_local() -> None:
    assert org_type(OrgUnitKind.DEPARTMENT) == "state"
    assert org_type(OrgUnitKind.DISTRICT_OFFICE) == "district"
    assert org_type(OrgUnitKind.COMMUNE) == "local"
    assert org_type(OrgUnitKind.OTHER) == "local"


def test_teachers_are_teachers_and_other_staff_are_administrators() -> None:
    assert user_role_for_staff("giao_vien") == "teacher"
    assert user_role_for_staff("hieu_truong") == "administrator"
    assert user_role_for_staff("van_thu") == "administrator"


def test_school_year_ends_in_its_second_calendar_year_and_grades_have_two_digits() -> None:
    assert ending_year("2025-2026") == "2026"
    assert grade_code(6) == "06"
    assert grade_code(12) == "12"


def test_guid_refs_point_into_the_right_collection() -> None:
    assert guid_ref("http://h/v1p2", "class", "c1") == {
        "href": "http://h/v1p2/classes/c1",
        "sourcedId": "c1",
        "type": "class",
    }
    assert guid_ref("http://h/v1p2", "academicSession", "y")["href"] == "http://h/v1p2/academicSessions/y"
    assert guid_ref("http://h/v1p2", "org", "o")["href"] == "http://h/v1p2/orgs/o"


def test_timestamps_are_utc_with_z() -> None:
    assert iso_datetime(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000Z"
    assert iso_datetime(None) is None
