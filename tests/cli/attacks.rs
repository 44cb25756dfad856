//! Attacks on the output, end to end: terminal and workflow-command injection through
//! commit subjects, author names, policy values and a service's error text; branch names
//! that look like `main`; and a reader that closes the pipe. Each of these tests failed on
//! the code before the one escaper, the branch-name check and the one stdout writer.

use std::path::PathBuf;

use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{MockApi, Run, TestEnv};

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';
/// What an attacker puts in a subject: retitle the terminal, clear the screen, ring, and
/// hide the rest of the line.
const HOSTILE: &str = "PAY-1: fix \u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[8mhidden\u{1b}[0m";

/// No byte of the run's output acts on a terminal.
fn assert_inert(what: &str, run: &Run) {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains(ESC) && !text.contains(BEL) && !text.contains('\u{9b}'),
            "{what}: a raw control character reached {stream}:\n{}",
            text.escape_debug()
        );
    }
}

/// A repository whose last commit has a hostile subject and a hostile author name.
fn hostile_repo(env: &TestEnv) -> PathBuf {
    let repo = env.repo("r");
    env.git(&repo, &["config", "user.email", "dev@example.com"]);
    env.commit(&repo, "PAY-1: start");
    env.git(&repo, &["tag", "-a", "-m", "v1.0.0", "v1.0.0"]);
    std::fs::write(repo.join("msg"), format!("{HOSTILE}\n")).unwrap();
    let out = env.git_env(
        &repo,
        &["commit", "-q", "--allow-empty", "-F", "msg"],
        &[("GIT_AUTHOR_NAME", "Mallory \u{1b}[31mRoot\u{7}s")],
    );
    assert!(out.status.success(), "{out:?}");
    std::fs::remove_file(repo.join("msg")).unwrap();
    repo
}

