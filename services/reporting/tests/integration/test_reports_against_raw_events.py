"""Report numbers against an independent recount of the raw generated events (SQLite and PostgreSQL).

A small synthetic province is fed through the service's own consumers in runs, as the bus delivers them; every
figure the API returns is compared with plain Python counting over the same generated payloads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from edu_shared.testing.province import GeneratedEvent, ProvinceSpec, Truth, histogram, province_events, recount
from edu_shared.testing.servers import RealServers
from reporting.testing import Reporting, envelopes, reporting_on

SPEC = ProvinceSpec(schools=5, students=450, seed=3)
pytestmark = pytest.mark.asyncio(loop_scope="module")
YEAR = SPEC.school_year


@pytest.fixture(scope="module")
def generated() -> list[GeneratedEvent]:
    return list(province_events(SPEC))


@pytest.fixture(scope="module")
def truth(generated: list[GeneratedEvent]) -> Truth:
    return recount(generated)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


# The province is fed once per backend; every test of the module reads the same projections.
@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fed(
    module_backend: str,
    tmp_path_factory: pytest.TempPathFactory,
    real_servers: RealServers,
    generated: list[GeneratedEvent],
) -> AsyncIterator[Reporting]:
    tmp = tmp_path_factory.mktemp("reporting")
    async with reporting_on(module_backend, tmp, real_servers.postgres_url) as reporting:
        await reporting.feed(envelopes(generated))
        yield reporting


def _rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows


def _key(bucket: str) -> str:
    try:
        return str(Decimal(bucket).normalize())
    except ArithmeticError:
        return bucket


async def test_enrolment_counts_students_classes_girls_and_minorities(fed: Reporting, truth: Truth) -> None:
    rows = _rows(await fed.report("enrolment", school_year=YEAR))
    enrolled = truth.enrolled()
    by_grade = Counter(truth.classes[truth.placed[s]].grade for s in enrolled)
    girls = Counter(truth.classes[truth.placed[s]].grade for s in enrolled if truth.students[s].student.sex == "nu")
    minority = Counter(
        truth.classes[truth.placed[s]].grade for s in enrolled if truth.students[s].student.ethnicity != "Kinh"
    )
    classes = Counter(c.grade for c in truth.classes.values())
    assert {int(r["grade"].split()[-1]): r["students"] for r in rows} == dict(by_grade)
    assert {int(r["grade"].split()[-1]): r["girls"] for r in rows} == dict(girls)
    assert {int(r["grade"].split()[-1]): r["minority"] for r in rows} == dict(minority)
    assert {int(r["grade"].split()[-1]): r["classes"] for r in rows} == dict(classes)


async def test_dropouts_and_completion_rates(fed: Reporting, truth: Truth) -> None:
    rows = _rows(await fed.report("dropouts", school_year=YEAR))
    assert sum(r["total"] for r in rows) == len(truth.dropped)
    assert sum(r["start"] for r in rows) == len(truth.placed)
    hk1 = sum(1 for d in truth.dropped.values() if d.left_on.month >= 8)
    assert sum(r["hk1"] for r in rows) == hk1
    completion = {r["measure"]: r for r in _rows(await fed.report("completion", school_year=YEAR))}
    thcs = completion["Tốt nghiệp THCS"]
    in_grade_9 = [s for s in truth.enrolled() if truth.classes[truth.placed[s]].grade == 9]
    graduated_9 = [g for g in truth.graduated if g.grade == 9]
    assert (thcs["students"], thcs["completed"]) == (len(in_grade_9), len(graduated_9))
    expected = (Decimal(len(graduated_9)) * 100 / len(in_grade_9)).quantize(Decimal("0.01"))
    assert Decimal(thcs["rate"]) == expected
    primary = completion["Hoàn thành chương trình tiểu học"]
    assert primary["completed"] == sum(1 for g in truth.graduated if g.grade == 5)


async def test_staff_by_title_and_subject_group(fed: Reporting, truth: Truth) -> None:
    rows = _rows(await fed.report("staff", school_year=YEAR))
    found = {(r["title"], r["subject_group"]): r["staff"] for r in rows}
    assert found == dict(Counter((s.title, s.subject_group or "—") for s in truth.staff))


async def test_score_distribution_after_corrections_matches_the_cells(fed: Reporting, truth: Truth) -> None:
    rows = _rows(await fed.report("scores", school_year=YEAR, subject_code="toan", semester=1))
    found = {_key(r["bucket"]): r["count"] for r in rows if r["count"]}
    assert found == {_key(k): v for k, v in histogram(truth, subject="toan", semester=1).items()}
    assert sum(found.values()) > 500
    # Whole points: the same cells, coarser buckets.
    wide = _rows(await fed.report("scores", school_year=YEAR, subject_code="toan", semester=1, width="1"))
    assert sum(r["count"] for r in wide) == sum(found.values())
    assert len(wide) == 11


async def test_score_distribution_of_one_school_and_one_class(fed: Reporting, truth: Truth) -> None:
    school = "sch-00001"  # a THCS school (the generator gives the first three schools TH, THCS, THPT)
    rows = _rows(await fed.report("scores", school_year=YEAR, subject_code="toan", semester=2, school_id=school))
    found = {_key(r["bucket"]): r["count"] for r in rows if r["count"]}
    assert found == {_key(k): v for k, v in histogram(truth, subject="toan", semester=2, schools={school}).items()}
    class_id = next(c for c in truth.classes if truth.classes[c].school_id == school)
    rows = _rows(await fed.report("scores", school_year=YEAR, subject_code="toan", semester=2, class_id=class_id))
    expected = sum(
        1 for (c, code, sem, *_), v in truth.cells.items() if c == class_id and code == "toan" and sem == 2 and v
    )
    assert sum(r["count"] for r in rows) == expected


async def test_quality_levels_promotion_and_awards(fed: Reporting, truth: Truth) -> None:
    rows = _rows(await fed.report("quality", school_year=YEAR, level="thcs"))
    thcs = [s for c, s in truth.results if truth.classes[c].level == "thcs"]
    assert sum(r["students"] for r in rows) == len(thcs)
    assert sum(r["learning_0"] for r in rows) == sum(1 for s in thcs if s.learning["year"] == "Tốt")
    assert sum(r["training_3"] for r in rows) == sum(1 for s in thcs if s.training["year"] == "Chưa đạt")
    assert sum(r["outcome_len_lop"] for r in rows) == sum(1 for s in thcs if s.outcome == "len_lop")
    assert sum(r["award_gioi"] for r in rows) == sum(1 for s in thcs if s.award == "gioi")
    primary = _rows(await fed.report("quality", school_year=YEAR, level="tieu_hoc"))
    th = [s for c, s in truth.results if truth.classes[c].level == "tieu_hoc"]
    assert sum(r["result_hoan_thanh_tot"] for r in primary) == sum(
        1 for s in th if (s.result or {}).get("year") == "hoan_thanh_tot"
    )


async def test_rating_rates_by_subject(fed: Reporting, truth: Truth) -> None:
    rows = {r["group"]: r for r in _rows(await fed.report("ratings", school_year=YEAR, group="subject"))}
    marks = [m.year for _, s in truth.results for m in s.subjects if m.code == "toan"]
    assert rows["toan"]["total"] == len(marks)
    assert rows["toan"]["b_8"] == sum(1 for m in marks if isinstance(m, float) and m >= 8)
    gdtc = [m.year for _, s in truth.results for m in s.subjects if m.code == "gdtc"]
    assert rows["gdtc"]["r_cd"] == sum(1 for m in gdtc if m == "CĐ")


async def test_rating_rates_by_class_within_a_school_and_for_one_class(fed: Reporting, truth: Truth) -> None:
    school = "sch-00001"
    rows = _rows(await fed.report("ratings", school_year=YEAR, school_id=school, group="class", subject_code="toan"))
    classes = {c: truth.classes[c].name for c in truth.classes if truth.classes[c].school_id == school}
    expected = {
        classes[c]: sum(1 for cc, s in truth.results if cc == c for m in s.subjects if m.code == "toan")
        for c in classes
    }
    assert {r["group"]: r["total"] for r in rows} == expected
    below_5 = {
        classes[c]: sum(
            1
            for cc, s in truth.results
            if cc == c
            for m in s.subjects
            if m.code == "toan" and isinstance(m.year, float) and 3.5 <= m.year < 5
        )
        for c in classes
    }
    assert {r["group"]: r["b_35"] for r in rows} == below_5
    one = next(iter(classes))
    by_subject = _rows(await fed.report("ratings", school_year=YEAR, class_id=one))
    assert {r["group"] for r in by_subject} == {m.code for cc, s in truth.results if cc == one for m in s.subjects}
    wide = await fed.report("ratings", school_year=YEAR, group="class")
    assert wide.status_code == 422 and wide.json()["field"] == "group"


async def test_attendance_and_entry_progress(fed: Reporting, truth: Truth) -> None:
    total = Counter[str]()
    for semester in (1, 2):
        for r in _rows(await fed.report("attendance", school_year=YEAR, semester=semester)):
            total.update({k: r[k] for k in ("excused", "unexcused", "late")})
    expected = Counter[str]()
    for (_, status), n in truth.attendance.items():
        expected[status] += n
    assert dict(total) == dict(expected)
    rows = _rows(await fed.report("progress", school_year=YEAR, semester=1, school_id="sch-00001"))
    assert rows and all(Decimal(r["rate"]) <= 100 for r in rows)
    assert sum(r["entered"] for r in rows) == sum(
        1
        for (c, _, sem, *_), v in truth.cells.items()
        if sem == 1 and v is not None and truth.classes[c].school_id == "sch-00001"
    )


async def test_feeding_the_same_events_again_changes_nothing(fed: Reporting, generated: list[GeneratedEvent]) -> None:
    before = _rows(await fed.report("scores", school_year=YEAR, subject_code="toan", semester=1))
    enrolment = _rows(await fed.report("enrolment", school_year=YEAR))
    # A redelivered run (the same envelopes, same ids) is absorbed by the inbox.
    gradebook = [(t, e) for t, e in fed.delivered if t == "edu.gradebook"][:150]
    identity = [(t, e) for t, e in fed.delivered if t == "edu.identity"][:300]
    await fed.feed(identity + gradebook)
    assert _rows(await fed.report("scores", school_year=YEAR, subject_code="toan", semester=1)) == before
    assert _rows(await fed.report("enrolment", school_year=YEAR)) == enrolment
