"""`edu reporting`: rebuild the report projections from the event log; generate a synthetic province.

`replay` empties reporting's projections and applies the retained log of `edu.identity` then `edu.gradebook`
(the embedded log under the data directory, or Kafka when REPORTING_KAFKA__BOOTSTRAP_SERVERS is set).
`generate` publishes the events of a synthetic province on that bus (or writes them as JSON lines), for demos,
load tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Annotated

import typer

from edu_shared.bus.port import Record
from edu_shared.events.envelope import new_event
from edu_shared.testing.province import ProvinceSpec, province_events
from reporting.bootstrap import build
from reporting.config import ReportingSettings
from reporting.service_layer.projections import ReplayResult

reporting_app = typer.Typer(help="Báo cáo: dựng lại dữ liệu báo cáo, sinh dữ liệu tỉnh mẫu.", no_args_is_help=True)

DataDir = Annotated[Path | None, typer.Option(help="Thư mục dữ liệu của chế độ nhúng (mặc định var/data)")]


def _settings(data_dir: Path | None) -> ReportingSettings:
    return ReportingSettings() if data_dir is None else ReportingSettings(data_dir=data_dir)


async def _replay(settings: ReportingSettings) -> ReplayResult:
    service = build(settings)
    try:
        await service.runtime.migrate()
        await service.runtime.bus.start()
        return await service.replay()
    finally:
        await service.runtime.bus.close()
        await service.runtime.engine.dispose()


@reporting_app.command("replay")
def replay_command(data_dir: DataDir = None) -> None:
    """Rebuild every report projection from the retained event log (identity, then gradebook)."""
    result = asyncio.run(_replay(_settings(data_dir)))
    typer.secho(
        f"Đã dựng lại dữ liệu báo cáo từ {result.events} sự kiện trong {result.seconds:.1f} giây "
        f"({result.events_per_second:.0f} sự kiện/giây).",
        fg=typer.colors.GREEN,
    )
    if result.failed:
        typer.secho(f"{result.failed} sự kiện không áp dụng được (xem nhật ký).", fg=typer.colors.YELLOW, err=True)


async def _publish(settings: ReportingSettings, spec: ProvinceSpec) -> int:
    service = build(settings)
    bus = service.runtime.bus
    await bus.start()
    count = 0
    batch: list[Record] = []
    try:
        for generated in province_events(spec):
            event = new_event(generated.payload, source="/generator", partition_key=generated.key)
            batch.append(Record(topic=generated.topic, event=event))
            if len(batch) >= 1000:
                await bus.publish(batch)
                count += len(batch)
                batch = []
        if batch:
            await bus.publish(batch)
            count += len(batch)
    finally:
        await bus.close()
        await service.runtime.engine.dispose()
    return count


@reporting_app.command("generate")
def generate(
    schools: Annotated[int, typer.Option(min=1, help="Số trường")] = 6,
    students: Annotated[int, typer.Option(min=1, help="Số học sinh")] = 600,
    seed: Annotated[int, typer.Option(help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu)")] = 1,
    school_year: Annotated[str, typer.Option(help="Năm học")] = "2025-2026",
    out: Annotated[Path | None, typer.Option(help="Ghi sự kiện ra tệp JSON lines thay vì phát lên bus")] = None,
    data_dir: DataDir = None,
) -> None:
    """Generate a synthetic province's identity and gradebook events (realistic score distributions)."""
    if len(school_year) != 9 or school_year[4] != "-":
        typer.secho(f"Lỗi: năm học '{school_year}' không hợp lệ (dạng 2025-2026).", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2)
    spec = ProvinceSpec(schools=schools, students=students, seed=seed, school_year=school_year)
    started = time.perf_counter()
    if out is not None:
        count = 0
        with out.open("w", encoding="utf-8") as f:
            for generated in province_events(spec):
                event = new_event(generated.payload, source="/generator", partition_key=generated.key)
                f.write(
                    json.dumps({"topic": generated.topic, "event": event.model_dump(mode="json")}, ensure_ascii=False)
                )
                f.write("\n")
                count += 1
        where = str(out)
    else:
        count = asyncio.run(_publish(_settings(data_dir), spec))
        where = "bus sự kiện"
    typer.secho(
        f"Đã sinh {count} sự kiện ({schools} trường, {students} học sinh) vào {where} "
        f"trong {time.perf_counter() - started:.1f} giây.",
        fg=typer.colors.GREEN,
    )
