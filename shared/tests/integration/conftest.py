"""Fixtures of the shared library's integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edu_shared.testing.buses import BusHarness, embedded_harness, kafka_harness
from edu_shared.testing.servers import RealServers


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.kafka)])
async def harness(
    request: pytest.FixtureRequest, tmp_path: Path, real_servers: RealServers
) -> AsyncIterator[BusHarness]:
    if request.param == "embedded":
        async with embedded_harness(tmp_path) as h:
            yield h
    else:
        async with kafka_harness(real_servers.kafka_bootstrap) as h:
            yield h
