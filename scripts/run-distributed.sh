#!/usr/bin/env bash
# The platform in distributed mode on this machine: six services, six processes, against the real servers.
#
#   scripts/run-distributed.sh up       start PostgreSQL, Kafka and MinIO (scripts/servers.sh up), create one
#                                       database per service (edu_identity, edu_gradebook, …) if missing,
#                                       migrate them, start every service as its own process, wait for every
#                                       /healthz, seed the demo province and print the URLs
#   scripts/run-distributed.sh down     stop the six services (the servers and all data are kept)
#   scripts/run-distributed.sh status   exit 0 only when all six run and answer /healthz
#   scripts/run-distributed.sh env      print the environment the services run with (for `edu dev-token` etc.:
#                                       `eval "$(scripts/run-distributed.sh env)"; uv run edu dev-token`)
#
# Everything is idempotent: `up` with everything running only re-checks and re-prints.
# Runtime files live in var/distributed/: <service>.pid, <service>.log, env.sh.
#
# Knobs (environment):
#   EDU_DIST_HOST          interface the services listen on          (default 127.0.0.1)
#   EDU_DIST_PORT_BASE     identity gets BASE+1, gradebook BASE+2, … (default 8100: ports 8101–8106)
#   EDU_DIST_TOPIC_PREFIX  Kafka topic/group prefix, keeps this stack apart from test runs (default "dist.")
#   EDU_DIST_OTLP_ENDPOINT OTLP/HTTP collector, e.g. http://127.0.0.1:4318 (default: no export)
#   EDU_DIST_SEED          1 to seed the demo province after start (default 1)
set -euo pipefail
EDU_NAME=run-distributed.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SERVICES=(identity gradebook transcript signing reporting notifications)
DIST_DIR="$EDU_ROOT/var/distributed"
ENV_FILE="$DIST_DIR/env.sh"
HOST="${EDU_DIST_HOST:-127.0.0.1}"
PORT_BASE="${EDU_DIST_PORT_BASE:-8100}"
TOPIC_PREFIX="${EDU_DIST_TOPIC_PREFIX-dist.}"
OTLP_ENDPOINT="${EDU_DIST_OTLP_ENDPOINT:-}"
SEED="${EDU_DIST_SEED:-1}"
EDU_BIN="$EDU_ROOT/.venv/bin/edu"
HEALTH_TIMEOUT_S=120
START_ATTEMPTS=5

[[ "$PORT_BASE" =~ ^[0-9]+$ ]] || die "EDU_DIST_PORT_BASE must be a number, got '$PORT_BASE'"

port_of() {
  local i
  for i in "${!SERVICES[@]}"; do
    if [[ "${SERVICES[$i]}" == "$1" ]]; then
      echo $((PORT_BASE + i + 1))
      return 0
    fi
  done
  die "unknown service $1"
}

prefix_of() { printf '%s' "${1^^}"; }
url_of() { printf 'http://%s:%s' "$HOST" "$(port_of "$1")"; }
pidfile_of() { printf '%s/%s.pid' "$DIST_DIR" "$1"; }
logfile_of() { printf '%s/%s.log' "$DIST_DIR" "$1"; }
marker_of() { printf 'edu serve %s ' "$1"; }

# The connection settings of the real servers, from the file scripts/servers.sh writes.
load_server_env() {
  local file="$EDU_ROOT/var/servers/env.sh"
  [[ -f "$file" ]] || die "$file is missing; run: bash scripts/servers.sh up"
  # shellcheck source=/dev/null
  source "$file"
  : "${EDU_TEST_POSTGRES_URL:?not set by $file}" "${EDU_TEST_KAFKA_BOOTSTRAP:?not set by $file}"
  : "${EDU_TEST_S3_ENDPOINT:?not set by $file}" "${EDU_TEST_S3_ACCESS_KEY:?not set by $file}"
  : "${EDU_TEST_S3_SECRET_KEY:?not set by $file}"
}

# postgresql://user:pass@host:port/postgres -> postgresql+asyncpg://user:pass@host:port/NAME
database_url() {
  local base="${EDU_TEST_POSTGRES_URL%/*}"
  printf '%s/%s' "${base/postgresql:\/\//postgresql+asyncpg://}" "$1"
}

