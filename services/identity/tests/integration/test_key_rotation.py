"""Token keys rotate when due; the previous key stays published so tokens it signed still verify."""

from __future__ import annotations

import time
from pathlib import Path

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.testing.tokens import user_with
from identity.bootstrap import build
from identity.config import IdentitySettings
from identity.service_layer.handlers import ensure_signing_keys


async def test_due_rotation_adds_a_key_and_keeps_the_previous_one_published(tmp_path: Path) -> None:
    bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
    service = build(IdentitySettings(data_dir=tmp_path), bus=bus)
    await bus.start()
    await service.runtime.start()
    try:
        first_kid = service.keys.current.kid
        token = service.issue_access_token(user_with(Role.PRINCIPAL, ScopeType.SCHOOL, "s"))
        not_due = await ensure_signing_keys(service.uow(), rotate_after_s=3600)
        assert [k.kid for k in not_due.keys] == [first_kid]
        time.sleep(0.6)
        rotated = await ensure_signing_keys(service.uow(), rotate_after_s=0.5)
        assert rotated.current.kid != first_kid
        service.keys.keys = rotated.keys
        published = {k["kid"] for k in (await service.jwks())["keys"]}
        assert {first_kid, rotated.current.kid} <= published
        verifier = service.runtime.verifier
        assert (await verifier.verify(token)).sub == "user:tester"
        new_token = service.issue_access_token(user_with(Role.PRINCIPAL, ScopeType.SCHOOL, "s"))
        assert (await verifier.verify(new_token)).sub == "user:tester"
    finally:
        await service.runtime.stop()
        await bus.close()
