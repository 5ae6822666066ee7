"""TOTP second factor (RFC 6238, 30 s steps, 6 digits, SHA-1: what every authenticator app speaks).

Secrets are stored encrypted (AES-256-GCM, the account id as associated data so that a ciphertext copied to
another row does not decrypt). A code is accepted once: the step it matched is remembered and codes of that
step or an earlier one are refused, so a code seen over a shoulder cannot be replayed within its window.
"""

from __future__ import annotations

import base64
import hmac
import os

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

STEP_S = 30
DIGITS = 6
DRIFT_STEPS = 1  # accept the previous and the next step: phones' clocks drift and people type slowly


def new_secret() -> str:
    """A random base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, *, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).provisioning_uri(name=username, issuer_name=issuer)


def step_at(timestamp: float) -> int:
    return int(timestamp // STEP_S)


def code_at(secret: str, timestamp: float) -> str:
    """The code an authenticator shows at `timestamp` (tests and enrolment checks)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).at(int(timestamp))


def matching_step(secret: str, code: str, *, timestamp: float, last_step: int | None) -> int | None:
    """The time step `code` belongs to (within the drift window), or None; steps up to `last_step` are spent."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S)
    now_step = step_at(timestamp)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_S), code):
            return step
    return None


def encrypt_secret(secret: str, *, key: bytes, account_id: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), account_id.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt_secret(stored: str, *, key: bytes, account_id: str) -> str | None:
    """The plain secret, or None when it cannot be read (another key, another account's row, corrupted)."""
    try:
        raw = base64.urlsafe_b64decode(stored.encode())
        return AESGCM(key).decrypt(raw[:12], raw[12:], account_id.encode()).decode()
    except (InvalidTag, ValueError):
        return None
