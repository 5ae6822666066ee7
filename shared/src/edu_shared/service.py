"""The handle a service's entrypoints hold: its runtime, a unit-of-work factory, its org directory.

Every service but identity keeps the org directory as a projection of identity events; building one of
these subscribes that projection's consumer (idempotent through the inbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from edu_shared.contracts.identity import TOPIC as IDENTITY_TOPIC
from edu_shared.db.uow import SqlUnitOfWork, idempotent_handler
from edu_shared.directory import DirectoryResolver, DirectoryTables, apply_directory_event
from edu_shared.events.envelope import CloudEvent
from edu_shared.runtime import ServiceRuntime

U = TypeVar("U", bound=SqlUnitOfWork)


@dataclass
class DirectoryService(Generic[U]):
    runtime: ServiceRuntime
    uow_class: type[U]
    directory: DirectoryTables
    resolver: DirectoryResolver

    def __post_init__(self) -> None:
        self.runtime.subscribe(
            group="directory",
            topics=[IDENTITY_TOPIC],
            handler=idempotent_handler(
                group=f"{self.runtime.name}.directory", uow=self.uow, apply=self._apply_directory
            ),
        )

    def uow(self) -> U:
        return self.uow_class(
            sessions=self.runtime.sessions,
            messaging=self.runtime.messaging,
            source=f"/{self.runtime.name}",
            on_commit=self.runtime.on_commit(),
        )

    async def _apply_directory(self, uow: U, event: CloudEvent) -> None:
        await apply_directory_event(uow.session, self.directory, event)
        self.resolver.invalidate()
