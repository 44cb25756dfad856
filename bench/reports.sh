#!/usr/bin/env bash
# reltag report benchmarks: a JMeter JTL file (and an LCOV report) of SIZE MB read by
# `reltag evidence record`, timed against `wc -l` on the same file in the same run, with
# the peak memory of both. Self-contained; reuses bench/lib/benchutil.py (time, mem,
# table). See bench/README.md ("Reports").
#
#   bench/reports.sh                   # 100 MB and 1024 MB
#   SIZES="100" bench/reports.sh       # one size
#   RELTAG=/path/to/reltag bench/reports.sh
#
# Environment: RELTAG (binary; default target/release/reltag under CARGO_TARGET_DIR or
# the repo, built if missing), SIZES (MB, space-separated), RUNS (5), BENCH_WORK (cache
# dir, default bench/work). The generated files are cached in $BENCH_WORK/reports.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
SIZES=${SIZES:-100 1024}
RUNS=${RUNS:-5}
WORK=${BENCH_WORK:-$BENCH_DIR/work}/reports
UTIL="$BENCH_DIR/lib/benchutil.py"
# The target of issue 18: a JTL file read in bounded memory, whatever its size.
TARGET_MIB=100
export LC_ALL=C

die() { echo "bench: $*" >&2; exit 2; }
say() { echo "== $*" >&2; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required"; }

setup() {
    need git
    need python3
    need wc
    mkdir -p "$WORK"
    RESULTS="$WORK/results.jsonl"
    ROWS="$WORK/rows.tsv"
    : >"$RESULTS"
    : >"$ROWS"
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
    # A repository of one commit whose policy reads the reports; every run records one
    # evidence event locally (--no-push), which costs a millisecond or two.
    REPO="$WORK/repo"
    rm -rf "$REPO"
    git init -q -b main "$REPO"
    cat >"$REPO/policy.toml" <<'EOF'
[commits]
require_jira = false
[release]
criteria = ["coverage", "perf"]
[release.coverage]
min_percent = 0.0
[release.perf]
p95_ms = 60000
max_error_percent = 100.0
EOF
    git -C "$REPO" add policy.toml
    git -C "$REPO" -c user.name=bench -c user.email=bench@example.com commit -q -m "PAY-1: bench"
    git -C "$REPO" config user.email bench@example.com
    git -C "$REPO" config user.name bench
}

# gen_jtl MB FILE: a JTL file with JMeter's default header and 17 columns, about 85
# bytes a row (100 MB ≈ 1.2 million samples), deterministic: 12 labels, latencies
# spread from 1 ms to ~30 s with a long tail, 1 % errors.
gen_jtl() {
    python3 - "$1" "$2" <<'EOF'
import sys
mb, path = int(sys.argv[1]), sys.argv[2]
labels = [f"{m} /api/{r}" for m in ("GET", "POST") for r in ("payments", "orders", "users", "search", "cart", "login")]
target = mb * 1000 * 1000
seed = 12345
def rand():
    global seed
    seed = (seed * 6364136223846793005 + 1442695040888963407) % (1 << 64)
    return seed >> 33
with open(path, "w", buffering=1 << 20) as f:
    f.write("timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect\n")
    written, ts, rows = 0, 1732449600000, []
    while written < target:
        r = rand()
        elapsed = 20 + r % 400 if r % 50 else 400 + (r >> 7) % 30000
        ok = r % 100 != 0
        label = labels[(r >> 3) % len(labels)]
        ts += r % 7
        row = f"{ts},{elapsed},{label},{200 if ok else 500},{'OK' if ok else 'Error'},T 1-{r % 50},text,{'true' if ok else 'false'},,{1500 + r % 90},120,50,50,,{elapsed - 2},0,{r % 9}\n"
        rows.append(row)
        written += len(row)
        if len(rows) == 10000:
            f.write("".join(rows))
            rows = []
    f.write("".join(rows))
EOF
}

# gen_lcov MB FILE: an LCOV report of files of 2,000 lines each, 90 % hit.
gen_lcov() {
    python3 - "$1" "$2" <<'EOF'
import sys
mb, path = int(sys.argv[1]), sys.argv[2]
target = mb * 1000 * 1000
with open(path, "w", buffering=1 << 20) as f:
    written, n = 0, 0
    while written < target:
        block = [f"TN:\nSF:/src/app/src/module_{n}.rs\n"]
        block += [f"DA:{line},{0 if line % 10 == 0 else line % 97 + 1}\n" for line in range(1, 2001)]
        block.append("LF:2000\nLH:1800\nend_of_record\n")
        text = "".join(block)
        f.write(text)
        written += len(text)
        n += 1
EOF
}

# cached KIND MB: the path of the generated file, generated once.
cached() {
    local kind=$1 mb=$2 ext=jtl file
    [[ "$kind" == lcov ]] && ext=info
    file="$WORK/$kind-${mb}MB.$ext"
    if [[ ! -f "$file" ]]; then
        say "generating a $mb MB $kind file in $file (once; cached)"
        "gen_$kind" "$mb" "$file.tmp.$$"
        mv "$file.tmp.$$" "$file"
    fi
    echo "$file"
}

row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS"; }

# Runs reltag once and insists that it decided (0 or 1): 2 or 3 would time an error path.
reltag_decides() {
    local rc=0
    (cd "$REPO" && "$RELTAG" "$@" >"$WORK/last.out" 2>"$WORK/last.err") || rc=$?
    if (( rc > 1 )); then
        cat "$WORK/last.err" >&2
        die "reltag $* exited $rc (expected 0 or 1)"
    fi
    cat "$WORK/last.out" >&2
}

bench_one() {
    local kind=$1 mb=$2 criterion file samples
    case "$kind" in
        jtl) criterion=perf ;;
        lcov) criterion=coverage ;;
    esac
    file=$(cached "$kind" "$mb")
    samples=$(( $(wc -l <"$file") - 1 ))
    say "$kind, $mb MB ($samples lines)"
    local cmd=("$RELTAG" evidence record "$criterion" --report "$file" --no-push)
    reltag_decides "${cmd[@]:1}"
    local key="${kind}_$mb"
    (cd "$REPO" && python3 "$UTIL" time "$RESULTS" 1 "$RUNS" \
        "$key" "${cmd[*]} >/dev/null 2>&1" \
        "${key}_floor" "wc -l $file >/dev/null" \
        "${key}_sha" "sha256sum $file >/dev/null")
    (cd "$REPO" && python3 "$UTIL" mem "$RESULTS" 3 "${key}_mem" -- "${cmd[@]}")
    python3 "$UTIL" mem "$RESULTS" 3 "${key}_mem_floor" -- wc -l "$file"
    row time "evidence record $criterion, $mb MB $kind (floor: wc -l)" "$key" "${key}_floor" info
    row time "  the same against sha256sum (reltag also digests the file)" "$key" "${key}_sha" info
    row mem "peak RSS, $mb MB $kind (floor: wc -l)" "${key}_mem" "${key}_mem_floor" info
    row anon "peak heap (RssAnon), $mb MB $kind (floor: wc -l)" "${key}_mem" "${key}_mem_floor" info
}

main() {
    setup
    say "reltag: $RELTAG"
    for mb in $SIZES; do
        bench_one jtl "$mb"
    done
    bench_one lcov "$(echo "$SIZES" | awk '{print $1}')"
    echo
    python3 "$UTIL" table "$RESULTS" "$ROWS"
    echo
    # The memory target, checked on every JTL size.
    python3 - "$RESULTS" "$TARGET_MIB" $SIZES <<'EOF'
import json, sys
results, target, sizes = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
res = {}
for line in open(results):
    r = json.loads(line)
    res[r["key"]] = r
for mb in sizes:
    r = res.get(f"jtl_{mb}_mem")
    if r is None:
        continue
    peak = r["maxrss_kb"] / 1024
    verdict = "ok" if peak < target else "MISS"
    print(f"target: {mb} MB JTL in under {target:g} MiB peak RSS: {peak:.1f} MiB {verdict}")
EOF
}

main "$@"
