#!/usr/bin/env bash
# Starts, stops or reports the local Temporal dev server pomona uses by default: the pinned `temporal`
# binary from .tools/, a persistent SQLite file, the Web UI, and pomona's search attributes registered.
#   infra/temporal-dev-server.sh start|stop|status
# Environment: POMONA_STATE_DIR (default <repo>/.pomona), POMONA_TEMPORAL_PORT (7233),
# POMONA_TEMPORAL_UI_PORT (8233), POMONA_TEMPORAL_IP (127.0.0.1).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
temporal="${POMONA_TEMPORAL_BIN:-$repo/.tools/temporal/bin/temporal}"
state="${POMONA_STATE_DIR:-$repo/.pomona}"
port="${POMONA_TEMPORAL_PORT:-7233}"
ui_port="${POMONA_TEMPORAL_UI_PORT:-8233}"
ip="${POMONA_TEMPORAL_IP:-127.0.0.1}"
pidfile="$state/temporal-$port.pid"
logfile="$state/temporal-$port.log"

healthy() { "$temporal" operator cluster health --address "$ip:$port" >/dev/null 2>&1; }

case "${1:-}" in
  start)
    [ -x "$temporal" ] || { echo "temporal CLI not found at $temporal: run npm install" >&2; exit 1; }
    if healthy; then echo "Temporal is already running at $ip:$port (UI http://$ip:$ui_port)"; exit 0; fi
    mkdir -p "$state"
    # setsid: the server outlives the shell (and the demo) that started it.
    setsid "$temporal" server start-dev \
      --ip "$ip" --port "$port" --ui-port "$ui_port" \
      --db-filename "$state/temporal.db" \
      --dynamic-config-value frontend.enableUpdateWorkflowExecution=true \
      --search-attribute PomonaProject=Keyword \
      --search-attribute PomonaPhase=Keyword \
      --search-attribute PomonaRound=Int \
      --search-attribute PomonaMap50=Double \
      --log-level warn >"$logfile" 2>&1 < /dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 1 120); do
      if healthy; then echo "Temporal dev server running at $ip:$port, Web UI http://$ip:$ui_port (data: $state/temporal.db)"; exit 0; fi
      if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "Temporal dev server exited; log: $logfile" >&2; tail -n 20 "$logfile" >&2; exit 1; fi
      sleep 0.5
    done
    echo "Temporal dev server did not become healthy in 60 s; log: $logfile" >&2
    exit 1
    ;;
  stop)
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      pid="$(cat "$pidfile")"
      kill "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$pidfile"
      echo "Temporal dev server on port $port stopped"
    else
      rm -f "$pidfile"
      echo "no Temporal dev server started from $state on port $port"
    fi
    ;;
  status)
    if healthy; then echo "running at $ip:$port, Web UI http://$ip:$ui_port"; else echo "not running at $ip:$port"; exit 3; fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
