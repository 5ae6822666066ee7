"""The dispatcher: the periodic job that sends due messages through their gateways and records what happened.

Three steps, two transactions: claim a batch (status `sending`, a lease), send outside any transaction, record
every outcome at once. A process that dies between the two leaves its batch `sending`; when the lease runs out
the batch is claimed again, with the same message ids, which providers that deduplicate by request id (the
brandname API's RequestId, ZNS's tracking_id) recognise.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from edu_shared.contracts.notifications import MessageDelivered, MessageFailed, MessageSent
from notifications.adapters.channels import ChannelGateway, Outgoing
from notifications.adapters.messages_repo import MessageRow
from notifications.domain.delivery import MAX_ATTEMPTS, RateLimiter, SendError, Status, idempotency_key, retry_delay
from notifications.domain.preferences import not_before
from notifications.domain.sms import is_gsm7, prepare_sms
from notifications.domain.templates import Kind
from notifications.service_layer.queueing import Pricing, queued_event
from notifications.service_layer.uow import NotificationsUnitOfWork

LEASE = timedelta(minutes=5)
ERASED = "[đã xóa sau khi gửi]"  # a one-time code is not kept once delivered or given up


@dataclass
class Outcome:
    row: MessageRow
    ref: str | None = None
    error: SendError | None = None


@dataclass
class DispatchStats:
    sent: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    fell_back: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.delivered + self.retried + self.failed


@dataclass
class Dispatcher:
    uow: Callable[[], NotificationsUnitOfWork]
    gateways: Mapping[str, ChannelGateway]
    pricing: Pricing = Pricing()
    batch: int = 500
    concurrency: int = 64
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _limits: dict[str, RateLimiter] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def run_once(self, now: datetime | None = None) -> DispatchStats:
        """One batch: claim, send, record; the answer says what happened to it."""
        async with self._lock:  # one batch at a time per process: the periodic job and a test may both call
            explicit = now is not None
            now = now or self.now()
            async with self.uow() as unit:
                rows = await unit.messages.claim_due(now=now, limit=self.batch, lease=LEASE)
                await unit.commit()
            if not rows:
                return DispatchStats()
            semaphore = asyncio.Semaphore(self.concurrency)
            outcomes = await asyncio.gather(*(self._send(row, semaphore) for row in rows))
            return await self._record(outcomes, now=now if explicit else self.now())

    async def drain(self, *, rounds: int = 1000) -> DispatchStats:
        """Run batches until nothing is due (tests, benchmarks, the CLI)."""
        total = DispatchStats()
        for _ in range(rounds):
            stats = await self.run_once()
            if stats.handled == 0:
                break
            for name in ("sent", "delivered", "retried", "failed", "fell_back"):
                setattr(total, name, getattr(total, name) + getattr(stats, name))
        return total

    async def _send(self, row: MessageRow, semaphore: asyncio.Semaphore) -> Outcome:
        if row.channel == "inapp":
            return Outcome(row)
        gateway = self.gateways.get(row.channel)
        if gateway is None:
            return Outcome(row, error=SendError(f"kênh {row.channel} chưa được cấu hình", permanent=True))
        limiter = self._limits.setdefault(row.channel, RateLimiter(rate=gateway.rate, burst=gateway.burst))
        wait = limiter.take(self.clock())
        if wait > 0:
            await asyncio.sleep(wait)
        message = Outgoing(
            message_id=row.id,
            kind=row.kind,
            address=row.address,
            title=row.title,
            body=row.body,
            sms_text=row.sms_text,
            unicode=row.sms_text is not None and not is_gsm7(row.sms_text),
            template_data=json.loads(row.template_data),
        )
        async with semaphore:
            try:
                return Outcome(row, ref=await gateway.send(message))
            except SendError as exc:
                return Outcome(row, error=exc)
            except Exception as exc:  # an adapter bug must not lose the batch: recorded, retried
                return Outcome(row, error=SendError(f"unexpected: {exc!r}"))

    async def _record(self, outcomes: list[Outcome], *, now: datetime) -> DispatchStats:
        stats = DispatchStats()
        updates: list[dict[str, Any]] = []
        async with self.uow() as unit:
            for o in outcomes:
                row = o.row
                key = row.school_id or "province"
                erase = {"body": ERASED, "sms_text": ERASED, "template_data": "{}"} if row.kind == Kind.OTP else {}
                if o.error is None and row.channel == "inapp":
                    updates.append(
                        {"_id": row.id, "status": Status.DELIVERED.value, "sent_at": now, "delivered_at": now}
                    )
                    unit.emit(
                        MessageSent(
                            message_id=row.id,
                            school_id=row.school_id,
                            channel="inapp",
                            attempts=row.attempts,
                            sent_at=now,
                        ),
                        partition_key=key,
                    )
                    unit.emit(
                        MessageDelivered(message_id=row.id, school_id=row.school_id, channel="inapp", delivered_at=now),
                        partition_key=key,
                    )
                    stats.delivered += 1
                elif o.error is None:
                    updates.append(
                        {"_id": row.id, "status": Status.SENT.value, "sent_at": now, "provider_ref": o.ref, **erase}
                    )
                    unit.emit(
                        MessageSent(
                            message_id=row.id,
                            school_id=row.school_id,
                            channel=row.channel,
                            provider_ref=o.ref,
                            attempts=row.attempts,
                            sent_at=now,
                        ),
                        partition_key=key,
                    )
                    stats.sent += 1
                elif not o.error.permanent and row.attempts < MAX_ATTEMPTS:
                    updates.append(
                        {
                            "_id": row.id,
                            "status": Status.QUEUED.value,
                            "next_attempt_at": await _retry_at(unit, row, now + retry_delay(row.attempts)),
                            "last_error": o.error.reason[:500],
                        }
                    )
                    stats.retried += 1
                else:
                    updates.append(
                        {"_id": row.id, "status": Status.FAILED.value, "last_error": o.error.reason[:500], **erase}
                    )
                    fallback = await fail_over(unit, row, reason=o.error.reason, now=now, pricing=self.pricing)
                    stats.failed += 1
                    stats.fell_back += fallback is not None
            await unit.messages.update_many(updates)
            await unit.commit()
        return stats


async def _retry_at(unit: NotificationsUnitOfWork, row: MessageRow, at: datetime) -> datetime:
    """A retry waits out the parent's quiet hours too (a gateway down at 20:59 must not mean an SMS at 23:00)."""
    if row.urgent or row.recipient_kind != "guardian":
        return at
    prefs = await unit.contacts.preferences_of(row.recipient_id)
    return not_before(at, prefs, kind=Kind(row.kind))


