//! Policy errors: every kind, each with its exact line:column, exit 2.

use crate::common::TestEnv;

/// Writes `policy` into a fresh repo and returns `check policy`'s output and exit code.
fn check(policy: &str) -> (String, i32) {
    let env = TestEnv::new();
    let repo = env.repo("r");
    std::fs::write(repo.join("policy.toml"), policy).unwrap();
    let run = env.reltag(&repo, &["check", "policy"]);
    (run.stdout, run.code)
}

#[test]
fn every_kind_of_policy_error_names_line_column_text_and_expectation() {
    let cases: &[(&str, &str)] = &[
        // TOML syntax.
        (
            "[branches\n",
            "policy.toml:1:10\n  error[policy] unclosed table, expected `]`",
        ),
        // Unknown key.
        (
            "[commits]\nrequire_jiraa = true\n",
            "policy.toml:2:1\n  error[policy] unknown field `require_jiraa`, expected one of",
        ),
        // Wrong type.
        (
            "[commits]\nrequire_jira = \"yes\"\n",
            "policy.toml:2:16\n  error[policy] invalid type: string \"yes\", expected a boolean",
        ),
        // Unknown enum value.
        (
            "[commits]\njira_in = \"body\"\n",
            "policy.toml:2:11\n  error[policy] unknown variant `body`, expected `subject` or `message`",
        ),
        // A regex that does not compile: one line, at the character the parser blames.
        (
            "[commits]\nsubject_pattern = '(feat'\n",
            "policy.toml:2:20\n  error[policy] invalid regular expression: unclosed group (at character 1 of the pattern)\n      |\n    2 | subject_pattern = '(feat'\n      |                    ^\n",
        ),
        // A regex over the size limit.
        (
            "[commits]\nsubject_pattern = '(\\w{100}){100}'\n",
            "policy.toml:2:19\n  error[policy] invalid regular expression: the pattern compiles to more than 1048576 bytes: expected a simpler pattern",
        ),
        // A branch pattern placeholder.
        (
            "[branches]\nallowed = [\"main\", \"feat/{ticket}\"]\n",
            "policy.toml:2:20\n  error[policy] invalid branch pattern: unknown placeholder `{ticket}`",
        ),
        // A tag format without a version.
        (
            "[tags]\nformat = \"v{major}\"\n",
            "policy.toml:2:10\n  error[policy] invalid tag format: expected a format with {semver}",
        ),
        // A role that does not exist.
        (
            "[roles]\nops = [\"ops@example.com\"]\n[environments.prod]\ndeployers = [\"ops\", \"sre\"]\n",
            "policy.toml:4:21\n  error[policy] unknown role `sre` in [environments.prod] deployers: expected one of the roles under [roles]: ops",
        ),
        // A role member that is neither an email nor a login.
        (
            "[roles]\nops = [\"bob\"]\n",
            "policy.toml:2:8\n  error[policy] invalid member `bob` of role `ops`",
        ),
        // An environment `from` that does not exist.
        (
            "[environments.prod]\nfrom = \"stage\"\n",
            "policy.toml:2:8\n  error[policy] unknown environment `stage` in [environments.prod] from",
        ),
        // A cycle.
        (
            "[environments.a]\nfrom = \"b\"\n[environments.b]\nfrom = \"a\"\n",
            "error[policy] environments form a cycle through `from`: a ← b ← a",
        ),
        // A window.
        (
            "[environments.prod]\nwindows = [\"Tue,Wed 18:00-21:00\", \"Tues 18:00-21:00\"]\n",
            "policy.toml:2:35\n  error[policy] invalid window \"Tues 18:00-21:00\": unknown day `Tues`: expected Mon, Tue, Wed, Thu, Fri, Sat or Sun",
        ),
        // A duration.
        (
            "[environments.prod]\nsoak = \"24 hours\"\n",
            "policy.toml:2:8\n  error[policy] invalid soak \"24 hours\"",
        ),
        // A time zone.
        (
            "[environments.prod]\ntimezone = \"America/Gotham\"\n",
            "policy.toml:2:12\n  error[policy] unknown time zone `America/Gotham`",
        ),
        // A freeze that ends before it starts.
        (
            "[environments.prod]\nfreezes = [{ start = \"2027-01-04\", end = \"2026-12-21\", reason = \"x\" }]\n",
            "policy.toml:2:12\n  error[policy] invalid freeze: freeze ends (`2026-12-21`) before it starts (`2027-01-04`)",
        ),
        // A criterion without its configuration.
        (
            "[release]\ncriteria = [\"bugs\"]\n",
            "policy.toml:2:13\n  error[policy] criterion `bugs` needs a query",
        ),
        // An unsupported version.
        (
            "version = 2\n",
            "policy.toml:1:11\n  error[policy] unsupported policy version 2: expected 1",
        ),
    ];
    for (policy, expected) in cases {
        let (out, code) = check(policy);
        assert_eq!(code, 2, "{policy}\n{out}");
        assert!(
            out.contains(expected),
            "policy:\n{policy}\nexpected: {expected}\ngot:\n{out}"
        );
    }
}

