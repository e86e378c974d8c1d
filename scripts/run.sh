#!/usr/bin/env bash
# Runs the Connector on the embedded default: migrate, seed the demo, then the web portal and a
# django-q2 worker side by side. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
export CONNECTOR_ALLOW_LOOPBACK_URLS="${CONNECTOR_ALLOW_LOOPBACK_URLS:-1}"

$PY manage.py migrate --noinput
$PY manage.py setup_schedules
$PY manage.py seed_demo --port "$PORT"

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

$PY manage.py qcluster &
pids+=($!)
$PY manage.py run_demo_platforms &
pids+=($!)
echo "Connector on http://127.0.0.1:${PORT}/ (support admin: /admin/, client pages: /login/, API docs: /api/v1/docs/). Ctrl-C stops."
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload &
pids+=($!)
wait -n "${pids[@]}"
