#!/usr/bin/env bash
# Writes action/pins.txt: the release that this revision of the action (and of the
# pre-commit hooks, see pyproject.toml) installs. Run by the release workflow on a release
# candidate; its output is committed, and the tag is made on that commit, so that a
# release tag pins its own binaries.
#
#   action/pin.sh DIST URL [RUN_ID]
#
# DIST holds the candidate's files and their SHA256SUMS; URL is where the release will
# serve them (https://github.com/OWNER/reltag/releases/download/vX.Y.Z); RUN_ID is the
# workflow run whose artifact the tag's publish job takes. The version and the source hash
# come from this checkout, which must be the commit the candidate was built from.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
dist=$1 url=$2 run=${3:-}
root="$(cd "$here/.." && pwd)"
version="$(awk -F'"' '/^version = /{ print $2; exit }' "$root/Cargo.toml")"
sums="$dist/SHA256SUMS"
if [ ! -f "$sums" ]; then
  echo "error: $sums does not exist" >&2
  exit 2
fi
# Every digest is checked against the file before it is pinned.
(cd "$dist" && "${hasher[@]}" --check --status SHA256SUMS) || {
  echo "error: a file in $dist does not match SHA256SUMS" >&2
  exit 2
}
{
  echo "# The reltag release this revision of the action and of the pre-commit hooks installs."
  echo "# Written by action/pin.sh from the release candidate; do not edit by hand."
  echo "version $version"
  echo "source $(source_hash "$root")"
  echo "url $url"
  if [ -n "$run" ]; then echo "run $run"; fi
  awk '{ sub(/^\*/, "", $2); print "sha256 " $1 " " $2 }' "$sums"
} > "$here/pins.txt.new"
mv "$here/pins.txt.new" "$here/pins.txt"
echo "pinned reltag $version: $(grep -c '^sha256 ' "$here/pins.txt") files"
