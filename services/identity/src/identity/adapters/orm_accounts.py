"""Identity tables for accounts, credentials and sessions (in identity's metadata)."""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401

from identity.adapters.orm import metadata  # noqa: F401
