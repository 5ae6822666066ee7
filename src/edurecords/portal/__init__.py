"""The web portal: static HTML, CSS and JavaScript modules served at `/` by the one-port gateway (ADR 0023)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).with_name("static")


def mount_portal(app: FastAPI) -> None:
    """Serve the portal's files at `/` (`index.html` for the bare path); the app routes itself by URL hash."""
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="portal")
