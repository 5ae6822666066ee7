"""The CloudEvents envelope and the payload registry."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from edu_shared.contracts.identity import SchoolRegistered
from edu_shared.events.envelope import CloudEvent, new_event
from edu_shared.events.registry import EventPayload, UnknownEventType, event_registry, parse_payload
from edu_shared.testing.probe import ProbeHappened, probe


def test_envelope_carries_cloudevents_attributes_and_round_trips() -> None:
    event = new_event(
        ProbeHappened(seq=7, note="Nguyễn Văn An"),
        source="/tests",
        partition_key="school-1",
        subject="probes/7",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    raw = event.to_bytes()
    back = CloudEvent.from_bytes(raw)
    assert back == event
    assert back.specversion == "1.0"
    assert back.type == "vn.edurecords.test.probe.happened.v1"
    assert back.dataschema == "urn:edurecords:schema:vn.edurecords.test.probe.happened.v1"
    assert back.datacontenttype == "application/json"
    assert back.partitionkey == "school-1"
    assert back.data == {"seq": 7, "note": "Nguyễn Văn An"}
    assert "Nguy" in raw.decode()


def test_envelope_without_partition_key_is_rejected() -> None:
    with pytest.raises(ValidationError):
        CloudEvent.model_validate({"source": "/x", "type": "t", "data": {}})


def test_payload_is_parsed_by_its_registered_type() -> None:
    event = probe(3, key="k")
    payload = parse_payload(event.type, event.data)
    assert isinstance(payload, ProbeHappened)
    assert payload.seq == 3


def test_unknown_event_type_is_reported_by_name() -> None:
    with pytest.raises(UnknownEventType, match="vn.edurecords.nope.v1"):
        parse_payload("vn.edurecords.nope.v1", {})


def test_registering_the_same_type_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):

        class Clash(EventPayload, event_type="vn.edurecords.test.probe.happened", version=1, topic="edu.test"):
            seq: int


def test_payload_without_topic_is_refused() -> None:
    with pytest.raises(TypeError, match="topic"):

        class NoTopic(EventPayload, event_type="vn.edurecords.test.notopic"):
            pass


def test_identity_events_are_in_the_catalogue() -> None:
    types = {meta.type for meta in event_registry.all()}
    assert SchoolRegistered.event_meta().type in types
    assert SchoolRegistered.event_meta().topic == "edu.identity"
