#!/usr/bin/env bash
# A real Kannel SMS gateway for the notifications service's tests and demo: bearerbox + smsbox, with Kannel's
# fakesmsc as the operator (SMSC) side. Free ports are chosen at first start and kept in the state directory.
#
#   scripts/kannel.sh start [DIR]   start (or find running) the three processes; prints the env file's path
#   scripts/kannel.sh stop [DIR]    stop them (only the pids this script recorded in DIR)
#   scripts/kannel.sh env [DIR]     print the env file (KANNEL_SENDSMS_URL, KANNEL_USER, …)
#
# DIR defaults to var/kannel. Idempotent: a second start with the same DIR finds the running gateway.
# fakesmsc prints every message the "operator" received (one line each) to DIR/fakesmsc.log; its DLRs
# (delivered) come back through smsbox to the `dlr-url` given with each message.
set -euo pipefail
EDU_NAME=kannel.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FAKESMSC=/usr/lib/kannel/test/fakesmsc

free_tcp_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
  local dir="$1" admin="$2" box="$3" smsc="$4" sendsms="$5"
  cat >"$dir/kannel.conf" <<EOF
group = core
admin-port = $admin
admin-password = edu-admin
admin-interface = 127.0.0.1
admin-allow-ip = "127.0.0.1"
smsbox-port = $box
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
log-file = "$dir/bearerbox.log"
log-level = 1
dlr-storage = internal
store-type = file
store-location = "$dir/bearerbox.store"

group = smsc
smsc = fake
smsc-id = fake
host = 127.0.0.1
port = $smsc
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $box
sendsms-port = $sendsms
sendsms-interface = 127.0.0.1
log-file = "$dir/smsbox.log"
log-level = 1

group = sendsms-user
username = edu
password = edu-sms
max-messages = 10
concatenation = true
user-allow-ip = "127.0.0.1"

group = sms-service
keyword = default
text = "Tin nhan nay khong nhan tra loi"
EOF
}

start() {
  local dir="$1"
  mkdir -p "$dir"
  [[ -x "$FAKESMSC" ]] || die "kannel-extras is not installed: run scripts/tools.sh install"
  if alive "$dir/bearerbox.pid" && alive "$dir/smsbox.pid" && alive "$dir/fakesmsc.pid"; then
    echo "$dir/env"
    return 0
  fi
  stop "$dir"
  local admin box smsc sendsms
  admin=$(free_tcp_port) box=$(free_tcp_port) smsc=$(free_tcp_port) sendsms=$(free_tcp_port)
  write_conf "$dir" "$admin" "$box" "$smsc" "$sendsms"
  rm -f "$dir/bearerbox.store" "$dir"/*.log
  # 9>&-: the servers must not inherit a caller's lock descriptor.
  setsid /usr/sbin/bearerbox -v 1 "$dir/kannel.conf" >"$dir/bearerbox.out" 2>&1 9>&- &
  echo $! >"$dir/bearerbox.pid"
  wait_port "$admin" bearerbox "$dir/bearerbox.out"
  # -m 0: the operator only receives (it never originates messages); it prints each one it got.
  setsid "$FAKESMSC" -H 127.0.0.1 -r "$smsc" -m 0 "0 0 text nop" >"$dir/fakesmsc.log" 2>&1 9>&- &
  echo $! >"$dir/fakesmsc.pid"
  setsid /usr/sbin/smsbox -v 1 "$dir/kannel.conf" >"$dir/smsbox.out" 2>&1 9>&- &
  echo $! >"$dir/smsbox.pid"
  wait_port "$sendsms" smsbox "$dir/smsbox.out"
  wait_smsc_online "$admin" "$dir"
  cat >"$dir/env" <<EOF
KANNEL_SENDSMS_URL=http://127.0.0.1:$sendsms/cgi-bin/sendsms
KANNEL_USER=edu
KANNEL_PASSWORD=edu-sms
KANNEL_ADMIN_URL=http://127.0.0.1:$admin
KANNEL_OPERATOR_LOG=$dir/fakesmsc.log
EOF
  log "Kannel up: sendsms on 127.0.0.1:$sendsms (state in $dir)"
  echo "$dir/env"
}

wait_port() {
  local port="$1" name="$2" out="$3"
  for _ in $(seq 1 100); do
    port_open 127.0.0.1 "$port" && return 0
    sleep 0.1
  done
  die_with_log "$out" "$name did not listen on port $port"
}

wait_smsc_online() {
  local admin="$1" dir="$2"
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$admin/status.txt?password=edu-admin" 2>/dev/null | grep -q "fake.*online"; then
      return 0
    fi
    sleep 0.1
  done
  die_with_log "$dir/bearerbox.log" "the fake SMSC never came online"
}

stop() {
  local dir="$1" name pid
  for name in smsbox fakesmsc bearerbox; do
    if alive "$dir/$name.pid"; then
      pid=$(cat "$dir/$name.pid")
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$name.pid"
  done
}

DIR="${2:-$EDU_ROOT/var/kannel}"
case "${1:-start}" in
start) start "$DIR" ;;
stop) stop "$DIR" ;;
env) cat "$DIR/env" ;;
*) die "usage: $0 start|stop|env [DIR]" ;;
esac
