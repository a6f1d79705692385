#!/usr/bin/env bash
# PromQL range queries over HTTP, Vigil vs Prometheus, on the same data: one OpenMetrics file (node-exporter-like
# series plus a latency histogram per host, 2 h at 15 s) imported by `vigil import openmetrics` and by
# `promtool tsdb create-blocks-from openmetrics`, both servers started on loopback ports, then every query timed with
# curl (end to end: evaluation and JSON), RUNS times per side, alternating, after WARMUP rounds over all queries on both
# sides (a long-running server is measured warm: .NET compiles hot methods again with full optimisation after ~30 calls).
# Prints a Markdown table: median latency per side, the ratio, the result size and each side's sample statistics
# (stats=all): samples loaded and peak samples held.
# Usage: bench/peers/promql-vs-prometheus.sh [SERIES] [RUNS] [WARMUP]   (defaults: 10000 9 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
series="${1:-10000}"
runs="${2:-9}"
warmup="${3:-5}"
for tool in prometheus promtool curl jq; do
  command -v "$tool" >/dev/null || { echo "$tool not found (apt-get install prometheus curl jq)" >&2; exit 1; }
done

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build src/Vigil/Vigil.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
vigil=src/Vigil/bin/Release/net10.0/vigil

start_s=1700000000
"$vigil" bench generate --series "$series" --duration 2h --interval 15s --histograms --start "${start_s}000" -o "$work/data.om" >&2
"$vigil" import openmetrics "$work/data.om" --data-dir "$work/vigil" >&2
promtool tsdb create-blocks-from openmetrics "$work/data.om" "$work/prom" >/dev/null
rm "$work/data.om"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
vport=$(free_port)
pport=$(free_port)
echo 'scrape_configs: []' >"$work/prometheus.yml"
"$vigil" serve --data-dir "$work/vigil" --listen "127.0.0.1:$vport" --collectors none --log-level warn >"$work/vigil.log" 2>&1 &
vpid=$!
pids+=("$vpid")
# The data is from 2023: a long retention keeps Prometheus from deleting it at start-up.
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom" --storage.tsdb.retention.time=100y \
  --web.listen-address="127.0.0.1:$pport" --log.level=warn >"$work/prometheus.log" 2>&1 &
ppid=$!
pids+=("$ppid")
for url in "http://127.0.0.1:$vport/-/ready" "http://127.0.0.1:$pport/-/ready"; do
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "$url" && break
    sleep 0.2
  done
  curl -sf -o /dev/null "$url" || { echo "$url not ready" >&2; cat "$work"/*.log >&2; exit 1; }
done
sleep 5 # let start-up work (WAL replay, block loading) settle on both sides

# The last hour of the data at a 30 s step (121 steps); x = node_cpu_seconds_total (32 series per host).
range_start=$((start_s + 3600))
range_end=$((start_s + 7200))
step=30
queries=(
  'rate(node_cpu_seconds_total[5m])'
  'sum by (job) (rate(node_cpu_seconds_total[5m]))'
  'sum by (instance) (rate(node_cpu_seconds_total[5m]))'
  'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'
  'topk(10, rate(node_cpu_seconds_total[5m]))'
  '1 - sum by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) / on (instance) count by (instance) (node_cpu_seconds_total{mode="idle"})'
  'avg_over_time(node_cpu_seconds_total[1h])'
  'max_over_time(rate(node_cpu_seconds_total[5m])[1h:1m])'
)

run() { # port query [extra curl args] -> seconds
  curl -sf -o /dev/null -w '%{time_total}' "http://127.0.0.1:$1/api/v1/query_range" \
    --data-urlencode "query=$2" -d "start=$range_start" -d "end=$range_end" -d "step=$step"
}
# CPU time (user + system clock ticks) a server process has used so far: shows the work per query apart from machine load.
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
stats() { # port query -> "series points loaded peak"
  curl -sf "http://127.0.0.1:$1/api/v1/query_range" --data-urlencode "query=$2" -d "start=$range_start" -d "end=$range_end" -d "step=$step" -d stats=all |
    jq -r '[(.data.result | length), ([.data.result[].values | length] | add // 0), .data.stats.samples.totalQueryableSamples, .data.stats.samples.peakSamples] | @tsv'
}

for _ in $(seq 1 "$warmup"); do
  for q in "${queries[@]}"; do
    run "$vport" "$q" >/dev/null
    run "$pport" "$q" >/dev/null
  done
done

echo "## PromQL vs Prometheus"
echo
echo "$(date -u +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB," \
  "$(. /etc/os-release && echo "$PRETTY_NAME"), .NET $(dotnet --version), $(prometheus --version 2>&1 | head -1 | awk '{print "Prometheus " $3}')."
echo "$series series (node-exporter-like, 14 of every 61 a latency histogram), 2 h at 15 s; range queries over the last hour, step ${step}s; median of $runs runs per side (curl, end to end) after $warmup warm-up rounds."
echo
echo "| query | Vigil | Prometheus | ratio | server CPU per query, Vigil / Prometheus | result series / points | Vigil samples loaded / peak | Prometheus queryable samples / peak |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for q in "${queries[@]}"; do
  vt=()
  pt=()
  vc0=$(cpu_ticks "$vpid")
  pc0=$(cpu_ticks "$ppid")
  for _ in $(seq 1 "$runs"); do
    vt+=("$(run "$vport" "$q")")
    pt+=("$(run "$pport" "$q")")
  done
  vcpu=$(( ($(cpu_ticks "$vpid") - vc0) * 1000 / hz / runs ))
  pcpu=$(( ($(cpu_ticks "$ppid") - pc0) * 1000 / hz / runs ))
  vm=$(printf '%s\n' "${vt[@]}" | median)
  pm=$(printf '%s\n' "${pt[@]}" | median)
  read -r vs vp vl vpeak < <(stats "$vport" "$q")
  read -r ps pp pl ppeak < <(stats "$pport" "$q")
  if [[ "$vs/$vp" != "$ps/$pp" ]]; then
    echo "result size differs for $q: Vigil $vs series / $vp points, Prometheus $ps / $pp" >&2
  fi
  awk -v q="$q" -v vm="$vm" -v pm="$pm" -v vc="$vcpu" -v pc="$pcpu" -v s="$vs" -v p="$vp" -v vl="$vl" -v vpk="$vpeak" -v pl="$pl" -v ppk="$ppeak" 'BEGIN {
    printf "| `%s` | %.1f ms | %.1f ms | %.2f | %d / %d ms | %d / %d | %d / %d | %d / %d |\n", q, vm * 1000, pm * 1000, vm / pm, vc, pc, s, p, vl, vpk, pl, ppk }'
done
