#!/usr/bin/env bash
# The outage demo, as root on a Debian machine with the .NET 10 SDK:
#   deploy/local/demo.sh                      # 10,000 messages, worker configured at the true limits
#   deploy/local/demo.sh --believed 2         # worker configured at twice the true limits: it must learn them
#   deploy/local/demo.sh --size 50000 --outage-seconds 120
#   deploy/local/demo.sh --restart-before-return --kills 3   # kill -9 the worker before the return, then the owner 3 times
# Starts RabbitMQ if needed, then runs `sluice-bench demo` (Tests/Benchmark/DemoRun.cs): a backlog is
# published while the smarthost (the bundled receiving simulator) is down, the smarthost comes back,
# and Sluice drains into Microsoft-, Google- and Yahoo-like receivers whose limits are enforced by the
# simulator. Live progress every 5 s, then a report: delivered, failed with reasons, throttle replies,
# bans, lost, drain time against the ideal.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v dotnet >/dev/null 2>&1 || { echo "The .NET 10 SDK is needed (https://dot.net/install); see README." >&2; exit 1; }
bash deploy/local/rabbitmq-up.sh
exec dotnet run -c Release --project Tests/Benchmark -- demo "$@"
