#!/usr/bin/env bash
# Runs the Connector on the embedded default: migrate (which also makes the sync engine's
# schedules), seed the demo, then the web portal, a django-q2 worker and the demo's two sandbox
# platforms side by side. Ctrl-C, or SIGTERM to this script or to its whole process group,
# stops everything within 10 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
STOP_SECONDS="${STOP_SECONDS:-8}"  # the worker's grace to finish its task, then SIGKILL
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
export CONNECTOR_ALLOW_LOOPBACK_URLS="${CONNECTOR_ALLOW_LOOPBACK_URLS:-1}"

$PY manage.py migrate --noinput
$PY manage.py seed_demo --port "$PORT"

pids=()
worker=""
stop() {
  trap - INT TERM EXIT
  # django-q2 stops cleanly when its main process alone gets SIGTERM: the workers finish their
  # task (a delivery-loop turn is 5 s at most) and exit. A signal to all of its processes at
  # once kills the workers mid-task and leaves the main process waiting forever, so the
  # worker runs in a process group of its own (set -m below), out of reach of a signal sent
  # to this script's group; whatever is left of it after STOP_SECONDS is killed.
  if [[ -n "$worker" ]]; then kill -TERM "$worker" 2>/dev/null || true; fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n "$worker" ]]; then
    for _ in $(seq 1 $((STOP_SECONDS * 10))); do
      kill -0 "$worker" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$worker" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

set -m  # job control: the next background job gets a process group of its own
$PY manage.py qcluster &
worker=$!
set +m
$PY manage.py run_demo_platforms &
pids+=($!)
echo "Connector on http://127.0.0.1:${PORT}/ (support admin: /admin/, client pages: /login/, API docs: /api/v1/docs/). Ctrl-C stops."
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload &
pids+=($!)
wait -n "$worker" "${pids[@]}"
