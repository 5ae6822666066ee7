"""`edu audit`: check a service's hash-chained audit trail (lưu vết) straight from its database.

Exit codes: 0 every chain intact, 1 tampering found (the entries are named), 2 the check could not run.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

import gradebook.adapters.orm
from edu_shared.audit.chain import Anchor, ChainReport
from edu_shared.audit.trail import AuditTrail, verify_trail
from edu_shared.db.engine import create_engine, session_factory
from edurecords.services import SERVICES

# The services that keep a hash-chained trail, and its table.
AUDIT_TABLES: dict[str, sa.Table] = {"gradebook": gradebook.adapters.orm.audit}

audit_app = typer.Typer(help="Lưu vết: kiểm tra tính toàn vẹn.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.secho(f"Lỗi: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code=2)


def _anchors(raw: list[str]) -> dict[str, Anchor]:
    found: dict[str, Anchor] = {}
    for text in raw:
        school, _, head = text.partition("=")
        seq, _, digest = head.partition(":")
        if not school or not seq.isdigit() or int(seq) < 1 or len(digest) != 64:
            _fail(f"mốc '{text}' không hợp lệ: cần dạng TRƯỜNG=SỐ:HASH (hash 64 kí tự hex).")
        found[school] = Anchor(int(seq), digest.lower())
    return found


async def _verify(service: str, url: str, schools: list[str] | None, anchors: dict[str, Anchor]) -> list[ChainReport]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            trail = AuditTrail(session, AUDIT_TABLES[service])
            return await verify_trail(trail, chains=schools, anchors=anchors)
    finally:
        await engine.dispose()


@audit_app.command("verify")
def verify(
    service: Annotated[str, typer.Option(help="Dịch vụ có lưu vết")] = "gradebook",
    school: Annotated[list[str] | None, typer.Option(help="Mã trường (lặp lại được); mặc định: mọi trường")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Thư mục dữ liệu của chế độ nhúng (mặc định var/data)")] = None,
    anchor: Annotated[
        list[str] | None,
        typer.Option(help="Mốc đã công bố TRƯỜNG=SỐ:HASH (từ sự kiện AuditHeadAdvanced), lặp lại được"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON")] = False,
) -> None:
    """Recompute every school's hash chain; name each edited, deleted or reordered entry."""
    anchors = _anchors(anchor or [])
    if service not in AUDIT_TABLES:
        _fail(f"dịch vụ '{service}' không có lưu vết dạng chuỗi băm. Chọn một trong: {', '.join(AUDIT_TABLES)}.")
    spec = SERVICES[service]
    settings = spec.settings_class() if data_dir is None else spec.settings_class(data_dir=data_dir)
    url = settings.resolved_database_url(service)
    if url.startswith("sqlite") and not Path(url.split("///", 1)[1]).exists():
        _fail(f"không tìm thấy cơ sở dữ liệu {url.split('///', 1)[1]} (đã chạy nền tảng chưa? dùng --data-dir).")
    try:
        reports = asyncio.run(_verify(service, url, school, anchors))
    except sa.exc.SQLAlchemyError as exc:
        _fail(f"không đọc được lưu vết của {service}: {exc.__class__.__name__}: {exc}".splitlines()[0])
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "school_id": r.chain,
                        "intact": r.intact,
                        "entries": r.entries,
                        "head_seq": r.head_seq,
                        "head_hash": r.head_hash,
                        "breaks": [{"seq": b.seq, "reason": b.reason} for b in r.breaks],
                    }
                    for r in reports
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        if not reports:
            typer.echo("Chưa có bản ghi lưu vết nào.")
        for r in reports:
            if r.intact:
                typer.echo(f"✓ {r.chain}: {r.entries} bản ghi toàn vẹn, hash cuối {r.head_hash[:16]}…")
            else:
                typer.secho(f"✗ {r.chain}: lưu vết đã bị can thiệp", fg=typer.colors.RED)
                for b in r.breaks:
                    typer.echo(f"    bản ghi số {b.seq}: {b.reason}")
    if any(not r.intact for r in reports):
        raise typer.Exit(code=1)
