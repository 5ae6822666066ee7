"""Identity HTTP API: staff, students, guardians and consent."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