#[test]
fn a_broken_policy_stops_every_command_with_exit_2_and_a_snippet() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: a");
    std::fs::write(
        repo.join("policy.toml"),
        "[environments.prod]\nwindows = [\"Tue 18:00-17:00x\"]\n",
    )
    .unwrap();
    let run = env.reltag(&repo, &["check"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stdout.is_empty(),
        "nothing is checked under a broken policy: {}",
        run.stdout
    );
    assert!(
        run.stderr
            .starts_with("error: policy.toml:2:12: invalid window"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("2 | windows = [\"Tue 18:00-17:00x\"]\n  |            ^^^^^^^^^^^^^^^^^^"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: check the policy file: policy.toml"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_reference_policy_and_a_short_policy_are_valid() {
    let (out, code) = check(include_str!("../../policy.toml"));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("policy.toml is valid (5 roles, 3 environments, 6 release criteria)"),
        "{out}"
    );
    let (out, code) = check("[commits]\njira_projects = [\"PAY\"]\n");
    assert_eq!(code, 0, "{out}");
    // The policy this repository's own pull requests are gated with.
    let (out, code) = check(include_str!("../../.github/reltag-policy.toml"));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn without_a_policy_file_the_default_applies_and_a_missing_explicit_one_is_an_error() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env.reltag(&repo, &["check", "policy"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("no policy.toml: the default policy applies"),
        "{}",
        run.stdout
    );
    let run = env.reltag(&repo, &["--policy", "nope.toml", "check"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr.contains("error: cannot read the policy file"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_policy_lists_every_structural_problem_with_its_underline() {
    // Before: serde stopped at the first unknown key, so this file showed one problem.
    let (out, code) = check(
        "[branches]\nalowed = [\"main\"]\n[commits]\nrequire_jira = \"yes\"\nexempt = [\"merges\", \"bots\"]\nsubject_pattern = '^(feat'\n[tagz]\nx = 1\n",
    );
    assert_eq!(code, 2, "{out}");
    let expected = "\
policy.toml:2:1
  error[policy] unknown field `alowed`, expected `allowed` or `protected`: did you mean `allowed`?
      |
    2 | alowed = [\"main\"]
      | ^^^^^^

policy.toml:4:16
  error[policy] invalid type: string \"yes\", expected a boolean
      |
    4 | require_jira = \"yes\"
      |                ^^^^^

policy.toml:5:21
  error[policy] unknown variant `bots`, expected one of `merges`, `reverts`, `fixups`
      |
    5 | exempt = [\"merges\", \"bots\"]
      |                     ^^^^^^

policy.toml:6:21
  error[policy] invalid regular expression: unclosed group (at character 2 of the pattern)
      |
    6 | subject_pattern = '^(feat'
      |                     ^

policy.toml:7:2
  error[policy] unknown field `tagz`, expected one of `version`, `branches`, `commits`, `pull_requests`, `tags`, `release`, `roles`, `environments`, `emergency`, `jira`, `github`, `ledger`, `notify`, `separation`: did you mean `tags`?
      |
    7 | [tagz]
      |  ^^^^

blocked: 5 errors, 0 warnings (checked 1 file)
";
    assert_eq!(out, expected);
    assert!(!out.contains("\\u{a}"), "no escaped newlines: {out}");
}

#[test]
fn check_policy_warns_about_exemptions_anyone_can_claim() {
    let (out, code) = check(
        "[commits]\nexempt_subjects = [\"^MINOR:\", \"HOTFIX\"]\nexempt_authors = [\"dependabot[bot]\"]\n",
    );
    assert_eq!(code, 0, "{out}");
    for expected in [
        "policy.toml:2:20\n  warning[policy] anyone can type a subject matching `^MINOR:` to skip the Jira key: set [pull_requests] subject_exemptions_need_approval = true so that the pull-request gate asks a policy approver\n",
        "policy.toml:2:31\n  warning[policy] `HOTFIX` is not anchored with `^`: it exempts every subject that contains it anywhere",
        "policy.toml:3:19\n  warning[policy] on developers' machines a commit's author is whatever the commit claims",
        "allowed: 3 warnings (checked 1 file)",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    // With the pull-request gate asking a policy approver, an anchored subject is fine.
    let (out, code) = check(
        "[commits]\nexempt_subjects = [\"^MINOR:\"]\n[pull_requests]\nsubject_exemptions_need_approval = true\npolicy_approvers = [\"rm\"]\n[roles]\nrm = [\"@rm\"]\n",
    );
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("warning"), "{out}");
}
