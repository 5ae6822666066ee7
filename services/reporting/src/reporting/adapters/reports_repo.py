"""Queries behind the reports: sums over the aggregate tables, filtered to the schools of a scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters import orm
from reporting.domain.marks import Mark, column_kind, parse_mark
from reporting.domain.scope import ReportScope


def in_scope(column: sa.ColumnElement[Any], scope: ReportScope) -> list[sa.ColumnElement[bool]]:
    """The filter on a school id column; none for the whole province."""
    if scope.school_ids is None:
        return []
    return [column.in_(sorted(scope.school_ids))]


async def org_tree(session: AsyncSession) -> tuple[dict[str, str | None], list[tuple[str, str]]]:
    """Unit → parent, and (school, unit) pairs: enough to find every school under a unit."""
    units = {r.id: r.parent_id for r in await session.execute(sa.select(orm.directory.org_units))}
    schools = [
        (r.id, r.org_unit_id) for r in await session.execute(sa.select(orm.schools.c.id, orm.schools.c.org_unit_id))
    ]
    return units, schools


async def school_names(session: AsyncSession, ids: Sequence[str] | None = None) -> dict[str, str]:
    t = orm.schools
    query = sa.select(t.c.id, t.c.name)
    if ids is not None:
        query = query.where(t.c.id.in_(list(ids)))
    return {r.id: r.name for r in await session.execute(query)}


async def grouped_sum(
    session: AsyncSession,
    table: sa.Table,
    *,
    by: Sequence[str],
    scope: ReportScope,
    where: Sequence[sa.ColumnElement[bool]] = (),
    school_column: str = "school_id",
) -> list[Any]:
    """SUM(n) of an aggregate table grouped by `by`, within the scope."""
    columns = [table.c[name] for name in by]
    scoped = in_scope(table.c[school_column], scope) if school_column in table.c else []
    query = sa.select(*columns, sa.func.sum(table.c.n).label("n")).where(*where, *scoped).group_by(*columns)
    return list(await session.execute(query))


async def class_counts(session: AsyncSession, *, scope: ReportScope, school_year: str, by: Sequence[str]) -> list[Any]:
    """Classes that have at least one student counted in them, grouped by `by` (level, grade, school_id)."""
    c, sizes = orm.classes, orm.class_sizes
    columns = [c.c[name] for name in by]
    query = (
        sa.select(*columns, sa.func.count().label("n"))
        .select_from(c.join(sizes, sizes.c.class_id == c.c.id))
        .where(c.c.school_year == school_year, sizes.c.n > 0, *in_scope(c.c.school_id, scope))
        .group_by(*columns)
    )
    return list(await session.execute(query))


async def dropouts(session: AsyncSession, *, scope: ReportScope, school_year: str, by: Sequence[str]) -> list[Any]:
    t = orm.dropouts
    columns = [t.c[name] for name in by]
    query = (
        sa.select(*columns, t.c.semester, sa.func.count().label("n"))
        .where(t.c.school_year == school_year, *in_scope(t.c.school_id, scope))
        .group_by(*columns, t.c.semester)
    )
    return list(await session.execute(query))


async def graduations(session: AsyncSession, *, scope: ReportScope, school_year: str, by: Sequence[str]) -> list[Any]:
    t = orm.graduations
    columns = [t.c[name] for name in by]
    query = (
        sa.select(*columns, sa.func.count().label("n"))
        .where(t.c.school_year == school_year, *in_scope(t.c.school_id, scope))
        .group_by(*columns)
    )
    return list(await session.execute(query))


async def staff(session: AsyncSession, *, scope: ReportScope, by: Sequence[str]) -> list[Any]:
    t = orm.staff
    columns = [t.c[name] for name in by]
    query = (
        sa.select(*columns, sa.func.count().label("n"))
        .where(t.c.status == "active", *in_scope(t.c.school_id, scope))
        .group_by(*columns)
        .order_by(*columns)
    )
    return list(await session.execute(query))


async def class_score_hist(
    session: AsyncSession, *, class_id: str, subject_code: str, semester: int, kind: str | None
) -> dict[str, int]:
    """One class's histogram straight from its cells (a class is small; no aggregate is kept per class)."""
    t = orm.score_cells
    query = sa.select(t.c.column, t.c.value, t.c.rating).where(
        t.c.class_id == class_id, t.c.subject_code == subject_code, t.c.semester == semester
    )
    counts: dict[str, int] = {}
    for r in await session.execute(query):
        if kind is not None and column_kind(r.column) != kind:
            continue
        b = Mark(value=r.value, rating=r.rating).bucket
        counts[b] = counts.get(b, 0) + 1
    return counts


async def class_subject_buckets(
    session: AsyncSession, *, scope: ReportScope, school_year: str, period: str, subject_code: str | None
) -> list[tuple[str, str, str, int]]:
    """(class id, subject, bucket, count) from the approved results of the scope's schools (one class if a class)."""
    t = orm.results
    query = sa.select(t.c.class_id, t.c.subjects).where(
        t.c.school_year == school_year, t.c.period == period, *in_scope(t.c.school_id, scope)
    )
    if scope.kind == "class":
        query = query.where(t.c.class_id == scope.id)
    counts: dict[tuple[str, str, str], int] = {}
    for r in await session.execute(query):
        for subject, raw in dict(r.subjects).items():
            mark = parse_mark(raw)
            if mark is None or (subject_code is not None and subject != subject_code):
                continue
            key = (r.class_id, subject, mark.bucket)
            counts[key] = counts.get(key, 0) + 1
    return [(*key, n) for key, n in counts.items()]


async def entry_progress(session: AsyncSession, *, scope: ReportScope, school_year: str, semester: int) -> list[Any]:
    """Per class and subject: students, the complete sheet's cells per student, cells entered."""
    c, cs, sizes, e = orm.classes, orm.class_subjects, orm.class_sizes, orm.entry_counts
    query = (
        sa.select(
            c.c.school_id,
            c.c.id.label("class_id"),
            c.c.name.label("class_name"),
            c.c.grade,
            cs.c.subject_code,
            cs.c.name.label("subject_name"),
            cs.c.periods_per_year,
            sa.func.coalesce(sizes.c.n, 0).label("students"),
            sa.func.coalesce(e.c.n, 0).label("entered"),
        )
        .select_from(
            c.join(cs, cs.c.class_id == c.c.id)
            .outerjoin(sizes, sizes.c.class_id == c.c.id)
            .outerjoin(
                e, sa.and_(e.c.class_id == c.c.id, e.c.subject_code == cs.c.subject_code, e.c.semester == semester)
            )
        )
        .where(c.c.school_year == school_year, *in_scope(c.c.school_id, scope))
        .order_by(c.c.school_id, c.c.grade, c.c.name, cs.c.subject_code)
    )
    return list(await session.execute(query))


async def class_names(session: AsyncSession, *, scope: ReportScope, school_year: str) -> dict[str, Any]:
    c = orm.classes
    rows = await session.execute(
        sa.select(c.c.id, c.c.name, c.c.school_id, c.c.grade).where(
            c.c.school_year == school_year, *in_scope(c.c.school_id, scope)
        )
    )
    return {r.id: r for r in rows}


async def class_row(session: AsyncSession, class_id: str) -> Any:
    c = orm.classes
    return (await session.execute(sa.select(c).where(c.c.id == class_id))).first()


async def school_org_unit(session: AsyncSession, school_id: str) -> str | None:
    found: str | None = await session.scalar(sa.select(orm.schools.c.org_unit_id).where(orm.schools.c.id == school_id))
    return found
