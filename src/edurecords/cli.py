"""`edu`: run the platform (embedded or one service per process), migrate, seed demo data, write API docs."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from edu_shared.auth.principal import CurrentUserClaims, Role, RoleGrant, ScopeType
from edu_shared.errors import DomainError
from edu_shared.observability.setup import ObservabilitySettings, configure_observability
from edurecords.cli_audit import audit_app
from edurecords.cli_reporting import reporting_app
from edurecords.cli_rules import rules_app
from edurecords.cli_transcripts import transcripts_app
from edurecords.services import SERVICES, build_service

app = typer.Typer(
    help="EduRecords — nền tảng hồ sơ điện tử trường học.", no_args_is_help=True, pretty_exceptions_enable=False
)
app.add_typer(audit_app, name="audit")
app.add_typer(rules_app, name="rules")
app.add_typer(reporting_app, name="reporting")
app.add_typer(transcripts_app, name="transcripts")


def _fail(message: str) -> None:
    typer.secho(f"Lỗi: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code=2)


def _check_service(name: str) -> None:
    if name not in SERVICES:
        _fail(f"không có dịch vụ '{name}'. Các dịch vụ: {', '.join(SERVICES)}.")


@app.command()
def up(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The one HTTP port of the platform")] = 8000,
    data_dir: Annotated[Path, typer.Option(help="Where SQLite files, the bus log and objects live")] = Path("var/data"),
    demo: Annotated[bool, typer.Option(help="Create the demo province on first start")] = True,
) -> None:
    """Start all six services in one process (embedded mode) with demo data."""
    from edurecords.gateway import create_embedded_app

    configure_observability(service_name="edurecords", settings=ObservabilitySettings())
    web = create_embedded_app(data_dir=data_dir, demo=demo)
    typer.secho(
        f"EduRecords đang chạy tại http://{host}:{port}/  (tình trạng: http://{host}:{port}/healthz)",
        fg=typer.colors.GREEN,
        err=True,
    )
    uvicorn.run(web, host=host, port=port, log_config=None)


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="identity, gradebook, transcript, signing, reporting, notifications")],
    host: str = "127.0.0.1",
    port: int = 8001,
    root_path: Annotated[str, typer.Option(help="Path prefix when behind a gateway, e.g. /api/gradebook")] = "",
) -> None:
    """Run one service as its own process (distributed mode; settings from its env prefix)."""
    _check_service(service)
    built = build_service(service)
    configure_observability(service_name=service, settings=built.runtime.settings.observability)
    uvicorn.run(built.app, host=host, port=port, log_config=None, root_path=root_path)


@app.command()
def migrate(
    services: Annotated[list[str] | None, typer.Argument(help="Services to migrate (default: all)")] = None,
) -> None:
    """Apply database migrations (distributed mode runs this before starting services)."""
    names = services or list(SERVICES)
    for name in names:
        _check_service(name)

    async def run() -> None:
        for name in names:
            built = build_service(name)
            await built.runtime.migrate()
            await built.runtime.engine.dispose()
            typer.echo(f"{name}: đã cập nhật cơ sở dữ liệu ({built.runtime.engine.dialect.name})")

    asyncio.run(run())


@app.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo province through the identity service (settings from IDENTITY_*)."""
    from edurecords.demo import seed_demo

    async def run() -> None:
        built = build_service("identity")
        await built.runtime.start()
        try:
            created = await seed_demo(built.handle)
            while (await built.runtime.health())["outbox_backlog"]:
                await asyncio.sleep(0.2)
        finally:
            await built.runtime.stop()
        typer.echo("Đã tạo dữ liệu mẫu." if created else "Dữ liệu mẫu đã có sẵn.")

    asyncio.run(run())


