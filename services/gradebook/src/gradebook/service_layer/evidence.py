"""Use cases of correction evidence files (minh chứng): the requester uploads, those who decide or inspect read.

Files go to the object store content-addressed and retained (write-once), before the row that names them is
committed: a failed transaction leaves at most an unreferenced object, never a row pointing at nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from edu_shared.auth.permissions import ROLE_PERMISSIONS, Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.errors import NotFound
from edu_shared.objectstore.port import ObjectStore, ObjectStoreError
from gradebook.domain.corrections import (
    Correction,
    EvidenceFile,
    check_can_attach,
    evidence_filename,
    sniff_evidence,
)
from gradebook.service_layer.uow import GradebookUnitOfWork

if TYPE_CHECKING:
    from gradebook.service_layer.handlers import Caller

UowFactory = Callable[[], GradebookUnitOfWork]
PREFIX = "correction-evidence/"
# Who may read a request's evidence besides its requester: those who decide it and those who inspect the school.
_READERS = frozenset({Permission.CORRECTION_APPROVE, Permission.AUDIT_READ})


@dataclass(frozen=True)
class AttachEvidence:
    correction_id: str
    data: bytes
    filename: str | None = None
    declared_type: str | None = None  # the client's Content-Type: reported in errors, never trusted


async def _correction(uow: GradebookUnitOfWork, correction_id: str) -> Correction:
    found = await uow.scores.correction(correction_id)
    if found is None:
        raise NotFound(f"Không tìm thấy yêu cầu sửa điểm {correction_id}.", field="correction_id", value=correction_id)
    return found


async def attach_evidence(
    cmd: AttachEvidence, uow_factory: UowFactory, *, store: ObjectStore, retention: timedelta, caller: Caller
) -> EvidenceFile:
    """The teacher who filed a pending request uploads a scan or photo of the test paper (PDF, JPEG, PNG ≤ 10 MB)."""
    async with uow_factory() as uow:
        correction = await _correction(uow, cmd.correction_id)
        attached = len(await uow.scores.evidence_files(correction.id))
    await authorize(
        caller.user,
        Permission.SCORES_ENTER,
        (ScopeType.CLASS_SUBJECT, f"{correction.class_id}:{correction.subject_code}"),
        resolver=caller.resolver,
    )
    check_can_attach(correction, by=caller.user.sub, attached=attached)
    content_type = sniff_evidence(cmd.data, declared=cmd.declared_type)
    now = datetime.now(UTC)
    stored = await store.put(cmd.data, content_type=content_type, retain_until=now + retention, prefix=PREFIX)
    async with uow_factory() as uow:
        await uow.scores.serialize_school(correction.school_id)
        current = await _correction(uow, correction.id)
        files = await uow.scores.evidence_files(correction.id)
        check_can_attach(current, by=caller.user.sub, attached=len(files))
        n = max((f.n for f in files), default=0) + 1
        evidence = EvidenceFile(
            correction_id=correction.id,
            n=n,
            key=stored.key,
            sha256=stored.sha256,
            content_type=content_type,
            size=stored.size,
            filename=evidence_filename(cmd.filename, content_type=content_type, n=n),
            uploaded_by=caller.user.username,
            uploaded_at=now,
        )
        await uow.scores.add_evidence(evidence)
        uow.audit.record(
            chain=correction.school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action="correction.evidence_added",
            entity="correction",
            entity_id=correction.id,
            after={
                "n": n,
                "key": evidence.key,
                "sha256": evidence.sha256,
                "content_type": content_type,
                "size": evidence.size,
                "filename": evidence.filename,
            },
        )
        await uow.commit()
    return evidence


async def _authorize_reader(correction: Correction, caller: Caller) -> None:
    """The requester, or CORRECTION_APPROVE / AUDIT_READ over the school (principal, inspectors, upper levels)."""
    if caller.user.sub == correction.requested_by:
        return
    target = (ScopeType.SCHOOL, correction.school_id)
    lineage = await caller.resolver.lineage(target)
    for grant in caller.user.grants:
        if not ROLE_PERMISSIONS.get(grant.role, frozenset()) & _READERS:
            continue
        if grant.scope_type == ScopeType.PROVINCE or (grant.scope_type, grant.scope_id) in lineage:
            return
    # Nobody qualified: the standard check raises the denial (logged, problem+json 403).
    await authorize(caller.user, Permission.CORRECTION_APPROVE, target, resolver=caller.resolver)


async def list_evidence(uow_factory: UowFactory, *, correction_id: str, caller: Caller) -> list[EvidenceFile]:
    """A request's evidence files in upload order."""
    async with uow_factory() as uow:
        correction = await _correction(uow, correction_id)
    await _authorize_reader(correction, caller)
    async with uow_factory() as uow:
        return await uow.scores.evidence_files(correction_id)


async def read_evidence(
    uow_factory: UowFactory, *, correction_id: str, n: int, store: ObjectStore, caller: Caller
) -> tuple[EvidenceFile, bytes]:
    """One evidence file and its bytes, checked against the sha256 recorded at upload."""
    async with uow_factory() as uow:
        correction = await _correction(uow, correction_id)
        files = await uow.scores.evidence_files(correction_id)
    await _authorize_reader(correction, caller)
    found = next((f for f in files if f.n == n), None)
    if found is None:
        raise NotFound(
            f"Yêu cầu sửa điểm {correction_id} không có tệp minh chứng số {n}.",
            field="n",
            value=n,
            files=len(files),
        )
    data = await store.get(found.key)
    if hashlib.sha256(data).hexdigest() != found.sha256:
        # Never hand out evidence that is not what was uploaded: an operator must restore it.
        raise ObjectStoreError(f"evidence {found.key} of correction {correction_id} does not match its sha256")
    return found, data
