#!/usr/bin/env bash
# Fuzzes Vigil's parsers with afl-fuzz (SharpFuzz instrumentation), one target at a time, for a fixed budget each;
# or, with --smoke N, runs N random mutations per target in process (no afl needed).
#
#   bench/fuzz/run.sh [--budget SECONDS] [--smoke N] [--timeout MS] [target...]
#
# Targets: promql text openmetrics config rules push-text push-json wal-record wal-replay (default: all).
# Everything it makes goes under bench/fuzz/artifacts/ (ignored by git):
#   bin/          the harness, published (plain: smoke mode, seeds, reproducing)
#   bin-afl/      the same, with Vigil's assemblies and YamlDotNet instrumented by SharpFuzz
#   corpus/T/     seeds: bench/fuzz/seeds/T plus, read at run time, ../shared/testdata and the repo's docs
#   findings/T/   afl-fuzz output; crashes/ and hangs/ hold the inputs, each crash with a .txt reproducer stack
#   summary.md    the per-target table printed at the end
# Reproduce one input: dotnet bench/fuzz/artifacts/bin/Vigil.Fuzz.dll run TARGET FILE
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
art="$here/artifacts"
testdata="${VIGIL_TESTDATA:-$repo/../shared/testdata}"
all_targets=(promql text openmetrics config rules push-text push-json wal-record wal-replay)
budget=180
smoke=""
timeout_ms=10000
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --budget) budget="$2"; shift 2 ;;
    --smoke) smoke="$2"; shift 2 ;;
    --timeout) timeout_ms="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")

mkdir -p "$art"
echo "== building the harness (Release)"
dotnet publish "$here/Vigil.Fuzz/Vigil.Fuzz.csproj" -c Release -o "$art/bin" -nologo -v q -clp:ErrorsOnly
plain="$art/bin/Vigil.Fuzz.dll"

