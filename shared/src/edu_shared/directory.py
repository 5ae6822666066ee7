"""A service's local copy of the org tree, fed by identity events, answering scope questions.

Services never read identity's tables: each keeps this projection in its own database (tables added to its
metadata, like the outbox) and resolves "is this school under that commune?" locally. Classes are projected too
(`ClassOpened`), so a class scope climbs to its school, and a class-subject scope `<class id>:<subject code>` to
its class.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edu_shared.auth.permissions import Scope
from edu_shared.auth.principal import ScopeType
from edu_shared.contracts.identity import OrgUnitRegistered, SchoolRegistered
from edu_shared.contracts.identity_people import ClassOpened
from edu_shared.events.envelope import CloudEvent
from edu_shared.events.registry import parse_payload


@dataclass(frozen=True)
class DirectoryTables:
    org_units: sa.Table
    schools: sa.Table
    # Any table with `id` and `school_id` columns; None: class scopes match only grants on exactly that class.
    classes: sa.Table | None = None


def add_directory_tables(metadata: sa.MetaData) -> DirectoryTables:
    org_units = sa.Table(
        "dir_org_units",
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
    )
    schools = sa.Table(
        "dir_schools",
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("org_unit_id", sa.String(64), nullable=False),
        sa.Column("moet_code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("levels", sa.String(255), nullable=False),
    )
    classes = sa.Table(
        "dir_classes",
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("school_id", sa.String(64), nullable=False, index=True),
        sa.Column("year", sa.String(9), nullable=False),
        sa.Column("grade", sa.SmallInteger, nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
    )
    return DirectoryTables(org_units=org_units, schools=schools, classes=classes)


IDENTITY_DIRECTORY_TYPES = frozenset(
    {OrgUnitRegistered.event_meta().type, SchoolRegistered.event_meta().type, ClassOpened.event_meta().type}
)


async def apply_directory_event(session: AsyncSession, tables: DirectoryTables, event: CloudEvent) -> None:
    """Upsert the projection from an identity event (other event types are ignored)."""
    if event.type not in IDENTITY_DIRECTORY_TYPES:
        return
    payload = parse_payload(event.type, event.data)
    table: sa.Table
    values: dict[str, object]
    if isinstance(payload, OrgUnitRegistered):
        table, key = tables.org_units, payload.org_unit_id
        values = {
            "parent_id": payload.parent_id,
            "code": payload.code,
            "name": payload.name,
            "kind": payload.kind.value,
        }
    elif isinstance(payload, SchoolRegistered):
        table, key = tables.schools, payload.school_id
        values = {
            "org_unit_id": payload.org_unit_id,
            "moet_code": payload.moet_code,
            "name": payload.name,
            "levels": ",".join(level.value for level in payload.levels),
        }
    elif isinstance(payload, ClassOpened) and tables.classes is not None:
        table, key = tables.classes, payload.class_id
        values = {
            "school_id": payload.school_id,
            "year": payload.school_year,
            "grade": payload.grade,
            "name": payload.name,
        }
    else:
        return
    updated = await session.execute(sa.update(table).where(table.c.id == key).values(**values))
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(sa.insert(table).values(id=key, **values))


# Lookups only read the projection: on SQLite they must not queue behind a consumer's write transaction.
READ_ONLY = {"readonly": True}


class DirectoryResolver:
    """`ScopeResolver` over the projection, with a short-lived cache of complete lineages.

    Every request checks a scope, and a lineage climbs class → school → units one query at a time. The org tree
    changes rarely: a lineage that reached the root is kept for `ttl_s` seconds, and the whole cache is dropped
    whenever the directory consumer applies an event. A lineage that stopped short (a class or school not yet
    projected) is never kept, so a grant is not refused for longer than the projection lags.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], tables: DirectoryTables, *, ttl_s: float = 60.0
    ) -> None:
        self._sessions = sessions
        self._tables = tables
        self._ttl_s = ttl_s
        self._cache: dict[Scope, tuple[float, frozenset[Scope]]] = {}

    def invalidate(self) -> None:
        """Forget every cached lineage (the org tree projection changed)."""
        self._cache.clear()

    async def lineage(self, scope: Scope) -> set[Scope]:
        cached = self._cache.get(scope)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self._ttl_s:
            return set(cached[1])
        found, complete = await self._climb(scope)
        if complete and self._ttl_s > 0:
            self._cache[scope] = (now, frozenset(found))
        return found

    async def _climb(self, scope: Scope) -> tuple[set[Scope], bool]:
        """The lineage, and whether it reached the root of the tree."""
        kind, ident = scope
        found: set[Scope] = {scope}
        if kind == ScopeType.CLASS_SUBJECT:
            # "<class id>:<subject code>": the class teaches the subject, so a class grant covers it.
            kind, ident = ScopeType.CLASS, ident.split(":", 1)[0]
            found.add((kind, ident))
        async with self._sessions() as session:
            await session.connection(execution_options=READ_ONLY)
            unit_id: str | None = None
            if kind == ScopeType.CLASS and self._tables.classes is not None:
                classes = self._tables.classes
                school_id = await session.scalar(sa.select(classes.c.school_id).where(classes.c.id == ident))
                if school_id is not None:
                    kind, ident = ScopeType.SCHOOL, school_id
                    found.add((kind, ident))
            if kind == ScopeType.SCHOOL:
                unit_id = await session.scalar(
                    sa.select(self._tables.schools.c.org_unit_id).where(self._tables.schools.c.id == ident)
                )
            elif kind == ScopeType.ORG_UNIT:
                unit_id = ident
            complete = kind in (ScopeType.SCHOOL, ScopeType.ORG_UNIT) and unit_id is not None
            units = self._tables.org_units
            for _ in range(32):  # the tree is shallow; the bound guards against a cycle in bad data
                if unit_id is None:
                    break
                found.add((ScopeType.ORG_UNIT, unit_id))
                row = (await session.execute(sa.select(units.c.parent_id).where(units.c.id == unit_id))).first()
                if row is None:  # a unit not projected yet: the climb stopped short
                    complete = False
                    break
                unit_id = row.parent_id
        return found, complete

    async def schools(self) -> list[dict[str, str]]:
        async with self._sessions() as session:
            await session.connection(execution_options=READ_ONLY)
            rows = await session.execute(sa.select(self._tables.schools).order_by(self._tables.schools.c.name))
            return [dict(r._mapping) for r in rows]
