#!/usr/bin/env bash
# Scrape cost, side by side: Vigil and Debian's Prometheus scrape the same N loopback targets (recorded
# node_exporter payloads served by one local HTTP server, distinct target labels) for DURATION seconds.
# Prints CPU seconds, resident memory and CPU per scraped sample of each.
#
#   bench/peers/scrape-cost.sh                 # 200 targets, 15s interval, 5 minutes
#   TARGETS=50 DURATION=60 bench/peers/scrape-cost.sh
#
# Needs: dotnet, python3, curl, /usr/bin/prometheus and /usr/bin/prometheus-node-exporter (Debian packages
# prometheus and prometheus-node-exporter). Both servers run at the same time, so they share the machine alike.
set -euo pipefail
cd "$(dirname "$0")/../.."

TARGETS="${TARGETS:-200}"
INTERVAL="${INTERVAL:-15s}"
DURATION="${DURATION:-300}"
WARMUP="${WARMUP:-30}"
RECORDINGS="${RECORDINGS:-5}"
PROMETHEUS="${PROMETHEUS:-/usr/bin/prometheus}"
NODE_EXPORTER="${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}"

for tool in "$PROMETHEUS" "$NODE_EXPORTER" python3 curl dotnet; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

work="$(mktemp -d -t vigil-scrape-cost-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_http() { # url seconds
  for _ in $(seq 1 $(( $2 * 10 ))); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "timed out waiting for $1" >&2; return 1
}

echo "Building Vigil (Release)..." >&2
dotnet build src/Vigil -c Release -nologo -v q -clp:ErrorsOnly >&2
vigil_dll="src/Vigil/bin/Release/net10.0/vigil.dll"

# 1. Record node_exporter payloads (a few, a second apart, so values differ between targets).
ne_port="$(free_port)"
"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$ne_port" >"$work/node_exporter.log" 2>&1 &
ne_pid=$!; pids+=("$ne_pid")
wait_http "http://127.0.0.1:$ne_port/metrics" 15
mkdir -p "$work/payloads"
for i in $(seq 0 $(( RECORDINGS - 1 ))); do
  curl -fs "http://127.0.0.1:$ne_port/metrics" -o "$work/payloads/$i.prom"
  sleep 1
done
kill "$ne_pid"
samples_per_payload="$(grep -cv '^#' "$work/payloads/0.prom")"

# 2. Serve them: /metrics?target=N answers recording N mod RECORDINGS.
serve_port="$(free_port)"
cat >"$work/serve.py" <<'PY'
import os, sys
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlparse, parse_qs
directory, port = sys.argv[1], int(sys.argv[2])
payloads = [open(os.path.join(directory, f), "rb").read() for f in sorted(os.listdir(directory))]
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        n = int(parse_qs(urlparse(self.path).query).get("target", ["0"])[0])
        body = payloads[n % len(payloads)]
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
python3 "$work/serve.py" "$work/payloads" "$serve_port" &
pids+=($!)
wait_http "http://127.0.0.1:$serve_port/metrics?target=0" 10

# 3. One scrape_configs section, valid for both servers.
{
  echo "global:"
  echo "  scrape_interval: $INTERVAL"
  echo "scrape_configs:"
  echo "  - job_name: bench"
  echo "    static_configs:"
  for i in $(seq 0 $(( TARGETS - 1 ))); do
    echo "      - targets: ['127.0.0.1:$serve_port']"
    echo "        labels: { shard: 'shard-$i', __param_target: '$i' }"
  done
} >"$work/scrape.yml"
cp "$work/scrape.yml" "$work/prometheus.yml"
{ cat "$work/scrape.yml"; printf 'collectors:\n  host: { enabled: false }\n  self: { enabled: false }\nstorage:\n  data_dir: %s\n' "$work/vigil-data"; } >"$work/vigil.yaml"

prom_port="$(free_port)"
vigil_port="$(free_port)"
"$PROMETHEUS" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom-data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
prom_pid=$!; pids+=("$prom_pid")
dotnet "$vigil_dll" serve --config "$work/vigil.yaml" --listen "127.0.0.1:$vigil_port" --log-level warn >"$work/vigil.log" 2>&1 &
vigil_pid=$!; pids+=("$vigil_pid")
wait_http "http://127.0.0.1:$prom_port/-/ready" 60
wait_http "http://127.0.0.1:$vigil_port/-/ready" 60

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

echo "Warming up for ${WARMUP}s, then measuring for ${DURATION}s ($TARGETS targets every $INTERVAL, $samples_per_payload samples each)..." >&2
sleep "$WARMUP"
start_ms="$(date +%s%3N)"
prom_cpu0="$(cpu_ticks "$prom_pid")"; vigil_cpu0="$(cpu_ticks "$vigil_pid")"
sleep "$DURATION"
end_ms="$(date +%s%3N)"
prom_cpu1="$(cpu_ticks "$prom_pid")"; vigil_cpu1="$(cpu_ticks "$vigil_pid")"
hz="$(getconf CLK_TCK)"

# Samples scraped in the window, from each server's own scrape_samples_scraped series.
prom_samples="$(curl -fs "http://127.0.0.1:$prom_port/api/v1/query" \
  --data-urlencode "query=sum(sum_over_time(scrape_samples_scraped{job=\"bench\"}[$(( (end_ms - start_ms) / 1000 ))s]))" \
  --data-urlencode "time=$(( end_ms / 1000 ))" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)')"
vigil_samples="$(curl -fs "http://127.0.0.1:$vigil_port/api/v1/export" \
  --data-urlencode 'match[]=scrape_samples_scraped{job="bench"}' \
  --data-urlencode "start=$(( start_ms / 1000 ))" --data-urlencode "end=$(( end_ms / 1000 ))" \
  | python3 -c 'import json,sys; print(int(sum(v for l in sys.stdin for v in json.loads(l)["values"] if isinstance(v,(int,float)))))')"

report() { # name cpu0 cpu1 pid samples
  python3 - "$@" "$hz" <<'PY'
import sys
name, c0, c1, pid, samples, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
def kb(key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
cpu = (c1 - c0) / hz
per = cpu / samples * 1e6 if samples else float("nan")
print(f"{name:<11} {cpu:>9.2f} {kb('VmRSS')/1024:>9.1f} {kb('VmHWM')/1024:>9.1f} {samples:>12,} {per:>14.3f}")
PY
}
echo
echo "$TARGETS targets x $samples_per_payload samples every $INTERVAL, measured $(( (end_ms - start_ms) / 1000 ))s after ${WARMUP}s warm-up"
printf '%-11s %9s %9s %9s %12s %14s\n' peer "CPU s" "RSS MB" "peak MB" samples "CPU us/sample"
report Vigil "$vigil_cpu0" "$vigil_cpu1" "$vigil_pid" "$vigil_samples"
report Prometheus "$prom_cpu0" "$prom_cpu1" "$prom_pid" "$prom_samples"
python3 - "$vigil_cpu0" "$vigil_cpu1" "$vigil_samples" "$prom_cpu0" "$prom_cpu1" "$prom_samples" <<'PY'
import sys
v0, v1, vs, p0, p1, ps = map(int, sys.argv[1:])
if vs and ps and p1 > p0:
    print(f"Vigil / Prometheus CPU per sample: {((v1 - v0) / vs) / ((p1 - p0) / ps):.2f}x")
PY
