//! `git::walk`: the range walk against real git on histories whose dates lie, with and
//! without a commit-graph file, and with one that lies.
//!
//! Each history is built with `git fast-import` (exact dates, one tag per commit). For
//! every range the walk is compared with two answers from git itself:
//! - the truth: `git rev-list INCLUDE` minus `git rev-list EXCLUDE`, whole histories
//!   subtracted, which no date can fool;
//! - git's own range walk, `git rev-list INCLUDE --not EXCLUDE` without a commit-graph,
//!   which, like ours by date, stops a few commits after the dates say it may.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use gix::ObjectId;
use reltag::git::CommitInfo;
use reltag::git::walk::{Released, Visit, Walker};

fn git(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.unwrap_or_default().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A commit of a test history: its name (also its tag and its message), its parents'
/// names and its committer time in seconds.
struct C(&'static str, &'static [&'static str], i64);

/// A repository holding `history` (parents before children), each commit tagged with its
/// name; `git gc` and friends stay out of the way.
fn build(dir: &Path, history: &[C]) {
    fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q", "-b", "main"], None);
    git(dir, &["config", "gc.auto", "0"], None);
    add(dir, history);
}

/// Adds commits to a repository made by `build` (parents may be earlier commits).
fn add(dir: &Path, history: &[C]) {
    let mut stream = String::new();
    let mut marks = std::collections::HashMap::new();
    for (mark, C(name, parents, time)) in history.iter().enumerate() {
        let mark = mark + 1;
        stream.push_str(&format!(
            "commit refs/heads/build\nmark :{mark}\ncommitter T <t@example.com> {time} +0000\ndata {}\n{name}\n",
            name.len() + 1
        ));
        // A parent from this stream by its mark, an earlier one by its tag.
        let commitish = |parent: &str| match marks.get(parent) {
            Some(mark) => format!(":{mark}"),
            None => format!("refs/tags/{parent}"),
        };
        let mut parents = parents.iter();
        match parents.next() {
            Some(first) => stream.push_str(&format!("from {}\n", commitish(first))),
            None => stream.push_str("from 0000000000000000000000000000000000000000\n"),
        }
        for other in parents {
            stream.push_str(&format!("merge {}\n", commitish(other)));
        }
        stream.push_str(&format!("\nreset refs/tags/{name}\nfrom :{mark}\n\n"));
        marks.insert(*name, mark);
    }
    stream.push_str("done\n");
    git(
        dir,
        &["fast-import", "--quiet", "--force", "--done"],
        Some(&stream),
    );
}

fn id(dir: &Path, name: &str) -> ObjectId {
    let hex = git(dir, &["rev-parse", &format!("{name}^0")], None);
    ObjectId::from_hex(hex.trim().as_bytes()).unwrap()
}

fn names(dir: &Path, ids: impl IntoIterator<Item = ObjectId>) -> BTreeSet<String> {
    ids.into_iter()
        .map(|i| {
            git(dir, &["log", "-1", "--format=%s", &i.to_string()], None)
                .trim()
                .to_string()
        })
        .collect()
}

fn rev_list(dir: &Path, args: &[&str]) -> BTreeSet<String> {
    let mut all = vec!["-c", "core.commitGraph=false", "rev-list", "--format=%s"];
    all.extend_from_slice(args);
    git(dir, &all, None)
        .lines()
        .filter(|l| !l.starts_with("commit "))
        .map(str::to_string)
        .collect()
}

/// What no date can fool: everything below `include`, minus everything below `exclude`.
fn truth(dir: &Path, include: &[&str], exclude: &[&str]) -> BTreeSet<String> {
    let mut set = rev_list(dir, include);
    if !exclude.is_empty() {
        for hidden in rev_list(dir, exclude) {
            set.remove(&hidden);
        }
    }
    set
}

/// git's own range walk (dates and slop, no commit-graph).
fn git_range(dir: &Path, include: &[&str], exclude: &[&str]) -> BTreeSet<String> {
    let mut args: Vec<&str> = include.to_vec();
    if !exclude.is_empty() {
        args.push("--not");
        args.extend_from_slice(exclude);
    }
    rev_list(dir, &args)
}

fn open(dir: &Path) -> gix::Repository {
    gix::open_opts(dir, gix::open::Options::isolated()).unwrap()
}

/// Walks `include ^exclude` with a fresh walker; `graph` says which order it must use.
fn walk(dir: &Path, include: &[&str], exclude: &[&str], graph: bool) -> BTreeSet<String> {
    let repo = open(dir);
    let mut walker = Walker::new(&repo).unwrap();
    assert_eq!(walker.by_generation(), graph, "the order of the walk");
    let include: Vec<ObjectId> = include.iter().map(|n| id(dir, n)).collect();
    let exclude: Vec<ObjectId> = exclude.iter().map(|n| id(dir, n)).collect();
    let exclude = walker.tips(&exclude).unwrap();
    let mut messages = Vec::new();
    let count = walker
        .range(&include, &exclude, |c| {
            messages.push(String::from_utf8(c.message).unwrap().trim().to_string())
        })
        .unwrap();
    assert_eq!(count, messages.len());
    let unique: BTreeSet<String> = messages.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        messages.len(),
        "each commit once: {messages:?}"
    );
    // A visitor that takes the commits a walk by date cannot decide yet gets the same
    // commits, in the same order.
    let mut holder = Holder::default();
    walker.visit(&include, &exclude, &mut holder).unwrap();
    assert_eq!(holder.in_range, messages, "a visitor that holds commits");
    // Without messages, the same commits.
    let ids = walker.ids(&include, &exclude).unwrap();
    assert_eq!(names(dir, ids), unique, "ids() and range() agree");
    unique
}

/// Holds every commit it is offered, and lists the range as the walk decides it.
#[derive(Default)]
struct Holder {
    held: Vec<String>,
    in_range: Vec<String>,
}

fn text(info: &CommitInfo) -> String {
    String::from_utf8(info.message.clone())
        .unwrap()
        .trim()
        .to_string()
}

impl Visit for Holder {
    fn commit(&mut self, _: ObjectId, info: Option<CommitInfo>) -> Result<(), reltag::git::Error> {
        self.in_range
            .push(text(&info.expect("a walk for messages")));
        Ok(())
    }

    fn holds(&self) -> bool {
        true
    }

    fn hold(&mut self, info: CommitInfo) -> u32 {
        self.held.push(text(&info));
        self.held.len() as u32 - 1
    }

    /// Every other held commit is asked for again: the walk reads it once more and hands
    /// it to `commit`, in the same place of the order.
    fn release(&mut self, _: ObjectId, ticket: u32) -> Result<Released, reltag::git::Error> {
        if ticket % 2 == 1 {
            return Ok(Released::Again);
        }
        self.in_range.push(self.held[ticket as usize].clone());
        Ok(Released::Done)
    }
}

fn write_graph(dir: &Path) {
    git(dir, &["commit-graph", "write", "--reachable"], None);
    assert!(dir.join(".git/objects/info/commit-graph").is_file());
}

fn remove_graph(dir: &Path) {
    fs::remove_file(dir.join(".git/objects/info/commit-graph")).unwrap();
}

/// Checks each range by date (no file), then by generation (a file for the whole
/// history): both give git's range walk's answer and the truth.
fn check_exact(dir: &Path, ranges: &[(&[&str], &[&str])]) {
    for &(include, exclude) in ranges {
        let expected = truth(dir, include, exclude);
        assert_eq!(
            git_range(dir, include, exclude),
            expected,
            "the history is meant to be one git gets right: {include:?} ^{exclude:?}"
        );
        assert_eq!(
            walk(dir, include, exclude, false),
            expected,
            "by date: {include:?} ^{exclude:?}"
        );
    }
    write_graph(dir);
    for &(include, exclude) in ranges {
        assert_eq!(
            walk(dir, include, exclude, true),
            truth(dir, include, exclude),
            "by generation: {include:?} ^{exclude:?}"
        );
    }
    remove_graph(dir);
}

#[test]
fn every_commit_in_the_same_second() {
    // Scripts and fast rebases: a feature branch that merged main, all at one time.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let t = 1_700_000_000;
    build(
        dir,
        &[
            C("base", &[], t),
            C("m1", &["base"], t),
            C("m2", &["m1"], t),
            C("m3", &["m2"], t),
            C("m4", &["m3"], t),
            C("m5", &["m4"], t),
            C("f1", &["base"], t),
            C("merge", &["f1", "m5"], t),
            C("f2", &["merge"], t),
        ],
    );
    check_exact(
        dir,
        &[
            (&["f2"], &["m5"]),
            (&["m5"], &["f2"]),
            (&["m5"], &["f1"]),
            (&["f2", "m5"], &["base"]),
            (&["f2"], &[]),
            (&["m3"], &["m3"]),
        ],
    );
    assert_eq!(
        walk(dir, &["f2"], &["m5"], false),
        ["f1", "f2", "merge"].map(String::from).into()
    );
}

#[test]
fn clocks_that_run_backwards_within_the_slop() {
    // The hidden side's newest commits are dated years later than what they lead to,
    // and the included side runs backwards: a commit older than its parent.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    build(
        dir,
        &[
            C("root", &[], 1_000),
            C("h1", &["root"], 9_000),
            C("h2", &["h1"], 9_000),
            C("h3", &["h2"], 9_000),
            C("h4", &["h3"], 50),
            C("f1", &["h2"], 1_500),
            C("f2", &["f1"], 1_200),
            C("f3", &["f2"], 1_100),
            C("side", &["root"], 3_000),
            C("both", &["f3", "side"], 900),
        ],
    );
    check_exact(
        dir,
        &[
            (&["f3"], &["h4"]),
            (&["both"], &["h4"]),
            (&["both"], &["side"]),
            (&["h4"], &["both"]),
            (&["side"], &["f1"]),
        ],
    );
    assert_eq!(
        walk(dir, &["both"], &["h4"], false),
        ["both", "f1", "f2", "f3", "side"].map(String::from).into()
    );
}

#[test]
fn generation_numbers_are_exact_where_the_slop_runs_out() {
    // Seven hidden commits dated before everything they lead to: git's range walk (and
    // ours by date) stops after five and reports commits the hidden side has. With a
    // commit-graph the walk has generation numbers and is exact.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    build(
        dir,
        &[
            C("root", &[], 1_000),
            C("h1", &["root"], 2_000),
            C("h2", &["h1"], 2_000),
            C("h3", &["h2"], 100),
            C("h4", &["h3"], 100),
            C("h5", &["h4"], 100),
            C("h6", &["h5"], 100),
            C("h7", &["h6"], 100),
            C("h8", &["h7"], 100),
            C("h9", &["h8"], 100),
            C("f1", &["h1"], 1_500),
        ],
    );
    let (include, exclude): (&[&str], &[&str]) = (&["f1"], &["h9"]);
    let git_says = git_range(dir, include, exclude);
    let really = truth(dir, include, exclude);
    assert_eq!(really, ["f1"].map(String::from).into());
    assert_ne!(git_says, really, "git's slop is meant to run out here");
    assert_eq!(
        walk(dir, include, exclude, false),
        git_says,
        "by date: as git"
    );
    write_graph(dir);
    assert_eq!(walk(dir, include, exclude, true), really, "by generation");
}

