"""Benchmark of the reporting service: dashboard queries on the projections against a direct GROUP BY over the
raw score rows, projection catch-up, and a full replay — on a generated province in PostgreSQL.

    uv run python bench/reporting.py [--schools N] [--students N] [--seed S] [--queries N]

Method. `edu_shared.testing.province` generates a province (`--schools`, `--students`, realistic score
distributions, corrections, attendance, approved results). Its events are appended to an embedded bus log (the
same durable log `edu up` uses; not measured). The reporting service is built by `reporting.bootstrap.build` on a
fresh PostgreSQL database (the server `scripts/servers.sh up` starts, var/servers/env.sh), then:
  (a) catch-up: the service's live consumers start on the log and apply it until the `/projections` lag is 0:
      events/s over the whole log (embedded bus → inbox-guarded `handle_batch` runs → PostgreSQL aggregates);
  (b) full replay: `ReportingService.replay()` empties the projections and rebuilds them from the log: seconds
      and events/s;
  (c) dashboard queries, each `--queries` times through the HTTP API (httpx + ASGITransport, real ES256 tokens,
      REPORT_READ scope checks): the province's Toán score distribution, one commune's, the start-of-year
      statistics, the THCS quality report, rating rates by subject and one commune's entry progress;
  (d) the baseline, in the same run and on the same database: the two score distributions computed by one
      `SELECT floor(value*2)/2, count(*) … GROUP BY` straight over the raw score rows (`rp_score_cells` joined
      to the classes), what a report would cost without the incremental aggregates; beside it the same two
      distributions read from the aggregates by one SQL query each (like for like: no HTTP, no scope check).
      The ratio column compares p95s: baseline / aggregate query, and baseline / whole HTTP report.
Latencies are wall clock around each call after one warm-up call; p50 and p95 are printed. The benchmark reports;
it never asserts on timing. Figures depend on the machine: see docs/performance.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/reporting.py`, this folder is first on sys.path and this file's name would hide the
# `reporting` package: drop the folder before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from edu_shared.auth.principal import Role, ScopeType  # noqa: E402
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings  # noqa: E402
from edu_shared.testing.province import ProvinceSpec, province_events  # noqa: E402
from edu_shared.testing.servers import fresh_postgres_database  # noqa: E402
from edu_shared.testing.tokens import TokenIssuer, user_with  # noqa: E402
from reporting.adapters import orm  # noqa: E402
from reporting.bootstrap import build, create_app  # noqa: E402
from reporting.config import ReportingSettings  # noqa: E402
from reporting.testing import envelopes, publish_to_bus  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ENV_FILE = REPO / "var" / "servers" / "env.sh"


def load_server_env() -> None:
    """Read var/servers/env.sh (written by scripts/servers.sh up) unless the variables are already set."""
    if not ENV_FILE.exists():
        return
    for line in ENV_FILE.read_text().splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            os.environ.setdefault(name.strip(), value.strip().strip("'\""))


def quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def timed(call: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    await call()  # warm-up: plans cached, pools open
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def run(args: argparse.Namespace) -> list[tuple[str, str, str, str]]:
    spec = ProvinceSpec(schools=args.schools, students=args.students, seed=args.seed)
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        bus = EmbeddedBus(EmbeddedBusSettings(path=Path(tmp) / "bus.db", partitions=6))
        await bus.start()
        started = time.perf_counter()
        events = await publish_to_bus(bus, envelopes(province_events(spec)))
        print(f"generated and logged {events} events in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        async with fresh_postgres_database(os.environ["EDU_TEST_POSTGRES_URL"]) as url:
            service = build(ReportingSettings(data_dir=Path(tmp), database_url=url), bus=bus)
            issuer = TokenIssuer()
            service.runtime.verifier = issuer.verifier()
            app = create_app(service, manage_lifespan=False)
            await service.runtime.migrate()
            # (a) catch-up through the live consumers
            started = time.perf_counter()
            await service.runtime.start()
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rp") as client:
                while True:
                    lag = (await client.get("/projections")).json()["topics"]
                    if all(t["events_behind"] == 0 for t in lag):
                        break
                    if time.perf_counter() - started > args.catch_up_limit:
                        raise SystemExit(f"projections still behind after {args.catch_up_limit} s: {lag}")
                    await asyncio.sleep(0.5)
                catch_up = time.perf_counter() - started
                await service.runtime.stop()
                rows.append(
                    (
                        "catch-up (live consumers, embedded log → PG)",
                        f"{events / catch_up:,.0f} events/s",
                        f"{catch_up:.1f} s",
                        "",
                    )
                )
                # (b) full replay
                service = build(ReportingSettings(data_dir=Path(tmp), database_url=url), bus=bus)
                service.runtime.verifier = issuer.verifier()
                app = create_app(service, manage_lifespan=False)
                result = await service.replay()
                rows.append(
                    (
                        "full replay (clear + rebuild)",
                        f"{result.events_per_second:,.0f} events/s",
                        f"{result.seconds:.1f} s",
                        "",
                    )
                )
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rp") as client:
                rows += await dashboards(client, issuer, service, spec, args.queries)
            async with service.runtime.engine.connect() as conn:
                cells = await conn.scalar(sa.select(sa.func.count()).select_from(orm.score_cells))
            print(f"{cells:,} raw score rows; {events:,} events", file=sys.stderr)
            await service.runtime.engine.dispose()
        await bus.close()
    return rows


async def dashboards(
    client: httpx.AsyncClient, issuer: TokenIssuer, service: Any, spec: ProvinceSpec, runs: int
) -> list[tuple[str, str, str, str]]:
    so = {"Authorization": f"Bearer {issuer.issue(user_with(Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, 'province'))}"}
    unit = {"Authorization": f"Bearer {issuer.issue(user_with(Role.UNIT_ADMIN, ScopeType.ORG_UNIT, 'xa-0000'))}"}
    year = spec.school_year

    def get(path: str, headers: dict[str, str], **params: Any) -> Callable[[], Awaitable[Any]]:
        async def call() -> None:
            r = await client.get(path, headers=headers, params={"school_year": year, **params})
            assert r.status_code == 200, r.text

        return call

    queries = [
        ("province: Toán score distribution", get("/reports/scores", so, subject_code="toan", semester=1)),
        (
            "commune: Toán score distribution",
            get("/reports/scores", unit, subject_code="toan", semester=1, org_unit_id="xa-0000"),
        ),
        ("province: start-of-year statistics", get("/reports/enrolment", so)),
        ("province: THCS quality", get("/reports/quality", so, level="thcs")),
        ("province: rating rates by subject", get("/reports/ratings", so, group="subject")),
        ("commune: entry progress", get("/reports/progress", unit, org_unit_id="xa-0000", semester=1)),
    ]
    rows = []
    measured: dict[str, list[float]] = {}
    for label, call in queries:
        samples = await timed(call, runs)
        measured[label] = samples
        rows.append((label, f"p50 {statistics.median(samples):.1f} ms", f"p95 {quantile(samples, 0.95):.1f} ms", ""))
    # The same two distributions read straight from the aggregates, one SQL query each (no HTTP, no scope
    # check): the like-for-like side of the baseline.
    hist, province_hist, schools = orm.score_hist, orm.score_hist_province, orm.schools
    in_commune = sa.select(schools.c.id).where(schools.c.org_unit_id == "xa-0000")
    aggregate_province = (
        sa.select(province_hist.c.bucket, sa.func.sum(province_hist.c.n))
        .where(
            province_hist.c.school_year == year, province_hist.c.subject_code == "toan", province_hist.c.semester == 1
        )
        .group_by(province_hist.c.bucket)
    )
    aggregate_commune = (
        sa.select(hist.c.bucket, sa.func.sum(hist.c.n))
        .where(
            hist.c.school_year == year,
            hist.c.subject_code == "toan",
            hist.c.semester == 1,
            hist.c.school_id.in_(in_commune),
        )
        .group_by(hist.c.bucket)
    )
    # (d) baseline: GROUP BY over the raw score rows, same filters, same database.
    cells, classes = orm.score_cells, orm.classes
    bucket = (sa.func.floor(cells.c.value * 2) / 2).label("bucket")
    base = (
        sa.select(bucket, sa.func.count())
        .select_from(cells.join(classes, classes.c.id == cells.c.class_id))
        .where(classes.c.school_year == year, cells.c.subject_code == "toan", cells.c.semester == 1)
        .group_by(bucket)
    )
    raw_commune = base.where(classes.c.school_id.in_(in_commune))
    for label, query in (
        ("aggregates, SQL only: province distribution", aggregate_province),
        ("aggregates, SQL only: commune distribution", aggregate_commune),
        ("baseline GROUP BY raw rows: province distribution", base),
        ("baseline GROUP BY raw rows: commune distribution", raw_commune),
    ):

        async def call(query: Any = query) -> None:
            async with service.runtime.engine.connect() as conn:
                (await conn.execute(query)).all()

        samples = await timed(call, runs)
        measured[label] = samples
        note = ""
        if label.startswith("baseline"):
            scope = label.rsplit(": ", 1)[1]
            mine = quantile(samples, 0.95)
            sql = quantile(measured[f"aggregates, SQL only: {scope}"], 0.95)
            http = quantile(measured[f"{scope.split()[0]}: Toán score distribution"], 0.95)
            note = f"{mine / max(sql, 1e-6):.0f}× the aggregate query, {mine / max(http, 1e-6):.1f}× the HTTP report"
        rows.append((label, f"p50 {statistics.median(samples):.1f} ms", f"p95 {quantile(samples, 0.95):.1f} ms", note))
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=40, help="timed calls per dashboard query")
    parser.add_argument("--catch-up-limit", type=float, default=3600, help="give up on catch-up after S seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    load_server_env()
    if "EDU_TEST_POSTGRES_URL" not in os.environ:
        print("PostgreSQL is not running: `bash scripts/servers.sh up` first", file=sys.stderr)
        return 2
    rows = asyncio.run(run(args))
    print(
        f"\nReporting on a generated province: {args.schools} schools, {args.students:,} students (seed {args.seed})\n"
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'rate / p50':>18}  {'time / p95':>14}  vs")
    for label, a, b, c in rows:
        print(f"{label:<{width}}  {a:>18}  {b:>14}  {c}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
