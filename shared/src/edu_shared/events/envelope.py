"""The CloudEvents 1.0 envelope every EduRecords event travels in, on every bus.

Structured JSON mode: the whole envelope, payload included, is one JSON document, so the embedded log and
Kafka carry exactly the same bytes. Extension attributes (lower-case, per the spec): `partitionkey` (the
school or org id that orders events) and `traceparent` (W3C trace context, so a trace spans HTTP → outbox →
bus → consumer).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from edu_shared.events.registry import EventPayload


def _now() -> datetime:
    return datetime.now(UTC)


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 envelope in structured JSON mode."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    specversion: Literal["1.0"] = "1.0"
    time: datetime = Field(default_factory=_now)
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    partitionkey: str
    traceparent: str | None = None
    tracestate: str | None = None
    data: dict[str, Any]

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes | str) -> CloudEvent:
        return cls.model_validate_json(raw)


def new_event(
    payload: EventPayload,
    *,
    source: str,
    partition_key: str,
    subject: str | None = None,
    traceparent: str | None = None,
    tracestate: str | None = None,
) -> CloudEvent:
    """Wrap a registered payload model in an envelope, type and schema taken from the payload's class."""
    meta = type(payload).event_meta()
    return CloudEvent(
        source=source,
        type=meta.type,
        dataschema=meta.dataschema,
        subject=subject,
        partitionkey=partition_key,
        traceparent=traceparent,
        tracestate=tracestate,
        data=payload.model_dump(mode="json"),
    )
