"""Reminders: an open step that waited longer than the school allows produces `SigningReminderDue` for its signers."""

from __future__ import annotations

from datetime import timedelta

from edu_shared.contracts.signing import PendingSigner, SigningReminderDue
from signing.domain.requests import reminder_due
from signing.service_layer.context import now
from signing.service_layer.uow import SigningUnitOfWork


async def send_due_reminders(uow: SigningUnitOfWork, *, after: timedelta) -> int:
    """One reminder per waiting step every `after` (the notifications service reaches the people); returns how many."""
    at = now()
    sent = 0
    async with uow:
        for request_id in await uow.requests.waiting_since(at - after):
            request = await uow.requests.get(request_id)
            if request is None or not reminder_due(request, now=at, after=after):
                continue
            step = request.open_step
            assert step is not None and request.step_opened_at is not None  # reminder_due checked both
            uow.emit(
                SigningReminderDue(
                    request_id=request.id,
                    school_id=request.school_id,
                    reference=request.reference,
                    title=request.title,
                    step=step.order,
                    waiting_since=request.step_opened_at,
                    signers=[
                        PendingSigner(role=s.role, staff_id=s.staff_id, name=s.name)
                        for s in step.signers
                        if not s.signed
                    ],
                ),
                partition_key=request.school_id,
            )
            await uow.requests.mark_reminded(request.id, at=at)
            sent += 1
        await uow.commit()
    return sent
