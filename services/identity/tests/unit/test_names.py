"""Vietnamese names: splitting, class-list collation, diacritic-free search, identifiers and birth dates."""

from __future__ import annotations

import random
import unicodedata
from datetime import date

import pytest

from edu_shared.errors import InvalidInput
from identity.domain.names import (
    PersonName,
    check_date_of_birth,
    check_national_id,
    class_list_sort_key,
    fold_for_search,
    name_from_input,
    national_id_birth_mismatch,
    split_full_name,
)


def _sorted(full_names: list[str]) -> list[str]:
    shuffled = full_names[:]
    random.Random(7).shuffle(shuffled)
    return sorted(shuffled, key=lambda n: class_list_sort_key(split_full_name(n)))


def test_full_name_splits_into_family_middle_and_given() -> None:
    assert split_full_name("Nguyễn Thị Minh Khai") == PersonName("Nguyễn", "Thị Minh", "Khai")
    assert split_full_name("Lê An") == PersonName("Lê", "", "An")


def test_full_name_is_normalised_spaces_case_and_unicode_form() -> None:
    decomposed = unicodedata.normalize("NFD", "  nguyễn   VĂN  an ")
    name = split_full_name(decomposed)
    assert name == PersonName("Nguyễn", "Văn", "An")
    assert name.full == "Nguyễn Văn An"
    assert unicodedata.is_normalized("NFC", name.full)


def test_a_single_word_or_digits_in_a_name_are_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as single:
        split_full_name("An")
    assert single.value.extensions == {"field": "full_name", "value": "An"}
    with pytest.raises(InvalidInput) as digits:
        name_from_input(full_name=None, family_name="Nguyễn", middle_name=None, given_name="An2")
    assert digits.value.extensions["field"] == "given_name"
    assert "chữ cái" in digits.value.detail


def test_names_sent_in_parts_keep_compound_family_names() -> None:
    name = name_from_input(full_name=None, family_name="Tôn Nữ", middle_name="Thị", given_name="Ninh")
    assert (name.family, name.middle, name.given) == ("Tôn Nữ", "Thị", "Ninh")
    with pytest.raises(InvalidInput):
        name_from_input(full_name="Tôn Nữ Thị Ninh", family_name="Tôn Nữ", middle_name=None, given_name=None)


def test_class_list_sorts_by_given_name_first() -> None:
    assert _sorted(["Trần Văn Cường", "Nguyễn Thị Bình", "Lê Văn An"]) == [
        "Lê Văn An",
        "Nguyễn Thị Bình",
        "Trần Văn Cường",
    ]


def test_class_list_then_sorts_by_middle_names_then_family_name() -> None:
    assert _sorted(["Trần Văn An", "Nguyễn Thị An", "Lê Văn An", "Lê An"]) == [
        "Lê An",
        "Nguyễn Thị An",
        "Lê Văn An",
        "Trần Văn An",
    ]


def test_vietnamese_alphabet_puts_modified_letters_after_their_base() -> None:
    given = ["Ân", "An", "Ánh", "Anh", "Đạt", "Duy", "Dũng", "Hưng", "Hòa", "Oanh", "Ơn", "Ôn", "Uyên", "Ưng"]
    ordered = [n.split()[-1] for n in _sorted([f"Lê {g}" for g in given])]
    assert ordered == ["An", "Anh", "Ánh", "Ân", "Dũng", "Duy", "Đạt", "Hòa", "Hưng", "Oanh", "Ôn", "Ơn", "Uyên", "Ưng"]


def test_tones_sort_after_letters_in_the_conventional_order() -> None:
    tones = ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"]
    assert [n.split()[-1] for n in _sorted([f"Lê {t}" for t in reversed(tones)])] == tones
    # Letters decide before tones: every "ma" sorts before "mai", whatever its tone.
    assert [n.split()[-1] for n in _sorted(["Lê Mai", "Lê Mạ", "Lê Mà"])] == ["Mà", "Mạ", "Mai"]


def test_sort_key_ignores_case_tone_placement_and_unicode_form() -> None:
    key = class_list_sort_key(split_full_name("Nguyễn Thị Hòa"))
    assert class_list_sort_key(PersonName("NGUYỄN", "THỊ", "HOÀ")) == key
    assert class_list_sort_key(PersonName(*(unicodedata.normalize("NFD", p) for p in ("Nguyễn", "Thị", "Hòa")))) == key


def test_search_folding_drops_diacritics_and_d_stroke() -> None:
    assert fold_for_search("Nguyễn  Văn Ân") == "nguyen van an"
    assert fold_for_search("ĐẶNG Thị Đào") == "dang thi dao"
    assert fold_for_search(unicodedata.normalize("NFD", "Trương Mỹ Lệ")) == "truong my le"


def test_national_id_must_have_exactly_twelve_digits() -> None:
    assert check_national_id("001 214 012345") == "001214012345"
    for bad in ("00121401234", "0012140123456", "00121401234a"):
        with pytest.raises(InvalidInput) as refused:
            check_national_id(bad)
        assert refused.value.extensions == {"field": "national_id", "value": bad}
        assert "12 chữ số" in refused.value.detail


def test_national_id_encodes_century_sex_and_birth_year() -> None:
    boy_2014 = "001214012345"
    assert national_id_birth_mismatch(boy_2014, date_of_birth=date(2014, 3, 1), female=False) is None
    assert national_id_birth_mismatch("025313000123", date_of_birth=date(2013, 5, 2), female=True) is None
    assert national_id_birth_mismatch("001085000001", date_of_birth=date(1985, 1, 1), female=False) is None
    wrong_sex = national_id_birth_mismatch(boy_2014, date_of_birth=date(2014, 3, 1), female=True)
    assert wrong_sex is not None and "nam sinh năm 2014" in wrong_sex
    assert national_id_birth_mismatch(boy_2014, date_of_birth=date(2013, 3, 1), female=False) is not None


def test_birth_dates_in_the_future_or_implausible_are_refused() -> None:
    today = date(2025, 9, 5)
    assert check_date_of_birth(date(2014, 2, 28), on=today, min_age=3, max_age=25) == date(2014, 2, 28)
    with pytest.raises(InvalidInput) as future:
        check_date_of_birth(date(2026, 1, 1), on=today, min_age=3, max_age=25)
    assert "tương lai" in future.value.detail and future.value.extensions["value"] == "2026-01-01"
    with pytest.raises(InvalidInput) as too_young:
        check_date_of_birth(date(2024, 1, 1), on=today, min_age=3, max_age=25)
    assert "tuổi 1" in too_young.value.detail
    assert check_date_of_birth(date(1960, 1, 1), on=today, min_age=3, max_age=None) == date(1960, 1, 1)
