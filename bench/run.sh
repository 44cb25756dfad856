#!/usr/bin/env bash
# reltag benchmarks: builds (once) a repository of COMMITS commits with git fast-import,
# then times reltag against a plain-git "floor" on the same input, in one run, and
# prints a table. See bench/README.md.
#
#   bench/run.sh                      # everything, 200,000 commits
#   COMMITS=20000 bench/run.sh        # a quick try
#   bench/run.sh message              # only some benchmarks (names: see BENCHMARKS)
#   RELTAG=/path/to/reltag bench/run.sh
#
# Environment: RELTAG (binary; default target/release/reltag under CARGO_TARGET_DIR or
# the repo, built if missing), COMMITS (200000), SMALL (10000: the short range),
# COMMIT_GRAPH (0: none, like a fresh CI clone; 1: write one, like a gc'd repo),
# BENCH_TIMER (auto | hyperfine | python), BENCH_WORK (cache dir, default bench/work).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
COMMITS=${COMMITS:-200000}
SMALL=${SMALL:-10000}
COMMIT_GRAPH=${COMMIT_GRAPH:-0}
BENCH_TIMER=${BENCH_TIMER:-auto}
WORK=${BENCH_WORK:-$BENCH_DIR/work}
UTIL="$BENCH_DIR/lib/benchutil.py"
# The benchmarks, in order. A later section (hooks, ledger) adds a bench_<name>
# function and its name here.
BENCHMARKS=(commits commits_human message hook_commit_msg hook_pre_push ledger memory)
# One pattern for every floor: what `grep -E` counts as a Jira-looking key.
KEY_RE='[A-Z][A-Z0-9]+-[0-9]+'
# The C locale: byte-wise grep (its fastest mode) and stable output on every machine.
export LC_ALL=C

die() { echo "bench: $*" >&2; exit 2; }
say() { echo "== $*" >&2; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required"; }

# --- setup ---------------------------------------------------------------------------

setup() {
    need git
    need python3
    [[ "$COMMITS" =~ ^[0-9]+$ && "$COMMITS" -ge 2 ]] || die "COMMITS must be a number >= 2"
    if (( SMALL >= COMMITS )); then SMALL=$(( COMMITS / 2 )); fi
    mkdir -p "$WORK"
    RESULTS="$WORK/results.jsonl"
    ROWS="$WORK/rows.tsv"
    : >"$RESULTS"
    : >"$ROWS"
    case "$BENCH_TIMER" in
        auto) if command -v hyperfine >/dev/null 2>&1; then TIMER=hyperfine; else TIMER=python; fi ;;
        hyperfine) need hyperfine; TIMER=hyperfine ;;
        python) TIMER=python ;;
        *) die "BENCH_TIMER must be auto, hyperfine or python" ;;
    esac
    setup_reltag
    setup_repo
}

setup_reltag() {
    if [[ -z "${RELTAG:-}" ]]; then
        RELTAG="${CARGO_TARGET_DIR:-$ROOT/target}/release/reltag"
        if [[ ! -x "$RELTAG" ]]; then
            need cargo
            say "building $RELTAG"
            (cd "$ROOT" && cargo build --release --quiet)
        fi
    fi
    [[ -x "$RELTAG" ]] || die "RELTAG=$RELTAG is not an executable"
    RELTAG=$(cd "$(dirname "$RELTAG")" && pwd)/$(basename "$RELTAG")
}

