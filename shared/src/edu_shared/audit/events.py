"""The payload every service's "audit head advanced" event shares (each service registers its own, on its topic)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from edu_shared.events.registry import EventPayload


class AuditHeadPayload(EventPayload):
    """A school's audit chain grew to entry `seq` whose hash is `hash` (one per committed change).

    Kept outside the service's database (the bus keeps events forever), the latest head lets an inspector tell that
    the newest entries of the trail were deleted, which the chain alone cannot show.
    """

    school_id: str
    seq: int = Field(ge=1)
    hash: str = Field(min_length=64, max_length=64)
    recorded_at: datetime
