#!/usr/bin/env bash
# The whole peer comparison in one command: Vigil against Debian's VictoriaMetrics and Prometheus on loopback, with the
# same payloads for every server, by running the scripts next to this one:
#   - text ingest (/api/v1/import/prometheus) and remote-write receive (/api/v1/write) with 1, 2 and 4 senders:
#     samples/s and server CPU seconds per million samples, every sample checked afterwards (remote-write.sh);
#   - bytes per sample on disk (tsdb-bytes-per-sample.sh), PromQL query latency (promql-vs-prometheus.sh), scrape CPU
#     per sample (scrape-cost.sh) and the agent footprint (agent-footprint.sh).
# Before each measurement it waits for the machine to be quiet (1-minute load average under QUIET_LOAD, at most
# QUIET_TIMEOUT seconds, then it warns and goes on); the ingest runs are repeated REPEATS times, text and remote-write
# interleaved (and, inside remote-write.sh, the servers rotated per level); the tables give the median of the repeats.
# The results go into the section between the "peers:run.sh" markers of docs/BENCHMARKS.md (appended when missing),
# with the date, the machine and the load average seen during the runs.
#
#   bench/peers/run.sh                 # everything, 3 repeats (about an hour on a 2-core machine)
#   bench/peers/run.sh --quick         # smoke test: tiny loads, 1 repeat, no waiting, prints the section only
#   bench/peers/run.sh --quick --out /tmp/BENCHMARKS.md   # ... and writes it into that file
#   bench/peers/run.sh --only ingest   # one part: ingest, bytes, queries, scrape, agent (comma-separated)
#
# Environment: REPEATS, QUIET_LOAD (1), QUIET_TIMEOUT (900 s), SERIES/SAMPLES/BATCH (ingest, 16000/120/2000),
# SENDERS ("1 2 4"). Needs: dotnet, python3, curl, jq, and the Debian packages prometheus, victoria-metrics
# (vmagent for the agent part) and prometheus-node-exporter.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."

quick=""; out=""; only="ingest,bytes,queries,scrape,agent"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --out) out="$2"; shift ;;
    --only) only="$2"; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -n "$quick" ]; then
  : "${REPEATS:=1}" "${QUIET_TIMEOUT:=0}" "${SERIES:=2000}" "${SAMPLES:=10}" "${BATCH:=500}"
else
  : "${REPEATS:=3}" "${QUIET_TIMEOUT:=900}" "${SERIES:=16000}" "${SAMPLES:=120}" "${BATCH:=2000}"
  [ -n "$out" ] || out=docs/BENCHMARKS.md
fi
: "${QUIET_LOAD:=1}" "${SENDERS:=1 2 4}"
has() { [[ ",$only," == *",$1,"* ]]; }

for tool in dotnet python3 curl jq prometheus promtool victoria-metrics; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install prometheus victoria-metrics jq)" >&2; exit 1; }
done

work="$(mktemp -d -t vigil-peers-XXXXXX)"
trap 'rm -rf "$work"' EXIT
loads="$work/loads"; : >"$loads"
warnings="$work/warnings"; : >"$warnings"

load1() { cut -d' ' -f1 /proc/loadavg; }

# Waits until the 1-minute load average is under QUIET_LOAD, or QUIET_TIMEOUT seconds; records the load it starts at.
wait_quiet() { # what
  local waited=0
  while awk -v l="$(load1)" -v q="$QUIET_LOAD" 'BEGIN { exit !(l >= q) }'; do
    if [ "$waited" -ge "$QUIET_TIMEOUT" ]; then
      echo "WARNING: load average $(load1) is not under $QUIET_LOAD after ${QUIET_TIMEOUT}s; measuring $1 anyway" \
        | tee -a "$warnings" >&2
      break
    fi
    sleep 10; waited=$(( waited + 10 ))
  done
  echo "$(load1)" >>"$loads"
  echo "== $1 (load average $(load1))" >&2
}

echo "Building Vigil and the load tool (Release)..." >&2
dotnet build src/Vigil -c Release -nologo -v q -clp:ErrorsOnly >&2
dotnet build bench/Vigil.Benchmarks -c Release -nologo -v q -clp:ErrorsOnly >&2

