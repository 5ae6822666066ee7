"""PKCS#11 tokens and HSMs (the school seal's USB token): the private key never leaves the device.

`unlock` logs in once with the PIN the user typed and keeps the logged-in session for the batch; the PIN itself is
not kept. A refused PIN is reported at once and never retried by us: every wrong attempt counts towards the
token's lock-out, and only the user may decide to spend another one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from asn1crypto import x509  # type: ignore[import-untyped]
from pkcs11 import Session, Token, TokenFlag
from pkcs11 import lib as pkcs11_lib
from pkcs11.exceptions import (
    NoSuchToken,
    PinExpired,
    PinIncorrect,
    PinInvalid,
    PinLenRange,
    PinLocked,
    PKCS11Error,
)
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11Signer

from edu_shared.errors import NotFound
from signing.adapters.pades import CachedCmsParts, PadesSigner, TrustSettings
from signing.domain.ports import SignerUnavailable, WrongPin

log = logging.getLogger(__name__)


class BatchPkcs11Signer(CachedCmsParts, PKCS11Signer):
    """pyHanko's PKCS#11 signer with the per-batch CMS parts built once, signing one document at a time.

    A PKCS#11 session runs one operation at a time (C_SignInit … C_Sign); pyHanko signs in executor threads,
    so concurrent documents of a batch would interleave on the session without this lock.
    """

    _sign_lock: asyncio.Lock | None = None
    _lock_loop: asyncio.AbstractEventLoop | None = None

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._sign_lock is None or self._lock_loop is not loop:
            self._sign_lock, self._lock_loop = asyncio.Lock(), loop
        return self._sign_lock

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        async with self._lock():
            signature: bytes = await super().async_sign_raw(data, digest_algorithm, dry_run)
            return signature


def split_credential(credential_id: str, default_token: str | None) -> tuple[str, str]:
    """`"<token label>/<key label>"`, or just the key label on the configured token."""
    token_label, sep, key_label = credential_id.partition("/")
    if sep:
        return token_label, key_label
    if default_token is None:
        raise NotFound(
            f"Khóa ký «{credential_id}» không ghi rõ thiết bị (dạng «thiết-bị/khóa»).",
            field="credential_id",
            value=credential_id,
        )
    return default_token, credential_id


class Pkcs11Backend:
    """`SignerBackend` over a PKCS#11 module (SoftHSM2 in tests, the vendor's module for a USB token)."""

    def __init__(
        self,
        module_path: str,
        trust: TrustSettings,
        *,
        token_label: str | None = None,
        ca_chain: Sequence[x509.Certificate] = (),
    ) -> None:
        self._module_path = module_path
        self._trust = trust
        self._token_label = token_label
        self._ca_chain = list(ca_chain) or list(trust.other_certs)

    def _token(self, label: str) -> Token:
        try:
            return pkcs11_lib(self._module_path).get_token(token_label=label)
        except NoSuchToken as exc:
            raise NotFound(f"Không tìm thấy thiết bị ký «{label}».", field="credential_id", value=label) from exc
        except PKCS11Error as exc:
            raise SignerUnavailable("Không truy cập được thiết bị ký (PKCS#11).") from exc

    def _login(self, token_label: str, pin: str | None) -> Session:
        token = self._token(token_label)
        if pin is None:
            raise WrongPin("Cần nhập mã PIN của thiết bị ký.", field="secret")
        if TokenFlag.USER_PIN_LOCKED in token.flags:
            raise WrongPin("Thiết bị ký đã bị khóa do nhập sai PIN quá số lần cho phép.", field="secret")
        try:
            # exactly one login attempt: a retry here would burn another of the token's tries
            return token.open(user_pin=pin)
        except PinLocked as exc:
            raise WrongPin("Thiết bị ký đã bị khóa do nhập sai PIN quá số lần cho phép.", field="secret") from exc
        except (PinIncorrect, PinInvalid, PinLenRange) as exc:
            raise WrongPin(
                "Mã PIN của thiết bị ký không đúng. Hệ thống không tự thử lại; "
                "nhập sai quá số lần cho phép sẽ khóa thiết bị.",
                field="secret",
            ) from exc
        except PinExpired as exc:
            raise WrongPin("Mã PIN của thiết bị ký đã hết hạn; hãy đổi PIN trên thiết bị.", field="secret") from exc

    def _open(self, credential_id: str, pin: str | None) -> PadesSigner:
        token_label, key_label = split_credential(credential_id, self._token_label)
        session = self._login(token_label, pin)
        try:
            signer = BatchPkcs11Signer(session, cert_label=key_label, key_label=key_label, ca_chain=self._ca_chain)
            return PadesSigner(signer, self._trust, close=_closer(session))
        except (SigningError, PKCS11Error) as exc:
            session.close()
            raise NotFound(
                f"Thiết bị ký không có khóa và chứng thư «{key_label}».", field="credential_id", value=credential_id
            ) from exc

    async def unlock(self, credential_id: str, *, secret: str | None) -> PadesSigner:
        return await asyncio.to_thread(self._open, credential_id, secret)


def _closer(session: Session) -> _SessionCloser:
    return _SessionCloser(session)


class _SessionCloser:
    """Logs out and closes the token session when the signer is released."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def __call__(self) -> None:
        await asyncio.to_thread(self._session.close)
