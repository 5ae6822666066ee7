"""Identity HTTP API: sign-in, sessions, accounts and second factors."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
