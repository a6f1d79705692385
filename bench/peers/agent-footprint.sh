#!/usr/bin/env bash
# Footprint of `vigil agent` against `prometheus --enable-feature=agent` (Debian 2.42) and vmagent on the same targets:
# all three scrape one target exposing SERIES series every 5 s and remote-write to one VictoriaMetrics; after a warm-up,
# RSS and CPU seconds are read from /proc over a window. Prints RSS (MiB) and CPU (% of one core) per 10k active series.
# Needs: dotnet, python3, curl, prometheus, victoria-metrics (Debian packages). Usage: bench/peers/agent-footprint.sh
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
SERIES="${SERIES:-10000}"; WARMUP="${WARMUP:-30}"; WINDOW="${WINDOW:-60}"
work="$(mktemp -d)"; pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
python3 - "$SERIES" > "$work/metrics" <<'PY'
import sys
n = int(sys.argv[1])
print("# TYPE bench_value gauge")
for i in range(n):
    print(f'bench_value{{series="{i}",shard="{i % 17}"}} {i * 0.5}')
PY
tp=$(free_port); vp=$(free_port); ap=$(free_port); pp=$(free_port); mp=$(free_port)
(cd "$work" && mkdir -p t && cp metrics t/metrics && exec python3 -m http.server "$tp" --bind 127.0.0.1 --directory t) >/dev/null 2>&1 & pids+=($!)
victoria-metrics -httpListenAddr=127.0.0.1:$vp -storageDataPath="$work/vm" -loggerLevel=ERROR >/dev/null 2>&1 & pids+=($!)
cat > "$work/scrape.yml" <<YAML
global: { scrape_interval: 5s, external_labels: { agent: x } }
scrape_configs:
  - job_name: bench
    static_configs: [ { targets: ['127.0.0.1:$tp'] } ]
YAML
{ cat "$work/scrape.yml"; echo "remote_write: [ { url: 'http://127.0.0.1:$vp/api/v1/write' } ]"; } > "$work/agent.yml"
"$here/vigil" --help >/dev/null 2>&1   # build once
"$here/src/Vigil/bin/Release/net10.0/vigil" agent --config "$work/agent.yml" --data-dir "$work/vigil" --listen 127.0.0.1:$ap --collectors none --log-level warn >/dev/null 2>&1 & vigil=$!; pids+=($vigil)
prometheus --enable-feature=agent --config.file="$work/agent.yml" --storage.agent.path="$work/prom" --web.listen-address=127.0.0.1:$pp >/dev/null 2>&1 & prom=$!; pids+=($prom)
vmagent -promscrape.config="$work/scrape.yml" -remoteWrite.url="http://127.0.0.1:$vp/api/v1/write" -remoteWrite.tmpDataPath="$work/vmagent" -httpListenAddr=127.0.0.1:$mp -loggerLevel=ERROR >/dev/null 2>&1 & vma=$!; pids+=($vma)
sleep "$WARMUP"
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
declare -A c0; for p in $vigil $prom $vma; do c0[$p]=$(cpu "$p"); done
load0=$(cut -d' ' -f1-3 /proc/loadavg)
sleep "$WINDOW"
hz=$(getconf CLK_TCK)
echo "series=$SERIES interval=5s window=${WINDOW}s load average at start: $load0, at end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for pair in "vigil-agent:$vigil" "prometheus-agent:$prom" "vmagent:$vma"; do
  name=${pair%%:*}; p=${pair##*:}
  c1=$(cpu "$p"); r=$(rss "$p")
  awk -v n="$name" -v c0="${c0[$p]}" -v c1="$c1" -v hz="$hz" -v w="$WINDOW" -v r="$r" -v s="$SERIES" \
    'BEGIN { printf "%-17s RSS %7.1f MiB (%6.1f MiB per 10k series)  CPU %5.2f%% of a core (%5.2f%% per 10k series)\n", n, r/1024, r/1024*10000/s, (c1-c0)/hz/w*100, (c1-c0)/hz/w*100*10000/s }'
done
echo "samples in VictoriaMetrics: $(curl -s "http://127.0.0.1:$vp/api/v1/query?query=count(count_over_time(bench_value[10m]))" | tr -d '\n' | head -c 200)"
