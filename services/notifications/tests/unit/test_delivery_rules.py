"""Preferences, quiet hours, channel plans, backoff, rate limits and budgets."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from edu_shared.errors import Conflict, InvalidInput
from notifications.domain.delivery import RateLimiter, check_budget, retry_delay
from notifications.domain.preferences import (
    ContactPoints,
    Preferences,
    QuietHours,
    channel_plan,
    check_preferences,
    not_before,
)
from notifications.domain.templates import Kind

ALL = ("inapp", "email", "zalo", "sms")
PHONE_ONLY = ContactPoints(phone="0912345678")


def vn(hour: int, minute: int = 0) -> datetime:
    """A moment in Vietnam (UTC+7) on 5 November 2025, as UTC."""
    return datetime(2025, 11, 5, hour, minute, tzinfo=UTC) - timedelta(hours=7)


@pytest.mark.parametrize(
    ("at", "released"),
    [
        (vn(12), vn(12)),
        (vn(21, 30), vn(6, 30) + timedelta(days=1)),
        (vn(2), vn(6, 30)),
        (vn(6, 30), vn(6, 30)),
    ],
)
def test_quiet_hours_hold_messages_until_morning(at: datetime, released: datetime) -> None:
    assert not_before(at, Preferences(), kind=Kind.ABSENCE) == released


def test_one_time_codes_ignore_quiet_hours() -> None:
    assert not_before(vn(2), Preferences(), kind=Kind.OTP) == vn(2)


def test_quiet_hours_within_one_day() -> None:
    quiet = QuietHours(time(12, 0), time(13, 0))
    assert quiet.contains(time(12, 30)) and not quiet.contains(time(13, 0))


def test_plan_follows_the_parents_order_and_skips_unreachable_or_missing_gateways() -> None:
    prefs = Preferences(channels=("email", "inapp", "zalo", "sms"))
    contact = ContactPoints(phone="0912345678", account="acc-1")
    assert channel_plan(prefs, contact, kind=Kind.ABSENCE, available={"inapp", "sms"}) == ["inapp", "sms"]
    assert channel_plan(prefs, contact, kind=Kind.ABSENCE, available=ALL) == ["inapp", "zalo", "sms"]


def test_opted_out_kinds_get_no_plan_but_codes_always_do() -> None:
    prefs = Preferences(opted_out=frozenset({"scores_digest", "otp"}))
    assert channel_plan(prefs, PHONE_ONLY, kind=Kind.SCORES_DIGEST, available=ALL) == []
    assert channel_plan(prefs, PHONE_ONLY, kind=Kind.OTP, available=ALL) == ["zalo", "sms"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channels": []}, "channels"),
        ({"channels": ["fax"]}, "channels"),
        ({"channels": ["sms", "sms"]}, "channels"),
        ({"quiet_start": "21:00", "quiet_end": None}, "quiet_end"),
        ({"quiet_start": "25:00", "quiet_end": "06:00"}, "quiet_start"),
        ({"opted_out": ["otp"]}, "opted_out"),
        ({"opted_out": ["spam"]}, "opted_out"),
    ],
)
def test_bad_preferences_are_refused_naming_the_field(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"channels": ["sms"], "quiet_start": None, "quiet_end": None, "opted_out": []}
    with pytest.raises(InvalidInput) as err:
        check_preferences(**{**args, **kwargs})  # type: ignore[arg-type]
    assert err.value.extensions["field"] == field


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(20) == timedelta(hours=1)


def test_rate_limiter_allows_a_burst_then_spaces_messages() -> None:
    limiter = RateLimiter(rate=10, burst=2)
    assert [limiter.take(0.0), limiter.take(0.0)] == [0.0, 0.0]
    assert limiter.take(0.0) == pytest.approx(0.1)
    assert limiter.take(1.0) == 0.0


def test_budget_refuses_what_would_pass_the_cap() -> None:
    check_budget(school_id="s", spent_vnd=9_200, cost_vnd=800, cap_vnd=10_000)
    check_budget(school_id="s", spent_vnd=10**9, cost_vnd=800, cap_vnd=None)
    with pytest.raises(Conflict) as err:
        check_budget(school_id="s", spent_vnd=9_500, cost_vnd=800, cap_vnd=10_000)
    assert "10.000 đồng" in err.value.detail
