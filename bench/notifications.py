"""Benchmark of the parent contact book: events in, SMS out, through the notifications service's real stack.

    uv run python bench/notifications.py [--parents N] [--postgres]

Prints one table with, side by side and from the same run:
  (a) the baseline: the same number of requests sent straight to the SMS-brandname provider (a real local HTTP
      server in its own process implementing the provider's JSON API, `notifications.testing.BrandnameProvider`)
      with the adapter's own httpx client and concurrency: the gateway's ceiling, which the full path cannot beat;
  (b) the service alone: one `AttendanceRecorded` event per student (an absence each) through the service's
      `idempotent_handler` consumer in runs of 100 events, as the bus adapters hand them over (inbox, contact
      book lookup, consent, preferences, template, SMS preparation, budget, idempotency key, message row,
      `MessageQueued` in the outbox), then the dispatcher (claim, rate limiter, `BrandnameSms` over HTTP,
      outcome, `MessageSent`) until every message has reached the gateway; here the gateway behind the adapter port
      takes each message at once (no network), so the figure is the service's own: events → gateway adapters;
      messages/s is parents reached over the whole time, first event to last gateway answer;
  (c) the same with the real `BrandnameSms` adapter and the HTTP provider of (a): what a school gets end to end;
  (d) the share of score SMS (immediate scores and daily digests, one to four new scores, every subject of the
      THCS curriculum) that fit one GSM-7 segment for every student of the demo school
      (`edurecords.demo_people`), and the same for absences (target: 100 %).

The service runs on SQLite by default (the embedded mode) or on a fresh PostgreSQL database (`--postgres`, the
server `scripts/servers.sh up` starts). The provider's rate limit is raised for the run (the default, 50 messages
a second, is a provider's contract, not the service's speed). The benchmark reports; it never asserts on timing.
Figures depend on the machine: see docs/performance.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/notifications.py`, this folder is first on sys.path and this file's name would hide the
# `notifications` package: drop the folder before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import AsyncIterator, Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, date, datetime  # noqa: E402

import httpx  # noqa: E402

from edu_shared.contracts.gradebook_records import AttendanceChange, AttendanceRecorded  # noqa: E402
from edu_shared.db.uow import IdempotentHandler  # noqa: E402
from edu_shared.events.envelope import CloudEvent, new_event  # noqa: E402
from edu_shared.testing.processes import free_port, wait_for_http  # noqa: E402
from edu_shared.testing.servers import fresh_postgres_database  # noqa: E402
from edurecords.demo_people import demo_students  # noqa: E402
from notifications.adapters.channels import BrandnameSms, Outgoing  # noqa: E402
from notifications.bootstrap import build_gateways  # noqa: E402
from notifications.config import BrandnameSettings  # noqa: E402
from notifications.domain.sms import prepare_sms  # noqa: E402
from notifications.domain.templates import Kind, fit_lines, render, short_school_name  # noqa: E402
from notifications.entrypoints.triggers_consumer import TriggerHandler  # noqa: E402
from notifications.testing import (  # noqa: E402
    C6A1,
    SCHOOL,
    Family,
    World,
    identity_events,
    running_notifications,
    settings_for,
)

RUN = 100  # events per consumer run (what a bus adapter hands `handle_batch`)
CONCURRENCY = 64  # requests in flight, the dispatcher's default
SCHOOL_NAME = "Trường THCS Hòa Lạc"
SUBJECTS = (
    "Toán", "Ngữ văn", "Ngoại ngữ 1", "Giáo dục công dân", "Lịch sử và Địa lí", "Khoa học tự nhiên", "Công nghệ",
    "Tin học",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    label: str
    messages: int
    seconds: float
    cpu_seconds: float  # this process's CPU time: the machine's other load does not inflate it
    note: str = ""

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        return self.messages / self.cpu_seconds if self.cpu_seconds else 0.0


class AcceptingGateway:
    """The adapter port's other side with no network: takes every message at once (measures the service alone)."""

    channel = "sms"
    rate = 1_000_000.0
    burst = 1_000_000.0

    def __init__(self) -> None:
        self.taken = 0

    async def send(self, message: Outgoing) -> str | None:
        self.taken += 1
        return message.message_id

    async def close(self) -> None:
        return None


def families(n: int) -> list[Family]:
    return [
        Family(f"st-{i}", ("Phạm", "Văn", f"Học{i}"), f"g-{i}", f"Phạm Văn Cha{i}", phone=f"09{i:08d}")
        for i in range(n)
    ]


