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
# COMMIT_GRAPH (0: none, like a fresh CI clone; 1: write one, like a gc'd repo; the
# `walk` benchmark measures both), BENCH_TIMER (auto | hyperfine | python), BENCH_WORK
# (cache dir, default bench/work), REMOTE_REFS (5000) and PUSH_LINES (1000) for
# `pre_push_refs`, COMMITTED, COG, GITLINT, COMMITLINT (the peers' commands for `peers`;
# default: found on the PATH, skipped when missing).
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
BENCHMARKS=(commits commits_human walk message hook_commit_msg hook_pre_push pre_push_refs peers ledger memory)
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

# use_commit_graph 0|1: removes or writes the repository's commit-graph file, and lets
# git and gix use it or not (the `walk` benchmark measures both; the others keep the
# COMMIT_GRAPH setting).
use_commit_graph() {
    local graph="$REPO/.git/objects/info/commit-graph"
    if [[ "$1" == 1 ]]; then
        [[ -f "$graph" ]] || git -C "$REPO" -c core.commitGraph=true commit-graph write --reachable
        git -C "$REPO" config core.commitGraph true
    else
        rm -f "$graph"
        rm -rf "$REPO/.git/objects/info/commit-graphs"
        git -C "$REPO" config core.commitGraph false
    fi
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

# time_argv WARMUP RUNS KEY JSON [KEY JSON ...]: commands without a shell (JSON:
# {"argv": [...], "stdin": FILE}), run from $REPO, interleaved A B C A B C ... by the
# python timer whatever BENCH_TIMER says: for commands of a few milliseconds, where a
# shell would be most of the time and a drift in machine load must hit all alike.
time_argv() {
    (cd "$REPO" && python3 "$UTIL" timeargv "$RESULTS" "$@")
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

# The range walk with a hidden side (issue 18.1): `bench-base..HEAD` is every commit but
# the root, and bench-base is a side line of one commit dated just after the root, so
# the hidden side is only met at the very end. Timed against git on the same range, and
# the peak memory of it and of the short range HEAD~SMALL..HEAD (also a hidden side),
# without and then with a commit-graph file, in the same run. The peak heap is measured
# twice: for `check commits` as users run it (its findings are held until rendered, see
# issue 18.2) and for the walk alone (a policy with no message rule, so no findings).
bench_walk() {
    local policy="$WORK/no-message-rules.toml"
    printf '[commits]\nrequire_jira = false\n' >"$policy"
    local graph label rc n total
    total=$(git -C "$REPO" rev-list --count bench-base..HEAD)
    for graph in 0 1; do
        use_commit_graph "$graph"
        label=$([[ "$graph" == 1 ]] && echo "commit-graph" || echo "no commit-graph")
        local key=walk_g$graph
        rc=$(reltag_decides check commits bench-base..HEAD --format json -q)
        n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["checked"]["commits"])' "$WORK/last.out")
        [[ "$n" == "$total" ]] || die "reltag checked $n commits of bench-base..HEAD, the range has $total"
        say "check commits bench-base..HEAD ($label): exit $rc, $n commits"
        time_cmds 1 5 \
            "$key" "'$RELTAG' check commits bench-base..HEAD --format json -q >/dev/null || true" \
            "${key}_floor" "git log --format=%B bench-base..HEAD | grep -cE '$KEY_RE' >/dev/null"
        row time "check commits bench-base..HEAD ($total commits, hidden side; $label)" \
            "$key" "${key}_floor" "ratio<=1.0"
        local range
        for range in "$(range_small)" bench-base..HEAD; do
            local mkey=${key}_mem_$([[ "$range" == bench-base..HEAD ]] && echo all || echo small)
            (cd "$REPO" && python3 "$UTIL" mem "$RESULTS" 3 "$mkey" -- \
                "$RELTAG" check commits "$range" --format json -q)
            (cd "$REPO" && python3 "$UTIL" mem "$RESULTS" 3 "${mkey}_walk" -- \
                "$RELTAG" --policy "$policy" check commits "$range" --format json -q)
            (cd "$REPO" && python3 "$UTIL" mem "$RESULTS" 3 "${mkey}_floor" -- \
                git log --format=%B "$range")
        done
        row anon "  peak heap, bench-base..HEAD ($label; floor: git log)" \
            "${key}_mem_all" "${key}_mem_all_floor" "mib<=64"
        row anon "  peak heap growth, bench-base..HEAD vs $(range_small) ($label)" \
            "${key}_mem_all" "${key}_mem_small" "flat<=1.5"
        row anon "  the same, the walk alone (no findings held)" \
            "${key}_mem_all_walk" "${key}_mem_small_walk" "flat<=1.5"
        row anon "  for comparison, git log's heap growth" \
            "${key}_mem_all_floor" "${key}_mem_small_floor" info
        row mem "  peak RSS, bench-base..HEAD (counts the pack pages read; floor: git log)" \
            "${key}_mem_all" "${key}_mem_all_floor" info
    done
    use_commit_graph "$COMMIT_GRAPH"
}

# pre-push of many new branches against many loose remote-tracking refs (issue 18.4):
# a clone of the benchmark repository ($WORK/push-refs-COMMITS, objects hard-linked)
# with REMOTE_REFS loose refs under refs/remotes/origin/ (every 20th commit below
# HEAD~SMALL; origin/main is HEAD), and PUSH_LINES new branches, each one commit on a
# different one of those tips. Floor: git answering the same question in one process,
# `git log --format=%B TIPS --not --remotes=origin | grep -c`. One line and all lines.
bench_pre_push_refs() {
    local refs=${REMOTE_REFS:-5000} lines=${PUSH_LINES:-1000}
    local dir="$WORK/push-refs-$COMMITS-$refs-$lines"
    if [[ ! -f "$dir/.bench-ready" ]]; then
        say "building $dir: $refs loose remote-tracking refs, $lines new branches (once)"
        rm -rf "$dir"
        git clone -q --no-checkout "$REPO" "$dir"
        git -C "$dir" config gc.auto 0
        git -C "$dir" pack-refs --all --prune 2>/dev/null || true
        git -C "$dir" rev-list "HEAD~$SMALL" | awk -v n="$refs" 'NR % 20 == 1 && c < n { c++; print "create refs/remotes/origin/b" c " " $1 }' \
            | git -C "$dir" update-ref --stdin
        # One new commit on each of the first PUSH_LINES tips, dated after all of them.
        git -C "$dir" for-each-ref --count="$lines" --format='%(objectname)' 'refs/remotes/origin/b*' \
            | awk '{ printf "commit refs/heads/new/%d\ncommitter Bench <bench@example.com> %d +0000\ndata <<EOF\nPAY-%d: A new branch\nEOF\nfrom %s\n\n", NR, 1700000000 + NR, NR, $1 }' \
            | git -C "$dir" fast-import --quiet
        touch "$dir/.bench-ready"
    fi
    git -C "$dir" config core.commitGraph "$([[ "$COMMIT_GRAPH" == 1 ]] && echo true || echo false)"
    local loose
    loose=$(find "$dir/.git/refs/remotes/origin" -type f | wc -l)
    (( loose >= refs )) || die "$dir has $loose loose remote-tracking refs, expected $refs"
    local zero all="$WORK/pre-push-refs.all" one="$WORK/pre-push-refs.one"
    zero=$(printf '0%.0s' $(seq 40))
    git -C "$dir" for-each-ref --format="%(refname) %(objectname) %(refname) $zero" 'refs/heads/new/' \
        | sed 's#^\(refs/heads/new/[0-9]*\) \([0-9a-f]*\) refs/heads/new/#\1 \2 refs/heads/feature/PAY-1-#' >"$all"
    head -1 "$all" >"$one"
    local tips_all tips_one
    tips_all=$(cut -d' ' -f2 "$all" | tr '\n' ' ')
    tips_one=$(cut -d' ' -f2 "$one")
    local BENCH_REPO_SAVED=$REPO
    REPO=$dir
    local input n
    for input in "$one" "$all"; do
        local rc=0
        (cd "$dir" && "$RELTAG" hook pre-push -v --format json origin x <"$input" \
            >"$WORK/last.out" 2>"$WORK/last.err") || rc=$?
        if (( rc > 1 )); then cat "$WORK/last.err" >&2; die "reltag hook pre-push exited $rc"; fi
        n=$(wc -l <"$input")
        local checked
        checked=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["checked"]; print(c["commits"], c["branches"])' "$WORK/last.out")
        [[ "$checked" == "$n $n" ]] || die "pre-push of $n new branches checked (commits, branches) $checked"
    done
    time_cmds 1 10 \
        refs_one "'$RELTAG' hook pre-push origin x <'$one' >/dev/null || true" \
        refs_one_floor "git log --format=%B $tips_one --not --remotes=origin | grep -cE '$KEY_RE' >/dev/null"
    time_cmds 1 5 \
        refs_all "'$RELTAG' hook pre-push origin x <'$all' >/dev/null || true" \
        refs_all_floor "git log --format=%B $tips_all --not --remotes=origin | grep -cE '$KEY_RE' >/dev/null"
    REPO=$BENCH_REPO_SAVED
    row time "pre-push, 1 new branch, $refs loose remote-tracking refs (floor: git log --not --remotes)" \
        refs_one refs_one_floor "ratio<=1.0"
    row time "pre-push, $n new branches, $refs loose remote-tracking refs (floor: one git log)" \
        refs_all refs_all_floor "ratio<=1.0"
    row time "  $n branches against 1 (baseline: 1 line; the remote side is resolved and walked once)" \
        refs_all refs_one info
}

# The hook paths against the peers (issue 18.5), in a small repository of its own
# ($WORK/peers, recreated each run) whose messages every tool accepts: Conventional
# Commits subjects for cog, commitlint and committed, a Jira key for reltag. Peers that
# are not installed are skipped with a message. Each command runs without a shell,
# interleaved with the others (`time_argv`). Targets: reltag's commit-msg hook, and its
# pre-push of 10 commits, at or below committed's time for the same work.
bench_peers() {
    local dir="$WORK/peers" msg="$WORK/peers.msg"
    rm -rf "$dir"
    git init -q -b main "$dir"
    git -C "$dir" config user.name bench
    git -C "$dir" config user.email bench@example.com
    git -C "$dir" config gc.auto 0
    printf 'style = "conventional"\nsubject_capitalized = false\n' >"$dir/committed.toml"
    printf "module.exports = { extends: ['@commitlint/config-conventional'] };\n" >"$dir/commitlint.config.js"
    cat >"$msg" <<'MSG'
feat: keep the cursor on a full last page

The previous behaviour dropped the last page when the total was a
multiple of the page size. This keeps the cursor until the server
says it is done.

Refs: PAY-1234
MSG
    local i
    for i in $(seq 1 12); do
        sed "s/PAY-1234/PAY-$i/" "$msg" | git -C "$dir" commit -q --allow-empty -F -
    done
    local peers=() missing=()
    peer() { # name, command (env override) or default on PATH
        local name=$1 cmd=$2
        if [[ -n "$cmd" ]] && command -v "$cmd" >/dev/null 2>&1; then
            peers+=("$name=$(command -v "$cmd")")
        else
            missing+=("$name")
        fi
    }
    peer committed "${COMMITTED:-committed}"
    peer cog "${COG:-cog}"
    peer gitlint "${GITLINT:-gitlint}"
    peer commitlint "${COMMITLINT:-commitlint}"
    (( ${#missing[@]} == 0 )) || say "peers: not installed, skipped: ${missing[*]} (see bench/README.md)"
    local tip base zero line="$WORK/peers.push"
    tip=$(git -C "$dir" rev-parse HEAD)
    base=$(git -C "$dir" rev-parse HEAD~10)
    echo "refs/heads/main $tip refs/heads/feature/PAY-1-peers $base" >"$line"
    local msg_cmds=() range_cmds=() p name path
    json() { python3 -c 'import json,sys; print(json.dumps({"argv": sys.argv[2:], "stdin": sys.argv[1] or None}))' "$@"; }
    msg_cmds+=(peer_msg_true "$(json '' true "$msg")")
    msg_cmds+=(peer_msg_reltag "$(json '' "$RELTAG" hook commit-msg "$msg")")
    range_cmds+=(peer_range_floor "$(json '' sh -c "git log --format=%B HEAD~10..HEAD | grep -cE '$KEY_RE' >/dev/null")")
    range_cmds+=(peer_range_reltag "$(json "$line" "$RELTAG" hook pre-push origin x)")
    range_cmds+=(peer_range_reltag_check "$(json '' "$RELTAG" check commits HEAD~10..HEAD)")
    for p in "${peers[@]}"; do
        name=${p%%=*}; path=${p#*=}
        case "$name" in
            committed)
                msg_cmds+=(peer_msg_committed "$(json '' "$path" --commit-file "$msg")")
                range_cmds+=(peer_range_committed "$(json '' "$path" HEAD~10..HEAD)") ;;
            cog)
                msg_cmds+=(peer_msg_cog "$(json '' "$path" verify --file "$msg")")
                range_cmds+=(peer_range_cog "$(json '' "$path" check HEAD~10..HEAD)") ;;
            gitlint)
                msg_cmds+=(peer_msg_gitlint "$(json '' "$path" --msg-filename "$msg")")
                range_cmds+=(peer_range_gitlint "$(json '' "$path" --commits HEAD~10..HEAD)") ;;
            commitlint)
                # The shared config resolves from the repository: point it at the
                # node_modules commitlint was installed in.
                ln -sfn "$(cd "$(dirname "$(readlink -f "$path")")/../.." && pwd)" "$dir/node_modules"
                msg_cmds+=(peer_msg_commitlint "$(json '' "$path" --edit "$msg")")
                range_cmds+=(peer_range_commitlint "$(json '' "$path" --from HEAD~10 --to HEAD)") ;;
        esac
    done
    # Every command must accept the work as it stands: a refusal would time its report.
    local BENCH_REPO_SAVED=$REPO
    REPO=$dir
    (cd "$dir" && python3 "$UTIL" accepts "${msg_cmds[@]}" "${range_cmds[@]}") \
        || die "a peer refused the benchmark's messages (see above)"
    time_argv 3 30 "${msg_cmds[@]}"
    time_argv 3 30 "${range_cmds[@]}"
    REPO=$BENCH_REPO_SAVED
    local have_committed=0
    [[ " ${peers[*]} " == *" committed="* ]] && have_committed=1
    if (( have_committed )); then
        row time "commit-msg on one message: reltag hook commit-msg (baseline: committed --commit-file)" \
            peer_msg_reltag peer_msg_committed "ratio<=1.0"
        row time "pre-push of 10 commits: reltag hook pre-push (baseline: committed HEAD~10..HEAD)" \
            peer_range_reltag peer_range_committed "ratio<=1.0"
    else
        row time "commit-msg on one message: reltag hook commit-msg (floor: true)" \
            peer_msg_reltag peer_msg_true info
        row time "pre-push of 10 commits: reltag hook pre-push (floor: git log | grep)" \
            peer_range_reltag peer_range_floor info
    fi
    row time "  commit-msg: the floor, true" peer_msg_true - info
    for p in "${peers[@]}"; do
        name=${p%%=*}
        row time "  commit-msg: $name (against reltag's hook)" "peer_msg_$name" peer_msg_reltag info
    done
    row time "  10 commits: the floor, git log --format=%B | grep -c" peer_range_floor - info
    row time "  10 commits: reltag check commits HEAD~10..HEAD (against the floor)" \
        peer_range_reltag_check peer_range_floor info
    for p in "${peers[@]}"; do
        name=${p%%=*}
        row time "  10 commits: $name (against reltag's pre-push)" "peer_range_$name" peer_range_reltag info
    done
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
