"""Which schools a report covers: a school itself, every school under a unit, or the whole province. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ReportScope:
    """`school_ids` None: the whole province (no filter)."""

    kind: str
    id: str
    school_ids: frozenset[str] | None

    @property
    def province(self) -> bool:
        return self.school_ids is None


def units_under(unit_id: str, parents: Mapping[str, str | None]) -> set[str]:
    """The unit and every unit below it in the org tree (any depth; the tree is configurable)."""
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found = {unit_id}
    frontier = [unit_id]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def schools_under(
    unit_id: str, parents: Mapping[str, str | None], schools: Iterable[tuple[str, str]]
) -> frozenset[str]:
    """Ids of the schools (school id, org unit id) that sit in the unit's subtree."""
    units = units_under(unit_id, parents)
    return frozenset(school for school, unit in schools if unit in units)
