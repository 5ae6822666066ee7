"""Remote signing over the Cloud Signature Consortium API v1 (a CA's remote signing service).

credentials/list and credentials/info find the credential and its certificate chain; credentials/authorize turns
the user's PIN into signature activation data (SAD); signatures/signHash signs the digests (pyHanko's `CSCSigner`).
For a SCAL 1 credential one authorization covers the whole batch (numSignatures = the batch allowance) and the PIN
is dropped right away. A SCAL 2 credential pins every SAD to the hashes it may sign, so the PIN has to be presented
per signature: it stays in this signer's memory until `aclose` (never logged or stored).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
    fetch_certs_in_csc_credential,
)

from edu_shared.errors import NotFound
from signing.adapters.pades import CachedCmsParts, PadesSigner, TrustSettings
from signing.domain.ports import SignerUnavailable, WrongPin

log = logging.getLogger(__name__)


async def _post(
    session: aiohttp.ClientSession, info: CSCServiceSessionInfo, endpoint: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    url = f"{info.service_url}/csc/{info.api_ver}/{endpoint}"
    async with session.post(url, json=body, headers=info.auth_headers) as response:
        data: dict[str, Any] = await response.json(content_type=None) if response.status < 500 else {}
        return response.status, data


async def _authorize(
    session: aiohttp.ClientSession, manager: CSCAuthorizationManager, request: dict[str, Any]
) -> CSCAuthorizationInfo:
    try:
        status, data = await _post(session, manager.csc_session_info, "credentials/authorize", request)
    except aiohttp.ClientError as exc:
        raise SignerUnavailable("Không kết nối được dịch vụ ký số từ xa.") from exc
    if status in (400, 401, 403):
        raise WrongPin("Dịch vụ ký số từ xa từ chối mã PIN hoặc mã xác thực.", field="secret")
    if status != 200:
        raise SignerUnavailable("Dịch vụ ký số từ xa không cấp quyền ký.")
    return CSCAuthorizationManager.parse_csc_auth_response(data)


class _BatchAuthorization(CSCAuthorizationManager):
    """SCAL 1: one SAD, fetched at unlock, for up to `allowance` signatures."""

    def __init__(self, session_info: CSCServiceSessionInfo, credential: CSCCredentialInfo, sad: CSCAuthorizationInfo):
        super().__init__(session_info, credential)
        self._sad = sad

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        return self._sad


class _PinnedAuthorization(CSCAuthorizationManager):
    """SCAL 2: a SAD per signing request, pinned to its hashes."""

    def __init__(
        self,
        session_info: CSCServiceSessionInfo,
        credential: CSCCredentialInfo,
        session: aiohttp.ClientSession,
        pin: str | None,
    ) -> None:
        super().__init__(session_info, credential)
        self._session = session
        self._pin = pin

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        request = self.format_csc_auth_request(pin=self._pin, hash_b64s=hash_b64s)
        return await _authorize(self._session, self, request)

    def forget(self) -> None:
        self._pin = None


class BatchCscSigner(CachedCmsParts, CSCSigner):
    """pyHanko's CSC signer with the per-batch CMS parts built once."""


class CscBackend:
    """`SignerBackend` over a CSC v1 remote signing service."""

    def __init__(
        self,
        service_url: str,
        trust: TrustSettings,
        *,
        oauth_token: str | None = None,
        batch_allowance: int = 1000,
        timeout_s: float = 30.0,
    ) -> None:
        self._service_url = service_url.rstrip("/")
        self._trust = trust
        self._oauth_token = oauth_token
        self._allowance = batch_allowance
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    def _session_info(self, credential_id: str) -> CSCServiceSessionInfo:
        return CSCServiceSessionInfo(self._service_url, credential_id, oauth_token=self._oauth_token)

    async def list_credentials(self) -> list[str]:
        """The credential ids the service offers to this client (credentials/list)."""
        async with aiohttp.ClientSession(timeout=self._timeout) as session:
            try:
                status, data = await _post(session, self._session_info(""), "credentials/list", {})
            except aiohttp.ClientError as exc:
                raise SignerUnavailable("Không kết nối được dịch vụ ký số từ xa.") from exc
        if status != 200:
            raise SignerUnavailable("Dịch vụ ký số từ xa không trả về danh sách khóa ký.")
        return [str(c) for c in data.get("credentialIDs", [])]

    async def unlock(self, credential_id: str, *, secret: str | None) -> PadesSigner:
        session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            return await self._open(session, credential_id, secret)
        except BaseException:
            await session.close()
            raise

    async def _open(self, session: aiohttp.ClientSession, credential_id: str, pin: str | None) -> PadesSigner:
        info = self._session_info(credential_id)
        try:
            credential = await fetch_certs_in_csc_credential(session, info)
        except SigningError as exc:
            raise NotFound(
                f"Dịch vụ ký số từ xa không có khóa ký «{credential_id}».", field="credential_id", value=credential_id
            ) from exc
        manager: CSCAuthorizationManager
        if credential.hash_pinning_required:
            pinned = _PinnedAuthorization(info, credential, session, pin)
            manager = pinned

            async def close() -> None:
                pinned.forget()
                await session.close()

        else:
            probe = _BatchAuthorization(info, credential, CSCAuthorizationInfo(sad=""))
            request = probe.format_csc_auth_request(num_signatures=self._allowance, pin=pin)
            manager = _BatchAuthorization(info, credential, await _authorize(session, probe, request))

            async def close() -> None:
                await session.close()

        signer = BatchCscSigner(session, manager)
        return PadesSigner(signer, self._trust, close=close)
