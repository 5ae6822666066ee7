"""The signing service's port to keys: whatever holds a private key (a PKCS#12 file in development, a PKCS#11
token or HSM, a remote CSC credential, a client-side signer) signs through this interface.

The workflow (who signs what, in which order) never touches key material; the signer backends never decide who
may sign. PINs and passwords pass through `unlock` and are never logged or stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from edu_shared.errors import InvalidInput, ServiceUnavailable

PadesLevel = Literal["B-B", "B-T", "B-LT", "B-LTA"]


@dataclass(frozen=True)
class PdfSignatureSpec:
    """How one signature goes into a PDF."""

    field_name: str  # the signature field placed by the author (created if missing)
    reason: str  # e.g. "Giáo viên chủ nhiệm xác nhận học bạ"
    location: str  # e.g. "Trường THCS Hòa Lạc"
    certify: bool = False  # the first signature certifies the document (DocMDP allowing later signatures)
    lock_fields: tuple[str, ...] = ()  # FieldMDP: fields this signature locks (usually its own)
    level: PadesLevel = "B-T"


@dataclass(frozen=True)
class SignerInfo:
    """The certificate a signer signs with, as people read it."""

    subject: str  # distinguished name
    common_name: str
    serial_number: str
    issuer: str
    not_after: str  # ISO date


class DocumentSigner(Protocol):
    """A key ready to sign (unlocked); cheap to reuse for a whole batch."""

    @property
    def info(self) -> SignerInfo: ...

    async def sign_pdf(self, pdf: bytes, spec: PdfSignatureSpec) -> bytes:
        """The PDF with one more signature, as an incremental update (earlier signatures stay valid)."""
        ...

    async def sign_xml(self, xml: bytes) -> bytes:
        """The XML with an enveloped XAdES/XMLDSig signature."""
        ...


class SignerBackend(Protocol):
    """Opens a signer for a credential: the PIN or authorization is used once and not kept."""

    async def unlock(self, credential_id: str, *, secret: str | None) -> DocumentSigner: ...


class WrongPin(InvalidInput):
    """The token, PKCS#12 file or remote credential refused the PIN; we never retry (the token would lock)."""

    slug = "wrong-pin"
    title = "Mã PIN không đúng"


class SignerUnavailable(ServiceUnavailable):
    """The token, the remote signing service or the time-stamping authority cannot be reached or refused to sign."""

    slug = "signer-unavailable"
    title = "Không ký được"
