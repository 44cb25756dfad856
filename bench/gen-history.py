#!/usr/bin/env python3
"""Writes a `git fast-import` stream for the reltag benchmark repository.

Deterministic: the same COMMITS gives byte-identical output (fixed seed, fixed dates),
so every machine benchmarks the same history.

    python3 bench/gen-history.py COMMITS [TAG_AT] | git fast-import --quiet

History: one linear branch `main` of COMMITS commits, each changing one of a few files,
an annotated tag `v1.0.0` on commit TAG_AT (default: the middle one), and a branch
`bench-base` of one commit on the root commit that `main` never merged (so
`bench-base..main` is every commit but the root, with a hidden side). Messages:
  ~85% `KEY-123: subject` (a few with the key only in the body, e.g. `Refs: KEY-1`),
  ~15% without a key (typos, "wip", look-alikes such as UTF-8 and SHA-256),
  ~35% with a multi-line body, and a few exempt commits (`Revert "…"`, `fixup! …`).
"""
import random
import sys

COMMITS = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
TAG_AT = int(sys.argv[2]) if len(sys.argv) > 2 else COMMITS // 2
SEED = 20240611
EPOCH = 1_600_000_000  # 2020-09-13, then one commit every 7 minutes

PROJECTS = ["PAY", "OPS", "WEB", "CORE", "API", "MOB", "DATA", "SEC", "INFRA", "QA"]
VERBS = ["Add", "Fix", "Remove", "Update", "Refactor", "Document", "Test", "Rename",
         "Speed up", "Handle", "Validate", "Log", "Guard", "Simplify", "Split"]
THINGS = ["payment API", "login flow", "retry logic", "invoice export", "user settings",
          "rate limiter", "search index", "CSV import", "session cache", "webhook handler",
          "audit log", "currency rounding", "feature flag", "health check", "db migration",
          "error messages", "timeout handling", "pagination", "SSO callback", "report job"]
TAILS = ["", "", "", " for EU customers", " in the worker", " on retries", " when empty",
         " behind a flag", " (follow-up)", " after review"]
NO_KEY = ["wip", "fix typo", "Fix build", "Bump UTF-8 handling to SHA-256", "cleanup",
          "More tests", "Address review comments", "Update dependencies", "oops",
          "Merge fixes from staging"]
BODY = ["The previous behaviour dropped the last page when the total was a multiple",
        "of the page size. This keeps the cursor until the server says it is done.",
        "Callers that relied on the old default must now pass it explicitly.",
        "Tested against the staging data set; no change in p95 latency.",
        "See the design note in docs/adr/0042 for the alternatives considered.",
        "This also removes a dead branch that could never be reached since v0.9.",
        "Co-authored-by: Alex Example <alex@example.com>",
        "Reviewed-by: Sam Example <sam@example.com>",
        "No functional change for users of the public API."]
AUTHORS = [("Alex Example", "alex@example.com"), ("Sam Example", "sam@example.com"),
           ("Kim Example", "kim@example.com"), ("Robin Example", "robin@example.com")]
FILES = [f"src/module{i:02}.txt" for i in range(20)] + ["README.md", "CHANGELOG.md"]


def message(rng, n):
    key = f"{rng.choice(PROJECTS)}-{rng.randint(1, 9999)}"
    subject = f"{rng.choice(VERBS)} {rng.choice(THINGS)}{rng.choice(TAILS)}"
    r = rng.random()
    body_lines = []
    if r < 0.70:
        first = f"{key}: {subject}"
    elif r < 0.78:
        first = f"[{key}] {subject}"
    elif r < 0.83:  # key only in the body
        first = subject
        body_lines.append(f"Refs: {key}")
    elif r < 0.85:  # exempt by the default policy
        first = rng.choice([f'Revert "{key}: {subject}"', f"fixup! {key}: {subject}"])
    else:  # no key at all
        first = rng.choice(NO_KEY) if rng.random() < 0.6 else subject
    if rng.random() < 0.35:
        body_lines = rng.sample(BODY, rng.randint(1, 4)) + body_lines
    text = first + "\n"
    if body_lines:
        text += "\n" + "\n".join(body_lines) + "\n"
    return text


def data(out, payload: bytes):
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


def main():
    rng = random.Random(SEED)
    out = sys.stdout.buffer
    for n in range(1, COMMITS + 1):
        name, email = AUTHORS[rng.randrange(len(AUTHORS))]
        when = EPOCH + n * 420
        out.write(b"commit refs/heads/main\n")
        out.write(b"mark :%d\n" % n)
        out.write(f"author {name} <{email}> {when} +0000\n".encode())
        out.write(f"committer {name} <{email}> {when} +0000\n".encode())
        data(out, message(rng, n).encode())
        if n > 1:
            out.write(b"from :%d\n" % (n - 1))
        path = FILES[rng.randrange(len(FILES))]
        out.write(f"M 100644 inline {path}\n".encode())
        data(out, f"change {n}\n".encode())
        out.write(b"\n")
        if n == TAG_AT:
            out.write(b"tag v1.0.0\n")
            out.write(b"from :%d\n" % n)
            out.write(f"tagger Release Bot <release@example.com> {when} +0000\n".encode())
            data(out, b"Release v1.0.0\n")
    # The hidden side of `bench-base..main`: one commit on the root, dated just after it,
    # so a walk by date meets it only after all of main.
    when = EPOCH + 420 + 1
    out.write(b"commit refs/heads/bench-base\n")
    out.write(f"author Sam Example <sam@example.com> {when} +0000\n".encode())
    out.write(f"committer Sam Example <sam@example.com> {when} +0000\n".encode())
    data(out, b"PAY-1: Start a side line that main never merges\n")
    out.write(b"from :1\n")
    out.write(b"M 100644 inline side.txt\n")
    data(out, b"side\n")
    out.write(b"\n")
    out.write(b"done\n")


if __name__ == "__main__":
    main()
