#!/usr/bin/env bash
# Install uv (from PyPI) if missing and the whole workspace into .venv; fast when already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v uv >/dev/null 2>&1; then
  echo "setup-python.sh: installing uv" >&2
  python3 -m pip install --quiet --disable-pip-version-check uv 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --user uv
  export PATH="$HOME/.local/bin:$PATH"
fi
uv sync --all-packages --frozen --quiet
