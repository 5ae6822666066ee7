"""A report as every output format sees it: a title, labelled columns and rows of plain values. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from reporting.domain.marks import rate

LEVEL_LABELS = {
    "mam_non": "Mầm non",
    "tieu_hoc": "Tiểu học",
    "thcs": "Trung học cơ sở",
    "thpt": "Trung học phổ thông",
    "gdtx": "Giáo dục thường xuyên",
}
SEX_LABELS = {"nam": "Nam", "nu": "Nữ"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # "text", "int", "rate" (a percentage): how exports format and align the column.
    kind: str = "int"


@dataclass
class Report:
    """One report: `name` is its slug (`enrolment`, `quality`…), `rows` dicts keyed by column keys."""

    name: str
    title: str
    scope_label: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    subtitle: str = ""

    def total_row(self, label_key: str, label: str = "Tổng cộng") -> dict[str, Any]:
        """Sum of the integer columns (rates are recomputed by the caller from the sums)."""
        total: dict[str, Any] = {c.key: "" for c in self.columns}
        total[label_key] = label
        for c in self.columns:
            if c.kind == "int":
                total[c.key] = sum(int(r.get(c.key) or 0) for r in self.rows)
        return total


def with_rates(row: dict[str, Any], pairs: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """Add rate columns: `pairs` maps a rate key to (part key, whole key)."""
    for key, (part, whole) in pairs.items():
        row[key] = rate(int(row.get(part) or 0), int(row.get(whole) or 0))
    return row


def as_json_value(value: Any) -> Any:
    """Decimals travel as strings in JSON ("12.50"), like scores elsewhere in the platform."""
    if isinstance(value, Decimal):
        return str(value)
    return value
