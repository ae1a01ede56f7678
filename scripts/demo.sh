#!/bin/sh
# Start the background worker, the scheduler and the web server; stop them all on Ctrl-C.
set -eu
: "${BIN:=.venv/bin}" "${HOST:=127.0.0.1}" "${PORT:=8000}"
export OMNILOOP_BASE_URL="${OMNILOOP_BASE_URL:-http://$HOST:$PORT}"
"$BIN/omniloop" db_worker --interval 1 &
WORKER=$!
"$BIN/omniloop" scheduler &
SCHEDULER=$!
trap 'kill $WORKER $SCHEDULER 2>/dev/null || true' EXIT INT TERM
echo "Worker (pid $WORKER) and scheduler (pid $SCHEDULER) started; one-time SMS codes appear in this terminal."
echo "Serving on $OMNILOOP_BASE_URL (Ctrl-C stops server, worker and scheduler)."
"$BIN/omniloop" runserver --noreload "$HOST:$PORT"
