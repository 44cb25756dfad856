//! The message gate over the commits of a walk, for ranges of any length.
//!
//! Reading the commits (finding, inflating and parsing each object) is most of the work
//! of `check commits`, as it is of the floor it is measured against, `git log | grep`,
//! which runs on two cores. So past the first [`INLINE`] commits a second thread judges
//! them while the walk reads on, and the verdicts go into the report on this thread, in
//! the walk's order. A walk that cannot decide before its end (by date, with a hidden
//! side) hands its commits over as it reads them ([`Visit::hold`]): they are judged at
//! once, and only the commits with something to say are kept until the walk says which
//! are in the range (as read: a commit is smaller than its findings with their hints,
//! and judging the few again is cheap) — not every message.
//!
//! A short range (a hook's push, `HEAD~10..HEAD`) never starts the thread.

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc;
use std::thread;

use gix::ObjectId;

use super::{CommitVerdict, judge_commit};
use crate::git::walk::Visit;
use crate::git::{CommitInfo, Error};
use crate::policy::Policy;
use crate::report::Report;
use crate::rules::ForgeAccount;

/// Commits judged where they arrive before the second thread starts: starting a thread
/// costs more than judging a few hundred commits.
const INLINE: u32 = 256;
/// Commits handed to the judging thread at a time.
const BATCH: usize = 128;
/// Batches on their way to the judging thread at most: the walk waits beyond that, so a
/// slow judge cannot make the walk hold the whole history in a channel.
const IN_FLIGHT: usize = 8;

/// What a judged commit leaves until it is recorded, when it has something to say.
enum Said {
    /// A commit in the range: recorded as soon as the commits before it are.
    Verdict(CommitVerdict),
    /// A held commit, judged again if the walk releases it.
    Again(CommitInfo),
}

type Verdicts = Vec<(u32, Option<Said>)>;

/// A commit on its way to the judge, and whether it is held.
type Judge = (u32, CommitInfo, bool);

/// Judges the commits a walk hands it (see [`Visit`]) by the message gate and records
/// each verdict in `report` in the walk's order. Call [`Checker::finish`] after the walk.
pub struct Checker<'a> {
    policy: &'a Policy,
    refname: Option<&'a str>,
    report: &'a mut Report,
    /// Tickets handed out: one per commit received, in the order received.
    tickets: u32,
    /// The verdicts of every ticket below this one are in.
    arrived: u32,
    /// Commits that say something (findings, an exemption), until recorded.
    said: HashMap<u32, Said>,
    /// Commits in the range whose verdicts are not recorded yet, in the walk's order.
    decided: VecDeque<u32>,
    batch: Vec<Judge>,
    worker: Option<Worker>,
}

struct Worker {
    to: mpsc::SyncSender<Vec<Judge>>,
    from: mpsc::Receiver<Verdicts>,
    handle: thread::JoinHandle<()>,
}

impl<'a> Checker<'a> {
    /// `refname`: the ref being pushed, named in the findings' subjects.
    pub fn new(policy: &'a Policy, refname: Option<&'a str>, report: &'a mut Report) -> Self {
        Checker {
            policy,
            refname,
            report,
            tickets: 0,
            arrived: 0,
            said: HashMap::new(),
            decided: VecDeque::new(),
            batch: Vec::new(),
            worker: None,
        }
    }

