"""The transfer state machine (chuyển trường): who decides what, and a decided transfer never moves again."""

from __future__ import annotations

import pytest

from edu_shared.errors import InvalidInput
from identity.domain.lifecycle import (
    TransferNotPending,
    TransferParty,
    TransferStatus,
    check_reason,
    check_transition,
    deciding_party,
)


def test_receiving_school_accepts_or_rejects_and_sending_school_cancels() -> None:
    assert check_transition(TransferStatus.REQUESTED, TransferStatus.ACCEPTED) == TransferParty.RECEIVING
    assert check_transition(TransferStatus.REQUESTED, TransferStatus.REJECTED) == TransferParty.RECEIVING
    assert check_transition(TransferStatus.REQUESTED, TransferStatus.CANCELLED) == TransferParty.SENDING


@pytest.mark.parametrize("done", [TransferStatus.ACCEPTED, TransferStatus.REJECTED, TransferStatus.CANCELLED])
@pytest.mark.parametrize("wanted", [TransferStatus.ACCEPTED, TransferStatus.REJECTED, TransferStatus.CANCELLED])
def test_a_decided_transfer_cannot_change(done: TransferStatus, wanted: TransferStatus) -> None:
    with pytest.raises(TransferNotPending) as err:
        check_transition(done, wanted)
    assert err.value.status == 409


def test_back_to_requested_is_not_a_decision() -> None:
    with pytest.raises(InvalidInput):
        check_transition(TransferStatus.REQUESTED, TransferStatus.REQUESTED)


def test_reason_is_trimmed_and_required() -> None:
    assert check_reason("  Gia đình   chuyển nhà ") == "Gia đình chuyển nhà"
    with pytest.raises(InvalidInput) as err:
        check_reason("   ")
    assert err.value.extensions["field"] == "reason"
    assert check_reason(None, field_name="note", required=False) is None
    with pytest.raises(InvalidInput):
        check_reason("x" * 501)


def test_deciding_party_is_known_before_the_request_is_read() -> None:
    assert deciding_party(TransferStatus.ACCEPTED) == TransferParty.RECEIVING
    assert deciding_party(TransferStatus.CANCELLED) == TransferParty.SENDING
