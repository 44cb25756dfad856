#!/usr/bin/env bash
# Decides how the action gets reltag, from the `install` input and action/pins.txt:
#   release  the release pinned in pins.txt, its sha256 verified (install.sh);
#   source   `cargo install --locked` of the action's own source, cached.
# `auto` is `release` when the action's source is the pinned release's source (the action is
# used at a release ref), else `source`. Writes mode, target, version and key to $GITHUB_OUTPUT.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
PINS="$here/pins.txt"
root="$(cd "$here/.." && pwd)"

mode="${INPUT_INSTALL:-auto}"
version="$(pin version || true)"
target="$(release_target "${RUNNER_OS:-}" "${RUNNER_ARCH:-}")"
source="$(source_hash "$root")"
case "$mode" in
  auto)
    if [ -n "$version" ] && [ -n "$target" ] && [ "$(pin source)" = "$source" ]; then
      mode=release
    else
      mode=source
      if [ -z "$version" ]; then
        echo "reltag: no release is pinned in this revision of the action: building its source"
      elif [ -z "$target" ]; then
        echo "reltag: no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}: building the action's source"
      else
        echo "reltag: this revision of the action is not release v$version: building its source"
      fi
    fi
    ;;
  release)
    if [ -z "$version" ]; then
      error "install: release, but this revision of the action pins no release (use a release ref, or install: source)"
      exit 2
    fi
    if [ -z "$target" ]; then
      error "install: release, but no release binary runs on ${RUNNER_OS:-?}/${RUNNER_ARCH:-?} (use install: source)"
      exit 2
    fi
    if [ "$(pin source)" != "$source" ]; then
      echo "::warning title=reltag::install: release installs v$version, which is not this revision of the action's source"
    fi
    ;;
  source) ;;
  *)
    error "the install input must be auto, release or source, not \`$mode\`"
    exit 2
    ;;
esac
{
  echo "mode=$mode"
  echo "target=$target"
  echo "version=$version"
  echo "key=reltag-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-src-${source:0:24}"
} >> "$GITHUB_OUTPUT"
