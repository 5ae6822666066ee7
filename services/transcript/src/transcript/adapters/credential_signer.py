"""The schools' credential keys (ES256, P-256) and VC-JWT signing (Open Badges 3.0 §8.2: the JWT payload is the
credential itself, with `iss`, `nbf`, `jti` and `sub` registered claims; the header names the key and carries it)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from transcript.adapters.school_keys_repo import SchoolKey

ALGORITHM = "ES256"


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint: the key's id, the same wherever the key is published."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def new_school_key(school_id: str) -> SchoolKey:
    """A fresh P-256 key for the school."""
    private = ec.generate_private_key(ec.SECP256R1())
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    kid = _thumbprint(jwk)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return SchoolKey(
        school_id=school_id,
        kid=kid,
        private_key_pem=pem,
        public_jwk={**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"},
    )


def sign_credential(credential: dict[str, Any], *, key: SchoolKey, issuer_did: str, valid_from: datetime) -> str:
    """The credential as a compact JWS (VC-JWT)."""
    claims = {
        **credential,
        "iss": issuer_did,
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(valid_from.timestamp()),
    }
    public = {k: v for k, v in key.public_jwk.items() if k in ("kty", "crv", "x", "y")}
    headers = {"kid": f"{issuer_did}#{key.kid}", "typ": "JWT", "jwk": public}
    return jwt.encode(claims, key.private_key_pem, algorithm=ALGORITHM, headers=headers)
