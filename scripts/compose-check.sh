#!/usr/bin/env bash
# Validate docker-compose.yml without a Docker engine.
#
#   scripts/compose-check.sh     install Debian's docker-compose (v1) if missing, then run
#                                `docker-compose -f docker-compose.yml config -q`; then validate with the
#                                v2 loader too: `docker compose config -q` when the plugin is installed,
#                                else compose-go (the library `docker compose` is built on) through
#                                deploy/compose-check/ when Go is installed (first run fetches the module).
#   EDU_COMPOSE_CHECK_V2=0       skip the v2 validation
#
# Also checks that every file the compose file mounts or reads (env files, init SQL, configs) exists, since
# `config` accepts a missing bind-mount source and a missing env_file fails only at `up` on some versions.
set -euo pipefail
EDU_NAME=compose-check.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COMPOSE_FILE="$EDU_ROOT/docker-compose.yml"
[[ -f "$COMPOSE_FILE" ]] || die "$COMPOSE_FILE not found"

if ! command -v docker-compose >/dev/null 2>&1; then
  apt_install docker-compose
fi
command -v docker-compose >/dev/null 2>&1 || die "docker-compose is still not on PATH after installing it"

cd "$EDU_ROOT"
# Run with a clean environment for the variables the file reads, so the defaults are what gets checked.
unset EDU_IMAGE EDU_BIND EDU_HTTP_PORT EDU_ENVIRONMENT EDU_DB_PASSWORD POSTGRES_PASSWORD MINIO_ROOT_USER \
  MINIO_ROOT_PASSWORD MINIO_IMAGE KAFKA_IMAGE_TAG OTEL_COLLECTOR_TAG

log "docker-compose $(docker-compose version --short 2>/dev/null || echo '?'): config -q"
docker-compose -f "$COMPOSE_FILE" config -q || die "docker-compose rejects $COMPOSE_FILE"
# The demo profile adds the seed-demo job; it must be valid too.
docker-compose -f "$COMPOSE_FILE" --profile demo config -q || die "docker-compose rejects the demo profile"

if [[ "${EDU_COMPOSE_CHECK_V2:-1}" == "0" ]]; then
  log "v2 validation skipped (EDU_COMPOSE_CHECK_V2=0)"
elif docker compose version >/dev/null 2>&1; then
  log "docker compose $(docker compose version --short 2>/dev/null || echo '?'): config -q"
  docker compose -f "$COMPOSE_FILE" --profile demo config -q || die "docker compose (v2) rejects $COMPOSE_FILE"
elif command -v go >/dev/null 2>&1; then
  log "docker compose (v2) not installed; validating with compose-go ($(go version | awk '{print $3}'))"
  (cd "$EDU_ROOT/deploy/compose-check" && go run . "$COMPOSE_FILE" demo) >&2 ||
    die "compose-go (the docker compose v2 loader) rejects $COMPOSE_FILE"
else
  log "neither docker compose (v2) nor Go is installed; validated with docker-compose v1 only"
fi

# Files referenced relative to the project directory must exist.
absent=0
while IFS= read -r ref; do
  if [[ ! -e "$EDU_ROOT/$ref" ]]; then
    log "ERROR: docker-compose.yml refers to $ref, which does not exist"
    absent=1
  fi
done < <(grep -oE '(\./)?(deploy/[A-Za-z0-9_./-]+|Dockerfile)' "$COMPOSE_FILE" | sed 's#^\./##' | sort -u)
((absent == 0)) || die "missing files (see above)"

services="$(docker-compose -f "$COMPOSE_FILE" --profile demo config --services | sort | tr '\n' ' ')"
log "OK: $COMPOSE_FILE is valid; services: $services"
