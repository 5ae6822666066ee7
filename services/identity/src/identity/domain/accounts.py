"""Accounts and credentials, pure: user names (seed 002), password policy and hashing, lockout, sessions, codes.

No I/O here. The service layer loads and stores; these functions decide.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from edu_shared.auth.principal import Role, RoleGrant
from edu_shared.contracts.identity_accounts import PersonKind
from edu_shared.errors import Conflict, DomainError, InvalidInput, Unauthenticated

# ---------------------------------------------------------------------------------------------------------------
# User names (seed 002, Điều 3, khoản 2)
# ---------------------------------------------------------------------------------------------------------------

_NOT_NAME = re.compile(r"[^a-z0-9]")


def strip_diacritics(text: str) -> str:
    """'Nguyễn Văn Đức' → 'Nguyen Van Duc' (đ/Đ are letters of their own, not a d with a mark)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def _ascii_word(word: str) -> str:
    return _NOT_NAME.sub("", strip_diacritics(word).lower())


def name_stem(full_name: str) -> str:
    """`<given name><initials of middle and family names>`: 'Nguyễn Văn An' → 'anvn', 'Lê Thị Minh Khai' → 'khaitml'.

    The given name is the last word of a Vietnamese full name, the family name the first, middle names between.
    Order of the initials *(unconfirmed)*: seed 002 says "<tên><họ và tên lót viết tắt>", and DOMAIN.md's example
    (Nguyễn Văn An → anvn) puts the middle-name initials first, then the family initial; this function is the one
    place to change if the province's practice differs (e.g. 'annv').
    """
    words = [w for w in (_ascii_word(p) for p in full_name.split()) if w]
    if not words:
        raise InvalidInput(
            "Họ và tên phải có ít nhất một chữ cái để tạo tên đăng nhập.", field="display_name", value=full_name
        )
    *others, given = words
    family, middles = (others[0], others[1:]) if others else ("", [])
    return given + "".join(w[0] for w in middles) + family[:1]


def with_clash_number(stem: str, suffix: str, taken: Collection[str]) -> str:
    """`stem + suffix`, or with the smallest free number from 2 appended to the stem (anvn2.thcshoalac…)."""
    candidate = stem + suffix
    number = 2
    while candidate in taken:
        candidate = f"{stem}{number}{suffix}"
        number += 1
    return candidate


def person_username(full_name: str, unit_code: str, taken: Collection[str]) -> str:
    """Staff or student: `<given name><initials>.<school or unit code>`, e.g. anvn.thcshoalac, then anvn2…"""
    return with_clash_number(name_stem(full_name), f".{unit_code}", taken)


def admin_username(parent_code: str, unit_code: str, taken: Collection[str]) -> str:
    """An administration account: `<district or commune code>_<school or unit code>` (seed 002, Điều 3 b)."""
    return with_clash_number(f"{parent_code}_{unit_code}", "", taken)


def guardian_username(phone: str) -> str:
    """Guardians sign in by phone; their account name is derived from it: +84912345678 → ph.0912345678."""
    return "ph." + national_phone(phone)


def normalize_username(raw: str) -> str:
    """What a user types at sign-in: case and surrounding spaces do not matter."""
    return raw.strip().lower()


# ---------------------------------------------------------------------------------------------------------------
# Phone numbers (guardians)
# ---------------------------------------------------------------------------------------------------------------

_PHONE = re.compile(r"^(?:\+?84|0)(\d{9})$")


def normalize_phone(raw: str, *, field: str = "phone") -> str:
    """A Vietnamese mobile number in E.164: '0912 345 678', '+84912345678', '84912345678' → '+84912345678'."""
    compact = re.sub(r"[\s.\-()]", "", raw)
    match = _PHONE.fullmatch(compact)
    if match is None:
        raise InvalidInput(
            f"Số điện thoại '{raw}' không hợp lệ: cần 10 chữ số bắt đầu bằng 0, hoặc dạng +84 và 9 chữ số.",
            field=field,
            value=raw,
        )
    return "+84" + match.group(1)


def national_phone(e164: str) -> str:
    return "0" + e164.removeprefix("+84")


# ---------------------------------------------------------------------------------------------------------------
# Passwords
# ---------------------------------------------------------------------------------------------------------------

MAX_PASSWORD_LENGTH = 128  # argon2 cost does not depend on it, but nobody needs more and it bounds request size

