"""A signing request and its rules: ordered steps, who may sign now, what a signature or a rejection changes.

Pure: the request is a frozen dataclass, every transition returns a new one. Signers of one step sign in any order;
step n+1 opens when every signer of step n has signed (DOMAIN §4: subject teachers → homeroom teacher → principal →
school seal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from edu_shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from signing.domain.ports import PadesLevel, PdfSignatureSpec

SEAL = "school_seal"

ROLE_LABELS = {
    "subject_teacher": "giáo viên bộ môn",
    "homeroom_teacher": "giáo viên chủ nhiệm",
    "principal": "hiệu trưởng",
    "vice_principal": "phó hiệu trưởng",
    SEAL: "con dấu của trường",
}

# The reason written into each PDF signature (seeds 003 Điều 9–10, 004 Điều 13).
_REASONS = {
    "subject_teacher": "Giáo viên bộ môn xác nhận kết quả môn học",
    "homeroom_teacher": "Giáo viên chủ nhiệm xác nhận",
    "principal": "Hiệu trưởng phê duyệt",
    "vice_principal": "Phó hiệu trưởng phê duyệt (được ủy quyền)",
    SEAL: "Đóng dấu của trường",
}


class Status(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"


FileRole = Literal["pdf", "xml"]


@dataclass(frozen=True)
class Document:
    """One revision of one file of the document, by reference in the object store."""

    role: FileRole
    object_key: str
    sha256: str
    media_type: str
    size: int


@dataclass(frozen=True)
class Signer:
    """A signer named in a step; `staff_id` is None for the school seal. Signature fields are set once signed."""

    role: str
    staff_id: str | None
    name: str
    field_name: str
    subject_code: str | None = None
    signed_at: datetime | None = None
    signed_by: str | None = None  # the account that signed
    certificate_subject: str | None = None

    @property
    def signed(self) -> bool:
        return self.signed_at is not None

    @property
    def label(self) -> str:
        """How people read this signer in an error message: name and role."""
        role = ROLE_LABELS.get(self.role, self.role)
        if self.subject_code:
            role = f"{role} môn {self.subject_code}"
        return f"{self.name} ({role})"


@dataclass(frozen=True)
class Step:
    order: int
    signers: tuple[Signer, ...]

    @property
    def done(self) -> bool:
        return all(s.signed for s in self.signers)


@dataclass(frozen=True)
class Rejection:
    by: str
    by_name: str
    role: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class SigningRequest:
    id: str
    school_id: str
    requester: str
    document_kind: str
    title: str
    reference: str
    steps: tuple[Step, ...]
    documents: tuple[Document, ...]  # the current revision of each file
    requested_by: str
    requested_at: datetime
    status: Status = Status.PENDING
    step_opened_at: datetime | None = None  # when the open step began waiting (for reminders)
    reminded_at: datetime | None = None
    completed_at: datetime | None = None
    rejection: Rejection | None = None
    version: int = 0

    @property
    def open_step(self) -> Step | None:
        """The first step with a signer still to sign; None once every step is done or the request is closed."""
        if self.status in (Status.COMPLETED, Status.REJECTED):
            return None
        return next((step for step in self.steps if not step.done), None)

    @property
    def signature_count(self) -> int:
        return sum(1 for step in self.steps for s in step.signers if s.signed)

    def document(self, role: FileRole) -> Document | None:
        return next((d for d in self.documents if d.role == role), None)


@dataclass(frozen=True)
class Signatory:
    """Who is calling, as the workflow sees it: their staff record (if any) and whether they may apply the seal."""

    account_id: str
    username: str
    name: str
    staff_id: str | None
    may_seal: bool


class NotYourTurn(Conflict):
    """The caller signs in a later step: the signers of the open step must sign first."""

    slug = "signing-out-of-order"
    title = "Chưa đến lượt ký"


class NotASigner(PermissionDenied):
    """The caller is not named among the request's signers."""

    slug = "signing-not-a-signer"
    title = "Không có tên trong danh sách ký"


class RequestClosed(Conflict):
    """The request is completed or rejected: nothing more can be signed or rejected."""

    slug = "signing-request-closed"
    title = "Yêu cầu ký đã kết thúc"


class AlreadySigned(Conflict):
    slug = "signing-already-signed"
    title = "Đã ký"


def check_steps(steps: Sequence[Step]) -> None:
    """Orders are 1..n without gaps, signature fields unique, the seal has no staff id and everyone else has one."""
    orders = [step.order for step in steps]
    if sorted(orders) != list(range(1, len(steps) + 1)):
        raise InvalidInput(
            f"Thứ tự các bước ký phải là 1, 2, …, {len(steps)} (nhận được {orders}).", field="steps", value=orders
        )
    fields = [s.field_name for step in steps for s in step.signers]
    duplicated = sorted({f for f in fields if fields.count(f) > 1})
    if duplicated:
        raise InvalidInput(
            f"Mỗi người ký cần một ô chữ ký riêng; bị trùng: {', '.join(duplicated)}.",
            field="steps.signers.field_name",
            value=duplicated,
        )
    for step in steps:
        for s in step.signers:
            if s.role == SEAL and s.staff_id is not None:
                raise InvalidInput(
                    "Chữ ký con dấu của trường không gắn với một cán bộ (staff_id phải để trống).",
                    field="steps.signers.staff_id",
                    value=s.staff_id,
                )
            if s.role != SEAL and not s.staff_id:
                raise InvalidInput(
                    f"Người ký {s.name} ({ROLE_LABELS.get(s.role, s.role)}) thiếu staff_id.",
                    field="steps.signers.staff_id",
                    value=None,
                )


