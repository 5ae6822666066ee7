"""A small contact-book world for tests and benchmarks, and the provider side of the HTTP gateways.

The contact book is fed the way identity feeds it in production (identity events through the service's consumers).
`BrandnameProvider` and `ZnsProvider` are FastAPI apps implementing the providers' side of their JSON APIs; `serve`
runs any ASGI app on a real local port. Nothing in the service imports this module.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, Request

from edu_shared.auth.principal import CurrentUserClaims, Role, RoleGrant, ScopeType
from edu_shared.contracts.identity import SchoolLevel, SchoolRegistered
from edu_shared.contracts.identity_accounts import AccountCreated, PersonKind
from edu_shared.contracts.identity_people import (
    CatalogueSubject,
    ClassOpened,
    ClassSubjectsSet,
    ConsentChanged,
    GuardianContactChanged,
    GuardianLinked,
    StudentEnrolled,
    StudentRegistered,
    StudentSnapshot,
)
from edu_shared.events.envelope import CloudEvent, new_event
from edu_shared.events.registry import EventPayload
from edu_shared.testing.inprocess import database_for, serve_in_process
from edu_shared.testing.processes import free_port
from edu_shared.testing.tokens import TokenIssuer, user_with
from notifications.adapters import orm
from notifications.adapters.channels import ChannelGateway
from notifications.bootstrap import NotificationsService, build, create_app
from notifications.config import NotificationsSettings

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Tests run on a school day at 10:00 in Vietnam unless they set another time: never inside quiet hours by accident.
SCHOOL_DAY = datetime(2025, 11, 5, 10, 0, tzinfo=VN)
SCHOOL = "sch-1"
C6A1 = "cls-6a1"
YEAR_ID = "sy-2025"


@dataclass(frozen=True)
class Family:
    """A student and one guardian (the guardian's app account is `acc-<guardian>`)."""

    student_id: str
    student: tuple[str, str, str]
    guardian_id: str
    guardian: str
    phone: str | None = None
    email: str | None = None
    consent: bool = True


FAMILIES = (
    Family("st-1", ("Lê", "Minh", "Châu"), "g-1", "Lê Văn Dũng", phone="0912345678", email="dung@example.vn"),
    Family("st-2", ("Nguyễn", "Thị", "Anh"), "g-2", "Nguyễn Văn Bình", phone="0987654321"),
    Family("st-3", ("Trần", "Văn", "Cường"), "g-3", "Trần Văn Hải", phone="0911111111", consent=False),
)


def identity_events(
    families: Sequence[Family] = FAMILIES, *, school_name: str = "Trường THCS Hòa Lạc", accounts: bool = True
) -> list[EventPayload]:
    """The events identity sends for a school, class 6A1, its students, their guardians, contacts and consents
    (and each guardian's app account unless `accounts` is False: then SMS is the only way to reach them)."""
    at = datetime(2025, 9, 5, tzinfo=UTC)
    events: list[EventPayload] = [
        SchoolRegistered(
            school_id=SCHOOL,
            org_unit_id="xa-a",
            moet_code="thcshoalac",
            name=school_name,
            levels=[SchoolLevel.LOWER_SECONDARY],
        ),
        ClassOpened(
            class_id=C6A1,
            school_id=SCHOOL,
            school_year_id=YEAR_ID,
            school_year="2025-2026",
            grade=6,
            level=SchoolLevel.LOWER_SECONDARY,
            name="6A1",
        ),
        ClassSubjectsSet(
            class_id=C6A1,
            school_id=SCHOOL,
            school_year_id=YEAR_ID,
            subjects=[CatalogueSubject(code="toan", name="Toán", periods_per_year=140, assessment="scored")],
        ),
    ]
    for f in families:
        family, middle, given = f.student
        events += [
            StudentRegistered(
                student_id=f.student_id,
                school_id=SCHOOL,
                student=StudentSnapshot(
                    family_name=family,
                    middle_name=middle,
                    given_name=given,
                    full_name=f"{family} {middle} {given}",
                    date_of_birth=date(2014, 3, 1),
                    sex="nam",
                    status="active",
                ),
            ),
            StudentEnrolled(
                enrollment_id=f"en-{f.student_id}",
                student_id=f.student_id,
                school_id=SCHOOL,
                class_id=C6A1,
                school_year_id=YEAR_ID,
                starts_on=date(2025, 9, 5),
            ),
            GuardianLinked(
                student_id=f.student_id,
                school_id=SCHOOL,
                guardian_id=f.guardian_id,
                relation="cha",
                full_name=f.guardian,
            ),
            GuardianContactChanged(
                guardian_id=f.guardian_id, school_id=SCHOOL, full_name=f.guardian, phone=f.phone, email=f.email
            ),
        ]
        if accounts:
            events.append(
                AccountCreated(
                    account_id=f"acc-{f.guardian_id}",
                    username=f.phone or f.guardian_id,
                    person_kind=PersonKind.GUARDIAN,
                    person_id=f.guardian_id,
                    school_id=SCHOOL,
                    display_name=f.guardian,
                )
            )
        if f.consent:
            for given_by, guardian in (("guardian", f.guardian_id), ("student", None)):
                events.append(
                    ConsentChanged(
                        consent_id=f"c-{f.student_id}-{given_by}",
                        student_id=f.student_id,
                        school_id=SCHOOL,
                        purpose="parent_contact",
                        given_by=given_by,
                        guardian_id=guardian,
                        granted=True,
                        at=at,
                        complete=given_by == "student",
                    )
                )
    return events


@dataclass
class World:
    service: NotificationsService
    app: FastAPI
    client: httpx.AsyncClient
    issuer: TokenIssuer
    tmp_path: Path
    database_url: str | None

    def set_time(self, local: datetime) -> None:
        """Let the service's clock show `local` (a naive Vietnam time, or any aware one) from now on."""
        at = local.replace(tzinfo=VN) if local.tzinfo is None else local
        self.service.clock = lambda: at.astimezone(UTC)

    def bearer(self, user: CurrentUserClaims) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(user)}"}

    def parent(self, guardian_id: str = "g-1", student_id: str = "st-1") -> dict[str, str]:
        user = CurrentUserClaims(
            sub=f"acc-{guardian_id}",
            username=f"ph.{guardian_id}",
            grants=(RoleGrant(role=Role.PARENT, scope_type=ScopeType.STUDENT, scope_id=student_id),),
        )
        return self.bearer(user)

    def as_role(self, role: Role, scope_type: ScopeType, scope_id: str, username: str = "tester") -> dict[str, str]:
        return self.bearer(user_with(role, scope_type, scope_id, username=username))

    async def publish(self, *payloads: EventPayload, twice: bool = False) -> list[CloudEvent]:
        """Deliver events to every consumer as the bus would (each twice when `twice`: a redelivery)."""
        events = [new_event(p, source="/test", partition_key=SCHOOL) for p in payloads]
        await self.deliver(events, twice=twice)
        return events

    async def deliver(self, events: Sequence[CloudEvent], *, twice: bool = False) -> None:
        for event in events:
            for _ in range(2 if twice else 1):
                for sub in self.service.runtime.subscriptions:
                    await sub.handler(event)

    async def messages(self, **where: Any) -> list[dict[str, Any]]:
        """Rows of the message table, oldest first, filtered by column values."""
        m = orm.messages
        query = sa.select(m).order_by(m.c.created_at, m.c.id)
        for column, value in where.items():
            query = query.where(m.c[column] == value)
        async with self.service.runtime.engine.connect() as conn:
            return [dict(r._mapping) for r in await conn.execute(query)]

    async def events(self, prefix: str) -> list[dict[str, Any]]:
        outbox = orm.messaging.outbox
        async with self.service.runtime.engine.connect() as conn:
            rows = await conn.scalars(
                sa.select(outbox.c.envelope).where(outbox.c.event_type.like(f"{prefix}%")).order_by(outbox.c.seq)
            )
            return [json.loads(r) for r in rows]


