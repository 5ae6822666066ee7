"""Use cases of locking (khóa sổ): scheduled locks, lifting (optionally for one fix), inspection windows, relock.

Every lock, unlock and relock is audited in the school's trail and announced (`GradebookLocked` /
`GradebookUnlocked`) in the same transaction. Locks are evaluated when a score is written (`Lock.covers` at that
time), so a scheduled lock or the end of a window takes effect without any background job.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.contracts.gradebook import GradebookLocked, GradebookUnlocked
from edu_shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from gradebook.adapters.scores_repo import ClassInfo, SheetKey
from gradebook.domain.locks import Cell, Lock, LockScope, check_lock_target, check_window, relock
from gradebook.service_layer.uow import GradebookUnitOfWork

if TYPE_CHECKING:  # handlers imports this module for the relock hook
    from gradebook.service_layer.handlers import Caller

UowFactory = Callable[[], GradebookUnitOfWork]


@dataclass(frozen=True)
class SetLock:
    scope: LockScope
    school_id: str | None = None
    class_id: str | None = None
    subject_code: str | None = None
    semester: int | None = None
    column: str | None = None
    # The window: None/None is "from now until lifted"; a start in the future schedules the lock.
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def _lock_audit(lock: Lock) -> dict[str, object]:
    return {
        "scope": lock.scope,
        "kind": lock.kind,
        "class_id": lock.class_id,
        "subject_code": lock.subject_code,
        "semester": lock.semester,
        "column": lock.column,
        "locked_by": lock.locked_by,
        "starts_at": lock.starts_at.isoformat() if lock.starts_at is not None else None,
        "ends_at": lock.ends_at.isoformat() if lock.ends_at is not None else None,
        "window_id": lock.window_id,
        "reason": lock.reason,
        "relock_of": lock.relock_of,
    }


def _announce(uow: GradebookUnitOfWork, lock: Lock) -> None:
    uow.emit(
        GradebookLocked(
            lock_id=lock.id,
            school_id=lock.school_id,
            scope=lock.scope,
            class_id=lock.class_id,
            subject_code=lock.subject_code,
            semester=lock.semester,
            column=lock.column,
            locked_by=lock.locked_by,
            locked_at=lock.locked_at,
            starts_at=lock.starts_at,
            ends_at=lock.ends_at,
            kind=lock.kind,
            window_id=lock.window_id,
            relock_of=lock.relock_of,
        ),
        partition_key=lock.school_id,
    )


async def _lock_class(cmd: SetLock, uow: GradebookUnitOfWork) -> ClassInfo | None:
    """The class a lock names (None for a whole-school lock); only its existence is told before authorization."""
    if cmd.class_id is None:
        if cmd.school_id is None:
            raise InvalidInput("Khóa toàn trường cần chỉ rõ trường (school_id).", missing=["school_id"])
        return None
    async with uow:
        klass = await uow.scores.class_info(cmd.class_id)
    if klass is None:
        raise NotFound(f"Không tìm thấy lớp {cmd.class_id}.", class_id=cmd.class_id)
    return klass


async def _check_lock_class(cmd: SetLock, klass: ClassInfo, uow: GradebookUnitOfWork) -> None:
    """After authorization (these errors name the class): the class is the school's and teaches the subject."""
    if cmd.school_id is not None and cmd.school_id != klass.school_id:
        raise Conflict(
            f"Lớp {klass.name} không thuộc trường {cmd.school_id}.", class_id=cmd.class_id, school_id=cmd.school_id
        )
    if cmd.subject_code is None:
        return
    async with uow:
        subject = await uow.scores.subject(class_id=klass.id, subject_code=cmd.subject_code)
    if subject is None:
        raise NotFound(
            f"Lớp {klass.name} không học môn {cmd.subject_code} trong năm học {klass.year}.",
            class_id=cmd.class_id,
            subject_code=cmd.subject_code,
        )


