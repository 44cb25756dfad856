#!/usr/bin/env bash
# Installs reltag into $RELTAG_ROOT/bin unless the cache restored it: a released version
# from crates.io when `version` is set, else the action's own source.
set -euo pipefail
bin="$RELTAG_ROOT/bin/reltag"
if [ -x "$bin" ] || [ -x "$bin.exe" ]; then
  echo "reltag: using the cached binary"
  exit 0
fi
if [ -n "${INPUT_VERSION:-}" ]; then
  if ! [[ "$INPUT_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]]; then
    echo "::error title=reltag::the version input must be a version such as 1.2.3"
    exit 2
  fi
  cargo install --locked --root "$RELTAG_ROOT" --version "$INPUT_VERSION" reltag
else
  cargo install --locked --root "$RELTAG_ROOT" --path "$GITHUB_ACTION_PATH"
fi
