#!/usr/bin/env python3
"""Helpers for bench/run.sh: time commands, measure peak memory, print the table.

Only the standard library, so the benchmark needs nothing but python3 and git.

  benchutil.py time RESULTS WARMUP RUNS KEY CMD [KEY CMD ...]
      Runs each CMD (a shell command line, via /bin/sh -c) WARMUP times, then RUNS
      times interleaved (A B A B ... so a change in machine load hits both alike), and
      appends one JSON line per KEY to RESULTS: median/mean/stddev/min wall seconds and
      the mean CPU seconds (user + system of the children).
  benchutil.py timeargv RESULTS WARMUP RUNS KEY JSON [KEY JSON ...]
      Like `time`, for commands without a shell: each JSON is {"argv": [...], "stdin":
      FILE or null}. For commands of a few milliseconds (the hooks and their peers).
  benchutil.py accepts KEY JSON [KEY JSON ...]
      Runs each command once and fails, showing its output, unless every one exits 0.
  benchutil.py hyperfine RESULTS JSON KEY [KEY ...]
      Converts hyperfine's --export-json into the same lines.
  benchutil.py mem RESULTS RUNS KEY -- ARGV...
      Runs ARGV (no shell, stdout and stderr to /dev/null) RUNS times and records the
      peak resident set size (ru_maxrss from wait4) and the peak anonymous memory
      (RssAnon sampled from /proc/PID/status every millisecond: heap and stacks,
      without the pack files git and gix map into memory). Medians over the runs.
  benchutil.py table RESULTS ROWS
      Prints the table described by ROWS (tab-separated lines, see run.sh).
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def append(results, record):
    with open(results, "a") as f:
        f.write(json.dumps(record) + "\n")


def summary(key, times, cpu, tool):
    return {
        "key": key,
        "kind": "time",
        "tool": tool,
        "runs": len(times),
        "median": statistics.median(times),
        "mean": statistics.fmean(times),
        "stddev": statistics.stdev(times) if len(times) > 1 else 0.0,
        "min": min(times),
        "cpu": cpu,
    }


def cmd_time(results, warmup, runs, pairs):
    keys, cmds = pairs[0::2], pairs[1::2]
    devnull = subprocess.DEVNULL

    def once(cmd):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(["/bin/sh", "-c", cmd], stdin=devnull, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu

    for _ in range(warmup):
        for cmd in cmds:
            once(cmd)
    walls = {k: [] for k in keys}
    cpus = {k: [] for k in keys}
    for _ in range(runs):
        for key, cmd in zip(keys, cmds):
            wall, cpu = once(cmd)
            walls[key].append(wall)
            cpus[key].append(cpu)
    for key in keys:
        append(results, summary(key, walls[key], statistics.fmean(cpus[key]), "python"))


def run_argv(spec, capture=False):
    stdin = open(spec["stdin"], "rb") if spec.get("stdin") else subprocess.DEVNULL
    try:
        out = subprocess.PIPE if capture else subprocess.DEVNULL
        return subprocess.run(spec["argv"], stdin=stdin, stdout=out, stderr=out, check=False)
    finally:
        if stdin is not subprocess.DEVNULL:
            stdin.close()


def cmd_timeargv(results, warmup, runs, pairs):
    keys, specs = pairs[0::2], [json.loads(p) for p in pairs[1::2]]

    def once(spec):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        run_argv(spec)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu

    for _ in range(warmup):
        for spec in specs:
            once(spec)
    walls = {k: [] for k in keys}
    cpus = {k: [] for k in keys}
    for _ in range(runs):
        for key, spec in zip(keys, specs):
            wall, cpu = once(spec)
            walls[key].append(wall)
            cpus[key].append(cpu)
    for key in keys:
        append(results, summary(key, walls[key], statistics.fmean(cpus[key]), "python"))


def cmd_accepts(pairs):
    failed = False
    for key, spec in zip(pairs[0::2], pairs[1::2]):
        spec = json.loads(spec)
        proc = run_argv(spec, capture=True)
        if proc.returncode != 0:
            failed = True
            sys.stderr.write(f"{key}: {spec['argv']} exited {proc.returncode}\n")
            sys.stderr.write(proc.stdout.decode(errors="replace"))
            sys.stderr.write(proc.stderr.decode(errors="replace"))
    if failed:
        raise SystemExit(1)


def cmd_hyperfine(results, path, keys):
    with open(path) as f:
        doc = json.load(f)
    for key, r in zip(keys, doc["results"]):
        append(results, summary(key, r["times"], r["user"] + r["system"], "hyperfine"))


def rss_anon_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cmd_mem(results, runs, key, argv):
    maxrss, anon = [], []
    for _ in range(runs):
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak_anon = None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            a = rss_anon_kb(proc.pid)
            if a is not None:
                peak_anon = max(peak_anon or 0, a)
            time.sleep(0.001)
        proc.returncode = os.waitstatus_to_exitcode(status)
        maxrss.append(usage.ru_maxrss)  # KiB on Linux
        if peak_anon is not None:
            anon.append(peak_anon)
    append(results, {
        "key": key,
        "kind": "mem",
        "runs": runs,
        "exit": proc.returncode,
        "maxrss_kb": statistics.median(maxrss),
        "anon_kb": statistics.median(anon) if anon else None,
    })


def fmt_time(s):
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.3f} s"
    return f"{s * 1000:.1f} ms"


def fmt_kb(kb):
    if kb is None:
        return "-"
    return f"{kb / 1024:.1f} MiB"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}"


def cmd_table(results, rows_path):
    res = {}
    with open(results) as f:
        for line in f:
            r = json.loads(line)
            res[r["key"]] = r
    rows = []
    with open(rows_path) as f:
        for line in f:
            if line.strip():
                rows.append(line.rstrip("\n").split("\t"))

    head = ["benchmark", "reltag", "floor (or baseline)", "ratio", "cpu ratio", "target", "verdict"]
    out = []
    for kind, label, key, floor, target in rows:
        a = res.get(key)
        b = res.get(floor) if floor != "-" else None
        if kind == "time":
            va = a and a["median"]
            vb = b and b["median"]
            r = ratio(va, vb)
            cr = ratio(a and a["cpu"], b and b["cpu"])
            cells = [label, fmt_time(va), fmt_time(vb) if b else "-", fmt_ratio(r),
                     fmt_ratio(cr)]
        elif kind in ("mem", "anon"):
            field = "maxrss_kb" if kind == "mem" else "anon_kb"
            va = a and a.get(field)
            vb = b and b.get(field)
            r = ratio(va, vb)
            cells = [label, fmt_kb(va), fmt_kb(vb) if b else "-", fmt_ratio(r), "-"]
        else:
            raise SystemExit(f"unknown row kind {kind}")
        verdict = ""
        if target.startswith("ratio<="):
            limit = float(target.split("<=")[1])
            verdict = "-" if r is None else ("ok" if r <= limit else "MISS")
            target_txt = f"ratio <= {limit:g}"
        elif target.startswith("ms<="):
            limit = float(target.split("<=")[1])
            verdict = "-" if va is None else ("ok" if va * 1000 <= limit else "MISS")
            target_txt = f"<= {limit:g} ms"
        elif target.startswith("over<="):
            # Within LIMIT ms of the floor (median wall time).
            limit = float(target.split("<=")[1])
            verdict = "-" if va is None or vb is None else (
                "ok" if (va - vb) * 1000 <= limit else "MISS")
            target_txt = f"floor + {limit:g} ms"
        elif target.startswith("mib<="):
            limit = float(target.split("<=")[1])
            verdict = "-" if va is None else ("ok" if va / 1024 <= limit else "MISS")
            target_txt = f"<= {limit:g} MiB"
        elif target.startswith("flat<="):
            limit = float(target.split("<=")[1])
            verdict = "-" if r is None else ("ok" if r <= limit else "MISS")
            target_txt = f"growth <= {limit:g}x"
        else:
            target_txt, verdict = "(info)", ""
        out.append(cells + [target_txt, verdict])
    widths = [max(len(str(row[i])) for row in [head] + out) for i in range(len(head))]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in out:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "time":
        cmd_time(args[0], int(args[1]), int(args[2]), args[3:])
    elif cmd == "timeargv":
        cmd_timeargv(args[0], int(args[1]), int(args[2]), args[3:])
    elif cmd == "accepts":
        cmd_accepts(args)
    elif cmd == "hyperfine":
        cmd_hyperfine(args[0], args[1], args[2:])
    elif cmd == "mem":
        sep = args.index("--")
        cmd_mem(args[0], int(args[1]), args[2], args[sep + 1:])
    elif cmd == "table":
        cmd_table(args[0], args[1])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
