"""bench/transcript.py runs end to end with tiny sizes (it reports; nothing here reads timings)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[4] / "bench" / "transcript.py"


def test_transcript_bench_runs_every_scenario_with_tiny_sizes() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--class-size", "3", "--school-size", "6", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    for row in (
        "empty form (baseline)  service PDF writer",
        "empty form (baseline)  fpdf2 shared toolkit",
        "class of 3             PDF + XML",
        "school of 6            PDF + XML",
    ):
        assert row in result.stdout, result.stdout
