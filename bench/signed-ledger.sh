#!/usr/bin/env bash
# A ledger of N signed approvals (SSH, ed25519) in bench/work/signed-N, then reltag's
# in-process verification against `git verify-commit` in a loop, and `log -n 20` once the
# verified state is cached. Needs git, ssh-keygen (OpenSSH >= 8.2), hyperfine optional.
#
#   bench/signed-ledger.sh              # N=10000 (building it takes a few minutes, once)
#   N=2000 bench/signed-ledger.sh
#   RELTAG=target/debug/reltag bench/signed-ledger.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-10000}
RELTAG=${RELTAG:-$ROOT/target/release/reltag}
WORK="$ROOT/bench/work"
REPO="$WORK/signed-$N"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null TZ=UTC

if [[ ! -d "$REPO" ]]; then
    rm -rf "$REPO.tmp" && mkdir -p "$REPO.tmp/.reltag"
    cd "$REPO.tmp"
    git init -q -b main
    ssh-keygen -q -t ed25519 -N '' -C qa -f key
    printf 'qa@example.com namespaces="git" %s\n' "$(cut -d' ' -f1,2 key.pub)" >.reltag/allowed_signers
    cat >policy.toml <<'TOML'
[roles]
qa = ["qa@example.com"]
[ledger]
require_signed = true
allowed_signers = ".reltag/allowed_signers"
TOML
    git add policy.toml .reltag/allowed_signers
    GIT_AUTHOR_NAME=qa GIT_AUTHOR_EMAIL=qa@example.com GIT_COMMITTER_NAME=qa \
        GIT_COMMITTER_EMAIL=qa@example.com git commit -q -m policy
    git config user.email qa@example.com
    git config gpg.format ssh
    git config user.signingkey "$PWD/key"
    head=$(git rev-parse HEAD)
    tree=$(git mktree </dev/null)
    parent=()
    start=$(date -u -d 2026-01-01T00:00:00Z +%s)
    export GIT_AUTHOR_NAME=qa@example.com GIT_AUTHOR_EMAIL=qa@example.com
    export GIT_COMMITTER_NAME=qa@example.com GIT_COMMITTER_EMAIL=qa@example.com
    for ((i = 0; i < N; i++)); do
        t=$((start + 60 * i))
        when=$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)
        export GIT_AUTHOR_DATE="@$t +0000" GIT_COMMITTER_DATE="@$t +0000"
        c=$(printf 'approve v1.%d.%d as qa by qa@example.com\n\nEvent: approve\nVersion: v1.%d.%d\nCommit: %s\nRole: qa\nActor: qa@example.com\nTime: %s\nEvent-Id: %032x\nLedger-Format: 1\n' \
            $((i / 100)) $((i % 100)) $((i / 100)) $((i % 100)) "$head" "$when" "$i" |
            git commit-tree -S "$tree" "${parent[@]}")
        parent=(-p "$c")
    done
    git update-ref refs/reltag/ledger "$c"
    git show HEAD:.reltag/allowed_signers >allowed_signers.audit
    git rev-list refs/reltag/ledger >ledger-commits
    cd "$ROOT" && mv "$REPO.tmp" "$REPO"
fi
cd "$REPO"
[[ -x "$RELTAG" ]] || { echo "build reltag first: cargo build --release" >&2; exit 2; }
verify_all="xargs -n 200 git -c gpg.ssh.allowedSignersFile=$REPO/allowed_signers.audit verify-commit <ledger-commits 2>/dev/null"
rm -rf .git/reltag
if command -v hyperfine >/dev/null; then
    hyperfine --warmup 1 --runs 5 \
        "$RELTAG verify --offline >/dev/null; rm -rf .git/reltag" \
        "$verify_all"
    "$RELTAG" log -n 20 --offline >/dev/null
    hyperfine --warmup 2 --runs 20 \
        "$RELTAG log -n 20 --offline" \
        "$RELTAG --format json status --offline" \
        "git log -n 20 refs/reltag/ledger"
else
    /usr/bin/time -f "reltag verify (cold): %e s" "$RELTAG" verify --offline >/dev/null
    /usr/bin/time -f "git verify-commit, every event: %e s" sh -c "$verify_all"
    "$RELTAG" log -n 20 --offline >/dev/null
    /usr/bin/time -f "reltag log -n 20 (verified state cached): %e s" "$RELTAG" log -n 20 --offline >/dev/null
    /usr/bin/time -f "git log -n 20: %e s" git log -n 20 refs/reltag/ledger >/dev/null
fi
