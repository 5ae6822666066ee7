"""Notifications HTTP API: parents' preferences and inbox, announcements, notes, contact groups, reports, DLRs."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Query, Request, Response

from edu_shared.errors import PermissionDenied
from edu_shared.web.app import CurrentUser
from edu_shared.web.directory_api import directory_router
from notifications.adapters.contacts_repo import SchoolSettings
from notifications.adapters.messages_repo import MessageRow
from notifications.bootstrap import NotificationsService
from notifications.domain.delivery import Status
from notifications.domain.preferences import Preferences
from notifications.entrypoints.schemas import (
    AnnouncementCreate,
    DeliveryReportCreate,
    GroupCreate,
    GroupMessageCreate,
    GroupRead,
    InboxItemRead,
    InboxRead,
    MemberCreate,
    NoteCreate,
    PreferencesRead,
    PreferencesUpdate,
    ReportLineRead,
    ReportRead,
    SchoolSettingsRead,
    SchoolSettingsUpdate,
    SentRead,
    UnreadRead,
)
from notifications.service_layer import handlers
from notifications.service_layer.handlers import Caller, Group, Member, Sent

router = directory_router()


def service_of(request: Request) -> NotificationsService:
    service: NotificationsService = request.app.state.service
    return service


ServiceDep = Annotated[NotificationsService, Depends(service_of)]


def _caller(service: NotificationsService, user: CurrentUser) -> Caller:
    return Caller(user=user, resolver=service.resolver)


def _prefs_read(p: Preferences) -> PreferencesRead:
    return PreferencesRead(
        channels=list(p.channels),
        quiet_start=p.quiet.start.strftime("%H:%M") if p.quiet else None,
        quiet_end=p.quiet.end.strftime("%H:%M") if p.quiet else None,
        opted_out=sorted(p.opted_out),
    )


def _item(m: MessageRow) -> InboxItemRead:
    return InboxItemRead(
        id=m.id,
        kind=m.kind,
        title=m.title,
        body=m.body,
        student_id=m.student_id,
        created_at=m.created_at,
        read=m.read_at is not None,
    )


def _sent(s: Sent) -> SentRead:
    return SentRead(
        source_id=s.source_id, recipients=s.recipients, queued=s.queued, cost_vnd=s.cost_vnd, dry_run=s.dry_run
    )


def _group(g: Group) -> GroupRead:
    return GroupRead(
        id=g.id,
        scope_type=g.scope_type,
        scope_id=g.scope_id,
        name=g.name,
        members=[MemberCreate(name=m.name, school_id=m.school_id, phone=m.phone, email=m.email) for m in g.members],
    )


@router.get("/me/preferences", summary="Tùy chọn nhận tin của phụ huynh", tags=["parents"])
async def get_preferences(service: ServiceDep, user: CurrentUser) -> PreferencesRead:
    """The calling parent's channels, quiet hours and opt-outs."""
    return _prefs_read(await handlers.get_preferences(user, service.uow()))


@router.put("/me/preferences", summary="Đổi tùy chọn nhận tin", tags=["parents"])
async def put_preferences(body: PreferencesUpdate, service: ServiceDep, user: CurrentUser) -> PreferencesRead:
    """Replace the calling parent's preferences."""
    cmd = handlers.SetPreferences(
        channels=tuple(body.channels),
        quiet_start=body.quiet_start,
        quiet_end=body.quiet_end,
        opted_out=tuple(body.opted_out),
    )
    return _prefs_read(await handlers.set_preferences(cmd, user, service.uow()))


@router.get("/me/inbox", summary="Hộp thư sổ liên lạc", tags=["parents"])
async def get_inbox(
    service: ServiceDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    unread_only: bool = False,
) -> InboxRead:
    """The caller's in-app messages, newest first: a parent's, or a staff member's reminders to sign."""
    items, unread = await handlers.inbox(user, service.uow(), limit=limit, unread_only=unread_only)
    return InboxRead(items=[_item(m) for m in items], unread=unread)


@router.get("/me/inbox/unread-count", summary="Số tin chưa đọc", tags=["parents"])
async def get_unread(service: ServiceDep, user: CurrentUser) -> UnreadRead:
    """How many in-app messages the caller (a parent or a staff member) has not read."""
    return UnreadRead(unread=await handlers.unread_count(user, service.uow()))


@router.post("/me/inbox/{message_id}/read", status_code=204, summary="Đánh dấu đã đọc", tags=["parents"])
async def post_read(message_id: str, service: ServiceDep, user: CurrentUser) -> Response:
    """Mark one of the caller's own messages read."""
    await handlers.mark_read(user, service.uow(), message_id=message_id)
    return Response(status_code=204)


@router.put("/schools/{school_id}/notification-settings", summary="Cấu hình gửi tin của trường", tags=["schools"])
async def put_school_settings(
    school_id: str, body: SchoolSettingsUpdate, service: ServiceDep, user: CurrentUser
) -> SchoolSettingsRead:
    """Digest or immediate scores, the digest hour and the monthly SMS budget of a school."""
    value = SchoolSettings(
        score_mode=body.score_mode, digest_hour=body.digest_hour, monthly_budget_vnd=body.monthly_budget_vnd
    )
    saved = await handlers.set_school_settings(_caller(service, user), service.uow(), school_id=school_id, value=value)
    return SchoolSettingsRead(school_id=school_id, **saved.__dict__)


