"""The signing request's rules: who may sign when, what a signature or a rejection changes, when to remind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from edu_shared.errors import InvalidInput
from signing.domain.requests import (
    AlreadySigned,
    Document,
    NotASigner,
    NotYourTurn,
    RequestClosed,
    Signatory,
    Signer,
    SigningRequest,
    Status,
    Step,
    check_steps,
    pdf_spec,
    reject,
    reminder_due,
    sign,
    signer_for,
)

T0 = datetime(2026, 5, 30, 8, 0, tzinfo=UTC)
PDF = Document(role="pdf", object_key="k/" + "0" * 64, sha256="0" * 64, media_type="application/pdf", size=10)


def who(staff_id: str | None, *, may_seal: bool = False) -> Signatory:
    return Signatory(
        account_id=f"acc-{staff_id}",
        username=staff_id or "x",
        name=staff_id or "x",
        staff_id=staff_id,
        may_seal=may_seal,
    )


def transcript() -> SigningRequest:
    return SigningRequest(
        id="rq",
        school_id="sch",
        requester="transcript",
        document_kind="transcript",
        title="Học bạ",
        reference="ref",
        steps=(
            Step(
                1,
                (
                    Signer("subject_teacher", "toan", "Trần Văn Toán", "Sig_Toan", "toan"),
                    Signer("subject_teacher", "van", "Lê Thị Văn", "Sig_Van", "van"),
                ),
            ),
            Step(2, (Signer("homeroom_teacher", "gvcn", "Nguyễn Thị Chủ Nhiệm", "Sig_GVCN"),)),
            Step(3, (Signer("principal", "ht", "Phạm Văn Hiệu", "Sig_HT"),)),
            Step(4, (Signer("school_seal", None, "Trường THCS Hòa Lạc", "Sig_Dau"),)),
        ),
        documents=(PDF,),
        requested_by="transcript",
        requested_at=T0,
        step_opened_at=T0,
    )


def signed_by(request: SigningRequest, *people: Signatory, at: datetime = T0) -> SigningRequest:
    for person in people:
        signer = signer_for(request, person)
        request = sign(request, signer, by=person.account_id, at=at, certificate_subject="CN=x", documents=[PDF])
    return request


def test_signers_of_one_step_sign_in_any_order_and_the_next_step_opens_after_both() -> None:
    r = signed_by(transcript(), who("van"))
    assert r.status == Status.IN_PROGRESS and r.open_step is not None and r.open_step.order == 1
    r = signed_by(r, who("toan"), at=T0 + timedelta(hours=1))
    assert r.open_step is not None and r.open_step.order == 2
    assert r.step_opened_at == T0 + timedelta(hours=1)


def test_a_later_signer_is_told_who_must_sign_first() -> None:
    r = signed_by(transcript(), who("toan"))
    with pytest.raises(NotYourTurn) as refused:
        signer_for(r, who("gvcn"))
    assert "Lê Thị Văn" in refused.value.detail and "Trần Văn Toán" not in refused.value.detail
    assert refused.value.extensions["waiting_for"] == [
        {"name": "Lê Thị Văn", "role": "subject_teacher", "staff_id": "van"}
    ]


def test_someone_not_named_is_refused_and_a_repeat_signature_too() -> None:
    with pytest.raises(NotASigner):
        signer_for(transcript(), who("stranger"))
    with pytest.raises(AlreadySigned):
        signer_for(signed_by(transcript(), who("toan")), who("toan"))


def test_the_seal_is_applied_by_whoever_holds_the_seal_right_after_the_principal() -> None:
    r = signed_by(transcript(), who("toan"), who("van"), who("gvcn"), who("ht"))
    with pytest.raises(NotASigner):
        signer_for(r, who("ht"))  # the principal without the seal right for this school
    r = signed_by(r, who("ht", may_seal=True))
    assert r.status == Status.COMPLETED and r.completed_at == T0 and r.open_step is None
    with pytest.raises(RequestClosed):
        signer_for(r, who("toan"))


def test_only_the_first_signature_certifies_and_each_locks_its_own_field() -> None:
    first = pdf_spec(transcript(), transcript().steps[0].signers[1], location="Hòa Lạc", level="B-T")
    assert first.certify and first.lock_fields == ("Sig_Van",)
    later = signed_by(transcript(), who("van"))
    second = pdf_spec(later, later.steps[0].signers[0], location="Hòa Lạc", level="B-T")
    assert not second.certify and second.lock_fields == ("Sig_Toan",)


def test_rejection_needs_a_reason_and_a_signer_of_the_open_step() -> None:
    with pytest.raises(InvalidInput):
        reject(transcript(), who("toan"), reason="  ", at=T0)
    with pytest.raises(NotYourTurn):
        reject(transcript(), who("gvcn"), reason="Sai điểm", at=T0)
    r = reject(transcript(), who("van"), reason="Sai điểm", at=T0)
    assert r.status == Status.REJECTED and r.rejection is not None and r.rejection.reason == "Sai điểm"
    assert r.open_step is None


def test_steps_must_be_numbered_without_gaps_with_unique_fields() -> None:
    steps = transcript().steps
    with pytest.raises(InvalidInput):
        check_steps([steps[0], steps[2]])
    with pytest.raises(InvalidInput):
        check_steps([steps[0], Step(2, (Signer("homeroom_teacher", "gvcn", "GVCN", "Sig_Toan"),))])
    with pytest.raises(InvalidInput):
        check_steps([Step(1, (Signer("school_seal", "ht", "Dấu", "Sig_Dau"),))])
    check_steps(steps)


def test_a_reminder_is_due_once_per_period_of_waiting() -> None:
    r = transcript()
    assert not reminder_due(r, now=T0 + timedelta(days=2), after=timedelta(days=3))
    assert reminder_due(r, now=T0 + timedelta(days=3), after=timedelta(days=3))
    reminded = SigningRequest(**{**r.__dict__, "reminded_at": T0 + timedelta(days=3)})
    assert not reminder_due(reminded, now=T0 + timedelta(days=4), after=timedelta(days=3))
    assert reminder_due(reminded, now=T0 + timedelta(days=6), after=timedelta(days=3))
    assert not reminder_due(
        reject(r, who("toan"), reason="x", at=T0), now=T0 + timedelta(days=9), after=timedelta(days=3)
    )
