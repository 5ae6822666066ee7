"""The six services, by name: how to build each one and its FastAPI app (the runner's only registry)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

import gradebook.bootstrap
import gradebook.config
import identity.bootstrap
import identity.config
import notifications.bootstrap
import notifications.config
import reporting.bootstrap
import reporting.config
import signing.bootstrap
import signing.config
import transcript.bootstrap
import transcript.config
from edu_shared.bus.port import EventBus
from edu_shared.runtime import ServiceRuntime
from edu_shared.settings import ServiceSettings


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    settings_class: type[ServiceSettings]
    build: Callable[..., Any]
    create_app: Callable[..., FastAPI]


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec(
            "identity", identity.config.IdentitySettings, identity.bootstrap.build, identity.bootstrap.create_app
        ),
        ServiceSpec(
            "gradebook", gradebook.config.GradebookSettings, gradebook.bootstrap.build, gradebook.bootstrap.create_app
        ),
        ServiceSpec(
            "transcript",
            transcript.config.TranscriptSettings,
            transcript.bootstrap.build,
            transcript.bootstrap.create_app,
        ),
        ServiceSpec("signing", signing.config.SigningSettings, signing.bootstrap.build, signing.bootstrap.create_app),
        ServiceSpec(
            "reporting", reporting.config.ReportingSettings, reporting.bootstrap.build, reporting.bootstrap.create_app
        ),
        ServiceSpec(
            "notifications",
            notifications.config.NotificationsSettings,
            notifications.bootstrap.build,
            notifications.bootstrap.create_app,
        ),
    )
}


@dataclass
class BuiltService:
    spec: ServiceSpec
    handle: Any
    app: FastAPI

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.handle.runtime
        return runtime


def build_service(
    name: str, *, settings: ServiceSettings | None = None, bus: EventBus | None = None, manage_lifespan: bool = True
) -> BuiltService:
    spec = SERVICES[name]
    handle = spec.build(settings or spec.settings_class(), bus=bus)
    return BuiltService(spec=spec, handle=handle, app=spec.create_app(handle, manage_lifespan=manage_lifespan))