#[test]
fn commits_made_after_the_commit_graph_was_written() {
    // The file covers the old history; new commits (a merge among them, and a hidden tip
    // the file lacks) are numbered from their parents.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let t = 1_700_000_000;
    build(
        dir,
        &[
            C("a", &[], t),
            C("b", &["a"], t),
            C("c", &["b"], t),
            C("x", &["a"], t),
        ],
    );
    write_graph(dir);
    add(
        dir,
        &[
            C("d", &["c"], t),
            C("y", &["x"], t),
            C("m", &["d", "y"], t),
            C("e", &["m"], t),
            C("z", &["y"], t - 500),
            C("old", &["b"], t + 10_000),
        ],
    );
    for (include, exclude) in [
        (&["e"][..], &["c"][..]),
        (&["e"], &["z"]),
        (&["e"], &["old"]),
        (&["z", "old"], &["a"]),
        (&["e"], &[]),
        (&["c"], &["e"]),
    ] {
        assert_eq!(
            walk(dir, include, exclude, true),
            truth(dir, include, exclude),
            "{include:?} ^{exclude:?}"
        );
    }
    // One walker for several ranges, as the pre-push hook uses it.
    let repo = open(dir);
    let mut walker = Walker::new(&repo).unwrap();
    let hidden = walker.tips(&[id(dir, "z"), id(dir, "old")]).unwrap();
    for tip in ["e", "m", "d", "y"] {
        let ids = walker.ids(&[id(dir, tip)], &hidden).unwrap();
        assert_eq!(names(dir, ids), truth(dir, &[tip], &["z", "old"]), "{tip}");
    }
}

