"""bench/gradebook.py runs end to end with tiny sizes on the real servers (it reports; nothing here reads timings)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from edu_shared.testing.servers import RealServers

pytestmark = [pytest.mark.postgres, pytest.mark.kafka, pytest.mark.timeout(300)]

BENCH = Path(__file__).resolve().parents[2] / "bench" / "gradebook.py"


def test_gradebook_bench_runs_every_scenario_with_tiny_sizes(real_servers: RealServers) -> None:
    env = {
        **os.environ,
        "EDU_TEST_POSTGRES_URL": real_servers.postgres_url,
        "EDU_TEST_KAFKA_BOOTSTRAP": real_servers.kafka_bootstrap,
    }
    sizes = ["--classes", "3", "--students", "4", "--sheets", "2", "--writers", "2", "--seconds", "0.5"]
    result = subprocess.run(
        [sys.executable, str(BENCH), *sizes, "--recompute-runs", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    for row in (
        "(a) raw asyncpg, one save",
        "(b) HTTP save 45×8, one teacher",
        "(a) raw asyncpg, sustained",
        "(c) HTTP saves, sustained, → Kafka",
        "(d) raw SELECT of the school's cells",
        "(d) recompute a school of 12",
    ):
        assert row in result.stdout, result.stdout
    # Every save of (c) reached Kafka: its two ScoresRecorded events were published by the relay.
    relayed = re.search(r"(\d+)/(\d+) events on Kafka", result.stdout)
    assert relayed is not None, result.stdout
    assert int(relayed[1]) == int(relayed[2]) > 0
