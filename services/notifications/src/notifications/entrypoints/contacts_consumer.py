"""Consumer of identity's people events: keeps the contact book (guardians, links, consent, students, classes)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.contracts.identity_accounts import AccountCreated, PersonKind
from edu_shared.contracts.identity_people import (
    ClassSubjectsSet,
    ConsentChanged,
    GuardianContactChanged,
    GuardianLinked,
    StudentDroppedOut,
    StudentEnrolled,
    StudentGraduated,
    StudentProfileChanged,
    StudentRegistered,
    StudentTransferred,
)
from edu_shared.events.envelope import CloudEvent
from edu_shared.events.registry import EventPayload, parse_payload
from notifications.adapters import orm

CONTACT_EVENTS: tuple[type[EventPayload], ...] = (
    AccountCreated,
    ClassSubjectsSet,
    ConsentChanged,
    GuardianContactChanged,
    GuardianLinked,
    StudentDroppedOut,
    StudentEnrolled,
    StudentGraduated,
    StudentProfileChanged,
    StudentRegistered,
    StudentTransferred,
)
CONTACT_TYPES = frozenset(t.event_meta().type for t in CONTACT_EVENTS)


async def _upsert(
    session: AsyncSession, table: sa.Table, where: sa.ColumnElement[bool], values: dict[str, object]
) -> None:
    updated = await session.execute(sa.update(table).where(where).values(**values))
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(sa.insert(table).values(**values))


async def apply_contact_event(session: AsyncSession, event: CloudEvent) -> None:
    """Apply one identity event to the contact book (other event types are ignored)."""
    if event.type not in CONTACT_TYPES:
        return
    p = parse_payload(event.type, event.data)
    if isinstance(p, GuardianContactChanged):
        c = orm.contacts
        await _upsert(
            session,
            c,
            c.c.guardian_id == p.guardian_id,
            {
                "guardian_id": p.guardian_id,
                "school_id": p.school_id,
                "full_name": p.full_name,
                "phone": p.phone,
                "email": p.email,
                "zalo_id": p.zalo_id,
                "language": p.language,
            },
        )
    elif isinstance(p, GuardianLinked):
        c, links = orm.contacts, orm.guardian_links
        known = await session.scalar(sa.select(sa.literal(1)).where(c.c.guardian_id == p.guardian_id))
        if known is None:  # the contact event may still be on its way: keep the name meanwhile
            await session.execute(
                sa.insert(c).values(guardian_id=p.guardian_id, school_id=p.school_id, full_name=p.full_name)
            )
        await _upsert(
            session,
            links,
            sa.and_(links.c.student_id == p.student_id, links.c.guardian_id == p.guardian_id),
            {
                "student_id": p.student_id,
                "guardian_id": p.guardian_id,
                "school_id": p.school_id,
                "relation": p.relation,
            },
        )
    elif isinstance(p, ConsentChanged):
        k, cs = orm.consents, orm.consent_state
        await _upsert(
            session,
            k,
            k.c.consent_id == p.consent_id,
            {
                "consent_id": p.consent_id,
                "student_id": p.student_id,
                "guardian_id": p.guardian_id,
                "purpose": p.purpose,
                "granted": p.granted,
                "at": p.at,
            },
        )
        await _upsert(
            session,
            cs,
            sa.and_(cs.c.student_id == p.student_id, cs.c.purpose == p.purpose),
            {"student_id": p.student_id, "purpose": p.purpose, "complete": p.complete},
        )
    elif isinstance(p, AccountCreated):
        if p.person_kind == PersonKind.GUARDIAN and p.person_id is not None:
            t = orm.guardian_accounts
            await _upsert(
                session, t, t.c.account_id == p.account_id, {"account_id": p.account_id, "guardian_id": p.person_id}
            )
        elif p.person_kind == PersonKind.STAFF and p.person_id is not None:
            t = orm.staff_accounts
            await _upsert(
                session, t, t.c.account_id == p.account_id, {"account_id": p.account_id, "staff_id": p.person_id}
            )
    elif isinstance(p, StudentRegistered | StudentProfileChanged):
        s = orm.students
        snapshot = p.student
        values: dict[str, object] = {
            "id": p.student_id,
            "school_id": p.school_id,
            "full_name": snapshot.full_name,
            "given_name": snapshot.given_name,
            "status": snapshot.status,
        }
        await _upsert(session, s, s.c.id == p.student_id, values)
    elif isinstance(p, StudentEnrolled):
        s = orm.students
        await session.execute(sa.update(s).where(s.c.id == p.student_id).values(class_id=p.class_id))
    elif isinstance(p, StudentTransferred):
        s = orm.students
        snapshot = p.student
        await _upsert(
            session,
            s,
            s.c.id == p.student_id,
            {
                "id": p.student_id,
                "school_id": p.to_school_id,
                "full_name": snapshot.full_name,
                "given_name": snapshot.given_name,
                "status": snapshot.status,
                "class_id": p.to_class_id,
            },
        )
    elif isinstance(p, StudentGraduated | StudentDroppedOut):
        s = orm.students
        await session.execute(
            sa.update(s).where(s.c.id == p.student_id, s.c.class_id == p.class_id).values(class_id=None)
        )
    elif isinstance(p, ClassSubjectsSet):
        t = orm.class_subjects
        await session.execute(sa.delete(t).where(t.c.class_id == p.class_id))
        if p.subjects:
            await session.execute(
                sa.insert(t), [{"class_id": p.class_id, "code": x.code, "name": x.name} for x in p.subjects]
            )
