"""The contact book through identity events and HTTP: consent, preferences, the in-app inbox, quiet hours."""

from __future__ import annotations

from datetime import UTC, date, datetime

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.contracts.gradebook_records import AttendanceChange, AttendanceRecorded
from edu_shared.contracts.identity_people import ConsentChanged
from notifications.adapters.messages_repo import as_utc
from notifications.testing import C6A1, SCHOOL, VN, World


def absence(*students: tuple[str, str], status: str = "unexcused") -> AttendanceRecorded:
    return AttendanceRecorded(
        school_id=SCHOOL,
        class_id=C6A1,
        class_name="6A1",
        school_year="2025-2026",
        semester=1,
        date=date(2025, 11, 5),
        session="sang",
        recorded_by="giamthi",
        recorded_at=datetime(2025, 11, 5, 1, 0, tzinfo=UTC),
        changes=[
            AttendanceChange(student_id=s, student_name=n, old_status="present", new_status=status)  # type: ignore[arg-type]
            for s, n in students
        ],
    )


ALL_THREE = (("st-1", "Lê Minh Châu"), ("st-2", "Nguyễn Thị Anh"), ("st-3", "Trần Văn Cường"))


async def test_absence_reaches_only_consenting_parents_once_despite_redelivery(world: World) -> None:
    await world.publish(absence(*ALL_THREE), twice=True)
    rows = await world.messages(kind="absence")
    assert sorted(r["recipient_id"] for r in rows) == ["g-1", "g-2"]  # g-3 never consented
    assert {r["channel"] for r in rows} == {"inapp"}
    stats = await world.service.dispatcher.drain()
    assert stats.delivered == 2
    queued = await world.events("vn.edurecords.notifications.message.queued")
    assert len(queued) == 2


async def test_a_withdrawn_consent_stops_messages(world: World) -> None:
    await world.publish(
        ConsentChanged(
            consent_id="c-st-1-guardian",
            student_id="st-1",
            school_id=SCHOOL,
            purpose="parent_contact",
            given_by="guardian",
            guardian_id="g-1",
            granted=False,
            at=datetime.now(UTC),
            complete=False,
        )
    )
    await world.publish(absence(*ALL_THREE))
    assert [r["recipient_id"] for r in await world.messages(kind="absence")] == ["g-2"]


async def test_parent_reads_own_inbox_and_never_another_familys(world: World) -> None:
    await world.publish(absence(*ALL_THREE))
    await world.service.dispatcher.drain()
    r = await world.client.get("/me/inbox", headers=world.parent("g-1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unread"] == 1
    [item] = body["items"]
    assert "Lê Minh Châu" in item["body"] and "vắng không phép" in item["body"]
    assert "Nguyễn Thị Anh" not in r.text
    other = (await world.client.get("/me/inbox", headers=world.parent("g-2"))).json()["items"][0]["id"]
    r = await world.client.post(f"/me/inbox/{other}/read", headers=world.parent("g-1"))
    assert r.status_code == 404
    r = await world.client.post(f"/me/inbox/{item['id']}/read", headers=world.parent("g-1"))
    assert r.status_code == 204
    r = await world.client.get("/me/inbox/unread-count", headers=world.parent("g-1"))
    assert r.json() == {"unread": 0}


async def test_preferences_round_trip_and_bad_input_is_named(world: World) -> None:
    r = await world.client.get("/me/preferences", headers=world.parent())
    assert r.json() == {
        "channels": ["inapp", "zalo", "sms"],
        "quiet_start": "21:00",
        "quiet_end": "06:30",
        "opted_out": [],
    }
    new = {"channels": ["email", "inapp"], "quiet_start": "22:00", "quiet_end": "06:00", "opted_out": ["absence"]}
    r = await world.client.put("/me/preferences", headers=world.parent(), json=new)
    assert r.status_code == 200, r.text
    assert (await world.client.get("/me/preferences", headers=world.parent())).json() == new
    r = await world.client.put("/me/preferences", headers=world.parent(), json={**new, "channels": ["fax"]})
    assert r.status_code == 422 and r.json()["field"] == "channels" and r.json()["value"] == "fax"
    # The opt-out holds: no absence message for this parent any more.
    await world.publish(absence(*ALL_THREE))
    assert [r["recipient_id"] for r in await world.messages(kind="absence")] == ["g-2"]


async def test_preferences_need_a_parent_token(world: World) -> None:
    teacher = world.as_role(Role.HOMEROOM_TEACHER, ScopeType.CLASS, C6A1)
    assert (await world.client.get("/me/preferences", headers=teacher)).status_code == 403
    assert (await world.client.get("/me/preferences")).status_code == 401


async def test_quiet_hours_hold_an_evening_absence_until_morning(world: World) -> None:
    world.set_time(datetime(2025, 11, 5, 22, 15))
    await world.publish(absence(("st-2", "Nguyễn Thị Anh")))
    [row] = await world.messages(kind="absence")
    morning = datetime(2025, 11, 6, 6, 30, tzinfo=VN)
    assert as_utc(row["not_before"]) == morning
    assert (await world.service.dispatcher.drain()).handled == 0
    world.set_time(datetime(2025, 11, 6, 6, 30))
    assert (await world.service.dispatcher.drain()).delivered == 1