# Small on purpose: the length rule already rules out most of the top lists; these are the long ones seen in
# Vietnamese leaks and school defaults. Compared lower-cased and without diacritics.
COMMON_PASSWORDS = frozenset(
    {
        "0123456789",
        "1234567890",
        "12345678910",
        "123456789a",
        "123456789@",
        "a123456789",
        "1234567890a",
        "1111111111",
        "0000000000",
        "1q2w3e4r5t",
        "qwertyuiop",
        "qwerty123456",
        "zxcvbnm123",
        "password",
        "password1",
        "password12",
        "password123",
        "password@123",
        "passw0rd123",
        "abc123456789",
        "abc@123456",
        "abcd@12345",
        "admin@1234",
        "admin123456",
        "administrator",
        "iloveyou123",
        "matkhau123",
        "matkhau@123",
        "matkhaumoi",
        "matkhaumoi123",
        "anhyeuem123",
        "emyeuanh123",
        "yeuem123456",
        "khongbiet123",
        "vietnam123",
        "vietnam@123",
        "hanoi123456",
        "saigon123456",
        "giaovien123",
        "giaovien@123",
        "hocsinh123",
        "hocsinh@123",
        "truonghoc123",
        "phuhuynh123",
        "edurecords",
        "edurecords123",
    }
)


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 10

    def problems(self, password: str, *, username: str) -> list[str]:
        """Every rule the password breaks, as Vietnamese sentences (empty: acceptable)."""
        found: list[str] = []
        if len(password) < self.min_length:
            found.append(f"Mật khẩu phải có ít nhất {self.min_length} ký tự.")
        if len(password) > MAX_PASSWORD_LENGTH:
            found.append(f"Mật khẩu dài tối đa {MAX_PASSWORD_LENGTH} ký tự.")
        folded = strip_diacritics(password).lower()
        if any(len(part) >= 3 and part in folded for part in _username_parts(username)):
            found.append("Mật khẩu không được chứa tên đăng nhập.")
        if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
            found.append("Mật khẩu quá phổ biến hoặc dễ đoán; hãy chọn mật khẩu khác.")
        return found

    def check(self, password: str, *, username: str, field: str = "new_password") -> None:
        """Raise InvalidInput naming the field and listing every broken rule (the password is never echoed)."""
        found = self.problems(password, username=username)
        if found:
            raise InvalidInput(" ".join(found), field=field, problems=found)


def _username_parts(username: str) -> Iterable[str]:
    """The whole name and its person part ('anvn' of 'anvn.thcshoalac'); the school code alone is public."""
    name = username.lower()
    yield name
    yield re.sub(r"\d+$", "", name.split(".", 1)[0])


_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I


def temporary_password(*, group_length: int = 4) -> str:
    """A random password to hand over once (read aloud or printed), e.g. 'k7Qm-xR4p-Tz9c' (~70 bits).

    The owner must change it at the first sign-in.
    """
    return "-".join("".join(secrets.choice(_TEMP_ALPHABET) for _ in range(group_length)) for _ in range(3))


