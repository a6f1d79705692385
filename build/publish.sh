#!/usr/bin/env bash
# Builds Vigil's release artifacts into dist/ (or --out DIR):
#   vigil-VERSION-linux-x64/vigil       a self-contained single-file executable for linux-x64 (ReadyToRun): copy and run
#   vigil.VERSION.nupkg                 the .NET tool: dotnet tool install --global --add-source dist vigil
#   vigil_VERSION_amd64.deb             the Debian package: the binary, /etc/vigil/vigil.yaml, /var/lib/vigil, a vigil
#                                       system user and a sandboxed systemd unit (build/deb/)
#   Vigil.{Core,PromQL,Analysis,Sdk,Sdk.AspNetCore}.VERSION.nupkg (+ .snupkg)   the SDK as NuGet packages
#
# Usage: build/publish.sh [--version 1.2.3] [--out DIR] [--only sdk,tool,single-file,deb]
# Builds happen under DIR/.build, apart from the checkout's own bin/ and obj/.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
version=1.0.0
out="$here/dist"
only="sdk,tool,single-file,deb"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "publish.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$version" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "publish.sh: --version must look like 1.2.3 (or 1.2.3-rc.1), got $version" >&2; exit 2 ;;
esac
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$out/.build"
wants() { case ",$only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
dotnet_q() { dotnet "$@" -c Release -nologo -v q -clp:ErrorsOnly -p:Version="$version" --artifacts-path "$work/artifacts"; }

if wants sdk; then
  echo "publish: SDK packages $version" >&2
  for p in Vigil.Core Vigil.PromQL Vigil.Analysis Vigil.Sdk Vigil.Sdk.AspNetCore; do
    dotnet_q pack "$here/src/$p/$p.csproj" -o "$out"
  done
fi

if wants tool; then
  echo "publish: .NET tool vigil $version" >&2
  dotnet_q pack "$here/src/Vigil/Vigil.csproj" -o "$out" -p:VigilTool=true
fi

single="$out/vigil-$version-linux-x64"
if wants single-file || wants deb; then
  echo "publish: single-file linux-x64 executable $version" >&2
  rm -rf "$single"
  # Note: ReadyToRun per assembly, not composite (the single-file default): the runtime's own assemblies ship
  # precompiled already, so composite would recompile all of .NET and ASP.NET Core (many CPU minutes) for little start-up gain.
  dotnet_q publish "$here/src/Vigil/Vigil.csproj" -r linux-x64 --self-contained -o "$single" \
    -p:PublishSingleFile=true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=false -p:IncludeNativeLibrariesForSelfExtract=true \
    -p:DebugType=none -p:GenerateDocumentationFile=false
  # Note: the demo's sample service is a separate program; the single file runs everything but `vigil demo`.
  find "$single" -mindepth 1 -maxdepth 1 ! -name vigil -exec rm -rf {} +
  "$single/vigil" --version >/dev/null
fi

if wants deb; then
  echo "publish: Debian package $version" >&2
  root="$work/deb/vigil_${version}_amd64"
  rm -rf "$root"
  install -d "$root/DEBIAN" "$root/usr/bin" "$root/etc/vigil" "$root/lib/systemd/system" "$root/usr/share/doc/vigil" "$root/var/lib/vigil"
  install -m 0755 "$single/vigil" "$root/usr/bin/vigil"
  install -m 0640 "$here/build/deb/vigil.yaml" "$root/etc/vigil/vigil.yaml"
  install -m 0644 "$here/build/deb/vigil.service" "$root/lib/systemd/system/vigil.service"
  install -m 0644 "$here/README.md" "$root/usr/share/doc/vigil/README.md"
  for s in postinst prerm postrm; do install -m 0755 "$here/build/deb/$s" "$root/DEBIAN/$s"; done
  echo /etc/vigil/vigil.yaml > "$root/DEBIAN/conffiles"
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  # Note: Debian versions have no '-' in an upstream version without a revision; 1.2.3-rc.1 becomes 1.2.3~rc.1.
  cat > "$root/DEBIAN/control" <<EOF
Package: vigil
Version: ${version/-/\~}
Architecture: amd64
Maintainer: Vigil contributors <vigil@localhost>
Installed-Size: $size
Depends: libc6, libgcc-s1, libstdc++6, libssl3 | libssl3t64, adduser | passwd
Section: admin
Priority: optional
Description: self-hosted performance monitoring and closed-loop optimization
 Vigil collects host, service and .NET runtime metrics into its embedded
 time-series database, answers PromQL and Prometheus's HTTP API, raises alerts,
 finds anomalies and trends, and applies and evaluates optimizations.
 This package runs it as the vigil system service (systemctl status vigil).
EOF
  dpkg-deb --root-owner-group -Zxz --build "$root" "$out/vigil_${version}_amd64.deb" >/dev/null
fi

rm -rf "$work"
ls -l "$out" | sed 1d >&2