async def fail_over(
    unit: NotificationsUnitOfWork, row: MessageRow, *, reason: str, now: datetime, pricing: Pricing
) -> str | None:
    """Record a failure on one channel and queue the same message on the recipient's next channel, if any."""
    remaining = [c for c in row.fallback.split(",") if c]
    nxt = remaining[0] if remaining else None
    unit.emit(
        MessageFailed(
            message_id=row.id,
            school_id=row.school_id,
            channel=row.channel,
            reason=reason[:500],
            attempts=row.attempts,
            fallback_channel=nxt,
            failed_at=now,
        ),
        partition_key=row.school_id or "province",
    )
    if nxt is None or row.kind == Kind.OTP and row.body == ERASED:
        return None
    key = idempotency_key(row.source_id, row.recipient_id, nxt)
    if await unit.messages.existing_keys([key]):
        return None
    data: dict[str, str] = json.loads(row.template_data)
    address = _address_for(unit, row, nxt, data)
    segments = prepare_sms(row.sms_text).segments if nxt == "sms" and row.sms_text else 0
    new = {
        "id": uuid.uuid4().hex,
        "idempotency_key": key,
        "source_id": row.source_id,
        "school_id": row.school_id,
        "recipient_kind": row.recipient_kind,
        "recipient_id": row.recipient_id,
        "student_id": row.student_id,
        "kind": row.kind,
        "channel": nxt,
        "address": await address,
        "title": row.title,
        "body": row.body,
        "sms_text": row.sms_text,
        "template_data": row.template_data,
        "segments": segments,
        "cost_vnd": pricing.cost(nxt, segments),
        "urgent": row.urgent,
        "status": Status.QUEUED.value,
        "attempts": 0,
        "not_before": now,
        "next_attempt_at": now,
        "fallback": ",".join(remaining[1:]),
        "created_at": now,
    }
    if not new["address"]:
        return None
    await unit.messages.add([new])
    unit.emit(queued_event(new), partition_key=row.school_id or "province")
    return nxt


async def _address_for(unit: NotificationsUnitOfWork, row: MessageRow, channel: str, data: dict[str, str]) -> str:
    """The recipient's address on another channel, read again from the contact book (or the message itself)."""
    if row.recipient_kind == "guardian":
        contacts = await unit.contacts.reachable_guardians([row.student_id] if row.student_id else [])
        for r in contacts.get(row.student_id or "", []):
            if r.guardian_id == row.recipient_id:
                return r.contact.address(channel) or ""
        return ""
    if row.recipient_kind == "account" and channel in ("sms", "zalo"):
        return row.address  # a one-time code's phone number
    return data.get(f"_{channel}", "")
