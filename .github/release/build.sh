#!/usr/bin/env bash
# Builds reltag for one target with the dist profile, and the wheel that carries it
# (maturin, packaging/wheel), into OUT: the binary and the wheel. Run by the release
# workflow on each target's runner, and by .ci/run for x86_64-unknown-linux-musl.
#
#   .github/release/build.sh TARGET OUT
#
# MATURIN names the maturin to use [default: maturin from .ci/requirements.txt, installed
# into a virtual environment here].
set -euo pipefail
target=$1 out=$2
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
if [ -z "${MATURIN:-}" ]; then
  venv="${RUNNER_TEMP:-$root/target}/release-tools"
  python3 -m venv "$venv"
  bin="$venv/bin"
  if [ ! -d "$bin" ]; then bin="$venv/Scripts"; fi
  "$bin/python" -m pip install --quiet --require-hashes --only-binary :all: -r "$root/.ci/requirements.txt"
  MATURIN="$bin/maturin"
fi
case "$MATURIN" in /*) ;; */*) MATURIN="$PWD/$MATURIN" ;; esac
args=(build --profile dist --target "$target" --out "$out")
case "$target" in
  # A static musl binary runs on any Linux: one wheel for glibc and musl systems alike.
  *-linux-musl) args+=(--compatibility manylinux_2_17 musllinux_1_2) ;;
esac
(cd "$root/packaging/wheel" && "$MATURIN" "${args[@]}")
exe=reltag
case "$target" in *-windows-*) exe=reltag.exe ;; esac
cp "$root/target/$target/dist/$exe" "$out/$exe"
echo "built $out/$exe ($(wc -c < "$out/$exe") bytes) and $(cd "$out" && ls ./*.whl)"
