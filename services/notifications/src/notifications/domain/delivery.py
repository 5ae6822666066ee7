"""Delivery rules: idempotency keys, retries with backoff, per-provider rate limits, monthly budgets, statuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from edu_shared.errors import Conflict


class Status(StrEnum):
    QUEUED = "queued"  # waiting for its time (quiet hours, backoff) and the dispatcher
    SENDING = "sending"  # handed to a gateway; the answer is not recorded yet
    SENT = "sent"  # the gateway accepted it
    DELIVERED = "delivered"  # a delivery report (or the app) confirmed it
    FAILED = "failed"  # given up on this channel (maybe tried on the next one)


MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


def idempotency_key(source_id: str, recipient_id: str, channel: str) -> str:
    """One message per (source event, recipient, channel): a redelivered event finds its row and stops."""
    return f"{source_id}|{recipient_id}|{channel}"


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at an hour: a gateway that is down is not hammered."""
    delay: timedelta = BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, BACKOFF_CAP)


class SendError(Exception):
    """A gateway refused or failed a message; `permanent` ones are not retried on the same channel."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass
class RateLimiter:
    """A token bucket per provider: `rate` messages a second, bursts up to `burst`; the clock is the caller's."""

    rate: float
    burst: float
    _tokens: float = field(default=-1.0)
    _at: float = 0.0

    def take(self, now: float) -> float:
        """Take one token; the answer is how long to wait first (0 when one was there)."""
        if self._tokens < 0:
            self._tokens, self._at = self.burst, now
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


class BudgetExceeded(Conflict):
    """A school's monthly SMS budget would be exceeded."""


def check_budget(*, school_id: str, spent_vnd: int, cost_vnd: int, cap_vnd: int | None) -> None:
    """Refuse a cost that would take the school past its monthly cap (None: no cap)."""
    if cap_vnd is not None and spent_vnd + cost_vnd > cap_vnd:
        raise BudgetExceeded(
            f"Vượt hạn mức chi phí tin nhắn tháng này của trường: đã dùng {spent_vnd:,} đồng, tin này {cost_vnd:,} "
            f"đồng, hạn mức {cap_vnd:,} đồng.".replace(",", "."),
            field="monthly_budget_vnd",
            value=cap_vnd,
            school_id=school_id,
        )