# The repository is cached under $WORK, keyed by its size and the generator's text, so
# a change to the generator builds a new one. It is built in a temporary directory and
# renamed into place, so an interrupted build is never reused.
setup_repo() {
    local key
    key=$( (cat "$BENCH_DIR/gen-history.py"; echo "$COMMITS") | git hash-object --stdin | cut -c1-10)
    REPO="$WORK/repo-$COMMITS-$key"
    if [[ ! -d "$REPO" ]]; then
        say "building a repository of $COMMITS commits in $REPO (once; cached)"
        local tmp="$REPO.tmp.$$"
        rm -rf "$tmp"
        git init -q "$tmp"
        git -C "$tmp" symbolic-ref HEAD refs/heads/main
        python3 "$BENCH_DIR/gen-history.py" "$COMMITS" | git -C "$tmp" fast-import --quiet --done
        # Check out nothing: reltag reads only the history. No policy.toml in the
        # repository, so the default policy applies.
        mv "$tmp" "$REPO"
    fi
    local graph="$REPO/.git/objects/info/commit-graph"
    if [[ "$COMMIT_GRAPH" == 1 ]]; then
        [[ -f "$graph" ]] || git -C "$REPO" commit-graph write --reachable
    else
        rm -f "$graph"
        rm -rf "$REPO/.git/objects/info/commit-graphs"
    fi
    # Refuse to let git or gix write anything (gc, commit-graph) behind our back.
    git -C "$REPO" config gc.auto 0
    git -C "$REPO" config core.commitGraph "$([[ "$COMMIT_GRAPH" == 1 ]] && echo true || echo false)"
}

# --- measuring -----------------------------------------------------------------------

