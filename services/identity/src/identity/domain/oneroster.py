"""OneRoster 1.2 Rostering (1EdTech, REST/JSON binding): the pure part — vocabulary mapping, the filter grammar,
sorting, field selection and paging over already mapped records.

Mapping decisions (our model → OneRoster):

- Org types: the department (Sở GDĐT, root of a deployment = a province) → `state`; a district office (Phòng
  GDĐT, before 07/2025) → `district`; a commune (xã/phường, after 07/2025) and any other intermediate unit →
  `local`; a school → `school`. OneRoster's own `department` means a department *inside* a school, so it is never
  used for the Sở. `identifier` of a school org is its MOET code (also in `metadata.moetCode`).
- Academic sessions: a school year → `schoolYear` (its `schoolYear` is the calendar year it ends in, as the
  spec asks: 2025-2026 → "2026"); a semester → `semester` with the year as `parent`.
- Courses: one per catalogue entry, i.e. subject × grade (`courseCode` = subject code, `grades` = ["06"]), owned by
  the department org (the catalogue is province-wide), plus one `homeroom` course per grade for homeroom classes.
- Classes: a Vietnamese class (lớp 6A1) → a `homeroom` class; each subject taught to it (class × subject) → a
  `scheduled` class with sourcedId `<class id>:<subject code>` (the same id our class_subject scopes use).
- Users: students → role `student`; staff → `teacher` when their title is teacher, otherwise `administrator`
  (principal, vice principal, office and other staff); guardians → `parent`, linked both ways through `agents`.
  Vietnamese names: `familyName` = the first word (họ), `givenName` = the last word (tên), `middleName` = the
  words between (tên đệm). `identifier` (national citizen number) only where the caller may read personal data
  over the whole school, never for a class-level grant (data minimisation, Law 91/2025).
- Enrollments: a student's class enrollment → `student` in the homeroom class and in each of its scheduled
  classes; a homeroom assignment → `teacher`, primary, in the homeroom class; a teaching assignment →
  `teacher`, primary, in the scheduled class.
- Status is always `active`: ended enrollments, revoked assignments and students who left are not served.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlencode

from edu_shared.contracts.identity import OrgUnitKind
from edu_shared.errors import DomainError

Record = dict[str, Any]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

ORG_TYPES: Mapping[OrgUnitKind, str] = {
    OrgUnitKind.DEPARTMENT: "state",
    OrgUnitKind.DISTRICT_OFFICE: "district",
    OrgUnitKind.COMMUNE: "local",
    OrgUnitKind.OTHER: "local",
}

TEACHER_TITLES = frozenset({"giao_vien"})

# The fields each collection's records carry: what `fields`, `sort` and `filter` may name.
_BASE = ("sourcedId", "status", "dateLastModified", "metadata")
ORG_FIELDS = (*_BASE, "name", "type", "identifier", "parent", "children")
ACADEMIC_SESSION_FIELDS = (*_BASE, "title", "type", "startDate", "endDate", "parent", "children", "schoolYear")
COURSE_FIELDS = (*_BASE, "title", "schoolYear", "courseCode", "grades", "subjects", "org")
CLASS_FIELDS = (
    *_BASE,
    "title",
    "classCode",
    "classType",
    "grades",
    "subjects",
    "subjectCodes",
    "course",
    "school",
    "terms",
)
USER_FIELDS = (
    *_BASE,
    "username",
    "userIds",
    "enabledUser",
    "givenName",
    "familyName",
    "middleName",
    "roles",
    "agents",
    "userMasterIdentifier",
    "identifier",
    "email",
    "phone",
    "grades",
)
ENROLLMENT_FIELDS = (*_BASE, "role", "primary", "user", "class", "school", "beginDate", "endDate")


class InvalidQuery(DomainError):
    """A OneRoster query parameter (filter, sort, fields) that cannot be applied; names the parameter."""

    slug = "oneroster-invalid-query"
    title = "Tham số truy vấn OneRoster không hợp lệ"
    status = 400


# Vocabulary


def org_type(kind: OrgUnitKind) -> str:
    return ORG_TYPES[kind]


def user_role_for_staff(title: str) -> str:
    return "teacher" if title in TEACHER_TITLES else "administrator"


def grade_code(grade: int) -> str:
    """OneRoster grades use the CEDS two-digit codes: grade 6 → "06"."""
    return f"{grade:02d}"


def ending_year(code: str) -> str:
    """`2025-2026` → "2026" (OneRoster's schoolYear is the year the session ends in)."""
    return code.rsplit("-", 1)[-1]


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def iso_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z") if value.tzinfo else text + "Z"


def guid_ref(base: str, kind: str, sourced_id: str) -> Record:
    """A GUIDRef: `kind` is the OneRoster type name (org, user, class, course, academicSession)."""
    collection = {"academicSession": "academicSessions", "class": "classes"}.get(kind, f"{kind}s")
    return {"href": f"{base}/{collection}/{sourced_id}", "sourcedId": sourced_id, "type": kind}


# The filter grammar: `field<op>'value'`, optionally two predicates joined by ` AND ` or ` OR `.

_OPS = ("!=", ">=", "<=", "=", ">", "<", "~")
_PREDICATE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_.]*)\s*(!=|>=|<=|=|>|<|~)\s*'((?:[^']|'')*)'\s*$")
_LOGICAL = re.compile(r"\s+(AND|OR)\s+(?=[A-Za-z][A-Za-z0-9_.]*\s*(?:!=|>=|<=|=|>|<|~)\s*')")


