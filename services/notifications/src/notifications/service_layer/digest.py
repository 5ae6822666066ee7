"""The daily score digest: once a school's digest hour has come, each parent gets the day's new scores per child."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from notifications.domain.preferences import LOCAL_TZ
from notifications.domain.templates import Kind, fit_lines, short_school_name
from notifications.service_layer.queueing import Delivery, Draft, Queued, queue
from notifications.service_layer.uow import NotificationsUnitOfWork

DROPPED = "dropped"  # lines of a guardian no longer reachable (consent withdrawn, link removed)


async def send_digests(
    uow: Callable[[], NotificationsUnitOfWork],
    *,
    delivery: Delivery,
    now: datetime,
    default_hour: int = 18,
    limit: int = 20_000,
) -> Queued:
    """Queue the digests due now, in one transaction with closing their lines (a rerun finds nothing to send)."""
    local = now.astimezone(LOCAL_TZ)
    async with uow() as unit:
        held = await unit.digests.open_lines(limit=limit)
        if not held:
            return Queued()
        due_schools: dict[str, bool] = {}
        groups: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
        for h in held:
            if h.school_id not in due_schools:
                settings = await unit.contacts.school_settings(h.school_id, default_digest_hour=default_hour)
                due_schools[h.school_id] = settings.score_mode != "digest" or local.hour >= settings.digest_hour
            if due_schools[h.school_id]:
                groups.setdefault((h.school_id, h.guardian_id, h.student_id), []).append((h.id, h.line))
        if not groups:
            return Queued()
        students = sorted({s for _, _, s in groups})
        reachable = await unit.contacts.reachable_guardians(students)
        info = await unit.contacts.students(students)
        names: dict[str, str] = {}
        drafts: list[Draft] = []
        for (school_id, guardian_id, student_id), lines in groups.items():
            ids = [i for i, _ in lines]
            recipient = next((r for r in reachable.get(student_id, []) if r.guardian_id == guardian_id), None)
            if recipient is None:
                await unit.digests.close(ids, digest=DROPPED)
                continue
            if school_id not in names:
                names[school_id] = await unit.contacts.school_name(school_id)
            student = info.get(student_id)
            values = {
                "school": names[school_id],
                "school_short": short_school_name(names[school_id]),
                "student": student.full_name if student else student_id,
                "class_name": student.class_name if student else "",
                "date": local.strftime("%d/%m"),
            }
            values["lines"] = fit_lines(Kind.SCORES_DIGEST, {**values, "lines": ""}, [line for _, line in lines])
            source = f"digest/{local.date().isoformat()}/{student_id}/{max(ids)}"
            drafts.append(
                Draft(
                    source_id=source,
                    school_id=school_id,
                    recipient_kind="guardian",
                    recipient_id=guardian_id,
                    student_id=student_id,
                    kind=Kind.SCORES_DIGEST,
                    values=values,
                    contact=recipient.contact,
                    preferences=recipient.preferences,
                )
            )
            await unit.digests.close(ids, digest=source)
        result = await queue(unit, drafts, delivery=delivery, now=now)
        await unit.commit()
        return result
