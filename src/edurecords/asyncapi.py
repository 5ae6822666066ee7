"""The event catalogue as an AsyncAPI 3.0 document, generated from the payload registry in edu_shared."""

from __future__ import annotations

from typing import Any

import edu_shared.contracts  # noqa: F401  (registers every payload model)
from edu_shared.events.envelope import CloudEvent
from edu_shared.events.registry import event_registry


def asyncapi_document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEventEnvelope": CloudEvent.model_json_schema()}
    operations: dict[str, Any] = {}
    for meta in event_registry.all():
        if meta.topic == "edu.test":
            continue
        name = meta.model.__name__ + f"V{meta.version}"
        schemas[name] = meta.model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schemas[name].pop("$defs", {}))
        messages[name] = {
            "name": meta.type,
            "title": meta.model.__name__,
            "summary": (meta.model.__doc__ or "").strip().splitlines()[0] if meta.model.__doc__ else "",
            "contentType": "application/cloudevents+json",
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "headers": {
                "type": "object",
                "description": "CloudEvents envelope attributes (structured mode); the record key is `partitionkey`.",
            },
        }
        channel = channels.setdefault(
            meta.topic,
            {
                "address": meta.topic,
                "messages": {},
                "description": f"Kafka topic {meta.topic}; dead letters in {meta.topic}.dlq",
            },
        )
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for topic in channels:
        operations[f"publish_{topic.replace('.', '_')}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic}"},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "EduRecords events",
            "version": "1.0.0",
            "description": "Events between EduRecords services, CloudEvents 1.0 in structured JSON mode, "
            "ordered per partition key (a school or org unit id).",
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {"kafka": {"host": "kafka:9092", "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


EVENTS_START, EVENTS_END = "<!-- events:start -->", "<!-- events:end -->"


def event_table() -> str:
    """The markdown table of every event (type, payload, topic, first docstring line) for docs/architecture.md."""
    lines = ["| Type | Payload | Topic | What happened |", "|---|---|---|---|"]
    for meta in sorted(event_registry.all(), key=lambda m: m.type):
        if meta.topic == "edu.test":
            continue
        doc = " ".join((meta.model.__doc__ or "").strip().split("\n\n")[0].split())
        lines.append(f"| `{meta.type}` | `{meta.model.__name__}` | `{meta.topic}` | {doc.replace('|', '&#124;')} |")
    return "\n".join(lines)


def with_event_table(markdown: str) -> str:
    """`markdown` with the text between the event markers replaced by the current table."""
    head, start, rest = markdown.partition(EVENTS_START)
    _, end, tail = rest.partition(EVENTS_END)
    if not start or not end:
        raise ValueError(f"markers {EVENTS_START} … {EVENTS_END} not found")
    return f"{head}{EVENTS_START}\n{event_table()}\n{EVENTS_END}{tail}"
