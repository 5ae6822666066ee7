"""Vietnamese personal names and identifiers: splitting, class-list collation, search folding, plausibility.

Pure functions, no I/O. Class lists are sorted the Vietnamese way (DOMAIN §4): by given name (the last word), then
the middle names, then the family name, with the Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s
t u ư v x y) and, within a syllable whose letters are equal, by tone in the conventional order
(ngang < huyền < hỏi < ngã < sắc < nặng). Search ignores diacritics: "nguyen van an" finds "Nguyễn Văn An".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from edu_shared.errors import InvalidInput

# The alphabet in collation order; f, j, w, z are not Vietnamese letters but occur in names of other origins and
# sit where the Latin alphabet puts them.
ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()

# Tone marks (combining characters after NFD) in the conventional order; 0 is the level tone (thanh ngang).
TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền, hỏi, ngã, sắc, nặng
# Marks that make a different letter (ă â ê ô ơ ư): part of the base letter, not a tone.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}

# Sort keys are plain strings compared code point by code point (PostgreSQL: COLLATE "C"): a component separator
# below a word separator below the end-of-letters marker below every letter, so shorter prefixes sort first.
_COMPONENT_SEP = " "
_WORD_SEP = "!"
_END_OF_LETTERS = "#"
_LETTER_CODES = {letter: chr(0x41 + rank) for rank, letter in enumerate(ALPHABET)}
_OTHER = "~"  # any other character sorts after every letter
SORT_KEY_VERSION = 1  # bump (and recompute stored keys) when the collation changes

_NAME_WORD = re.compile(r"^[^\W\d_]+(?:['’\-][^\W\d_]+)*$")


@dataclass(frozen=True)
class PersonName:
    """A Vietnamese full name in its three parts; `middle` may be empty or several words."""

    family: str
    middle: str
    given: str

    @property
    def full(self) -> str:
        return " ".join(part for part in (self.family, self.middle, self.given) if part)


def _normalise_word(word: str) -> str:
    # Keep deliberate capitalisation ("McLean"); fix words typed all in lower or upper case.
    if word.islower() or word.isupper():
        return word[:1].upper() + word[1:].lower()
    return word


def clean_name_part(text: str, *, field_name: str, required: bool) -> str:
    """NFC, single spaces, each word capitalised; letters only (with ' or - inside a word)."""
    words = unicodedata.normalize("NFC", text).split()
    if not words:
        if required:
            raise InvalidInput("Họ tên không được để trống.", field=field_name, value=text)
        return ""
    for word in words:
        if not _NAME_WORD.fullmatch(word):
            raise InvalidInput(
                f"Họ tên chỉ gồm chữ cái (có dấu tiếng Việt), không có chữ số hay ký hiệu: '{word}'.",
                field=field_name,
                value=text,
            )
    cleaned = " ".join(_normalise_word(w) for w in words)
    if len(cleaned) > 64:
        raise InvalidInput("Mỗi phần của họ tên dài tối đa 64 ký tự.", field=field_name, value=text)
    return cleaned


def split_full_name(full_name: str, *, field_name: str = "full_name") -> PersonName:
    """Family = first word, given = last word, middle = the rest ("Nguyễn Thị Minh Khai" → Nguyễn | Thị Minh | Khai).

    Names that do not follow the pattern (compound family names such as "Tôn Nữ", single-word names) must be
    sent as explicit parts instead.
    """
    cleaned = clean_name_part(full_name, field_name=field_name, required=True)
    words = cleaned.split()
    if len(words) < 2:
        raise InvalidInput(
            "Họ và tên phải có ít nhất hai từ (họ và tên); với tên một từ, hãy nhập riêng từng phần.",
            field=field_name,
            value=full_name,
        )
    return PersonName(family=words[0], middle=" ".join(words[1:-1]), given=words[-1])


def name_from_parts(*, family: str, middle: str, given: str) -> PersonName:
    """A name given as parts, each cleaned; family and given are required."""
    return PersonName(
        family=clean_name_part(family, field_name="family_name", required=True),
        middle=clean_name_part(middle, field_name="middle_name", required=False),
        given=clean_name_part(given, field_name="given_name", required=True),
    )


def name_from_input(
    *, full_name: str | None, family_name: str | None, middle_name: str | None, given_name: str | None
) -> PersonName:
    """A name sent either whole (`full_name`, split by the Vietnamese pattern) or in parts, never both."""
    has_parts = any(p is not None for p in (family_name, middle_name, given_name))
    if full_name is not None and has_parts:
        raise InvalidInput(
            "Nhập họ tên đầy đủ (full_name) hoặc từng phần (family_name, middle_name, given_name), không nhập cả hai.",
            field="full_name",
            value=full_name,
        )
    if full_name is not None:
        return split_full_name(full_name)
    if family_name is None or given_name is None:
        missing = "family_name" if family_name is None else "given_name"
        raise InvalidInput("Cần họ tên: full_name, hoặc family_name và given_name.", field=missing, value=None)
    return name_from_parts(family=family_name, middle=middle_name or "", given=given_name)


def _syllable_key(word: str) -> str:
    letters: list[str] = []
    tone = 0
    for char in unicodedata.normalize("NFD", word.lower()):
        if char in TONES:
            tone = TONES[char]
        elif char in _LETTER_MARKS and letters:
            letters[-1] = unicodedata.normalize("NFC", letters[-1] + char)
        elif unicodedata.category(char) == "Mn":
            continue  # a mark Vietnamese does not use: ignore it rather than refuse to sort
        else:
            letters.append(char)
    codes = "".join(_LETTER_CODES.get(letter, _OTHER) for letter in letters)
    return f"{codes}{_END_OF_LETTERS}{tone}"


def _words_key(text: str) -> str:
    return _WORD_SEP.join(_syllable_key(w) for w in text.split())


def class_list_sort_key(name: PersonName) -> str:
    """A string whose plain code-point order is the Vietnamese class-list order of the names.

    Compare these keys with binary collation (SQLite's default; `COLLATE "C"` on PostgreSQL). Equal keys mean
    the same name; break ties by date of birth.
    """
    return _COMPONENT_SEP.join((_words_key(name.given), _words_key(name.middle), _words_key(name.family)))


def fold_for_search(text: str) -> str:
    """Lower case, no diacritics, đ → d, single spaces: "Nguyễn  Văn Ân" → "nguyen van an"."""
    decomposed = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.split())


