#!/usr/bin/env bash
# Soak test: a real `vigil serve` (Release build) on a free loopback port, with a scrape job and rule files, under
# steady load for a fixed time: text and JSON pushes every second, instant queries five times a second, a heavy query
# every 5 s, a range query every second, POST /-/reload every 30 s. Every minute it records the server's RSS, CPU,
# threads, data directory size, and per request kind the count, errors and p50/p99/max latency. At the end it checks
# that every acknowledged pushed sample reads back with its timestamp and value.
#
#   bench/soak/run.sh [--minutes 60] [--sample-seconds 60] [--keep]
#
# Output under bench/soak/artifacts/ (ignored by git): soak-DATE.csv (one row a minute), soak-DATE.md (the summary
# table for docs/RELIABILITY.md), server-DATE.log, and the data directory (removed unless --keep).
# Exit code 0 when no request failed and no acknowledged sample is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
art="$here/artifacts"
minutes=60
sample=60
keep=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --sample-seconds) sample="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
run="$art/run-$stamp"
mkdir -p "$run/rules"
echo "== building vigil (Release)"
dotnet build "$repo/src/Vigil/Vigil.csproj" -c Release -nologo -v q -clp:ErrorsOnly
exe="$repo/src/Vigil/bin/Release/net10.0/vigil"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat > "$run/vigil.yaml" <<EOF
global:
  scrape_interval: 5s
  evaluation_interval: 5s
  external_labels: {soak: "$stamp"}
scrape_configs:
  - job_name: vigil-self
    static_configs:
      - targets: ["127.0.0.1:$port"]
rule_files: [rules/*.yml]
EOF
cat > "$run/rules/soak.yml" <<'EOF'
groups:
  - name: soak
    interval: 5s
    rules:
      - record: soak:text:rate1m
        expr: sum(rate(soak_text[1m]))
      - record: soak:json:avg
        expr: avg by (series) (soak_json)
      - alert: SoakPushStalled
        expr: absent_over_time(soak_text[1m])
        for: 30s
        labels: {severity: warning}
        annotations: {summary: "no text push for a minute"}
      - alert: SoakTargetDown
        expr: up == 0
        for: 15s
EOF

server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  [[ -z "$keep" ]] && rm -rf "$run/data"
}
trap cleanup EXIT

echo "== starting vigil serve on 127.0.0.1:$port (data: $run/data)"
(cd "$run" && exec "$exe" serve --config "$run/vigil.yaml" --listen "127.0.0.1:$port" --data-dir "$run/data" \
  > "$art/server-$stamp.log" 2>&1) &
server_pid=$!
for _ in $(seq 1 240); do
  curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "the server exited during start-up:"; tail -n 30 "$art/server-$stamp.log"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null

set +e
python3 "$here/soak.py" --port "$port" --pid "$server_pid" --data-dir "$run/data" --minutes "$minutes" \
  --sample-seconds "$sample" --csv "$art/soak-$stamp.csv" --summary "$art/soak-$stamp.md"
rc=$?
set -e
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "the server died during the soak; last lines of its log:"; tail -n 30 "$art/server-$stamp.log"
  rc=1
fi
echo "CSV: $art/soak-$stamp.csv  summary: $art/soak-$stamp.md  server log: $art/server-$stamp.log"
exit "$rc"