#[test]
fn notes_never_print_a_control_character_in_any_format() {
    let env = TestEnv::new();
    let repo = hostile_repo(&env);
    for format in ["human", "json", "github"] {
        let run = env.reltag(&repo, &["--format", format, "notes"]);
        assert_eq!(run.code, 0, "{}", run.render());
        assert_inert(&format!("notes --format {format}"), &run);
    }
    let human = env.reltag(&repo, &["notes"]);
    assert!(
        human
            .stdout
            .contains("- PAY-1: fix \\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{1b}[8mhidden\\u{1b}[0m ("),
        "the subject is shown, escaped:\n{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("Contributors: Mallory \\u{1b}[31mRoot\\u{7}s"),
        "{}",
        human.stdout
    );
    // The json is lossless: the document gives the subject back exactly.
    let json = env.reltag(&repo, &["--format", "json", "notes"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let subject = doc["release_notes"]["issues"][0]["commits"][0]["subject"]
        .as_str()
        .unwrap();
    assert_eq!(subject, HOSTILE);
}

#[test]
fn the_annotated_tag_cut_writes_carries_no_control_character() {
    let env = TestEnv::new();
    let repo = hostile_repo(&env);
    std::fs::write(
        repo.join("policy.toml"),
        "[commits]\nrequire_jira = false\n[branches]\nprotected = []\n[tags]\nrelease_branch = \"main\"\n",
    )
    .unwrap();
    let dry = env.reltag(
        &repo,
        &[
            "--policy",
            "policy.toml",
            "cut",
            "v1.0.1",
            "--dry-run",
            "--no-push",
        ],
    );
    assert_inert("cut --dry-run", &dry);
    // The tree is dirty with the policy file: commit it so that the cut may proceed.
    env.git(&repo, &["add", "policy.toml"]);
    env.commit(&repo, "PAY-2: policy");
    let cut = env.reltag(&repo, &["cut", "v1.0.1", "--no-push"]);
    assert_eq!(cut.code, 0, "{}", cut.render());
    assert_inert("cut", &cut);
    let message = env.git(&repo, &["cat-file", "tag", "v1.0.1"]);
    assert!(
        !message.contains(ESC) && !message.contains(BEL),
        "the tag message holds raw controls:\n{}",
        message.escape_debug()
    );
    assert!(message.contains("\\u{1b}]0;pwned"), "{message}");
}

#[test]
fn github_annotations_and_summary_escape_terminal_and_workflow_controls() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-2-x"]);
    env.commit(
        &repo,
        "fix \u{1b}[31mred\u{1b}[0m\u{7}\u{2028}::error::forged\u{85}::add-mask::x",
    );
    let summary = env.path("summary.md");
    let run = env.reltag_with(
        &repo,
        &["check"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
        None,
    );
    assert_eq!(run.code, 1, "{}", run.render());
    assert_inert("check --format github", &run);
    for line in run.stdout.lines() {
        assert!(
            !line.contains('\u{2028}') && !line.contains('\u{85}'),
            "a line separator reached the log: {}",
            line.escape_debug()
        );
        if line.starts_with("::") {
            assert!(
                line.starts_with("::error title=reltag (commit-jira)::"),
                "{line}"
            );
        }
    }
    assert!(run.stdout.contains("fix \\u{1b}[31mred"), "{}", run.stdout);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        !md.contains(ESC) && !md.contains('\u{2028}'),
        "{}",
        md.escape_debug()
    );
}

#[test]
fn every_format_escapes_a_hostile_subject_in_findings() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-2-x"]);
    env.commit(&repo, "no key \u{1b}]0;pwned\u{7} \u{202e}txt.exe\u{200b}");
    for format in ["human", "json", "github"] {
        let run = env.reltag(&repo, &["--format", format, "check"]);
        assert_eq!(run.code, 1, "{}", run.render());
        assert_inert(&format!("check --format {format}"), &run);
        assert!(
            !run.stdout.contains('\u{202e}') && !run.stdout.contains('\u{200b}'),
            "{format}: an invisible character reached the output:\n{}",
            run.stdout.escape_debug()
        );
    }
    let json = env.reltag(&repo, &["--format", "json", "check"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        doc["findings"][0]["subject"]["summary"],
        "no key \u{1b}]0;pwned\u{7} \u{202e}txt.exe\u{200b}",
        "json keeps the text exactly"
    );
}

#[test]
fn an_error_quoting_a_policy_regex_prints_no_control_character() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    // TOML's \u001b is a raw ESC in the value; the regex is invalid (an unclosed group), so
    // the error quotes it.
    std::fs::write(
        repo.join("policy.toml"),
        "[commits]\nsubject_pattern = \"^\\u001b]0;pwned\\u0007(unclosed\"\n",
    )
    .unwrap();
    let run = env.reltag(&repo, &["check"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert_inert("check with a hostile policy regex", &run);
    // The regex's text holds control characters, so the input layer quotes none of it;
    // the error still names the place and the problem.
    assert!(run.stderr.contains("policy.toml:2:19"), "{}", run.stderr);
    assert!(run.stderr.contains("unclosed group"), "{}", run.stderr);
    let listed = env.reltag(&repo, &["check", "policy"]);
    assert_eq!(listed.code, 2, "{}", listed.render());
    assert_inert("check policy with a hostile regex", &listed);
}

#[test]
fn jiras_error_text_is_escaped() {
    let env = TestEnv::new();
    let jira = MockApi::start();
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "errorMessages": ["bad \u{1b}]0;pwned\u{7}\u{1b}[2J query"],
                "errors": {}
            }))),
    );
    let dir = env.repo("r");
    std::fs::write(
        dir.join("policy.toml"),
        format!(
            "[release.bugs]\njql = \"fixVersion = {{version}}\"\n[jira]\nurl = \"{}\"\nflavor = \"cloud\"\n",
            jira.uri()
        ),
    )
    .unwrap();
    let run = env.reltag_with(
        &dir,
        &["check", "bugs", "1.4.0"],
        &[
            ("JIRA_EMAIL", "rm@example.com"),
            ("JIRA_API_TOKEN", "s3cret"),
            ("RELTAG_HTTP_RETRY_BASE_MS", "1"),
        ],
        None,
    );
    assert_eq!(run.code, 3, "{}", run.render());
    assert_inert("check bugs with a hostile Jira error", &run);
    assert!(run.stderr.contains("bad \\u{1b}]0;pwned"), "{}", run.stderr);
}

// ------------------------------------------------------------------ look-alike branch names

#[test]
fn branch_names_with_invisible_characters_are_refused_and_shown_escaped() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    // A policy that lets any one-segment name through: only the characters decide.
    std::fs::write(repo.join("policy.toml"), "[branches]\nallowed = [\"*\"]\n").unwrap();
    for (c, code) in [
        ('\u{200b}', "U+200B"),
        ('\u{200d}', "U+200D"),
        ('\u{2060}', "U+2060"),
        ('\u{feff}', "U+FEFF"),
        ('\u{2028}', "U+2028"),
        ('\u{2029}', "U+2029"),
        ('\u{00ad}', "U+00AD"),
        ('\u{3164}', "U+3164"),
    ] {
        let name = format!("ma{c}in");
        let run = env.reltag(&repo, &["check", "branch", &name]);
        assert_eq!(run.code, 1, "{code}: {}", run.render());
        assert!(
            run.stdout.contains(&format!(
                "error[branch-name] the branch name contains the invisible control character {code}"
            )),
            "{code}: {}",
            run.stdout
        );
        assert!(!run.stdout.contains(c), "{code} reached the output");
        assert!(
            run.stdout
                .contains(&format!("branch ma\\u{{{:x}}}in", c as u32)),
            "{}",
            run.stdout
        );
    }
    // A plain name still passes.
    assert_eq!(env.reltag(&repo, &["check", "branch", "main"]).code, 0);
}

