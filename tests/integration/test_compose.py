"""The containerised stack's compose file is valid for docker-compose and for compose-spec (docker compose v2)."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_docker_compose_file_is_valid_and_names_every_service() -> None:
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "compose-check.sh")], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ok_line = next(line for line in result.stderr.splitlines() if "OK:" in line)
    for service in (
        "identity",
        "gradebook",
        "transcript",
        "signing",
        "reporting",
        "notifications",
        "kafka",
        "postgres",
        "minio",
        "otel-collector",
        "migrate",
    ):
        assert service in ok_line.split("services:")[1].split()
