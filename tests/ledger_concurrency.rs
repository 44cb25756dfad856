//! Eight OS processes append to one ledger at once: compare-and-swap loses nothing.

#[path = "common/ledger_env.rs"]
mod ledger_env;

use std::collections::HashSet;
use std::process::Command;

use ledger_env::*;
use reltag::ledger::{Ledger, LogFilter};

const WORKERS: usize = 8;
const EVENTS_PER_WORKER: usize = 50;

/// The worker: run by `eight_processes_appending_at_once_lose_nothing` as a child
/// process of this test binary. Does nothing when run directly.
#[test]
#[ignore = "worker process for the concurrency test"]
fn append_worker() {
    let (Ok(repo_path), Ok(worker)) = (
        std::env::var("RELTAG_LEDGER_WORKER_REPO"),
        std::env::var("RELTAG_LEDGER_WORKER_ID"),
    ) else {
        return;
    };
    let repo = open(std::path::Path::new(&repo_path));
    let commit = head(std::path::Path::new(&repo_path));
    let ledger = Ledger::new(&repo);
    for n in 0..EVENTS_PER_WORKER {
        let version = format!("v{worker}.0.{n}");
        ledger
            .append(&approve_event(
                &version,
                "qa-lead",
                commit,
                &format!("w{worker}@example.com"),
                n as i64,
            ))
            .unwrap();
    }
}

#[test]
fn eight_processes_appending_at_once_lose_nothing() {
    let env = LedgerEnv::new();
    let path = env.init_repo("repo", "ops@example.com");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..WORKERS)
        .map(|worker| {
            Command::new(&exe)
                .args(["--exact", "append_worker", "--ignored", "--test-threads=1"])
                .env("RELTAG_LEDGER_WORKER_REPO", &path)
                .env("RELTAG_LEDGER_WORKER_ID", worker.to_string())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a worker failed");
    }

    let repo = open(&path);
    let ledger = Ledger::new(&repo);
    let entries: Vec<_> = ledger
        .log(LogFilter::default())
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    assert_eq!(entries.len(), WORKERS * EVENTS_PER_WORKER);
    assert_eq!(
        ledger.event_count().unwrap(),
        (WORKERS * EVENTS_PER_WORKER) as u64
    );
    let ids: HashSet<_> = entries.iter().map(|e| e.event.id.clone()).collect();
    assert_eq!(ids.len(), WORKERS * EVENTS_PER_WORKER, "no event doubled");
    let versions: HashSet<_> = entries
        .iter()
        .map(|e| e.event.version().unwrap().to_owned())
        .collect();
    assert_eq!(versions.len(), WORKERS * EVENTS_PER_WORKER, "no event lost");
    // One linear chain: git agrees on the count and finds no merges.
    assert_eq!(
        git(&path, &["rev-list", "--count", "refs/reltag/ledger"]).trim(),
        "400"
    );
    assert_eq!(
        git(
            &path,
            &["rev-list", "--count", "--merges", "refs/reltag/ledger"]
        )
        .trim(),
        "0"
    );
    // Each worker's own events stay in its order.
    for worker in 0..WORKERS {
        let mine: Vec<String> = entries
            .iter()
            .rev()
            .filter(|e| e.event.actor == format!("w{worker}@example.com"))
            .map(|e| e.event.version().unwrap().to_owned())
            .collect();
        let expected: Vec<String> = (0..EVENTS_PER_WORKER)
            .map(|n| format!("v{worker}.0.{n}"))
            .collect();
        assert_eq!(mine, expected);
    }
}
