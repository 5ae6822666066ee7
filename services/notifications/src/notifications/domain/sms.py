"""SMS text: GSM-7 or UCS-2, segments, dropping Vietnamese diacritics when that keeps a message in one segment.

Parents pay per segment (DOMAIN §5). A GSM-7 segment holds 160 characters (153 each when concatenated); UCS-2,
needed for any letter with diacritics, holds 70 (67). Dropping the diacritics ("Điểm" → "Diem") is how
Vietnamese schools have always sent SMS, and Unicode SMS are priced higher by some brandname providers and shown
badly by old phones: a message goes without them whenever that fits one GSM-7 segment or saves segments.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["gsm7", "ucs2"]

# The GSM 03.38 basic set, and the extension table whose characters take two septets each.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def transliterate(text: str) -> str:
    """Vietnamese without diacritics: "Nguyễn Thị Đào" → "Nguyen Thi Dao"; other text unchanged."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


_GSM_ALL = _GSM_BASIC | _GSM_EXTENDED


def is_gsm7(text: str) -> bool:
    return _GSM_ALL.issuperset(text)


def gsm7_length(text: str) -> int:
    """Septets the text takes (extension characters count twice)."""
    return len(text) + sum(text.count(c) for c in _GSM_EXTENDED)


def ucs2_length(text: str) -> int:
    """UTF-16 code units (a character outside the BMP takes two)."""
    return len(text.encode("utf-16-le")) // 2


def segments(length: int, *, encoding: Encoding) -> int:
    """Segments a message of `length` units takes; 0 for an empty one."""
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == "gsm7" else (UCS2_SINGLE, UCS2_PART)
    if length == 0:
        return 0
    if length <= single:
        return 1
    return -(-length // part)


@dataclass(frozen=True)
class SmsText:
    """The text as it will be sent, its encoding and the segments it costs."""

    text: str
    encoding: Encoding
    segments: int
    transliterated: bool


def _measure(text: str, *, transliterated: bool) -> SmsText:
    if is_gsm7(text):
        return SmsText(text, "gsm7", segments(gsm7_length(text), encoding="gsm7"), transliterated)
    return SmsText(text, "ucs2", segments(ucs2_length(text), encoding="ucs2"), transliterated)


def prepare_sms(text: str) -> SmsText:
    """Drop the diacritics when the plain text fits one GSM-7 segment (or saves segments); else keep them."""
    original = _measure(text, transliterated=False)
    if original.encoding == "gsm7":
        return original
    plain = _measure(transliterate(text), transliterated=True)
    if plain.encoding == "gsm7" and plain.segments <= 1:
        return plain
    return plain if plain.segments < original.segments else original


def sms_cost(sms: SmsText, *, price_per_segment_vnd: int) -> int:
    return sms.segments * price_per_segment_vnd
