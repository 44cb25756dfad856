# Shared by the action's scripts (sourced, never run): digests, the action's source hash,
# the pinned release, and the release target of the runner.

if command -v sha256sum >/dev/null 2>&1; then
  hasher=(sha256sum)
else
  hasher=(shasum -a 256)
fi

sha256_of() {
  "${hasher[@]}" "$1" | cut -d' ' -f1
}

# The sha256 of the files a build of reltag reads, with their paths: equal hashes mean the
# same binary source. The release workflow records it in pins.txt; the action compares its
# own against it to tell a release ref from any other.
source_hash() {
  local root=$1 p
  local paths=()
  for p in Cargo.toml Cargo.lock policy.toml src build.rs .cargo rust-toolchain.toml; do
    if [ -e "$root/$p" ]; then paths+=("$p"); fi
  done
  (
    cd "$root"
    find "${paths[@]}" -type f | LC_ALL=C sort | tr '\n' '\0' | xargs -0 "${hasher[@]}"
  ) | "${hasher[@]}" | cut -d' ' -f1
}

# pin KEY: a `KEY VALUE` line of pins.txt (version, source, url, run).
pin() {
  awk -v key="$1" '$1 == key { print $2; exit }' "$PINS"
}

# pinned_digest FILE: the sha256 pinned for a release file, or nothing.
pinned_digest() {
  awk -v file="$1" '$1 == "sha256" && $3 == file { print $2; exit }' "$PINS"
}

# The release target for a runner's OS and architecture (RUNNER_OS, RUNNER_ARCH), or
# nothing when no release binary runs there. Windows on Arm runs the x86_64 binary.
release_target() {
  case "$1/$2" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64 | Windows/ARM64) echo x86_64-pc-windows-msvc ;;
  esac
}

# release_archive VERSION TARGET: the archive's file name in the release.
release_archive() {
  case "$2" in
    *-windows-*) echo "reltag-v$1-$2.zip" ;;
    *) echo "reltag-v$1-$2.tar.gz" ;;
  esac
}

error() {
  echo "::error title=reltag::$*"
}
