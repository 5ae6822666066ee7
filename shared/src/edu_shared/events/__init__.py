"""Event contracts: the CloudEvents envelope and the registry of versioned payload models."""

from edu_shared.events.envelope import CloudEvent, new_event
from edu_shared.events.registry import EventPayload, UnknownEventType, event_registry, parse_payload

__all__ = ["CloudEvent", "EventPayload", "UnknownEventType", "event_registry", "new_event", "parse_payload"]
