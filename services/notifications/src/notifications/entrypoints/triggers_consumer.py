"""Consumer of gradebook and identity events that become messages to parents (absence, scores, results, codes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from edu_shared.contracts.gradebook import ScoresRecorded
from edu_shared.contracts.gradebook_records import AttendanceRecorded, DisciplineRecorded, ExemptionGranted
from edu_shared.contracts.gradebook_results import ClassResultsApproved
from edu_shared.contracts.identity_accounts import ParentOtpRequested
from edu_shared.events.envelope import CloudEvent
from edu_shared.events.registry import parse_payload
from notifications.service_layer import triggers
from notifications.service_layer.queueing import Delivery, Queued
from notifications.service_layer.uow import NotificationsUnitOfWork

Trigger = Callable[..., Awaitable[Queued]]

TRIGGERS: dict[str, Trigger] = {
    AttendanceRecorded.event_meta().type: triggers.on_attendance,
    ScoresRecorded.event_meta().type: triggers.on_scores,
    ClassResultsApproved.event_meta().type: triggers.on_results,
    DisciplineRecorded.event_meta().type: triggers.on_discipline,
    ExemptionGranted.event_meta().type: triggers.on_exemption,
    ParentOtpRequested.event_meta().type: triggers.on_parent_otp,
}


async def apply_trigger_event(uow: NotificationsUnitOfWork, event: CloudEvent, *, delivery: Delivery) -> None:
    """Queue the messages one event calls for (other event types are ignored)."""
    trigger = TRIGGERS.get(event.type)
    if trigger is None:
        return
    payload: Any = parse_payload(event.type, event.data)
    await trigger(uow, payload, event_id=event.id, delivery=delivery, now=delivery.clock())
