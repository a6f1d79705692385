#!/usr/bin/env bash
# Builds Vigil's dashboard into src/Vigil.Server/Dashboard/dist, which the server embeds. The bundle is committed, so
# building Vigil needs only the .NET SDK; run this after changing anything under web/ and commit the result.
#   web/build.sh            type-check, bundle and minify (installs the npm packages pinned in package-lock.json)
#   web/build.sh --hash     print the source hash only (what dist/source.sha256 must hold)
set -euo pipefail
cd "$(dirname "$0")"
out=../src/Vigil.Server/Dashboard/dist

# The hash covers every input of the bundle: sorted relative paths, each followed by NUL, the file's bytes and NUL.
# DashboardBundleTests computes the same, so a bundle left behind by a source change fails the tests.
source_hash() {
  LC_ALL=C find src package.json package-lock.json tsconfig.json build.sh -type f | LC_ALL=C sort | while IFS= read -r f; do
    printf '%s\0' "$f"; cat "$f"; printf '\0'
  done | sha256sum | cut -d' ' -f1
}

if [ "${1:-}" = "--hash" ]; then
  source_hash
  exit 0
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
node_modules/.bin/tsc -p tsconfig.json
rm -rf "$out"
mkdir -p "$out"
node_modules/.bin/esbuild src/main.ts --bundle --minify --format=iife --target=es2020 \
  --legal-comments=eof --log-level=warning --outfile="$out/app.js"
cp src/index.html "$out/index.html"
source_hash > "$out/source.sha256"
ls -l "$out"
