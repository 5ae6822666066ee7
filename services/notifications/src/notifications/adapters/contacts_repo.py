"""The contact book: who a student's reachable guardians are, their preferences, and a school's settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.adapters import orm
from notifications.domain.preferences import DEFAULT_PREFERENCES, ContactPoints, Preferences, QuietHours, parse_time

PARENT_CONTACT = "parent_contact"  # identity's consent purpose for the contact book (ConsentPurpose)


@dataclass(frozen=True)
class Recipient:
    guardian_id: str
    name: str
    contact: ContactPoints
    preferences: Preferences


@dataclass(frozen=True)
class StudentInfo:
    id: str
    school_id: str
    full_name: str
    class_id: str | None
    class_name: str


@dataclass(frozen=True)
class SchoolSettings:
    score_mode: str = "digest"  # or "immediate"
    digest_hour: int = 18
    monthly_budget_vnd: int | None = None


def _preferences(row: Any) -> Preferences:
    if row is None:
        return DEFAULT_PREFERENCES
    m = row._mapping
    quiet = (
        QuietHours(parse_time(m["quiet_start"], field="quiet_start"), parse_time(m["quiet_end"], field="quiet_end"))
        if m["quiet_start"] and m["quiet_end"]
        else None
    )
    opted = frozenset(k for k in str(m["opted_out"]).split(",") if k)
    return Preferences(channels=tuple(str(m["channels"]).split(",")), quiet=quiet, opted_out=opted)


def _reachable_query() -> sa.Select[Any]:
    links, c, k, cs, p, acc = (
        orm.guardian_links,
        orm.contacts,
        orm.consents,
        orm.consent_state,
        orm.preferences,
        orm.guardian_accounts,
    )
    consented = (
        sa.select(sa.literal(1))
        .where(
            k.c.student_id == links.c.student_id,
            k.c.guardian_id == links.c.guardian_id,
            k.c.purpose == PARENT_CONTACT,
            k.c.granted.is_(True),
        )
        .exists()
    )
    complete = (
        sa.select(sa.literal(1))
        .where(cs.c.student_id == links.c.student_id, cs.c.purpose == PARENT_CONTACT, cs.c.complete.is_(True))
        .exists()
    )
    account = sa.select(sa.func.min(acc.c.account_id)).where(acc.c.guardian_id == c.c.guardian_id).scalar_subquery()
    return (
        sa.select(
            links.c.student_id,
            c.c.guardian_id,
            c.c.full_name,
            c.c.phone,
            c.c.email,
            c.c.zalo_id,
            account.label("account_id"),
            p.c.channels,
            p.c.quiet_start,
            p.c.quiet_end,
            p.c.opted_out,
        )
        .join(c, c.c.guardian_id == links.c.guardian_id)
        .outerjoin(p, p.c.guardian_id == c.c.guardian_id)
        .where(links.c.student_id.in_(sa.bindparam("student_ids", expanding=True)), consented, complete)
        .order_by(links.c.student_id, c.c.guardian_id)
    )


# Built once: a consumer asks it for every event, and building the statement costs more than running it.
_REACHABLE = _reachable_query()


class ContactsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session
        # A consumer run applies many events in one unit of work: the school's name and settings are read once.
        self._school_names: dict[str, str] = {}
        self._school_settings: dict[str, SchoolSettings | None] = {}

    async def reachable_guardians(self, student_ids: Sequence[str]) -> dict[str, list[Recipient]]:
        """Each student's guardians who gave the contact-book consent, while the student's consent is complete."""
        if not student_ids:
            return {}
        query = _REACHABLE.params(student_ids=list(student_ids))
        out: dict[str, list[Recipient]] = {}
        for row in await self._s.execute(query):
            m = row._mapping
            prefs = _preferences(row) if m["channels"] is not None else DEFAULT_PREFERENCES
            contact = ContactPoints(phone=m["phone"], email=m["email"], zalo_id=m["zalo_id"], account=m["account_id"])
            out.setdefault(m["student_id"], []).append(
                Recipient(guardian_id=m["guardian_id"], name=m["full_name"], contact=contact, preferences=prefs)
            )
        return out

    async def students(self, student_ids: Sequence[str]) -> dict[str, StudentInfo]:
        s, cl = orm.students, orm.directory.classes
        assert cl is not None
        rows = await self._s.execute(
            sa.select(s.c.id, s.c.school_id, s.c.full_name, s.c.class_id, cl.c.name)
            .outerjoin(cl, cl.c.id == s.c.class_id)
            .where(s.c.id.in_(student_ids))
        )
        return {
            r.id: StudentInfo(
                id=r.id, school_id=r.school_id, full_name=r.full_name, class_id=r.class_id, class_name=r.name or ""
            )
            for r in rows
        }

    async def students_of_classes(self, class_ids: Sequence[str]) -> list[str]:
        s = orm.students
        rows = await self._s.scalars(
            sa.select(s.c.id).where(s.c.class_id.in_(class_ids), s.c.status == "active").order_by(s.c.id)
        )
        return list(rows)

    async def classes_of_school(self, school_id: str, *, grades: Sequence[int] | None = None) -> list[str]:
        cl = orm.directory.classes
        assert cl is not None
        query = sa.select(cl.c.id).where(cl.c.school_id == school_id)
        if grades:
            query = query.where(cl.c.grade.in_(grades))
        return list(await self._s.scalars(query.order_by(cl.c.id)))

    async def class_info(self, class_id: str) -> tuple[str, str] | None:
        """(school id, class name) of a class this service has heard of."""
        cl = orm.directory.classes
        assert cl is not None
        row = (await self._s.execute(sa.select(cl.c.school_id, cl.c.name).where(cl.c.id == class_id))).first()
        return (row.school_id, row.name) if row is not None else None

    async def school_name(self, school_id: str) -> str:
        if school_id not in self._school_names:
            name = await self._s.scalar(
                sa.select(orm.directory.schools.c.name).where(orm.directory.schools.c.id == school_id)
            )
            self._school_names[school_id] = str(name) if name is not None else school_id
        return self._school_names[school_id]

    async def subject_name(self, class_id: str, code: str) -> str:
        t = orm.class_subjects
        name = await self._s.scalar(sa.select(t.c.name).where(t.c.class_id == class_id, t.c.code == code))
        return str(name) if name is not None else code

    async def guardian_of_account(self, account_id: str) -> str | None:
        t = orm.guardian_accounts
        found = await self._s.scalar(sa.select(t.c.guardian_id).where(t.c.account_id == account_id))
        return str(found) if found is not None else None

    async def staff_of_account(self, account_id: str) -> str | None:
        t = orm.staff_accounts
        found = await self._s.scalar(sa.select(t.c.staff_id).where(t.c.account_id == account_id))
        return str(found) if found is not None else None

    async def staff_accounts(self, staff_ids: Sequence[str]) -> dict[str, str]:
        """Each staff member's app account, for those identity has created one for."""
        if not staff_ids:
            return {}
        t = orm.staff_accounts
        rows = await self._s.execute(
            sa.select(t.c.staff_id, t.c.account_id).where(t.c.staff_id.in_(staff_ids)).order_by(t.c.account_id)
        )
        return {str(r.staff_id): str(r.account_id) for r in rows}

    async def contact_of_account(self, account_id: str) -> tuple[str, ContactPoints] | None:
        """The guardian behind an app account and where they can be reached (for one-time codes)."""
        guardian_id = await self.guardian_of_account(account_id)
        if guardian_id is None:
            return None
        c = orm.contacts
        row = (await self._s.execute(sa.select(c).where(c.c.guardian_id == guardian_id))).first()
        if row is None:
            return guardian_id, ContactPoints(account=account_id)
        return guardian_id, ContactPoints(phone=row.phone, email=row.email, zalo_id=row.zalo_id, account=account_id)

    async def preferences_of(self, guardian_id: str) -> Preferences:
        row = (
            await self._s.execute(sa.select(orm.preferences).where(orm.preferences.c.guardian_id == guardian_id))
        ).first()
        return _preferences(row)

    async def save_preferences(self, guardian_id: str, prefs: Preferences, *, at: datetime) -> None:
        t = orm.preferences
        values = {
            "channels": ",".join(prefs.channels),
            "quiet_start": prefs.quiet.start.strftime("%H:%M") if prefs.quiet else None,
            "quiet_end": prefs.quiet.end.strftime("%H:%M") if prefs.quiet else None,
            "opted_out": ",".join(sorted(prefs.opted_out)),
            "updated_at": at,
        }
        updated = await self._s.execute(sa.update(t).where(t.c.guardian_id == guardian_id).values(**values))
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            await self._s.execute(sa.insert(t).values(guardian_id=guardian_id, **values))

    async def school_settings(self, school_id: str, *, default_digest_hour: int = 18) -> SchoolSettings:
        if school_id not in self._school_settings:
            t = orm.school_settings
            row = (await self._s.execute(sa.select(t).where(t.c.school_id == school_id))).first()
            self._school_settings[school_id] = (
                SchoolSettings(
                    score_mode=row.score_mode, digest_hour=row.digest_hour, monthly_budget_vnd=row.monthly_budget_vnd
                )
                if row is not None
                else None
            )
        found = self._school_settings[school_id]
        return found if found is not None else SchoolSettings(digest_hour=default_digest_hour)

    async def save_school_settings(self, school_id: str, value: SchoolSettings, *, by: str, at: datetime) -> None:
        t = orm.school_settings
        values = {
            "score_mode": value.score_mode,
            "digest_hour": value.digest_hour,
            "monthly_budget_vnd": value.monthly_budget_vnd,
            "updated_by": by,
            "updated_at": at,
        }
        updated = await self._s.execute(sa.update(t).where(t.c.school_id == school_id).values(**values))
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            await self._s.execute(sa.insert(t).values(school_id=school_id, **values))
        self._school_settings.pop(school_id, None)