/// Rewrites the generation number of each commit the commit-graph file holds, as
/// `generation(old)` says (the file's checksum is not checked when it is read).
fn patch_generations(dir: &Path, generation: impl Fn(&str, u32) -> u32) {
    let path = dir.join(".git/objects/info/commit-graph");
    let mut data = fs::read(&path).unwrap();
    assert_eq!(&data[..4], b"CGPH");
    let chunks = data[6] as usize;
    let offset_of = |data: &[u8], id: &[u8; 4]| {
        (0..chunks)
            .map(|i| &data[8 + 12 * i..8 + 12 * (i + 1)])
            .find(|entry| &entry[..4] == id)
            .map(|entry| u64::from_be_bytes(entry[4..12].try_into().unwrap()) as usize)
            .unwrap()
    };
    let (oids, commits) = (offset_of(&data, b"OIDL"), offset_of(&data, b"CDAT"));
    let count = (commits - oids) / 20;
    for i in 0..count {
        let hex = ObjectId::from_bytes_or_panic(&data[oids + 20 * i..oids + 20 * (i + 1)]);
        let name = git(dir, &["log", "-1", "--format=%s", &hex.to_string()], None);
        let at = commits + 36 * i + 28;
        let word = u32::from_be_bytes(data[at..at + 4].try_into().unwrap());
        let new = (generation(name.trim(), word >> 2) << 2) | (word & 3);
        data[at..at + 4].copy_from_slice(&new.to_be_bytes());
    }
    // git writes the file read-only.
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&path, data).unwrap();
}

