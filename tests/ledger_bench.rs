//! Benchmark with a 10,000-event ledger (not a timed test). Run in release mode:
//!
//! ```sh
//! cargo test --release --test ledger_bench -- --ignored --nocapture
//! ```
//!
//! Prints one line per measurement; the targets are < 50 ms each.

#[path = "common/ledger_env.rs"]
mod ledger_env;

use std::time::{Duration, Instant};

use gix::ObjectId;
use ledger_env::*;
use reltag::ledger::{
    Cut, Event, EventBody, Evidence, EvidenceResult, Ledger, LogFilter, Promote, Schedule,
};

/// A realistic mix: per version two approvals, evidence, a cut, a schedule and three
/// promotions (test, staging, prod), plus two more evidence events = 10 events.
pub fn synthetic_events(versions: usize, commit: ObjectId) -> Vec<Event> {
    let mut events = Vec::with_capacity(versions * 10);
    let mut minute = 0;
    let mut push = |body: EventBody, actor: &str| {
        minute += 1;
        events.push(Event::new(body, commit, actor, at(minute)).unwrap());
    };
    for n in 0..versions {
        let version = format!("v1.{}.{}", n / 100, n % 100);
        for criterion in ["coverage", "perf", "docs"] {
            push(
                EventBody::Evidence(Evidence {
                    version: Some(version.clone()),
                    criterion: criterion.into(),
                    result: EvidenceResult::Pass,
                    measured: Some("91%".into()),
                    threshold: Some(">= 90%".into()),
                    report_sha256: None,
                    comment: None,
                }),
                "ci@example.com",
            );
        }
        for role in ["qa-lead", "product-owner"] {
            push(
                EventBody::Approve(reltag::ledger::Approve {
                    version: version.clone(),
                    role: role.into(),
                    env: None,
                    comment: None,
                }),
                &format!("{role}@example.com"),
            );
        }
        push(
            EventBody::Cut(Cut {
                version: version.clone(),
                tag_object: None,
                emergency: false,
                reason: None,
                artifacts: Vec::new(),
            }),
            "rm@example.com",
        );
        push(
            EventBody::Schedule(Schedule {
                version: version.clone(),
                env: "prod".into(),
                at: at(n as i64 * 10 + 1440),
                emergency: false,
                reason: None,
            }),
            "ops@example.com",
        );
        for env in ["test", "staging", "prod"] {
            push(
                EventBody::Promote(Promote {
                    version: version.clone(),
                    env: env.into(),
                    artifacts: Vec::new(),
                    emergency: false,
                    reason: None,
                }),
                "ops@example.com",
            );
        }
    }
    events
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[test]
#[ignore = "benchmark: run with --release --ignored --nocapture"]
fn bench_ledger_with_ten_thousand_events() {
    let env = LedgerEnv::new();
    let path = env.init_repo("repo", "ops@example.com");
    let commit = head(&path);
    let events = synthetic_events(1000, commit);
    assert_eq!(events.len(), 10_000);

    let started = Instant::now();
    {
        let repo = open(&path);
        let ledger = Ledger::new(&repo);
        for batch in events.chunks(1000) {
            ledger.append_all(batch).unwrap();
        }
        assert_eq!(ledger.event_count().unwrap(), 10_000);
    }
    println!("build 10,000 events: {:?}", started.elapsed());
    // A clone holds the ledger packed; measure that (and spare the file system 60,000
    // loose objects).
    git(&path, &["repack", "-adq"]);
    git(&path, &["prune-packed"]);
    // bench/run.sh times the CLI on this ledger: keep a copy without a remote (so no
    // command tries to sync) where it asks.
    if let Some(keep) = std::env::var_os("RELTAG_BENCH_KEEP_LEDGER") {
        let keep = std::path::PathBuf::from(keep);
        let src = path.to_str().unwrap();
        let dst = keep.to_str().unwrap();
        git(&path, &["clone", "-q", "--mirror", src, dst]);
        git(&keep, &["remote", "remove", "origin"]);
    }

    // Each measurement opens the repository afresh, as one CLI invocation would.
    let measure = |name: &str, run: &dyn Fn(&Ledger<'_>)| {
        let samples: Vec<Duration> = (0..11)
            .map(|_| {
                let started = Instant::now();
                let repo = open(&path);
                run(&Ledger::new(&repo));
                started.elapsed()
            })
            .collect();
        println!(
            "{name}: median {:?} (max {:?})",
            median(samples.clone()),
            samples.iter().max().unwrap()
        );
    };
    measure("read env + version state", &|ledger| {
        let prod = ledger.env_state("prod").unwrap().unwrap();
        assert_eq!(prod.current.unwrap().version, "v1.9.99");
        assert_eq!(
            ledger
                .version_state("v1.5.50")
                .unwrap()
                .unwrap()
                .approvals
                .len(),
            2
        );
    });
    measure("log -n 20", &|ledger| {
        let entries: Vec<_> = ledger
            .log(LogFilter {
                limit: Some(20),
                ..Default::default()
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(entries.len(), 20);
    });
    measure("log --env prod -n 20", &|ledger| {
        let entries: Vec<_> = ledger
            .log(LogFilter {
                env: Some("prod".into()),
                limit: Some(20),
                ..Default::default()
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(entries.len(), 20);
    });
    measure("append one event", &|ledger| {
        ledger
            .append(&approve_event(
                "v1.9.99",
                "ops",
                commit,
                "ops@example.com",
                100_000,
            ))
            .unwrap();
    });
    let repo = open(&path);
    let started = Instant::now();
    assert_eq!(Ledger::new(&repo).verify().unwrap(), 10_011);
    println!("verify (parse all 10,011 events): {:?}", started.elapsed());
}