def absences(fams: Sequence[Family]) -> list[CloudEvent]:
    recorded = datetime(2025, 11, 5, 1, tzinfo=UTC)
    return [
        new_event(
            AttendanceRecorded(
                school_id=SCHOOL, class_id=C6A1, class_name="6A1", school_year="2025-2026", semester=1,
                date=date(2025, 11, 5), session="sang", recorded_by="giamthi", recorded_at=recorded,
                changes=[
                    AttendanceChange(
                        student_id=f.student_id, student_name=" ".join(f.student), old_status="present",
                        new_status="unexcused",
                    )
                ],
            ),
            source="/gradebook",
            partition_key=SCHOOL,
        )
        for f in fams
    ]  # fmt: skip


async def feed(world: World, events: Sequence[CloudEvent], *, topic: str) -> None:
    """Hand events to every consumer in runs, as the bus adapters do."""
    for sub in world.service.runtime.subscriptions:
        handler = sub.handler
        assert isinstance(handler, IdempotentHandler | TriggerHandler)
        for i in range(0, len(events), RUN):
            await handler.handle_batch(events[i : i + RUN], topic=topic)


async def baseline(settings: BrandnameSettings, n: int) -> Row:
    """(a) The provider's ceiling: n sends through the adapter, `CONCURRENCY` in flight, nothing else."""
    gateway = BrandnameSms(settings)
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with semaphore:
            await gateway.send(Outgoing(f"base-{i}", "absence", f"09{i:08d}", "t", "b", sms_text="Xin chao"))

    await gateway.send(Outgoing("warm", "absence", "0900000000", "t", "b", sms_text="Xin chao"))
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(i) for i in range(n)))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    await gateway.close()
    return Row("(a) baseline: adapter → HTTP provider, no service", n, seconds, cpu)


async def full_path(
    tmp: Path, database_url: str | None, settings: BrandnameSettings, provider_url: str | None, n: int
) -> Row:
    """Events → consumer → message table → dispatcher → gateway, for n parents: the HTTP provider at
    `provider_url`, or (None) the adapter port with a gateway that takes every message at once."""
    fams = families(n)
    seed = [new_event(p, source="/identity", partition_key=SCHOOL) for p in identity_events(fams, accounts=False)]
    config = settings_for(tmp, database_url, brandname=settings, dispatch_batch=500)
    accepting = AcceptingGateway()
    gateways = build_gateways(config) if provider_url else {"sms": accepting}
    async with running_notifications(tmp, database_url, settings=config, gateways=gateways, seed=[]) as w:
        await feed(w, seed, topic="edu.identity")
        events = absences(fams)
        before = await received(provider_url) if provider_url else 0
        started, cpu = time.perf_counter(), time.process_time()
        await feed(w, events, topic="edu.gradebook")
        queued_at = time.perf_counter()
        stats = await w.service.dispatcher.drain()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        reached = (await received(provider_url) - before) if provider_url else accepting.taken
    backend = "PostgreSQL" if database_url else "SQLite"
    queue_s = queued_at - started
    note = f"{backend}; queue {queue_s:.1f} s, send {seconds - queue_s:.1f} s; {stats.sent} sent"
    label = "(c) events → service → HTTP provider" if provider_url else "(b) events → service → adapter port"
    return Row(f"{label} ({backend})", reached, seconds, cpu, note)


def segment_share() -> list[tuple[str, int, int]]:
    """(d) For each template, (label, fitting one segment, total) over the demo school's students."""
    base = {"school": SCHOOL_NAME, "school_short": short_school_name(SCHOOL_NAME)}
    students = [(s.profile.name.full, s.class_name) for s in demo_students()]
    cells = ["TX1 8,5", "TX2 10", "GK 7,5", "CK 9,25"]
    out: list[tuple[str, int, int]] = []
    for kind in (Kind.SCORES, Kind.SCORES_DIGEST):
        fit = total = 0
        for name, class_name in students:
            for subject in SUBJECTS:
                for k in range(1, len(cells) + 1):
                    values = {**base, "student": name, "class_name": class_name, "subject": subject, "date": "05/11"}
                    lines = cells[:k] if kind == Kind.SCORES else [f"{subject} {c}" for c in cells[:k]]
                    values["lines"] = fit_lines(kind, {**values, "lines": ""}, lines)
                    total += 1
                    fit += prepare_sms(render(kind, values).sms).segments == 1
        out.append((f"{kind.value} SMS", fit, total))
    fit = total = 0
    for name, class_name in students:
        for status in ("vắng có phép", "vắng không phép", "đi muộn"):
            values = {**base, "student": name, "class_name": class_name, "status": status, "session": "chiều",
                      "date": "05/11", "period": ", tiết 10"}  # fmt: skip
            total += 1
            fit += prepare_sms(render(Kind.ABSENCE, values).sms).segments == 1
    out.append(("absence SMS", fit, total))
    return out