# Every service's settings in one file: the prefixes keep them apart, so the one-shot commands (migrate,
# seed-demo, dev-token) and each server can all read it.
write_env_file() {
  local svc p jwks
  jwks="$(url_of identity)/.well-known/jwks.json"
  mkdir -p "$DIST_DIR"
  {
    echo "# Written by scripts/run-distributed.sh; settings of the six services in distributed mode."
    for svc in "${SERVICES[@]}"; do
      p="$(prefix_of "$svc")"
      echo "export ${p}_ENVIRONMENT=development"
      echo "export ${p}_DATA_DIR=$DIST_DIR/data/$svc"
      echo "export ${p}_DATABASE_URL=$(database_url "edu_$svc")"
      echo "export ${p}_MIGRATE_ON_START=false"
      echo "export ${p}_KAFKA__BOOTSTRAP_SERVERS=$EDU_TEST_KAFKA_BOOTSTRAP"
      echo "export ${p}_KAFKA__TOPIC_PREFIX=$TOPIC_PREFIX"
      echo "export ${p}_KAFKA__CLIENT_ID=edu-dist-$svc"
      echo "export ${p}_OBJECT_STORE__ENDPOINT=$EDU_TEST_S3_ENDPOINT"
      echo "export ${p}_OBJECT_STORE__ACCESS_KEY=$EDU_TEST_S3_ACCESS_KEY"
      echo "export ${p}_OBJECT_STORE__SECRET_KEY=$EDU_TEST_S3_SECRET_KEY"
      echo "export ${p}_OBJECT_STORE__BUCKET=edu-dist-$svc"
      # Local data must stay removable; production uses COMPLIANCE (the settings default).
      echo "export ${p}_OBJECT_STORE__LOCK_MODE=GOVERNANCE"
      echo "export ${p}_JWKS_URL=$jwks"
      if [[ -n "$OTLP_ENDPOINT" ]]; then
        echo "export ${p}_OBSERVABILITY__OTLP_ENDPOINT=$OTLP_ENDPOINT"
      fi
    done
  } >"$ENV_FILE.tmp"
  mv -f "$ENV_FILE.tmp" "$ENV_FILE"
}

ensure_databases() {
  command -v psql >/dev/null 2>&1 || apt_install postgresql-client
  local svc db exists
  for svc in "${SERVICES[@]}"; do
    db="edu_$svc"
    exists="$(psql "$EDU_TEST_POSTGRES_URL" -XtAq -v ON_ERROR_STOP=1 \
      -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ||
      die "cannot query PostgreSQL at $EDU_TEST_POSTGRES_URL"
    if [[ "$exists" != "1" ]]; then
      log "creating database $db"
      psql "$EDU_TEST_POSTGRES_URL" -XqA -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\"" >/dev/null ||
        die "could not create database $db"
    fi
  done
}

# with_service_env CMD...: run CMD with the settings of all six services exported.
with_service_env() {
  (
    # shellcheck source=/dev/null
    source "$ENV_FILE"
    cd "$EDU_ROOT"
    "$@"
  )
}

healthy() {
  curl -fsS --max-time 3 "$(url_of "$1")/healthz" >/dev/null 2>&1
}

start_service() {
  local svc="$1" port pidfile logfile
  port="$(port_of "$svc")"
  pidfile="$(pidfile_of "$svc")"
  logfile="$(logfile_of "$svc")"
  if pid_alive "$pidfile" "$(marker_of "$svc")"; then
    log "$svc already running (pid $(cat "$pidfile")) on port $port"
    return 0
  fi
  if port_open "$HOST" "$port"; then
    die "port $port (for $svc) is taken by another process (pid $(port_pid "$port")); set EDU_DIST_PORT_BASE"
  fi
  mkdir -p "$DIST_DIR/data/$svc"
  printf '\n==== %s start %s on %s:%s ====\n' "$(date -Is)" "$svc" "$HOST" "$port" >>"$logfile"
  with_service_env launch_bg "$pidfile" "$logfile" "$EDU_BIN" serve "$svc" --host "$HOST" --port "$port"
  log "$svc started (pid $(cat "$pidfile")) on port $port; log $logfile"
}

