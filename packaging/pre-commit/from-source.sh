#!/usr/bin/env bash
# The entry of the `reltag-*-src` pre-commit hooks: builds this revision of reltag once,
# with `cargo install --locked` (pre-commit's own `language: rust` cannot pass --locked,
# and would resolve newer dependencies than the tested Cargo.lock), then runs it with the
# hook's arguments. Needs a Rust toolchain; the build happens on the first run.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="$root/target/pre-commit"
bin="$dest/bin/reltag"
if [ ! -x "$bin" ] && [ -x "$bin.exe" ]; then bin="$bin.exe"; fi
if [ ! -x "$bin" ]; then
  echo "reltag: building reltag from source once (cargo install --locked)" >&2
  cargo install --locked --quiet --root "$dest" --path "$root" >&2
  if [ ! -x "$bin" ]; then bin="$bin.exe"; fi
fi
exec "$bin" "$@"
