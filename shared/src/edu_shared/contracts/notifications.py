"""Events of the notifications service (topic `edu.notifications`): a message's life, queued to delivered or failed.

Partition key: the school id (`province` or the unit id for administrative messages), so a school's delivery report
can be rebuilt in order. Payloads name the recipient by guardian or contact id, never by phone or e-mail, and
never carry the text (a one-time code must not leak into the event log).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from edu_shared.events.registry import EventPayload

TOPIC = "edu.notifications"

Channel = Literal["inapp", "email", "zalo", "sms"]


class MessageQueued(EventPayload, event_type="vn.edurecords.notifications.message.queued", topic=TOPIC):
    """A message to one recipient on one channel was accepted and waits for delivery (maybe until quiet hours end)."""

    message_id: str
    school_id: str | None
    kind: str = Field(examples=["absence", "scores_digest", "otp"])
    channel: Channel
    recipient_id: str = Field(description="Guardian id, or contact-group member id for administrative messages")
    segments: int = Field(ge=0, description="SMS segments (0 for other channels)")
    cost_vnd: int = Field(ge=0)
    not_before: datetime


class MessageSent(EventPayload, event_type="vn.edurecords.notifications.message.sent", topic=TOPIC):
    """A gateway accepted the message (`provider_ref` is its id for delivery reports)."""

    message_id: str
    school_id: str | None
    channel: Channel
    provider_ref: str | None = None
    attempts: int = Field(ge=1)
    sent_at: datetime


class MessageDelivered(EventPayload, event_type="vn.edurecords.notifications.message.delivered", topic=TOPIC):
    """The operator or the app confirmed the message reached the recipient (delivery report, inbox)."""

    message_id: str
    school_id: str | None
    channel: Channel
    delivered_at: datetime


class MessageFailed(EventPayload, event_type="vn.edurecords.notifications.message.failed", topic=TOPIC):
    """The message could not be delivered on this channel; `fallback_channel` names the next one tried, if any."""

    message_id: str
    school_id: str | None
    channel: Channel
    reason: str
    attempts: int = Field(ge=0)
    fallback_channel: Channel | None = None
    failed_at: datetime
