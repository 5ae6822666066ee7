"""Password policy (Vietnamese messages) and argon2id hashing."""

from __future__ import annotations

import pytest

from edu_shared.errors import InvalidInput
from identity.domain.accounts import PasswordHashing, PasswordPolicy, temporary_password

POLICY = PasswordPolicy(min_length=10)


def test_a_long_uncommon_password_is_accepted() -> None:
    assert POLICY.problems("Sông-Hồng 2026 xanh", username="anvn.thcshoalac") == []


def test_a_short_password_is_refused_in_vietnamese() -> None:
    assert POLICY.problems("Ab1!xyz", username="anvn.thcshoalac") == ["Mật khẩu phải có ít nhất 10 ký tự."]


@pytest.mark.parametrize("password", ["anvn.thcshoalac!", "xx-ANVN-2026-yy", "Anvn2026@@@"])
def test_a_password_containing_the_user_name_is_refused(password: str) -> None:
    assert "Mật khẩu không được chứa tên đăng nhập." in POLICY.problems(password, username="anvn2.thcshoalac")


def test_the_school_code_alone_is_not_a_secret_part_of_the_name() -> None:
    assert POLICY.problems("thcshoalac-mua-thu-2026", username="anvn.thcshoalac") == []


@pytest.mark.parametrize("password", ["matkhau123", "Password123", "1234567890", "MậtKhẩu@123", "aaaaaaaaaaaa"])
def test_common_or_trivial_passwords_are_refused(password: str) -> None:
    assert any("phổ biến" in p for p in POLICY.problems(password, username="anvn.thcshoalac"))


def test_check_names_the_field_and_lists_every_problem_without_echoing_the_password() -> None:
    with pytest.raises(InvalidInput) as err:
        POLICY.check("anvn1", username="anvn.thcshoalac")
    assert err.value.extensions["field"] == "new_password"
    assert len(err.value.extensions["problems"]) == 2
    assert "anvn1" not in err.value.detail and "value" not in err.value.extensions


def test_temporary_passwords_are_random_and_satisfy_the_policy() -> None:
    generated = {temporary_password() for _ in range(50)}
    assert len(generated) == 50
    assert all(POLICY.problems(p, username="anvn.thcshoalac") == [] for p in generated)


def test_argon2id_hash_verifies_only_the_right_password() -> None:
    hashing = PasswordHashing(time_cost=1, memory_kib=8 * 1024)
    stored = hashing.hash("Sông-Hồng 2026 xanh")
    assert stored.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    assert hashing.verify(stored, "Sông-Hồng 2026 xanh")
    assert not hashing.verify(stored, "sông-hồng 2026 xanh")


def test_verifying_without_a_stored_hash_or_with_garbage_is_false_not_an_error() -> None:
    hashing = PasswordHashing(time_cost=1, memory_kib=8 * 1024)
    assert not hashing.verify(None, "anything at all")
    assert not hashing.verify("not-a-hash", "anything at all")


def test_hashes_made_with_other_parameters_need_a_rehash() -> None:
    old = PasswordHashing(time_cost=1, memory_kib=8 * 1024).hash("Sông-Hồng 2026 xanh")
    current = PasswordHashing(time_cost=2, memory_kib=8 * 1024)
    assert current.verify(old, "Sông-Hồng 2026 xanh")
    assert current.needs_rehash(old)
    assert not current.needs_rehash(current.hash("Sông-Hồng 2026 xanh"))