def settings_for(tmp_path: Path, database_url: str | None = None, **overrides: Any) -> NotificationsSettings:
    # Periodic jobs effectively off: tests drive the dispatcher and the digest themselves.
    return NotificationsSettings(
        data_dir=tmp_path, database_url=database_url, dispatch_every_s=3600, digest_every_s=3600, **overrides
    )


@asynccontextmanager
async def running_notifications(
    tmp_path: Path,
    database_url: str | None = None,
    *,
    gateways: dict[str, ChannelGateway] | None = None,
    seed: Sequence[EventPayload] | None = None,
    settings: NotificationsSettings | None = None,
) -> AsyncIterator[World]:
    """The service on its migrated database (SQLite in `tmp_path`, or the PostgreSQL URL), seeded with the
    identity events of `identity_events()` unless `seed` says otherwise, and an in-process HTTP client."""
    config = settings or settings_for(tmp_path, database_url)
    async with serve_in_process(
        tmp_path,
        name="notifications",
        build=lambda bus: build(config, bus=bus, gateways=gateways or {}),
        create_app=create_app,
    ) as running:
        world = World(
            service=running.service,
            app=running.app,
            client=running.client,
            issuer=running.issuer,
            tmp_path=tmp_path,
            database_url=database_url,
        )
        world.set_time(SCHOOL_DAY)
        await world.publish(*(identity_events() if seed is None else seed))
        yield world


