//! Files from outside — reports, artifacts, the policy — against the attacks on them:
//! a committed symlink out of the working tree, `/dev/zero`, FIFOs, oversized files, and
//! numbers that wrap, are NaN or cannot be true. Every run is bounded in time and memory
//! (`reltag_limited`), so an attack that works makes the test fail, not hang.

use std::path::{Path, PathBuf};

use crate::common::{Run, TestEnv};

/// Looks like a GitHub token, as an attacker hopes to find in the environment.
const SECRET: &str = "ghp_R3lt4gT3stS3cr3tT0k3nAbCdEf012345";

/// Seconds and MiB of address space for one run: far above what a working run needs.
const SECONDS: u32 = 60;
const MEMORY_MIB: u64 = 2048;

fn policy(criteria: &str, extra: &str) -> String {
    format!(
        r#"[commits]
require_jira = false
[release]
criteria = [{criteria}]
{extra}
[release.coverage]
min_percent = 90.0
report = "coverage/lcov.info"
[release.perf]
report = "perf/results.jtl"
p95_ms = 200
"#
    )
}

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

/// A bare remote and a clone `a` on release/v1.0.0 of a first commit holding the policy
/// and what `prepare` writes into the seed.
fn setup(env: &TestEnv, policy: &str, prepare: impl FnOnce(&Path)) -> PathBuf {
    let origin = env.bare("origin.git");
    let seed = env.repo("seed");
    std::fs::write(seed.join("policy.toml"), policy).unwrap();
    std::fs::write(seed.join("CHANGELOG.md"), "# 1.0.0\n").unwrap();
    prepare(&seed);
    env.git(&seed, &["add", "."]);
    env.commit(&seed, "PAY-1: feat: first release");
    env.git(&seed, &["branch", "release/v1.0.0"]);
    let origin = origin.to_str().unwrap();
    env.git(&seed, &["push", "-q", origin, "main", "release/v1.0.0"]);
    env.git(
        env.tmp.path(),
        &["clone", "-q", "-b", "release/v1.0.0", origin, "a"],
    );
    env.path("a")
}

/// A clone whose reports are git-ignored, with the fixture `coverage` as its coverage
/// report (`None`: none).
fn with_reports(env: &TestEnv, policy: &str, coverage: Option<&str>) -> PathBuf {
    let a = setup(env, policy, |seed| {
        std::fs::write(seed.join(".gitignore"), "coverage/\nperf/\n.env\n").unwrap();
    });
    std::fs::create_dir_all(a.join("coverage")).unwrap();
    std::fs::create_dir_all(a.join("perf")).unwrap();
    if let Some(name) = coverage {
        std::fs::copy(
            fixture(&format!("coverage/{name}")),
            a.join("coverage/lcov.info"),
        )
        .unwrap();
    }
    a
}

fn cut(env: &TestEnv, dir: &Path) -> Run {
    env.reltag_limited(
        dir,
        &["cut", "v1.0.0", "--dry-run"],
        &[("DEPLOY_TOKEN", SECRET)],
        SECONDS,
        MEMORY_MIB,
    )
}

fn assert_no_secret(run: &Run) {
    let all = run.render();
    assert!(
        !all.contains(SECRET) && !all.contains("ghp_") && !all.contains("DEPLOY_TOKEN"),
        "a secret was printed:\n{all}"
    );
}

fn assert_has(run: &Run, texts: &[&str]) {
    for text in texts {
        assert!(
            run.render().contains(text),
            "missing {text:?}:\n{}",
            run.render()
        );
    }
}

