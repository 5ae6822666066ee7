"""Use cases behind the HTTP API: parents' preferences and inbox, announcements, notes, contact groups, reports."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from edu_shared.auth.permissions import Permission, ScopeResolver, authorize
from edu_shared.auth.principal import CurrentUserClaims, Role, ScopeType
from edu_shared.contracts.notifications import MessageDelivered
from edu_shared.errors import InvalidInput, NotFound, PermissionDenied
from notifications.adapters import orm
from notifications.adapters.contacts_repo import SchoolSettings
from notifications.adapters.messages_repo import MessageRow, ReportLine
from notifications.domain.delivery import Status
from notifications.domain.preferences import ContactPoints, Preferences, check_preferences
from notifications.domain.templates import Kind, short_school_name
from notifications.service_layer.dispatch import fail_over
from notifications.service_layer.queueing import Delivery, Draft, Pricing, Queued, estimate, queue
from notifications.service_layer.uow import NotificationsUnitOfWork

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_PHONE = re.compile(r"^0(?:[35789]\d{8}|2\d{9})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Caller:
    user: CurrentUserClaims
    resolver: ScopeResolver


async def _guardian(uow: NotificationsUnitOfWork, user: CurrentUserClaims) -> str:
    """The guardian behind a parent's token (its account), or a refusal."""
    if not user.has_role(Role.PARENT):
        raise PermissionDenied("Chỉ phụ huynh mới dùng được chức năng này.", permission="parent", scope_type="self")
    guardian_id = await uow.contacts.guardian_of_account(user.sub)
    if guardian_id is None:
        raise NotFound("Tài khoản chưa gắn với phụ huynh nào trong sổ liên lạc.", field="account", value=user.sub)
    return guardian_id


@dataclass(frozen=True)
class InboxOwner:
    """Whose in-app inbox a token opens: a guardian's, or a staff member's (reminders to sign)."""

    recipient_id: str
    staff: bool = False


async def _inbox_owner(uow: NotificationsUnitOfWork, user: CurrentUserClaims) -> InboxOwner:
    """A staff account reads its own inbox (no parent role needed); any other token must be a parent's."""
    staff_id = await uow.contacts.staff_of_account(user.sub)
    if staff_id is not None:
        return InboxOwner(staff_id, staff=True)
    return InboxOwner(await _guardian(uow, user))


async def get_preferences(user: CurrentUserClaims, uow: NotificationsUnitOfWork) -> Preferences:
    """A parent's own preferences (the defaults until they change them)."""
    async with uow:
        return await uow.contacts.preferences_of(await _guardian(uow, user))


@dataclass(frozen=True)
class SetPreferences:
    channels: tuple[str, ...]
    quiet_start: str | None
    quiet_end: str | None
    opted_out: tuple[str, ...]


async def set_preferences(cmd: SetPreferences, user: CurrentUserClaims, uow: NotificationsUnitOfWork) -> Preferences:
    """Replace a parent's own preferences."""
    prefs = check_preferences(
        channels=cmd.channels, quiet_start=cmd.quiet_start, quiet_end=cmd.quiet_end, opted_out=cmd.opted_out
    )
    async with uow:
        guardian_id = await _guardian(uow, user)
        await uow.contacts.save_preferences(guardian_id, prefs, at=datetime.now(UTC))
        await uow.commit()
    return prefs


async def inbox(
    user: CurrentUserClaims, uow: NotificationsUnitOfWork, *, limit: int, unread_only: bool
) -> tuple[list[MessageRow], int]:
    """A parent's or a staff member's in-app messages, newest first, and how many are unread."""
    async with uow:
        o = await _inbox_owner(uow, user)
        items = await uow.messages.inbox(
            guardian_id=o.recipient_id, limit=limit, unread_only=unread_only, staff=o.staff
        )
        return items, await uow.messages.unread_count(guardian_id=o.recipient_id, staff=o.staff)


async def unread_count(user: CurrentUserClaims, uow: NotificationsUnitOfWork) -> int:
    async with uow:
        o = await _inbox_owner(uow, user)
        return await uow.messages.unread_count(guardian_id=o.recipient_id, staff=o.staff)


async def mark_read(user: CurrentUserClaims, uow: NotificationsUnitOfWork, *, message_id: str) -> None:
    """Mark one of the caller's own messages read (another family's message is simply not found)."""
    async with uow:
        o = await _inbox_owner(uow, user)
        read = await uow.messages.mark_read(
            guardian_id=o.recipient_id, message_id=message_id, at=datetime.now(UTC), staff=o.staff
        )
        if not read:
            raise NotFound("Không có tin nhắn này trong hộp thư.", field="message_id", value=message_id)
        await uow.commit()


