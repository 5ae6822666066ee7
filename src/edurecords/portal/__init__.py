"""The web portal: static HTML, CSS and JavaScript modules served at `/` by the one-port gateway (ADR 0023)."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

STATIC = Path(__file__).with_name("static")

# The same policy as the distributed gateway (deploy/helm/…/gateway.yaml): the portal runs only its own files,
# so an injected script or a framing page gets nowhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class PortalFiles(StaticFiles):
    """Static files with the portal's security headers; pages and modules are revalidated on every load so a
    new version is never mixed with a cached old module."""

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = "no-cache"
        return response


def mount_portal(app: FastAPI) -> None:
    """Serve the portal's files at `/` (`index.html` for the bare path); the app routes itself by URL hash."""
    app.mount("/", PortalFiles(directory=STATIC, html=True), name="portal")
