"""Sign-in, second factor, lockout and sessions through HTTP on identity's migrated database (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from edu_shared.auth.principal import Role, RoleGrant, ScopeType
from edu_shared.auth.verify import TokenVerifier
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.contracts.identity import OrgUnitKind, SchoolLevel
from edu_shared.errors import Unauthenticated
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from edu_shared.testing.tokens import user_with
from identity.adapters import orm
from identity.bootstrap import IdentityService, build, create_app
from identity.config import IdentitySettings
from identity.domain import totp
from identity.service_layer import handlers

UA = {"User-Agent": "EduRecords-test/1.0 (Firefox)"}


class Clock:
    """The sign-in clock, moved by tests (lockout expiry, TOTP steps); starts at the real time."""

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
    school_a: str = ""
    school_b: str = ""

    def bearer(self, role: Role, scope_type: ScopeType, scope_id: str) -> dict[str, str]:
        token = self.service.issue_access_token(user_with(role, scope_type, scope_id, username="admin.test"))
        return {"Authorization": f"Bearer {token}", **UA}

    @property
    def province_admin(self) -> dict[str, str]:
        return self.bearer(Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, "province")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def env(request: pytest.FixtureRequest, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[Env]:
    async def run(database_url: str | None) -> AsyncIterator[Env]:
        bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
        service = build(IdentitySettings(data_dir=tmp_path, database_url=database_url), bus=bus)
        clock = Clock()
        service.auth.now = clock
        app = create_app(service, manage_lifespan=False)
        await bus.start()
        await service.runtime.start()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://identity") as c:
                environment = Env(service=service, client=c, clock=clock)
                environment.school_a, environment.school_b = await _schools(service)
                yield environment
        finally:
            await service.runtime.stop()
            await bus.close()

    if request.param == "sqlite":
        async for e in run(None):
            yield e
    else:
        async with fresh_postgres_database(real_servers.postgres_url) as url:
            async for e in run(url):
                yield e


async def _schools(service: IdentityService) -> tuple[str, str]:
    so = await handlers.register_org_unit(
        handlers.RegisterOrgUnit(
            code="so-gddt", name="Sở GDĐT", kind=OrgUnitKind.DEPARTMENT, parent_id=None, actor="t"
        ),
        service.uow(),
    )
    xa = await handlers.register_org_unit(
        handlers.RegisterOrgUnit(
            code="xa-hoa-lac", name="UBND xã", kind=OrgUnitKind.COMMUNE, parent_id=so.id, actor="t"
        ),
        service.uow(),
    )
    ids = []
    for code in ("thcshoalac", "thhoalac"):
        school = await handlers.register_school(
            handlers.RegisterSchool(
                org_unit_id=xa.id, moet_code=code, name=code, levels=(SchoolLevel.LOWER_SECONDARY,), actor="t"
            ),
            service.uow(),
        )
        ids.append(school.id)
    return ids[0], ids[1]


async def _create(env: Env, name: str, *, kind: str = "staff", school_id: str | None = None) -> dict[str, Any]:
    r = await env.client.post(
        "/accounts",
        headers=env.province_admin,
        json={"person_kind": kind, "display_name": name, "school_id": school_id or env.school_a},
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def _grant(env: Env, account_id: str, role: Role, school_id: str) -> None:
    async with env.service.uow() as uow:
        await uow.accounts.add_grant(
            grant_id=f"g-{account_id}-{role}",
            account_id=account_id,
            grant=RoleGrant(role=role, scope_type=ScopeType.SCHOOL, scope_id=school_id),
            school_id=school_id,
            actor="t",
            now=env.clock(),
        )
        await uow.commit()


async def _login(env: Env, username: str, password: str) -> httpx.Response:
    return await env.client.post("/auth/login", json={"username": username, "password": password}, headers=UA)


async def _ready_teacher(env: Env, name: str = "Nguyễn Văn An", password: str = "Sông-Hồng 2026 xanh") -> str:
    """A teacher account past its first sign-in (own password set); returns the user name."""
    created = await _create(env, name)
    username: str = created["account"]["username"]
    first = await _login(env, username, created["temporary_password"])
    assert first.json()["status"] == "password_change_required"
    changed = await env.client.post(
        "/auth/password", json={"challenge": first.json()["challenge"], "new_password": password}, headers=UA
    )
    assert changed.json()["status"] == "signed_in", changed.text
    return username


async def _audit(env: Env, action: str) -> list[dict[str, Any]]:
    async with env.service.uow() as uow:
        return list(reversed(await uow.audit.query(action=action)))


async def test_principal_first_sign_in_then_refresh_rotation_reuse_detection_and_logout_all(env: Env) -> None:
    created = await _create(env, "Trần Thị Bình")
    account_id = created["account"]["id"]
    assert created["account"]["username"] == "binhtt.thcshoalac"
    await _grant(env, account_id, Role.PRINCIPAL, env.school_a)

    # 1. temporary password → must choose a new one
    first = await _login(env, "BinhTT.thcshoalac ", created["temporary_password"])
    assert first.status_code == 200 and first.json()["status"] == "password_change_required"
    assert first.json()["next"] == "/auth/password"
    # 2. new password → a principal without a second factor must enrol one
    enrol = await env.client.post(
        "/auth/password", json={"challenge": first.json()["challenge"], "new_password": "Hoa-Lạc mùa thu 2026"}
    )
    assert enrol.json()["status"] == "totp_enrollment_required", enrol.text
    # the previous challenge died with the old password
    again = await env.client.post(
        "/auth/password", json={"challenge": first.json()["challenge"], "new_password": "Another pass 2026!"}
    )
    assert again.status_code == 401 and again.json()["reason"] == "stale-challenge"
    # 3. enrol an authenticator and confirm with its first code → signed in
    secret = (await env.client.post("/auth/totp/enroll", json={"challenge": enrol.json()["challenge"]})).json()[
        "secret"
    ]
    session = await env.client.post(
        "/auth/totp/confirm",
        json={"challenge": enrol.json()["challenge"], "code": totp.code_at(secret, env.clock().timestamp())},
    )
    assert session.status_code == 200 and session.json()["status"] == "signed_in", session.text
    tokens = session.json()

    # the access token works in another service (local verification against identity's JWKS)
    other_service = TokenVerifier(env.service.jwks)
    claims = await other_service.verify(tokens["access_token"])
    assert claims.sub == account_id and claims.username == "binhtt.thcshoalac" and claims.name == "Trần Thị Bình"
    assert claims.grants == (RoleGrant(role=Role.PRINCIPAL, scope_type=ScopeType.SCHOOL, scope_id=env.school_a),)
    me = await env.client.get("/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["totp_enabled"] is True and me.json()["grants"][0]["role"] == "principal"

    # next sign-in: password then TOTP (a fresh code: the enrolment code's step is spent)
    env.clock.advance(seconds=30)
    step1 = await _login(env, "binhtt.thcshoalac", "Hoa-Lạc mùa thu 2026")
    assert step1.json()["status"] == "totp_required" and step1.json()["next"] == "/auth/login/totp"
    step2 = await env.client.post(
        "/auth/login/totp",
        json={"challenge": step1.json()["challenge"], "code": totp.code_at(secret, env.clock().timestamp())},
    )
    assert step2.json()["status"] == "signed_in", step2.text
    second_device = step2.json()

    # refresh rotation: each refresh token is good once
    rotated = await env.client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200 and rotated.json()["refresh_token"] != tokens["refresh_token"]
    assert (await other_service.verify(rotated.json()["access_token"])).sub == account_id
    # reuse of the spent token: the whole family is revoked, the rotated token too
    reused = await env.client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, headers=UA)
    assert reused.status_code == 401 and reused.json()["reason"] == "refresh-token-reused"
    after = await env.client.post("/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]})
    assert after.status_code == 401 and after.json()["reason"] == "refresh-token-revoked"
    reuse_audit = await _audit(env, "session.reuse_detected")
    assert len(reuse_audit) == 1 and reuse_audit[0]["user_agent"] == UA["User-Agent"]
    # ...but the other device's session lives on, until logout-all
    still = await env.client.post("/auth/refresh", json={"refresh_token": second_device["refresh_token"]})
    assert still.status_code == 200
    out = await env.client.post("/auth/logout-all", headers={"Authorization": f"Bearer {still.json()['access_token']}"})
    assert out.status_code == 204
    gone = await env.client.post("/auth/refresh", json={"refresh_token": still.json()["refresh_token"]})
    assert gone.status_code == 401 and gone.json()["reason"] == "refresh-token-revoked"

    outcomes = [(a["action"], a["outcome"]) for a in await _audit(env, "sign_in.password")]
    assert outcomes == [("sign_in.password", "success")] * 2
    assert [a["outcome"] for a in await _audit(env, "sign_in.totp")] == ["success", "success"]


async def test_wrong_password_and_unknown_user_get_the_same_answer_and_are_audited(env: Env) -> None:
    username = await _ready_teacher(env)
    wrong = await _login(env, username, "not the password")
    unknown = await _login(env, "khongco.thcshoalac", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["detail"] == "Tên đăng nhập hoặc mật khẩu không đúng."
    failures = [a for a in await _audit(env, "sign_in.password") if a["outcome"] == "failure"]
    assert [(f["details"]["username"], f["ip"], f["user_agent"]) for f in failures] == [
        (username, "127.0.0.1", UA["User-Agent"]),
        ("khongco.thcshoalac", "127.0.0.1", UA["User-Agent"]),
    ]
    assert failures[0]["target_id"] is not None and failures[1]["actor"] == "anonymous"
    async with env.service.uow() as uow:
        account = await uow.accounts.by_username(username)
    assert account is not None and account.failed_attempts == 1  # committed although the answer was 401


async def test_five_failures_lock_with_doubling_backoff_and_success_clears_it(env: Env) -> None:
    username = await _ready_teacher(env)
    for _ in range(5):
        assert (await _login(env, username, "wrong password!")).status_code == 401
    locked = await _login(env, username, "Sông-Hồng 2026 xanh")  # even the right password
    assert locked.status_code == 429 and locked.json()["retry_after_s"] == 60
    assert "tạm khóa" in locked.json()["detail"]
    assert (await _audit(env, "sign_in.password"))[-1]["outcome"] == "locked"

    env.clock.advance(seconds=61)
    assert (await _login(env, username, "wrong again!!")).status_code == 401  # 6th failure: 2 minutes
    env.clock.advance(seconds=61)
    assert (await _login(env, username, "Sông-Hồng 2026 xanh")).status_code == 429
    env.clock.advance(seconds=60)
    ok = await _login(env, username, "Sông-Hồng 2026 xanh")
    assert ok.status_code == 200 and ok.json()["status"] == "signed_in"
    async with env.service.uow() as uow:
        account = await uow.accounts.by_username(username)
    assert account is not None and account.failed_attempts == 0 and account.locked_until is None


async def test_unknown_user_names_lock_like_real_ones_so_lockout_reveals_nothing(env: Env) -> None:
    answers = [(await _login(env, "ghost.thcshoalac", "whatever 123")).status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]


async def test_a_totp_code_is_single_use_and_wrong_codes_count_toward_lockout(env: Env) -> None:
    created = await _create(env, "Lê Văn Cường")
    await _grant(env, created["account"]["id"], Role.VICE_PRINCIPAL, env.school_a)
    first = await _login(env, created["account"]["username"], created["temporary_password"])
    enrol = await env.client.post(
        "/auth/password", json={"challenge": first.json()["challenge"], "new_password": "Hoa-Lạc mùa thu 2026"}
    )
    challenge = enrol.json()["challenge"]
    secret = (await env.client.post("/auth/totp/enroll", json={"challenge": challenge})).json()["secret"]
    code = totp.code_at(secret, env.clock().timestamp())
    bad = await env.client.post("/auth/totp/confirm", json={"challenge": challenge, "code": "000000"})
    assert bad.status_code == 422 and bad.json()["field"] == "code"
    assert (await env.client.post("/auth/totp/confirm", json={"challenge": challenge, "code": code})).status_code == 200

    step1 = await _login(env, created["account"]["username"], "Hoa-Lạc mùa thu 2026")
    replay = await env.client.post("/auth/login/totp", json={"challenge": step1.json()["challenge"], "code": code})
    assert replay.status_code == 401 and replay.json()["reason"] == "bad-totp"
    assert [
        a["details"]["failed_attempts"] for a in await _audit(env, "totp.confirm") if a["outcome"] == "failure"
    ] == [1]
    # the completed sign-in cleared that failure; the replay is the first since
    failures = [a for a in await _audit(env, "sign_in.totp") if a["outcome"] == "failure"]
    assert [f["details"]["failed_attempts"] for f in failures] == [1]


async def test_sign_in_challenges_are_not_access_tokens_and_access_tokens_are_not_challenges(env: Env) -> None:
    created = await _create(env, "Phạm Thu Hà")
    first = await _login(env, created["account"]["username"], created["temporary_password"])
    challenge = first.json()["challenge"]
    with pytest.raises(Unauthenticated):
        await TokenVerifier(env.service.jwks).verify(challenge)
    me = await env.client.get("/auth/me", headers={"Authorization": f"Bearer {challenge}"})
    assert me.status_code == 401
    wrong_stage = await env.client.post("/auth/login/totp", json={"challenge": challenge, "code": "123456"})
    assert wrong_stage.status_code == 401 and wrong_stage.json()["reason"] == "wrong-stage"
    access = env.service.issue_access_token(user_with(Role.PRINCIPAL, ScopeType.SCHOOL, env.school_a))
    forged = await env.client.post("/auth/password", json={"challenge": access, "new_password": "Hoa-Lạc mùa thu 2026"})
    assert forged.status_code == 401 and forged.json()["reason"] == "invalid-challenge"
    env.clock.advance(seconds=301)
    late = await env.client.post(
        "/auth/password", json={"challenge": challenge, "new_password": "Hoa-Lạc mùa thu 2026"}
    )
    assert late.status_code == 401 and late.json()["reason"] == "expired-challenge"


async def test_password_policy_violations_name_the_field_in_vietnamese(env: Env) -> None:
    created = await _create(env, "Nguyễn Văn An")
    first = await _login(env, created["account"]["username"], created["temporary_password"])
    weak = await env.client.post(
        "/auth/password", json={"challenge": first.json()["challenge"], "new_password": "anvn123"}
    )
    assert weak.status_code == 422
    body = weak.json()
    assert body["field"] == "new_password"
    assert body["problems"] == [
        "Mật khẩu phải có ít nhất 10 ký tự.",
        "Mật khẩu không được chứa tên đăng nhập.",
    ]
    common = await env.client.post(
        "/auth/password", json={"challenge": first.json()["challenge"], "new_password": "matkhau@123"}
    )
    assert common.status_code == 422 and "phổ biến" in common.json()["detail"]
    same = await env.client.post(
        "/auth/password",
        json={"challenge": first.json()["challenge"], "new_password": created["temporary_password"]},
    )
    assert same.status_code == 422 and same.json()["detail"] == "Mật khẩu mới phải khác mật khẩu hiện tại."


async def test_signed_in_password_change_needs_the_current_password_and_ends_other_sessions(env: Env) -> None:
    username = await _ready_teacher(env)
    session = (await _login(env, username, "Sông-Hồng 2026 xanh")).json()
    auth = {"Authorization": f"Bearer {session['access_token']}"}
    wrong = await env.client.post(
        "/auth/password", headers=auth, json={"current_password": "nope nope", "new_password": "Mới hoàn toàn 2027"}
    )
    assert wrong.status_code == 401 and wrong.json()["field"] == "current_password"
    ok = await env.client.post(
        "/auth/password",
        headers=auth,
        json={"current_password": "Sông-Hồng 2026 xanh", "new_password": "Mới hoàn toàn 2027"},
    )
    assert ok.status_code == 200 and ok.json()["status"] == "signed_in"
    old = await env.client.post("/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert old.status_code == 401
    assert (await _login(env, username, "Mới hoàn toàn 2027")).json()["status"] == "signed_in"


async def test_student_signs_in_with_a_password_and_no_second_factor(env: Env) -> None:
    created = await _create(env, "Lê Minh Châu", kind="student")
    assert created["account"]["username"] == "chauml.thcshoalac"
    first = await _login(env, "chauml.thcshoalac", created["temporary_password"])
    done = await env.client.post(
        "/auth/password", json={"challenge": first.json()["challenge"], "new_password": "Học-sinh giỏi 2026"}
    )
    assert done.json()["status"] == "signed_in"
    claims = await TokenVerifier(env.service.jwks).verify(done.json()["access_token"])
    assert claims.username == "chauml.thcshoalac" and claims.grants == ()


async def test_admin_reset_forces_a_new_password_and_ends_sessions(env: Env) -> None:
    username = await _ready_teacher(env)
    session = (await _login(env, username, "Sông-Hồng 2026 xanh")).json()
    async with env.service.uow() as uow:
        account = await uow.accounts.by_username(username)
    assert account is not None
    principal = env.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, env.school_a)
    reset = await env.client.post(f"/accounts/{account.id}/reset-password", headers=principal, json={})
    assert reset.status_code == 200
    assert (await env.client.post("/auth/refresh", json={"refresh_token": session["refresh_token"]})).status_code == 401
    assert (await _login(env, username, "Sông-Hồng 2026 xanh")).status_code == 401
    again = await _login(env, username, reset.json()["temporary_password"])
    assert again.json()["status"] == "password_change_required"
    elsewhere = env.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, env.school_b)
    denied = await env.client.post(f"/accounts/{account.id}/reset-password", headers=elsewhere, json={})
    assert denied.status_code == 403


async def test_a_disabled_account_cannot_sign_in_or_refresh_and_others_hear_of_it(env: Env) -> None:
    username = await _ready_teacher(env)
    session = (await _login(env, username, "Sông-Hồng 2026 xanh")).json()
    async with env.service.uow() as uow:
        account = await uow.accounts.by_username(username)
    assert account is not None
    disabled = await env.client.post(
        f"/accounts/{account.id}/disable", headers=env.province_admin, json={"reason": "nghỉ hưu"}
    )
    assert disabled.status_code == 200 and disabled.json()["disabled_at"] is not None
    refused = await _login(env, username, "Sông-Hồng 2026 xanh")
    assert refused.status_code == 401 and refused.json()["reason"] == "disabled"
    assert (await env.client.post("/auth/refresh", json={"refresh_token": session["refresh_token"]})).status_code == 401
    async with env.service.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    orm.messaging.outbox.c.event_type,
                    orm.messaging.outbox.c.partition_key,
                    orm.messaging.outbox.c.envelope,
                ).where(orm.messaging.outbox.c.event_type.like("%account.disabled%"))
            )
        ).all()
    assert len(rows) == 1 and rows[0].partition_key == env.school_a
    assert json.loads(rows[0].envelope)["data"]["username"] == username


async def test_logout_ends_only_that_session(env: Env) -> None:
    username = await _ready_teacher(env)
    phone = (await _login(env, username, "Sông-Hồng 2026 xanh")).json()
    laptop = (await _login(env, username, "Sông-Hồng 2026 xanh")).json()
    assert (await env.client.post("/auth/logout", json={"refresh_token": phone["refresh_token"]})).status_code == 204
    assert (await env.client.post("/auth/refresh", json={"refresh_token": phone["refresh_token"]})).status_code == 401
    assert (await env.client.post("/auth/refresh", json={"refresh_token": laptop["refresh_token"]})).status_code == 200
    assert (await env.client.post("/auth/logout", json={"refresh_token": "unknown"})).status_code == 204
