"""The credential registry's rules: which key (backend + credential id) a staff member or a school seal signs with."""

from __future__ import annotations

from dataclasses import dataclass

from edu_shared.errors import Conflict


@dataclass(frozen=True)
class Credential:
    """Where a signer's key lives: the backend's name (pkcs12, pkcs11, csc, …) and its id of the credential."""

    owner: str  # `staff:<staff id>` or `seal:<school id>`
    backend: str
    credential_id: str
    label: str = ""


def staff_owner(staff_id: str) -> str:
    return f"staff:{staff_id}"


def seal_owner(school_id: str) -> str:
    return f"seal:{school_id}"


class NoCredential(Conflict):
    """Nobody registered a key for this signer: an administrator registers one first."""

    slug = "signing-no-credential"
    title = "Chưa đăng ký chứng thư số"


def missing(owner: str, *, name: str) -> NoCredential:
    return NoCredential(
        f"Chưa đăng ký chứng thư số để ký cho {name}; quản trị của trường cần đăng ký trước.", owner=owner
    )
