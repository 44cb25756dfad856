#!/usr/bin/env bash
# The publish job's checks, on the tag's checkout:
#   verify.sh plan   writes the candidate run pinned in action/pins.txt to $GITHUB_OUTPUT;
#   verify.sh DIST   refuses to publish unless the tag is v<pinned version>, Cargo.toml has
#                    that version, this checkout's source is the pinned source (the files
#                    were built from it), and DIST holds exactly the pinned files, each
#                    with its pinned sha256.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
PINS="$root/action/pins.txt"
# shellcheck source=../../action/lib.sh
. "$root/action/lib.sh"
fail() {
  echo "::error title=release::$*"
  exit 1
}
version="$(pin version || true)"
[ -n "$version" ] || fail "action/pins.txt pins no release: run the candidate and commit its pins first"
if [ "$1" = plan ]; then
  run="$(pin run)"
  [ -n "$run" ] || fail "action/pins.txt names no candidate run"
  echo "run=$run" >> "$GITHUB_OUTPUT"
  exit 0
fi
dist=$1
tag="${GITHUB_REF_NAME:?}"
[ "$tag" = "v$version" ] || fail "the tag $tag is not v$version, the version action/pins.txt pins"
cargo_version="$(awk -F'"' '/^version = /{ print $2; exit }' "$root/Cargo.toml")"
[ "$cargo_version" = "$version" ] || fail "Cargo.toml says $cargo_version, the pins $version"
[ "$(source_hash "$root")" = "$(pin source)" ] ||
  fail "this commit's source is not the source the candidate was built from"
(cd "$dist" && sha256sum --check --quiet --strict SHA256SUMS) || fail "SHA256SUMS does not match the files"
pinned=0
while read -r _ digest file; do
  [ -f "$dist/$file" ] || fail "the candidate lacks $file"
  [ "$(sha256_of "$dist/$file")" = "$digest" ] || fail "$file does not have its pinned sha256"
  pinned=$((pinned + 1))
done < <(grep '^sha256 ' "$PINS")
for file in "$dist"/*; do
  name="$(basename "$file")"
  [ "$name" = SHA256SUMS ] && continue
  [ -n "$(pinned_digest "$name")" ] || fail "the candidate holds $name, which is not pinned"
done
echo "verified v$version: $pinned files, each with its pinned sha256"
