"""Distributed mode end to end: each service is its own `edu serve` process on real PostgreSQL, Kafka and MinIO.

Driven only through HTTP, as a user would: a school registered at identity must show up in every other service's
org directory (HTTP → outbox → Kafka → inbox → projection), and bad requests answer problem+json.
Every run gets fresh databases, its own Kafka topic prefix (so fresh topics and consumer groups) and its own
buckets; every process is stopped in `finally`, whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import time
import warnings
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient  # type: ignore[import-untyped]

from edu_shared.testing.processes import (
    ManagedProcess,
    ProcessFailed,
    ProcessGroup,
    edu_command,
    eventually,
    free_port,
    run_edu,
    wait_for_http,
    wait_for_tcp,
)
from edu_shared.testing.servers import S3Location, fresh_postgres_database

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.timeout(600)]

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "gradebook", "transcript", "signing", "reporting", "notifications")
PROBLEM_JSON = "application/problem+json"
# Startup includes Python imports and a Kafka producer connection; propagation includes consumer-group joins
# (a few seconds when the broker is steady). The generous bounds cover a broker restarted by another suite
# meanwhile: the relay and the consumers reconnect with backoff.
HEALTH_TIMEOUT_S = 90.0
PROPAGATION_TIMEOUT_S = 180.0
# A service refuses to start while Kafka is unreachable; the test broker is shared with the bus contract suite,
# which stops and restarts it. Like an orchestrator's restart policy, a start that dies is retried (once the
# broker accepts connections again) until this budget is spent.
START_BUDGET_S = 240.0


@dataclass
class Platform:
    urls: dict[str, str]
    env: dict[str, str]
    group: ProcessGroup

    def token(self) -> str:
        """A department-admin access token signed with identity's current key (`edu dev-token`)."""
        return run_edu("dev-token", env=self.env, cwd=REPO).stdout.strip().splitlines()[-1]


def service_env(
    *,
    services: Iterable[str],
    databases: Mapping[str, str],
    kafka_bootstrap: str,
    topic_prefix: str,
    s3: S3Location,
    bucket_prefix: str,
    jwks_url: str,
    data_dir: Path,
) -> dict[str, str]:
    """One environment holding every service's settings; the env prefixes (IDENTITY_, …) keep them apart."""
    prefixes = tuple(f"{name.upper()}_" for name in SERVICES)
    # Settings inherited from the developer's shell must not leak into the services under test.
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    for name in services:
        p = name.upper()
        env |= {
            f"{p}_ENVIRONMENT": "test",
            f"{p}_DATA_DIR": str(data_dir / name),
            f"{p}_DATABASE_URL": databases[name],
            f"{p}_MIGRATE_ON_START": "false",
            f"{p}_KAFKA__BOOTSTRAP_SERVERS": kafka_bootstrap,
            f"{p}_KAFKA__TOPIC_PREFIX": topic_prefix,
            f"{p}_KAFKA__PARTITIONS": "2",
            f"{p}_KAFKA__SESSION_TIMEOUT_MS": "6000",
            f"{p}_KAFKA__HEARTBEAT_INTERVAL_MS": "1000",
            f"{p}_KAFKA__REQUEST_TIMEOUT_MS": "15000",
            f"{p}_OBJECT_STORE__ENDPOINT": s3.endpoint,
            f"{p}_OBJECT_STORE__ACCESS_KEY": s3.access_key,
            f"{p}_OBJECT_STORE__SECRET_KEY": s3.secret_key,
            f"{p}_OBJECT_STORE__BUCKET": f"{bucket_prefix}-{name}",
            f"{p}_OBJECT_STORE__LOCK_MODE": "GOVERNANCE",
            f"{p}_JWKS_URL": jwks_url,
            f"{p}_OBSERVABILITY__JSON_LOGS": "true",
        }
    return env


