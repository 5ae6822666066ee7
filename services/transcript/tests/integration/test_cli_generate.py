"""`edu transcripts generate`: the year-end job from the command line, on the embedded data directory."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from typer.testing import CliRunner

from edurecords.cli import app
from transcript.adapters.packages import manifest_problems, read_zip
from transcript.bootstrap import build
from transcript.config import TranscriptSettings
from transcript.testing import C6A1, SCHOOL, approved, running_transcripts, year_result


async def _seed(data_dir: Path) -> None:
    async with running_transcripts(data_dir) as tr:
        await tr.publish(approved("year", [year_result("st-1", "Nguyễn Thị Ánh"), year_result("st-2", "Lê Văn Bình")]))


async def _archive(data_dir: Path, key: str) -> bytes:
    service = build(TranscriptSettings(data_dir=data_dir))
    try:
        return await service.runtime.object_store.get(key)
    finally:
        await service.runtime.engine.dispose()


def test_generate_writes_the_class_archive_and_reports_it(tmp_path: Path) -> None:
    asyncio.run(_seed(tmp_path))
    result = CliRunner().invoke(
        app, ["transcripts", "generate", "--school", SCHOOL, "--class", C6A1, "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "2/2 học bạ, 0 lỗi" in result.output
    [line] = [x for x in result.output.splitlines() if x.startswith(f"Lưu trữ lớp {C6A1}")]
    key = line.split(": ", 1)[1].split(" ")[0]
    data = asyncio.run(_archive(tmp_path, key))
    assert line.endswith(hashlib.sha256(data).hexdigest())
    manifest, files = read_zip(data)
    assert manifest_problems(manifest, files) == [] and len(files) == 4
    unknown = CliRunner().invoke(
        app, ["transcripts", "generate", "--school", SCHOOL, "--class", "khong-co", "--data-dir", str(tmp_path)]
    )
    assert unknown.exit_code == 2
    assert "không có lớp với mã định danh khong-co" in unknown.output
