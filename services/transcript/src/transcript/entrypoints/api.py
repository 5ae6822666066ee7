"""Transcript HTTP API."""

from __future__ import annotations

from edu_shared.web.directory_api import directory_router

router = directory_router()
