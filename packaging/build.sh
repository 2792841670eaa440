#!/usr/bin/env bash
# Build Outbound Triage as a one-folder bundle: packaging/dist/outbound-triage/.
# Uses the project venv (.venv, made by .ci/setup with the 'packaging' extra). Prints the build
# time, the bundle's size on disk and its size as a .tar.gz (what you would ship).
#   packaging/build.sh            build (reuses packaging/build/ as PyInstaller's cache)
#   packaging/build.sh --clean    build from scratch
#   packaging/build.sh --archive  also write packaging/dist/outbound-triage-VERSION-linux-x86_64.tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
clean=()
archive=0
for arg in "$@"; do
  case "$arg" in
    --clean) clean=(--clean) ;;
    --archive) archive=1 ;;
    *) echo "usage: $0 [--clean] [--archive]" >&2; exit 2 ;;
  esac
done

if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  echo "build: PyInstaller missing; run: $PY -m pip install -e '.[packaging]'" >&2
  exit 1
fi

version=$("$PY" -c "import runpy; print(runpy.run_path('triage_gui/_version.py')['__version__'])")
metainfo=packaging/linux/io.github.outbound_triage.OutboundTriage.metainfo.xml
if ! grep -q "<release version=\"$version\"" "$metainfo"; then
  echo "build: warning: $metainfo has no <release version=\"$version\">; add one before shipping" >&2
fi
SECONDS=0
"$PY" -m PyInstaller --noconfirm "${clean[@]}" --log-level WARN \
  --distpath packaging/dist --workpath packaging/build packaging/outbound-triage.spec
elapsed=$SECONDS

bundle=packaging/dist/outbound-triage
echo "build: outbound-triage $version in ${elapsed} s"
echo "build: bundle $bundle: $(du -sh "$bundle" | cut -f1) on disk, $(find "$bundle" -type f | wc -l) files"
tarball=packaging/dist/outbound-triage-$version-$(uname -s | tr 'A-Z' 'a-z')-$(uname -m).tar.gz
if [ "$archive" = 1 ]; then
  tar -C packaging/dist -czf "$tarball" outbound-triage
  echo "build: archive $tarball: $(du -h "$tarball" | cut -f1)"
else
  echo "build: compressed (tar.gz): $(tar -C packaging/dist -cf - outbound-triage | gzip -6 | wc -c | numfmt --to=iec)"
fi
"$bundle/triage-gui" --version