async def set_school_settings(
    caller: Caller, uow: NotificationsUnitOfWork, *, school_id: str, value: SchoolSettings
) -> SchoolSettings:
    """The school's choices: digest or immediate scores, the digest hour, the monthly budget."""
    await authorize(caller.user, Permission.SCHOOL_MANAGE, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    if value.score_mode not in ("digest", "immediate"):
        raise InvalidInput("Chế độ gửi điểm là 'digest' hoặc 'immediate'.", field="score_mode", value=value.score_mode)
    if not 0 <= value.digest_hour <= 23:
        raise InvalidInput("Giờ gửi tin tổng hợp từ 0 đến 23.", field="digest_hour", value=value.digest_hour)
    if value.monthly_budget_vnd is not None and value.monthly_budget_vnd < 0:
        raise InvalidInput("Hạn mức không được âm.", field="monthly_budget_vnd", value=value.monthly_budget_vnd)
    async with uow:
        await uow.contacts.save_school_settings(school_id, value, by=caller.user.username, at=datetime.now(UTC))
        await uow.commit()
    return value


def _text(value: str, *, field: str, max_length: int) -> str:
    text = " ".join(value.split())
    if not text:
        raise InvalidInput("Nội dung không được để trống.", field=field, value=value)
    if len(text) > max_length:
        raise InvalidInput(f"Nội dung dài quá {max_length} ký tự.", field=field, value=len(text))
    return text


@dataclass(frozen=True)
class Announce:
    school_id: str
    title: str
    text: str
    class_ids: tuple[str, ...] = ()
    grades: tuple[int, ...] = ()
    dry_run: bool = False


async def _parent_drafts(
    uow: NotificationsUnitOfWork,
    *,
    source_id: str,
    school_id: str,
    student_ids: Sequence[str],
    kind: Kind,
    values: dict[str, str],
) -> list[Draft]:
    recipients = await uow.contacts.reachable_guardians(student_ids)
    drafts: list[Draft] = []
    seen: set[str] = set()
    for student_id in student_ids:
        for r in recipients.get(student_id, []):
            if r.guardian_id in seen:  # siblings: one announcement per parent
                continue
            seen.add(r.guardian_id)
            drafts.append(
                Draft(
                    source_id=source_id,
                    school_id=school_id,
                    recipient_kind="guardian",
                    recipient_id=r.guardian_id,
                    student_id=student_id,
                    kind=kind,
                    values=values,
                    contact=r.contact,
                    preferences=r.preferences,
                )
            )
    return drafts


@dataclass(frozen=True)
class Sent:
    source_id: str
    recipients: int
    queued: int
    cost_vnd: int
    dry_run: bool


async def _send_or_estimate(
    uow: NotificationsUnitOfWork, drafts: list[Draft], *, source_id: str, delivery: Delivery, dry_run: bool
) -> Sent:
    if dry_run:
        count, cost = estimate(drafts, delivery=delivery)
        return Sent(source_id=source_id, recipients=len(drafts), queued=count, cost_vnd=cost, dry_run=True)
    result: Queued = await queue(uow, drafts, delivery=delivery, now=delivery.clock(), strict_budget=True)
    await uow.commit()
    return Sent(
        source_id=source_id, recipients=len(drafts), queued=result.queued, cost_vnd=result.cost_vnd, dry_run=False
    )


async def announce(cmd: Announce, caller: Caller, uow: NotificationsUnitOfWork, *, delivery: Delivery) -> Sent:
    """A school announcement to the parents of some classes, some grades or the whole school."""
    if cmd.class_ids:
        for class_id in cmd.class_ids:
            await authorize(caller.user, Permission.MESSAGE_SEND, (ScopeType.CLASS, class_id), resolver=caller.resolver)
    else:
        await authorize(
            caller.user, Permission.MESSAGE_SEND, (ScopeType.SCHOOL, cmd.school_id), resolver=caller.resolver
        )
    title = _text(cmd.title, field="title", max_length=120)
    text = _text(cmd.text, field="text", max_length=1000)
    source_id = f"announcement/{uuid.uuid4().hex}"
    async with uow:
        for class_id in cmd.class_ids:
            info = await uow.contacts.class_info(class_id)
            if info is None or info[0] != cmd.school_id:
                raise NotFound("Trường không có lớp này.", field="class_ids", value=class_id)
        classes = list(cmd.class_ids) or await uow.contacts.classes_of_school(cmd.school_id, grades=cmd.grades)
        students = await uow.contacts.students_of_classes(classes)
        name = await uow.contacts.school_name(cmd.school_id)
        values = {"school": name, "school_short": short_school_name(name), "title": title, "text": text}
        drafts = await _parent_drafts(
            uow,
            source_id=source_id,
            school_id=cmd.school_id,
            student_ids=students,
            kind=Kind.ANNOUNCEMENT,
            values=values,
        )
        return await _send_or_estimate(uow, drafts, source_id=source_id, delivery=delivery, dry_run=cmd.dry_run)


@dataclass(frozen=True)
class TeacherNote:
    class_id: str
    subject_code: str
    text: str
    dry_run: bool = False


async def teacher_note(cmd: TeacherNote, caller: Caller, uow: NotificationsUnitOfWork, *, delivery: Delivery) -> Sent:
    """A subject teacher's note to the parents of a class they teach (or the homeroom teacher's, the principal's)."""
    try:
        await authorize(
            caller.user,
            Permission.SCORES_ENTER,
            (ScopeType.CLASS_SUBJECT, f"{cmd.class_id}:{cmd.subject_code}"),
            resolver=caller.resolver,
        )
    except PermissionDenied:
        await authorize(caller.user, Permission.MESSAGE_SEND, (ScopeType.CLASS, cmd.class_id), resolver=caller.resolver)
    text = _text(cmd.text, field="text", max_length=600)
    source_id = f"note/{uuid.uuid4().hex}"
    async with uow:
        info = await uow.contacts.class_info(cmd.class_id)
        if info is None:
            raise NotFound("Không có lớp này.", field="class_id", value=cmd.class_id)
        school_id, class_name = info
        subject = await uow.contacts.subject_name(cmd.class_id, cmd.subject_code)
        values = {"subject": subject, "class_name": class_name, "text": text}
        students = await uow.contacts.students_of_classes([cmd.class_id])
        drafts = await _parent_drafts(
            uow, source_id=source_id, school_id=school_id, student_ids=students, kind=Kind.TEACHER_NOTE, values=values
        )
        return await _send_or_estimate(uow, drafts, source_id=source_id, delivery=delivery, dry_run=cmd.dry_run)


# --- contact groups (nhóm danh bạ) ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    name: str
    school_id: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Group:
    id: str
    scope_type: str
    scope_id: str
    name: str
    members: list[Member]


def _owner(scope_type: str, scope_id: str) -> tuple[ScopeType, str]:
    if scope_type not in (ScopeType.PROVINCE.value, ScopeType.ORG_UNIT.value):
        raise InvalidInput(
            "Nhóm danh bạ thuộc Sở (province) hoặc một đơn vị (org_unit).", field="scope_type", value=scope_type
        )
    return ScopeType(scope_type), scope_id


def _check_member(i: int, member: Member) -> Member:
    name = _text(member.name, field=f"members[{i}].name", max_length=255)
    phone = re.sub(r"[\s.\-()]", "", member.phone) if member.phone else None
    if phone is not None and phone.startswith("+84"):
        phone = "0" + phone[3:]
    if phone is not None and not _PHONE.match(phone):
        raise InvalidInput(
            f"Số điện thoại không hợp lệ: {member.phone}.", field=f"members[{i}].phone", value=member.phone
        )
    email = member.email.strip() if member.email else None
    if email is not None and not _EMAIL.match(email):
        raise InvalidInput(
            f"Địa chỉ email không hợp lệ: {member.email}.", field=f"members[{i}].email", value=member.email
        )
    if phone is None and email is None:
        raise InvalidInput(f"{name}: cần số điện thoại hoặc email.", field=f"members[{i}]", value=name)
    return Member(name=name, school_id=member.school_id, phone=phone, email=email)


async def create_group(
    caller: Caller,
    uow: NotificationsUnitOfWork,
    *,
    scope_type: str,
    scope_id: str,
    name: str,
    members: Sequence[Member],
) -> Group:
    """A contact group of schools or staff, owned by the Sở or a unit that sends to it."""
    owner = _owner(scope_type, scope_id)
    await authorize(caller.user, Permission.MESSAGE_SEND, owner, resolver=caller.resolver)
    checked = [_check_member(i, m) for i, m in enumerate(members)]
    group = Group(
        id=uuid.uuid4().hex,
        scope_type=owner[0].value,
        scope_id=scope_id,
        name=_text(name, field="name", max_length=255),
        members=checked,
    )
    async with uow:
        await uow.session.execute(
            sa.insert(orm.contact_groups).values(
                id=group.id,
                scope_type=group.scope_type,
                scope_id=scope_id,
                name=group.name,
                created_by=caller.user.username,
                created_at=datetime.now(UTC),
            )
        )
        if checked:
            await uow.session.execute(
                sa.insert(orm.contact_group_members),
                [{"id": uuid.uuid4().hex, "group_id": group.id, **m.__dict__} for m in checked],
            )
        await uow.commit()
    return group


async def _load_group(uow: NotificationsUnitOfWork, group_id: str) -> tuple[Group, list[tuple[str, Member]]]:
    g = (await uow.session.execute(sa.select(orm.contact_groups).where(orm.contact_groups.c.id == group_id))).first()
    if g is None:
        raise NotFound("Không có nhóm danh bạ này.", field="group_id", value=group_id)
    t = orm.contact_group_members
    rows = await uow.session.execute(sa.select(t).where(t.c.group_id == group_id).order_by(t.c.name, t.c.id))
    members = [(r.id, Member(name=r.name, school_id=r.school_id, phone=r.phone, email=r.email)) for r in rows]
    return Group(g.id, g.scope_type, g.scope_id, g.name, [m for _, m in members]), members


async def list_groups(caller: Caller, uow: NotificationsUnitOfWork, *, scope_type: str, scope_id: str) -> list[Group]:
    owner = _owner(scope_type, scope_id)
    await authorize(caller.user, Permission.MESSAGE_SEND, owner, resolver=caller.resolver)
    async with uow:
        ids = await uow.session.scalars(
            sa.select(orm.contact_groups.c.id)
            .where(orm.contact_groups.c.scope_type == scope_type, orm.contact_groups.c.scope_id == scope_id)
            .order_by(orm.contact_groups.c.name)
        )
        return [(await _load_group(uow, i))[0] for i in list(ids)]


async def send_to_group(
    caller: Caller,
    uow: NotificationsUnitOfWork,
    *,
    group_id: str,
    sender: str,
    title: str,
    text: str,
    delivery: Delivery,
) -> Sent:
    """An administrative message from the Sở or a unit to every member of one of its contact groups."""
    async with uow:
        group, members = await _load_group(uow, group_id)
    # Outside the transaction: the resolver reads the directory on its own connection (one SQLite writer).
    await authorize(
        caller.user, Permission.MESSAGE_SEND, _owner(group.scope_type, group.scope_id), resolver=caller.resolver
    )
    async with uow:
        values = {
            "sender": _text(sender, field="sender", max_length=60),
            "title": _text(title, field="title", max_length=120),
            "text": _text(text, field="text", max_length=1000),
        }
        source_id = f"admin/{uuid.uuid4().hex}"
        drafts = [
            Draft(
                source_id=source_id,
                school_id=m.school_id,
                recipient_kind="contact",
                recipient_id=member_id,
                kind=Kind.ADMIN,
                values={**values, "_email": m.email or "", "_sms": m.phone or ""},
                contact=ContactPoints(phone=m.phone, email=m.email),
                preferences=Preferences(channels=("email", "sms"), quiet=None),
            )
            for member_id, m in members
        ]
        return await _send_or_estimate(uow, drafts, source_id=source_id, delivery=delivery, dry_run=False)


# --- reports and delivery reports ------------------------------------------------------------------------------------


async def school_report(
    caller: Caller, uow: NotificationsUnitOfWork, *, school_id: str, month: str
) -> list[ReportLine]:
    """What a school's messages of one month did: per channel and status, messages, segments and cost."""
    await authorize(caller.user, Permission.REPORT_READ, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    m = re.match(r"^(\d{4})-(0[1-9]|1[0-2])$", month)
    if m is None:
        raise InvalidInput("Tháng có dạng YYYY-MM.", field="month", value=month)
    year, mon = int(m.group(1)), int(m.group(2))
    start = datetime(year, mon, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    async with uow:
        return await uow.messages.report(school_id=school_id, start=start, end=end)


async def record_delivery_report(
    uow: NotificationsUnitOfWork, *, message_id: str, delivered: bool, reason: str, pricing: Pricing, now: datetime
) -> None:
    """A gateway's delivery report: delivered, or failed (then the next channel is tried)."""
    async with uow:
        row = await uow.messages.get(message_id)
        if row is None:
            raise NotFound("Không có tin nhắn này.", field="message_id", value=message_id)
        if row.status in (Status.DELIVERED.value, Status.FAILED.value):
            return  # a repeated report changes nothing
        if delivered:
            await uow.messages.update_many([{"_id": row.id, "status": Status.DELIVERED.value, "delivered_at": now}])
            uow.emit(
                MessageDelivered(message_id=row.id, school_id=row.school_id, channel=row.channel, delivered_at=now),
                partition_key=row.school_id or "province",
            )
        else:
            await uow.messages.update_many([{"_id": row.id, "status": Status.FAILED.value, "last_error": reason[:500]}])
            await fail_over(uow, row, reason=reason, now=now, pricing=pricing)
        await uow.commit()