#[test]
fn a_look_alike_of_main_is_refused_by_check_and_the_pre_push_hook() {
    let env = TestEnv::new();
    let origin = env.bare("origin.git");
    let repo = env.repo("r");
    std::fs::write(
        repo.join("policy.toml"),
        "[branches]\nallowed = [\"*\"]\nprotected = [\"main\"]\n",
    )
    .unwrap();
    env.git(&repo, &["add", "policy.toml"]);
    env.commit(&repo, "PAY-1: start");
    env.git(
        &repo,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    env.git(&repo, &["push", "-q", "origin", "main"]);
    env.git(&repo, &["fetch", "-q", "origin"]);
    let lookalike = "main\u{200b}";
    env.git(&repo, &["switch", "-q", "-c", lookalike]);
    env.commit(&repo, "PAY-2: change");
    let check = env.reltag(&repo, &["check"]);
    assert_eq!(check.code, 1, "{}", check.render());
    assert!(
        check.stdout.contains("branch main\\u{200b}"),
        "{}",
        check.stdout
    );

    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    let zero = "0".repeat(40);
    let line = format!("refs/heads/{lookalike} {head} refs/heads/{lookalike} {zero}\n");
    let push = env.reltag_with(
        &repo,
        &["hook", "pre-push", "origin", origin.to_str().unwrap()],
        &[],
        Some(line.as_bytes()),
    );
    assert_eq!(push.code, 1, "{}", push.render());
    assert!(
        push.stdout.contains("invisible control character U+200B"),
        "{}",
        push.stdout
    );
}

// ------------------------------------------------------------------ a closed pipe

fn assert_closed_pipe_keeps(what: &str, run: &Run, code: i32) {
    assert_eq!(
        run.code, code,
        "{what}: with a closed stdout the exit code must stay the verdict's:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
}

fn release_repo(env: &TestEnv) -> (PathBuf, PathBuf) {
    let origin = env.bare("origin.git");
    let repo = env.repo("r");
    std::fs::write(
        repo.join("policy.toml"),
        "[commits]\nrequire_jira = false\n[tags]\nrelease_branch = \"main\"\n[roles]\nops = [\"dev@example.com\"]\n[environments.staging]\ndeployers = [\"ops\"]\n",
    )
    .unwrap();
    env.git(&repo, &["add", "policy.toml"]);
    env.commit(&repo, "PAY-1: start");
    env.git(
        &repo,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    env.git(&repo, &["push", "-q", "origin", "main"]);
    env.git(&repo, &["config", "user.email", "dev@example.com"]);
    (origin, repo)
}

#[test]
fn a_closed_pipe_keeps_the_exit_code_of_every_command() {
    let env = TestEnv::new();
    let (_origin, repo) = release_repo(&env);
    let cut = env.reltag(&repo, &["cut", "v1.0.0"]);
    assert_eq!(cut.code, 0, "{}", cut.render());
    let promoted = env.reltag(&repo, &["promote", "v1.0.0", "--to", "staging"]);
    assert_eq!(promoted.code, 0, "{}", promoted.render());
    env.commit(&repo, "PAY-2: more");

    let mut failed = Vec::new();
    for (args, code) in [
        (vec!["explain"], 0),
        (vec!["explain", "commit-jira"], 0),
        (vec!["log"], 0),
        (vec!["log", "--offline"], 0),
        (vec!["status"], 0),
        (vec!["notes"], 0),
        (vec!["notes", "v1.0.0"], 0),
        (vec!["cut", "v1.1.0", "--dry-run"], 0),
        (vec!["cut", "v1.2.0", "--dry-run"], 1),
        (vec!["check"], 0),
        (vec!["check", "branch", "my fix"], 1),
        (vec!["--format", "json", "log"], 0),
        (vec!["--format", "json", "status"], 0),
        (vec!["--format", "json", "cut", "v1.2.0", "--dry-run"], 1),
        (vec!["--format", "github", "notes"], 0),
    ] {
        let run = env.reltag_closed_stdout(&repo, &args, &[]);
        if run.code != code || run.stderr.contains("panicked") {
            failed.push(format!(
                "reltag {}: exit {} (the verdict is {code})",
                args.join(" "),
                run.code
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "with a closed stdout the exit code must stay the verdict's:\n{}",
        failed.join("\n")
    );
}

#[test]
fn a_closed_pipe_on_a_long_report_stops_the_writing_not_the_verdict() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-2-x"]);
    for i in 0..200 {
        env.commit(&repo, &format!("change {i} without a key"));
    }
    for format in ["human", "json", "github"] {
        let run = env.reltag_closed_stdout(&repo, &["--format", format, "check"], &[]);
        assert_closed_pipe_keeps(&format!("check --format {format}"), &run, 1);
    }
}