def check_documents(documents: Sequence[Document]) -> None:
    """At most one PDF and one XML twin."""
    roles = [d.role for d in documents]
    if not documents or len(set(roles)) != len(roles):
        raise InvalidInput(
            "Một yêu cầu ký gồm một tệp PDF và/hoặc một tệp XML, mỗi loại tối đa một tệp.",
            field="documents",
            value=roles,
        )


def _is_signatory(signer: Signer, who: Signatory) -> bool:
    if signer.role == SEAL:
        return who.may_seal
    return who.staff_id is not None and signer.staff_id == who.staff_id


def _waiting(step: Step) -> str:
    return ", ".join(s.label for s in step.signers if not s.signed)


def signer_for(request: SigningRequest, who: Signatory) -> Signer:
    """The signer of the open step the caller signs as; refuse wrong people, signatures out of order and repeats."""
    if request.status in (Status.COMPLETED, Status.REJECTED):
        raise RequestClosed(
            f"Yêu cầu ký «{request.title}» đã {'hoàn tất' if request.status == Status.COMPLETED else 'bị từ chối'}.",
            request_id=request.id,
            request_status=request.status.value,
        )
    step = request.open_step
    assert step is not None  # an open request always has a step left
    own = [s for s in step.signers if _is_signatory(s, who)]
    waiting = [s for s in own if not s.signed]
    if waiting:
        return waiting[0]
    if own:
        raise AlreadySigned(
            f"{who.name} đã ký bước {step.order} của «{request.title}».", request_id=request.id, step=step.order
        )
    later = [
        (st.order, s) for st in request.steps if st.order > step.order for s in st.signers if _is_signatory(s, who)
    ]
    if later:
        order, _ = later[0]
        raise NotYourTurn(
            f"Chưa đến lượt ký bước {order}: bước {step.order} còn chờ {_waiting(step)} ký trước.",
            request_id=request.id,
            open_step=step.order,
            waiting_for=[
                {"name": s.name, "role": s.role, "staff_id": s.staff_id} for s in step.signers if not s.signed
            ],
        )
    raise NotASigner(
        f"Tài khoản {who.username} không có tên trong danh sách ký của «{request.title}».",
        request_id=request.id,
        username=who.username,
    )


def is_last_signature(request: SigningRequest, signer: Signer) -> bool:
    """Whether this signer's signature completes the request."""
    return all(s.signed or s.field_name == signer.field_name for step in request.steps for s in step.signers)


def pdf_spec(request: SigningRequest, signer: Signer, *, location: str, level: PadesLevel) -> PdfSignatureSpec:
    """The first signature certifies the document (later ones stay allowed); each locks its own field."""
    return PdfSignatureSpec(
        field_name=signer.field_name,
        reason=_REASONS.get(signer.role, "Ký xác nhận"),
        location=location,
        certify=request.signature_count == 0,
        lock_fields=(signer.field_name,),
        level=level,
    )


def sign(
    request: SigningRequest,
    signer: Signer,
    *,
    by: str,
    at: datetime,
    certificate_subject: str,
    documents: Sequence[Document],
) -> SigningRequest:
    """The request with `signer`'s signature recorded and the new revisions current."""
    steps = tuple(
        Step(
            order=step.order,
            signers=tuple(
                replace(s, signed_at=at, signed_by=by, certificate_subject=certificate_subject)
                if s.field_name == signer.field_name
                else s
                for s in step.signers
            ),
        )
        for step in request.steps
    )
    before = request.open_step
    signed = replace(request, steps=steps, documents=tuple(documents), status=Status.IN_PROGRESS)
    after = signed.open_step
    if after is None:
        return replace(signed, status=Status.COMPLETED, completed_at=at, step_opened_at=None)
    if before is None or after.order != before.order:
        return replace(signed, step_opened_at=at, reminded_at=None)  # the next step starts waiting now
    return signed


def reject(request: SigningRequest, who: Signatory, *, reason: str, at: datetime) -> SigningRequest:
    """Refuse with a reason: a signer of the open step sends the document back to its author."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Cần ghi rõ lý do từ chối ký.", field="reason", value=reason)
    signer = signer_for(request, who)
    return replace(
        request,
        status=Status.REJECTED,
        step_opened_at=None,
        rejection=Rejection(by=who.account_id, by_name=who.name, role=signer.role, reason=reason, at=at),
    )


def reminder_due(request: SigningRequest, *, now: datetime, after: timedelta) -> bool:
    """The open step has waited `after` since it opened, or since the last reminder."""
    if request.open_step is None or request.step_opened_at is None:
        return False
    last = max(request.step_opened_at, request.reminded_at or request.step_opened_at)
    return now - last >= after


def not_found(request_id: str) -> NotFound:
    return NotFound(f"Không tìm thấy yêu cầu ký {request_id}.", request_id=request_id)
