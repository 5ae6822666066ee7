"""One trace spans HTTP request → outbox → bus → another service's consumer (context carried in the event)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.testing.tokens import user_with
from edurecords.gateway import build_embedded


def _exporter() -> InMemorySpanExporter:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


async def test_consumer_span_continues_the_trace_of_the_request_that_emitted_the_event(tmp_path: Path) -> None:
    exporter = _exporter()
    bus, built = build_embedded(data_dir=tmp_path)
    await bus.start()
    for service in built:
        await service.runtime.start()
    try:
        identity = built[0]
        token = identity.handle.issue_access_token(user_with(Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, "province"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=identity.app), base_url="http://x") as client:
            response = await client.post(
                "/org-units",
                headers={"Authorization": f"Bearer {token}"},
                json={"code": "so-trace", "name": "Sở", "kind": "department"},
            )
        assert response.status_code == 201

        def spans_of(kind: SpanKind, name_part: str) -> list[object]:
            return [s for s in exporter.get_finished_spans() if s.kind == kind and name_part in s.name]

        for _ in range(200):
            consumers = [
                s
                for s in spans_of(SpanKind.CONSUMER, "edu.identity")
                if s.attributes and s.attributes.get("messaging.consumer.group.name") == "gradebook.directory"
            ]
            if consumers:
                break
            await asyncio.sleep(0.05)
        servers = spans_of(SpanKind.SERVER, "/org-units")
        assert servers, "the HTTP request was not traced"
        assert consumers, "the consumer did not trace the event"
        request_trace = servers[0].context.trace_id  # type: ignore[attr-defined]
        assert consumers[0].context.trace_id == request_trace  # type: ignore[attr-defined]
        assert consumers[0].parent is not None  # type: ignore[attr-defined]
    finally:
        for service in reversed(built):
            await service.runtime.stop()
        await bus.close()
