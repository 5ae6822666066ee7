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