@dataclass(frozen=True)
class Predicate:
    field: str
    op: str
    value: str


@dataclass(frozen=True)
class Filter:
    predicates: tuple[Predicate, ...]
    logical: Literal["AND", "OR"] = "AND"


def parse_filter(text: str, *, allowed: Iterable[str]) -> Filter:
    """Parse the spec's filter form; unknown fields and bad syntax raise InvalidQuery naming `filter`."""
    fields = set(allowed)
    parts = _LOGICAL.split(text.strip())
    # split keeps the separators: [pred, "AND", pred]; the spec allows one logical operator per filter.
    if len(parts) not in (1, 3):
        raise InvalidQuery("Bộ lọc chỉ cho phép tối đa hai điều kiện nối bằng AND hoặc OR.", field="filter", value=text)
    logical: Literal["AND", "OR"] = "OR" if len(parts) == 3 and parts[1] == "OR" else "AND"
    predicates = []
    for part in parts[::2]:
        match = _PREDICATE.match(part)
        if match is None:
            raise InvalidQuery(
                f"Bộ lọc '{part.strip()}' không đúng cú pháp trường<toán tử>'giá trị' (toán tử: {', '.join(_OPS)}).",
                field="filter",
                value=text,
            )
        name, op, value = match.group(1), match.group(2), match.group(3).replace("''", "'")
        # A nested field (roles.role, school.sourcedId) is allowed under an allowed top-level one.
        if name.split(".", 1)[0] not in fields:
            raise InvalidQuery(f"Không lọc được theo trường '{name}'.", field="filter", value=text, filter_field=name)
        predicates.append(Predicate(name, op, value))
    return Filter(tuple(predicates), logical)


def _values_at(record: Mapping[str, Any], path: str) -> list[Any]:
    """The values a dotted path reaches; lists fan out (roles.role, grades)."""
    current: list[Any] = [record]
    for key in path.split("."):
        nxt: list[Any] = []
        for item in current:
            value = item.get(key) if isinstance(item, Mapping) else None
            if isinstance(value, list):
                nxt.extend(value)
            elif value is not None:
                nxt.append(value)
        current = nxt
    return current


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _holds(p: Predicate, record: Mapping[str, Any]) -> bool:
    values = [_as_text(v) for v in _values_at(record, p.field)]
    if p.op == "!=":
        return all(v != p.value for v in values)
    if p.op == "~":
        needle = p.value.casefold()
        return any(needle in v.casefold() for v in values)
    compare: dict[str, Callable[[str], bool]] = {
        "=": lambda v: v == p.value,
        ">": lambda v: v > p.value,
        ">=": lambda v: v >= p.value,
        "<": lambda v: v < p.value,
        "<=": lambda v: v <= p.value,
    }
    return any(compare[p.op](v) for v in values)


