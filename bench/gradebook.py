"""Benchmark of score entry and of a school's results recompute, through the gradebook's real service stack.

    uv run python bench/gradebook.py [--classes N] [--students N] [--sheets N] [--writers N] [--seconds S]

Prints one table with, side by side and from the same run:
  (a) the baseline: raw asyncpg `executemany` of the same rows into tables equal to the gradebook's (`scores`
      upserted on its primary key, plus one `score_history` row per cell), one transaction per save: latency of
      one save, and the sustained rate of `--writers` connections saving for `--seconds`;
  (b) one teacher's save of a 45-student × 8-column sheet (360 cells) through the HTTP API: TT22 gives a sheet
      at most 6 columns (Toán, 140 periods: TX1..TX4, GK, CK), so a save is two PUTs sent back to back — Toán
      semester I, all 6 columns, then Toán semester II, TX1 and TX2 — and its latency is the pair's; every save
      changes every cell, so each one writes 360 cells, 360 history rows and two `ScoresRecorded` events;
  (c) sustained entry: `--writers` teachers (one class each) saving such sheets for `--seconds`; the clock stops
      once the last `ScoresRecorded` event has been published to Kafka by the outbox relay, so cells/s is for the
      full path (HTTP → checks → PostgreSQL → outbox → Kafka); the ratio to (a)'s sustained rate is shown;
  (d) recompute of a whole school: `--classes` classes × `--students` students × the 12 THCS subjects × 2
      semesters full of scores (loaded with COPY, not measured), then `handlers.class_results` for every class
      in turn (each student's subject results per semester and year and the learning results); beside it the
      floor: the same cells read by raw asyncpg, one SELECT per class, with nothing computed.

The stack is the production one: `gradebook.bootstrap.build(GradebookSettings(...))` on a fresh PostgreSQL
database with the Kafka bus (a fresh topic prefix per run), the rosters fed as identity events through the
gradebook's own consumer handlers, the FastAPI app in-process (httpx + ASGITransport) and real ES256 tokens from
`edu_shared.testing.tokens.TokenIssuer`. The servers are the ones `scripts/servers.sh up` starts
(var/servers/env.sh). Latencies are wall clock around each call, after a warm-up. The benchmark reports; it never
asserts on timing. Figures depend on the machine: see docs/performance.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/gradebook.py`, this folder is first on sys.path and this file's name would hide the
# `gradebook` package: drop the folder before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import AsyncIterator, Sequence  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, date, datetime  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from edu_shared.auth.principal import Role, ScopeType  # noqa: E402
from edu_shared.bus.kafka_settings import KafkaSettings  # noqa: E402
from edu_shared.contracts.identity import TOPIC as IDENTITY_TOPIC  # noqa: E402
from edu_shared.contracts.identity import OrgUnitKind, OrgUnitRegistered, SchoolLevel, SchoolRegistered  # noqa: E402
from edu_shared.contracts.identity_people import (  # noqa: E402
    CatalogueSubject,
    ClassOpened,
    ClassSubjectsSet,
    StudentEnrolled,
    StudentRegistered,
    StudentSnapshot,
)
from edu_shared.db.engine import create_engine  # noqa: E402
from edu_shared.events.envelope import new_event  # noqa: E402
from edu_shared.events.registry import EventPayload  # noqa: E402
from edu_shared.testing.servers import fresh_postgres_database  # noqa: E402
from edu_shared.testing.tokens import TokenIssuer, user_with  # noqa: E402
from gradebook.adapters import orm  # noqa: E402
from gradebook.bootstrap import GradebookService, build, create_app  # noqa: E402
from gradebook.config import GradebookSettings  # noqa: E402
from gradebook.domain.sheet import columns  # noqa: E402
from gradebook.service_layer import handlers  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ENV_FILE = REPO / "var" / "servers" / "env.sh"

SCHOOL = "sch-bench"
YEAR_ID = "sy-bench"
YEAR = "2026-2027"
# Thông tư 32/2018, grade 6: 8 scored subjects and 4 comment-only ones (DOMAIN §3.3b).
SUBJECTS = [
    CatalogueSubject(code="nguvan", name="Ngữ văn", periods_per_year=140, assessment="scored"),
    CatalogueSubject(code="toan", name="Toán", periods_per_year=140, assessment="scored"),
    CatalogueSubject(code="nn1", name="Ngoại ngữ 1", periods_per_year=105, assessment="scored"),
    CatalogueSubject(code="gdcd", name="Giáo dục công dân", periods_per_year=35, assessment="scored"),
    CatalogueSubject(code="lsdl", name="Lịch sử và Địa lí", periods_per_year=105, assessment="scored"),
    CatalogueSubject(code="khtn", name="Khoa học tự nhiên", periods_per_year=140, assessment="scored"),
    CatalogueSubject(code="congnghe", name="Công nghệ", periods_per_year=35, assessment="scored"),
    CatalogueSubject(code="tinhoc", name="Tin học", periods_per_year=35, assessment="scored"),
    CatalogueSubject(code="gdtc", name="Giáo dục thể chất", periods_per_year=70, assessment="comment"),
    CatalogueSubject(code="nghethuat", name="Nghệ thuật", periods_per_year=70, assessment="comment"),
    CatalogueSubject(
        code="hdtn", name="Hoạt động trải nghiệm, hướng nghiệp", periods_per_year=105, assessment="comment"
    ),
    CatalogueSubject(code="ndgddp", name="Nội dung giáo dục của địa phương", periods_per_year=35, assessment="comment"),
]
TOAN_COLUMNS = columns(140)  # TX1..TX4, GK, CK
# One save of 8 columns per student: Toán semester I (6 columns), then semester II TX1, TX2.
SAVE_PARTS: list[tuple[int, list[str]]] = [(1, TOAN_COLUMNS), (2, TOAN_COLUMNS[:2])]
SCORES_RECORDED = "vn.edurecords.gradebook.scores.recorded.v1"
ROSTER_BATCH = 500  # identity events per consumer transaction while seeding

_GIVEN = "An Bình Chi Dũng Giang Hà Khánh Linh Minh Nam Oanh Phúc Quân Sơn Tâm Uyên Vy Xuân Yến Đạt".split()
_MIDDLE = "Văn Thị Minh Ngọc Đức Thu Hoàng Gia Bảo Thanh".split()
_FAMILY = "Nguyễn Trần Lê Phạm Hoàng Phan Vũ Đặng Bùi Đỗ".split()


@dataclass
class Outcome:
    """One row of the result table."""

    scenario: str
    setup: str
    cells: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    target: str = ""
    target_ok: bool | None = None
    note: str = ""

    @property
    def rate(self) -> float:
        return self.cells / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass(frozen=True)
class Sizes:
    classes: int
    students: int
    sheets: int
    writers: int
    seconds: float
    recompute_runs: int

    @property
    def cells_per_save(self) -> int:
        return self.students * sum(len(cols) for _, cols in SAVE_PARTS)


# -- environment -------------------------------------------------------------------------------------------


def load_server_env() -> None:
    """Read var/servers/env.sh (written by scripts/servers.sh up) unless the variables are already set."""
    if not ENV_FILE.exists():
        return
    for line in ENV_FILE.read_text().splitlines():
        line = line.strip()
        if line.startswith("export ") and "=" in line:
            name, _, value = line[len("export ") :].partition("=")
            os.environ.setdefault(name.strip(), value.strip().strip("'\""))


def libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def drop_topics(bootstrap: str, *, prefix: str) -> None:
    """Delete this run's topics from the shared broker; best effort (leftovers are harmless, names are unique)."""
    from aiokafka.admin import AIOKafkaAdminClient  # type: ignore[import-untyped]

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    try:
        async with asyncio.timeout(20):
            await admin.start()
            ours = [t for t in await admin.list_topics() if t.startswith(prefix)]
            if ours:
                await admin.delete_topics(ours)
    except Exception as exc:  # cleanup never fails the benchmark
        print(f"could not delete Kafka topics {prefix}*: {exc!r}", file=sys.stderr)
    finally:
        await admin.close()


