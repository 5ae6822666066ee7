"""`edu transcripts`: year-end generation of a class's or a whole school's transcripts with a progress bar.

`generate` runs the same resumable job as `POST /transcript-jobs`, in this process, on the transcript service's
database and object store (embedded under the data directory, or the servers named by TRANSCRIPT_* settings):
every student's PDF and XML (the signed files where a version is signed), then one archive bundle per class
(zip with a SHA-256 manifest). Interrupted, the same command resumes the job where it stopped.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from edu_shared.errors import DomainError
from transcript.bootstrap import build
from transcript.config import TranscriptSettings
from transcript.domain.batch import Job
from transcript.service_layer.batch import create_job, run_job

transcripts_app = typer.Typer(
    help="Học bạ số: tạo hàng loạt cuối năm và đóng gói lưu trữ theo lớp.", no_args_is_help=True
)

DataDir = Annotated[Path | None, typer.Option(help="Thư mục dữ liệu của chế độ nhúng (mặc định var/data)")]


async def _generate(settings: TranscriptSettings, school_id: str, class_id: str | None) -> tuple[Job, bool]:
    service = build(settings)
    try:
        await service.runtime.migrate()
        job, created = await create_job(
            school_id=school_id,
            class_id=class_id,
            uow_factory=service.uow,
            caller=None,
            by="edu transcripts generate",
            now=datetime.now(UTC),
        )
        columns = (
            TextColumn("[bold]Tạo học bạ"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("lỗi: {task.fields[errors]}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, transient=False) as progress:
            bar = progress.add_task("hoc-ba", total=job.total, completed=job.done + job.errors, errors=job.errors)

            async def show(current: Job) -> None:
                progress.update(bar, completed=current.done + current.errors, errors=current.errors)

            finished = await run_job(
                job.id,
                service.uow,
                store=service.runtime.object_store,
                base_url=settings.public_base_url,
                on_progress=show,
            )
        return finished, created
    finally:
        await service.runtime.engine.dispose()


@transcripts_app.command("generate")
def generate(
    school: Annotated[str, typer.Option(help="Mã định danh của trường")],
    class_id: Annotated[
        str | None, typer.Option("--class", help="Mã định danh của lớp (bỏ trống: mọi lớp của năm học mới nhất)")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Generate every transcript of a class or a school (PDF + XML) and one archive bundle per class."""
    settings = TranscriptSettings() if data_dir is None else TranscriptSettings(data_dir=data_dir)
    try:
        job, created = asyncio.run(_generate(settings, school, class_id))
    except DomainError as e:
        typer.secho(f"Lỗi: {e.detail}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2) from e
    if not created:
        typer.secho(f"Đã tiếp tục tác vụ đang dở {job.id}.", fg=typer.colors.YELLOW)
    typer.secho(
        f"Xong tác vụ {job.id}: {job.done}/{job.total} học bạ, {job.errors} lỗi.",
        fg=typer.colors.GREEN if not job.errors else typer.colors.YELLOW,
    )
    for archive in job.archives:
        typer.echo(
            f"Lưu trữ lớp {archive.class_id} ({archive.school_year}): {archive.object_key} "
            f"— {archive.files} tệp, SHA-256 {archive.sha256}"
        )
    if job.errors:
        raise typer.Exit(code=1)