ingest="$work/ingest.tsv"; : >"$ingest"
if has ingest; then
  for r in $(seq 1 "$REPEATS"); do
    # Note: the two formats alternate (and start with the other one on every second repeat), so neither is always first.
    formats=(text remote-write); [ $(( r % 2 )) -eq 0 ] && formats=(remote-write text)
    for f in "${formats[@]}"; do
      wait_quiet "ingest $f, repeat $r of $REPEATS"
      FORMAT="$f" SERIES="$SERIES" SAMPLES="$SAMPLES" BATCH="$BATCH" SENDERS="$SENDERS" NO_BUILD=1 RESULTS_TSV="$ingest" \
        "$here/remote-write.sh" >"$work/ingest-$f-$r.txt"
    done
  done
fi

bytes_json=""
if has bytes; then
  wait_quiet "bytes per sample"
  if [ -n "$quick" ]; then bytes_json="$("$here/tsdb-bytes-per-sample.sh" 200 30m)"; else bytes_json="$("$here/tsdb-bytes-per-sample.sh")"; fi
fi

queries=""
if has queries; then
  wait_quiet "query latency"
  if [ -n "$quick" ]; then queries="$("$here/promql-vs-prometheus.sh" 200 3 1)"; else queries="$("$here/promql-vs-prometheus.sh")"; fi
fi

scrape=""
if has scrape; then
  wait_quiet "scrape cost"
  if [ -n "$quick" ]; then scrape="$(TARGETS=5 DURATION=10 WARMUP=5 "$here/scrape-cost.sh")"; else scrape="$(DURATION=120 WARMUP=20 "$here/scrape-cost.sh")"; fi
fi

agent=""
if has agent; then
  if command -v vmagent >/dev/null; then
    wait_quiet "agent footprint"
    if [ -n "$quick" ]; then agent="$(SERIES=1000 WARMUP=5 WINDOW=10 "$here/agent-footprint.sh")"; else agent="$("$here/agent-footprint.sh")"; fi
  else
    echo "WARNING: vmagent not found (apt-get install victoria-metrics); agent footprint skipped" | tee -a "$warnings" >&2
  fi
fi

