#!/usr/bin/env bash
# Remote-write receive cost, side by side: Vigil (/api/v1/write), Debian's VictoriaMetrics (/api/v1/write) and
# Debian's Prometheus (--web.enable-remote-write-receiver) receive the same pre-encoded remote-write 1.0 payloads
# (node-exporter-like series, one sample per series per request) from 1, 2 and 4 concurrent senders, one server at a
# time. Prints samples per second and server CPU seconds per million samples (from /proc/PID/stat), and checks
# afterwards that each server holds every sample (PromQL count_over_time on each server).
#
#   bench/peers/remote-write.sh                          # 16,000 series x 120 samples, batches of 2,000 series
#   SERIES=8000 SAMPLES=60 SENDERS="1 4" bench/peers/remote-write.sh
#   FORMAT=text bench/peers/remote-write.sh              # the same samples as Prometheus text with ms timestamps,
#                                                        # pushed to /api/v1/import/prometheus (Vigil, VictoriaMetrics)
#   RESULTS_TSV=out.tsv bench/peers/remote-write.sh      # also append one row per server and level to out.tsv:
#                                                        # format server senders samples seconds cpu_s held expected
#   NO_BUILD=1 ...                                       # use the builds already there (bench/peers/run.sh builds once)
#
# Needs: dotnet, python3, curl, /usr/bin/prometheus (Debian package prometheus) and /usr/bin/victoria-metrics (Debian
# package victoria-metrics). Each concurrency level gets its own 10-minute window of timestamps (older than now), so
# the levels never overlap and no sample is ever out of order for a receiver.
set -euo pipefail
cd "$(dirname "$0")/../.."

SERIES="${SERIES:-16000}"
SAMPLES="${SAMPLES:-120}"
BATCH="${BATCH:-2000}"
STEP_MS="${STEP_MS:-5000}"
SENDERS="${SENDERS:-1 2 4}"
FORMAT="${FORMAT:-remote-write}"
case "$FORMAT" in
  remote-write) push_path=/api/v1/write; servers=(Vigil VictoriaMetrics Prometheus) ;;
  text) push_path=/api/v1/import/prometheus; servers=(Vigil VictoriaMetrics) ;; # Prometheus has no text push endpoint
  *) echo "FORMAT must be remote-write or text" >&2; exit 2 ;;
esac
PROMETHEUS="${PROMETHEUS:-/usr/bin/prometheus}"
VICTORIA="${VICTORIA:-/usr/bin/victoria-metrics}"

for tool in "$PROMETHEUS" "$VICTORIA" python3 curl dotnet; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

work="$(mktemp -d -t vigil-remote-write-XXXXXX)"
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

# VIGIL_DLL=path/to/vigil.dll measures another build of Vigil (e.g. an older commit's) with this load tool.
if [ -z "${NO_BUILD:-}" ]; then
  echo "Building Vigil and the load tool (Release)..." >&2
  [ -n "${VIGIL_DLL:-}" ] || dotnet build src/Vigil -c Release -nologo -v q -clp:ErrorsOnly >&2
  dotnet build bench/Vigil.Benchmarks -c Release -nologo -v q -clp:ErrorsOnly >&2
fi
vigil_dll="${VIGIL_DLL:-src/Vigil/bin/Release/net10.0/vigil.dll}"
load_dll="bench/Vigil.Benchmarks/bin/Release/net10.0/Vigil.Benchmarks.dll"