fn linear(dir: &Path) {
    build(
        dir,
        &[
            C("PAY-1", &[], 1_000),
            C("PAY-2", &["PAY-1"], 1_000),
            C("nokey", &["PAY-2"], 1_000),
            C("PAY-4", &["nokey"], 1_000),
        ],
    );
}

#[test]
fn a_commit_graph_whose_numbers_do_not_fall_is_undecided() {
    // A commit numbered below its parent: the order of the walk proves nothing, so the
    // check cannot decide (exit 3) and says how to repair the file.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    linear(dir);
    write_graph(dir);
    patch_generations(dir, |name, old| if name == "PAY-4" { 1 } else { old });
    let out = Command::new(env!("CARGO_BIN_EXE_reltag"))
        .args(["check", "commits", "PAY-1..PAY-4"])
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("commit-graph"), "{stderr}");
    assert!(
        stderr.contains("git commit-graph write --reachable"),
        "{stderr}"
    );
}

#[test]
fn a_commit_graph_without_generation_numbers_is_walked_by_date() {
    // git before 2.18 wrote zeros where the numbers go.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    linear(dir);
    write_graph(dir);
    patch_generations(dir, |_, _| 0);
    assert_eq!(
        walk(dir, &["PAY-4"], &["PAY-2"], true),
        ["PAY-4", "nokey"].map(String::from).into()
    );
}

/// Walks each range in `order` with one walker that keeps its hidden side, and checks
/// each against `expected`.
fn keep_hidden_side(
    dir: &Path,
    graph: bool,
    hidden: &[&str],
    order: &[&str],
    expected: impl Fn(&str) -> BTreeSet<String>,
) {
    let repo = open(dir);
    let mut walker = Walker::new(&repo).unwrap();
    assert_eq!(walker.by_generation(), graph);
    walker.keep_hidden_side();
    let ids: Vec<ObjectId> = hidden.iter().map(|n| id(dir, n)).collect();
    let tips = walker.tips(&ids).unwrap();
    for tip in order {
        let mut got = Vec::new();
        walker
            .range(&[id(dir, tip)], &tips, |c| {
                got.push(String::from_utf8(c.message).unwrap().trim().to_string())
            })
            .unwrap();
        let set: BTreeSet<String> = got.iter().cloned().collect();
        assert_eq!(set.len(), got.len(), "each commit once");
        assert_eq!(set, expected(tip), "{tip} ^{hidden:?}, graph: {graph}");
    }
}

