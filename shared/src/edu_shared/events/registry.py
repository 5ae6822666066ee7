"""Versioned event payload models and the registry that maps a CloudEvents `type` to its model.

A payload class declares its wire name once:

    class SchoolRegistered(EventPayload, event_type="vn.edurecords.identity.school.registered", version=1,
                           topic="edu.identity"): ...

The full CloudEvents type carries the major version (`….school.registered.v1`); a breaking change is a new
class with version 2, published beside v1 until every consumer moved. The registry also feeds the AsyncAPI
catalogue in docs/.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class UnknownEventType(LookupError):
    """An envelope whose type no payload model is registered for."""

    def __init__(self, event_type: str) -> None:
        super().__init__(f"no payload model registered for event type {event_type!r}")
        self.event_type = event_type


@dataclass(frozen=True)
class EventMeta:
    type: str
    version: int
    topic: str
    model: builtins.type[EventPayload]

    @property
    def dataschema(self) -> str:
        return f"urn:edurecords:schema:{self.type}"


class EventRegistry:
    """Type name → payload model, filled as payload classes are defined."""

    def __init__(self) -> None:
        self._by_type: dict[str, EventMeta] = {}

    def register(self, meta: EventMeta) -> None:
        existing = self._by_type.get(meta.type)
        if existing is not None and existing.model is not meta.model:
            raise ValueError(f"event type {meta.type!r} registered twice")
        self._by_type[meta.type] = meta

    def get(self, event_type: str) -> EventMeta:
        try:
            return self._by_type[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None

    def all(self) -> list[EventMeta]:
        return sorted(self._by_type.values(), key=lambda m: m.type)


event_registry = EventRegistry()


class EventPayload(BaseModel):
    """Base of every event payload: immutable, strict about unknown fields on our side of the wire."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    _meta: ClassVar[EventMeta | None] = None

    def __init_subclass__(
        cls, *, event_type: str | None = None, version: int = 1, topic: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if event_type is None:
            return
        if topic is None:
            raise TypeError(f"{cls.__name__}: an event payload needs a topic")
        meta = EventMeta(type=f"{event_type}.v{version}", version=version, topic=topic, model=cls)
        cls._meta = meta
        event_registry.register(meta)

    @classmethod
    def event_meta(cls) -> EventMeta:
        if cls._meta is None:
            raise TypeError(f"{cls.__name__} is not a registered event payload")
        return cls._meta


def parse_payload(event_type: str, data: dict[str, Any]) -> EventPayload:
    """Validate an envelope's data against the model registered for its type."""
    return event_registry.get(event_type).model.model_validate(data)
