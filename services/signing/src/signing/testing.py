"""A small signing world for tests: one THCS school, its staff and their accounts, keys from the caller's backends.

Staff and accounts are fed the way identity feeds them in production: identity events through the service's
consumers. Used by the service's integration tests; nothing in the service imports it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from edu_shared.auth.principal import CurrentUserClaims, Role, RoleGrant, ScopeType
from edu_shared.contracts.identity import SchoolLevel, SchoolRegistered
from edu_shared.contracts.identity_accounts import AccountCreated, PersonKind
from edu_shared.contracts.identity_people import StaffRegistered
from edu_shared.contracts.signing import DocumentRef, SignerSpec, SigningRequested, SigningStep
from edu_shared.events.envelope import CloudEvent, new_event
from edu_shared.events.registry import EventPayload
from edu_shared.objectstore import S3StoreSettings
from edu_shared.testing.inprocess import database_for, serve_in_process
from edu_shared.testing.tokens import TokenIssuer
from signing.adapters import orm
from signing.bootstrap import SigningService, build, create_app
from signing.config import CredentialSetting, SigningSettings
from signing.domain.ports import SignerBackend
from signing.service_layer.verification import DocumentVerifier

SCHOOL = "sch-1"
SCHOOL_NAME = "Trường THCS Hòa Lạc"
CLASS = "cls-9a"
# staff id → (full name, the role their token carries, its scope, the test credential they sign with)
STAFF: dict[str, tuple[str, Role, ScopeType, str, str]] = {
    "gv-toan": ("Trần Văn Toán", Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{CLASS}:toan", "teacher"),
    "gv-van": ("Lê Thị Văn", Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{CLASS}:van", "teacher"),
    "gvcn": ("Nguyễn Thị Chủ Nhiệm", Role.HOMEROOM_TEACHER, ScopeType.CLASS, CLASS, "homeroom"),
    "hieu-truong": ("Phạm Văn Hiệu", Role.PRINCIPAL, ScopeType.SCHOOL, SCHOOL, "principal"),
}
SEAL_CREDENTIAL = "seal"


def account_of(staff_id: str) -> str:
    return f"acc-{staff_id}"


def transcript_steps() -> list[SigningStep]:
    """GVBM Toán and Văn (any order) → GVCN → principal → the school seal."""
    return [
        SigningStep(
            order=1,
            signers=[
                SignerSpec(
                    role="subject_teacher",
                    staff_id="gv-toan",
                    name="Trần Văn Toán",
                    field_name="Sig_Toan",
                    subject_code="toan",
                ),
                SignerSpec(
                    role="subject_teacher",
                    staff_id="gv-van",
                    name="Lê Thị Văn",
                    field_name="Sig_Van",
                    subject_code="van",
                ),
            ],
        ),
        SigningStep(
            order=2,
            signers=[
                SignerSpec(role="homeroom_teacher", staff_id="gvcn", name="Nguyễn Thị Chủ Nhiệm", field_name="Sig_GVCN")
            ],
        ),
        SigningStep(
            order=3,
            signers=[SignerSpec(role="principal", staff_id="hieu-truong", name="Phạm Văn Hiệu", field_name="Sig_HT")],
        ),
        SigningStep(order=4, signers=[SignerSpec(role="school_seal", name=SCHOOL_NAME, field_name="Sig_Dau")]),
    ]


@dataclass
class SigningWorld:
    service: SigningService
    client: httpx.AsyncClient
    issuer: TokenIssuer

    def as_staff(self, staff_id: str) -> dict[str, str]:
        """The bearer header of a staff member's account, with the grant identity gives their role."""
        name, role, scope_type, scope_id, _ = STAFF[staff_id]
        claims = CurrentUserClaims(
            sub=account_of(staff_id),
            username=staff_id,
            name=name,
            grants=(RoleGrant(role=role, scope_type=scope_type, scope_id=scope_id),),
        )
        return {"Authorization": f"Bearer {self.issuer.issue(claims)}"}

    def as_user(self, role: Role, scope_type: ScopeType, scope_id: str, *, sub: str) -> dict[str, str]:
        claims = CurrentUserClaims(
            sub=sub, username=sub, name=sub, grants=(RoleGrant(role=role, scope_type=scope_type, scope_id=scope_id),)
        )
        return {"Authorization": f"Bearer {self.issuer.issue(claims)}"}

    async def publish(self, *payloads: EventPayload, source: str = "/identity") -> list[CloudEvent]:
        """Deliver events to every consumer of the service, as the bus would; returns the envelopes."""
        events = [new_event(p, source=source, partition_key=SCHOOL) for p in payloads]
        for event in events:
            await self.deliver(event)
        return events

    async def deliver(self, event: CloudEvent) -> None:
        for sub in self.service.runtime.subscriptions:
            await sub.handler(event)

    async def upload(self, data: bytes, *, role: str, media_type: str) -> DocumentRef:
        """Put an author's file in the object store the way the transcript service does (claim check)."""
        stored = await self.service.runtime.object_store.put(data, content_type=media_type, prefix="transcripts/")
        return DocumentRef(
            role=role,
            object_key=stored.key,
            sha256=hashlib.sha256(data).hexdigest(),
            media_type=media_type,
            size=len(data),
        )

    async def requested(
        self,
        request_id: str,
        *,
        pdf: bytes,
        xml: bytes | None = None,
        steps: list[SigningStep] | None = None,
        title: str = "Học bạ — Nguyễn Thị Ánh — lớp 9A — 2025-2026",
    ) -> SigningRequested:
        """A `SigningRequested` as the transcript service publishes it, its files already uploaded."""
        documents = [await self.upload(pdf, role="pdf", media_type="application/pdf")]
        if xml is not None:
            documents.append(await self.upload(xml, role="xml", media_type="application/xml"))
        return SigningRequested(
            request_id=request_id,
            requester="transcript",
            school_id=SCHOOL,
            document_kind="transcript",
            title=title,
            reference=f"transcript:{request_id}:v1",
            documents=documents,
            steps=steps or transcript_steps(),
            requested_by="transcript-service",
            requested_at=datetime.now(UTC),
        )

    async def sign(self, request_id: str, staff_id: str, *, secret: str | None) -> httpx.Response:
        return await self.client.post(
            f"/signing-requests/{request_id}/sign",
            headers=self.as_staff(staff_id),
            json={} if secret is None else {"secret": secret},
        )

    async def events(self, prefix: str) -> list[dict[str, Any]]:
        """The outbox envelopes whose event type starts with `prefix`, oldest first."""
        outbox = orm.messaging.outbox
        async with self.service.runtime.engine.connect() as conn:
            rows = await conn.scalars(
                sa.select(outbox.c.envelope).where(outbox.c.event_type.like(f"{prefix}%")).order_by(outbox.c.seq)
            )
            return [json.loads(r) for r in rows]

    async def audit(self) -> list[dict[str, Any]]:
        """The school's audit trail as its principal reads it through HTTP."""
        r = await self.client.get(
            "/audit", headers=self.as_staff("hieu-truong"), params={"school_id": SCHOOL, "limit": 1000}
        )
        assert r.status_code == 200, r.text
        entries: list[dict[str, Any]] = r.json()["entries"]
        return entries