def matches(flt: Filter, record: Mapping[str, Any]) -> bool:
    results = (_holds(p, record) for p in flt.predicates)
    return all(results) if flt.logical == "AND" else any(results)


# Sorting, field selection, paging


@dataclass(frozen=True)
class ListQuery:
    """The spec's list parameters, validated against the fields of the collection's records."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    sort: str | None = None
    order_by: Literal["asc", "desc"] = "asc"
    filter: Filter | None = None
    fields: tuple[str, ...] | None = None

    @classmethod
    def parse(
        cls,
        *,
        allowed: Iterable[str],
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        sort: str | None = None,
        order_by: str | None = None,
        filter_text: str | None = None,
        fields: str | None = None,
    ) -> ListQuery:
        names = set(allowed)
        if sort is not None and sort not in names:
            raise InvalidQuery(f"Không sắp xếp được theo trường '{sort}'.", field="sort", value=sort)
        if order_by not in (None, "asc", "desc"):
            raise InvalidQuery("orderBy chỉ nhận 'asc' hoặc 'desc'.", field="orderBy", value=order_by)
        selected: tuple[str, ...] | None = None
        if fields is not None:
            selected = tuple(f.strip() for f in fields.split(","))
            bad = [f for f in selected if f not in names]
            if bad:
                raise InvalidQuery(f"Không có trường '{bad[0]}' để chọn.", field="fields", value=fields)
        return cls(
            limit=min(max(limit, 1), MAX_LIMIT),
            offset=max(offset, 0),
            sort=sort,
            order_by="desc" if order_by == "desc" else "asc",
            filter=parse_filter(filter_text, allowed=names) if filter_text else None,
            fields=selected,
        )


@dataclass
class Page:
    items: list[Record]
    total: int
    query: ListQuery = field(default_factory=ListQuery)


def _sort_key(record: Mapping[str, Any], name: str) -> tuple[int, str]:
    values = _values_at(record, name)
    return (0, _as_text(values[0])) if values else (1, "")


def select_page(records: Sequence[Record], query: ListQuery) -> Page:
    """Filter, sort, count, slice and select fields, in the spec's order of operations."""
    kept = [r for r in records if query.filter is None or matches(query.filter, r)]
    if query.sort:
        name = query.sort
        kept.sort(key=lambda r: _sort_key(r, name), reverse=query.order_by == "desc")
    window = kept[query.offset : query.offset + query.limit]
    if query.fields is not None:
        window = [{k: r[k] for k in query.fields if k in r} for r in window]
    return Page(items=window, total=len(kept), query=query)


def link_header(url: str, *, params: Mapping[str, str], page: Page) -> str:
    """RFC 8288 Link with next and last (and first/prev once past the start), as the binding describes."""
    q = page.query
    links: list[tuple[str, int]] = []
    if q.offset + q.limit < page.total:
        links.append(("next", q.offset + q.limit))
    last = max(((page.total - 1) // q.limit) * q.limit, 0)
    links.append(("last", last))
    if q.offset > 0:
        links.append(("first", 0))
        links.append(("prev", max(q.offset - q.limit, 0)))
    base = {k: v for k, v in params.items() if k not in ("limit", "offset")}
    return ", ".join(
        f'<{url}?{urlencode({**base, "limit": str(q.limit), "offset": str(offset)})}>; rel="{rel}"'
        for rel, offset in links
    )
