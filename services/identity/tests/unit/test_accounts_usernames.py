"""User names follow seed 002, Điều 3: `<given name><initials>.<school code>`, admin `<unit>_<school>`."""

from __future__ import annotations

import pytest

from edu_shared.errors import InvalidInput
from identity.domain.accounts import (
    admin_username,
    guardian_username,
    name_stem,
    normalize_phone,
    normalize_username,
    person_username,
    strip_diacritics,
)


def test_staff_name_is_given_name_then_initials_without_diacritics() -> None:
    assert person_username("Nguyễn Văn An", "thcshoalac", set()) == "anvn.thcshoalac"


@pytest.mark.parametrize(
    ("full_name", "stem"),
    [
        ("Nguyễn Văn An", "anvn"),
        ("Trần Thị Bình", "binhtt"),
        ("Đặng Đình Đức", "ducdd"),  # đ is d, not dropped
        ("Lê Thị Minh Khai", "khaitml"),
        ("  Phạm   Ngọc  Ánh ", "anhnp"),
        ("Ông Ích Khiêm", "khiemio"),
        ("Tuấn", "tuan"),
        ("Hoàng Yến", "yenh"),
    ],
)
def test_stem_handles_tones_dd_spaces_and_short_names(full_name: str, stem: str) -> None:
    assert name_stem(full_name) == stem


def test_a_clash_gets_the_smallest_free_number_from_two() -> None:
    taken = {"anvn.thcshoalac"}
    assert person_username("Ngô Văn An", "thcshoalac", taken) == "anvn2.thcshoalac"
    taken |= {"anvn2.thcshoalac", "anvn3.thcshoalac"}
    assert person_username("Nguyễn Văn An", "thcshoalac", taken) == "anvn4.thcshoalac"


def test_the_same_name_at_another_school_does_not_clash() -> None:
    assert person_username("Nguyễn Văn An", "thhoalac", {"anvn.thcshoalac"}) == "anvn.thhoalac"


def test_school_admin_account_is_unit_code_underscore_school_code() -> None:
    assert admin_username("xa-hoa-lac", "thcshoalac", set()) == "xa-hoa-lac_thcshoalac"
    assert admin_username("xa-hoa-lac", "thcshoalac", {"xa-hoa-lac_thcshoalac"}) == "xa-hoa-lac_thcshoalac2"


def test_a_name_without_letters_is_refused_with_the_field_named() -> None:
    with pytest.raises(InvalidInput) as err:
        name_stem(" -- ")
    assert err.value.extensions["field"] == "display_name"


def test_diacritics_are_removed_but_letters_kept() -> None:
    assert strip_diacritics("Trường THCS Hòa Lạc, Đắk Nông") == "Truong THCS Hoa Lac, Dak Nong"


def test_sign_in_names_ignore_case_and_surrounding_spaces() -> None:
    assert normalize_username("  AnVN.THCSHoaLac ") == "anvn.thcshoalac"


@pytest.mark.parametrize("raw", ["0912345678", "0912 345 678", "+84912345678", "84912345678", "091-234-5678"])
def test_vietnamese_mobile_numbers_normalise_to_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+84912345678"


@pytest.mark.parametrize("raw", ["12345", "09123456789", "+1 415 555 0100", "abc"])
def test_malformed_phone_numbers_are_refused_with_the_field_named(raw: str) -> None:
    with pytest.raises(InvalidInput) as err:
        normalize_phone(raw)
    assert err.value.extensions["field"] == "phone" and "Số điện thoại" in err.value.detail


def test_guardian_account_name_comes_from_the_phone() -> None:
    assert guardian_username("+84912345678") == "ph.0912345678"
