"""The XML and JSON forms carry the same data as the model and follow the schemas published in docs/schemas/."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from pydantic import ValidationError

from transcript.adapters.json_document import TranscriptDocument, from_document, json_schema, to_document
from transcript.adapters.xml_document import NAMESPACE, render_xml
from transcript.domain.transcript import Transcript
from transcript.samples import tt22_transcript, tt27_transcript, tt58_transcript

SCHEMAS = Path(__file__).resolve().parents[4] / "docs" / "schemas"
SAMPLES = [tt22_transcript, tt27_transcript, tt58_transcript]
NS = {"hb": NAMESPACE}


@pytest.fixture(scope="module")
def xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "hoc-ba.xsd")))


@pytest.mark.parametrize("sample", SAMPLES)
def test_xml_validates_against_the_xsd(sample: Callable[[], Transcript], xsd: etree.XMLSchema) -> None:
    document = etree.fromstring(render_xml(to_document(sample())))
    assert xsd.validate(document), xsd.error_log


def test_xml_carries_the_values_of_the_model(xsd: etree.XMLSchema) -> None:
    document = etree.fromstring(render_xml(to_document(tt22_transcript())))
    toan = document.xpath("//hb:subject[@code='toan']", namespaces=NS)[0]
    assert [toan.findtext(f"{{{NAMESPACE}}}{tag}") for tag in ("hk1", "hk2", "year", "retest")] == [
        "4.2",
        "4.6",
        "4.5",
        "6.0",
    ]
    assert document.xpath("string(//hb:subject[@code='gdtc']/hb:hk1)", namespaces=NS) == "Miễn"
    signers = document.xpath("//hb:signer/@fieldName", namespaces=NS)
    assert signers == list(tt22_transcript().signature_fields)


def test_an_out_of_range_mark_fails_the_xsd(xsd: etree.XMLSchema) -> None:
    document = etree.fromstring(render_xml(to_document(tt22_transcript())))
    document.xpath("//hb:subject[@code='toan']/hb:hk1", namespaces=NS)[0].text = "11.5"
    assert not xsd.validate(document)


def test_the_published_json_schema_is_the_models_schema() -> None:
    published = json.loads((SCHEMAS / "hoc-ba.schema.json").read_text(encoding="utf-8"))
    assert published == json_schema()


@pytest.mark.parametrize("sample", SAMPLES)
def test_json_round_trips_through_the_schema_model(sample: Callable[[], Transcript]) -> None:
    transcript = sample()
    text = to_document(transcript).model_dump_json()
    assert from_document(TranscriptDocument.model_validate_json(text)) == transcript


def test_json_missing_a_required_field_or_with_an_unknown_one_is_rejected() -> None:
    data = to_document(tt22_transcript()).model_dump(mode="json")
    with pytest.raises(ValidationError):
        TranscriptDocument.model_validate({k: v for k, v in data.items() if k != "profile"})
    with pytest.raises(ValidationError):
        TranscriptDocument.model_validate({**data, "extra": 1})
