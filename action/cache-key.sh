#!/usr/bin/env bash
# The cache key of the reltag binary: the runner, and the version asked for or a hash of
# the action's own source (actions are downloaded without .git, so no commit id).
set -euo pipefail
hash() { if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi; }
if [ -n "${INPUT_VERSION:-}" ]; then
  what="v${INPUT_VERSION}"
else
  cd "$GITHUB_ACTION_PATH"
  what="src-$(find Cargo.toml Cargo.lock policy.toml src -type f | LC_ALL=C sort | while read -r f; do hash < "$f"; done | hash | cut -c1-16)"
fi
echo "key=reltag-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-${what}" >> "$GITHUB_OUTPUT"
