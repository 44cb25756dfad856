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

/// The action's install path, as a runner runs it: plan.sh, then install.sh, against a local
/// HTTP server serving a release whose digests action/pin.sh pinned. The Windows runner's
/// zip is tested here too; the archives are built with Unix tools (tar, zip), so the module
/// runs on Linux and macOS.
#[cfg(unix)]
mod install {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output, Stdio};

    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};

    use crate::common::{MockApi, TestEnv};

    const VERSION: &str = env!("CARGO_PKG_VERSION");
    const LINUX: &str = "x86_64-unknown-linux-musl";
    const WINDOWS: &str = "x86_64-pc-windows-msvc";

    /// A copy of the action (its scripts) beside a small source tree, as `uses:` downloads it.
    struct Action {
        env: TestEnv,
        root: PathBuf,
        server: MockApi,
    }

    impl Action {
        fn new() -> Action {
            let env = TestEnv::new();
            let root = env.path("action-checkout");
            let scripts = root.join("action");
            std::fs::create_dir_all(&scripts).unwrap();
            let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("action");
            for script in ["lib.sh", "plan.sh", "install.sh", "pin.sh"] {
                std::fs::copy(source.join(script), scripts.join(script)).unwrap();
            }
            std::fs::create_dir_all(root.join("src")).unwrap();
            std::fs::write(
                root.join("Cargo.toml"),
                format!("[package]\nname = \"reltag\"\nversion = \"{VERSION}\"\n"),
            )
            .unwrap();
            std::fs::write(root.join("Cargo.lock"), "version = 4\n").unwrap();
            std::fs::write(root.join("src/main.rs"), "fn main() {}\n").unwrap();
            Action {
                env,
                root,
                server: MockApi::start(),
            }
        }

        /// A release archive for `target` whose binary prints `version_line`.
        fn archive(&self, target: &str, version_line: &str) -> (String, Vec<u8>) {
            let staging = self.env.path(&format!("staging-{target}"));
            let _ = std::fs::remove_dir_all(&staging);
            let top = format!("reltag-v{VERSION}-{target}");
            std::fs::create_dir_all(staging.join(&top)).unwrap();
            let windows = target.contains("windows");
            let exe = if windows { "reltag.exe" } else { "reltag" };
            let binary = staging.join(&top).join(exe);
            std::fs::write(&binary, format!("#!/bin/sh\necho '{version_line}'\n")).unwrap();
            run(Command::new("chmod").arg("+x").arg(&binary));
            let name = if windows {
                let name = format!("{top}.zip");
                run(Command::new("zip")
                    .args(["-q", "-r", &name, &top])
                    .current_dir(&staging));
                name
            } else {
                let name = format!("{top}.tar.gz");
                run(Command::new("tar")
                    .args(["-czf", &name, &top])
                    .current_dir(&staging));
                name
            };
            let bytes = std::fs::read(staging.join(&name)).unwrap();
            (name, bytes)
        }

        /// Pins these files with action/pin.sh, as the release workflow does.
        fn pin(&self, files: &[(String, Vec<u8>)]) {
            let dist = self.env.path("dist");
            let _ = std::fs::remove_dir_all(&dist);
            std::fs::create_dir_all(&dist).unwrap();
            for (name, bytes) in files {
                std::fs::write(dist.join(name), bytes).unwrap();
            }
            let sums: String = files
                .iter()
                .map(|(name, bytes)| format!("{}  {name}\n", sha256(bytes)))
                .collect();
            std::fs::write(dist.join("SHA256SUMS"), sums).unwrap();
            let url = format!("{}/download/v{VERSION}", self.server.uri());
            run(Command::new("bash")
                .arg(self.root.join("action/pin.sh"))
                .arg(&dist)
                .arg(&url)
                .arg("4242"));
        }

        /// Serves these bytes where the release keeps `name`.
        fn serve(&self, name: &str, bytes: Vec<u8>) {
            self.server.mount(
                Mock::given(method("GET"))
                    .and(path(format!("/download/v{VERSION}/{name}")))
                    .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes)),
            );
        }

        fn script(&self, name: &str, vars: &[(&str, &str)]) -> Output {
            Command::new("bash")
                .arg(self.root.join("action").join(name))
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", self.env.path("home"))
                .env("GITHUB_OUTPUT", self.env.path("output.txt"))
                .env("RELTAG_ROOT", self.install_root())
                .envs(vars.iter().copied())
                .stdin(Stdio::null())
                .output()
                .unwrap()
        }

        /// plan.sh's outputs, as `key=value` lines.
        fn plan(&self, os: &str, arch: &str, install: &str) -> (Output, String) {
            let _ = std::fs::remove_file(self.env.path("output.txt"));
            let out = self.script(
                "plan.sh",
                &[
                    ("RUNNER_OS", os),
                    ("RUNNER_ARCH", arch),
                    ("INPUT_INSTALL", install),
                ],
            );
            let outputs = std::fs::read_to_string(self.env.path("output.txt")).unwrap_or_default();
            (out, outputs)
        }

        fn install_release(&self, target: &str) -> Output {
            self.script(
                "install.sh",
                &[("INSTALL_MODE", "release"), ("RELEASE_TARGET", target)],
            )
        }

        fn install_root(&self) -> PathBuf {
            self.env.path("runner-temp/reltag")
        }
    }

    fn run(cmd: &mut Command) -> Output {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn text(out: &Output) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    #[test]
    fn the_pinned_release_installs_when_its_digest_matches() {
        let action = Action::new();
        let release = action.archive(LINUX, &format!("reltag {VERSION}"));
        action.pin(std::slice::from_ref(&release));
        action.serve(&release.0, release.1.clone());

        let (out, outputs) = action.plan("Linux", "X64", "auto");
        assert!(out.status.success(), "{}", text(&out));
        assert!(outputs.contains("mode=release\n"), "{outputs}");
        assert!(outputs.contains(&format!("target={LINUX}\n")), "{outputs}");
        assert!(
            outputs.contains(&format!("version={VERSION}\n")),
            "{outputs}"
        );

        let out = action.install_release(LINUX);
        let log = text(&out);
        assert_eq!(out.status.code(), Some(0), "{log}");
        assert!(log.contains("verified against the pin"), "{log}");
        let installed = action.install_root().join("bin/reltag");
        let said = run(&mut Command::new(&installed));
        assert_eq!(
            String::from_utf8_lossy(&said.stdout).trim(),
            format!("reltag {VERSION}")
        );
    }

    #[test]
    fn a_download_that_differs_from_the_pin_is_refused_and_nothing_is_installed() {
        let action = Action::new();
        let release = action.archive(LINUX, &format!("reltag {VERSION}"));
        action.pin(std::slice::from_ref(&release));
        // The server (or a mirror, or someone in between) sends another archive of that name.
        let tampered = action.archive(LINUX, &format!("reltag {VERSION} # and a backdoor"));
        action.serve(&tampered.0, tampered.1.clone());

        let out = action.install_release(LINUX);
        let log = text(&out);
        assert_eq!(out.status.code(), Some(3), "{log}");
        let want = sha256(&release.1);
        let got = sha256(&tampered.1);
        assert!(
            log.contains(&format!(
                "::error title=reltag::{} has sha256 {got}, but the action pins {want}: refusing to install it",
                release.0
            )),
            "{log}"
        );
        assert!(!action.install_root().exists(), "something was installed");
    }

    #[test]
    fn a_mirror_serves_the_release_but_cannot_change_it() {
        // RELTAG_RELEASE_URL moves the download, not the digest.
        let action = Action::new();
        let release = action.archive(LINUX, &format!("reltag {VERSION}"));
        action.pin(std::slice::from_ref(&release));
        let tampered = action.archive(LINUX, "reltag 9.9.9");
        let mirror = MockApi::start();
        mirror.mount(
            Mock::given(method("GET"))
                .and(path(format!("/mirror/{}", tampered.0)))
                .respond_with(ResponseTemplate::new(200).set_body_bytes(tampered.1.clone())),
        );
        let url = format!("{}/mirror", mirror.uri());
        let out = action.script(
            "install.sh",
            &[
                ("INSTALL_MODE", "release"),
                ("RELEASE_TARGET", LINUX),
                ("RELTAG_RELEASE_URL", &url),
            ],
        );
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        assert!(!action.install_root().exists());
    }

    #[test]
    fn windows_runners_get_the_zip() {
        let action = Action::new();
        let release = action.archive(WINDOWS, &format!("reltag {VERSION}"));
        action.pin(std::slice::from_ref(&release));
        action.serve(&release.0, release.1.clone());
        let (_, outputs) = action.plan("Windows", "X64", "auto");
        assert!(
            outputs.contains(&format!("target={WINDOWS}\n")),
            "{outputs}"
        );
        let out = action.install_release(WINDOWS);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(action.install_root().join("bin/reltag.exe").exists());
    }

    #[test]
    fn a_missing_download_is_an_error_not_a_source_build() {
        let action = Action::new();
        let release = action.archive(LINUX, &format!("reltag {VERSION}"));
        action.pin(std::slice::from_ref(&release));
        let out = action.install_release(LINUX);
        let log = text(&out);
        assert_eq!(out.status.code(), Some(3), "{log}");
        assert!(
            log.contains("::error title=reltag::could not download "),
            "{log}"
        );
        assert!(!action.install_root().exists());
    }

    #[test]
    fn the_source_is_built_when_the_action_is_not_the_pinned_release() {
        let action = Action::new();
        // No release pinned yet (the bootstrap): auto builds the source.
        let (out, outputs) = action.plan("Linux", "X64", "auto");
        assert!(out.status.success(), "{}", text(&out));
        assert!(outputs.contains("mode=source\n"), "{outputs}");
        assert!(
            text(&out).contains("no release is pinned in this revision"),
            "{}",
            text(&out)
        );
        // … and `install: release` says why it cannot.
        let (out, _) = action.plan("Linux", "X64", "release");
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out).contains("::error title=reltag::install: release, but this revision of the action pins no release"),
            "{}",
            text(&out)
        );

        let release = action.archive(LINUX, &format!("reltag {VERSION}"));
        action.pin(std::slice::from_ref(&release));
        // A commit after the release (its source differs): auto builds that source…
        std::fs::write(action.root.join("src/main.rs"), "fn main() { todo!() }\n").unwrap();
        let (out, outputs) = action.plan("Linux", "X64", "auto");
        assert!(outputs.contains("mode=source\n"), "{outputs}");
        assert!(
            text(&out).contains(&format!(
                "this revision of the action is not release v{VERSION}"
            )),
            "{}",
            text(&out)
        );
        // …and `install: release` installs the pinned release anyway, with a warning.
        let (out, outputs) = action.plan("Linux", "X64", "release");
        assert!(outputs.contains("mode=release\n"), "{outputs}");
        assert!(
            text(&out).contains("::warning title=reltag::"),
            "{}",
            text(&out)
        );
        // A runner with no release binary builds the source, or says why it cannot install one.
        std::fs::write(action.root.join("src/main.rs"), "fn main() {}\n").unwrap();
        let (_, outputs) = action.plan("Linux", "ARM", "auto");
        assert!(outputs.contains("mode=source\n"), "{outputs}");
        let (out, _) = action.plan("Linux", "ARM", "release");
        assert_eq!(out.status.code(), Some(2));
        let (out, _) = action.plan("Linux", "X64", "sometimes");
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out).contains("the install input must be auto, release or source"),
            "{}",
            text(&out)
        );
    }

    fn sha256(bytes: &[u8]) -> String {
        use sha2::Digest;
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
