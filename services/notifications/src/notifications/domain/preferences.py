"""A parent's choices (channels in order, quiet hours, opt-outs) and the channel plan they give for one message."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from edu_shared.errors import InvalidInput
from notifications.domain.templates import NO_OPT_OUT, URGENT_KINDS, Kind

CHANNELS = ("inapp", "email", "zalo", "sms")
# One-time codes go where a phone number goes: SMS, or Zalo when the parent chose it first.
OTP_CHANNELS = ("zalo", "sms")
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class QuietHours:
    """No message between `start` and `end` local time (the span may cross midnight)."""

    start: time
    end: time

    def contains(self, at: time) -> bool:
        if self.start <= self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end

    def release(self, local: datetime) -> datetime:
        """The first moment at or after `local` outside the quiet span."""
        if not self.contains(local.timetz().replace(tzinfo=None)):
            return local
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        return end if end > local else end + timedelta(days=1)


DEFAULT_QUIET = QuietHours(time(21, 0), time(6, 30))


@dataclass(frozen=True)
class Preferences:
    channels: tuple[str, ...] = ("inapp", "zalo", "sms")
    quiet: QuietHours | None = DEFAULT_QUIET
    opted_out: frozenset[str] = frozenset()
    language: str = "vi"


DEFAULT_PREFERENCES = Preferences()


@dataclass(frozen=True)
class ContactPoints:
    """Where a recipient can be reached (None: not known)."""

    phone: str | None = None
    email: str | None = None
    zalo_id: str | None = None
    account: str | None = None  # an app account: the in-app inbox is read there

    def address(self, channel: str) -> str | None:
        return {"inapp": self.account, "email": self.email, "zalo": self.zalo_id or self.phone, "sms": self.phone}[
            channel
        ]


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_time(value: str, *, field: str) -> time:
    m = _HHMM.match(value)
    if m is None:
        raise InvalidInput(f"Giờ không hợp lệ (dạng HH:MM): {value}.", field=field, value=value)
    return time(int(m.group(1)), int(m.group(2)))


def check_preferences(
    *, channels: Sequence[str], quiet_start: str | None, quiet_end: str | None, opted_out: Iterable[str]
) -> Preferences:
    """Validate a parent's choices: known channels without repeats, both ends of quiet hours or neither."""
    if not channels:
        raise InvalidInput("Cần chọn ít nhất một kênh nhận tin.", field="channels", value=[])
    for c in channels:
        if c not in CHANNELS:
            raise InvalidInput(f"Kênh không hỗ trợ: {c}.", field="channels", value=c)
    if len(set(channels)) != len(channels):
        raise InvalidInput("Mỗi kênh chỉ chọn một lần.", field="channels", value=list(channels))
    if (quiet_start is None) != (quiet_end is None):
        raise InvalidInput("Cần cả giờ bắt đầu và giờ kết thúc khung giờ yên tĩnh.", field="quiet_end", value=quiet_end)
    quiet = None
    if quiet_start is not None and quiet_end is not None:
        quiet = QuietHours(parse_time(quiet_start, field="quiet_start"), parse_time(quiet_end, field="quiet_end"))
        if quiet.start == quiet.end:
            raise InvalidInput("Khung giờ yên tĩnh không được rỗng.", field="quiet_end", value=quiet_end)
    kinds = set(opted_out)
    for k in kinds:
        if k not in {kind.value for kind in Kind} or Kind(k) in NO_OPT_OUT:
            raise InvalidInput(f"Không thể từ chối loại tin: {k}.", field="opted_out", value=k)
    return Preferences(channels=tuple(channels), quiet=quiet, opted_out=frozenset(kinds))


def channel_plan(prefs: Preferences, contact: ContactPoints, *, kind: Kind, available: Iterable[str]) -> list[str]:
    """Channels to try in order: the parent's order, reachable and configured; none if the parent opted out."""
    if kind.value in prefs.opted_out and kind not in NO_OPT_OUT:
        return []
    usable = set(available)
    order = [c for c in prefs.channels if c in OTP_CHANNELS] + ["sms"] if kind == Kind.OTP else prefs.channels
    plan: list[str] = []
    for c in order:
        if c in usable and c not in plan and contact.address(c) is not None:
            plan.append(c)
    return plan


def not_before(now: datetime, prefs: Preferences, *, kind: Kind) -> datetime:
    """When the message may go: now, or when the parent's quiet hours end (never held for urgent kinds)."""
    if kind in URGENT_KINDS or prefs.quiet is None:
        return now
    return prefs.quiet.release(now.astimezone(LOCAL_TZ)).astimezone(UTC)
