"""Init container of each service pod: wait until the migration Job has brought its database to the head revision.

Usage: python wait_for_schema.py <service>  (reads <SERVICE>_DATABASE_URL; the image's code is under /app).
Exit 0 once the database's alembic heads equal the service's migration heads; 1 after EDU_SCHEMA_WAIT_S.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

APP_ROOT = Path(os.environ.get("EDU_APP_ROOT", "/app"))
TIMEOUT_S = float(os.environ.get("EDU_SCHEMA_WAIT_S", "1800"))
POLL_S = float(os.environ.get("EDU_SCHEMA_POLL_S", "5"))


def _current(connection: sa.Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


async def _at_head(url: str, heads: set[str]) -> bool:
    engine = create_async_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current) == heads
    finally:
        await engine.dispose()


def main(service: str) -> int:
    heads = set(ScriptDirectory(str(APP_ROOT / "services" / service / "migrations")).get_heads())
    url = os.environ[f"{service.upper()}_DATABASE_URL"]
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            if asyncio.run(_at_head(url, heads)):
                sys.stderr.write(f"{service}: schema at {sorted(heads)}\n")
                return 0
            reason = "schema not at head yet"
        except Exception as exc:  # the database may still be starting; keep waiting
            reason = f"{type(exc).__name__}: {exc}"
        if time.monotonic() > deadline:
            sys.stderr.write(f"{service}: gave up waiting for the schema ({reason})\n")
            return 1
        sys.stderr.write(f"{service}: waiting for the migration Job ({reason})\n")
        time.sleep(POLL_S)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