async def seed(world: SigningWorld) -> None:
    """The school, its four staff members and their accounts, as identity publishes them."""
    events: list[EventPayload] = [
        SchoolRegistered(
            school_id=SCHOOL,
            org_unit_id="xa-hl",
            moet_code="thcshl",
            name=SCHOOL_NAME,
            levels=[SchoolLevel.LOWER_SECONDARY],
        )
    ]
    for staff_id, (name, *_rest) in STAFF.items():
        family, *middle, given = name.split()
        events.append(
            StaffRegistered(
                staff_id=staff_id,
                school_id=SCHOOL,
                family_name=family,
                middle_name=" ".join(middle),
                given_name=given,
                full_name=name,
                title="Giáo viên",
            )
        )
        events.append(
            AccountCreated(
                account_id=account_of(staff_id),
                username=staff_id,
                person_kind=PersonKind.STAFF,
                person_id=staff_id,
                school_id=SCHOOL,
                display_name=name,
            )
        )
    await world.publish(*events)


def dev_credentials(backend: str) -> dict[str, CredentialSetting]:
    """Every staff member's key and the seal's on `backend`, as development settings name them."""
    found = {
        f"staff:{sid}": CredentialSetting(backend=backend, credential_id=cred) for sid, (*_, cred) in STAFF.items()
    }
    found[f"seal:{SCHOOL}"] = CredentialSetting(backend=backend, credential_id=SEAL_CREDENTIAL)
    return found


@asynccontextmanager
async def running_signing(
    tmp_path: Path,
    *,
    backends: Mapping[str, SignerBackend],
    verifier: DocumentVerifier | None = None,
    database_url: str | None = None,
    object_store: S3StoreSettings | None = None,
    **settings: Any,
) -> AsyncIterator[SigningWorld]:
    """The signing service on its migrated database (SQLite in `tmp_path`, or the PostgreSQL URL), seeded, with an
    HTTP client. Documents go to `object_store`, or to a folder in `tmp_path`."""
    config = SigningSettings(data_dir=tmp_path, database_url=database_url, object_store=object_store, **settings)
    async with serve_in_process(
        tmp_path,
        name="signing",
        build=lambda bus: build(config, bus=bus, backends=backends, verifier=verifier),
        create_app=create_app,
    ) as running:
        world = SigningWorld(service=running.service, client=running.client, issuer=running.issuer)
        await seed(world)
        yield world


@asynccontextmanager
async def signing_on(
    backend: str,
    tmp_path: Path,
    postgres_url: str,
    *,
    backends: Mapping[str, SignerBackend],
    verifier: DocumentVerifier | None = None,
    object_store: S3StoreSettings | None = None,
    **settings: Any,
) -> AsyncIterator[SigningWorld]:
    """`running_signing` on SQLite ("sqlite") or on a fresh database of the PostgreSQL server ("postgres")."""
    async with (
        database_for(backend, postgres_url) as url,
        running_signing(
            tmp_path, backends=backends, verifier=verifier, database_url=url, object_store=object_store, **settings
        ) as world,
    ):
        yield world
