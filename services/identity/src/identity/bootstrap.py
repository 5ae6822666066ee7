"""Where settings choose identity's adapters; builds the runtime and the FastAPI app."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from edu_shared.auth.keys import KeySet
from edu_shared.auth.permissions import Permission, Scope, authorize
from edu_shared.auth.principal import CurrentUserClaims
from edu_shared.auth.verify import access_token_claims
from edu_shared.bus.port import EventBus
from edu_shared.contracts.gradebook import TOPIC as GRADEBOOK_TOPIC
from edu_shared.db.uow import idempotent_handler
from edu_shared.runtime import ServiceRuntime
from edu_shared.web.app import create_service_app
from identity.adapters import orm
from identity.adapters.audit import AuditEntry
from identity.adapters.structure_repo import IdentityScopeResolver
from identity.config import IdentitySettings
from identity.service_layer.accounts import AuthContext, account_grants, get_account
from identity.service_layer.handlers import ensure_signing_keys
from identity.service_layer.lifecycle import apply_promotion_decided
from identity.service_layer.uow import IdentityUnitOfWork

NAME = "identity"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class IdentityService:
    runtime: ServiceRuntime
    settings: IdentitySettings
    keys: KeySet = field(default_factory=KeySet)

    def __post_init__(self) -> None:
        # Identity resolves scopes over its own tables (classes and students included), not a projection.
        self.resolver = IdentityScopeResolver(self.runtime.sessions)
        # Sign-in policies, password hashing and the credential keys; shares `self.keys` (rotated in place).
        self.auth = AuthContext.from_settings(self.settings, keys=self.keys)

    async def authorize(self, user: CurrentUserClaims, permission: Permission, scope: Scope) -> None:
        """Check a permission; a denial is also written to the audit trail (committed on its own)."""

        async def record_denial(who: CurrentUserClaims, what: Permission, where: Scope) -> None:
            school_id = await self.resolver.school_of(where)
            async with self.uow() as uow:
                await uow.audit.record(
                    AuditEntry(
                        actor=who.sub,
                        action="access.denied",
                        outcome="denied",
                        target_type=where[0].value,
                        target_id=where[1],
                        school_id=school_id,
                        details={"permission": what.value, "username": who.username},
                    )
                )
                await uow.commit()

        await authorize(user, permission, scope, resolver=self.resolver, on_denied=record_denial)

    def uow(self) -> IdentityUnitOfWork:
        return IdentityUnitOfWork(
            sessions=self.runtime.sessions,
            messaging=orm.messaging,
            source=f"/{NAME}",
            on_commit=self.runtime.on_commit(),
        )

    async def load_keys(self) -> None:
        loaded = await ensure_signing_keys(self.uow(), rotate_after_s=self.settings.key_rotation_days * 86400)
        self.keys.keys = loaded.keys

    async def jwks(self) -> dict[str, Any]:
        return self.keys.jwks()

    def issue_access_token(self, user: CurrentUserClaims) -> str:
        return self.keys.sign(access_token_claims(user, ttl_s=self.settings.access_token_ttl_s))

    async def issue_access_token_for(self, account_id: str) -> str:
        """An access token for a stored account with its active role grants (what sign-in issues)."""
        account = await get_account(account_id, self.uow())
        grants = await account_grants(account_id, self.uow(), self.auth)
        return self.issue_access_token(
            CurrentUserClaims(
                sub=account.id, username=account.username, name=account.display_name, grants=tuple(grants)
            )
        )


def build(settings: IdentitySettings | None = None, *, bus: EventBus | None = None) -> IdentityService:
    settings = settings or IdentitySettings()
    service: IdentityService | None = None

    async def local_jwks() -> dict[str, Any]:
        # Identity verifies its own tokens without calling itself over HTTP.
        assert service is not None
        return await service.jwks()

    runtime = ServiceRuntime(
        name=NAME, settings=settings, messaging=orm.messaging, migrations_dir=MIGRATIONS, bus=bus, jwks=local_jwks
    )
    service = IdentityService(runtime=runtime, settings=settings)
    # Promotion decisions from the gradebook feed the year rollover (inbox: each event applied once).
    runtime.subscribe(
        group="promotions",
        topics=[GRADEBOOK_TOPIC],
        handler=idempotent_handler(group=f"{NAME}.promotions", uow=service.uow, apply=apply_promotion_decided),
    )
    runtime.startup_hooks.append(service.load_keys)
    # Rotation is due every `key_rotation_days`; checking hourly keeps a long-running identity on schedule.
    runtime.every(3600, service.load_keys, name="key-rotation")
    return service


def create_app(service: IdentityService, *, manage_lifespan: bool = True) -> FastAPI:
    from identity.entrypoints import (
        api,
        audit_api,
        auth_api,
        grants_api,
        import_api,
        lifecycle_api,
        oneroster_api,
        people_api,
        structure_api,
    )

    app = create_service_app(
        runtime=service.runtime,
        title="EduRecords — Định danh và tổ chức",
        description="Cây tổ chức (Sở, đơn vị trung gian, trường), tài khoản, vai trò và khóa ký mã xác thực.",
        routers=[
            api.router,
            auth_api.router,
            grants_api.router,
            structure_api.router,
            people_api.router,
            import_api.router,
            audit_api.router,
            oneroster_api.router,
            lifecycle_api.router,
        ],
        manage_lifespan=manage_lifespan,
    )
    app.state.service = service
    return app