# 1. Payloads: one window of SAMPLES x STEP_MS per concurrency level, the last one ending a minute ago, and before
#    them a warm-up window (job="warmup", not measured) so that Vigil's JIT has compiled the path before it is timed.
levels=($SENDERS)
window_ms=$(( SAMPLES * STEP_MS ))
now_ms="$(date +%s%3N)"
first_ms=$(( now_ms - 60000 - ${#levels[@]} * window_ms ))
dotnet "$load_dll" remote-write-generate --out "$work/payloads/warmup" --series "$SERIES" --samples 40 \
  --batch "$BATCH" --start-ms $(( first_ms - 40 * STEP_MS )) --step-ms "$STEP_MS" --job warmup --format "$FORMAT" >&2
for i in "${!levels[@]}"; do
  dotnet "$load_dll" remote-write-generate --out "$work/payloads/$i" --series "$SERIES" --samples "$SAMPLES" \
    --batch "$BATCH" --start-ms $(( first_ms + i * window_ms )) --step-ms "$STEP_MS" --format "$FORMAT" >&2
done

# 2. The three receivers, each with an empty data directory, started together and idle while another one is measured.
vigil_port="$(free_port)"; vm_port="$(free_port)"; prom_port="$(free_port)"
dotnet "$vigil_dll" serve --data-dir "$work/vigil-data" --listen "127.0.0.1:$vigil_port" --collectors none \
  --log-level warn >"$work/vigil.log" 2>&1 &
vigil_pid=$!; pids+=("$vigil_pid")
"$VICTORIA" -storageDataPath="$work/vm-data" -httpListenAddr="127.0.0.1:$vm_port" -retentionPeriod=100y \
  -search.disableCache >"$work/vm.log" 2>&1 &
vm_pid=$!; pids+=("$vm_pid")
printf 'global:\n  scrape_interval: 1m\n' >"$work/prometheus.yml"
"$PROMETHEUS" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom-data" \
  --web.listen-address="127.0.0.1:$prom_port" --web.enable-remote-write-receiver >"$work/prometheus.log" 2>&1 &
prom_pid=$!; pids+=("$prom_pid")
wait_http "http://127.0.0.1:$vigil_port/-/ready" 120
wait_http "http://127.0.0.1:$vm_port/health" 60
wait_http "http://127.0.0.1:$prom_port/-/ready" 60

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

for port in "$vigil_port" "$vm_port" "$prom_port"; do
  [ "$FORMAT" = text ] && [ "$port" = "$prom_port" ] && continue
  dotnet "$load_dll" remote-write-send --url "http://127.0.0.1:$port$push_path" --dir "$work/payloads/warmup" --senders 2 >/dev/null
done
hz="$(getconf CLK_TCK)"

# Samples each server holds for the benchmark's series, by PromQL (the same query for all three).
stored() { # port
  python3 - "$1" "$(( now_ms / 1000 ))" "$(( (now_ms - first_ms) / 1000 + 120 ))" <<'PY'
import json, sys, urllib.error, urllib.parse, urllib.request
port, t, window = sys.argv[1:]
def get(path, **params):
    params["nocache"] = "1"
    return json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?{urllib.parse.urlencode(params)}"))["data"]
# Note: one query per metric name, since count_over_time drops the name and the series of two names would collide.
total = 0
try:
    for name in get("/api/v1/label/__name__/values", **{"match[]": '{job="node"}'}):
        r = get("/api/v1/query", query=f'sum(count_over_time({{__name__="{name}",job="node"}}[{window}s]))', time=t)["result"]
        total += int(float(r[0]["value"][1])) if r else 0
    print(total)
except urllib.error.HTTPError as e:
    print(f"query on port {port} failed: {e.code} {e.read().decode()}", file=sys.stderr)
    print(-1)
PY
}

results="$work/results.tsv"
: >"$results"
for i in "${!levels[@]}"; do
  senders="${levels[$i]}"
  # Note: the order rotates from level to level, so no server is always the first one after an idle pause.
  for k in "${!servers[@]}"; do
    server="${servers[$(( (i + k) % ${#servers[@]} ))]}"
    case "$server" in
      Vigil) pid=$vigil_pid; url="http://127.0.0.1:$vigil_port$push_path" ;;
      VictoriaMetrics) pid=$vm_pid; url="http://127.0.0.1:$vm_port$push_path" ;;
      Prometheus) pid=$prom_pid; url="http://127.0.0.1:$prom_port$push_path" ;;
    esac
    sleep 2
    c0="$(cpu_ticks "$pid")"
    out="$(dotnet "$load_dll" remote-write-send --url "$url" --dir "$work/payloads/$i" --senders "$senders")"
    c1="$(cpu_ticks "$pid")"
    # Let background work that the requests caused (VictoriaMetrics merges in memory, Vigil's WAL fsync) be counted.
    sleep 3
    c2="$(cpu_ticks "$pid")"
    echo "$server senders=$senders $out" >&2
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$senders" "$out" "$c0" "$c1" "$c2" >>"$results"
  done
done

curl -fs "http://127.0.0.1:$vm_port/internal/force_flush" >/dev/null
sleep 2
declare -A held
held[Vigil]="$(stored "$vigil_port")"
held[VictoriaMetrics]="$(stored "$vm_port")"
[ "$FORMAT" = text ] || held[Prometheus]="$(stored "$prom_port")"
expected=$(( SERIES * SAMPLES * ${#levels[@]} ))

echo
echo "$FORMAT: $SERIES series x $SAMPLES samples per level, $BATCH series per request, one server at a time; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %7s %12s %10s %12s %14s %18s\n' server senders samples seconds "samples/s" "CPU s" "CPU s/1M samples"
python3 - "$results" "$hz" <<'PY'
import sys
hz = int(sys.argv[2])
for line in open(sys.argv[1]):
    server, senders, out, c0, c1, c2 = line.rstrip("\n").split("\t")
    f = dict(kv.split("=") for kv in out.split())
    samples, seconds, errors = int(f["samples"]), float(f["seconds"]), int(f["errors"])
    cpu = (int(c2) - int(c0)) / hz
    note = "" if errors == 0 else f"  ({errors} requests failed)"
    print(f"{server:<16} {senders:>7} {samples:>12,} {seconds:>10.2f} {samples / seconds:>12,.0f} {cpu:>14.2f} {cpu / samples * 1e6:>18.2f}{note}")
PY
echo
for server in "${servers[@]}"; do
  verdict="ok"; [ "${held[$server]}" = "$expected" ] || verdict="MISMATCH"
  echo "$server holds ${held[$server]} of $expected samples: $verdict"
done
if [ -n "${RESULTS_TSV:-}" ]; then
  while IFS=$'\t' read -r server senders out c0 c1 c2; do
    f_samples="$(sed -n 's/.*samples=\([0-9]*\).*/\1/p' <<<"$out")"
    f_seconds="$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$out")"
    f_errors="$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$out")"
    [ "$f_errors" = 0 ] || f_samples=0 # a level with failed requests counts as nothing received
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$FORMAT" "$server" "$senders" "$f_samples" "$f_seconds" \
      "$(awk -v a="$c0" -v b="$c2" -v hz="$hz" 'BEGIN { printf "%.3f", (b - a) / hz }')" "${held[$server]}" "$expected" >>"$RESULTS_TSV"
  done <"$results"
fi