# ---- the Markdown section
section="$work/section.md"
{
  echo "<!-- peers:run.sh begin -->"
  echo "## Vigil, VictoriaMetrics and Prometheus side by side (\`bench/peers/run.sh${quick:+ --quick}\`)"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores," \
    "$(free -g | awk '/^Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"), .NET $(dotnet --version)," \
    "VictoriaMetrics $(dpkg-query -W -f '${Version}' victoria-metrics 2>/dev/null || echo '?'), $(prometheus --version 2>&1 | head -1 | awk '{print "Prometheus " $3}'), Vigil $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Load average (1 min) when each measurement started: $(paste -sd' ' "$loads" | sed 's/ /, /g')" \
    "(waited for < $QUIET_LOAD, at most ${QUIET_TIMEOUT} s)."
  if [ -s "$warnings" ]; then
    echo
    echo "**Not a quiet machine:**"
    sed 's/^/- /' "$warnings"
  fi
  [ -n "$quick" ] && { echo; echo "**Smoke test (\`--quick\`): tiny loads, numbers not comparable to a full run.**"; }
  if [ -s "$ingest" ]; then
    echo
    echo "Ingest: $SERIES node-exporter-like series × $SAMPLES samples per level, $BATCH series per request, senders" \
      "$(echo "$SENDERS" | sed 's/ /, /g'); every server receives byte-identical requests, one server at a time;" \
      "median of $REPEATS repeat(s). CPU is the server process's user + system time from the first request to 3 s after the last."
    echo
    python3 - "$ingest" <<'PY'
import statistics, sys
from collections import defaultdict
rows = defaultdict(list)
held = {}
for line in open(sys.argv[1]):
    fmt, server, senders, samples, seconds, cpu, have, expected = line.rstrip("\n").split("\t")
    samples, seconds, cpu = int(samples), float(seconds), float(cpu)
    rows[(fmt, server, int(senders))].append((samples / seconds if seconds else 0.0, cpu / samples * 1e6 if samples else float("nan")))
    ok = have == expected
    held[(fmt, server)] = held.get((fmt, server), True) and ok
titles = {"text": "Text ingest (`/api/v1/import/prometheus`; Prometheus has no text push endpoint)",
          "remote-write": "Remote-write 1.0 receive (`/api/v1/write`; Prometheus with `--web.enable-remote-write-receiver`)"}
for fmt in ("text", "remote-write"):
    servers = [s for s in ("Vigil", "VictoriaMetrics", "Prometheus") if any(k[0] == fmt and k[1] == s for k in rows)]
    if not servers:
        continue
    levels = sorted({k[2] for k in rows if k[0] == fmt})
    print(f"{titles[fmt]}: samples/s, and CPU seconds per million samples in brackets.")
    print()
    print("| senders | " + " | ".join(servers) + " | Vigil / VictoriaMetrics samples/s | Vigil / VictoriaMetrics CPU per sample |")
    print("|---:|" + "---:|" * len(servers) + "---:|---:|")
    for n in levels:
        cells, med = [], {}
        for s in servers:
            v = rows.get((fmt, s, n), [])
            if not v:
                cells.append("–")
                continue
            rate = statistics.median(x[0] for x in v)
            cpu = statistics.median(x[1] for x in v)
            med[s] = (rate, cpu)
            cells.append(f"{rate:,.0f} ({cpu:.2f})")
        ratio = lambda i: f"{med['Vigil'][i] / med['VictoriaMetrics'][i]:.2f}×" if "Vigil" in med and "VictoriaMetrics" in med and med["VictoriaMetrics"][i] else "–"
        print(f"| {n} | " + " | ".join(cells) + f" | {ratio(0)} | {ratio(1)} |")
    print()
    print("Every sample held afterwards (PromQL `count_over_time` on each server): " +
          ", ".join(f"{s} {'yes' if held[(fmt, s)] else '**NO**'}" for s in servers if (fmt, s) in held) + ".")
    print()
PY
  fi
  if [ -n "$bytes_json" ]; then
    echo "Bytes per sample on disk (\`tsdb-bytes-per-sample.sh\`, the same OpenMetrics file imported and compacted):"
    echo
    jq -r '"| series | samples | Vigil | Prometheus | Vigil / Prometheus |\n|---:|---:|---:|---:|---:|\n| \(.series) × \(.duration) | \(.samples) | \(.vigil_bytes_per_sample) | \(.prometheus_bytes_per_sample) | \(.ratio_vigil_to_prometheus)× |"' <<<"$bytes_json"
    echo
  fi
  if [ -n "$queries" ]; then
    echo "Query latency (\`promql-vs-prometheus.sh\`):"
    echo
    grep -v '^## ' <<<"$queries" | sed '/./,$!d'
    echo
  fi
  if [ -n "$scrape" ]; then
    echo "Scrape cost (\`scrape-cost.sh\`, Vigil with its default analysis):"
    echo
    echo '```'; sed '/./,$!d' <<<"$scrape"; echo '```'
    echo
  fi
  if [ -n "$agent" ]; then
    echo "Agent footprint (\`agent-footprint.sh\`):"
    echo
    echo '```'; echo "$agent"; echo '```'
    echo
  fi
  echo "Not measured by a script yet: RSS per active series at 100,000 series and the idle footprint."
  echo "<!-- peers:run.sh end -->"
} >"$section"

if [ -z "$out" ]; then
  cat "$section"
  exit 0
fi
python3 - "$out" "$section" <<'PY'
import os, sys
path, section = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read() if os.path.exists(path) else ""
begin, end = "<!-- peers:run.sh begin -->", "<!-- peers:run.sh end -->\n"
if begin in text and end in text:
    text = text[:text.index(begin)] + section + text[text.index(end) + len(end):]
else:
    text = (text.rstrip("\n") + "\n\n" if text else "") + section
open(path, "w").write(text)
PY
cat "$section"
echo "Written into $out" >&2
