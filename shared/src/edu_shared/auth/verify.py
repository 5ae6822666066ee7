"""Access-token verification against the identity service's JWKS, cached and aware of key rotation."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import jwt
from pydantic import ValidationError

from edu_shared.auth.keys import ALGORITHM
from edu_shared.auth.principal import CurrentUserClaims
from edu_shared.errors import ServiceUnavailable, Unauthenticated

log = logging.getLogger(__name__)

ISSUER = "edurecords-identity"
AUDIENCE = "edurecords"

JwksFetcher = Callable[[], Awaitable[dict[str, Any]]]


def http_jwks(url: str, *, timeout_s: float = 5.0) -> JwksFetcher:
    """Fetch JWKS over HTTP (distributed mode)."""

    async def fetch() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            response = await client.get(url)
            response.raise_for_status()
            data: dict[str, Any] = response.json()
            return data

    return fetch


class TokenVerifier:
    """Verifies ES256 tokens; refreshes the key set on an unknown `kid` (rotation), at most every few seconds."""

    def __init__(
        self, fetch: JwksFetcher, *, cache_ttl_s: float = 300.0, min_refresh_s: float = 5.0, leeway_s: float = 30.0
    ) -> None:
        self._fetch = fetch
        self._cache_ttl_s = cache_ttl_s
        self._min_refresh_s = min_refresh_s
        self._leeway_s = leeway_s
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if (force and age < self._min_refresh_s) or (not force and age < self._cache_ttl_s and self._keys):
                return
            try:
                data = await self._fetch()
            except Exception as exc:  # identity unreachable: keep serving with the keys we have
                if self._keys:
                    log.warning("JWKS refresh failed; using cached keys", extra={"error": repr(exc)})
                    self._fetched_at = time.monotonic() - self._cache_ttl_s + self._min_refresh_s
                    return
                raise ServiceUnavailable(
                    "Không kiểm tra được mã xác thực: dịch vụ định danh tạm thời không truy cập được.",
                    reason="jwks-unavailable",
                ) from exc
            keys = {}
            for raw in data.get("keys", []):
                if raw.get("kid"):
                    keys[raw["kid"]] = jwt.PyJWK.from_dict(raw, algorithm=ALGORITHM)
            self._keys = keys
            self._fetched_at = time.monotonic()

    async def _key_for(self, kid: str) -> jwt.PyJWK:
        if time.monotonic() - self._fetched_at > self._cache_ttl_s:
            await self._refresh(force=False)
        if kid not in self._keys:
            await self._refresh(force=True)
        try:
            return self._keys[kid]
        except KeyError:
            raise Unauthenticated("Mã xác thực được ký bằng khóa không xác định.", reason="unknown-key") from None

    async def verify(self, token: str) -> CurrentUserClaims:
        """Return the caller's claims, or raise Unauthenticated with a Vietnamese reason."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise Unauthenticated("Mã xác thực không đúng định dạng.", reason="malformed") from None
        if header.get("alg") != ALGORITHM or not header.get("kid"):
            raise Unauthenticated("Mã xác thực dùng thuật toán không được chấp nhận.", reason="bad-algorithm")
        key = await self._key_for(str(header["kid"]))
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=self._leeway_s,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.", reason="expired") from None
        except jwt.InvalidTokenError:
            raise Unauthenticated("Mã xác thực không hợp lệ.", reason="invalid") from None
        try:
            return CurrentUserClaims.model_validate(claims)
        except ValidationError:
            raise Unauthenticated("Mã xác thực thiếu thông tin người dùng.", reason="bad-claims") from None


def access_token_claims(user: CurrentUserClaims, *, ttl_s: int = 900) -> dict[str, Any]:
    """Claims of an access token for a user (identity issues them; tests use it with a test key set)."""
    now = int(time.time())
    body = user.model_dump(mode="json")
    body.update({"iss": ISSUER, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + ttl_s})
    return body
