//! The composite action's script, run as the runner would: GITHUB_* variables, an event
//! file, the summary and output files, and a mock API.

use std::process::{Command, Stdio};

use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::github::{Api, POLICY, Pr, review};

#[test]
fn the_action_script_writes_annotations_summary_and_outputs() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login", "Fix typo"]);
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path("/repos/octo/app/pulls/7/reviews"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!([review(
                    1, "author", "APPROVED", &pr.head
                )])),
            ),
    );
    let summary = pr.env.path("summary.md");
    let output = pr.env.path("output.txt");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("action/run.sh");
    let token = "ghs_actionTOKEN42";
    let out = Command::new("bash")
        .arg(&script)
        .current_dir(&pr.repo)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", pr.env.path("home"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &pr.event)
        .env("GITHUB_REPOSITORY", "octo/app")
        .env("GITHUB_WORKSPACE", &pr.repo)
        .env("GITHUB_API_URL", api.uri())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_TOKEN", token)
        .env("INPUT_ARGS", "check pr")
        .env("INPUT_POLICY", "policy.toml")
        .env("RELTAG_BIN", env!("CARGO_BIN_EXE_reltag"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    // The token is masked before anything else is printed, and appears nowhere else.
    let first = stdout.lines().next().unwrap();
    assert_eq!(first, format!("::add-mask::{token}"));
    assert_eq!(stdout.matches(token).count(), 1, "{stdout}");
    assert!(!stderr.contains(token));
    assert!(
        stdout.contains("::error title=reltag (pr-approvals)::pull request #7 \"PAY-2 Add login\": 0 of 1 required approvals; nobody has approved the head commit; 1 more needed; the author's own review is not counted%0Ahint: "),
        "{stdout}"
    );
    assert!(
        stdout.contains("::error title=reltag (commit-jira)::commit "),
        "{stdout}"
    );
    assert!(
        stdout.contains("::error title=reltag::blocked by the policy"),
        "{stdout}"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.starts_with("### reltag: blocked\n"), "{summary}");
    assert!(summary.contains("| ❌ | `pr-approvals` |"), "{summary}");
    assert!(
        summary.contains("- approvals: none of 1 required"),
        "{summary}"
    );
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert_eq!(
        outputs,
        format!(
            "allowed=false\npull-request=7\napprovals=0\nhead-sha={}\nexit-code=1\n",
            pr.head
        )
    );
}

#[test]
fn the_action_inputs_are_data_not_shell() {
    // `$(…)` and globs in `args` reach reltag as literal words, never run.
    let env = crate::common::TestEnv::new();
    let dir = env.repo("r");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("action/run.sh");
    let marker = env.path("pwned");
    let out = Command::new("bash")
        .arg(&script)
        .current_dir(&dir)
        .env(
            "INPUT_ARGS",
            format!("explain $(touch {}) *", marker.display()),
        )
        .env("RELTAG_BIN", env!("CARGO_BIN_EXE_reltag"))
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap();
    assert!(!marker.exists());
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