PROVIDER_CODE = (
    "import sys, uvicorn; from notifications.testing import BrandnameProvider; "
    "uvicorn.run(BrandnameProvider().app(), host='127.0.0.1', port=int(sys.argv[1]), log_level='warning', "
    "access_log=False)"
)


async def received(base_url: str) -> int:
    async with httpx.AsyncClient() as client:
        return int((await client.get(f"{base_url}/_received")).json()["messages"])


@contextlib.asynccontextmanager
async def provider() -> AsyncIterator[tuple[BrandnameSettings, str]]:
    """The provider in a process of its own (its own CPU time, as a real provider would be)."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", PROVIDER_CODE, str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_for_http(f"{base}/_received")
        yield (
            BrandnameSettings(
                url=f"{base}/MainService.svc/json/SendMultipleMessage_V4_post_json/", api_key="key",
                secret_key="secret", brandname="THCSHOALAC", rate_per_s=1_000_000, burst=1_000_000,
            ),
            base,
        )  # fmt: skip
    finally:
        process.terminate()
        process.wait(timeout=10)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parents", type=int, default=5000, help="parents reached in (a) and (b)")
    parser.add_argument("--postgres", action="store_true", help="run (b) on PostgreSQL too (EDU_TEST_POSTGRES_URL)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("edurecords.access").setLevel(logging.ERROR)
    started, cpu_start = time.time(), time.process_time()
    load_start = os.getloadavg()[0]
    rows: list[Row] = []
    async with provider() as (bn, provider_url):
        print("running (a) baseline …", file=sys.stderr, flush=True)
        rows.append(await baseline(bn, args.parents))
        databases: list[str | None] = [None]
        if args.postgres:
            server = os.environ.get("EDU_TEST_POSTGRES_URL")
            if not server:
                print("EDU_TEST_POSTGRES_URL not set: source var/servers/env.sh", file=sys.stderr)
                return 2
            databases.append(server)
        for target in (None, provider_url):
            for server in databases:
                print(
                    f"running {'(c)' if target else '(b)'} on {server and 'PostgreSQL' or 'SQLite'} …", file=sys.stderr
                )
                with tempfile.TemporaryDirectory() as tmp:
                    if server is None:
                        rows.append(await full_path(Path(tmp), None, bn, target, args.parents))
                        continue
                    async with fresh_postgres_database(server) as url:
                        rows.append(await full_path(Path(tmp), url, bn, target, args.parents))
    shares = segment_share()
    load_end = os.getloadavg()[0]
    print()
    print(
        f"Notifications benchmark: {args.parents} parents, one absence SMS each; {os.cpu_count()} CPUs, load average "
        f"{load_start:.1f} → {load_end:.1f}; bench process CPU {time.process_time() - cpu_start:.0f} s of "
        f"{time.time() - started:.0f} s"
    )
    head = f"| {'scenario':<56} | {'messages':>8} | {'seconds':>7} | {'messages/s':>10} | {'CPU s':>6} "
    print(head + f"| {'msg/CPU s':>9} | note")
    print(f"|{'-' * 58}|{'-' * 9}:|{'-' * 8}:|{'-' * 11}:|{'-' * 7}:|{'-' * 10}:|------")
    for r in rows:
        print(
            f"| {r.label:<56} | {r.messages:>8} | {r.seconds:>7.2f} | {r.rate:>10,.0f} | {r.cpu_seconds:>6.2f} "
            f"| {r.cpu_rate:>9,.0f} | {r.note}"
        )
    print()
    print(f"| {'(d) one GSM-7 segment, demo school':<56} | {'fit':>8} | {'of':>7} | {'share':>10} |")
    print(f"|{'-' * 58}|{'-' * 9}:|{'-' * 8}:|{'-' * 11}:|")
    for label, fit, total in shares:
        print(f"| {label:<56} | {fit:>8} | {total:>7} | {100 * fit / total:>9.1f} % |")
    complete = all(r.messages == args.parents for r in rows)
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
