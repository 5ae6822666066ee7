"""What the signing use cases need besides a unit of work: who calls, the object store and the keys' backends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from edu_shared.auth.permissions import ROLE_PERMISSIONS, Permission, ScopeResolver, authorize
from edu_shared.auth.principal import CurrentUserClaims, ScopeType
from edu_shared.errors import Conflict, PermissionDenied
from edu_shared.objectstore.port import ObjectStore
from signing.domain.credentials import Credential
from signing.domain.ports import DocumentSigner, PadesLevel, SignerBackend
from signing.domain.requests import SEAL, Signatory, SigningRequest, not_found
from signing.service_layer.uow import SigningUnitOfWork

REVISIONS_PREFIX = "signing/revisions/"
ARCHIVE_PREFIX = "signing/archive/"


@dataclass(frozen=True)
class Caller:
    """Who acts, and how their grants are resolved against the org tree."""

    user: CurrentUserClaims
    resolver: ScopeResolver


@dataclass(frozen=True)
class SigningContext:
    """The object store holding the documents, the signer backends by name and the workflow's settings."""

    store: ObjectStore
    backends: Mapping[str, SignerBackend]
    level: PadesLevel = "B-T"
    retention_years: int = 50
    # Development keys from settings, used when the registry holds none for an owner.
    configured: Mapping[str, Credential] = field(default_factory=dict)

    def retain_until(self, at: datetime) -> datetime:
        """The end of the archive's object-lock retention for files archived at `at`."""
        try:
            return at.replace(year=at.year + self.retention_years)
        except ValueError:  # 29 February
            return (at + timedelta(days=1)).replace(year=at.year + self.retention_years)

    async def unlock(self, credential: Credential, *, secret: str | None) -> DocumentSigner:
        """Open the credential's key on its backend; the secret goes to the backend only."""
        backend = self.backends.get(credential.backend)
        if backend is None:
            raise Conflict(
                f"Máy chủ ký số chưa cấu hình kiểu khóa «{credential.backend}» "
                f"của chứng thư {credential.label or credential.credential_id}.",
                backend=credential.backend,
                configured=sorted(self.backends),
            )
        return await backend.unlock(credential.credential_id, secret=secret)


def now() -> datetime:
    return datetime.now(UTC)


def _may_hold(user: CurrentUserClaims, permission: Permission) -> bool:
    # Only grants over a school or above can cover a school's seal; skip the scope check (and its denial log) otherwise.
    return any(
        permission in ROLE_PERMISSIONS.get(g.role, frozenset())
        and g.scope_type in (ScopeType.SCHOOL, ScopeType.ORG_UNIT, ScopeType.PROVINCE)
        for g in user.grants
    )


def seal_schools(user: CurrentUserClaims) -> list[str]:
    """Schools whose seal the caller's school grants let them apply (for 'pending for me' lists)."""
    return sorted(
        {
            g.scope_id
            for g in user.grants
            if g.scope_type == ScopeType.SCHOOL
            and Permission.TRANSCRIPT_SIGN in ROLE_PERMISSIONS.get(g.role, frozenset())
        }
    )


@dataclass(frozen=True)
class Loaded:
    request: SigningRequest
    who: Signatory
    school_name: str


async def load(uow: SigningUnitOfWork, caller: Caller, request_id: str) -> Loaded:
    """The request and the caller as the workflow sees them: their staff record (from identity's events) and the
    seal right. Read in one short transaction; the scope check runs after it (it opens a session of its own)."""
    user = caller.user
    async with uow:
        request = await uow.requests.get(request_id)
        if request is None:
            raise not_found(request_id)
        staff = await uow.people.staff_of(user.sub)
        school_name = await uow.requests.school_name(request.school_id) or request.school_id
    may_seal = False
    needs_seal = any(s.role == SEAL for step in request.steps for s in step.signers)
    if needs_seal and _may_hold(user, Permission.TRANSCRIPT_SIGN):
        try:
            await authorize(
                user, Permission.TRANSCRIPT_SIGN, (ScopeType.SCHOOL, request.school_id), resolver=caller.resolver
            )
            may_seal = True
        except PermissionDenied:
            may_seal = False
    who = Signatory(
        account_id=user.sub,
        username=user.username,
        name=(staff[1] if staff and staff[1] else user.name or user.username),
        staff_id=staff[0] if staff else None,
        may_seal=may_seal,
    )
    return Loaded(request=request, who=who, school_name=school_name)
