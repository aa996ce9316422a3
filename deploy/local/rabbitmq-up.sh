#!/usr/bin/env bash
# Installs (Debian's rabbitmq-server package) and starts a local RabbitMQ with its management plugin,
# as root, and waits until both AMQP and the management API answer. Safe to run when it is already up.
# Used by the demo (deploy/local/demo.sh) and by CI (.ci/run).
set -euo pipefail

log() { printf '[rabbitmq] %s\n' "$*"; }

# until_ok TRIES PAUSE COMMAND...: run COMMAND until it succeeds, at most TRIES times.
until_ok() {
  local tries=$1 pause=$2; shift 2
  for _ in $(seq 1 "$tries"); do
    if "$@"; then return 0; fi
    sleep "$pause"
  done
  return 1
}
management_port_open() { (exec 3<>/dev/tcp/127.0.0.1/15672) 2>/dev/null; }

if ! command -v rabbitmq-server >/dev/null 2>&1; then
  log "installing rabbitmq-server"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
fi

# There may be no systemd: start the node detached, unless one is already answering.
if rabbitmqctl -q status >/dev/null 2>&1; then
  log "already running"
  rabbitmq-plugins -q enable rabbitmq_management >/dev/null
else
  rabbitmq-plugins -q enable --offline rabbitmq_management >/dev/null
  log "starting"
  rabbitmq-server -detached
fi
# A detached node needs a moment to register before await_startup can even reach it.
until_ok 60 2 rabbitmqctl -q await_startup --timeout 10 >/dev/null 2>&1 ||
  { log "RabbitMQ did not start"; rabbitmqctl status || true; exit 1; }

# Tests and the demo create private virtual hosts through the management API: wait for its port.
until_ok 60 1 management_port_open || { log "management API did not come up on :15672"; exit 1; }
log "RabbitMQ $(rabbitmqctl -q version) is up"