# ---- seed corpora -------------------------------------------------------------------------------------------------
echo "== seed corpora"
rm -rf "$art/corpus"
for t in "${targets[@]}"; do
  c="$art/corpus/$t"
  mkdir -p "$c"
  [[ -d "$here/seeds/$t" ]] && cp "$here/seeds/$t"/* "$c/"
done
has() { [[ " ${targets[*]} " == *" $1 "* ]]; }
if [[ -d "$testdata" ]]; then
  # Exposition samples from real exporters; the large ones are cut to their first 8 KB at a line break.
  for f in "$testdata"/textformat/*.txt; do
    [[ "$(basename "$f")" == LICENSE* ]] && continue
    name="td-$(basename "$f")"
    for t in text openmetrics push-text; do
      has "$t" || continue
      case "$t:$f" in text:*.om.txt|openmetrics:*.prom.txt) continue ;; esac
      head -c 8192 "$f" | sed '$d' > "$art/corpus/$t/$name"
      [[ "$f" == *.om.txt && "$t" != text ]] && printf '# EOF\n' >> "$art/corpus/$t/$name"
    done
  done
  # PromQL expressions of the Prometheus test scripts (every 25th eval line, so the corpus stays small).
  if has promql; then
    grep -h -E '^eval(_fail|_warn|_info|_ordered)? (instant at [^ ]+|range from [^ ]+ to [^ ]+ step [^ ]+) ' "$testdata"/promql/*.test \
      | sed -E 's/^eval[a-z_]* (instant at [^ ]+|range from [^ ]+ to [^ ]+ step [^ ]+) //' \
      | awk 'NR % 25 == 1' | head -n 80 | { i=0; while IFS= read -r q; do printf '%s' "$q" > "$art/corpus/promql/td-$i"; i=$((i+1)); done; }
  fi
else
  echo "   (no shared testdata at $testdata: committed seeds only)"
fi
# YAML examples of the repository's own docs: vigil.yaml sections for `config`, rule groups for `rules`.
if has config || has rules; then
  python3 - "$repo" "$art/corpus" <<'PY'
import glob, os, re, sys
repo, corpus = sys.argv[1], sys.argv[2]
blocks = []
for p in [os.path.join(repo, "README.md")] + sorted(glob.glob(os.path.join(repo, "docs", "*.md"))):
    blocks += re.findall(r"```ya?ml\n(.*?)```", open(p, encoding="utf-8").read(), re.S)
n = 0
for b in blocks:
    kind = "rules" if re.match(r"\s*groups:", b) else "config"
    d = os.path.join(corpus, kind)
    if os.path.isdir(d) and len(b) < 16384:
        open(os.path.join(d, "doc-%d.yaml" % n), "w", encoding="utf-8").write(b)
        n += 1
PY
fi
for t in wal-record wal-replay; do
  has "$t" && dotnet "$plain" seeds "$t" "$art/corpus/$t"
done
for t in "${targets[@]}"; do printf '   %-12s %3d seeds\n' "$t" "$(ls "$art/corpus/$t" | wc -l)"; done

# ---- smoke mode ---------------------------------------------------------------------------------------------------
if [[ -n "$smoke" ]]; then
  echo "== smoke: $smoke mutations per target"
  set +e
  dotnet "$plain" smoke "$smoke" --seeds "$art/corpus" --out "$art/smoke" --dict "$here/dict" --timeout "$((timeout_ms / 1000))" "${targets[@]}" \
    | tee "$art/smoke-summary.txt"
  rc=${PIPESTATUS[0]}
  exit "$rc"
fi

# ---- afl-fuzz -----------------------------------------------------------------------------------------------------
if ! command -v afl-fuzz >/dev/null; then
  echo "== installing afl++ (Debian package)"
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y -qq afl++ >/dev/null; else sudo apt-get install -y -qq afl++ >/dev/null; fi
fi
tools="$art/tools"
if [[ ! -x "$tools/sharpfuzz" ]]; then
  echo "== installing SharpFuzz.CommandLine 2.3.0 (dotnet tool, into $tools)"
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi
echo "== instrumenting"
rm -rf "$art/bin-afl"
cp -r "$art/bin" "$art/bin-afl"
for dll in Vigil.Core Vigil.PromQL Vigil.Server Vigil.Tsdb YamlDotNet; do
  "$tools/sharpfuzz" "$art/bin-afl/$dll.dll" >/dev/null
done

export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_FORKSRV_INIT_TMOUT=120000 AFL_SKIP_CRASHES=1
stat() { awk -F' *: *' -v k="$2" '$1==k {print $2}' "$1" 2>/dev/null | head -n1; }
summary="$art/summary.md"
{
  echo "| target | budget (s) | execs | execs/s | corpus | crashes | hangs | unique crash stacks |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
} > "$summary"
for t in "${targets[@]}"; do
  out="$art/findings/$t"
  rm -rf "$out" "$out.log"
  mkdir -p "$art/findings"
  dict=()
  [[ -f "$here/dict/$t.dict" ]] && dict=(-x "$here/dict/$t.dict")
  echo "== afl-fuzz $t for ${budget}s (log: $out.log)"
  set +e
  afl-fuzz -i "$art/corpus/$t" -o "$out" -V "$budget" -t "$timeout_ms" -m none "${dict[@]}" \
    -- dotnet "$art/bin-afl/Vigil.Fuzz.dll" afl "$t" > "$out.log" 2>&1
  rc=$?
  set -e
  s="$out/default/fuzzer_stats"
  if [[ ! -f "$s" ]]; then
    echo "   afl-fuzz did not start (exit $rc); last lines of its log:"; tail -n 15 "$out.log" | sed 's/^/   /'
    echo "| $t | $budget | - | - | - | - | - | afl-fuzz failed to start |" >> "$summary"
    continue
  fi
  execs=$(stat "$s" execs_done); eps=$(stat "$s" execs_per_sec); corpus=$(stat "$s" corpus_count)
  crashes=$(stat "$s" saved_crashes); hangs=$(stat "$s" saved_hangs)
  # Reproduce every saved crash with the plain build, keep its stack next to it, and count distinct stacks.
  : > "$out/stacks.txt"
  for f in "$out"/default/crashes/id:*; do
    [[ -f "$f" ]] || continue
    timeout 120 dotnet "$plain" run "$t" "$f" > "$f.txt" 2>&1 || true
    # The first Vigil frame (or the runtime's own first line, e.g. "Stack overflow.") identifies the bug.
    key=$(grep -m1 -E '^(Stack overflow|[A-Za-z.]+Exception)' "$f.txt" | sed -E 's/^([A-Za-z.]+Exception)(: ([A-Za-z0-9 ]+))?.*/\1 \3/' || true)
    frame=$(grep -m1 -E '^\s+at Vigil\.(Core|PromQL|Server|Tsdb)' "$f.txt" | sed -E 's/ in .*//; s/^\s+//' || true)
    [[ -z "$key$frame" ]] && key="$(head -n 2 "$f.txt" | tail -n 1 | cut -c1-160)"
    printf '%s | %s\t%s\n' "$key" "$frame" "$f" >> "$out/stacks.txt"
  done
  unique=$(cut -f1 "$out/stacks.txt" | sort -u | grep -c . || true)
  printf '   %-12s execs %s (%s/s), corpus %s, crashes %s, hangs %s, distinct crash stacks %s\n' \
    "$t" "$execs" "$eps" "$corpus" "$crashes" "$hangs" "$unique"
  cut -f1 "$out/stacks.txt" | sort | uniq -c | sort -rn | sed 's/^/      /'
  echo "| $t | $budget | $execs | $eps | $corpus | $crashes | $hangs | $unique |" >> "$summary"
done
echo
cat "$summary"
echo "crash inputs and their stacks: $art/findings/<target>/default/crashes/ (reproduce: dotnet $plain run TARGET FILE)"