# wait_healthy SERVICE: until /healthz answers. A service refuses to start while Kafka or PostgreSQL is
# unreachable (fail fast); a shared broker may be restarting, so a start that dies is retried a few times.
wait_healthy() {
  local svc="$1" pidfile deadline attempt=1
  pidfile="$(pidfile_of "$svc")"
  deadline=$((SECONDS + HEALTH_TIMEOUT_S))
  until healthy "$svc"; do
    if ! pid_alive "$pidfile" "$(marker_of "$svc")"; then
      ((attempt < START_ATTEMPTS)) ||
        die_with_log "$(logfile_of "$svc")" "$svc exited during startup $attempt times"
      attempt=$((attempt + 1))
      log "$svc exited during startup (see $(logfile_of "$svc")); starting it again ($attempt/$START_ATTEMPTS)"
      sleep 2
      wait_for_port "Kafka" "$EDU_TEST_KAFKA_BOOTSTRAP"
      start_service "$svc"
    fi
    ((SECONDS < deadline)) ||
      die_with_log "$(logfile_of "$svc")" "$svc did not answer $(url_of "$svc")/healthz within ${HEALTH_TIMEOUT_S}s"
    sleep 0.3
  done
}

# wait_for_port NAME HOST:PORT: until something accepts connections there (bounded).
wait_for_port() {
  local name="$1" host="${2%:*}" port="${2##*:}" i
  for ((i = 0; i < 600; i++)); do
    port_open "$host" "$port" && return 0
    ((i % 50 == 0)) && log "waiting for $name at $host:$port"
    sleep 0.1
  done
  die "$name at $host:$port does not accept connections (bash scripts/servers.sh status)"
}

print_urls() {
  local svc
  echo "EduRecords (distributed) is running:"
  for svc in "${SERVICES[@]}"; do
    printf '  %-14s %s   (docs %s/docs, health %s/healthz)\n' "$svc" "$(url_of "$svc")" "$(url_of "$svc")" \
      "$(url_of "$svc")"
  done
  echo "Logs and pids: $DIST_DIR/"
  echo "A token for the APIs: eval \"\$(bash scripts/run-distributed.sh env)\" && uv run edu dev-token"
}

cmd_up() {
  local start=$SECONDS svc
  bash "$EDU_SCRIPTS_DIR/setup-python.sh"
  [[ -x "$EDU_BIN" ]] || die "$EDU_BIN not found after setup-python.sh"
  bash "$EDU_SCRIPTS_DIR/servers.sh" up >/dev/null
  load_server_env
  mkdir -p "$DIST_DIR"
  write_env_file
  ensure_databases
  log "migrating the six databases"
  with_service_env "$EDU_BIN" migrate >&2 || die "edu migrate failed"
  wait_for_port "Kafka" "$EDU_TEST_KAFKA_BOOTSTRAP"
  # Identity first: the others fetch its JWKS.
  start_service identity
  wait_healthy identity
  for svc in "${SERVICES[@]:1}"; do
    start_service "$svc"
  done
  for svc in "${SERVICES[@]:1}"; do
    wait_healthy "$svc"
  done
  if [[ "$SEED" == "1" ]]; then
    log "seeding the demo province through identity"
    with_service_env "$EDU_BIN" seed-demo >&2 || die "edu seed-demo failed"
  fi
  log "all six services healthy in $((SECONDS - start))s"
  print_urls
}

cmd_down() {
  local svc pids=() rc=0 pid
  # In parallel: each one drains its consumers and relay on SIGTERM, which takes a few seconds.
  for svc in "${SERVICES[@]}"; do
    stop_pid "$(pidfile_of "$svc")" "$(marker_of "$svc")" "$svc" 30 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || rc=1
  done
  return "$rc"
}

cmd_status() {
  local svc rc=0 pidfile
  for svc in "${SERVICES[@]}"; do
    pidfile="$(pidfile_of "$svc")"
    if ! pid_alive "$pidfile" "$(marker_of "$svc")"; then
      log "$svc: not running"
      rc=1
    elif healthy "$svc"; then
      log "$svc: running (pid $(cat "$pidfile")) at $(url_of "$svc"), healthy"
    else
      log "$svc: running (pid $(cat "$pidfile")) at $(url_of "$svc"), NOT healthy"
      rc=1
    fi
  done
  return "$rc"
}

cmd_env() {
  load_server_env
  write_env_file
  cat "$ENV_FILE"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env) cmd_env ;;
*)
  echo "usage: $EDU_NAME up|down|status|env" >&2
  exit 2
  ;;
esac