@app.command("bootstrap-province")
def bootstrap_province(
    code: Annotated[str, typer.Option(help="Code of the department (Sở), e.g. so-gddt-daknong")],
    name: Annotated[str, typer.Option(help="Name, e.g. 'Sở Giáo dục và Đào tạo tỉnh Đắk Nông'")],
    admin_name: Annotated[str, typer.Option(help="Full name of the first department administrator")],
) -> None:
    """Create the org tree's root (the Sở) and its first administrator; prints a one-time password."""
    from edu_shared.auth.principal import RoleGrant as Grant
    from edu_shared.contracts.identity import OrgUnitKind
    from edu_shared.contracts.identity_accounts import PersonKind
    from identity.service_layer import accounts, handlers

    async def run() -> None:
        built = build_service("identity")
        service = built.handle
        await built.runtime.start()
        try:
            async with service.uow() as uow:
                roots = [u for u in await uow.org.list_units() if u.parent_id is None]
            if roots:
                _fail(f"cây tổ chức đã có gốc '{roots[0].code}'; lệnh này chỉ dùng cho lần cài đặt đầu tiên.")
            unit = await handlers.register_org_unit(
                handlers.RegisterOrgUnit(
                    code=code, name=name, kind=OrgUnitKind.DEPARTMENT, parent_id=None, actor="system:bootstrap"
                ),
                service.uow(),
            )
            created = await accounts.create_account(
                accounts.CreateAccount(
                    person_kind=PersonKind.ADMIN, display_name=admin_name, actor="system:bootstrap", org_unit_id=unit.id
                ),
                service.uow(),
                service.auth,
            )
            async with service.uow() as uow:
                await uow.accounts.add_grant(
                    grant_id=str(uuid.uuid4()),
                    account_id=created.account.id,
                    grant=Grant(role=Role.DEPARTMENT_ADMIN, scope_type=ScopeType.PROVINCE, scope_id="province"),
                    school_id=None,
                    actor="system:bootstrap",
                    now=service.auth.now(),
                    source="bootstrap",
                )
                await uow.commit()
            while (await built.runtime.health())["outbox_backlog"]:
                await asyncio.sleep(0.2)
        finally:
            await built.runtime.stop()
        typer.echo(f"Đã tạo {name} và tài khoản quản trị: {created.account.username}")
        typer.echo(
            f"Mật khẩu tạm thời (chỉ hiện một lần, phải đổi và đăng ký mã OTP khi đăng nhập lần đầu): "
            f"{created.temporary_password}"
        )

    asyncio.run(run())


@app.command("dev-token")
def dev_token(
    username: Annotated[str, typer.Option(help="Account name put in the token")] = "admin.so",
    role: Annotated[Role, typer.Option(help="Role granted")] = Role.DEPARTMENT_ADMIN,
    scope_type: Annotated[ScopeType, typer.Option(help="Scope kind of the grant")] = ScopeType.PROVINCE,
    scope_id: Annotated[str, typer.Option(help="Scope id of the grant")] = "province",
) -> None:
    """Print an access token signed by identity's current key (development and test only)."""

    async def run() -> str:
        built = build_service("identity")
        if built.runtime.settings.environment == "production":
            _fail("không cấp mã thử nghiệm trong môi trường production.")
        await built.runtime.migrate()
        await built.handle.load_keys()
        await built.runtime.engine.dispose()
        user = CurrentUserClaims(
            sub=f"dev:{username}",
            username=username,
            name=username,
            grants=(RoleGrant(role=role, scope_type=scope_type, scope_id=scope_id),),
        )
        token: str = built.handle.issue_access_token(user)
        return token

    typer.echo(asyncio.run(run()))


@app.command()
def makemigrations(service: str, message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """Autogenerate a migration for a service from its table definitions."""
    from alembic import command

    from edu_shared.db.migrations import alembic_config

    _check_service(service)
    migrations = build_service(service).runtime.migrations_dir
    with tempfile.TemporaryDirectory() as tmp:
        cfg = alembic_config(migrations_dir=migrations, url=f"sqlite+aiosqlite:///{Path(tmp) / 'm.db'}")
        command.upgrade(cfg, "heads")
        command.revision(cfg, message=message, autogenerate=True)


@app.command("write-docs")
def write_docs(out: Path = Path("docs")) -> None:
    """Write the OpenAPI document of every service and the AsyncAPI event catalogue into docs/."""
    from edurecords.asyncapi import asyncapi_document, with_event_table

    (out / "openapi").mkdir(parents=True, exist_ok=True)
    for name in SERVICES:
        spec = build_service(name).app.openapi()
        (out / "openapi" / f"{name}.json").write_text(json.dumps(spec, ensure_ascii=False, indent=2) + "\n")
    (out / "asyncapi.json").write_text(json.dumps(asyncapi_document(), ensure_ascii=False, indent=2) + "\n")
    architecture = out / "architecture.md"
    architecture.write_text(with_event_table(architecture.read_text()))
    typer.echo(f"Đã ghi tài liệu API vào {out}/openapi/ và {out}/asyncapi.json", err=True)


def main() -> None:
    """Entry point: a domain error (bad input) becomes a Vietnamese message and exit status 2, not a traceback."""
    try:
        app(sys.argv[1:])
    except DomainError as err:
        typer.secho(f"Lỗi: {err.detail}", err=True, fg=typer.colors.RED)
        sys.exit(2)
