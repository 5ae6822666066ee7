"""Builds each bus implementation for the contract suite, with a way to take its broker down and back up."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.bus.port import EventBus

REPO = Path(__file__).resolve().parents[4]


@dataclass
class BusHarness:
    name: str
    bus: EventBus
    outage: Callable[[], Awaitable[None]]
    recover: Callable[[], Awaitable[None]]
    new_bus: Callable[[], EventBus]


async def _kafka_script(action: str) -> None:
    proc = await asyncio.to_thread(
        subprocess.run, ["bash", str(REPO / "scripts" / "kafka.sh"), action], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/kafka.sh {action} failed: {proc.stderr[-2000:]}")


@asynccontextmanager
async def embedded_harness(tmp_path: Path) -> AsyncIterator[BusHarness]:
    settings = EmbeddedBusSettings(
        path=tmp_path / "bus.db", poll_interval_s=0.05, session_timeout_s=2.0, rebalance_interval_s=0.2
    )
    made: list[EmbeddedBus] = []

    def new_bus() -> EmbeddedBus:
        bus = EmbeddedBus(settings)
        made.append(bus)
        return bus

    bus = new_bus()
    await bus.start()

    async def outage() -> None:
        await bus.close()

    async def recover() -> None:
        await bus.start()

    try:
        yield BusHarness("embedded", bus, outage, recover, new_bus)
    finally:
        for b in made:
            await b.close()


@asynccontextmanager
async def kafka_harness(bootstrap: str) -> AsyncIterator[BusHarness]:
    from edu_shared.bus.kafka import KafkaBus, KafkaSettings

    settings = KafkaSettings(
        bootstrap_servers=bootstrap,
        partitions=4,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        request_timeout_ms=15000,
    )
    made: list[KafkaBus] = []

    def new_bus() -> KafkaBus:
        bus = KafkaBus(settings)
        made.append(bus)
        return bus

    bus = new_bus()
    await bus.start()

    async def outage() -> None:
        await _kafka_script("stop")

    async def recover() -> None:
        await _kafka_script("start")

    try:
        yield BusHarness("kafka", bus, outage, recover, new_bus)
    finally:
        await _kafka_script("start")  # never leave the broker down for the next test
        for b in made:
            await b.close()