#[test]
fn walks_that_keep_the_hidden_side_give_what_fresh_walks_give() {
    // A push of many new branches: one walker, the same hidden tips, the ranges in every
    // order (deep after shallow, shallow after deep, the same one twice).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let t = 1_700_000_000;
    build(
        dir,
        &[
            C("root", &[], t),
            C("m1", &["root"], t + 10),
            C("m2", &["m1"], t + 20),
            C("m3", &["m2"], t + 5),
            C("m4", &["m3"], t + 40),
            C("old", &["root"], t + 1),
            C("a1", &["m2"], t + 30),
            C("a2", &["a1"], t + 30),
            C("b1", &["a2"], t),
            C("c1", &["m4"], t + 50),
            C("d1", &["old"], t + 60),
            C("merge", &["c1", "a2"], t + 30),
            C("e1", &["m1"], t - 100),
        ],
    );
    let hidden = ["m4", "old"];
    let tips = [
        "a1", "a2", "b1", "c1", "d1", "merge", "e1", "m3", "m4", "root",
    ];
    let orders: [Vec<&str>; 3] = [
        tips.to_vec(),
        tips.iter().rev().copied().collect(),
        ["root", "merge", "a1", "merge", "e1", "b1"].to_vec(),
    ];
    for order in &orders {
        keep_hidden_side(dir, false, &hidden, order, |tip| {
            walk(dir, &[tip], &hidden, false)
        });
    }
    write_graph(dir);
    for order in &orders {
        keep_hidden_side(dir, true, &hidden, order, |tip| truth(dir, &[tip], &hidden));
    }
}

/// `REV~N` and `REV^N` are followed by reltag itself (gix's parser walks far slower):
/// each resolves to what `git rev-parse` says, and what git refuses is refused.
#[test]
fn ancestry_steps_resolve_as_git_resolves_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    build(
        dir,
        &[
            C("a", &[], 1000),
            C("b", &["a"], 1001),
            C("c", &["b"], 1002),
            C("d", &["a"], 1003),
            C("m", &["c", "d"], 1004),
            C("e", &["m"], 1005),
        ],
    );
    git(
        dir,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.com",
            "tag",
            "-a",
            "-m",
            "annotated",
            "v1.0.0",
            "e",
        ],
        None,
    );
    let repo = reltag::git::Repo::discover(dir).unwrap();
    for spec in [
        "e~1",
        "e~2",
        "e~3",
        "e~4",
        "e^",
        "e^^",
        "e^0",
        "m^2",
        "m^2~1",
        "e~1^2",
        "e~1^1~1",
        "v1.0.0~2",
        "v1.0.0^{commit}~1",
        "main~0",
        "e~5",
        "m^3",
        "e~1^3",
        "a~1",
        "nope~1",
        "e^2",
    ] {
        let ours = repo.resolve_commit(spec).ok().map(|id| id.to_string());
        let theirs = Command::new("git")
            .args(["rev-parse", "--verify", "-q", &format!("{spec}^{{commit}}")])
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        let theirs = theirs
            .status
            .success()
            .then(|| String::from_utf8(theirs.stdout).unwrap().trim().to_string());
        assert_eq!(ours, theirs, "{spec}");
    }
}

