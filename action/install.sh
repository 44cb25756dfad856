#!/usr/bin/env bash
# Installs reltag into $RELTAG_ROOT/bin as plan.sh decided ($INSTALL_MODE):
#   release  downloads the pinned release archive for $RELEASE_TARGET, refuses it unless its
#            sha256 is the one pinned in pins.txt, and installs the binary only then;
#   source   `cargo install --locked` of the action's source, unless the cache restored it.
# RELTAG_RELEASE_URL replaces the pinned download location (a mirror, GitHub Enterprise
# Server); the digests stay the pinned ones, so a mirror cannot change what is installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
PINS="$here/pins.txt"
bin_dir="$RELTAG_ROOT/bin"

case "${INSTALL_MODE:-}" in
  source)
    if [ -x "$bin_dir/reltag" ] || [ -x "$bin_dir/reltag.exe" ]; then
      echo "reltag: using the cached build of the action's source"
      exit 0
    fi
    cargo install --locked --root "$RELTAG_ROOT" --path "$here/.."
    exit 0
    ;;
  release) ;;
  *)
    error "install.sh: INSTALL_MODE must be release or source"
    exit 2
    ;;
esac

version="$(pin version)"
target="$RELEASE_TARGET"
archive="$(release_archive "$version" "$target")"
want="$(pinned_digest "$archive")"
if [ -z "$want" ]; then
  error "the action pins no sha256 for $archive: refusing to install it"
  exit 3
fi
url="${RELTAG_RELEASE_URL:-$(pin url)}/$archive"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "reltag: downloading $url"
if ! curl --fail --silent --show-error --location --retry 3 --output "$work/$archive" "$url"; then
  error "could not download $url"
  exit 3
fi
got="$(sha256_of "$work/$archive")"
if [ "$got" != "$want" ]; then
  error "$archive has sha256 $got, but the action pins $want: refusing to install it (a tampered or wrong download; nothing was installed)"
  exit 3
fi
echo "reltag: sha256 $got verified against the pin"
mkdir "$work/unpacked"
case "$archive" in
  *.zip)
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "$work/$archive" -d "$work/unpacked"
    else
      7z x -bd -o"$work/unpacked" "$work/$archive" >/dev/null
    fi
    exe=reltag.exe
    ;;
  *)
    tar -xzf "$work/$archive" -C "$work/unpacked"
    exe=reltag
    ;;
esac
binary="$work/unpacked/reltag-v$version-$target/$exe"
if [ ! -f "$binary" ]; then
  error "$archive holds no reltag-v$version-$target/$exe"
  exit 3
fi
chmod +x "$binary"
said="$("$binary" --version)"
if [ "$said" != "reltag $version" ]; then
  error "the binary in $archive says \`$said\`, not reltag $version"
  exit 3
fi
mkdir -p "$bin_dir"
mv "$binary" "$bin_dir/$exe"
echo "reltag: installed $said ($target) in $bin_dir"
