"""Reminders to sign (`SigningReminderDue`) reach the pending signers' in-app inbox once, never a parent's."""

from __future__ import annotations

from datetime import UTC, datetime

from edu_shared.auth.principal import CurrentUserClaims, Role, RoleGrant, ScopeType
from edu_shared.contracts.identity_accounts import AccountCreated, PersonKind
from edu_shared.contracts.signing import PendingSigner, SigningReminderDue
from notifications.testing import SCHOOL, World

TITLE = "Học bạ — Lê Minh Châu — lớp 6A1 — 2025-2026"


def staff_account(staff_id: str, name: str, account: str | None = None) -> AccountCreated:
    return AccountCreated(
        account_id=account or f"acc-{staff_id}",
        username=f"{staff_id}.thcshoalac",
        person_kind=PersonKind.STAFF,
        person_id=staff_id,
        school_id=SCHOOL,
        display_name=name,
    )


def staff_token(world: World, staff_id: str, account: str | None = None) -> dict[str, str]:
    user = CurrentUserClaims(
        sub=account or f"acc-{staff_id}",
        username=f"{staff_id}.thcshoalac",
        grants=(RoleGrant(role=Role.PRINCIPAL, scope_type=ScopeType.SCHOOL, scope_id=SCHOOL),),
    )
    return world.bearer(user)


def reminder(*signers: PendingSigner) -> SigningReminderDue:
    return SigningReminderDue(
        request_id="sr-1",
        school_id=SCHOOL,
        reference="tr-1@1",
        title=TITLE,
        step=2,
        waiting_since=datetime(2025, 10, 28, 20, tzinfo=UTC),  # 29/10 03:00 in Vietnam
        signers=list(signers),
    )


PRINCIPAL = PendingSigner(role="principal", staff_id="nv-hieutruong", name="Trần Thị Bình")
SEAL = PendingSigner(role="school_seal", name="Dấu trường")


async def inbox(world: World, headers: dict[str, str]) -> list[dict[str, object]]:
    r = await world.client.get("/me/inbox", headers=headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, object]] = r.json()["items"]
    return items


async def test_a_signer_reads_one_reminder_even_when_it_is_delivered_twice(world: World) -> None:
    await world.publish(staff_account("nv-hieutruong", "Trần Thị Bình"))
    [event] = await world.publish(reminder(PRINCIPAL, SEAL), twice=True)
    await world.deliver([event])  # a later redelivery, after the first run committed
    [row] = await world.messages(kind="signing_reminder")
    assert row["recipient_kind"] == "staff" and row["recipient_id"] == "nv-hieutruong"
    assert row["channel"] == "inapp" and row["address"] == "acc-nv-hieutruong" and row["urgent"] is False
    assert (await world.service.dispatcher.drain()).handled == 1

    headers = staff_token(world, "nv-hieutruong")
    [item] = await inbox(world, headers)
    assert item["kind"] == "signing_reminder" and item["read"] is False
    assert item["title"] == f"Nhắc ký số: {TITLE}"
    assert item["body"] == (
        f"{TITLE} đang chờ thầy/cô ký từ ngày 29/10/2025 (hiệu trưởng, bước 2). Mời thầy/cô vào mục Ký số để ký."
    )
    assert (await world.client.get("/me/inbox/unread-count", headers=headers)).json() == {"unread": 1}
    r = await world.client.post(f"/me/inbox/{item['id']}/read", headers=headers)
    assert r.status_code == 204, r.text
    assert (await world.client.get("/me/inbox/unread-count", headers=headers)).json() == {"unread": 0}

    # A parent never sees it, not even by its id.
    assert all(i["kind"] != "signing_reminder" for i in await inbox(world, world.parent("g-1")))
    r = await world.client.post(f"/me/inbox/{item['id']}/read", headers=world.parent("g-1"))
    assert r.status_code == 404, r.text


async def test_a_reminder_respects_quiet_hours(world: World) -> None:
    await world.publish(staff_account("nv-hieutruong", "Trần Thị Bình"))
    world.set_time(datetime(2025, 11, 5, 22, 0))
    await world.publish(reminder(PRINCIPAL))
    assert (await world.service.dispatcher.drain()).handled == 0
    assert await inbox(world, staff_token(world, "nv-hieutruong")) == []
    world.set_time(datetime(2025, 11, 6, 6, 35))
    assert (await world.service.dispatcher.drain()).handled == 1
    [item] = await inbox(world, staff_token(world, "nv-hieutruong"))
    assert item["kind"] == "signing_reminder"


async def test_a_signer_without_an_account_finds_the_reminder_once_it_exists(world: World) -> None:
    teacher = PendingSigner(role="homeroom_teacher", staff_id="nv-gvcn", name="Phạm Văn Đức")
    await world.publish(reminder(teacher))
    [row] = await world.messages(kind="signing_reminder")
    assert row["recipient_id"] == "nv-gvcn" and row["address"] == "staff:nv-gvcn"
    await world.service.dispatcher.drain()
    r = await world.client.get("/me/inbox", headers=staff_token(world, "nv-gvcn"))
    assert r.status_code == 403, r.text  # no staff account yet, and not a parent either

    await world.publish(staff_account("nv-gvcn", "Phạm Văn Đức"))
    [item] = await inbox(world, staff_token(world, "nv-gvcn"))
    assert "đang chờ thầy/cô ký từ ngày 29/10/2025 (giáo viên chủ nhiệm, bước 2)" in str(item["body"])


async def test_a_staff_id_that_looks_like_a_guardian_id_does_not_open_the_familys_inbox(world: World) -> None:
    await world.publish(staff_account("g-1", "Cán bộ trùng mã", account="acc-staff-g-1"))
    await world.publish(reminder(PendingSigner(role="principal", staff_id="g-1", name="Cán bộ trùng mã")))
    await world.service.dispatcher.drain()
    assert all(i["kind"] != "signing_reminder" for i in await inbox(world, world.parent("g-1")))
    [item] = await inbox(world, staff_token(world, "g-1", account="acc-staff-g-1"))
    assert item["kind"] == "signing_reminder"
