#!/usr/bin/env bash
# MinIO (S3) for integration tests, on loopback only.
#
#   scripts/minio.sh install   build .cache/bin/minio from source (go install) if missing
#   scripts/minio.sh start     install if needed, start, wait for /minio/health/ready
#   scripts/minio.sh stop      stop (SIGTERM, data kept)
#   scripts/minio.sh status    exit 0 when running and ready
#
# S3 API 127.0.0.1:59000, console 127.0.0.1:59001, root user eduadmin /
# edu-secret-key-123. Four drive folders var/servers/minio/d1..d4 give an
# erasure-coded setup, which object locking (WORM buckets) requires.
set -euo pipefail
EDU_NAME=minio.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The Go module proxy does not serve MinIO's RELEASE.* tags (not semver), only
# pseudo-versions. This is the newest one it serves (commit 7aac2a2c5b7c,
# 2026-02-12, master after the final RELEASE.2025-10-15T17-29-55Z tag; older
# pseudo-versions such as the RELEASE.2025-10-15 commit are refused by it).
MINIO_MODULE_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"

HOST=127.0.0.1
PORT=59000
CONSOLE_PORT=59001
ACCESS_KEY=eduadmin
SECRET_KEY=edu-secret-key-123

BIN_DIR="$EDU_CACHE/bin"
BIN="$BIN_DIR/minio"
STAMP="$BIN_DIR/minio.version"
DIR="$EDU_VAR/minio"
PIDFILE="$DIR/minio.pid"
LOGFILE="$DIR/minio.log"
MARKER="$DIR/d"
# a server started by this script from another checkout of the repo
FOREIGN_RE='/\.cache/bin/minio server .*/var/servers/minio/d'

installed() { [[ -x "$BIN" && "$(cat "$STAMP" 2>/dev/null)" == "$MINIO_MODULE_VERSION" ]]; }

do_install_locked() {
  installed && return 0
  if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
    PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1 || die "Go toolchain (>= 1.24) not found on PATH; it is needed to build MinIO"
  mkdir -p "$BIN_DIR"
  log "building MinIO $MINIO_MODULE_VERSION with $(go version | awk '{print $3}') (takes several minutes, once)"
  local start=$SECONDS tmp
  tmp="$(mktemp -d)"
  # Build outside any module / workspace; cap parallelism for small machines.
  if ! (cd "$tmp" && GOWORK=off GO111MODULE=on CGO_ENABLED=0 GOMAXPROCS=2 \
    GOFLAGS="${GOFLAGS:-} -mod=mod" GOBIN="$tmp" \
    go install -p 2 -trimpath -ldflags "-s -w" "github.com/minio/minio@$MINIO_MODULE_VERSION" >&2); then
    rm -rf "$tmp"
    die "go install github.com/minio/minio@$MINIO_MODULE_VERSION failed"
  fi
  mv -f "$tmp/minio" "$BIN"
  rm -rf "$tmp"
  echo "$MINIO_MODULE_VERSION" >"$STAMP"
  log "MinIO built in $((SECONDS - start))s -> $BIN"
}

do_install() {
  command -v curl >/dev/null 2>&1 || apt_install curl
  installed && return 0
  with_lock minio-install do_install_locked
}

# /minio/health/ready answers 200 as soon as the process listens, even while
# the drives are still offline; /minio/health/cluster answers 200 only when the
# erasure set has write quorum, i.e. S3 requests will really succeed.
ready() {
  curl -sf -o /dev/null --max-time 2 "http://$HOST:$PORT/minio/health/ready" &&
    curl -sf -o /dev/null --max-time 2 "http://$HOST:$PORT/minio/health/cluster"
}

running() { pid_alive "$PIDFILE" "$MARKER"; }

do_start() {
  do_install
  mkdir -p "$DIR"/d{1..4}
  if running; then
    if ready; then
      log "already running (pid $(cat "$PIDFILE")) on $HOST:$PORT"
      return 0
    fi
  else
    local p
    for p in "$PORT" "$CONSOLE_PORT"; do
      if port_open "$HOST" "$p" && ! take_over_port "$p" "$FOREIGN_RE" TERM "a MinIO test server"; then
        die "port $HOST:$p is in use by another process (pid $(port_pid "$p")); not starting MinIO"
      fi
    done
    log "starting MinIO on $HOST:$PORT (console $HOST:$CONSOLE_PORT)"
    : >>"$LOGFILE"
    echo "==== $(date -Is) start ====" >>"$LOGFILE"
    # MINIO_CI_CD=1: without it MinIO refuses drive folders that sit on the
    # root filesystem ("drive not found, will be retried" forever).
    MINIO_ROOT_USER="$ACCESS_KEY" MINIO_ROOT_PASSWORD="$SECRET_KEY" MINIO_CI_CD=1 \
      MINIO_UPDATE=off MINIO_BROWSER=on MINIO_PROMETHEUS_AUTH_TYPE=public \
      launch_bg "$PIDFILE" "$LOGFILE" "$BIN" server \
      --address "$HOST:$PORT" --console-address "$HOST:$CONSOLE_PORT" \
      "$DIR/d{1...4}"
  fi
  local i
  for ((i = 0; i < 600; i++)); do # up to 60 s
    if ! running; then
      die_with_log "$LOGFILE" "MinIO exited during startup"
    fi
    if ready; then
      log "ready on $HOST:$PORT (pid $(cat "$PIDFILE"))"
      return 0
    fi
    sleep 0.1
  done
  die_with_log "$LOGFILE" "MinIO not ready after 60s (pid $(cat "$PIDFILE" 2>/dev/null))"
}

do_stop() { stop_pid "$PIDFILE" "$MARKER" MinIO 20; }

do_status() {
  if running && ready; then
    log "running (pid $(cat "$PIDFILE")) on $HOST:$PORT, ready"
  elif running; then
    log "process running (pid $(cat "$PIDFILE")) but not ready"
    return 1
  else
    log "not running"
    return 3
  fi
}

# start/stop are serialised per server (concurrent callers, e.g. parallel test
# processes, must not launch two instances).
case "${1:-}" in
install) do_install ;;
start) with_lock minio-run do_start ;;
stop) with_lock minio-run do_stop ;;
status) do_status ;;
*) usage_component ;;
esac
