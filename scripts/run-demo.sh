#!/usr/bin/env bash
# `make run`: start heraldd on SQLite at 127.0.0.1:8080 with the demo data directory
# ./demo-data. On first start the directory is seeded through the public API with demo
# accounts (alice, bob, carol; password "demo-password"), a group and a public channel.
# Ctrl-C stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/heraldd}
DATA=${HERALD_DEMO_DATA:-demo-data}
LISTEN=${HERALD_LISTEN:-127.0.0.1:8080}
mkdir -p "$DATA"
fresh=0
[ -f "$DATA/herald.db" ] || fresh=1

"$BIN" --data "$DATA" --listen "$LISTEN" --access-log on &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' INT TERM EXIT
for _ in $(seq 1 100); do
  if /usr/bin/python3 -c "import requests,sys; requests.get('http://$LISTEN/healthz',timeout=0.5).raise_for_status()" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
if [ $fresh -eq 1 ]; then
  /usr/bin/python3 scripts/seed-demo.py "http://$LISTEN" || echo "seeding the demo data failed"
fi
echo "heraldd is running on http://$LISTEN (data: $DATA). Try: curl http://$LISTEN/healthz — Ctrl-C stops it."
wait $pid
