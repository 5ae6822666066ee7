"""A minimal token issuer for tests: a real ES256 key set, real JWTs, a JWKS fetcher for TokenVerifier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edu_shared.auth.keys import KeySet
from edu_shared.auth.principal import CurrentUserClaims, Role, RoleGrant, ScopeType
from edu_shared.auth.verify import TokenVerifier, access_token_claims


@dataclass
class TokenIssuer:
    keys: KeySet = field(default_factory=KeySet)
    fetches: int = 0

    async def jwks(self) -> dict[str, Any]:
        self.fetches += 1
        return self.keys.jwks()

    def verifier(self, **kwargs: Any) -> TokenVerifier:
        return TokenVerifier(self.jwks, **kwargs)

    def issue(self, user: CurrentUserClaims, *, ttl_s: int = 900) -> str:
        return self.keys.sign(access_token_claims(user, ttl_s=ttl_s))


def user_with(role: Role, scope_type: ScopeType, scope_id: str, *, username: str = "tester") -> CurrentUserClaims:
    """A user holding exactly one grant."""
    return CurrentUserClaims(
        sub=f"user:{username}",
        username=username,
        name=username,
        grants=(RoleGrant(role=role, scope_type=scope_type, scope_id=scope_id),),
    )