@router.post("/schools/{school_id}/announcements", status_code=202, summary="Thông báo của trường", tags=["schools"])
async def post_announcement(
    school_id: str, body: AnnouncementCreate, service: ServiceDep, user: CurrentUser
) -> SentRead:
    """Announce to the parents of classes, grades or the whole school (refused over the monthly budget)."""
    cmd = handlers.Announce(
        school_id=school_id,
        title=body.title,
        text=body.text,
        class_ids=tuple(body.class_ids),
        grades=tuple(body.grades),
        dry_run=body.dry_run,
    )
    return _sent(await handlers.announce(cmd, _caller(service, user), service.uow(), delivery=service.delivery))


@router.post(
    "/classes/{class_id}/notes", status_code=202, summary="Lời nhắn giáo viên tới phụ huynh lớp", tags=["schools"]
)
async def post_note(class_id: str, body: NoteCreate, service: ServiceDep, user: CurrentUser) -> SentRead:
    """A subject teacher's note to the parents of a class they teach."""
    cmd = handlers.TeacherNote(class_id=class_id, subject_code=body.subject_code, text=body.text, dry_run=body.dry_run)
    return _sent(await handlers.teacher_note(cmd, _caller(service, user), service.uow(), delivery=service.delivery))


@router.post("/contact-groups", status_code=201, summary="Tạo nhóm danh bạ", tags=["admin messages"])
async def post_group(body: GroupCreate, service: ServiceDep, user: CurrentUser) -> GroupRead:
    """A contact group (nhóm danh bạ) of schools or staff, owned by the Sở or a unit."""
    group = await handlers.create_group(
        _caller(service, user),
        service.uow(),
        scope_type=body.scope_type,
        scope_id=body.scope_id,
        name=body.name,
        members=[Member(**m.model_dump()) for m in body.members],
    )
    return _group(group)


@router.get("/contact-groups", summary="Các nhóm danh bạ của một đơn vị", tags=["admin messages"])
async def get_groups(
    service: ServiceDep, user: CurrentUser, scope_type: str = Query(), scope_id: str = Query()
) -> list[GroupRead]:
    """The contact groups the Sở or a unit owns."""
    groups = await handlers.list_groups(_caller(service, user), service.uow(), scope_type=scope_type, scope_id=scope_id)
    return [_group(g) for g in groups]


@router.post(
    "/contact-groups/{group_id}/messages", status_code=202, summary="Gửi tin hành chính", tags=["admin messages"]
)
async def post_group_message(
    group_id: str, body: GroupMessageCreate, service: ServiceDep, user: CurrentUser
) -> SentRead:
    """An administrative message to every member of a contact group (e-mail first, else SMS)."""
    sent = await handlers.send_to_group(
        _caller(service, user),
        service.uow(),
        group_id=group_id,
        sender=body.sender,
        title=body.title,
        text=body.text,
        delivery=service.delivery,
    )
    return _sent(sent)


@router.get("/schools/{school_id}/delivery-report", summary="Báo cáo gửi tin theo tháng", tags=["schools"])
async def get_report(
    school_id: str, service: ServiceDep, user: CurrentUser, month: Annotated[str, Query(examples=["2026-11"])]
) -> ReportRead:
    """Sent, delivered, failed and what it cost, per channel, for one month of a school."""
    lines = await handlers.school_report(_caller(service, user), service.uow(), school_id=school_id, month=month)

    def total(*statuses: Status) -> int:
        return sum(line.messages for line in lines if line.status in {s.value for s in statuses})

    return ReportRead(
        school_id=school_id,
        month=month,
        lines=[ReportLineRead(**line.__dict__) for line in lines],
        sent=total(Status.SENT, Status.DELIVERED),
        delivered=total(Status.DELIVERED),
        failed=total(Status.FAILED),
        cost_vnd=sum(line.cost_vnd for line in lines if line.status != Status.FAILED.value),
    )


def _check_token(given: str, expected: str | None) -> None:
    if expected is None or not hmac.compare_digest(given.encode(), expected.encode()):
        raise PermissionDenied("Báo cáo phát không hợp lệ.", permission="dlr", scope_type="gateway")


@router.get("/dlr/kannel", status_code=204, summary="Báo cáo phát từ Kannel", tags=["gateways"])
async def kannel_dlr(
    service: ServiceDep, message_id: str = Query(), token: str = Query(), status: int = Query()
) -> Response:
    """Kannel's delivery report (`dlr-url`): 1 delivered, 2 failed; other types (buffered, SMSC ack) are ignored."""
    kannel = service.runtime.settings.kannel  # type: ignore[attr-defined]
    _check_token(token, kannel.dlr_token if kannel else None)
    if status in (1, 2):
        await handlers.record_delivery_report(
            service.uow(),
            message_id=message_id,
            delivered=status == 1,
            reason=f"DLR {status}",
            pricing=service.pricing,
            now=service.clock(),
        )
    return Response(status_code=204)


@router.post("/dlr/brandname", status_code=204, summary="Báo cáo phát từ nhà cung cấp SMS brandname", tags=["gateways"])
async def brandname_dlr(body: DeliveryReportCreate, service: ServiceDep, token: str = Query()) -> Response:
    """The brandname provider's callback: SendStatus 5 delivered, anything else failed."""
    brandname = service.runtime.settings.brandname  # type: ignore[attr-defined]
    _check_token(token, brandname.dlr_token if brandname else None)
    await handlers.record_delivery_report(
        service.uow(),
        message_id=body.RequestId,
        delivered=body.SendStatus == 5,
        reason=f"SendStatus {body.SendStatus}",
        pricing=service.pricing,
        now=service.clock(),
    )
    return Response(status_code=204)
