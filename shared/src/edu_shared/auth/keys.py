"""Token signing keys (ES256) with rotation: the newest key signs, every unexpired key is published in JWKS."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

ALGORITHM = "ES256"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: bytes
    created_at: float

    @classmethod
    def generate(cls) -> SigningKey:
        private = ec.generate_private_key(ec.SECP256R1())
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return cls(kid=uuid.uuid4().hex[:16], private_pem=pem, created_at=time.time())

    def public_jwk(self) -> dict[str, Any]:
        private = serialization.load_pem_private_key(self.private_pem, password=None)
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(private.public_key()))
        jwk.update({"kid": self.kid, "alg": ALGORITHM, "use": "sig"})
        return jwk


@dataclass
class KeySet:
    """Keys newest-first; rotation adds a key and keeps the old one published until its tokens expire."""

    keys: list[SigningKey] = field(default_factory=list)

    def rotate(self) -> SigningKey:
        key = SigningKey.generate()
        self.keys.insert(0, key)
        return key

    def retire_older_than(self, seconds: float) -> None:
        cutoff = time.time() - seconds
        self.keys = [k for i, k in enumerate(self.keys) if i == 0 or k.created_at >= cutoff]

    @property
    def current(self) -> SigningKey:
        if not self.keys:
            self.rotate()
        return self.keys[0]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in self.keys]}

    def sign(self, claims: dict[str, Any]) -> str:
        key = self.current
        return jwt.encode(claims, key.private_pem, algorithm=ALGORITHM, headers={"kid": key.kid})
