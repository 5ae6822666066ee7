"""The service runtime waits for a bus that is still starting, and gives up with the error after its deadline."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.db.messaging import add_messaging_tables
from edu_shared.runtime import ServiceRuntime
from edu_shared.settings import ServiceSettings


class SlowBus(EmbeddedBus):
    """Refuses the first `failures` connections, like a broker that is still booting."""

    def __init__(self, path: Path, failures: int) -> None:
        super().__init__(EmbeddedBusSettings(path=path))
        self.failures = failures
        self.attempts = 0

    async def start(self) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ConnectionError("broker not ready")
        await super().start()


def _runtime(tmp_path: Path, bus: SlowBus, timeout: float) -> ServiceRuntime:
    settings = ServiceSettings(data_dir=tmp_path, migrate_on_start=False, bus_connect_timeout_s=timeout)
    return ServiceRuntime(
        name="probe", settings=settings, messaging=add_messaging_tables(sa.MetaData()), migrations_dir=tmp_path, bus=bus
    )


async def test_runtime_waits_for_a_bus_that_comes_up(tmp_path: Path) -> None:
    bus = SlowBus(tmp_path / "bus.db", failures=2)
    runtime = _runtime(tmp_path, bus, timeout=30)
    await runtime._connect_bus()
    assert bus.attempts == 3
    await bus.close()
    await runtime.engine.dispose()


async def test_runtime_gives_up_after_its_deadline(tmp_path: Path) -> None:
    bus = SlowBus(tmp_path / "bus.db", failures=100)
    runtime = _runtime(tmp_path, bus, timeout=1.2)
    with pytest.raises(ConnectionError):
        await runtime._connect_bus()
    assert 2 <= bus.attempts <= 3
    await runtime.engine.dispose()


async def test_periodic_jobs_run_while_the_service_runs_and_survive_a_failure(tmp_path: Path) -> None:
    import asyncio

    bus = SlowBus(tmp_path / "bus.db", failures=0)
    runtime = _runtime(tmp_path, bus, timeout=5)
    runs: list[int] = []

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("first run fails")

    runtime.every(0.05, job, name="probe")
    async with runtime.engine.begin() as conn:
        await conn.run_sync(runtime.messaging.outbox.metadata.create_all)
    await runtime.start()
    await asyncio.sleep(0.4)
    health = await runtime.health()
    await runtime.stop()
    assert len(runs) >= 3, "the job stopped after its failing run"
    assert health["stopped_tasks"] == []
