"""Guardians sign in by phone number and a one-time code delivered by an event (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
import sqlalchemy as sa

from edu_shared.auth.verify import TokenVerifier
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.contracts.identity import OrgUnitKind, SchoolLevel
from edu_shared.contracts.identity_accounts import PersonKind
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from identity.adapters import orm
from identity.bootstrap import IdentityService, build, create_app
from identity.config import IdentitySettings
from identity.service_layer import accounts, handlers

PHONE = "+84912345678"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Env:
    service: IdentityService
    client: httpx.AsyncClient
    clock: Clock
    data_dir: Path
    guardian_id: str
    school_id: str

    async def sent_codes(self) -> list[tuple[str, dict[str, Any]]]:
        """ParentOtpRequested events waiting in the outbox for the notifications service."""
        box = orm.messaging.outbox
        async with self.service.runtime.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(box.c.partition_key, box.c.envelope)
                .where(box.c.event_type == "vn.edurecords.identity.parent_otp.requested.v1")
                .order_by(box.c.seq)
            )
            return [(r.partition_key, json.loads(r.envelope)["data"]) for r in rows]

    async def last_code(self) -> str:
        code: str = (await self.sent_codes())[-1][1]["code"]
        return code

    async def request(self, phone: str = "0912345678") -> httpx.Response:
        return await self.client.post("/auth/otp/request", json={"phone": phone})

    async def verify(self, code: str, phone: str = "0912 345 678") -> httpx.Response:
        return await self.client.post("/auth/otp/verify", json={"phone": phone, "code": code})


async def _env(
    tmp_path: Path, database_url: str | None, environment: Literal["development", "test"]
) -> AsyncIterator[Env]:
    bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
    service = build(IdentitySettings(data_dir=tmp_path, database_url=database_url, environment=environment), bus=bus)
    clock = Clock()
    service.auth.now = clock
    app = create_app(service, manage_lifespan=False)
    await bus.start()
    await service.runtime.start()
    try:
        so = await handlers.register_org_unit(
            handlers.RegisterOrgUnit(code="so-gddt", name="Sở", kind=OrgUnitKind.DEPARTMENT, parent_id=None, actor="t"),
            service.uow(),
        )
        school = await handlers.register_school(
            handlers.RegisterSchool(
                org_unit_id=so.id, moet_code="thcshoalac", name="THCS", levels=(SchoolLevel.LOWER_SECONDARY,), actor="t"
            ),
            service.uow(),
        )
        guardian = await accounts.create_account(
            accounts.CreateAccount(
                person_kind=PersonKind.GUARDIAN,
                display_name="Lê Văn Dũng",
                actor="t",
                school_id=school.id,
                phone="0912345678",
            ),
            service.uow(),
            service.auth,
        )
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://identity") as c:
            yield Env(service, c, clock, tmp_path, guardian.account.id, school.id)
    finally:
        await service.runtime.stop()
        await bus.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def env(request: pytest.FixtureRequest, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[Env]:
    if request.param == "sqlite":
        async for e in _env(tmp_path, None, "development"):
            yield e
    else:
        async with fresh_postgres_database(real_servers.postgres_url) as url:
            async for e in _env(tmp_path, url, "development"):
                yield e


async def test_guardian_signs_in_with_the_code_sent_through_an_event(env: Env) -> None:
    requested = await env.request()
    assert requested.status_code == 202 and requested.json()["expires_in"] == 300
    events = await env.sent_codes()
    assert len(events) == 1
    key, data = events[0]
    assert key == env.school_id
    assert data["phone"] == PHONE and data["account_id"] == env.guardian_id and len(data["code"]) == 6
    # development: the code is also in the dev sink, since no SMS gateway runs on a laptop
    assert (env.data_dir / "dev-otp.log").read_text().split()[-2:] == [PHONE, data["code"]]

    signed_in = await env.verify(data["code"])
    assert signed_in.status_code == 200 and signed_in.json()["status"] == "signed_in"
    claims = await TokenVerifier(env.service.jwks).verify(signed_in.json()["access_token"])
    assert claims.sub == env.guardian_id and claims.username == "ph.0912345678"
    again = await env.verify(data["code"])
    assert again.status_code == 401  # one use only
    async with env.service.uow() as uow:
        audit = await uow.audit.query(action="sign_in.otp")
    assert [a["outcome"] for a in reversed(audit)] == ["success", "failure"]
    assert all(PHONE not in json.dumps(a, default=str) for a in audit), "the audit keeps a masked number only"


async def test_an_unknown_number_gets_the_same_answer_and_nothing_is_sent(env: Env) -> None:
    known = await env.request()
    env.clock.advance(seconds=1)
    unknown = await env.request("0987654321")
    assert unknown.status_code == known.status_code == 202 and unknown.json() == known.json()
    assert [data["phone"] for _, data in await env.sent_codes()] == [PHONE]
    assert (await env.verify("123456", phone="0987654321")).status_code == 401


async def test_codes_are_rate_limited_per_number(env: Env) -> None:
    assert (await env.request()).status_code == 202
    too_soon = await env.request()
    assert too_soon.status_code == 429 and 0 < too_soon.json()["retry_after_s"] <= 60
    for _ in range(2):
        env.clock.advance(seconds=61)
        assert (await env.request()).status_code == 202
    env.clock.advance(seconds=61)
    fourth = await env.request()
    assert fourth.status_code == 429 and fourth.json()["retry_after_s"] > 60
    env.clock.advance(minutes=15)
    assert (await env.request()).status_code == 202


async def test_a_code_allows_five_tries_then_a_new_one_is_needed(env: Env) -> None:
    await env.request()
    code = await env.last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert (await env.verify(wrong)).status_code == 401
    assert (await env.verify(code)).status_code == 401, "burned after five wrong tries"


async def test_a_code_expires_after_five_minutes_and_a_newer_code_replaces_it(env: Env) -> None:
    await env.request()
    first = await env.last_code()
    env.clock.advance(seconds=301)
    assert (await env.verify(first)).status_code == 401
    await env.request()
    second = await env.last_code()
    assert (await env.verify(second)).status_code == 200


async def test_malformed_numbers_are_refused_with_the_field_named(env: Env) -> None:
    r = await env.request("0912-abc-999")
    assert r.status_code == 422 and r.json()["field"] == "phone"


async def test_the_dev_sink_is_written_only_in_development(tmp_path: Path) -> None:
    async for env in _env(tmp_path, None, "test"):
        assert (await env.request()).status_code == 202
        assert len(await env.sent_codes()) == 1
        assert not (env.data_dir / "dev-otp.log").exists()