async def start_until_healthy(
    group: ProcessGroup, *, name: str, port: int, env: Mapping[str, str], log_path: Path, kafka_bootstrap: str
) -> None:
    """`edu serve NAME` on PORT, started again if it dies before /healthz answers 200 (see START_BUDGET_S)."""
    deadline = time.monotonic() + START_BUDGET_S
    while True:
        await wait_for_tcp(kafka_bootstrap, timeout_s=max(1.0, deadline - time.monotonic()))
        process = group.start(
            ManagedProcess(
                name=name,
                argv=edu_command("serve", name, "--host", "127.0.0.1", "--port", str(port)),
                log_path=log_path,
                env=env,
                cwd=REPO,
                port=port,
            )
        )
        try:
            await wait_for_http(f"{process.url}/healthz", timeout_s=HEALTH_TIMEOUT_S, processes=[process])
            return
        except ProcessFailed:
            if process.alive() or time.monotonic() >= deadline:
                raise
            group.discard(process)
            await asyncio.sleep(1.0)


async def drop_topics(bootstrap: str, *, prefix: str) -> None:
    """Delete this run's topics from the shared broker; best effort, the broker may be restarting."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    try:
        async with asyncio.timeout(20):
            await admin.start()
            ours = [t for t in await admin.list_topics() if t.startswith(prefix)]
            if ours:
                await admin.delete_topics(ours)
    except Exception as exc:  # leftovers are harmless (unique names), so cleanup never fails a test
        warnings.warn(f"could not delete Kafka topics {prefix}*: {exc!r}", stacklevel=1)
    finally:
        await admin.close()


@asynccontextmanager
async def distributed_platform(
    *,
    services: tuple[str, ...],
    postgres_url: str,
    kafka_bootstrap: str,
    s3: S3Location,
    unique_name: str,
    workdir: Path,
) -> AsyncIterator[Platform]:
    """Fresh databases, migrated by `edu migrate`; identity first (the others fetch its JWKS), then the rest."""
    assert services[0] == "identity"
    group = ProcessGroup()
    topic_prefix = f"e2e.{unique_name}."
    async with AsyncExitStack() as stack:
        databases = {name: await stack.enter_async_context(fresh_postgres_database(postgres_url)) for name in services}
        ports = {name: free_port() for name in services}
        env = service_env(
            services=services,
            databases=databases,
            kafka_bootstrap=kafka_bootstrap,
            topic_prefix=topic_prefix,
            s3=s3,
            bucket_prefix=f"e2e-{unique_name}",
            jwks_url=f"http://127.0.0.1:{ports['identity']}/.well-known/jwks.json",
            data_dir=workdir / "data",
        )
        await asyncio.to_thread(run_edu, "migrate", *services, env=env, cwd=REPO)
        try:
            logs = workdir / "logs"
            await start_until_healthy(
                group,
                name="identity",
                port=ports["identity"],
                env=env,
                log_path=logs / "identity.log",
                kafka_bootstrap=kafka_bootstrap,
            )
            # A task group, not gather: when one start fails, the others are cancelled before `finally` runs,
            # so no start is still in flight (and no process appears) after the group was stopped.
            async with asyncio.TaskGroup() as starting:
                for name in services[1:]:
                    starting.create_task(
                        start_until_healthy(
                            group,
                            name=name,
                            port=ports[name],
                            env=env,
                            log_path=logs / f"{name}.log",
                            kafka_bootstrap=kafka_bootstrap,
                        )
                    )
            yield Platform(urls={n: f"http://127.0.0.1:{p}" for n, p in ports.items()}, env=env, group=group)
        finally:
            # Stopped before the databases are dropped (the exit stack), so no connection is left open.
            await asyncio.to_thread(group.stop_all)
            await drop_topics(kafka_bootstrap, prefix=topic_prefix)


@pytest.fixture
async def six_services(
    postgres_url: str, kafka_bootstrap: str, s3_location: S3Location, unique_name: str, tmp_path: Path
) -> AsyncIterator[Platform]:
    async with distributed_platform(
        services=SERVICES,
        postgres_url=postgres_url,
        kafka_bootstrap=kafka_bootstrap,
        s3=s3_location,
        unique_name=unique_name,
        workdir=tmp_path,
    ) as running:
        yield running


@pytest.fixture
async def identity_only(
    postgres_url: str, kafka_bootstrap: str, s3_location: S3Location, unique_name: str, tmp_path: Path
) -> AsyncIterator[Platform]:
    async with distributed_platform(
        services=("identity",),
        postgres_url=postgres_url,
        kafka_bootstrap=kafka_bootstrap,
        s3=s3_location,
        unique_name=unique_name,
        workdir=tmp_path,
    ) as running:
        yield running


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"] and body["detail"]
    return body


async def test_school_registered_at_identity_reaches_every_service_directory(
    six_services: Platform, unique_name: str
) -> None:
    token = await asyncio.to_thread(six_services.token)
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=six_services.urls["identity"], timeout=15.0) as identity:
        department = await identity.post(
            "/org-units",
            json={"code": f"so-e2e-{unique_name}", "name": "Sở GDĐT tỉnh Thử Nghiệm", "kind": "department"},
            headers=auth,
        )
        assert department.status_code == 201, department.text
        unit = await identity.post(
            "/org-units",
            json={
                "code": f"xa-e2e-{unique_name}",
                "name": "UBND xã Thử Nghiệm",
                "kind": "commune",
                "parent_id": department.json()["id"],
            },
            headers=auth,
        )
        assert unit.status_code == 201, unit.text
        created = await identity.post(
            "/schools",
            json={
                "org_unit_id": unit.json()["id"],
                "moet_code": f"thcs{unique_name}",
                "name": "Trường THCS Thử Nghiệm",
                "levels": ["thcs"],
            },
            headers=auth,
        )
        assert created.status_code == 201, created.text
        school = created.json()
        listed = await identity.get("/schools")
        assert school in listed.json()

    async def seen_by(client: httpx.AsyncClient) -> dict[str, Any] | None:
        response = await client.get("/directory/schools")
        assert response.status_code == 200, response.text
        return next((s for s in response.json() if s["id"] == school["id"]), None)

    async def check(name: str) -> None:
        async with httpx.AsyncClient(base_url=six_services.urls[name], timeout=10.0) as client:
            projected = await eventually(
                lambda: seen_by(client),
                timeout_s=PROPAGATION_TIMEOUT_S,
                what=f"{name} learning school {school['id']} through Kafka",
                processes=six_services.group.processes,
            )
        assert projected == school, name

    async with asyncio.TaskGroup() as checks:
        for name in SERVICES[1:]:
            checks.create_task(check(name))
    for name, url in six_services.urls.items():
        async with httpx.AsyncClient(timeout=10.0) as client:
            health = (await client.get(f"{url}/healthz")).json()
        assert health["status"] == "ok", (name, health)
        assert health["database"] == "postgresql", (name, health)


async def test_identity_answers_bad_requests_with_problem_json(identity_only: Platform) -> None:
    token = await asyncio.to_thread(identity_only.token)
    auth = {"Authorization": f"Bearer {token}"}
    school = {"org_unit_id": "khong-co-don-vi-nay", "moet_code": "thcsma", "name": "Trường Ma", "levels": ["thcs"]}
    async with httpx.AsyncClient(base_url=identity_only.urls["identity"], timeout=15.0) as identity:
        anonymous = await identity.post("/schools", json=school)
        assert_problem(anonymous, 401)

        forged = await identity.post("/schools", json=school, headers={"Authorization": "Bearer not.a.token"})
        assert_problem(forged, 401)

        unknown_unit = await identity.post("/schools", json=school, headers=auth)
        body = assert_problem(unknown_unit, 404)
        assert body["field"] == "org_unit_id"
        assert body["value"] == "khong-co-don-vi-nay"

        malformed = await identity.post(
            "/org-units", content=b'{"code": "xa-hong", "name": ', headers={**auth, "content-type": "application/json"}
        )
        body = assert_problem(malformed, 422)
        assert body["errors"][0]["code"] == "json_invalid"

        missing = await identity.post("/org-units", json={"name": "UBND xã Thiếu Mã"}, headers=auth)
        body = assert_problem(missing, 422)
        assert {e["field"] for e in body["errors"]} >= {"body.code", "body.kind"}
