"""Tokens verified against JWKS (rotation, expiry, forgery) and scope-bound permissions."""

from __future__ import annotations

import time

import jwt
import pytest

from edu_shared.auth.keys import KeySet
from edu_shared.auth.permissions import Permission, Scope, authorize
from edu_shared.auth.principal import CurrentUserClaims, Role, ScopeType
from edu_shared.auth.verify import TokenVerifier, access_token_claims
from edu_shared.errors import PermissionDenied, ServiceUnavailable, Unauthenticated
from edu_shared.testing.tokens import TokenIssuer, user_with

TEACHER = user_with(Role.SUBJECT_TEACHER, ScopeType.SCHOOL, "school-a", username="anvn.thcshoalac")


async def test_valid_token_yields_the_user_and_grants() -> None:
    tokens = TokenIssuer()
    user = await tokens.verifier().verify(tokens.issue(TEACHER))
    assert user == TEACHER


async def test_expired_token_is_refused_with_reason() -> None:
    tokens = TokenIssuer()
    claims = access_token_claims(TEACHER)
    claims["exp"] = int(time.time()) - 120
    with pytest.raises(Unauthenticated) as err:
        await tokens.verifier(leeway_s=0).verify(tokens.keys.sign(claims))
    assert err.value.extensions["reason"] == "expired"


async def test_token_signed_by_a_foreign_key_with_a_known_kid_is_refused() -> None:
    tokens = TokenIssuer()
    forger = KeySet()
    forged_key = forger.rotate()
    object.__setattr__(forged_key, "kid", tokens.keys.current.kid)  # claims to be the real key
    with pytest.raises(Unauthenticated) as err:
        await tokens.verifier().verify(forger.sign(access_token_claims(TEACHER)))
    assert err.value.extensions["reason"] == "invalid"


async def test_symmetric_or_unsigned_tokens_are_refused() -> None:
    tokens = TokenIssuer()
    hs = jwt.encode(
        access_token_claims(TEACHER),
        "a-guessed-shared-secret-of-32-bytes!!",
        algorithm="HS256",
        headers={"kid": tokens.keys.current.kid},
    )
    with pytest.raises(Unauthenticated):
        await tokens.verifier().verify(hs)
    with pytest.raises(Unauthenticated):
        await tokens.verifier().verify("not-a-token")


async def test_rotated_key_is_fetched_once_and_old_tokens_stay_valid() -> None:
    tokens = TokenIssuer()
    verifier = tokens.verifier(min_refresh_s=0)
    old = tokens.issue(TEACHER)
    await verifier.verify(old)
    assert tokens.fetches == 1
    tokens.keys.rotate()
    new = tokens.issue(TEACHER)
    assert jwt.get_unverified_header(new)["kid"] != jwt.get_unverified_header(old)["kid"]
    await verifier.verify(new)
    await verifier.verify(old)
    await verifier.verify(new)
    assert tokens.fetches == 2


async def test_unknown_kid_does_not_hammer_the_jwks_endpoint() -> None:
    tokens = TokenIssuer()
    verifier = tokens.verifier(min_refresh_s=60)
    await verifier.verify(tokens.issue(TEACHER))
    stranger = KeySet()
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            await verifier.verify(stranger.sign(access_token_claims(TEACHER)))
    assert tokens.fetches == 1


class TreeResolver:
    """province ← commune-1 ← school-a; commune-2 ← school-b."""

    parents = {"school-a": "commune-1", "school-b": "commune-2"}

    async def lineage(self, scope: Scope) -> set[Scope]:
        kind, ident = scope
        found: set[Scope] = {scope}
        if kind == ScopeType.SCHOOL:
            found.add((ScopeType.ORG_UNIT, self.parents[ident]))
        return found


async def test_commune_admin_manages_schools_under_the_commune_only(caplog: pytest.LogCaptureFixture) -> None:
    admin = user_with(Role.UNIT_ADMIN, ScopeType.ORG_UNIT, "commune-1")
    await authorize(admin, Permission.ORG_MANAGE, (ScopeType.SCHOOL, "school-a"), resolver=TreeResolver())
    with pytest.raises(PermissionDenied) as err:
        await authorize(admin, Permission.ORG_MANAGE, (ScopeType.SCHOOL, "school-b"), resolver=TreeResolver())
    assert err.value.extensions == {"permission": "org.manage", "scope_type": "school", "scope_id": "school-b"}
    assert any(r.message == "access denied" for r in caplog.records)


async def test_department_admin_never_enters_scores() -> None:
    admin = user_with(Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, "province")
    with pytest.raises(PermissionDenied):
        await authorize(admin, Permission.SCORES_ENTER, (ScopeType.SCHOOL, "school-a"), resolver=TreeResolver())


async def test_user_without_grants_is_denied() -> None:
    nobody = CurrentUserClaims(sub="x", username="x")
    with pytest.raises(PermissionDenied):
        await authorize(nobody, Permission.SCHOOL_READ, (ScopeType.SCHOOL, "school-a"), resolver=TreeResolver())


async def test_identity_outage_keeps_cached_keys_working() -> None:
    tokens = TokenIssuer()
    healthy = True

    async def flaky() -> dict[str, object]:
        if not healthy:
            raise ConnectionError("identity down")
        return await tokens.jwks()

    verifier = TokenVerifier(flaky, cache_ttl_s=0.0, min_refresh_s=0.0)
    token = tokens.issue(TEACHER)
    await verifier.verify(token)
    healthy = False
    assert await verifier.verify(token) == TEACHER


async def test_identity_outage_without_cached_keys_is_a_503_problem() -> None:
    async def down() -> dict[str, object]:
        raise ConnectionError("identity down")

    with pytest.raises(ServiceUnavailable) as err:
        await TokenVerifier(down).verify(TokenIssuer().issue(TEACHER))
    assert err.value.status == 503
