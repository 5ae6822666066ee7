"""Batch signing: one PIN entry unlocks the caller's key once, a background job signs every document with it.

The unlocked keys live in this process's memory only, beside the batch id (never in the database). Each document
is signed in its own transaction, so one failure is recorded on its item and the others' signatures stay.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from edu_shared.errors import DomainError, InvalidInput, NotFound
from signing.domain.batches import Batch, BatchItem, BatchStatus, ItemStatus
from signing.domain.credentials import Credential
from signing.domain.ports import DocumentSigner
from signing.service_layer.context import Caller, SigningContext, now, seal_schools
from signing.service_layer.signatures import SignDocument, prepare, sign_with
from signing.service_layer.uow import SigningUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartBatch:
    """Either explicit request ids, or a filter over the open requests."""

    request_ids: Sequence[str] = ()
    school_id: str | None = None
    document_kind: str | None = None
    pending_for_me: bool = False
    secret: str | None = None  # one PIN for the whole batch; never stored
    credential_id: str | None = None


@dataclass
class _Running:
    caller: Caller
    keys: dict[str, DocumentSigner]  # request id → the unlocked key it is signed with


@dataclass
class BatchKeys:
    """The unlocked keys of this process's batches, by batch id, dropped as soon as a batch ends."""

    running: dict[str, _Running] = field(default_factory=dict)


async def _select(cmd: StartBatch, uow: SigningUnitOfWork, *, caller: Caller, limit: int) -> list[str]:
    if cmd.request_ids:
        ids = list(dict.fromkeys(cmd.request_ids))
    else:
        if cmd.school_id is None and cmd.document_kind is None and not cmd.pending_for_me:
            raise InvalidInput(
                "Cần chọn danh sách yêu cầu ký hoặc một bộ lọc (trường, loại tài liệu, đang chờ tôi ký).",
                field="request_ids",
                value=[],
            )
        staff = await uow.people.staff_of(caller.user.sub) if cmd.pending_for_me else None
        seals = seal_schools(caller.user) if cmd.pending_for_me else []
        if cmd.pending_for_me and staff is None and not seals:
            return []
        ids = await uow.requests.open_ids(
            school_id=cmd.school_id,
            document_kind=cmd.document_kind,
            staff_id=staff[0] if staff else None,
            seal_schools=seals,
            limit=limit + 1,
        )
    if len(ids) > limit:
        raise InvalidInput(
            f"Một lô ký tối đa {limit} tài liệu; hãy chia nhỏ ({len(ids)} tài liệu được chọn).",
            field="request_ids",
            value=len(ids),
        )
    return ids


async def start_batch(
    cmd: StartBatch, uow: SigningUnitOfWork, *, caller: Caller, ctx: SigningContext, keys: BatchKeys, limit: int
) -> Batch:
    """Check every document, unlock each key it needs once (a wrong PIN fails here, before anything is queued)."""
    async with uow:
        ids = await _select(cmd, uow, caller=caller, limit=limit)
    if not ids:
        raise InvalidInput("Không có tài liệu nào đang chờ bạn ký theo bộ lọc đã chọn.", field="filter", value=None)
    items: list[BatchItem] = []
    wanted: dict[tuple[str, str], list[str]] = {}
    for request_id in ids:
        try:
            _, credential = await prepare(
                SignDocument(request_id=request_id, credential_id=cmd.credential_id), uow, caller=caller, ctx=ctx
            )
        except DomainError as exc:
            items.append(BatchItem(request_id=request_id, status=ItemStatus.FAILED, error=exc.detail))
            continue
        items.append(BatchItem(request_id=request_id))
        wanted.setdefault((credential.backend, credential.credential_id), []).append(request_id)
    unlocked: dict[str, DocumentSigner] = {}
    for (backend, credential_id), request_ids in wanted.items():
        key = await ctx.unlock(Credential(owner="", backend=backend, credential_id=credential_id), secret=cmd.secret)
        unlocked.update(dict.fromkeys(request_ids, key))
    batch = Batch(
        id=str(uuid.uuid4()),
        account_id=caller.user.sub,
        username=caller.user.username,
        status=BatchStatus.QUEUED if unlocked else BatchStatus.DONE,
        created_at=now(),
        items=tuple(items),
        finished_at=None if unlocked else now(),
    )
    async with uow:
        await uow.batches.add(batch)
        await uow.commit()
    if unlocked:
        keys.running[batch.id] = _Running(caller=caller, keys=unlocked)
    return batch


async def run_batches(uow_factory: Callable[[], SigningUnitOfWork], *, ctx: SigningContext, keys: BatchKeys) -> int:
    """Sign every queued batch of this process, document by document; returns how many batches ran."""
    ran = 0
    for batch_id in list(keys.running):
        running = keys.running[batch_id]
        try:
            await _run(batch_id, running, uow_factory, ctx=ctx)
        finally:
            keys.running.pop(batch_id, None)  # the unlocked key goes with the batch
        ran += 1
    return ran


async def _run(
    batch_id: str, running: _Running, uow_factory: Callable[[], SigningUnitOfWork], *, ctx: SigningContext
) -> None:
    async with uow_factory() as uow:
        batch = await uow.batches.get(batch_id)
        if batch is None:
            return
        await uow.batches.set_status(batch_id, BatchStatus.RUNNING)
        await uow.commit()
    for request_id in batch.pending:
        key = running.keys.get(request_id)
        status, error = ItemStatus.SIGNED, None
        if key is None:
            status, error = ItemStatus.FAILED, "Không có khóa ký cho tài liệu này."
        else:
            try:
                await sign_with(request_id, key, uow_factory(), caller=running.caller, ctx=ctx)
            except DomainError as exc:
                status, error = ItemStatus.FAILED, exc.detail
            except Exception:  # one document's failure must not stop the others
                log.exception("batch document failed", extra={"batch_id": batch_id, "request_id": request_id})
                status, error = (
                    ItemStatus.FAILED,
                    "Lỗi hệ thống khi ký tài liệu này; các tài liệu khác không bị ảnh hưởng.",
                )
        async with uow_factory() as uow:
            await uow.batches.set_item(batch_id, request_id, status, error=error)
            await uow.commit()
    async with uow_factory() as uow:
        await uow.batches.set_status(batch_id, BatchStatus.DONE, at=now())
        await uow.commit()


async def batch_status(batch_id: str, uow: SigningUnitOfWork, *, caller: Caller) -> Batch:
    """A batch's progress, for the person who started it."""
    async with uow:
        batch = await uow.batches.get(batch_id)
    if batch is None or batch.account_id != caller.user.sub:
        raise NotFound(f"Không tìm thấy lô ký {batch_id}.", batch_id=batch_id)
    return batch