# time_cmds WARMUP RUNS KEY CMD [KEY CMD ...]: shell command lines, run from $REPO,
# timed together (hyperfine, or interleaved by the python loop).
time_cmds() {
    local warmup=$1 runs=$2; shift 2
    if [[ "$TIMER" == hyperfine ]]; then
        local args=() keys=() json="$WORK/hyperfine.json"
        while (( $# )); do
            keys+=("$1"); args+=(--command-name "$1" "$2"); shift 2
        done
        (cd "$REPO" && hyperfine --style basic --warmup "$warmup" --runs "$runs" \
            --export-json "$json" "${args[@]}") >&2
        python3 "$UTIL" hyperfine "$RESULTS" "$json" "${keys[@]}"
    else
        (cd "$REPO" && python3 "$UTIL" time "$RESULTS" "$warmup" "$runs" "$@")
    fi
}

# row KIND LABEL KEY FLOOR_KEY TARGET: a line of the final table.
row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS"; }

# Runs reltag once and insists that it decided: 0 (allowed) or 1 (blocked by policy).
# 2 (usage/policy error) or 3 (could not decide) would time an error path.
reltag_decides() {
    local rc=0
    (cd "$REPO" && "$RELTAG" "$@" >"$WORK/last.out" 2>"$WORK/last.err") || rc=$?
    if (( rc > 1 )); then
        cat "$WORK/last.err" >&2
        die "reltag $* exited $rc (expected 0 or 1)"
    fi
    echo "$rc"
}

# --- the benchmarks ------------------------------------------------------------------

range_small() { echo "HEAD~$SMALL..HEAD"; }

# `check commits` over SMALL commits and over the whole history, against the floor.
# reltag exits 1 here (some commits have no key): `|| true` keeps the shell quiet;
# reltag_decides has checked beforehand that it is never 2 or 3.
bench_commits() {
    local range total
    for range in "$(range_small)" HEAD; do
        local rc n errors floor_n
        rc=$(reltag_decides check commits "$range" --format json -q)
        n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["checked"]["commits"], d["errors"])' "$WORK/last.out")
        total=$(git -C "$REPO" rev-list --count "$range")
        floor_n=$(cd "$REPO" && git log --format=%B "$range" | grep -cE "$KEY_RE")
        say "check commits $range: exit $rc, checked/errors: $n; rev-list: $total; floor lines with a key: $floor_n"
        [[ "${n%% *}" == "$total" ]] || die "reltag checked ${n%% *} commits, the range has $total"
        local key=commits_$([[ "$range" == HEAD ]] && echo all || echo small)
        local runs=10
        [[ "$range" == HEAD ]] && runs=5
        time_cmds 1 "$runs" \
            "$key" "'$RELTAG' check commits '$range' --format json -q >/dev/null || true" \
            "${key}_floor" "git log --format=%B '$range' | grep -cE '$KEY_RE' >/dev/null"
        row time "check commits $range ($total commits, --format json -q >/dev/null)" \
            "$key" "${key}_floor" "ratio<=1.0"
    done
}

# The default human output, once over the short range, for information: what a user
# sees costs this much more than the json the benchmark above times.
bench_commits_human() {
    local range
    range=$(range_small)
    reltag_decides check commits "$range" --color never >/dev/null
    time_cmds 1 5 \
        commits_human "'$RELTAG' check commits '$range' --color never >/dev/null || true" \
        commits_small_floor2 "git log --format=%B '$range' | grep -cE '$KEY_RE' >/dev/null"
    row time "check commits $range (default human output >/dev/null)" \
        commits_human commits_small_floor2 "info"
}

# One message file, as the commit-msg hook sees it. No shell: with hyperfine, -N.
bench_message() {
    local msg="$WORK/COMMIT_EDITMSG"
    cat >"$msg" <<'MSG'
PAY-1234: Keep the cursor when the last page is full

The previous behaviour dropped the last page when the total was a multiple
of the page size. This keeps the cursor until the server says it is done.

Co-authored-by: Alex Example <alex@example.com>
# Please enter the commit message for your changes. Lines starting
# with '#' will be ignored, and an empty message aborts the commit.
#
# On branch feature/PAY-1234-pagination
MSG
    local rc
    rc=$(reltag_decides check message "$msg")
    [[ "$rc" == 0 ]] || die "check message refused the benchmark's message"
    if [[ "$TIMER" == hyperfine ]]; then
        local json="$WORK/hyperfine.json"
        (cd "$REPO" && hyperfine --style basic -N --warmup 10 --min-runs 100 \
            --export-json "$json" \
            --command-name message "$RELTAG check message $msg" \
            --command-name message_floor "grep -cE $KEY_RE $msg") >&2
        python3 "$UTIL" hyperfine "$RESULTS" "$json" message message_floor
    else
        time_cmds 10 100 \
            message "'$RELTAG' check message '$msg' >/dev/null" \
            message_floor "grep -cE '$KEY_RE' '$msg' >/dev/null"
    fi
    row time "check message FILE (one message; floor: grep -cE FILE)" \
        message message_floor "ms<=5"
}

# The commit-msg hook as git runs it: git executes the installed script (sh, which execs
# `reltag hook commit-msg FILE`) with GIT_EDITOR set, in the worktree root. Floor: `true`,
# the cheapest hook there is; target: within 5 ms of it. Also, for information, a whole
# `git commit` with the hook against `git commit --no-verify`. Both run in a small repo
# of their own ($WORK/hook-commit, recreated each run), since every run adds a commit.
bench_hook_commit_msg() {
    local dir="$WORK/hook-commit" msg="$WORK/COMMIT_EDITMSG.hook"
    rm -rf "$dir"
    git init -q "$dir"
    git -C "$dir" config gc.auto 0
    git -C "$dir" -c user.name=bench -c user.email=bench@example.com \
        commit -q --allow-empty -m "PAY-1: start"
    (cd "$dir" && "$RELTAG" install -q) || die "reltag install failed in $dir"
    local hook="$dir/.git/hooks/commit-msg"
    [[ -x "$hook" ]] || die "reltag install wrote no $hook"
    cat >"$msg" <<'MSG'
PAY-1234: Keep the cursor when the last page is full

The previous behaviour dropped the last page when the total was a multiple
of the page size. This keeps the cursor until the server says it is done.

# Please enter the commit message for your changes. Lines starting
# with '#' will be ignored, and an empty message aborts the commit.
#
# On branch main
MSG
    # It must pass (a refused message would time the report), and refuse a bad one.
    (cd "$dir" && GIT_EDITOR=: "$hook" "$msg") || die "the commit-msg hook refused the benchmark's message"
    printf 'no key\n' >"$WORK/COMMIT_EDITMSG.bad"
    if (cd "$dir" && GIT_EDITOR=: "$hook" "$WORK/COMMIT_EDITMSG.bad" >/dev/null 2>&1); then
        die "the commit-msg hook accepted a message without a key: is it installed?"
    fi
    local id="-c user.name=bench -c user.email=bench@example.com"
    local BENCH_REPO_SAVED=$REPO
    REPO=$dir
    time_cmds 10 100 \
        hook_commit_msg "GIT_EDITOR=: '$hook' '$msg'" \
        hook_commit_msg_floor "GIT_EDITOR=: true '$msg'"
    time_cmds 5 50 \
        hook_git_commit "git $id commit -q --allow-empty -F '$msg'" \
        hook_git_commit_floor "git $id commit -q --allow-empty --no-verify -F '$msg'"
    REPO=$BENCH_REPO_SAVED
    row time "commit-msg hook as git runs it (installed script; floor: true)" \
        hook_commit_msg hook_commit_msg_floor "over<=5"
    row time "git commit -F with the hook (baseline: git commit --no-verify)" \
        hook_git_commit hook_git_commit_floor info
}

# pre-push of SMALL new commits: a new branch whose tip is HEAD, with
# refs/remotes/origin/* at HEAD~SMALL, fed git's stdin line ourselves (all-zero remote id).
# Runs in a clone of the benchmark repository ($WORK/hook-push-COMMITS, objects
# hard-linked), so the cached repository gets no remote refs. Floor: the same selection
# and message scan in plain git, `git log --format=%B HEAD --not --remotes=origin | grep`.
# Target: under 200 ms.
bench_hook_pre_push() {
    local dir="$WORK/hook-push-$COMMITS"
    if [[ ! -d "$dir" ]]; then
        git clone -q --no-checkout "$REPO" "$dir.tmp.$$"
        mv "$dir.tmp.$$" "$dir"
    fi
    git -C "$dir" config gc.auto 0
    git -C "$dir" config core.commitGraph "$([[ "$COMMIT_GRAPH" == 1 ]] && echo true || echo false)"
    local tip base
    tip=$(git -C "$REPO" rev-parse HEAD)
    base=$(git -C "$REPO" rev-parse "HEAD~$SMALL")
    git -C "$dir" update-ref refs/heads/main "$tip"
    git -C "$dir" update-ref refs/remotes/origin/main "$base"
    local zero
    zero=$(printf '0%.0s' $(seq ${#tip}))
    local input="$WORK/pre-push.stdin"
    echo "refs/heads/main $tip refs/heads/feature/PAY-1-bench $zero" >"$input"
    local new
    new=$(git -C "$dir" rev-list --count "$tip" --not --remotes=origin)
    [[ "$new" == "$SMALL" ]] || die "the push would publish $new commits, expected $SMALL"
    local rc=0
    (cd "$dir" && "$RELTAG" hook pre-push --format json origin "$REPO" <"$input" \
        >"$WORK/last.out" 2>"$WORK/last.err") || rc=$?
    if (( rc > 1 )); then cat "$WORK/last.err" >&2; die "reltag hook pre-push exited $rc"; fi
    local checked
    checked=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["checked"]["commits"], d["errors"])' "$WORK/last.out")
    say "hook pre-push: exit $rc, checked/errors: $checked; new commits: $new"
    [[ "${checked%% *}" == "$new" ]] || die "reltag checked ${checked%% *} commits, the push has $new"
    local BENCH_REPO_SAVED=$REPO
    REPO=$dir
    time_cmds 2 20 \
        hook_pre_push "'$RELTAG' hook pre-push origin '$BENCH_REPO_SAVED' <'$input' >/dev/null || true" \
        hook_pre_push_floor "git log --format=%B '$tip' --not --remotes=origin | grep -cE '$KEY_RE' >/dev/null"
    REPO=$BENCH_REPO_SAVED
    row time "pre-push hook, new branch of $new commits (floor: git log --not --remotes | grep)" \
        hook_pre_push hook_pre_push_floor "ms<=200"
}

# Peak memory of `check commits` over SMALL and over all commits, and of the floor's
# `git log` (grep's is constant). Flat means: the whole history needs no more than
# 1.5x what SMALL commits need. Both the peak RSS (which counts the pages of the pack
# file mapped in and read) and the peak anonymous memory (heap: what reltag keeps).
bench_memory() {
    local range
    say "peak memory"
    for range in "$(range_small)" HEAD; do
        local key=mem_$([[ "$range" == HEAD ]] && echo all || echo small)
        (cd "$REPO" && python3 "$UTIL" mem "$RESULTS" 3 "$key" -- \
            "$RELTAG" check commits "$range" --format json -q)
        (cd "$REPO" && python3 "$UTIL" mem "$RESULTS" 3 "${key}_floor" -- \
            git log --format=%B "$range")
    done
    row mem "peak RSS, check commits $(range_small) (floor: git log)" mem_small mem_small_floor info
    row mem "peak RSS, check commits HEAD (floor: git log)" mem_all mem_all_floor info
    row anon "peak heap (RssAnon), check commits $(range_small) (floor: git log)" mem_small mem_small_floor info
    row anon "peak heap (RssAnon), check commits HEAD (floor: git log)" mem_all mem_all_floor info
    row mem "peak RSS growth, HEAD vs $(range_small) (baseline: $SMALL)" mem_all mem_small "flat<=1.5"
    row anon "peak heap growth, HEAD vs $(range_small) (baseline: $SMALL)" mem_all mem_small "flat<=1.5"
    row anon "  for comparison, git log's heap growth" mem_all_floor mem_small_floor info
}

# The ledger with 10,000 events (issue target: each under 50 ms): reading the present
# state (`status`), `log -n 20`, and appending one event (`approve`), each against the
# plain-git operation that does the least of the same work. The ledger is built once
# through the library (tests/ledger_bench.rs, ~1 min) and cached in $WORK.
bench_ledger() {
    local ledger="$WORK/ledger-10000"
    if [[ ! -d "$ledger" ]]; then
        say "building a ledger of 10,000 events (once)"
        rm -rf "$ledger.tmp"
        (cd "$ROOT" && RELTAG_BENCH_KEEP_LEDGER="$ledger.tmp" \
            cargo test --release --quiet --test ledger_bench -- --ignored --nocapture) >&2
        mv "$ledger.tmp" "$ledger"
    fi
    # The default policy's qa-lead, so `approve` is allowed; a counter gives each run a
    # version of its own (approving the same one twice records nothing).
    git -C "$ledger" config user.email qa@example.com
    echo 0 >"$WORK/ledger-counter"
    local next="n=\$(cat '$WORK/ledger-counter'); echo \$((n+1)) >'$WORK/ledger-counter'"
    local tip_tree="git -C '$ledger' rev-parse 'refs/reltag/ledger^{tree}'"
    time_cmds 2 20 \
        ledger_log "'$RELTAG' -C '$ledger' log -n 20 --offline >/dev/null" \
        ledger_log_floor "git -C '$ledger' log -n 20 refs/reltag/ledger >/dev/null" \
        ledger_status "'$RELTAG' -C '$ledger' --format json status >/dev/null" \
        ledger_status_floor "git -C '$ledger' cat-file -p refs/reltag/ledger >/dev/null" \
        ledger_append "$next; '$RELTAG' -C '$ledger' approve v9.\$n.0 --role qa-lead --commit HEAD --no-push 2>/dev/null" \
        ledger_append_floor "$next; c=\$(git -C '$ledger' commit-tree \$($tip_tree) -p refs/reltag/ledger -m x) && git -C '$ledger' update-ref refs/reltag/ledger-floor \$c"
    row time "ledger of 10,000 events: log -n 20" ledger_log ledger_log_floor "ms<=50"
    row time "ledger of 10,000 events: status (present state)" ledger_status ledger_status_floor "ms<=50"
    row time "ledger of 10,000 events: append one event (approve)" ledger_append ledger_append_floor "ms<=50"
}

# --- main ----------------------------------------------------------------------------

main() {
    local selected=("$@")
    (( ${#selected[@]} )) || selected=("${BENCHMARKS[@]}")
    local name
    for name in "${selected[@]}"; do
        declare -F "bench_$name" >/dev/null || die "no benchmark '$name' (have: ${BENCHMARKS[*]})"
    done
    setup
    for name in "${selected[@]}"; do
        say "$name"
        "bench_$name"
    done
    echo
    echo "reltag:  $RELTAG ($("$RELTAG" --version))"
    echo "repo:    $REPO ($COMMITS commits, commit-graph: $([[ "$COMMIT_GRAPH" == 1 ]] && echo yes || echo no), default policy)"
    echo "timer:   $TIMER (wall: median; cpu: mean user+sys), LC_ALL=C, $(nproc 2>/dev/null || echo '?') CPUs, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
    echo "command: COMMITS=$COMMITS SMALL=$SMALL COMMIT_GRAPH=$COMMIT_GRAPH bench/run.sh${*:+ $*}"
    echo
    python3 "$UTIL" table "$RESULTS" "$ROWS"
}

main "$@"
