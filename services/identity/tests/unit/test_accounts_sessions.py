"""Refresh-token rotation rules, second-factor rules and TOTP codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from edu_shared.auth.principal import Role, RoleGrant, ScopeType
from edu_shared.contracts.identity_accounts import PersonKind
from identity.domain import totp
from identity.domain.accounts import (
    RefreshVerdict,
    classify_refresh,
    code_digest,
    code_matches,
    derive_key,
    needs_second_factor,
    new_refresh_token,
    one_time_code,
    refresh_token_digest,
)

NOW = datetime(2026, 9, 5, 7, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)


def test_an_unused_unexpired_refresh_token_is_valid() -> None:
    assert classify_refresh(used_at=None, revoked_at=None, expires_at=LATER, now=NOW) == RefreshVerdict.VALID


def test_a_refresh_token_already_exchanged_is_a_reuse_even_if_its_family_was_revoked_since() -> None:
    verdict = classify_refresh(used_at=NOW, revoked_at=NOW, expires_at=LATER, now=NOW)
    assert verdict == RefreshVerdict.REUSED


def test_revoked_and_expired_refresh_tokens_are_refused() -> None:
    assert classify_refresh(used_at=None, revoked_at=NOW, expires_at=LATER, now=NOW) == RefreshVerdict.REVOKED
    assert classify_refresh(used_at=None, revoked_at=None, expires_at=NOW, now=NOW) == RefreshVerdict.EXPIRED


def test_refresh_tokens_carry_256_random_bits_and_only_their_digest_is_stored() -> None:
    token = new_refresh_token()
    assert len(token) >= 43 and token != new_refresh_token()
    digest = refresh_token_digest(token)
    assert len(digest) == 64 and token not in digest


def test_principals_and_admins_need_a_second_factor_teachers_do_not() -> None:
    principal = RoleGrant(role=Role.PRINCIPAL, scope_type=ScopeType.SCHOOL, scope_id="s1")
    teacher = RoleGrant(role=Role.SUBJECT_TEACHER, scope_type=ScopeType.CLASS_SUBJECT, scope_id="c1:toan")
    assert needs_second_factor(PersonKind.STAFF, [teacher, principal])
    assert not needs_second_factor(PersonKind.STAFF, [teacher])
    assert needs_second_factor(PersonKind.ADMIN, [])
    assert not needs_second_factor(PersonKind.GUARDIAN, [])


def test_a_totp_code_is_accepted_within_one_step_of_drift() -> None:
    secret = totp.new_secret()
    t = NOW.timestamp()
    assert totp.matching_step(secret, totp.code_at(secret, t), timestamp=t, last_step=None) == totp.step_at(t)
    earlier = totp.code_at(secret, t - 30)
    assert totp.matching_step(secret, earlier, timestamp=t, last_step=None) == totp.step_at(t) - 1
    assert totp.matching_step(secret, totp.code_at(secret, t - 90), timestamp=t, last_step=None) is None


def test_a_totp_code_of_a_spent_step_is_refused() -> None:
    secret = totp.new_secret()
    t = NOW.timestamp()
    code = totp.code_at(secret, t)
    assert totp.matching_step(secret, code, timestamp=t, last_step=totp.step_at(t)) is None


def test_malformed_totp_codes_never_match() -> None:
    secret = totp.new_secret()
    for code in ["", "12345", "abcdef", "1234567"]:
        assert totp.matching_step(secret, code, timestamp=NOW.timestamp(), last_step=None) is None


def test_totp_secrets_are_encrypted_and_bound_to_their_account() -> None:
    key = derive_key("test master key", "totp")
    secret = totp.new_secret()
    sealed = totp.encrypt_secret(secret, key=key, account_id="a1")
    assert secret not in sealed
    assert totp.decrypt_secret(sealed, key=key, account_id="a1") == secret
    assert totp.decrypt_secret(sealed, key=key, account_id="a2") is None
    assert totp.decrypt_secret(sealed, key=derive_key("another key", "totp"), account_id="a1") is None


def test_provisioning_uri_names_the_issuer_and_account() -> None:
    uri = totp.provisioning_uri(totp.new_secret(), username="binhtt.thcshoalac", issuer="EduRecords")
    assert uri.startswith("otpauth://totp/EduRecords:binhtt.thcshoalac?") and "issuer=EduRecords" in uri


def test_one_time_codes_are_six_digits_and_checked_against_their_challenge() -> None:
    key = derive_key("test master key", "otp")
    code = one_time_code()
    assert len(code) == 6 and code.isdigit()
    digest = code_digest(key, challenge_id="c1", code=code)
    assert code_matches(key, challenge_id="c1", code=code, digest=digest)
    assert not code_matches(key, challenge_id="c2", code=code, digest=digest)


def test_derived_keys_differ_by_purpose() -> None:
    assert derive_key("m", "totp") != derive_key("m", "otp") and len(derive_key("m", "totp")) == 32
