"""Builds a service's FastAPI app the same way for every service: problems, health, tracing, auth."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from edu_shared.auth.principal import CurrentUserClaims
from edu_shared.errors import Unauthenticated
from edu_shared.runtime import ServiceRuntime
from edu_shared.web.problems import install_problem_handlers


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(runtime_of)]


async def current_user(request: Request, runtime: RuntimeDep) -> CurrentUserClaims:
    """The caller, from `Authorization: Bearer <access token>`."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Cần đăng nhập: thiếu mã xác thực (Authorization: Bearer …).", reason="missing")
    return await runtime.verifier.verify(token.strip())


CurrentUser = Annotated[CurrentUserClaims, Depends(current_user)]


def create_service_app(
    *,
    runtime: ServiceRuntime,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    manage_lifespan: bool,
    version: str = "0.1.0",
) -> FastAPI:
    """`manage_lifespan` False when a gateway mounts the app and starts the runtime itself (embedded mode)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if manage_lifespan:
            await runtime.start()
        try:
            yield
        finally:
            if manage_lifespan:
                await runtime.stop()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.runtime = runtime
    install_problem_handlers(app)

    @app.get("/healthz", tags=["health"], summary="Tình trạng dịch vụ")
    async def healthz() -> JSONResponse:
        """Liveness and readiness: database, background tasks, outbox backlog."""
        body: dict[str, Any] = await runtime.health()
        return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)

    for router in routers:
        app.include_router(router)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz")
    return app