class PasswordHashing:
    """argon2id with the configured cost; tells when a stored hash was made with older parameters."""

    def __init__(self, *, time_cost: int = 2, memory_kib: int = 19_456, parallelism: int = 1) -> None:
        self.hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        # Verified against when there is no stored hash (unknown user name), so that both cases cost the same.
        self._decoy = self.hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Same work whether or not there is a stored hash; never raises on a wrong password or a bad hash."""
        try:
            return self.hasher.verify(stored or self._decoy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)


# ---------------------------------------------------------------------------------------------------------------
# Lockout
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LockoutPolicy:
    """`threshold` consecutive failures lock for `base`, each further failure doubles it, up to `maximum`."""

    threshold: int = 5
    base: timedelta = timedelta(minutes=1)
    maximum: timedelta = timedelta(hours=1)

    def lock_for(self, failed_attempts: int) -> timedelta | None:
        """How long the failure that brought the counter to `failed_attempts` locks the account (None: no lock)."""
        if failed_attempts < self.threshold:
            return None
        doublings = min(failed_attempts - self.threshold, 32)
        return min(self.base * (1 << doublings), self.maximum)

    def locked_until(self, failed_attempts: int, *, now: datetime) -> datetime | None:
        duration = self.lock_for(failed_attempts)
        return None if duration is None else now + duration


def seconds_left(until: datetime | None, *, now: datetime) -> int:
    """Whole seconds until `until`, rounded up; 0 when it is past (or None)."""
    if until is None or until <= now:
        return 0
    return int(-(-(until - now).total_seconds() // 1))


# ---------------------------------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------------------------------

# Holders of these roles change who may do what, or sign for a school: they need a second factor.
SECOND_FACTOR_ROLES = frozenset(
    {
        Role.PRINCIPAL,
        Role.VICE_PRINCIPAL,
        Role.SCHOOL_ADMIN,
        Role.UNIT_ADMIN,
        Role.DEPARTMENT_ADMIN,
        Role.PLATFORM_ADMIN,
    }
)


def needs_second_factor(person_kind: PersonKind, grants: Iterable[RoleGrant]) -> bool:
    return person_kind == PersonKind.ADMIN or any(g.role in SECOND_FACTOR_ROLES for g in grants)


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    person_kind: PersonKind
    display_name: str
    person_id: str | None = None
    school_id: str | None = None
    org_unit_id: str | None = None
    phone: str | None = None
    password_hash: str | None = None
    must_change_password: bool = False
    failed_attempts: int = 0
    locked_until: datetime | None = None
    totp_secret: str | None = None  # AES-GCM ciphertext (see domain/totp.py), never the plain secret
    totp_enabled: bool = False
    totp_last_step: int | None = None
    disabled_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None

    def locked(self, *, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def password_version(self) -> str:
        """A fingerprint of the current password hash: sign-in challenges die when the password changes."""
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------------------------
# Refresh tokens
# ---------------------------------------------------------------------------------------------------------------


class RefreshVerdict(StrEnum):
    VALID = "valid"
    REUSED = "reused"  # already exchanged once: a copy is in someone else's hands → revoke the whole family
    REVOKED = "revoked"  # signed out, or the family was revoked
    EXPIRED = "expired"


def classify_refresh(
    *, used_at: datetime | None, revoked_at: datetime | None, expires_at: datetime, now: datetime
) -> RefreshVerdict:
    """Rotation rules: each refresh token is good for exactly one exchange, within its lifetime."""
    if used_at is not None:
        return RefreshVerdict.REUSED
    if revoked_at is not None:
        return RefreshVerdict.REVOKED
    if expires_at <= now:
        return RefreshVerdict.EXPIRED
    return RefreshVerdict.VALID


def new_refresh_token() -> str:
    """An opaque 256-bit random token (URL-safe base64); only its SHA-256 is stored."""
    return secrets.token_urlsafe(32)


def refresh_token_digest(token: str) -> str:
    # A plain hash is enough: the token is 256 random bits, there is nothing to guess.
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# One-time codes for guardians, and the keys behind them
# ---------------------------------------------------------------------------------------------------------------


def one_time_code() -> str:
    """Six random digits."""
    return f"{secrets.randbelow(1_000_000):06d}"


def derive_key(master: str, purpose: str) -> bytes:
    """A 256-bit key for one purpose (HKDF-SHA256), so that one configured secret serves several uses safely."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(master.encode())


def code_digest(key: bytes, *, challenge_id: str, code: str) -> str:
    """HMAC of a one-time code bound to its challenge: a leaked table row does not give the code away offline."""
    return hmac.new(key, f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(key: bytes, *, challenge_id: str, code: str, digest: str) -> bool:
    return hmac.compare_digest(code_digest(key, challenge_id=challenge_id, code=code), digest)


# ---------------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------------

BAD_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."


class InvalidCredentials(Unauthenticated):
    """Wrong user name or wrong password: one message for both, so user names cannot be probed."""

    slug = "invalid-credentials"
    title = "Đăng nhập không thành công"


class SignInLocked(DomainError):
    slug = "sign-in-locked"
    title = "Tạm khóa đăng nhập"
    status = 429


class TooManyRequests(DomainError):
    slug = "too-many-requests"
    title = "Quá nhiều yêu cầu"
    status = 429


class InvalidSession(Unauthenticated):
    slug = "invalid-session"
    title = "Phiên đăng nhập không hợp lệ"


class AccountStateConflict(Conflict):
    slug = "account-state"
    title = "Trạng thái tài khoản không cho phép thao tác này"
