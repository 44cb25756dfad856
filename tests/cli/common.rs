//! A scrubbed environment for running `reltag` and real `git` in temp dirs, after jj's
//! TestEnvironment: no user config leaks in, dates and identities are fixed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

pub struct TestEnv {
    pub tmp: TempDir,
    home: PathBuf,
}

/// The result of one run of reltag.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    /// stdout, stderr and the exit status in one text, for snapshots and messages.
    pub fn render(&self) -> String {
        format!(
            "{}[stderr]\n{}[exit status: {}]\n",
            self.stdout, self.stderr, self.code
        )
    }
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let tmp = tempfile::Builder::new()
            .prefix("reltag-test")
            .tempdir()
            .unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        TestEnv { tmp, home }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn scrub(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Dev")
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "Dev")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com")
            .env("GIT_AUTHOR_DATE", "2026-11-24T12:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-11-24T12:00:00Z")
            .env("TZ", "UTC")
            .env("RELTAG_NOW", "2026-11-24T12:00:00Z")
            // The pinned clock is meant: ledger writes do not warn that it is made up
            // (`a_made_up_clock_is_warned_about_at_a_write` shows the warning).
            .env("RELTAG_NOW_ACKNOWLEDGED", "1");
    }

    /// Runs git in `dir`, asserting success; returns trimmed stdout.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git_output(dir, args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn git_output(&self, dir: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new("git");
        self.scrub(&mut cmd);
        cmd.current_dir(dir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Runs git with extra environment variables (e.g. an inherited `GIT_DIR`), not asserting.
    pub fn git_env(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new("git");
        self.scrub(&mut cmd);
        cmd.current_dir(dir)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Runs git with bytes on stdin.
    pub fn git_stdin(&self, dir: &Path, args: &[&str], input: &[u8]) -> String {
        use std::io::Write;
        let mut cmd = Command::new("git");
        self.scrub(&mut cmd);
        let mut child = cmd
            .current_dir(dir)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A new repository on `main` with no commits.
    pub fn repo(&self, name: &str) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        self.git(&dir, &["init", "-q", "-b", "main"]);
        dir
    }

    /// A new bare repository (a local "remote") whose default branch is `main`.
    pub fn bare(&self, name: &str) -> PathBuf {
        self.bare_with(name, &[])
    }

    /// A new bare repository, with extra `git init` options (`--object-format=sha256`).
    pub fn bare_with(&self, name: &str, options: &[&str]) -> PathBuf {
        let dir = self.path(name);
        let mut args = vec!["init", "-q", "--bare", "-b", "main"];
        args.extend_from_slice(options);
        args.push(dir.to_str().unwrap());
        self.git(self.tmp.path(), &args);
        dir
    }

    /// An empty commit with this message; returns its full id.
    pub fn commit(&self, dir: &Path, message: &str) -> String {
        self.git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
        self.git(dir, &["rev-parse", "HEAD"])
    }

    /// The reltag command in the scrubbed environment, to spawn (e.g. to kill it midway).
    pub fn reltag_command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_reltag"));
        self.scrub(&mut cmd);
        cmd.current_dir(dir).args(args).stdin(Stdio::null());
        cmd
    }

    pub fn reltag(&self, dir: &Path, args: &[&str]) -> Run {
        self.reltag_with(dir, args, &[], None)
    }

    pub fn reltag_with(
        &self,
        dir: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Option<&[u8]>,
    ) -> Run {
        use std::io::Write;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_reltag"));
        self.scrub(&mut cmd);
        cmd.current_dir(dir).args(args).envs(env.iter().copied());
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input).unwrap();
        }
        self.finish(child)
    }

    /// Runs reltag under a time limit and an address-space limit (`timeout -s KILL`,
    /// `ulimit -v`), so a test of a hang or of unbounded reading fails instead of hanging
    /// or exhausting the machine. A run killed by the timeout exits 137.
    pub fn reltag_limited(
        &self,
        dir: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        seconds: u32,
        memory_mib: u64,
    ) -> Run {
        let mut cmd = Command::new("sh");
        self.scrub(&mut cmd);
        cmd.current_dir(dir)
            .arg("-c")
            .arg(format!(
                "ulimit -v {}; exec timeout -s KILL {seconds} \"$@\"",
                memory_mib * 1024
            ))
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_reltag"))
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        self.finish(cmd.spawn().unwrap())
    }

    fn finish(&self, child: std::process::Child) -> Run {
        let out = wait_at_most(child, std::time::Duration::from_secs(60));
        let normalize = |bytes: &[u8]| {
            String::from_utf8_lossy(bytes).replace(&self.tmp.path().display().to_string(), "[TMP]")
        };
        Run {
            stdout: normalize(&out.stdout),
            stderr: normalize(&out.stderr),
            code: out.status.code().unwrap_or(-1),
        }
    }
}

/// Waits for `child`, killing it after `limit`: a test of something that must not hang
/// fails with a message instead of hanging the test run (the output so far is kept, the
/// exit status is then that of the kill, never 0).
fn wait_at_most(mut child: std::process::Child, limit: std::time::Duration) -> Output {
    use std::io::Read;
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).ok();
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stderr.read_to_end(&mut buf).ok();
        buf
    });
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            child.kill().ok();
            break child.wait().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

impl TestEnv {
    /// Runs reltag with its stdout a pipe whose reader is already gone, as in
    /// `reltag log | head -0` after `head` exited: every write fails with EPIPE. Returns the
    /// exit code and stderr.
    pub fn reltag_closed_stdout(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_reltag"));
        self.scrub(&mut cmd);
        let out = cmd
            .current_dir(dir)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        Run {
            stdout: String::new(),
            stderr: String::from_utf8_lossy(&out.stderr)
                .replace(&self.tmp.path().display().to_string(), "[TMP]"),
            code: out.status.code().unwrap_or(-1),
        }
    }
}

/// A local HTTP server (wiremock) standing in for GitHub or Jira, on a runtime of its
/// own so the test thread can run reltag synchronously.
pub struct MockApi {
    rt: tokio::runtime::Runtime,
    pub server: wiremock::MockServer,
}

impl MockApi {
    pub fn start() -> MockApi {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(wiremock::MockServer::start());
        MockApi { rt, server }
    }

    pub fn mount(&self, mock: wiremock::Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Fails the test when a mock's `expect(n)` was not met.
    pub fn verify(&self) {
        self.rt.block_on(self.server.verify());
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<wiremock::Request> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }

    /// The JSON bodies of the requests received so far, in order.
    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.requests()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }
}
