"""The credential registry's use cases: an administrator of the school names the key a staff member or the seal uses."""

from __future__ import annotations

from dataclasses import dataclass

from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.errors import InvalidInput
from signing.domain.credentials import Credential, seal_owner, staff_owner
from signing.service_layer.context import Caller, now
from signing.service_layer.uow import SigningUnitOfWork


@dataclass(frozen=True)
class RegisterCredential:
    school_id: str
    backend: str
    credential_id: str
    staff_id: str | None = None  # None: the school's seal
    label: str = ""


async def register_credential(
    cmd: RegisterCredential, uow: SigningUnitOfWork, *, caller: Caller, backends: frozenset[str]
) -> Credential:
    """Register or replace a key (no secret is ever given here: PINs are typed at signing time)."""
    await authorize(caller.user, Permission.ACCOUNT_MANAGE, (ScopeType.SCHOOL, cmd.school_id), resolver=caller.resolver)
    if cmd.backend not in backends:
        raise InvalidInput(
            f"Kiểu khóa «{cmd.backend}» chưa được cấu hình; "
            f"dùng một trong: {', '.join(sorted(backends)) or '(không có)'}.",
            field="backend",
            value=cmd.backend,
        )
    owner = staff_owner(cmd.staff_id) if cmd.staff_id else seal_owner(cmd.school_id)
    credential = Credential(owner=owner, backend=cmd.backend, credential_id=cmd.credential_id, label=cmd.label)
    async with uow:
        before = await uow.credentials.put(credential, school_id=cmd.school_id, by=caller.user.sub, at=now())
        uow.audit.record(
            chain=cmd.school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.name or caller.user.username,
            action="credential.registered",
            entity="signing_credential",
            entity_id=owner,
            before=None if before is None else {"backend": before.backend, "credential_id": before.credential_id},
            after={"backend": credential.backend, "credential_id": credential.credential_id, "label": credential.label},
        )
        await uow.commit()
    return credential


async def school_credentials(school_id: str, uow: SigningUnitOfWork, *, caller: Caller) -> list[Credential]:
    """The keys registered for a school's staff and seal."""
    await authorize(caller.user, Permission.ACCOUNT_MANAGE, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    async with uow:
        return await uow.credentials.of_school(school_id)