@asynccontextmanager
async def notifications_on(backend: str, tmp_path: Path, postgres_url: str, **kwargs: Any) -> AsyncIterator[World]:
    """`running_notifications` on SQLite ("sqlite") or a fresh PostgreSQL database ("postgres")."""
    async with database_for(backend, postgres_url) as url, running_notifications(tmp_path, url, **kwargs) as world:
        yield world


@contextmanager
def kannel_gateway(state_dir: Path) -> Iterator[dict[str, str]]:
    """A real Kannel (bearerbox, smsbox, fakesmsc as the operator) started by scripts/kannel.sh; yields its env."""
    script = Path(__file__).resolve().parents[4] / "scripts" / "kannel.sh"
    started = subprocess.run(["bash", str(script), "start", str(state_dir)], capture_output=True, text=True, timeout=60)
    if started.returncode != 0:
        raise RuntimeError(f"scripts/kannel.sh start failed: {started.stderr[-2000:]}")
    try:
        lines = (state_dir / "env").read_text().splitlines()
        yield dict(line.split("=", 1) for line in lines if "=" in line)
    finally:
        subprocess.run(["bash", str(script), "stop", str(state_dir)], check=False, capture_output=True, timeout=60)


# --- the provider side of the HTTP gateways ---------------------------------------------------------------------------


@asynccontextmanager
async def serve(app: Any, *, port: int | None = None) -> AsyncIterator[str]:
    """Run an ASGI app on a local port (a free one unless given): a real HTTP server; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        if task.done():
            await task
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class BrandnameProvider:
    """An eSMS-style brandname SMS API: checks keys and numbers, deduplicates by RequestId, answers CodeResult.

    `fail_next` makes the next calls answer as a provider in trouble would: "500" (HTTP 500), "garbage" (not
    JSON) or "99" (CodeResult 99, unknown error).
    """

    api_key: str = "key"
    secret_key: str = "secret"
    received: list[dict[str, Any]] = field(default_factory=list)
    by_request: dict[str, str] = field(default_factory=dict)
    fail_next: list[str] = field(default_factory=list)
    calls: int = 0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/MainService.svc/json/SendMultipleMessage_V4_post_json/")
        async def send(request: Request) -> Any:
            self.calls += 1
            if self.fail_next:
                mode = self.fail_next.pop(0)
                if mode == "500":
                    return _plain("Internal Server Error", 500)
                if mode == "garbage":
                    return _plain("<html>gateway timeout</html>", 200)
                return {"CodeResult": mode, "ErrorMessage": "Loi khong xac dinh"}
            body = await request.json()
            if body.get("ApiKey") != self.api_key or body.get("SecretKey") != self.secret_key:
                return {"CodeResult": "101", "ErrorMessage": "Sai ApiKey hoac SecretKey"}
            phone = str(body.get("Phone", ""))
            if not (phone.isdigit() and len(phone) in (10, 11)):
                return {"CodeResult": "118", "ErrorMessage": "So dien thoai khong hop le"}
            request_id = str(body.get("RequestId", ""))
            if request_id in self.by_request:  # a retry of a message it already took
                return {"CodeResult": "100", "SMSID": self.by_request[request_id]}
            sms_id = f"sms-{len(self.received) + 1}"
            self.by_request[request_id] = sms_id
            self.received.append(body)
            return {"CodeResult": "100", "CountRegenerate": 0, "SMSID": sms_id}

        @app.get("/_received")
        async def received() -> dict[str, int]:
            """How many distinct messages the provider took (benchmarks read it when it runs in its own process)."""
            return {"messages": len(self.received), "calls": self.calls}

        return app


@dataclass
class ZnsProvider:
    """Zalo ZNS `message/template`: checks the access token and template, answers error 0 and a msg_id."""

    access_token: str = "zns-token"
    templates: frozenset[str] = frozenset({"250001", "250002"})
    received: list[dict[str, Any]] = field(default_factory=list)
    by_tracking: dict[str, str] = field(default_factory=dict)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/message/template")
        async def send(request: Request) -> Any:
            if request.headers.get("access_token") != self.access_token:
                return {"error": -124, "message": "Access token is invalid"}
            body = await request.json()
            if body.get("template_id") not in self.templates:
                return {"error": -1124, "message": "Template is not exist"}
            if not str(body.get("phone", "")).startswith("84"):
                return {"error": -108, "message": "Phone number is invalid"}
            tracking = str(body.get("tracking_id", ""))
            if tracking not in self.by_tracking:
                self.by_tracking[tracking] = f"zmsg-{len(self.received) + 1}"
                self.received.append(body)
            return {"error": 0, "message": "Success", "data": {"msg_id": self.by_tracking[tracking]}}

        return app


def _plain(text: str, status: int) -> Any:
    from fastapi.responses import PlainTextResponse

    return PlainTextResponse(text, status_code=status)
