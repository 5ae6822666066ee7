"""SMS encoding, segments and dropping diacritics (DOMAIN §5: every message should fit one segment)."""

from __future__ import annotations

import pytest

from notifications.domain.sms import prepare_sms, segments, sms_cost, transliterate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyễn Thị Đào", "Nguyen Thi Dao"),
        ("Điểm Toán: 8,5", "Diem Toan: 8,5"),
        ("ƯỚC MƠ Ở ĐÂY", "UOC MO O DAY"),
        ("vắng không phép", "vang khong phep"),
        ("already plain", "already plain"),
    ],
)
def test_transliteration_drops_every_vietnamese_diacritic(text: str, expected: str) -> None:
    assert transliterate(text) == expected


@pytest.mark.parametrize(
    ("length", "encoding", "expected"),
    [
        (0, "gsm7", 0),
        (1, "gsm7", 1),
        (160, "gsm7", 1),
        (161, "gsm7", 2),
        (306, "gsm7", 2),
        (307, "gsm7", 3),
        (70, "ucs2", 1),
        (71, "ucs2", 2),
        (134, "ucs2", 2),
        (135, "ucs2", 3),
    ],
)
def test_segments_follow_the_single_and_concatenated_limits(length: int, encoding: str, expected: int) -> None:
    assert segments(length, encoding=encoding) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "encoding", "n", "transliterated"),
    [
        ("Con vang hoc sang nay", "gsm7", 1, False),  # plain text stays as it is
        ("Con vắng học", "gsm7", 1, True),  # one GSM-7 segment without diacritics: always taken
        ("Ứ" * 60 + "€" * 60, "ucs2", 2, False),  # plain: 180 septets (2 segments), UCS-2: 120 (2): no gain, kept
        ("Học sinh Nguyễn Thị Thu Trang lớp 6A1 vắng không phép buổi sáng ngày 05/11.", "gsm7", 1, True),
        ("Đ" * 200, "gsm7", 2, True),  # too long either way: the cheaper plain text
        ("€" * 100, "gsm7", 2, False),  # extension characters count twice: 200 septets
    ],
)
def test_diacritics_are_dropped_when_that_fits_one_segment_or_saves_segments(
    text: str, encoding: str, n: int, transliterated: bool
) -> None:
    sms = prepare_sms(text)
    assert (sms.encoding, sms.segments, sms.transliterated) == (encoding, n, transliterated)


def test_cost_is_segments_times_price() -> None:
    assert sms_cost(prepare_sms("x" * 161), price_per_segment_vnd=800) == 1600
