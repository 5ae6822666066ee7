"""Benchmark of sign-in and of access-token verification.

    uv run python bench/identity.py [--logins N] [--verifications N] [--import-students N] [--postgres]

Prints two tables from the same run:

  (1) Sign-in latency: `POST /auth/login` through the identity app (in-process ASGI, a real database: SQLite,
      and PostgreSQL with --postgres), one request at a time and 16 in flight, for
        - the chosen argon2id parameters (IdentitySettings defaults: m=19 MiB, t=2, p=1),
        - argon2-cffi's library defaults (RFC 9106 low-memory profile: m=64 MiB, t=3, p=4), the baseline,
        - a plain SHA-256 "hash" as the floor: everything a sign-in does except the password KDF.
      Each successful sign-in also writes its audit row and a refresh token and signs an ES256 access token.
      A raw `PasswordHasher.verify` row per parameter set isolates the KDF.
  (2) Token verification in another service, µs per request: `TokenVerifier.verify` (the shared library, JWKS
      cached, claims validated into CurrentUserClaims) against a bare `jwt.decode` with the same ES256 key.
  (3) Bulk import of 2,000 students (each with a class and a parent) from one .xlsx through
      `POST /schools/{id}/imports/students`: the dry run (read and validate only) and the real import (one
      transaction: rows, audit entries, outbox events), on SQLite and on PostgreSQL when EDU_TEST_POSTGRES_URL is
      set (or --postgres); beside the baseline of the raw repository batch inserts of the same rows (no
      validation, no audit, no events). `--import-students 0` skips it.

The benchmark reports; it never asserts on timing. Figures depend on the machine: see docs/performance.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/identity.py`, this folder is first on sys.path and this file's name would hide the
# `identity` package: drop the folder before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import hashlib  # noqa: E402
import hmac  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import AsyncIterator, Awaitable, Callable  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import date, timedelta  # noqa: E402

import httpx  # noqa: E402
import jwt  # noqa: E402

from edu_shared.auth.principal import CurrentUserClaims, Role, RoleGrant, ScopeType  # noqa: E402
from edu_shared.auth.verify import AUDIENCE, ISSUER, TokenVerifier  # noqa: E402
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings  # noqa: E402
from edu_shared.contracts.identity import OrgUnitKind, SchoolLevel  # noqa: E402
from edu_shared.contracts.identity_accounts import PersonKind  # noqa: E402
from edu_shared.testing.servers import fresh_postgres_database  # noqa: E402
from identity.adapters.people_repo import NewEnrollment  # noqa: E402
from identity.adapters.spreadsheets import XLSX_MEDIA_TYPE, read_table, write_xlsx  # noqa: E402
from identity.bootstrap import IdentityService, build, create_app  # noqa: E402
from identity.config import IdentitySettings  # noqa: E402
from identity.domain.accounts import PasswordHashing  # noqa: E402
from identity.domain.imports import STUDENT_SHEET, StudentRow, check_student_rows  # noqa: E402
from identity.domain.people import Guardian, Student  # noqa: E402
from identity.service_layer import accounts, handlers  # noqa: E402
from identity.service_layer import structure as structure_handlers  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ENV_FILE = REPO / "var" / "servers" / "env.sh"
PASSWORD = "Sông-Hồng mùa thu 2026"
CONCURRENCY = 16


class Sha256Floor(PasswordHashing):
    """Not a password hash (no salt stretching): the cost of a sign-in without the KDF, for comparison only."""

    def __init__(self) -> None:
        pass

    def hash(self, password: str) -> str:
        return "sha256$" + hashlib.sha256(password.encode()).hexdigest()

    def verify(self, stored: str | None, password: str) -> bool:
        return stored is not None and hmac.compare_digest(stored, self.hash(password))

    def needs_rehash(self, stored: str) -> bool:
        return False


@dataclass(frozen=True)
class Hasher:
    label: str
    make: Callable[[], PasswordHashing]


HASHERS = (
    Hasher("argon2id m=19MiB t=2 p=1 (chosen)", lambda: PasswordHashing(time_cost=2, memory_kib=19_456, parallelism=1)),
    Hasher(
        "argon2id m=64MiB t=3 p=4 (lib default)", lambda: PasswordHashing(time_cost=3, memory_kib=65_536, parallelism=4)
    ),
    Hasher("sha256 (floor, not for use)", Sha256Floor),
)


@dataclass
class Row:
    scenario: str
    setup: str
    latencies_s: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def cells(self) -> list[str]:
        lat = sorted(self.latencies_s)
        n = len(lat)
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(n - 1, int(n * 0.99))] * 1000
        rate = n / self.seconds if self.seconds else 0.0
        return [self.scenario, self.setup, str(n), f"{p50:.2f}", f"{p99:.2f}", f"{rate:,.0f}"]


def load_server_env() -> None:
    if not ENV_FILE.exists():
        return
    for line in ENV_FILE.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line.removeprefix("export ").split("=", 1)
            os.environ.setdefault(name.strip(), value.strip().strip("'\""))


@asynccontextmanager
async def identity(
    data_dir: Path, database_url: str | None
) -> AsyncIterator[tuple[IdentityService, httpx.AsyncClient]]:
    bus = EmbeddedBus(EmbeddedBusSettings(path=data_dir / "bus.db"))
    service = build(IdentitySettings(data_dir=data_dir, database_url=database_url, environment="test"), bus=bus)
    await bus.start()
    await service.runtime.start()
    app = create_app(service, manage_lifespan=False)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://identity") as client:
            yield service, client
    finally:
        await service.runtime.stop()
        await bus.close()


async def seed_teachers(service: IdentityService, count: int) -> list[str]:
    """`count` teacher accounts at one school, with PASSWORD and nothing left to do at sign-in."""
    so = await handlers.register_org_unit(
        handlers.RegisterOrgUnit(code="so-bench", name="Sở", kind=OrgUnitKind.DEPARTMENT, parent_id=None, actor="b"),
        service.uow(),
    )
    school = await handlers.register_school(
        handlers.RegisterSchool(
            org_unit_id=so.id, moet_code="thcsbench", name="THCS", levels=(SchoolLevel.LOWER_SECONDARY,), actor="b"
        ),
        service.uow(),
    )
    names = []
    for i in range(count):
        created = await accounts.create_account(
            accounts.CreateAccount(
                person_kind=PersonKind.STAFF,
                display_name=f"Nguyễn Văn An{i}",
                actor="b",
                school_id=school.id,
                password=PASSWORD,
                must_change_password=False,
            ),
            service.uow(),
            service.auth,
        )
        names.append(created.account.username)
    return names


async def timed(calls: list[Callable[[], Awaitable[None]]], *, concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def one(call: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            started = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one(c) for c in calls))
    return latencies, time.perf_counter() - started


@asynccontextmanager
async def database_url(postgres_server: str | None) -> AsyncIterator[str | None]:
    """None (a SQLite file), or a fresh PostgreSQL database dropped afterwards."""
    if postgres_server is None:
        yield None
        return
    async with fresh_postgres_database(postgres_server) as url:
        yield url


async def bench_sign_in(database: str, postgres_server: str | None, logins: int) -> list[Row]:
    rows = []
    for hasher in HASHERS:
        with tempfile.TemporaryDirectory() as tmp:
            async with database_url(postgres_server) as url, identity(Path(tmp), url) as (service, client):
                service.auth.hashing = hasher.make()
                users = await seed_teachers(service, CONCURRENCY)

                def login(username: str) -> Callable[[], Awaitable[None]]:
                    async def call() -> None:
                        r = await client.post("/auth/login", json={"username": username, "password": PASSWORD})
                        if r.status_code != 200 or r.json()["status"] != "signed_in":
                            raise RuntimeError(f"sign-in failed: {r.status_code} {r.text}")

                    return call

                await timed([login(users[0]) for _ in range(5)], concurrency=1)  # warm up
                for concurrency in (1, CONCURRENCY):
                    calls = [login(users[i % len(users)]) for i in range(logins)]
                    latencies, seconds = await timed(calls, concurrency=concurrency)
                    rows.append(Row(f"sign-in, {database}, {concurrency} in flight", hasher.label, latencies, seconds))
    return rows


def bench_kdf(rounds: int) -> list[Row]:
    rows = []
    for hasher in HASHERS:
        hashing = hasher.make()
        stored = hashing.hash(PASSWORD)
        latencies = []
        started = time.perf_counter()
        for _ in range(rounds):
            t0 = time.perf_counter()
            hashing.verify(stored, PASSWORD)
            latencies.append(time.perf_counter() - t0)
        rows.append(Row("password verify only", hasher.label, latencies, time.perf_counter() - started))
    return rows


async def bench_verification(n: int) -> list[list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        async with identity(Path(tmp), None) as (service, _client):
            user = CurrentUserClaims(
                sub="a1",
                username="anvn.thcshoalac",
                name="Nguyễn Văn An",
                grants=(
                    RoleGrant(role=Role.SUBJECT_TEACHER, scope_type=ScopeType.CLASS_SUBJECT, scope_id="c1:toan"),
                    RoleGrant(role=Role.HOMEROOM_TEACHER, scope_type=ScopeType.CLASS, scope_id="c1"),
                ),
            )
            token = service.issue_access_token(user)
            jwks = await service.jwks()
    verifier = TokenVerifier(_static(jwks))
    await verifier.verify(token)  # fetch and cache the JWKS once, as a running service has
    key = jwt.PyJWK.from_dict(jwks["keys"][0], algorithm="ES256")

    started = time.perf_counter()
    for _ in range(n):
        await verifier.verify(token)
    ours = (time.perf_counter() - started) / n * 1e6

    started = time.perf_counter()
    for _ in range(n):
        jwt.decode(token, key.key, algorithms=["ES256"], audience=AUDIENCE, issuer=ISSUER)
    raw = (time.perf_counter() - started) / n * 1e6
    return [
        ["TokenVerifier.verify (JWKS cached, claims model)", str(n), f"{ours:.1f}"],
        ["raw jwt.decode ES256 (baseline)", str(n), f"{raw:.1f}"],
        ["overhead of the shared verifier", "", f"{ours - raw:+.1f}"],
    ]


def _static(jwks: dict[str, object]) -> Callable[[], Awaitable[dict[str, object]]]:
    async def fetch() -> dict[str, object]:
        return jwks

    return fetch


# (3) Bulk import

_GIVEN = "An Bình Chi Dũng Giang Hà Khánh Linh Minh Nam Oanh Phúc Quân Sơn Tâm Uyên Vy Xuân Yến Đạt".split()
_MIDDLE = "Văn Thị Minh Ngọc Đức Thu Hoàng Gia Bảo Thanh".split()
_FAMILY = "Nguyễn Trần Lê Phạm Hoàng Phan Vũ Đặng Bùi Đỗ".split()
IMPORT_CLASSES = 40


def import_rows(n: int) -> list[list[str]]:
    """n distinct students in IMPORT_CLASSES classes of grades 6–9, each with a CCCD number and a parent."""
    headers = [c.header for c in STUDENT_SHEET.columns]
    rows = []
    for i in range(n):
        born = date(2011, 1, 1) + timedelta(days=i % 1400)
        female = i % 2 == 1
        cells = {
            "Họ và tên": f"{_FAMILY[i % 10]} {_MIDDLE[i // 10 % 10]} {_GIVEN[i // 100 % 20]}",
            "Ngày sinh": born.strftime("%d/%m/%Y"),
            "Giới tính": "Nữ" if female else "Nam",
            "Dân tộc": "Kinh",
            "Nơi sinh": "Hà Nội",
            "Số CCCD/Mã định danh": f"001{3 if female else 2}{born.year % 100:02d}{i:06d}",
            "Lớp": _class_name(i % IMPORT_CLASSES),
            "Họ tên cha/mẹ/người giám hộ": f"{_FAMILY[i % 10]} Văn {_GIVEN[i % 20]}",
            "Quan hệ": "Cha",
            "Số điện thoại": f"09{i:08d}",
        }
        rows.append([cells.get(h, "") for h in headers])
    return rows


def _class_name(k: int) -> str:
    return f"{6 + k % 4}A{k // 4 + 1}"


async def seed_import_school(service: IdentityService) -> str:
    """A THCS school with IMPORT_CLASSES classes in a year around today."""
    so = await handlers.register_org_unit(
        handlers.RegisterOrgUnit(code="so-bench", name="Sở", kind=OrgUnitKind.DEPARTMENT, parent_id=None, actor="b"),
        service.uow(),
    )
    school = await handlers.register_school(
        handlers.RegisterSchool(
            org_unit_id=so.id, moet_code="thcsbench", name="THCS", levels=(SchoolLevel.LOWER_SECONDARY,), actor="b"
        ),
        service.uow(),
    )
    today = date.today()
    await structure_handlers.open_school_year(
        structure_handlers.OpenSchoolYear(
            code=f"{today.year}-{today.year + 1}",
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=200),
            actor="b",
        ),
        service.uow(),
    )
    await structure_handlers.open_classes(
        structure_handlers.OpenClasses(
            school_id=school.id,
            school_year=f"{today.year}-{today.year + 1}",
            classes=tuple(
                structure_handlers.ClassSpec(grade=6 + k % 4, name=_class_name(k), subjects=())
                for k in range(IMPORT_CLASSES)
            ),
            actor="b",
        ),
        service.uow(),
    )
    return school.id


def _principal_headers(service: IdentityService, school_id: str) -> dict[str, str]:
    user = CurrentUserClaims(
        sub="bench",
        username="ht.bench",
        name="Hiệu trưởng",
        grants=(RoleGrant(role=Role.PRINCIPAL, scope_type=ScopeType.SCHOOL, scope_id=school_id),),
    )
    return {"Authorization": f"Bearer {service.issue_access_token(user)}"}


async def _raw_batch_insert(service: IdentityService, school_id: str, rows: list[StudentRow]) -> None:
    """The floor: already-parsed rows through the repositories' batch inserts only (no checks, audit or events)."""
    async with service.uow() as uow:
        classes = {c.name: c for c in await uow.structure.list_classes(school_id=school_id)}
        students = [Student(id=str(i), school_id=school_id, profile=r.profile) for i, r in enumerate(rows)]
        guardians = [
            Guardian(id=f"g{i}", school_id=school_id, name=r.guardian.name, phone=r.guardian.phone)
            for i, r in enumerate(rows)
            if r.guardian
        ]
        await uow.people.add_students(students, actor="bench")
        await uow.people.add_guardians(guardians, actor="bench")
        await uow.people.link_guardians(
            [(str(i), f"g{i}", r.guardian.relation) for i, r in enumerate(rows) if r.guardian], actor="bench"
        )
        cls = {r.class_name: classes[r.class_name or ""] for r in rows}
        await uow.people.add_enrollments(
            [
                NewEnrollment(
                    id=f"e{i}",
                    student_id=str(i),
                    class_id=cls[r.class_name].id,
                    school_year_id=cls[r.class_name].school_year_id,
                    starts_on=date.today(),
                )
                for i, r in enumerate(rows)
            ],
            actor="bench",
        )
        await uow.commit()


