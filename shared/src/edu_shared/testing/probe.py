"""A tiny registered event payload for bus, outbox and inbox tests."""

from __future__ import annotations

from edu_shared.events.envelope import CloudEvent, new_event
from edu_shared.events.registry import EventPayload


class ProbeHappened(EventPayload, event_type="vn.edurecords.test.probe.happened", version=1, topic="edu.test"):
    """A numbered probe: tests check order and exactly-once effects with it."""

    seq: int
    note: str = ""


def probe(seq: int, *, key: str, note: str = "") -> CloudEvent:
    return new_event(ProbeHappened(seq=seq, note=note), source="/tests", partition_key=key)
