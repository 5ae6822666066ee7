"""Turning drafts (who, what kind, which values) into queued messages: template, channel plan, cost, budget, key."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from edu_shared.contracts.notifications import MessageQueued
from notifications.domain.delivery import BudgetExceeded, Status, check_budget, idempotency_key
from notifications.domain.preferences import LOCAL_TZ, ContactPoints, Preferences, channel_plan, not_before
from notifications.domain.sms import prepare_sms
from notifications.domain.templates import URGENT_KINDS, Kind, Rendered, render
from notifications.service_layer.uow import NotificationsUnitOfWork

PAID = frozenset({"sms", "zalo"})


@dataclass(frozen=True)
class Pricing:
    sms_segment_vnd: int = 800
    zns_vnd: int = 300

    def cost(self, channel: str, segments: int) -> int:
        if channel == "sms":
            return segments * self.sms_segment_vnd
        return self.zns_vnd if channel == "zalo" else 0


@dataclass(frozen=True)
class Delivery:
    """What the queue needs to know about the running service: configured channels and prices."""

    channels: frozenset[str]
    pricing: Pricing = Pricing()
    # The service's clock: tests set it to a school day instead of waiting for one.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class Draft:
    source_id: str
    school_id: str | None
    recipient_kind: str  # guardian | contact | account
    recipient_id: str
    kind: Kind
    values: Mapping[str, str]
    contact: ContactPoints
    preferences: Preferences
    student_id: str | None = None


@dataclass
class Queued:
    queued: int = 0
    duplicates: int = 0
    unreachable: int = 0
    refused: int = 0
    cost_vnd: int = 0
    message_ids: list[str] = field(default_factory=list)


def month_start(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_TZ)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def message_row(
    draft: Draft, rendered: Rendered, *, channel: str, fallback: Sequence[str], pricing: Pricing, now: datetime
) -> dict[str, Any]:
    sms = prepare_sms(rendered.sms)
    segments = sms.segments if channel == "sms" else 0
    at = not_before(now, draft.preferences, kind=draft.kind)
    address = draft.contact.address(channel)
    assert address is not None  # the plan only holds reachable channels
    return {
        "id": uuid.uuid4().hex,
        "idempotency_key": idempotency_key(draft.source_id, draft.recipient_id, channel),
        "source_id": draft.source_id,
        "school_id": draft.school_id,
        "recipient_kind": draft.recipient_kind,
        "recipient_id": draft.recipient_id,
        "student_id": draft.student_id,
        "kind": draft.kind.value,
        "channel": channel,
        "address": address,
        "title": rendered.title,
        "body": rendered.body,
        "sms_text": sms.text,
        "template_data": json.dumps(dict(draft.values), ensure_ascii=False),
        "segments": segments,
        "cost_vnd": pricing.cost(channel, segments),
        "urgent": draft.kind in URGENT_KINDS,
        "status": Status.QUEUED.value,
        "attempts": 0,
        "not_before": at,
        "next_attempt_at": at,
        "fallback": ",".join(fallback),
        "created_at": now,
    }


def queued_event(row: Mapping[str, Any]) -> MessageQueued:
    return MessageQueued(
        message_id=row["id"],
        school_id=row["school_id"],
        kind=row["kind"],
        channel=row["channel"],
        recipient_id=row["recipient_id"],
        segments=row["segments"],
        cost_vnd=row["cost_vnd"],
        not_before=row["not_before"],
    )


async def queue(
    uow: NotificationsUnitOfWork,
    drafts: Sequence[Draft],
    *,
    delivery: Delivery,
    now: datetime,
    strict_budget: bool = False,
) -> Queued:
    """Queue one message per draft on its first usable channel; redelivered drafts find their key and stop.

    Over a school's monthly budget, a message keeps only its free channels (app, e-mail) and, without one, is
    recorded as failed with the refusal; `strict_budget` (a person sending from the API) refuses it all instead.
    """
    result = Queued()
    planned: list[tuple[Draft, Rendered, list[str]]] = []
    for draft in drafts:
        rendered = render(draft.kind, draft.values)
        plan = channel_plan(draft.preferences, draft.contact, kind=draft.kind, available=delivery.channels)
        if not plan:
            result.unreachable += 1
            continue
        planned.append((draft, rendered, plan))
    keys = [idempotency_key(d.source_id, d.recipient_id, plan[0]) for d, _, plan in planned]
    existing = await uow.messages.existing_keys(keys)
    rows: list[dict[str, Any]] = []
    spent: dict[str, int] = {}
    caps: dict[str, int | None] = {}
    for (draft, rendered, plan), key in zip(planned, keys, strict=True):
        if key in existing:
            result.duplicates += 1
            continue
        existing.add(key)
        row = message_row(draft, rendered, channel=plan[0], fallback=plan[1:], pricing=delivery.pricing, now=now)
        school = draft.school_id
        if row["cost_vnd"] and school is not None and draft.kind not in URGENT_KINDS:
            if school not in caps:
                caps[school] = (await uow.contacts.school_settings(school)).monthly_budget_vnd
                # Without a cap there is nothing to add up (the sum reads the month's messages).
                no_cap = caps[school] is None
                spent[school] = 0 if no_cap else await uow.messages.month_spent(school, month_start=month_start(now))
            try:
                check_budget(school_id=school, spent_vnd=spent[school], cost_vnd=row["cost_vnd"], cap_vnd=caps[school])
            except BudgetExceeded as refusal:
                if strict_budget:
                    raise
                free = [c for c in plan if c not in PAID]
                if free:
                    row = message_row(
                        draft, rendered, channel=free[0], fallback=free[1:], pricing=delivery.pricing, now=now
                    )
                else:
                    row.update(status=Status.FAILED.value, last_error=refusal.args[0], cost_vnd=0)
                    result.refused += 1
            spent[school] += row["cost_vnd"]
        rows.append(row)
    await uow.messages.add(rows)
    for row in rows:
        if row["status"] == Status.QUEUED.value:
            result.queued += 1
            result.cost_vnd += row["cost_vnd"]
            result.message_ids.append(row["id"])
            uow.emit(queued_event(row), partition_key=row["school_id"] or "province")
    return result


def estimate(drafts: Sequence[Draft], *, delivery: Delivery) -> tuple[int, int]:
    """(messages, cost in VND) the drafts would queue on their first channels, before anything is written."""
    count = cost = 0
    for draft in drafts:
        plan = channel_plan(draft.preferences, draft.contact, kind=draft.kind, available=delivery.channels)
        if plan:
            count += 1
            segments = prepare_sms(render(draft.kind, draft.values).sms).segments if plan[0] == "sms" else 0
            cost += delivery.pricing.cost(plan[0], segments)
    return count, cost