/// A history long enough for the walk to read commits straight from the pack, with
/// commits git stores as deltas, loose commits and a replaced commit: the walk gives
/// every message `git log` shows, in git's order.
#[test]
fn packed_deltified_loose_and_replaced_commits_read_as_git_reads_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q", "-b", "main"], None);
    git(dir, &["config", "gc.auto", "0"], None);
    let long = "lorem ipsum dolor sit amet ".repeat(40);
    let mut stream = String::new();
    for i in 0..300 {
        let message = match i % 3 {
            0 => format!("PAY-{i} short\n"),
            1 => format!("PAY-{i} long\n\n{long}\n"),
            _ => format!("no key {i}\n\nbody {}\n", "x".repeat(i)),
        };
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{}\ncommitter T <t@example.com> {} +0000\ndata {}\n{message}\n",
            i + 1,
            1_000 + i,
            message.len()
        ));
        if i > 0 {
            stream.push_str(&format!("from :{i}\n\n"));
        }
    }
    git(dir, &["fast-import", "--quiet"], Some(&stream));
    git(dir, &["repack", "-adfq", "--window=50", "--depth=50"], None);
    let all = git(dir, &["rev-list", "main"], None);
    let bases = git(dir, &["cat-file", "--batch-check=%(deltabase)"], Some(&all));
    let deltas = bases.lines().filter(|b| !b.starts_with("0000000")).count();
    assert!(
        (10..250).contains(&deltas),
        "{deltas} of 300 commits are deltas"
    );
    // Loose commits on top, and one commit in the middle replaced by another message.
    let identity = ["-c", "user.name=T", "-c", "user.email=t@example.com"];
    for i in 0..3 {
        let mut args = identity.to_vec();
        args.extend(["commit", "-q", "--allow-empty", "-m"]);
        let message = format!("PAY-{} loose", 300 + i);
        args.push(&message);
        git(dir, &args, None);
    }
    let log = || -> Vec<String> {
        git(dir, &["log", "-z", "--format=%B", "main"], None)
            .split_terminator('\0')
            .map(|m| m.trim().to_string())
            .collect()
    };
    let original = log();
    // The commit replaced is one the pack holds whole (a delta is read through gix).
    let whole = (150..200)
        .find(|n| {
            let base = git(dir, &["rev-parse", &format!("main~{n}")], None);
            let base = git(
                dir,
                &["cat-file", "--batch-check=%(deltabase)"],
                Some(&base),
            );
            base.starts_with("0000000")
        })
        .expect("a commit stored whole");
    let old = git(dir, &["rev-parse", &format!("main~{whole}")], None);
    let old = old.trim();
    let mut args = identity.to_vec();
    let (tree, parent) = (
        format!("main~{whole}^{{tree}}"),
        format!("main~{}", whole + 1),
    );
    args.extend([
        "commit-tree",
        &tree,
        "-p",
        &parent,
        "-m",
        "PAY-9999 replaced",
    ]);
    let new = git(dir, &args, None);
    git(dir, &["replace", old, new.trim()], None);

    let theirs = log();
    assert_eq!(theirs.len(), 303);
    assert_eq!(
        theirs[whole], "PAY-9999 replaced",
        "git reads the replacement"
    );
    let repo = reltag::git::Repo::discover(dir).unwrap();
    let head = repo.resolve_commit("main").unwrap();
    let mut ours = Vec::new();
    repo.walk(&[head], &[], |c| {
        ours.push(String::from_utf8(c.message).unwrap().trim().to_string())
    })
    .unwrap();
    same_messages(&ours, &theirs);
    // The same with the replacement gone: read from the pack this time.
    git(dir, &["replace", "-d", old], None);
    let theirs = log();
    assert_eq!(theirs, original);
    let repo = reltag::git::Repo::discover(dir).unwrap();
    let mut ours = Vec::new();
    repo.walk(&[head], &[], |c| {
        ours.push(String::from_utf8(c.message).unwrap().trim().to_string())
    })
    .unwrap();
    same_messages(&ours, &theirs);
    // And `main~290..main`, whose hidden tip is resolved through the same reader.
    let hidden = repo.resolve_commit("main~290").unwrap();
    let mut range = Vec::new();
    repo.walk(&[head], &[hidden], |c| {
        range.push(String::from_utf8(c.message).unwrap().trim().to_string())
    })
    .unwrap();
    same_messages(&range, &theirs[..290]);
}

/// The same messages in the same order; a failure names the first that differs.
fn same_messages(ours: &[String], theirs: &[String]) {
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert_eq!(a, b, "commit {i} of the walk");
    }
    assert_eq!(ours.len(), theirs.len(), "how many commits");
}
