"""Identity HTTP API: school years, semesters, subjects and classes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
