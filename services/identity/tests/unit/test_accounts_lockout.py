"""Lockout backoff: 5 consecutive failures lock for a minute, each further failure doubles it, up to an hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from identity.domain.accounts import LockoutPolicy, seconds_left

POLICY = LockoutPolicy(threshold=5, base=timedelta(minutes=1), maximum=timedelta(hours=1))


@pytest.mark.parametrize("failures", [0, 1, 4])
def test_fewer_failures_than_the_threshold_do_not_lock(failures: int) -> None:
    assert POLICY.lock_for(failures) is None


@pytest.mark.parametrize(("failures", "minutes"), [(5, 1), (6, 2), (7, 4), (8, 8), (9, 16), (10, 32), (11, 60)])
def test_each_failure_past_the_threshold_doubles_the_lock(failures: int, minutes: int) -> None:
    assert POLICY.lock_for(failures) == timedelta(minutes=minutes)


def test_the_lock_never_exceeds_the_maximum_even_after_very_many_failures() -> None:
    assert POLICY.lock_for(10_000) == timedelta(hours=1)


def test_locked_until_is_counted_from_the_failure() -> None:
    now = datetime(2026, 9, 5, 7, 0, tzinfo=UTC)
    assert POLICY.locked_until(6, now=now) == now + timedelta(minutes=2)


def test_seconds_left_rounds_up_and_is_zero_once_past() -> None:
    now = datetime(2026, 9, 5, 7, 0, tzinfo=UTC)
    assert seconds_left(now + timedelta(seconds=59.2), now=now) == 60
    assert seconds_left(now - timedelta(seconds=1), now=now) == 0
    assert seconds_left(None, now=now) == 0
