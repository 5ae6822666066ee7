# syntax=docker/dockerfile:1.7
# One image for all six EduRecords services (and the one-shot jobs: migrate, seed-demo, dev-token):
#   docker build -t edurecords:local .
#   docker run --rm -e GRADEBOOK_DATABASE_URL=… edurecords:local serve gradebook --host 0.0.0.0 --port 8000
# Settings come from each service's env prefix (IDENTITY_, GRADEBOOK_, …); see deploy/README.md.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: resolve the locked dependencies into /app/.venv ---------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ARG UV_VERSION=0.13.9
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"

WORKDIR /app

# Third-party dependencies first, from the lock file and the workspace manifests only: this layer is
# rebuilt when a dependency changes, not when the code does.
COPY pyproject.toml uv.lock README.md ./
COPY shared/pyproject.toml shared/
COPY services/identity/pyproject.toml services/identity/
COPY services/gradebook/pyproject.toml services/gradebook/
COPY services/transcript/pyproject.toml services/transcript/
COPY services/signing/pyproject.toml services/signing/
COPY services/reporting/pyproject.toml services/reporting/
COPY services/notifications/pyproject.toml services/notifications/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --all-packages --no-dev --no-install-workspace

# Then the workspace itself. Its packages stay editable (in place under /app): each service finds its
# alembic migrations next to its sources (services/<name>/migrations).
COPY shared/ shared/
COPY services/ services/
COPY src/ src/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --all-packages --no-dev \
    && /app/.venv/bin/edu --help >/dev/null

# ---- runtime: the same Python, the built tree, a non-root user ----------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="EduRecords" \
      org.opencontainers.image.description="Hồ sơ điện tử trường học: identity, gradebook, transcript, signing, reporting, notifications" \
      org.opencontainers.image.licenses="UNLICENSED"

RUN groupadd --system --gid 10001 edu \
    && useradd --system --uid 10001 --gid edu --home-dir /app --no-create-home --shell /usr/sbin/nologin edu

WORKDIR /app
# Code and virtualenv belong to root and are read-only for the service user; only var/ is writable
# (embedded-mode data, when a container runs `edu up`).
COPY --from=build /app /app
RUN mkdir -p /app/var/data && chown -R edu:edu /app/var

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

USER edu:edu
EXPOSE 8000
ENTRYPOINT ["edu"]
CMD ["serve", "identity", "--host", "0.0.0.0", "--port", "8000"]
