#!/usr/bin/env bash
# Runs Vigil's whole test suite. Installs the Debian packages the tests start as real servers when they are
# missing (needs apt-get and root or sudo), then builds and runs every test project and prints one summary line:
#   N passed, N failed
# Under CI=true a component that cannot be installed fails the run; it is never skipped.
set -uo pipefail
cd "$(dirname "$0")"

packages=(prometheus prometheus-node-exporter postgresql prometheus-alertmanager chromium victoria-metrics)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing test dependencies: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if ! { $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/vigil-apt.log 2>&1; then
    echo "Could not install ${missing[*]} (see /tmp/vigil-apt.log)."
    if [ "${CI:-}" = "true" ]; then
      echo "0 passed, 1 failed"
      exit 1
    fi
  fi
fi
# Debian starts a node exporter service on install; tests start their own on free ports.
systemctl stop prometheus-node-exporter >/dev/null 2>&1 || true

results="${VIGIL_TEST_RESULTS:-$PWD/artifacts/test-results}"
rm -rf "$results"; mkdir -p "$results"

dotnet build Vigil.slnx -c Release -nologo -v q -clp:ErrorsOnly
build_rc=$?
if [ $build_rc -ne 0 ]; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test Vigil.slnx -c Release --no-build -nologo -v q \
  --logger "trx" --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=false "$@"
test_rc=$?

passed=0; failed=0
for f in "$results"/*.trx; do
  [ -f "$f" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  p=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')
  fl=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  passed=$((passed + ${p:-0})); failed=$((failed + ${fl:-0}))
done
if [ $test_rc -ne 0 ] && [ $failed -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
