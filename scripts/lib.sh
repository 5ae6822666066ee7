# shellcheck shell=bash
# Shared helpers for the test-server scripts (postgres.sh, kafka.sh, minio.sh,
# servers.sh). Source it; do not execute it.
#
# Layout (all paths resolved from this file's location, never from the cwd):
#   $EDU_ROOT/.cache/        downloaded / built artifacts (git-ignored)
#   $EDU_ROOT/var/servers/   runtime data, logs, pid files (git-ignored)

EDU_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
EDU_ROOT="$(cd "$EDU_SCRIPTS_DIR/.." && pwd -P)"
EDU_CACHE="$EDU_ROOT/.cache"
# shellcheck disable=SC2034 # used by the scripts that source this file
EDU_VAR="$EDU_ROOT/var/servers"
EDU_NAME="${EDU_NAME:-$(basename "${0:-servers}")}"

log() { printf '[%s] %s\n' "$EDU_NAME" "$*" >&2; }

die() {
  log "ERROR: $*"
  exit 1
}

# die_with_log FILE MESSAGE: print the tail of a server log, then fail.
die_with_log() {
  local file="$1"
  shift
  log "ERROR: $*"
  if [[ -f "$file" ]]; then
    log "---- last 40 lines of $file ----"
    tail -n 40 "$file" | cut -c1-500 | sed "s/^/[$EDU_NAME]   /" >&2 || true
    log "---- end of $file ----"
  fi
  exit 1
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Run a command as root (directly, or via sudo when available).
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "need root to run: $*"
  fi
}

# with_lock NAME CMD...: serialise installs / starts across concurrent
# invocations (e.g. two test runs calling `start` at once). The lock is fd 9:
# long-lived servers must be launched with 9>&- so they do not inherit it.
with_lock() {
  local name="$1"
  shift
  mkdir -p "$EDU_CACHE/locks"
  (
    flock -w 1800 9 || die "timed out waiting for lock $name"
    "$@"
  ) 9>"$EDU_CACHE/locks/$name.lock"
}

_apt_install_locked() {
  export DEBIAN_FRONTEND=noninteractive
  log "apt-get install $*"
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    as_root apt-get update -qq >&2 || die "apt-get update failed"
  fi
  if ! as_root apt-get install -y -qq --no-install-recommends "$@" >&2; then
    log "install failed with the current package lists; running apt-get update and retrying"
    as_root apt-get update -qq >&2 || die "apt-get update failed"
    as_root apt-get install -y -qq --no-install-recommends "$@" >&2 ||
      die "apt-get install $* failed"
  fi
}

# apt_install PKG...: install the Debian packages that are missing.
# `apt-get update` runs only when there are no package lists yet or an install
# fails with the current ones. A global lock keeps parallel callers apart.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; please install: ${missing[*]}"
  with_lock apt _apt_install_locked "${missing[@]}"
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") >/dev/null 2>&1
}

# port_pid PORT: pid of the process listening on TCP PORT (empty when unknown).
port_pid() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Htlnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2
}

# take_over_port PORT REGEX SIGNAL NAME: the ports are fixed, so only one
# checkout's servers can run on a machine. When PORT is held by a process whose
# command line matches REGEX (the same kind of test server, started from
# another checkout, e.g. the clone CI makes), stop it so that this checkout can
# start its own. Returns 1 (touching nothing) when the holder is anything else.
take_over_port() {
  local port="$1" regex="$2" sig="$3" name="$4" pid cmd i
  pid="$(port_pid "$port")"
  [[ -n "$pid" ]] || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" =~ $regex ]] || return 1
  log "port $port is held by $name from another checkout (pid $pid: $cmd); stopping it"
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid did not stop within 30s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  for ((i = 0; i < 100; i++)); do
    port_open 127.0.0.1 "$port" || return 0
    sleep 0.1
  done
  return 1
}

# pid_alive PIDFILE MARKER: true when the pid in PIDFILE runs and its command
# line contains MARKER (guards against stale pid files and recycled pids).
pid_alive() {
  local pidfile="$1" marker="$2" pid
  [[ -s "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"
}

# launch_bg PIDFILE LOGFILE CMD...: start CMD detached (own session, no tty,
# stdio to LOGFILE) and write its pid to PIDFILE before exec'ing it.
launch_bg() {
  local pidfile="$1" logfile="$2"
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' launch "$pidfile" "$@" \
    </dev/null >>"$logfile" 2>&1 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  die "process did not start: $*"
}

# stop_pid PIDFILE MARKER NAME [TIMEOUT_S]: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local pidfile="$1" marker="$2" name="$3" timeout="${4:-30}" pid i
  if ! pid_alive "$pidfile" "$marker"; then
    rm -f "$pidfile"
    log "$name is not running"
    return 0
  fi
  pid="$(cat "$pidfile")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop within ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
  log "$name stopped"
}

usage_component() {
  echo "usage: $EDU_NAME install|start|stop|status" >&2
  exit 2
}
