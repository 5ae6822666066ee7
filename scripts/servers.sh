#!/usr/bin/env bash
# Real PostgreSQL, Kafka and MinIO servers on loopback for the integration tests.
#
#   scripts/servers.sh up       install what is missing, start all three (in
#                               parallel), wait until each really answers, write
#                               var/servers/env.sh and print its exports on stdout
#                               (so `eval "$(scripts/servers.sh up)"` works)
#   scripts/servers.sh down     stop all three (data kept)
#   scripts/servers.sh status   exit 0 only when all three are running
#   scripts/servers.sh install  install only, start nothing (CI preparation)
#   scripts/servers.sh env      print the exports (does not check the servers)
#   scripts/servers.sh reset    stop all three and delete their data (topics,
#                               databases, buckets); the next `up` starts empty
#
# Per server: scripts/postgres.sh, scripts/kafka.sh, scripts/minio.sh
# (install | start | stop | status). Everything is idempotent; a warm `up`
# takes a few seconds and an `up` with everything running well under one.
set -euo pipefail
EDU_NAME=servers.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COMPONENTS=(postgres kafka minio)
ENV_FILE="$EDU_VAR/env.sh"

env_exports() {
  cat <<'EOF'
export EDU_TEST_POSTGRES_URL=postgresql://edu:edu@127.0.0.1:55432/postgres
export EDU_TEST_KAFKA_BOOTSTRAP=127.0.0.1:59092
export EDU_TEST_S3_ENDPOINT=127.0.0.1:59000
export EDU_TEST_S3_ACCESS_KEY=eduadmin
export EDU_TEST_S3_SECRET_KEY=edu-secret-key-123
EOF
}

# run_all ACTION: run scripts/<component>.sh ACTION for every component in
# parallel; fail (after all have finished) if any failed.
run_all() {
  local action="$1" c pids=() failed=() i
  for c in "${COMPONENTS[@]}"; do
    bash "$EDU_SCRIPTS_DIR/$c.sh" "$action" &
    pids+=($!)
  done
  for i in "${!COMPONENTS[@]}"; do
    wait "${pids[$i]}" || failed+=("${COMPONENTS[$i]}")
  done
  if ((${#failed[@]})); then
    log "$action failed for: ${failed[*]}"
    return 1
  fi
}

cmd_up() {
  local start=$SECONDS
  mkdir -p "$EDU_VAR"
  run_all start || die "not all servers are up (see messages above; logs in $EDU_VAR/*/)"
  env_exports >"$ENV_FILE.tmp"
  mv -f "$ENV_FILE.tmp" "$ENV_FILE"
  log "all servers up in $((SECONDS - start))s; environment written to $ENV_FILE"
  env_exports
}

cmd_status() {
  local c rc=0
  for c in "${COMPONENTS[@]}"; do
    bash "$EDU_SCRIPTS_DIR/$c.sh" status || rc=1
  done
  return "$rc"
}

cmd_reset() {
  run_all stop
  local pg="$EDU_VAR/postgres"
  if [[ -L "$pg" && "$(readlink "$pg")" == /tmp/edurecords-pg-* ]]; then
    rm -rf "$(readlink "$pg")"
  fi
  rm -rf "$pg" "$EDU_VAR/kafka" "$EDU_VAR/minio" "$ENV_FILE"
  log "server data deleted; \`$EDU_NAME up\` starts with empty servers"
}

case "${1:-}" in
up) cmd_up ;;
down) run_all stop ;;
status) cmd_status ;;
install) run_all install ;;
env) env_exports ;;
reset) cmd_reset ;;
*)
  echo "usage: $EDU_NAME up|down|status|install|env|reset" >&2
  exit 2
  ;;
esac
