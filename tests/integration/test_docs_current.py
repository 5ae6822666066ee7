"""The committed OpenAPI documents and AsyncAPI catalogue match the code (`make docs` regenerates them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edurecords.asyncapi import asyncapi_document, with_event_table
from edurecords.services import SERVICES, build_service

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", list(SERVICES))
def test_openapi_document_is_current(name: str) -> None:
    committed = json.loads((DOCS / "openapi" / f"{name}.json").read_text())
    assert committed == json.loads(json.dumps(build_service(name).app.openapi())), "run `make docs`"


def test_asyncapi_catalogue_is_current_and_lists_every_event() -> None:
    committed = json.loads((DOCS / "asyncapi.json").read_text())
    generated = asyncapi_document()
    assert committed == json.loads(json.dumps(generated)), "run `make docs`"
    assert committed["asyncapi"].startswith("3.")
    names = {m["name"] for m in committed["components"]["messages"].values()}
    assert "vn.edurecords.identity.school.registered.v1" in names


def test_architecture_event_table_is_current() -> None:
    text = (DOCS / "architecture.md").read_text()
    assert with_event_table(text) == text, "run `make docs`"