def search_terms(query: str) -> list[str]:
    """The folded words of a search query; each must start a word of the name (AND)."""
    return fold_for_search(query).split()


NATIONAL_ID_LENGTH = 12
_NATIONAL_ID = re.compile(r"^\d{12}$")


def check_national_id(value: str, *, field_name: str = "national_id") -> str:
    """The personal identification number on the citizen card (CCCD) or birth registration: exactly 12 digits."""
    compact = re.sub(r"[\s.\-]", "", value)
    if not _NATIONAL_ID.fullmatch(compact):
        raise InvalidInput("Số CCCD (mã định danh cá nhân) phải gồm đúng 12 chữ số.", field=field_name, value=value)
    return compact


# Digits 4–6 of the number encode the century and sex of birth, then the last two digits of the birth year
# (Nghị định 137/2015, Thông tư 07/2016/TT-BCA): 0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s…
# *(unconfirmed as a hard rule: if real numbers turn up that break it, set this to False)*
CHECK_NATIONAL_ID_AGAINST_BIRTH = True


def national_id_birth_mismatch(national_id: str, *, date_of_birth: date, female: bool) -> str | None:
    """A Vietnamese explanation when the number cannot belong to someone of that sex born in that year."""
    if not CHECK_NATIONAL_ID_AGAINST_BIRTH or not _NATIONAL_ID.fullmatch(national_id):
        return None
    code = int(national_id[3])
    century = 1900 + 100 * (code // 2)
    coded_female = code % 2 == 1
    coded_year = century + int(national_id[4:6])
    if coded_year != date_of_birth.year or coded_female != female:
        sex = "nữ" if coded_female else "nam"
        return (
            f"Số CCCD {national_id} mã hóa người {sex} sinh năm {coded_year}, không khớp với giới tính và "
            f"ngày sinh {date_of_birth.strftime('%d/%m/%Y')} đã nhập."
        )
    return None


def age_on(date_of_birth: date, on: date) -> int:
    """Full years of age on a day."""
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def check_date_of_birth(
    date_of_birth: date, *, on: date, min_age: int, max_age: int | None, field_name: str = "date_of_birth"
) -> date:
    """Refuse a birth date in the future or giving an implausible age (a typo in the year, most often)."""
    shown = date_of_birth.strftime("%d/%m/%Y")
    if date_of_birth > on:
        raise InvalidInput(f"Ngày sinh {shown} ở tương lai.", field=field_name, value=date_of_birth.isoformat())
    age = age_on(date_of_birth, on)
    if age < min_age or (max_age is not None and age > max_age):
        bounds = f"từ {min_age} đến {max_age}" if max_age is not None else f"từ {min_age}"
        raise InvalidInput(
            f"Ngày sinh {shown} cho tuổi {age}, ngoài khoảng hợp lý ({bounds} tuổi).",
            field=field_name,
            value=date_of_birth.isoformat(),
        )
    return date_of_birth