async def set_lock(cmd: SetLock, uow_factory: UowFactory, *, caller: Caller) -> Lock:
    """Lock part of a school's gradebook now or from a scheduled time (GRADEBOOK_LOCK over the school)."""
    check_lock_target(
        scope=cmd.scope,
        class_id=cmd.class_id,
        subject_code=cmd.subject_code,
        semester=cmd.semester,
        column=cmd.column,
    )
    now = datetime.now(UTC)
    starts_at, ends_at = check_window(starts_at=cmd.starts_at, ends_at=cmd.ends_at, now=now)
    klass = await _lock_class(cmd, uow_factory())
    # The school is the class's own when the lock names a class: a caller from another school is refused before
    # anything about the class (its name, its school, its subjects) is told.
    school_id = klass.school_id if klass is not None else cmd.school_id
    assert school_id is not None  # _lock_class refuses a school lock without its school
    # Checked between transactions: the resolver reads the directory in its own session (one SQLite writer).
    await authorize(caller.user, Permission.GRADEBOOK_LOCK, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    if klass is not None:
        await _check_lock_class(cmd, klass, uow_factory())
    lock = Lock(
        id=str(uuid.uuid4()),
        school_id=school_id,
        scope=cmd.scope,
        class_id=cmd.class_id if cmd.scope != "school" else None,
        subject_code=cmd.subject_code if cmd.scope in ("class_subject", "column") else None,
        semester=cmd.semester,
        column=cmd.column if cmd.scope == "column" else None,
        locked_by=caller.user.username,
        locked_at=now,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    async with uow_factory() as uow:
        await uow.scores.serialize_school(school_id)
        await uow.scores.add_lock(lock)
        uow.audit.record(
            chain=school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action="lock.set",
            entity="lock",
            entity_id=lock.id,
            after=_lock_audit(lock),
        )
        _announce(uow, lock)
        await uow.commit()
    return lock


async def _authorize_lift(lock: Lock, caller: Caller) -> None:
    """A school's own lock: GRADEBOOK_LOCK over the school; an inspection lock: GRADEBOOK_INSPECT only."""
    if lock.kind != "inspection":
        await authorize(
            caller.user, Permission.GRADEBOOK_LOCK, (ScopeType.SCHOOL, lock.school_id), resolver=caller.resolver
        )
        return
    try:
        await authorize(
            caller.user, Permission.GRADEBOOK_INSPECT, (ScopeType.SCHOOL, lock.school_id), resolver=caller.resolver
        )
    except PermissionDenied as denied:
        raise PermissionDenied(
            f"Khóa {lock.id} thuộc đợt kiểm tra{' «' + lock.reason + '»' if lock.reason else ''} do {lock.locked_by} "
            "mở; chỉ cấp mở đợt kiểm tra mới có thể kết thúc sớm.",
            **{**denied.extensions, "window_id": lock.window_id, "lock_id": lock.id},
        ) from denied


async def lift_lock(
    lock_id: str, uow_factory: UowFactory, *, caller: Caller, relock_after_save: bool = False
) -> tuple[Lock, datetime, str]:
    """Unlock (mở khóa), for good or (`relock_after_save`) for one fix; the row stays, stamped who and when."""
    # Opened for one fix, the first save under the lock's scope (whatever its width) locks that scope again.
    async with uow_factory() as uow:
        found = await uow.scores.lock(lock_id)
    if found is None:
        raise NotFound(f"Không tìm thấy khóa {lock_id}.", lock_id=lock_id)
    lock = found[0]
    await _authorize_lift(lock, caller)
    now = datetime.now(UTC)
    if relock_after_save and lock.kind == "inspection":
        raise InvalidInput(
            "Đợt kiểm tra không mở tạm để sửa; hãy kết thúc đợt kiểm tra.",
            field="relock_after_save",
            value=True,
            lock_id=lock_id,
        )
    if relock_after_save and lock.state(now) != "in_force":
        raise InvalidInput(
            f"Khóa {lock_id} hiện không có hiệu lực; không cần mở tạm để sửa.",
            field="relock_after_save",
            value=True,
            lock_id=lock_id,
        )
    async with uow_factory() as uow:
        await uow.scores.serialize_school(lock.school_id)
        current = await uow.scores.lock(lock_id)
        if current is None or current[1] is not None:
            raise Conflict(f"Khóa {lock_id} đã được mở trước đó.", lock_id=lock_id)
        by = caller.user.username
        await uow.scores.lift_lock(lock_id, by=by, at=now, relock_after_save=relock_after_save)
        uow.audit.record(
            chain=lock.school_id,
            actor_id=caller.user.sub,
            actor_name=by,
            action="lock.lifted",
            entity="lock",
            entity_id=lock_id,
            before=_lock_audit(lock),
            after={"relock_after_save": True} if relock_after_save else None,
        )
        uow.emit(
            GradebookUnlocked(
                lock_id=lock_id,
                school_id=lock.school_id,
                unlocked_by=by,
                unlocked_at=now,
                relock_after_save=relock_after_save,
            ),
            partition_key=lock.school_id,
        )
        await uow.commit()
    return lock, now, by


async def relock_after_save(
    uow: GradebookUnitOfWork, *, school_id: str, key: SheetKey, columns: Iterable[str], caller: Caller
) -> list[Lock]:
    """Inside the transaction of a save: lock again what was opened for one fix, if the save touched it."""
    class_id, subject_code, semester = key
    cells = [Cell(school_id, class_id, subject_code, semester, c) for c in sorted(set(columns))]
    now = datetime.now(UTC)
    made: list[Lock] = []
    for lifted, opened_by in await uow.scores.pending_relocks(school_id=school_id):
        if not any(lifted.reaches(c) for c in cells):
            continue
        # The principal who opened it for the fix is the one who locks it again; the teacher's save triggers it.
        lock = relock(lifted, lock_id=str(uuid.uuid4()), by=opened_by, at=now)
        await uow.scores.add_lock(lock)
        await uow.scores.mark_relocked(lifted.id, at=now)
        uow.audit.record(
            chain=school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action="lock.relocked",
            entity="lock",
            entity_id=lock.id,
            after=_lock_audit(lock),
            reason=f"Khóa lại ngay sau khi lưu sửa chữa (khóa {lifted.id} được {opened_by} mở tạm để sửa).",
        )
        _announce(uow, lock)
        made.append(lock)
    return made


async def school_locks(uow: GradebookUnitOfWork, *, caller: Caller, school_id: str) -> list[Lock]:
    """The school's locks in force or scheduled, inspection windows included, for its leaders and inspectors."""
    await authorize(caller.user, Permission.SCORES_READ, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    async with uow:
        return await uow.scores.active_locks(school_id=school_id)


@dataclass(frozen=True)
class OpenInspectionWindow:
    org_unit_id: str
    ends_at: datetime
    starts_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class InspectionWindow:
    """An inspection window over every school under an org unit: gradebooks read-only from start to end.

    Stored as one `kind="inspection"` school lock per school, sharing `window_id`, rather than as one window row
    resolved through the org tree at every write: the write check stays one indexed read of the school's own
    locks (no tree walk on the hot path of score entry, which must not depend on how deep the tree is), each
    school's trail records its own lock, and the window covers the schools named when it was opened (as an
    inspection decision does), not a school moved under the unit later.
    """

    id: str
    org_unit_id: str
    org_unit_name: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    reason: str | None
    opened_by: str
    opened_at: datetime
    school_ids: list[str]
    lock_ids: list[str] = field(default_factory=list)
    closed_by: str | None = None
    closed_at: datetime | None = None


async def open_inspection_window(
    cmd: OpenInspectionWindow, uow_factory: UowFactory, *, caller: Caller
) -> InspectionWindow:
    """A Sở or unit admin makes every gradebook under an org unit read-only for [starts_at, ends_at]."""
    now = datetime.now(UTC)
    starts_at, ends_at = check_window(starts_at=cmd.starts_at, ends_at=cmd.ends_at, now=now, ends_required=True)
    async with uow_factory() as uow:
        unit_name = await uow.scores.org_unit_name(cmd.org_unit_id)
        schools = await uow.scores.schools_under(cmd.org_unit_id) if unit_name is not None else []
    if unit_name is None:
        raise NotFound(f"Không tìm thấy đơn vị {cmd.org_unit_id}.", field="org_unit_id", value=cmd.org_unit_id)
    await authorize(
        caller.user, Permission.GRADEBOOK_INSPECT, (ScopeType.ORG_UNIT, cmd.org_unit_id), resolver=caller.resolver
    )
    if not schools:
        raise InvalidInput(
            f"Đơn vị {unit_name} chưa có trường nào; không có sổ điểm để kiểm tra.",
            field="org_unit_id",
            value=cmd.org_unit_id,
        )
    window_id = str(uuid.uuid4())
    locks = [
        Lock(
            id=str(uuid.uuid4()),
            school_id=school_id,
            scope="school",
            class_id=None,
            subject_code=None,
            semester=None,
            column=None,
            locked_by=caller.user.username,
            locked_at=now,
            starts_at=starts_at,
            ends_at=ends_at,
            kind="inspection",
            window_id=window_id,
            org_unit_id=cmd.org_unit_id,
            reason=cmd.reason,
        )
        for school_id in schools
    ]
    async with uow_factory() as uow:
        for lock in locks:  # schools in id order: two windows over overlapping units never deadlock
            await uow.scores.serialize_school(lock.school_id)
            await uow.scores.add_lock(lock)
            uow.audit.record(
                chain=lock.school_id,
                actor_id=caller.user.sub,
                actor_name=caller.user.username,
                action="inspection.opened",
                entity="lock",
                entity_id=lock.id,
                after={**_lock_audit(lock), "org_unit_id": cmd.org_unit_id, "org_unit_name": unit_name},
                reason=cmd.reason,
            )
            _announce(uow, lock)
        await uow.commit()
    return InspectionWindow(
        id=window_id,
        org_unit_id=cmd.org_unit_id,
        org_unit_name=unit_name,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=cmd.reason,
        opened_by=caller.user.username,
        opened_at=now,
        school_ids=schools,
        lock_ids=[lk.id for lk in locks],
    )


async def close_inspection_window(window_id: str, uow_factory: UowFactory, *, caller: Caller) -> InspectionWindow:
    """End an inspection window early (GRADEBOOK_INSPECT over its org unit); a principal cannot."""
    async with uow_factory() as uow:
        found = await uow.scores.window_locks(window_id)
    if not found:
        raise NotFound(f"Không tìm thấy đợt kiểm tra {window_id}.", field="window_id", value=window_id)
    first = found[0][0]
    assert first.org_unit_id is not None  # every inspection lock names its unit
    await authorize(
        caller.user, Permission.GRADEBOOK_INSPECT, (ScopeType.ORG_UNIT, first.org_unit_id), resolver=caller.resolver
    )
    now = datetime.now(UTC)
    by = caller.user.username
    async with uow_factory() as uow:
        current = await uow.scores.window_locks(window_id)
        open_locks = [lk for lk, lifted_at, _ in current if lifted_at is None]
        if not open_locks:
            raise Conflict(f"Đợt kiểm tra {window_id} đã kết thúc trước đó.", window_id=window_id)
        for lock in open_locks:
            await uow.scores.serialize_school(lock.school_id)
            await uow.scores.lift_lock(lock.id, by=by, at=now)
            uow.audit.record(
                chain=lock.school_id,
                actor_id=caller.user.sub,
                actor_name=by,
                action="inspection.closed",
                entity="lock",
                entity_id=lock.id,
                before=_lock_audit(lock),
            )
            uow.emit(
                GradebookUnlocked(lock_id=lock.id, school_id=lock.school_id, unlocked_by=by, unlocked_at=now),
                partition_key=lock.school_id,
            )
        unit_name = await uow.scores.org_unit_name(first.org_unit_id)
        await uow.commit()
    return InspectionWindow(
        id=window_id,
        org_unit_id=first.org_unit_id,
        org_unit_name=unit_name,
        starts_at=first.starts_at,
        ends_at=first.ends_at,
        reason=first.reason,
        opened_by=first.locked_by,
        opened_at=first.locked_at,
        school_ids=[lk.school_id for lk, _, _ in current],
        lock_ids=[lk.id for lk, _, _ in current],
        closed_by=by,
        closed_at=now,
    )