# -- the school: identity events through the gradebook's consumers -----------------------------------------


def class_id(k: int) -> str:
    return f"cls-{k:03d}"


def student_id(k: int, j: int) -> str:
    return f"st-{k:03d}-{j:03d}"


def school_events(sizes: Sizes) -> list[EventPayload]:
    """The org tree, a THCS school, its classes with the 12 subjects, and their students."""
    events: list[EventPayload] = [
        OrgUnitRegistered(org_unit_id="so-bench", parent_id=None, code="so", name="Sở", kind=OrgUnitKind.DEPARTMENT),
        SchoolRegistered(
            school_id=SCHOOL,
            org_unit_id="so-bench",
            moet_code="thcsbench",
            name="Trường THCS Bench",
            levels=[SchoolLevel.LOWER_SECONDARY],
        ),
    ]
    for k in range(sizes.classes):
        events += [
            ClassOpened(
                class_id=class_id(k),
                school_id=SCHOOL,
                school_year_id=YEAR_ID,
                school_year=YEAR,
                grade=6,
                level=SchoolLevel.LOWER_SECONDARY,
                name=f"6A{k + 1}",
            ),
            ClassSubjectsSet(class_id=class_id(k), school_id=SCHOOL, school_year_id=YEAR_ID, subjects=SUBJECTS),
        ]
        for j in range(sizes.students):
            family, middle, given = _FAMILY[j % 10], _MIDDLE[(j // 10 + k) % 10], _GIVEN[(j + k) % 20]
            events += [
                StudentRegistered(
                    student_id=student_id(k, j),
                    school_id=SCHOOL,
                    student=StudentSnapshot(
                        family_name=family,
                        middle_name=middle,
                        given_name=given,
                        full_name=f"{family} {middle} {given}",
                        date_of_birth=date(2015, 1, 1),
                        sex="nam" if j % 2 else "nu",
                        status="active",
                    ),
                ),
                StudentEnrolled(
                    enrollment_id=f"en-{k:03d}-{j:03d}",
                    student_id=student_id(k, j),
                    school_id=SCHOOL,
                    class_id=class_id(k),
                    school_year_id=YEAR_ID,
                    starts_on=date(2026, 9, 5),
                ),
            ]
    return events


async def seed_school(service: GradebookService, sizes: Sizes) -> None:
    """Deliver the identity events to every gradebook consumer, in runs as the bus hands them over."""
    events = [new_event(p, source="/identity", partition_key=SCHOOL) for p in school_events(sizes)]
    for sub in service.runtime.subscriptions:
        handle_batch = getattr(sub.handler, "handle_batch", None)
        assert handle_batch is not None, "the gradebook's identity consumers are idempotent batch handlers"
        for first in range(0, len(events), ROSTER_BATCH):
            await handle_batch(events[first : first + ROSTER_BATCH], topic=IDENTITY_TOPIC)


def cell_value(iteration: int, student: int, column: int) -> str:
    """A score 1.0–10.0 that differs from the previous iteration's, so every cell of every save changes."""
    return str(Decimal(10 + (iteration * 7 + student * 3 + column) % 91) / 10)


def save_bodies(sizes: Sizes, k: int, iteration: int) -> list[tuple[int, dict[str, Any]]]:
    """The two PUT bodies of one 45 × 8 save into class k: (semester, body)."""
    bodies = []
    for semester, cols in SAVE_PARTS:
        entries = [
            {"student_id": student_id(k, j), "column": c, "value": cell_value(iteration, j, i + 6 * (semester - 1))}
            for j in range(sizes.students)
            for i, c in enumerate(cols)
        ]
        bodies.append((semester, {"entries": entries}))
    return bodies


@dataclass
class Stack:
    service: GradebookService
    client: httpx.AsyncClient
    issuer: TokenIssuer
    database_url: str

    def teacher(self, k: int) -> dict[str, str]:
        token = self.issuer.issue(
            user_with(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{class_id(k)}:toan", username=f"gv{k}.bench")
        )
        return {"Authorization": f"Bearer {token}"}

    async def save(self, k: int, sizes: Sizes, iteration: int, headers: dict[str, str]) -> tuple[int, list[float]]:
        """One teacher's 45 × 8 save into class k: (cells changed, latency of each PUT)."""
        changed, latencies = 0, []
        for semester, body in save_bodies(sizes, k, iteration):
            started = time.perf_counter()
            r = await self.client.put(
                f"/classes/{class_id(k)}/subjects/toan/semesters/{semester}/scores", json=body, headers=headers
            )
            latencies.append(time.perf_counter() - started)
            if r.status_code != 200:
                raise RuntimeError(f"save failed: {r.status_code} {r.text[:500]}")
            changed += len(r.json()["changes"])
        return changed, latencies

    async def outbox(self) -> tuple[int, int]:
        """(unpublished outbox rows, published ScoresRecorded events)."""
        t = self.service.runtime.messaging.outbox
        async with self.service.runtime.engine.connect() as conn:
            backlog = await conn.scalar(sa.select(sa.func.count()).select_from(t).where(t.c.published_at.is_(None)))
            published = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(t)
                .where(t.c.event_type == SCORES_RECORDED, t.c.published_at.is_not(None))
            )
        return int(backlog or 0), int(published or 0)

    async def drained(self, timeout: float = 120.0) -> tuple[float, int]:
        """Wait until the relay has published every outbox row: (when, ScoresRecorded events published)."""
        deadline = time.perf_counter() + timeout
        while True:
            backlog, published = await self.outbox()
            if backlog == 0:
                return time.perf_counter(), published
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{backlog} outbox rows still unpublished")
            await asyncio.sleep(0.01)


@asynccontextmanager
async def gradebook_stack(pg_server: str, bootstrap: str, prefix: str) -> AsyncIterator[Stack]:
    """The gradebook as deployed: fresh PostgreSQL database, Kafka bus, migrations, relay and consumers running."""
    async with fresh_postgres_database(pg_server) as url:
        with tempfile.TemporaryDirectory(prefix="edu-bench-") as tmp:
            settings = GradebookSettings(
                environment="test",
                data_dir=Path(tmp),
                database_url=url,
                kafka=KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=prefix),
            )
            service = build(settings)
            issuer = TokenIssuer()
            service.runtime.verifier = issuer.verifier()
            app = create_app(service, manage_lifespan=False)
            await service.runtime.start()
            try:
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gb") as client:
                    yield Stack(service=service, client=client, issuer=issuer, database_url=url)
            finally:
                await service.runtime.stop()


# -- scenarios ---------------------------------------------------------------------------------------------


def raw_rows(sizes: Sizes, k: int, iteration: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The cells and history rows of one 45 × 8 save of class k, as the service would write them."""
    now = datetime.now(UTC)
    cells, history = [], []
    for semester, cols in SAVE_PARTS:
        for j in range(sizes.students):
            for i, c in enumerate(cols):
                value = Decimal(cell_value(iteration, j, i + 6 * (semester - 1)))
                cells.append((class_id(k), "toan", semester, student_id(k, j), c, SCHOOL, value, "raw", now))
                history.append(
                    (SCHOOL, class_id(k), "toan", semester, student_id(k, j), c, None, str(value), "entry", "raw", now)
                )
    return cells, history


RAW_UPSERT = (
    'INSERT INTO scores (class_id, subject_code, semester, student_id, "column", school_id, score, updated_by, '
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (class_id, subject_code, semester, "
    'student_id, "column") DO UPDATE SET score = EXCLUDED.score, updated_by = EXCLUDED.updated_by, '
    "updated_at = EXCLUDED.updated_at"
)
RAW_HISTORY = (
    'INSERT INTO score_history (school_id, class_id, subject_code, semester, student_id, "column", old_value, '
    "new_value, source, changed_by, changed_by_name, changed_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)"
)


async def raw_baseline(pg_server: str, sizes: Sizes) -> tuple[Outcome, Outcome]:
    """(a) asyncpg executemany of the same rows into the same two tables, one transaction per save."""
    latency = Outcome(
        "(a) raw asyncpg, one save",
        f"executemany: {sizes.cells_per_save} upserts + {sizes.cells_per_save} history rows, 1 tx",
        note="baseline for (b)",
    )
    rate = Outcome(
        "(a) raw asyncpg, sustained",
        f"{sizes.writers} connections, one class each, for {sizes.seconds:g} s",
        note="baseline for (c)",
    )
    async with fresh_postgres_database(pg_server) as url:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(orm.metadata.create_all, tables=[orm.scores, orm.score_history])
        await engine.dispose()
        pool = await asyncpg.create_pool(libpq(url), min_size=sizes.writers, max_size=sizes.writers)
        assert pool is not None

        async def save(k: int, iteration: int) -> int:
            cells, history = raw_rows(sizes, k, iteration)
            async with pool.acquire() as conn, conn.transaction():
                await conn.executemany(RAW_UPSERT, cells)
                await conn.executemany(RAW_HISTORY, history)
            return len(cells)

        try:
            for i in range(3):  # warm-up
                await save(0, i)
            for i in range(sizes.sheets):
                started = time.perf_counter()
                saved = await save(0, 3 + i)
                latency.latencies.append(time.perf_counter() - started)
                latency.cells += saved
            latency.seconds = sum(latency.latencies)

            async def writer(k: int, stop_at: float) -> None:
                iteration = 0
                while time.perf_counter() < stop_at:
                    started = time.perf_counter()
                    saved = await save(k, iteration)
                    rate.latencies.append(time.perf_counter() - started)
                    rate.cells += saved
                    iteration += 1

            started = time.perf_counter()
            await asyncio.gather(*(writer(k, started + sizes.seconds) for k in range(sizes.writers)))
            rate.seconds = time.perf_counter() - started
        finally:
            await pool.close()
    return latency, rate


async def sheet_latency(stack: Stack, sizes: Sizes) -> Outcome:
    """(b) one teacher saving 45 × 8 sheets one after the other."""
    outcome = Outcome(
        "(b) HTTP save 45×8, one teacher",
        f"{sizes.sheets} saves of 2 PUTs (Toán HK I 6 cols + HK II TX1-2), "
        f"{sizes.cells_per_save} cells, history, 2 events",
    )
    headers = stack.teacher(0)
    puts: list[float] = []
    for i in range(3):  # warm-up: pools open, topic created, producer connected
        await stack.save(0, sizes, i, headers)
    for i in range(sizes.sheets):
        changed, latencies = await stack.save(0, sizes, 3 + i, headers)
        outcome.cells += changed
        outcome.latencies.append(sum(latencies))
        puts.append(latencies[0])
    outcome.seconds = sum(outcome.latencies)
    outcome.note = f"one 45×6 PUT: p50 {statistics.median(puts) * 1000:.0f} ms"
    await stack.drained()
    return outcome


async def sustained(stack: Stack, sizes: Sizes, raw_rate: float) -> Outcome:
    """(c) `writers` teachers saving for `seconds`; the clock stops when the last event is on Kafka."""
    outcome = Outcome(
        "(c) HTTP saves, sustained, → Kafka",
        f"{sizes.writers} teachers (one class each) saving 45×8 for {sizes.seconds:g} s; until relayed",
        target="≥ 5,000 cells/s and ≥ 25 % of (a)",
    )
    _, published_before = await stack.outbox()
    saves = 0

    async def writer(k: int, stop_at: float) -> None:
        nonlocal saves
        headers = stack.teacher(k)
        iteration = 1_000  # different values from (b)'s
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            changed, _ = await stack.save(k, sizes, iteration, headers)
            outcome.latencies.append(time.perf_counter() - started)
            outcome.cells += changed
            saves += 1
            iteration += 1

    started = time.perf_counter()
    await asyncio.gather(*(writer(k, started + sizes.seconds) for k in range(sizes.writers)))
    written = time.perf_counter() - started
    relayed_at, published = await stack.drained()
    outcome.seconds = relayed_at - started
    events = published - published_before
    ratio = outcome.rate / raw_rate if raw_rate else 0.0
    outcome.target_ok = outcome.rate >= 5_000 and ratio >= 0.25
    outcome.note = (
        f"{ratio:.0%} of (a); {events}/{saves * len(SAVE_PARTS)} events on Kafka; "
        f"writes done at {written:.1f} s, relayed at {outcome.seconds:.1f} s"
    )
    return outcome


def school_rows(sizes: Sizes, now: datetime) -> list[tuple[Any, ...]]:
    """Every cell of every subject, both semesters; one rating in 200 is CĐ.

    Each student has a usual score (uniform 6.0–9.8) and each cell scatters around it (σ 0.9): the year
    learning results then come out roughly as in a real THCS school, mostly Khá and Tốt, some Đạt, a few
    Chưa đạt (the bench prints the split; the one-subject adjustment is tried only below Khá).
    """
    rng = random.Random(22)
    rows = []
    for k in range(sizes.classes):
        for j in range(sizes.students):
            level = rng.uniform(6.0, 9.8)  # the student's usual score
            for subject in SUBJECTS:
                for semester in (1, 2):
                    for c in columns(subject.periods_per_year):
                        if subject.assessment == "scored":
                            score = Decimal(round(min(10.0, max(0.0, rng.gauss(level, 0.9))), 1)).quantize(
                                Decimal("0.1")
                            )
                            rating = None
                        else:
                            score, rating = None, ("Đ" if rng.random() < 0.995 else "CĐ")
                        rows.append(
                            (class_id(k), subject.code, semester, student_id(k, j), c, SCHOOL, score, rating, "b", now)
                        )
    return rows


async def recompute(stack: Stack, sizes: Sizes) -> tuple[Outcome, Outcome]:
    """(d) class_results for every class of a school full of scores, and the raw read of those scores."""
    rows = school_rows(sizes, datetime.now(UTC))
    conn = await asyncpg.connect(libpq(stack.database_url))
    try:
        await conn.execute("TRUNCATE scores")
        await conn.copy_records_to_table(
            "scores",
            records=rows,
            columns=[
                "class_id",
                "subject_code",
                "semester",
                "student_id",
                "column",
                "school_id",
                "score",
                "rating",
                "updated_by",
                "updated_at",
            ],
        )
        await conn.execute("ANALYZE scores")
        floor = Outcome(
            "(d) raw SELECT of the school's cells",
            f"asyncpg, one query per class, {len(rows):,} cells as rows",
            note="floor for (d): the cells alone, no results",
        )
        for _ in range(sizes.recompute_runs):
            started = time.perf_counter()
            fetched = [
                row
                for k in range(sizes.classes)
                for row in await conn.fetch(
                    'SELECT student_id, subject_code, semester, "column", score, rating FROM scores '
                    "WHERE class_id = $1",
                    class_id(k),
                )
            ]
            floor.latencies.append(time.perf_counter() - started)
        floor.cells = len(fetched)
        floor.seconds = statistics.median(floor.latencies)
    finally:
        await conn.close()

    principal = user_with(Role.PRINCIPAL, ScopeType.SCHOOL, SCHOOL, username="ht.bench")
    caller = handlers.Caller(user=principal, resolver=stack.service.resolver)
    students = sizes.classes * sizes.students
    outcome = Outcome(
        f"(d) recompute a school of {students:,}",
        f"class_results × {sizes.classes} classes, {len(SUBJECTS)} subjects × 2 semesters, {len(rows):,} cells",
        target="< 1 s",
    )
    await handlers.class_results(stack.service.uow(), caller=caller, class_id=class_id(0))  # warm-up
    totals = []
    for _ in range(sizes.recompute_runs):
        started = time.perf_counter()
        results = [
            await handlers.class_results(stack.service.uow(), caller=caller, class_id=class_id(k))
            for k in range(sizes.classes)
        ]
        totals.append(time.perf_counter() - started)
        years = [s.learning["year"] for r in results for s in r.students]
        if any(y is None for y in years):
            raise RuntimeError(f"{sum(y is None for y in years)} of {students} students have no year learning result")
    split = Counter(y.level.label for y in years if y is not None)
    outcome.cells = len(rows)
    outcome.seconds = statistics.median(totals)
    outcome.latencies = totals
    outcome.target_ok = outcome.seconds < 1.0
    outcome.note = f"median of {len(totals)} runs (p50/p99: whole-school runs); year: " + ", ".join(
        f"{label} {n / students:.0%}" for label, n in split.most_common()
    )
    return outcome, floor


# -- report ------------------------------------------------------------------------------------------------


def table(outcomes: Sequence[Outcome]) -> str:
    headers = ["scenario", "load", "cells", "cells/s", "p50 ms", "p99 ms", "target", "met", "note"]
    rows = []
    for o in outcomes:
        met = "" if o.target_ok is None else ("yes" if o.target_ok else "NO")
        rows.append(
            [
                o.scenario,
                o.setup,
                f"{o.cells:,}",
                f"{o.rate:,.0f}",
                f"{o.quantile(0.5) * 1000:,.0f}",
                f"{o.quantile(0.99) * 1000:,.0f}",
                o.target,
                met,
                o.note,
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classes", type=int, default=45, help="classes of the school in (d)")
    parser.add_argument("--students", type=int, default=45, help="students per class (the sheet's rows)")
    parser.add_argument("--sheets", type=int, default=200, help="saves measured one at a time in (a) and (b)")
    parser.add_argument("--writers", type=int, default=8, help="concurrent teachers / connections in (a) and (c)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the sustained runs")
    parser.add_argument("--recompute-runs", type=int, default=3, help="whole-school recomputes in (d)")
    args = parser.parse_args(argv)
    sizes = Sizes(
        classes=max(args.classes, args.writers),
        students=args.students,
        sheets=args.sheets,
        writers=args.writers,
        seconds=args.seconds,
        recompute_runs=args.recompute_runs,
    )
    logging.basicConfig(level=logging.ERROR)
    load_server_env()
    bootstrap = os.environ.get("EDU_TEST_KAFKA_BOOTSTRAP")
    pg_server = os.environ.get("EDU_TEST_POSTGRES_URL")
    if not bootstrap or not pg_server:
        print("Kafka/PostgreSQL not configured: run `bash scripts/servers.sh up`", file=sys.stderr)
        return 2

    started = time.time()
    cpu_start = time.process_time()
    # Other work on the machine (the broker, PostgreSQL, anything else) shares the CPUs: printed beside the figures.
    load_start = os.getloadavg()[0]
    print("running (a) raw asyncpg …", file=sys.stderr, flush=True)
    raw_latency, raw_rate = await raw_baseline(pg_server, sizes)
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    try:
        async with gradebook_stack(pg_server, bootstrap, prefix) as stack:
            print(f"seeding {sizes.classes} classes × {sizes.students} students …", file=sys.stderr, flush=True)
            await seed_school(stack.service, sizes)
            print("running (b) one teacher's saves …", file=sys.stderr, flush=True)
            latency = await sheet_latency(stack, sizes)
            print("running (c) sustained saves …", file=sys.stderr, flush=True)
            rate = await sustained(stack, sizes, raw_rate.rate)
            print("running (d) school recompute …", file=sys.stderr, flush=True)
            school, floor = await recompute(stack, sizes)
    finally:
        await drop_topics(bootstrap, prefix=prefix)
    load_end = os.getloadavg()[0]
    print()
    print(
        f"Gradebook benchmark: {sizes.students} students per class; PostgreSQL + Kafka; "
        f"{os.cpu_count()} CPUs, load average {load_start:.1f} → {load_end:.1f}; "
        f"bench process CPU {time.process_time() - cpu_start:.0f} s of {time.time() - started:.0f} s"
    )
    print(table([raw_latency, latency, raw_rate, rate, floor, school]))
    return 0 if all(o.cells for o in (raw_latency, latency, raw_rate, rate, school)) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