    /// Waits for every verdict and records those of the commits in the range.
    pub fn finish(mut self) {
        self.send();
        if let Some(worker) = self.worker.take() {
            drop(worker.to);
            for verdicts in worker.from.iter() {
                self.arrive(verdicts);
            }
            if let Err(panic) = worker.handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        self.record();
    }

    /// Takes a commit: judges it here, or hands it to the judging thread.
    fn receive(&mut self, info: CommitInfo, held: bool) -> u32 {
        let ticket = self.tickets;
        self.tickets += 1;
        if self.worker.is_none() && ticket == INLINE {
            // Without a thread (the system refuses one), every commit is judged here.
            self.worker = Worker::start(self.policy.clone(), self.refname.map(str::to_string));
        }
        if self.worker.is_none() {
            let said = judge(info, held, self.policy, self.refname);
            self.arrive(vec![(ticket, said)]);
            return ticket;
        }
        self.batch.push((ticket, info, held));
        if self.batch.len() >= BATCH {
            self.send();
        }
        if let Some(worker) = &self.worker {
            let ready: Vec<Verdicts> = worker.from.try_iter().collect();
            for verdicts in ready {
                self.arrive(verdicts);
            }
        }
        ticket
    }

    fn send(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        if let Some(worker) = &self.worker {
            // A send fails only when the thread is gone: `finish` reports its panic.
            let _ = worker.to.send(batch);
        }
    }

    fn arrive(&mut self, verdicts: Verdicts) {
        for (ticket, verdict) in verdicts {
            if let Some(verdict) = verdict {
                self.said.insert(ticket, verdict);
            }
            self.arrived = ticket + 1;
        }
    }

    /// Records, in order, the decided commits whose verdicts are in.
    fn record(&mut self) {
        while let Some(&ticket) = self.decided.front() {
            if ticket >= self.arrived {
                break;
            }
            self.decided.pop_front();
            let verdict = match self.said.remove(&ticket) {
                None => CommitVerdict::default(),
                Some(Said::Verdict(verdict)) => verdict,
                Some(Said::Again(info)) => {
                    judge_commit(&info, ForgeAccount::NotAsked, self.policy, self.refname)
                }
            };
            verdict.record(self.report);
        }
    }
}

/// Judges a commit; what it leaves when it has something to say.
fn judge(info: CommitInfo, held: bool, policy: &Policy, refname: Option<&str>) -> Option<Said> {
    let verdict = judge_commit(&info, ForgeAccount::NotAsked, policy, refname);
    match (verdict.is_clean(), held) {
        (true, _) => None,
        (false, false) => Some(Said::Verdict(verdict)),
        (false, true) => Some(Said::Again(info)),
    }
}

impl Worker {
    fn start(policy: Policy, refname: Option<String>) -> Option<Worker> {
        let (to, commits) = mpsc::sync_channel::<Vec<Judge>>(IN_FLIGHT);
        let (verdicts, from) = mpsc::channel();
        let spawned = thread::Builder::new().name("judge".into()).spawn(move || {
            for batch in commits {
                let judged: Verdicts = batch
                    .into_iter()
                    .map(|(ticket, info, held)| {
                        (ticket, judge(info, held, &policy, refname.as_deref()))
                    })
                    .collect();
                if verdicts.send(judged).is_err() {
                    return;
                }
            }
        });
        spawned.ok().map(|handle| Worker { to, from, handle })
    }
}

impl Visit for Checker<'_> {
    fn commit(&mut self, _id: ObjectId, info: Option<CommitInfo>) -> Result<(), Error> {
        // A walk for messages always reads them.
        if let Some(info) = info {
            let ticket = self.receive(info, false);
            self.decided.push_back(ticket);
            self.record();
        }
        Ok(())
    }

    fn holds(&self) -> bool {
        true
    }

    fn hold(&mut self, info: CommitInfo) -> u32 {
        self.receive(info, true)
    }

    fn release(&mut self, _id: ObjectId, ticket: u32) -> Result<(), Error> {
        self.decided.push_back(ticket);
        self.record();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Buffer, Config, Format};

    fn commit(n: u32) -> CommitInfo {
        // Every third commit has no key, every seventh is a fixup (exempt).
        let message = match n {
            n if n % 7 == 0 => format!("fixup! change {n}\n"),
            n if n % 3 == 0 => format!("change {n} without a key\n"),
            n => format!("PAY-{n}: change {n}\n"),
        };
        CommitInfo {
            id: ObjectId::from_hex(format!("{n:040x}").as_bytes()).unwrap(),
            parent_count: 1,
            message: message.into_bytes(),
            encoding: None,
            author: None,
        }
    }

    fn json(fill: impl FnOnce(&mut Report)) -> String {
        let buffer = Buffer::default();
        let mut report =
            Report::to_writer(Config::new("test", Format::Json), Box::new(buffer.clone()));
        fill(&mut report);
        report.finish().unwrap();
        buffer.text()
    }

    /// Past the commits judged inline, on the second thread, held commits released in
    /// another order than they were read and some never released: the report is the one
    /// the commits in the range give when each is checked where it is found, in the
    /// order of the releases.
    #[test]
    fn verdicts_are_recorded_in_the_walks_order_whatever_thread_judged_them() {
        let policy = Policy::default_policy();
        let read = INLINE * 4 + 17;
        // Released: every commit but each fifth, in pairs swapped (as a merge may).
        let mut released: Vec<u32> = (0..read).filter(|n| n % 5 != 4).collect();
        for pair in released.chunks_mut(2) {
            pair.reverse();
        }
        let expected = json(|report| {
            for &n in &released {
                crate::gates::check_commit(&commit(n), &policy, None, report);
            }
        });
        let held = json(|report| {
            let mut checker = Checker::new(&policy, None, report);
            let tickets: Vec<u32> = (0..read).map(|n| checker.hold(commit(n))).collect();
            for &n in &released {
                checker
                    .release(ObjectId::null(gix::hash::Kind::Sha1), tickets[n as usize])
                    .unwrap();
            }
            checker.finish();
        });
        assert!(expected.contains("\"commit-jira\""), "{expected}");
        assert_eq!(held, expected);
        // Commits decided as they are read (a streaming walk) likewise.
        let streamed = json(|report| {
            let mut checker = Checker::new(&policy, None, report);
            for &n in &released {
                checker
                    .commit(ObjectId::null(gix::hash::Kind::Sha1), Some(commit(n)))
                    .unwrap();
            }
            checker.finish();
        });
        assert_eq!(streamed, expected);
    }
}
