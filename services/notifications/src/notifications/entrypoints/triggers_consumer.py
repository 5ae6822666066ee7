"""Consumer of events that become messages: to parents (absence, scores, results, codes), to staff (reminders to sign).

A run of events (what the bus adapters hand `handle_batch`) is applied in one unit of work: each event's wanted
messages are collected, the students' guardians are looked up once and every draft is queued together, beside
the run's inbox rows. One event alone goes the same way. Like `edu_shared.db.uow.IdempotentHandler`, an event id
is applied at most once; a failed run makes the bus adapter fall back to one event at a time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from edu_shared.contracts.gradebook import ScoresRecorded
from edu_shared.contracts.gradebook_records import AttendanceRecorded, DisciplineRecorded, ExemptionGranted
from edu_shared.contracts.gradebook_results import ClassResultsApproved
from edu_shared.contracts.identity_accounts import ParentOtpRequested
from edu_shared.contracts.signing import SigningReminderDue
from edu_shared.contracts.transcript import TranscriptIssued
from edu_shared.events.envelope import CloudEvent
from edu_shared.events.registry import parse_payload
from edu_shared.observability.tracing import consumer_span
from notifications.service_layer import triggers
from notifications.service_layer.queueing import Delivery
from notifications.service_layer.triggers import Wanted
from notifications.service_layer.uow import NotificationsUnitOfWork

Trigger = Callable[..., Awaitable[list[Wanted]]]

TRIGGERS: dict[str, Trigger] = {
    AttendanceRecorded.event_meta().type: triggers.on_attendance,
    ScoresRecorded.event_meta().type: triggers.on_scores,
    ClassResultsApproved.event_meta().type: triggers.on_results,
    DisciplineRecorded.event_meta().type: triggers.on_discipline,
    ExemptionGranted.event_meta().type: triggers.on_exemption,
    ParentOtpRequested.event_meta().type: triggers.on_parent_otp,
    TranscriptIssued.event_meta().type: triggers.on_transcript_issued,
    SigningReminderDue.event_meta().type: triggers.on_signing_reminder,
}


async def wanted_by(uow: NotificationsUnitOfWork, event: CloudEvent, *, delivery: Delivery) -> list[Wanted]:
    """The messages one event calls for (none for other event types)."""
    trigger = TRIGGERS.get(event.type)
    if trigger is None:
        return []
    payload: Any = parse_payload(event.type, event.data)
    return await trigger(uow, payload, event_id=event.id, now=delivery.clock())


class TriggerHandler:
    """The triggers' `EventHandler`: idempotent per event id, and batched over a run of events."""

    def __init__(self, *, group: str, uow: Callable[[], NotificationsUnitOfWork], delivery: Callable[[], Delivery]):
        self.group = group
        self._uow = uow
        self._delivery = delivery

    async def __call__(self, event: CloudEvent) -> None:
        await self.handle_batch([event], topic=None)

    async def handle_batch(self, events: Sequence[CloudEvent], *, topic: str | None) -> None:
        """Apply the events not yet in the inbox and queue what they call for: all or nothing."""
        if not events:
            return
        delivery = self._delivery()
        try:
            async with self._uow() as unit:
                seen = await unit.processed_ids(group=self.group, event_ids=[e.id for e in events])
                fresh: list[CloudEvent] = []
                wanted: list[Wanted] = []
                for event in events:
                    if event.id in seen:
                        continue
                    seen.add(event.id)
                    if topic is not None:
                        with consumer_span(event, topic=topic, group=self.group):
                            wanted += await wanted_by(unit, event, delivery=delivery)
                    else:
                        wanted += await wanted_by(unit, event, delivery=delivery)
                    fresh.append(event)
                if not fresh:
                    return
                await triggers.deliver(unit, wanted, delivery=delivery, now=delivery.clock())
                await unit.mark_all_processed(group=self.group, events=fresh)
                await unit.commit()
        except IntegrityError:
            # A concurrent delivery of the same event may have won the race; for one event that is success.
            if len(events) == 1:
                async with self._uow() as check:
                    if await check.already_processed(group=self.group, event_id=events[0].id):
                        return
            raise
