#!/usr/bin/env bash
# Bytes per sample on disk: the same OpenMetrics file imported by `vigil import openmetrics` and by
# Debian's `promtool tsdb create-blocks-from openmetrics`, then each side's blocks compacted into one.
# Usage: bench/peers/tsdb-bytes-per-sample.sh [SERIES] [DURATION]   (defaults: 10000 2h)
set -euo pipefail
cd "$(dirname "$0")/../.."
series="${1:-10000}"
duration="${2:-2h}"
command -v promtool >/dev/null || { echo "promtool not found (apt-get install prometheus)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dotnet build src/Vigil/Vigil.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
vigil=src/Vigil/bin/Release/net10.0/vigil

"$vigil" bench generate --series "$series" --duration "$duration" --interval 15s -o "$work/data.om" >&2
samples=$(grep -vc '^#' "$work/data.om")

"$vigil" import openmetrics "$work/data.om" --data-dir "$work/vigil" >&2
promtool tsdb create-blocks-from openmetrics "$work/data.om" "$work/prom" >/dev/null

vbytes=$(du -sb "$work"/vigil/0* | awk '{s+=$1} END {print s}')
pbytes=$(du -sb "$work"/prom/0* | awk '{s+=$1} END {print s}')
awk -v s="$samples" -v v="$vbytes" -v p="$pbytes" -v n="$series" -v d="$duration" 'BEGIN {
  printf "{\"series\": %d, \"duration\": \"%s\", \"samples\": %d,\n", n, d, s;
  printf " \"vigil_bytes\": %d, \"vigil_bytes_per_sample\": %.3f,\n", v, v / s;
  printf " \"prometheus_bytes\": %d, \"prometheus_bytes_per_sample\": %.3f,\n", p, p / s;
  printf " \"ratio_vigil_to_prometheus\": %.3f}\n", v / p }'
