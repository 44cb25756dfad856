#!/usr/bin/env bash
# Packages the built targets into the release's files, in DIST:
#   reltag-vX.Y.Z-TARGET.tar.gz (.zip for Windows) holding reltag-vX.Y.Z-TARGET/ with the
#   binary, README.md, the licences, shell completions and man pages;
#   each target's wheel; and SHA256SUMS over all of them.
#
#   .github/release/package.sh BUILD DIST
#
# BUILD holds one directory per target, build-TARGET/, as build.sh wrote it. The completions
# and man pages come from the x86_64 Linux binary (this runs on x86_64 Linux).
set -euo pipefail
build=$1 dist=$2
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="$(awk -F'"' '/^version = /{ print $2; exit }' "$root/Cargo.toml")"
# Reproducible archives: fixed owner, order and times (the commit's).
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}"
mkdir -p "$dist"
dist="$(cd "$dist" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

host="$build/build-x86_64-unknown-linux-musl/reltag"
chmod +x "$host"
mkdir -p "$work/docs/complete" "$work/docs/man"
for shell in bash zsh fish powershell elvish; do
  "$host" completions "$shell" > "$work/docs/complete/reltag.$shell"
done
"$host" --quiet man "$work/docs/man"

found=0
for dir in "$build"/build-*/; do
  target="$(basename "$dir")"
  target="${target#build-}"
  top="reltag-v$version-$target"
  stage="$work/$top"
  mkdir -p "$stage"
  exe=reltag
  case "$target" in *-windows-*) exe=reltag.exe ;; esac
  cp "$dir/$exe" "$stage/$exe"
  chmod 755 "$stage/$exe"
  cp "$root/README.md" "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$stage/"
  cp -R "$work/docs/complete" "$work/docs/man" "$stage/"
  find "$stage" -exec touch -h -d "@$epoch" {} +
  case "$target" in
    *-windows-*)
      (cd "$work" && find "$top" | LC_ALL=C sort | zip -q -X -@ "$dist/$top.zip")
      ;;
    *)
      tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
        -cf - "$top" | gzip -n -9 > "$dist/$top.tar.gz"
      ;;
  esac
  cp "$dir"/*.whl "$dist/"
  found=$((found + 1))
done
if [ "$found" = 0 ]; then
  echo "error: no build-TARGET directories in $build" >&2
  exit 2
fi
(cd "$dist" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | LC_ALL=C sort \
  | xargs sha256sum > SHA256SUMS)
echo "packaged $found targets into $dist:"
cat "$dist/SHA256SUMS"
