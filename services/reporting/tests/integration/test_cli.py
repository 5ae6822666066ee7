"""`edu reporting generate` and `edu reporting replay` on the embedded platform's data directory."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from edu_shared.db.engine import create_engine
from edu_shared.testing.province import ProvinceSpec, province_events
from edurecords.cli import app
from reporting.adapters import orm
from reporting.config import ReportingSettings


def test_generate_writes_the_province_events_as_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "province.jsonl"
    result = CliRunner().invoke(app, ["reporting", "generate", "--schools", "2", "--students", "60", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected = list(province_events(ProvinceSpec(schools=2, students=60)))
    assert [(line["topic"], line["event"]["data"]) for line in lines] == [
        (e.topic, e.payload.model_dump(mode="json")) for e in expected
    ]
    assert "Đã sinh" in result.output


def test_generate_on_the_bus_then_replay_builds_the_projections(tmp_path: Path) -> None:
    runner = CliRunner()
    generated = runner.invoke(
        app, ["reporting", "generate", "--schools", "2", "--students", "60", "--data-dir", str(tmp_path)]
    )
    assert generated.exit_code == 0, generated.output
    replayed = runner.invoke(app, ["reporting", "replay", "--data-dir", str(tmp_path)])
    assert replayed.exit_code == 0, replayed.output
    assert "Đã dựng lại dữ liệu báo cáo" in replayed.output

    async def students() -> int:
        engine = create_engine(ReportingSettings(data_dir=tmp_path).resolved_database_url("reporting"))
        try:
            async with engine.connect() as conn:
                return int(await conn.scalar(sa.select(sa.func.sum(orm.enrolment_counts.c.n))) or 0)
        finally:
            await engine.dispose()

    dropped = sum(
        1 for e in province_events(ProvinceSpec(schools=2, students=60)) if "DroppedOut" in type(e.payload).__name__
    )
    assert asyncio.run(students()) == 60 - dropped
    bad = runner.invoke(app, ["reporting", "generate", "--school-year", "2025"])
    assert bad.exit_code == 2 and "không hợp lệ" in bad.output
