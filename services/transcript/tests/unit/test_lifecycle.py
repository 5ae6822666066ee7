"""The lifecycle's pure rules: signing steps from the model, references, locks, issuing, returns; package manifests;
the school's did:web."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from edu_shared.errors import Conflict, InvalidInput
from transcript.adapters.packages import PackageFile, build_zip, manifest_entries, manifest_problems, read_zip
from transcript.domain.credential import school_did
from transcript.domain.lifecycle import (
    Version,
    check_issuable,
    check_submittable,
    parse_reference,
    reference,
    signing_steps,
    status_after_return,
)
from transcript.samples import tt22_transcript

AT = datetime(2026, 6, 1, tzinfo=UTC)


def _version(number: int, status: str) -> Version:
    return Version(
        transcript_id="t",
        version=number,
        status=status,  # type: ignore[arg-type]
        request_id=f"r{number}",
        content_sha256="0" * 64,
        submitted_by="gvcn",
        submitted_at=AT,
    )


def test_steps_are_subject_teachers_then_homeroom_principal_and_seal() -> None:
    steps = signing_steps(tt22_transcript())
    assert [{s.role for s in step} for step in steps] == [
        {"subject_teacher"},
        {"homeroom_teacher"},
        {"principal"},
        {"school_seal"},
    ]
    assert len(steps[0]) == 12


def test_a_signer_nobody_is_assigned_to_blocks_the_steps() -> None:
    t = tt22_transcript()
    page = t.pages[0]
    signers = tuple(replace(s, staff_id=None) if s.role == "homeroom_teacher" else s for s in page.signers)
    broken = replace(t, pages=(replace(page, signers=signers),))
    with pytest.raises(InvalidInput) as e:
        signing_steps(broken)
    assert e.value.extensions["value"].endswith("_GVCN")


def test_references_round_trip_and_foreign_ones_are_ignored() -> None:
    assert parse_reference(reference("abc-1", 3)) == ("abc-1", 3)
    assert parse_reference("gradebook/register/42") is None


def test_a_locked_year_or_an_open_submission_refuses_a_new_version() -> None:
    t = tt22_transcript()
    year = t.pages[0].school_year
    with pytest.raises(Conflict):
        check_submittable("draft", transcript=t, locked_years={year})
    with pytest.raises(Conflict):
        check_submittable("submitted", transcript=t, locked_years=set())
    check_submittable("signed", transcript=t, locked_years={"1999-2000"})


def test_only_a_signed_version_is_issued() -> None:
    assert check_issuable(_version(1, "signed")).version == 1
    for status in ("submitted", "issued", "returned"):
        with pytest.raises(Conflict):
            check_issuable(_version(1, status))
    with pytest.raises(Conflict):
        check_issuable(None)


def test_a_return_leaves_the_last_valid_version_standing() -> None:
    assert status_after_return([_version(1, "returned")]) == "draft"
    assert status_after_return([_version(1, "signed"), _version(2, "returned")]) == "signed"
    assert status_after_return([_version(1, "issued"), _version(2, "returned")]) == "issued"


def test_the_manifest_names_every_missing_extra_or_changed_file() -> None:
    files = [PackageFile("a.pdf", b"%PDF-1"), PackageFile("a.xml", b"<x/>")]
    data, _ = build_zip(files, {"files": manifest_entries(files)})
    assert build_zip(files, {"files": manifest_entries(files)})[0] == data  # deterministic bytes
    manifest, found = read_zip(data)
    assert manifest_problems(manifest, found) == []
    found["a.pdf"] = b"%PDF-2"
    found["b.txt"] = b""
    del found["a.xml"]
    assert [p for p, _ in manifest_problems(manifest, found)] == ["a.pdf", "a.xml", "b.txt"]
    with pytest.raises(InvalidInput):
        read_zip(b"PK not really")


def test_the_school_did_resolves_under_the_public_base_url() -> None:
    assert school_did("https://hocba.so.vn", "sch-1") == "did:web:hocba.so.vn:api:transcript:schools:sch-1"
    assert school_did("http://localhost:8000/", "a") == "did:web:localhost%3A8000:api:transcript:schools:a"