fn has_ledger(env: &TestEnv, dir: &Path) -> bool {
    env.git_output(dir, &["rev-parse", "--verify", "-q", "refs/reltag/ledger"])
        .status
        .success()
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn a_committed_report_symlink_to_the_environment_is_refused_and_none_of_it_printed() {
    let env = TestEnv::new();
    let a = setup(&env, &policy("\"coverage\"", ""), |seed| {
        std::fs::create_dir_all(seed.join("coverage")).unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", seed.join("coverage/lcov.info")).unwrap();
    });
    let run = cut(&env, &a);
    assert_eq!(run.code, 3, "{}", run.render());
    assert_has(
        &run,
        &[
            "coverage/lcov.info\n",
            "error[release-coverage] the coverage report cannot be read: it leads outside the working tree",
            "coverage (needs ≥ 90%) undecided",
        ],
    );
    assert_no_secret(&run);
}

#[cfg(unix)]
#[test]
fn a_report_symlink_into_git_config_is_refused_and_its_token_not_printed() {
    let env = TestEnv::new();
    let a = setup(&env, &policy("\"coverage\"", ""), |seed| {
        std::fs::create_dir_all(seed.join("coverage")).unwrap();
        std::os::unix::fs::symlink("../.git/config", seed.join("coverage/lcov.info")).unwrap();
    });
    // What actions/checkout leaves in .git/config.
    env.git(
        &a,
        &[
            "config",
            "http.https://github.com/.extraheader",
            &format!("AUTHORIZATION: basic {SECRET}"),
        ],
    );
    let run = cut(&env, &a);
    assert_eq!(run.code, 3, "{}", run.render());
    assert_has(
        &run,
        &[
            "error[release-coverage] the coverage report cannot be read: it is inside a .git directory",
        ],
    );
    assert_no_secret(&run);
}

#[cfg(unix)]
#[test]
fn a_report_that_is_really_an_env_file_is_unreadable_and_its_secrets_are_not_quoted() {
    let env = TestEnv::new();
    // A symlink inside the working tree is allowed; what it leads to is read as a report.
    let a = setup(&env, &policy("\"coverage\"", ""), |seed| {
        std::fs::write(seed.join(".gitignore"), ".env\n").unwrap();
        std::fs::create_dir_all(seed.join("coverage")).unwrap();
        std::os::unix::fs::symlink("../.env", seed.join("coverage/lcov.info")).unwrap();
    });
    std::fs::write(a.join(".env"), format!("GITHUB_TOKEN={SECRET}\n")).unwrap();
    let run = cut(&env, &a);
    assert_eq!(run.code, 3, "{}", run.render());
    assert_has(
        &run,
        &[
            "coverage/lcov.info:1",
            "error[release-coverage] the coverage report cannot be read: `[redacted]` is not an LCOV line",
        ],
    );
    assert_no_secret(&run);
}

#[test]
fn dev_zero_as_a_report_is_refused_at_once_whoever_names_it() {
    let env = TestEnv::new();
    let a = with_reports(&env, &policy("\"coverage\"", ""), None);
    let run = env.reltag_limited(
        &a,
        &[
            "evidence",
            "record",
            "coverage",
            "--report",
            "/dev/zero",
            "--no-push",
        ],
        &[],
        SECONDS,
        MEMORY_MIB,
    );
    assert_eq!(run.code, 3, "{}", run.render());
    assert_has(
        &run,
        &[
            "/dev/zero\n",
            "error[release-coverage] the coverage report cannot be read: it is a character device, not a regular file",
        ],
    );
    assert!(!has_ledger(&env, &a), "nothing is recorded");

    // The policy may not name it either: it is outside the working tree.
    std::fs::write(
        a.join("policy.toml"),
        policy("\"coverage\"", "").replace("coverage/lcov.info", "/dev/zero"),
    )
    .unwrap();
    env.git(&a, &["commit", "-qam", "PAY-2: report from /dev/zero"]);
    let run = cut(&env, &a);
    assert_eq!(run.code, 3, "{}", run.render());
    assert_has(
        &run,
        &[
            "error[release-coverage] the coverage report cannot be read: it leads outside the working tree",
        ],
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_report_is_refused_without_waiting_for_a_writer() {
    let env = TestEnv::new();
    let a = with_reports(
        &env,
        &policy("\"coverage\", \"perf\"", ""),
        Some("lcov-pass.info"),
    );
    mkfifo(&a.join("perf/results.jtl"));
    let run = cut(&env, &a);
    assert_eq!(run.code, 3, "{}", run.render());
    assert_has(
        &run,
        &[
            "coverage 95% ≥ 90% ok",
            "perf/results.jtl\n",
            "error[release-perf] the perf report cannot be read: it is a FIFO (named pipe), not a regular file",
        ],
    );
    let run = env.reltag_limited(
        &a,
        &[
            "evidence",
            "record",
            "perf",
            "--report",
            "perf/results.jtl",
            "--no-push",
        ],
        &[],
        SECONDS,
        MEMORY_MIB,
    );
    assert_eq!(run.code, 3, "{}", run.render());
    assert_has(&run, &["error[release-perf]", "it is a FIFO (named pipe)"]);
    assert!(!has_ledger(&env, &a), "nothing is recorded");
}

#[cfg(unix)]
#[test]
fn a_fifo_policy_is_an_error_naming_it_never_a_hang_or_the_default() {
    let env = TestEnv::new();
    let a = with_reports(&env, &policy("\"coverage\"", ""), Some("lcov-pass.info"));
    mkfifo(&a.join("policy.fifo"));
    let run = env.reltag_limited(
        &a,
        &["--policy", "policy.fifo", "cut", "v1.0.0", "--dry-run"],
        &[],
        SECONDS,
        MEMORY_MIB,
    );
    assert_eq!(run.code, 2, "{}", run.render());
    assert_eq!(
        run.stderr,
        "error: cannot read the policy file [TMP]/a/policy.fifo\n\
         caused by: it is a FIFO (named pipe), not a regular file; reltag reads only regular files\n\
         hint: check the path: [TMP]/a/policy.fifo\n",
        "{}",
        run.render()
    );
    // policy.toml itself a FIFO: refused, not silently replaced by the default policy.
    std::fs::remove_file(a.join("policy.toml")).unwrap();
    mkfifo(&a.join("policy.toml"));
    let run = env.reltag_limited(&a, &["check", "policy"], &[], SECONDS, MEMORY_MIB);
    assert_eq!(run.code, 2, "{}", run.render());
    assert_has(
        &run,
        &[
            "cannot read the policy file [TMP]/a/policy.toml",
            "it is a FIFO",
        ],
    );
}

#[cfg(unix)]
#[test]
fn a_policy_symlink_out_of_the_working_tree_is_refused() {
    let env = TestEnv::new();
    let a = setup(&env, "", |_| {});
    std::fs::remove_file(a.join("policy.toml")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", a.join("policy.toml")).unwrap();
    let run = env.reltag_limited(
        &a,
        &["check", "policy"],
        &[("DEPLOY_TOKEN", SECRET)],
        SECONDS,
        MEMORY_MIB,
    );
    assert_eq!(run.code, 2, "{}", run.render());
    assert_has(
        &run,
        &[
            "cannot read the policy file",
            "it leads outside the working tree",
        ],
    );
    assert_no_secret(&run);
}

#[test]
fn a_report_over_the_configured_limit_is_unreadable() {
    let env = TestEnv::new();
    let limited = policy("\"coverage\"", "max_file_size = \"1KiB\"");
    let a = with_reports(&env, &limited, None);
    let mut lcov = String::from("SF:src/main.rs\n");
    for line in 1..=200 {
        lcov.push_str(&format!("DA:{line},1\n"));
    }
    lcov.push_str("end_of_record\n");
    assert!(lcov.len() > 1024);
    std::fs::write(a.join("coverage/lcov.info"), &lcov).unwrap();
    let run = cut(&env, &a);
    assert_eq!(run.code, 3, "{}", run.render());
    assert_has(
        &run,
        &[
            "error[release-coverage] the coverage report cannot be read: it is larger than 1 KiB, the limit set by [release] max_file_size",
        ],
    );
    // Under the default limit the same report counts.
    std::fs::write(a.join("policy.toml"), policy("\"coverage\"", "")).unwrap();
    env.git(&a, &["commit", "-qam", "PAY-2: default limit"]);
    let run = cut(&env, &a);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_has(&run, &["coverage 100% ≥ 90% ok"]);
}

#[test]
fn a_bad_size_limit_is_a_policy_error_at_its_line() {
    let env = TestEnv::new();
    let a = with_reports(
        &env,
        &policy("\"coverage\"", "max_file_size = \"0MB\""),
        None,
    );
    let run = env.reltag_limited(&a, &["check", "policy"], &[], SECONDS, MEMORY_MIB);
    assert_eq!(run.code, 2, "{}", run.render());
    assert_has(
        &run,
        &["policy.toml:5:17", "a size of 0 would refuse every file"],
    );
}

#[test]
fn an_oversized_policy_is_an_error_naming_it() {
    let env = TestEnv::new();
    let a = with_reports(&env, &policy("\"coverage\"", ""), Some("lcov-pass.info"));
    let mut text = policy("\"coverage\"", "");
    while text.len() <= 1 << 20 {
        text.push_str("# a comment that makes the policy file very large indeed\n");
    }
    std::fs::write(a.join("big.toml"), &text).unwrap();
    let run = env.reltag_limited(
        &a,
        &["--policy", "big.toml", "cut", "v1.0.0", "--dry-run"],
        &[],
        SECONDS,
        MEMORY_MIB,
    );
    assert_eq!(run.code, 2, "{}", run.render());
    assert_has(
        &run,
        &[
            "cannot read the policy file [TMP]/a/big.toml",
            "caused by: it is larger than 1 MiB, the fixed limit for a policy file",
        ],
    );
}

/// A coverage report whose numbers cannot be true is undecided (exit 3) with its rule,
/// never a pass, and `evidence record` records nothing.
fn assert_unreadable_coverage(fixture_name: &str, message: &str) {
    let env = TestEnv::new();
    let a = with_reports(&env, &policy("\"coverage\"", ""), Some(fixture_name));
    let run = cut(&env, &a);
    assert_eq!(run.code, 3, "{fixture_name}: {}", run.render());
    assert_has(
        &run,
        &[
            "coverage (needs ≥ 90%) undecided",
            &format!("error[release-coverage] the coverage report cannot be read: {message}"),
        ],
    );
    assert!(!run.stdout.contains("coverage 100%"), "{}", run.render());
    let run = env.reltag_limited(
        &a,
        &["evidence", "record", "coverage", "--no-push"],
        &[],
        SECONDS,
        MEMORY_MIB,
    );
    assert_eq!(run.code, 3, "{fixture_name}: {}", run.render());
    assert!(!has_ledger(&env, &a), "{fixture_name}: nothing is recorded");
}

#[test]
fn an_lcov_count_that_would_wrap_the_total_is_undecided_not_100_percent() {
    // LF:2^64-1 LH:0 plus LF:2 LH:1 once summed to 1 line, 1 covered: "100%, pass".
    assert_unreadable_coverage(
        "lcov-overflow.info",
        "/src/app/src/generated.rs: LF 18446744073709551615 is not a plausible number of lines",
    );
}

#[test]
fn an_llvm_cov_count_that_would_wrap_the_total_is_undecided() {
    assert_unreadable_coverage(
        "llvm-cov-overflow.json",
        "not an llvm-cov JSON export: data[0].totals.lines: count 18446744073709551615 is not a plausible number of lines",
    );
}

#[test]
fn nan_hits_in_cobertura_are_undecided_not_covered() {
    assert_unreadable_coverage(
        "cobertura-nan.xml",
        "hits=\"NaN\" is not a count (a number ≥ 0: not NaN, infinite or negative)",
    );
}

#[test]
fn a_jacoco_counter_that_would_wrap_is_undecided() {
    assert_unreadable_coverage(
        "jacoco-overflow.xml",
        "missed 18446744073709551615 is not a plausible number of lines",
    );
}

#[test]
fn an_impossible_jmeter_latency_is_undecided_not_a_measurement() {
    let env = TestEnv::new();
    let a = with_reports(&env, &policy("\"perf\"", ""), None);
    std::fs::copy(fixture("jmeter/overflow.jtl"), a.join("perf/results.jtl")).unwrap();
    let run = cut(&env, &a);
    assert_eq!(run.code, 3, "{}", run.render());
    assert_has(
        &run,
        &[
            "perf/results.jtl:3",
            "error[release-perf] the perf report cannot be read: elapsed 18446744073709551615 ms is more than 49 days: not a real sample",
        ],
    );
}

#[cfg(unix)]
#[test]
fn an_artifact_that_is_a_device_or_a_fifo_is_refused_without_reading_it() {
    let env = TestEnv::new();
    let policy = "[commits]\nrequire_jira = false\n[environments.staging]\n";
    let a = setup(&env, policy, |_| {});
    mkfifo(&a.join("app.fifo"));
    for (artifact, kind) in [
        ("/dev/zero", "a character device"),
        ("app.fifo", "a FIFO (named pipe)"),
    ] {
        let run = env.reltag_limited(
            &a,
            &[
                "promote",
                "v1.0.0",
                "--to",
                "staging",
                "--artifact",
                artifact,
                "--offline",
            ],
            &[],
            SECONDS,
            MEMORY_MIB,
        );
        assert_eq!(run.code, 2, "{artifact}: {}", run.render());
        assert_has(
            &run,
            &[&format!(
                "error: cannot read artifact {artifact}: it is {kind}, not a regular file"
            )],
        );
    }
}
