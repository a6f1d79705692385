#!/usr/bin/env bash
# Fuzzes a real `vigil serve` with QUERIES random PromQL requests over HTTP (ordinary queries, subqueries with steps
# down to 1 ms over ranges up to a year, 100 to 50,000 levels of nesting, long operator chains, mutated and junk text,
# per-request timeouts and client disconnects; 2 at a time) and records the server's resident memory (VmRSS) after a
# warm-up, at its peak during the run, right after it and while idle afterwards. Any 5xx answer other than a timeout,
# any dropped connection and a server that no longer answers are findings (exit code 1).
# Data: SERIES node-exporter-like series with a latency histogram, 6 h at 15 s ending 10 minutes ago, imported as blocks.
# Usage: bench/fuzz/query-rss.sh [QUERIES] [SERIES] [IDLE_SECONDS]   (defaults: 10000 940 120)
# Extra `vigil serve` flags (e.g. a GC setting to compare) can be given in VIGIL_SERVE_ARGS; DOTNET_* variables pass through.
set -euo pipefail
cd "$(dirname "$0")/../.."
queries="${1:-10000}"
series="${2:-940}"
idle="${3:-120}"

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build src/Vigil/Vigil.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
dotnet build bench/fuzz/QueryRss/QueryRss.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
vigil=src/Vigil/bin/Release/net10.0/vigil

span=$((6 * 3600))
end=$(( $(date +%s) - 600 ))
start=$(( end - span ))
"$vigil" bench generate --series "$series" --duration 6h --interval 15s --histograms --start "${start}000" -o "$work/data.om" >&2
"$vigil" import openmetrics "$work/data.om" --data-dir "$work/data" >&2
rm "$work/data.om"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
# shellcheck disable=SC2086
"$vigil" serve --data-dir "$work/data" --listen "127.0.0.1:$port" --collectors none --retention 0 --log-level warn ${VIGIL_SERVE_ARGS:-} >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
  sleep 0.2
done

echo "## Query fuzz run, $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
status=0
dotnet bench/fuzz/QueryRss/bin/Release/net10.0/QueryRss.dll --url "http://127.0.0.1:$port" --pid "$server" \
  --end "$end" --span "$span" --queries "$queries" --concurrency 2 --idle "$idle" || status=$?
echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if grep -qiE "unhandled|fatal|stack overflow" "$work/serve.log"; then
  echo "- server log:"; grep -iE "unhandled|fatal|stack overflow" "$work/serve.log" | head -5 | sed 's/^/    /'
  status=1
fi
exit "$status"
