#!/bin/sh
# Start the background worker and the web server; stop both on Ctrl-C.
set -eu
: "${BIN:=.venv/bin}" "${HOST:=127.0.0.1}" "${PORT:=8000}"
export OMNILOOP_BASE_URL="${OMNILOOP_BASE_URL:-http://$HOST:$PORT}"
"$BIN/omniloop" db_worker --interval 1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo "Worker started (pid $WORKER); one-time SMS codes appear in this terminal."
echo "Serving on $OMNILOOP_BASE_URL (Ctrl-C stops server and worker)."
"$BIN/omniloop" runserver --noreload "$HOST:$PORT"
