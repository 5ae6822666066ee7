"""Pure rules of the reports: buckets, kinds of columns, rates, which schools a unit covers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reporting.domain.marks import (
    Mark,
    column_kind,
    expected_columns,
    merge_buckets,
    parse_mark,
    rate,
    school_year_of,
    score_buckets,
    semester_of,
)
from reporting.domain.scope import schools_under, units_under


def _mark(raw: str | int) -> Mark:
    mark = parse_mark(raw)
    assert mark is not None
    return mark


def _bucket(raw: str | int) -> str:
    return _mark(raw).bucket


def test_a_score_falls_in_its_half_point_bucket() -> None:
    assert _bucket("6.5") == "6.5"
    assert _bucket("6.25") == "6.0"  # 6.25 → 6.3 → bucket 6.0
    assert _bucket("6.75") == "6.5"  # 6.75 → 6.8
    assert _bucket(10) == "10.0"
    assert _bucket("0") == "0.0"
    assert _bucket("7,5") == "7.5"


def test_ratings_are_their_own_buckets_and_bad_values_count_nowhere() -> None:
    assert _bucket("Đ") == "Đ"
    assert _mark("CĐ").rating == "CĐ"
    assert parse_mark(None) is None
    assert parse_mark("") is None
    assert parse_mark("11") is None
    assert parse_mark("-1") is None


def test_half_point_buckets_merge_into_whole_points() -> None:
    merged = merge_buckets({"6.0": 2, "6.5": 3, "7.0": 1, "Đ": 4, "10.0": 1}, width=Decimal(1))
    assert merged == {"6": 5, "7": 1, "Đ": 4, "10": 1}
    assert score_buckets(width=Decimal(1)) == [str(i) for i in range(11)]
    assert len(score_buckets(width=Decimal("0.5"))) == 21


def test_columns_kinds_rates_and_calendar() -> None:
    assert [column_kind(c) for c in ("TX1", "TX4", "GK", "CK")] == ["tx", "tx", "gk", "ck"]
    assert rate(1, 3) == Decimal("33.33")
    assert rate(2, 3) == Decimal("66.67")
    assert rate(5, 0) == Decimal("0.00")
    assert (semester_of(date(2025, 12, 31)), semester_of(date(2026, 1, 2))) == (1, 2)
    assert school_year_of(date(2026, 3, 1)) == school_year_of(date(2025, 9, 5)) == "2025-2026"
    assert [expected_columns(periods_per_year=p) for p in (35, 70, 140)] == [4, 5, 6]


def test_a_unit_covers_the_schools_of_its_whole_subtree() -> None:
    parents: dict[str, str | None] = {"so": None, "phong-a": "so", "xa-1": "phong-a", "xa-2": "phong-a", "xa-3": "so"}
    schools = [("s1", "xa-1"), ("s2", "xa-2"), ("s3", "xa-3"), ("s4", "phong-a")]
    assert units_under("phong-a", parents) == {"phong-a", "xa-1", "xa-2"}
    assert schools_under("phong-a", parents, schools) == {"s1", "s2", "s4"}
    assert schools_under("xa-3", parents, schools) == {"s3"}
    assert schools_under("so", parents, schools) == {"s1", "s2", "s3", "s4"}
    assert schools_under("unknown", parents, schools) == frozenset()
