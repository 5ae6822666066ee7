"""Every channel against a real server: Kannel with its fake operator, an SMTP server, HTTP providers' APIs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.contracts.gradebook_records import AttendanceChange, AttendanceRecorded
from edu_shared.contracts.identity_accounts import ParentOtpRequested
from edu_shared.testing.processes import free_port
from notifications.adapters.channels import BrandnameSms, Outgoing, SmtpEmail, ZaloZns
from notifications.adapters.messages_repo import as_utc
from notifications.bootstrap import build_gateways
from notifications.config import BrandnameSettings, KannelSettings, SmtpSettings, ZnsSettings
from notifications.domain.delivery import SendError
from notifications.testing import (
    C6A1,
    SCHOOL,
    VN,
    BrandnameProvider,
    World,
    ZnsProvider,
    kannel_gateway,
    running_notifications,
    serve,
    settings_for,
)


def absence(student_id: str, name: str) -> AttendanceRecorded:
    return AttendanceRecorded(
        school_id=SCHOOL,
        class_id=C6A1,
        class_name="6A1",
        school_year="2025-2026",
        semester=1,
        date=date(2025, 11, 5),
        session="sang",
        recorded_by="giamthi",
        recorded_at=datetime(2025, 11, 5, 1, tzinfo=UTC),
        changes=[
            AttendanceChange(student_id=student_id, student_name=name, old_status="present", new_status="unexcused")
        ],
    )


async def eventually(check: Any, *, what: str, rounds: int = 1200) -> Any:
    """Poll `check` until it answers something truthy (servers answer asynchronously; a loaded machine may take
    a minute); fail saying `what`."""
    for _ in range(rounds):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.05)
    pytest.fail(f"never happened: {what}")


async def choose(world: World, guardian: str, student: str, channels: list[str]) -> None:
    prefs = {"channels": channels, "quiet_start": "21:00", "quiet_end": "06:30", "opted_out": []}
    r = await world.client.put("/me/preferences", headers=world.parent(guardian, student), json=prefs)
    assert r.status_code == 200, r.text


# --- Kannel -----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kannel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with kannel_gateway(tmp_path_factory.mktemp("kannel")) as env:
        yield env


async def test_sms_through_kannel_reaches_the_operator_and_its_report_marks_it_delivered(
    tmp_path: Path, kannel: dict[str, str]
) -> None:
    port = free_port()
    settings = settings_for(
        tmp_path,
        kannel=KannelSettings(
            sendsms_url=kannel["KANNEL_SENDSMS_URL"],
            username=kannel["KANNEL_USER"],
            password=kannel["KANNEL_PASSWORD"],
            sender="THCSHoaLac",
            dlr_base_url=f"http://127.0.0.1:{port}",
            dlr_token="dlr-secret",
        ),
    )
    async with running_notifications(tmp_path, settings=settings, gateways=build_gateways(settings)) as world:
        async with serve(world.app, port=port):
            await choose(world, "g-2", "st-2", ["sms"])
            await world.publish(absence("st-2", "Nguyễn Thị Anh"))
            assert (await world.service.dispatcher.drain()).sent == 1
            operator_log = Path(kannel["KANNEL_OPERATOR_LOG"])

            async def operator_got() -> list[str]:
                return [line for line in operator_log.read_text().splitlines() if "84987654321" in line]

            [line] = await eventually(operator_got, what="the operator received the SMS")
            assert "THCS Hoa Lac: Nguyen Thi Anh lop 6A1 vang khong phep buoi sang 05/11." in line

            async def delivered() -> bool:
                [row] = await world.messages(kind="absence")
                return bool(row["status"] == "delivered")

            await eventually(delivered, what="Kannel's delivery report reached the service")
            assert len(await world.events("vn.edurecords.notifications.message.delivered")) == 1
            # A delivery report with the wrong token is refused and changes nothing.
            r = await world.client.get("/dlr/kannel", params={"message_id": "x", "token": "guess", "status": 1})
            assert r.status_code == 403


async def test_kannel_down_means_retry_later_not_a_lost_message(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path,
        kannel=KannelSettings(
            sendsms_url=f"http://127.0.0.1:{free_port()}/cgi-bin/sendsms", username="u", password="p"
        ),
    )
    async with running_notifications(tmp_path, settings=settings, gateways=build_gateways(settings)) as world:
        await choose(world, "g-2", "st-2", ["sms"])
        world.set_time(datetime(2025, 11, 5, 20, 59, 45))
        await world.publish(absence("st-2", "Nguyễn Thị Anh"))
        stats = await world.service.dispatcher.drain()
        assert stats.retried == 1
        [row] = await world.messages(kind="absence")
        assert row["status"] == "queued" and row["attempts"] == 1 and "unreachable" in row["last_error"]
        # The retry would fall in the parent's quiet hours (from 21:00): it waits for the morning instead.
        assert as_utc(row["next_attempt_at"]) == datetime(2025, 11, 6, 6, 30, tzinfo=VN)


# --- SMS brandname API (contract) -------------------------------------------------------------------------------------


@pytest.fixture
async def brandname() -> AsyncIterator[tuple[BrandnameProvider, BrandnameSettings]]:
    provider = BrandnameProvider()
    async with serve(provider.app()) as url:
        yield (
            provider,
            BrandnameSettings(
                url=f"{url}/MainService.svc/json/SendMultipleMessage_V4_post_json/",
                api_key="key",
                secret_key="secret",
                brandname="THCSHOALAC",
            ),
        )


def sms(message_id: str = "m-1", phone: str = "0912345678") -> Outgoing:
    return Outgoing(message_id=message_id, kind="absence", address=phone, title="t", body="b", sms_text="Xin chao")


async def test_brandname_contract_accepts_and_deduplicates_by_request_id(
    brandname: tuple[BrandnameProvider, BrandnameSettings],
) -> None:
    provider, settings = brandname
    gateway = BrandnameSms(settings)
    assert await gateway.send(sms()) == "sms-1"
    assert await gateway.send(sms()) == "sms-1"  # a retry after a lost answer: the provider sends nothing twice
    assert len(provider.received) == 1
    assert provider.received[0]["Brandname"] == "THCSHOALAC" and provider.received[0]["IsUnicode"] == "0"
    await gateway.close()


@pytest.mark.parametrize(
    ("setup", "permanent"),
    [
        ({"fail_next": ["500"]}, False),
        ({"fail_next": ["garbage"]}, False),
        ({"fail_next": ["99"]}, False),
        ({"api_key": "other"}, True),
        ({"phone": "12"}, True),
    ],
)
async def test_brandname_contract_classifies_failures(
    brandname: tuple[BrandnameProvider, BrandnameSettings], setup: dict[str, Any], permanent: bool
) -> None:
    provider, settings = brandname
    provider.fail_next = list(setup.get("fail_next", []))
    provider.api_key = setup.get("api_key", provider.api_key)
    gateway = BrandnameSms(settings)
    with pytest.raises(SendError) as err:
        await gateway.send(sms(phone=setup.get("phone", "0912345678")))
    assert err.value.permanent is permanent
    await gateway.close()


async def test_one_time_code_goes_at_2am_by_sms_and_is_erased_after(
    tmp_path: Path, brandname: tuple[BrandnameProvider, BrandnameSettings]
) -> None:
    provider, bn = brandname
    settings = settings_for(tmp_path, brandname=bn)
    async with running_notifications(tmp_path, settings=settings, gateways=build_gateways(settings)) as world:
        world.set_time(datetime(2025, 11, 6, 2, 0))
        now = world.service.clock()
        provider.fail_next = ["garbage"]  # the first try meets a confused gateway: retried, not lost
        await world.publish(
            ParentOtpRequested(
                account_id="acc-g-1",
                phone="+84912345678",
                code="493817",
                expires_at=now.replace(minute=5),
                school_id=SCHOOL,
            ),
            twice=True,
        )
        assert (await world.service.dispatcher.drain()).retried == 1
        world.set_time(datetime(2025, 11, 6, 2, 1))
        assert (await world.service.dispatcher.drain()).sent == 1
        [sent] = provider.received
        assert "493817" in sent["Content"] and sent["Phone"] == "0912345678"
        [row] = await world.messages(kind="otp")
        assert row["status"] == "sent" and "493817" not in row["body"] + (row["sms_text"] or "") + row["template_data"]
        events = await world.events("vn.edurecords.notifications")
        assert events and all("493817" not in str(e) for e in events)


# --- Zalo ZNS (contract) and fallback to SMS --------------------------------------------------------------------------


async def test_zns_contract_and_fallback_to_sms_when_zalo_refuses(
    tmp_path: Path, brandname: tuple[BrandnameProvider, BrandnameSettings]
) -> None:
    sms_provider, bn = brandname
    zns = ZnsProvider()
    async with serve(zns.app()) as zns_url:
        zs = ZnsSettings(base_url=zns_url, access_token="zns-token", templates={"absence": "250001", "results": "999"})
        gateway = ZaloZns(zs)
        ref = await gateway.send(Outgoing("m-1", "absence", "0912345678", "t", "b", template_data={"student": "An"}))
        assert ref == "zmsg-1" and zns.received[0]["phone"] == "84912345678"
        with pytest.raises(SendError) as err:
            await gateway.send(Outgoing("m-2", "results", "0912345678", "t", "b"))
        assert err.value.permanent
        await gateway.close()

        settings = settings_for(tmp_path, brandname=bn, zns=zs)
        async with running_notifications(tmp_path, settings=settings, gateways=build_gateways(settings)) as world:
            await choose(world, "g-2", "st-2", ["zalo", "sms"])
            await world.publish(absence("st-2", "Nguyễn Thị Anh"))
            assert (await world.service.dispatcher.drain()).sent == 1
            assert zns.received[-1]["template_data"]["student"] == "Nguyễn Thị Anh"
            # No ZNS template for teacher notes: Zalo fails for good, the next channel (SMS) carries the note.
            teacher = world.as_role(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{C6A1}:toan")
            r = await world.client.post(
                f"/classes/{C6A1}/notes",
                headers=teacher,
                json={"subject_code": "toan", "text": "Mai kiểm tra 15 phút."},
            )
            assert r.status_code == 202, r.text
            stats = await world.service.dispatcher.drain()
            assert (stats.failed, stats.fell_back) == (1, 1)
            rows = await world.messages(kind="teacher_note", recipient_id="g-2")
            assert {x["channel"]: x["status"] for x in rows} == {"zalo": "failed", "sms": "sent"}
            assert "Mai kiem tra 15 phut." in sms_provider.received[-1]["Content"]


# --- e-mail over SMTP, administrative messages to a contact group -----------------------------------------------------


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


async def test_admin_message_to_a_contact_group_by_email_or_sms(
    tmp_path: Path, brandname: tuple[BrandnameProvider, BrandnameSettings]
) -> None:
    sms_provider, bn = brandname
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = settings_for(tmp_path, brandname=bn, smtp=SmtpSettings(host="127.0.0.1", port=port))
        async with running_notifications(tmp_path, settings=settings, gateways=build_gateways(settings)) as world:
            admin = world.as_role(Role.UNIT_ADMIN, ScopeType.ORG_UNIT, "xa-a", username="admin.xa")
            group = {
                "scope_type": "org_unit",
                "scope_id": "xa-a",
                "name": "Hiệu trưởng các trường",
                "members": [
                    {"name": "Thầy Hùng", "school_id": SCHOOL, "email": "hung@thcshoalac.edu.vn"},
                    {"name": "Cô Lan", "phone": "0903 123 456"},
                ],
            }
            bad = {**group, "members": [{"name": "Ai đó", "phone": "12345"}]}
            r = await world.client.post("/contact-groups", headers=admin, json=bad)
            assert r.status_code == 422 and r.json()["field"] == "members[0].phone"
            r = await world.client.post("/contact-groups", headers=admin, json=group)
            assert r.status_code == 201, r.text
            group_id = r.json()["id"]
            other = world.as_role(Role.UNIT_ADMIN, ScopeType.ORG_UNIT, "xa-b")
            msg = {"sender": "UBND xã A", "title": "Họp giao ban", "text": "Mời dự họp giao ban 8h thứ Hai."}
            r = await world.client.post(f"/contact-groups/{group_id}/messages", headers=other, json=msg)
            assert r.status_code == 403
            r = await world.client.post(f"/contact-groups/{group_id}/messages", headers=admin, json=msg)
            assert r.status_code == 202 and r.json()["queued"] == 2, r.text
            assert (await world.service.dispatcher.drain()).sent == 2
            [mail] = mailbox.messages
            assert mail["To"] == "hung@thcshoalac.edu.vn" and mail["Subject"] == "Họp giao ban"
            assert "Mời dự họp giao ban" in mail.get_body().get_content()  # type: ignore[union-attr]
            assert sms_provider.received[-1]["Phone"] == "0903123456"
            r = await world.client.get(
                "/contact-groups", headers=admin, params={"scope_type": "org_unit", "scope_id": "xa-a"}
            )
            assert [g["name"] for g in r.json()] == ["Hiệu trưởng các trường"]
    finally:
        controller.stop()


async def test_smtp_refusing_an_address_is_permanent(tmp_path: Path) -> None:
    class Refusing:
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
            return "550 no such user"

    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        gateway = SmtpEmail(SmtpSettings(host="127.0.0.1", port=port))
        with pytest.raises(SendError) as err:
            await gateway.send(Outgoing("m-1", "admin", "nobody@example.vn", "t", "b"))
        assert err.value.permanent
    finally:
        controller.stop()
    with pytest.raises(SendError) as err:
        await SmtpEmail(SmtpSettings(host="127.0.0.1", port=port)).send(
            Outgoing("m-1", "admin", "x@example.vn", "t", "b")
        )
    assert not err.value.permanent  # the server is gone: try again later
    assert httpx  # the HTTP adapters' client library is the one the service uses


async def test_a_failed_delivery_report_moves_the_message_to_the_next_channel(
    tmp_path: Path, brandname: tuple[BrandnameProvider, BrandnameSettings]
) -> None:
    provider, bn = brandname
    settings = settings_for(tmp_path, brandname=bn.model_copy(update={"dlr_token": "cb-token"}))
    async with running_notifications(tmp_path, settings=settings, gateways=build_gateways(settings)) as world:
        await choose(world, "g-1", "st-1", ["sms", "inapp"])
        await world.publish(absence("st-1", "Lê Minh Châu"))
        assert (await world.service.dispatcher.drain()).sent == 1
        [sms] = await world.messages(kind="absence")
        report = {"RequestId": sms["id"], "SendStatus": 6}
        r = await world.client.post("/dlr/brandname", params={"token": "wrong"}, json=report)
        assert r.status_code == 403
        for _ in range(2):  # a repeated report changes nothing more
            r = await world.client.post("/dlr/brandname", params={"token": "cb-token"}, json=report)
            assert r.status_code == 204
        assert (await world.service.dispatcher.drain()).delivered == 1
        rows = {x["channel"]: x["status"] for x in await world.messages(kind="absence")}
        assert rows == {"sms": "failed", "inapp": "delivered"}
        inbox = (await world.client.get("/me/inbox", headers=world.parent("g-1", "st-1"))).json()
        assert inbox["unread"] == 1 and provider.received[0]["Phone"] == "0912345678"