async def bench_import(database: str, postgres_server: str | None, n: int) -> list[list[str]]:
    rows = import_rows(n)
    data = write_xlsx([c.header for c in STUDENT_SHEET.columns], rows)
    out: list[list[str]] = []

    def line(what: str, seconds: float) -> list[str]:
        return [f"{what}, {database}", str(n), f"{seconds:.2f}", f"{n / seconds:,.0f}"]

    started = time.perf_counter()
    checked = check_student_rows(read_table(data, filename="hs.xlsx"), today=date.today(), max_age=None)
    if checked.errors:
        raise RuntimeError(f"bench rows invalid: {checked.errors[:3]}")
    out.append(line("read + validate .xlsx in memory", time.perf_counter() - started))
    for scenario in ("dry run (HTTP)", "import all or nothing (HTTP)", "raw repository batch insert (baseline)"):
        with tempfile.TemporaryDirectory() as tmp:
            async with database_url(postgres_server) as url, identity(Path(tmp), url) as (service, client):
                school_id = await seed_import_school(service)
                started = time.perf_counter()
                if scenario.startswith("raw"):
                    await _raw_batch_insert(service, school_id, checked.rows)
                else:
                    r = await client.post(
                        f"/schools/{school_id}/imports/students",
                        headers=_principal_headers(service, school_id),
                        params={"dry_run": str(scenario.startswith("dry")).lower()},
                        files={"file": ("hs.xlsx", data, XLSX_MEDIA_TYPE)},
                    )
                    if r.status_code != 200 or r.json()["valid_rows"] != n:
                        raise RuntimeError(f"import failed: {r.status_code} {r.text[:500]}")
                out.append(line(scenario, time.perf_counter() - started))
    out.append([f"(file: {len(data) / 1024:,.0f} KiB .xlsx)", "", "", ""])
    return out


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logins", type=int, default=200, help="sign-ins per scenario")
    parser.add_argument("--verifications", type=int, default=5000, help="token verifications per variant")
    parser.add_argument("--postgres", action="store_true", help="also on the PostgreSQL of scripts/servers.sh")
    parser.add_argument("--import-students", type=int, default=2000, help="students in the bulk-import file (0: skip)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    rows = bench_kdf(rounds=max(20, args.logins // 4))
    rows += await bench_sign_in("SQLite", None, args.logins)
    if args.postgres:
        load_server_env()
        server = os.environ.get("EDU_TEST_POSTGRES_URL")
        if not server:
            print("no PostgreSQL: run `bash scripts/servers.sh up` (or drop --postgres)", file=sys.stderr)
            return 2
        rows += await bench_sign_in("PostgreSQL", server, args.logins)
    print(f"CPUs: {os.cpu_count()}  Python {sys.version.split()[0]}\n")
    print(table(["scenario", "password hashing", "n", "p50 ms", "p99 ms", "per s"], [r.cells() for r in rows]))
    print()
    print(table(["token verification", "n", "µs/request"], await bench_verification(args.verifications)))
    if args.import_students > 0:
        await print_import_table(args.import_students, postgres=args.postgres)
    return 0


async def print_import_table(n: int, *, postgres: bool) -> None:
    if postgres:
        load_server_env()
    rows = await bench_import("SQLite", None, n)
    server = os.environ.get("EDU_TEST_POSTGRES_URL")
    if server:
        rows += await bench_import("PostgreSQL", server, n)
    print()
    print(table(["bulk import of students", "rows", "seconds", "rows/s"], rows))


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
