//! Real git repositories in a temp dir for the ledger tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use gix::ObjectId;
use jiff::Timestamp;
use reltag::ledger::{Approve, Event, EventBody, Promote};

/// Scrub the git configuration every `git` we (and the library) spawn sees.
pub fn scrub_git_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: runs once, before any test in this binary spawns git or reads the env
        // (every test calls `LedgerEnv::new()` first).
        unsafe {
            std::env::set_var("GIT_CONFIG_GLOBAL", "/dev/null");
            std::env::set_var("GIT_CONFIG_NOSYSTEM", "1");
            std::env::set_var("GIT_TERMINAL_PROMPT", "0");
            std::env::remove_var("GIT_DIR");
            std::env::remove_var("GIT_WORK_TREE");
            std::env::remove_var("GITHUB_ACTIONS");
        }
    });
}

pub struct LedgerEnv {
    pub dir: tempfile::TempDir,
}

impl LedgerEnv {
    pub fn new() -> LedgerEnv {
        scrub_git_env();
        LedgerEnv {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A repository with one commit on `main` and `user.email` = `email`.
    pub fn init_repo(&self, name: &str, email: &str) -> PathBuf {
        let path = self.path(name);
        git(self.dir.path(), &["init", "-q", "-b", "main", name]);
        configure(&path, email);
        git(&path, &["commit", "-q", "--allow-empty", "-m", "initial"]);
        path
    }

    /// A bare remote made from a fresh repository.
    pub fn bare_remote(&self, name: &str) -> PathBuf {
        let source = self.init_repo(&format!("{name}-source"), "setup@example.com");
        let path = self.path(name);
        git(
            self.dir.path(),
            &["clone", "-q", "--bare", source.to_str().unwrap(), name],
        );
        path
    }

    pub fn clone_of(&self, remote: &Path, name: &str, email: &str) -> PathBuf {
        git(
            self.dir.path(),
            &["clone", "-q", remote.to_str().unwrap(), name],
        );
        let path = self.path(name);
        configure(&path, email);
        path
    }
}

fn configure(path: &Path, email: &str) {
    git(path, &["config", "user.email", email]);
    git(path, &["config", "user.name", "Test User"]);
}

/// Run git, panic with its stderr on failure, return stdout.
pub fn git(cwd: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(cwd)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn open(path: &Path) -> gix::Repository {
    gix::open_opts(path, gix::open::Options::isolated()).expect("open repo")
}

pub fn head(path: &Path) -> ObjectId {
    ObjectId::from_hex(git(path, &["rev-parse", "HEAD"]).trim().as_bytes()).unwrap()
}

/// A fixed time, `minutes` after 2026-11-24T18:00Z.
pub fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_795_543_200 + minutes * 60).unwrap()
}

pub fn approve_event(
    version: &str,
    role: &str,
    commit: ObjectId,
    actor: &str,
    minutes: i64,
) -> Event {
    Event::new(
        EventBody::Approve(Approve {
            version: version.into(),
            role: role.into(),
            env: None,
            comment: None,
        }),
        commit,
        actor,
        at(minutes),
    )
    .unwrap()
}

pub fn promote_event(
    version: &str,
    env: &str,
    commit: ObjectId,
    actor: &str,
    minutes: i64,
) -> Event {
    Event::new(
        EventBody::Promote(Promote {
            version: version.into(),
            env: env.into(),
            artifacts: Vec::new(),
            emergency: false,
            reason: None,
        }),
        commit,
        actor,
        at(minutes),
    )
    .unwrap()
}

/// Event ids of the chain, oldest first.
pub fn chain_ids(repo: &gix::Repository) -> Vec<String> {
    let ledger = reltag::ledger::Ledger::new(repo);
    let mut ids: Vec<String> = ledger
        .log(Default::default())
        .unwrap()
        .map(|entry| entry.unwrap().event.id.to_string())
        .collect();
    ids.reverse();
    ids
}
