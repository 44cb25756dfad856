//! The message gate over the commits of a walk, for ranges of any length.
//!
//! Reading the commits (finding, inflating and parsing each object) is most of the work
//! of `check commits`, as it is of the floor it is measured against, `git log | grep`,
//! which runs on two cores. So past the first [`INLINE`] commits the walk only reads:
//! a second thread judges the commits and records the verdicts in the report, in the
//! walk's order, while the walk reads on.
//!
//! A walk that cannot decide before its end (by date, with a hidden side) hands its
//! commits over as it reads them ([`Visit::hold`]), and they are judged at once. Nothing
//! of them is kept: when the walk says a commit is in the range, a clean one is counted,
//! and one with something to say (about one in six of a long history, each as large as
//! its message) is asked for again ([`Released::Again`]) — reading a few commits twice
//! costs less than keeping tens of thousands of messages until the end.
//!
//! A short range (a hook's push, `HEAD~10..HEAD`) never starts the thread.

use std::collections::HashSet;
use std::sync::mpsc;
use std::thread;

use gix::ObjectId;

use super::{CommitVerdict, judge_commit};
use crate::git::walk::{Released, Visit};
use crate::git::{CommitInfo, Error};
use crate::policy::Policy;
use crate::report::Report;
use crate::rules::ForgeAccount;

/// Commits judged on the walk's thread before the second thread starts: starting a
/// thread costs more than judging a few hundred commits.
const INLINE: u32 = 256;
/// Events handed to the second thread at a time.
const BATCH: usize = 128;
/// Batches on their way to the second thread at most: the walk waits beyond that, so a
/// slow judge cannot make the walk hold the whole history in a channel.
const IN_FLIGHT: usize = 8;

/// Runs `walk` with a visitor that judges each commit it is handed by the message gate
/// and records the verdicts of the commits in the range in `report`, in the walk's order
/// (`refname`: the ref being pushed, named in the findings' subjects). Every verdict is
/// in the report when this returns, whatever `walk` returned.
pub fn check<T>(
    policy: &Policy,
    refname: Option<&str>,
    report: &mut Report,
    walk: impl FnOnce(&mut dyn Visit) -> T,
) -> T {
    thread::scope(|scope| {
        let mut checker = Checker {
            scope,
            tickets: 0,
            stage: Stage::Inline(Recorder {
                policy,
                refname,
                report,
            }),
            to_read_again: HashSet::new(),
            known_up_to: 0,
        };
        let walked = walk(&mut checker);
        checker.finish();
        walked
    })
}

/// What the walk tells the judge, in the walk's order.
enum Event {
    /// A commit to judge, with its ticket, and whether it is held (in the range only if
    /// the walk releases it later).
    Judge(u32, CommitInfo, bool),
    /// The clean held commit of this ticket is in the range.
    Release,
    /// Send back the held commits judged since the last time that have something to say
    /// (on the second thread; on the walk's thread [`Recorder::take`] says it at once).
    Tell,
}

/// Judges commits and records the verdicts; on one thread or the other, never both.
struct Recorder<'a> {
    policy: &'a Policy,
    refname: Option<&'a str>,
    report: &'a mut Report,
}

impl Recorder<'_> {
    /// Takes one event; the ticket of a held commit with something to say, to be read
    /// again if it is released.
    fn take(&mut self, event: Event) -> Option<u32> {
        match event {
            Event::Judge(ticket, info, held) => {
                let verdict =
                    judge_commit(&info, ForgeAccount::NotAsked, self.policy, self.refname);
                match held {
                    false => verdict.record(self.report),
                    // A held commit counts when it is released.
                    true if verdict.is_clean() => {}
                    true => return Some(ticket),
                }
            }
            Event::Release => CommitVerdict::default().record(self.report),
            Event::Tell => {}
        }
        None
    }
}

/// Where the commits are judged: here, or on the second thread.
enum Stage<'scope, 'env> {
    Inline(Recorder<'env>),
    Threaded {
        to: mpsc::SyncSender<Vec<Event>>,
        batch: Vec<Event>,
        /// The second thread's answers to [`Event::Tell`].
        told: mpsc::Receiver<HashSet<u32>>,
        /// Joined by the scope.
        _judge: thread::ScopedJoinHandle<'scope, ()>,
    },
    /// Between the two, or without a second thread when the system refuses one (then
    /// the commits are judged here).
    Moving,
}

/// The visitor [`check`] hands the walk.
struct Checker<'scope, 'env> {
    scope: &'scope thread::Scope<'scope, 'env>,
    /// Tickets handed out: one per commit received, in the order received.
    tickets: u32,
    stage: Stage<'scope, 'env>,
    /// Held commits with something to say, as far as known here.
    to_read_again: HashSet<u32>,
    /// Once the commits are judged on the second thread: whether a held commit has
    /// something to say is known here for the tickets below.
    known_up_to: u32,
}

impl<'scope, 'env> Checker<'scope, 'env> {
    fn receive(&mut self, info: CommitInfo, held: bool) -> u32 {
        let ticket = self.tickets;
        self.tickets += 1;
        if ticket == INLINE {
            self.start_thread();
        }
        self.take(Event::Judge(ticket, info, held));
        ticket
    }

    fn take(&mut self, event: Event) {
        match &mut self.stage {
            Stage::Inline(recorder) => self.to_read_again.extend(recorder.take(event)),
            Stage::Threaded { to, batch, .. } => {
                batch.push(event);
                if batch.len() >= BATCH {
                    Self::send(to, batch);
                }
            }
            Stage::Moving => unreachable!("the stage is always set after a move"),
        }
    }

    fn send(to: &mpsc::SyncSender<Vec<Event>>, batch: &mut Vec<Event>) {
        // A send fails only when the thread is gone (it panicked); the scope passes the
        // panic on when it ends.
        let _ = to.send(std::mem::replace(batch, Vec::with_capacity(BATCH)));
    }

    /// Whether the held commit of `ticket` has something to say: then it is read again.
    fn says_something(&mut self, ticket: u32) -> bool {
        if let Stage::Threaded {
            to, batch, told, ..
        } = &mut self.stage
            && ticket >= self.known_up_to
        {
            // The walk releases once it has read what it holds: one wait for the judge to
            // catch up, usually.
            batch.push(Event::Tell);
            Self::send(to, batch);
            // No answer only when the thread is gone; the scope passes its panic on.
            self.to_read_again.extend(told.recv().unwrap_or_default());
            self.known_up_to = self.tickets;
        }
        self.to_read_again.remove(&ticket)
    }

    /// Moves the recording to a second thread; without one, it stays here.
    fn start_thread(&mut self) {
        let Stage::Inline(recorder) = std::mem::replace(&mut self.stage, Stage::Moving) else {
            return;
        };
        self.known_up_to = self.tickets;
        let (to, events) = mpsc::sync_channel::<Vec<Event>>(IN_FLIGHT);
        let (tell, told) = mpsc::channel();
        // The recorder crosses over once the thread runs: if the system refuses a thread,
        // `spawn_scoped` drops the closure, and the recorder stays here.
        let (hand_over, handed) = mpsc::sync_channel::<Recorder<'env>>(1);
        let spawned =
            thread::Builder::new()
                .name("judge".into())
                .spawn_scoped(self.scope, move || {
                    let Ok(mut recorder) = handed.recv() else {
                        return;
                    };
                    let mut to_read_again = HashSet::new();
                    for event in events.iter().flatten() {
                        if let Event::Tell = event {
                            let _ = tell.send(std::mem::take(&mut to_read_again));
                        }
                        to_read_again.extend(recorder.take(event));
                    }
                });
        self.stage = match spawned {
            Ok(judge) => {
                let _ = hand_over.send(recorder);
                Stage::Threaded {
                    to,
                    batch: Vec::with_capacity(BATCH),
                    told,
                    _judge: judge,
                }
            }
            Err(_) => Stage::Inline(recorder),
        };
    }

    /// Hands the last events over; the scope waits for the thread to record them.
    fn finish(self) {
        if let Stage::Threaded { to, batch, .. } = self.stage
            && !batch.is_empty()
        {
            let _ = to.send(batch);
        }
    }
}

impl Visit for Checker<'_, '_> {
    fn commit(&mut self, _id: ObjectId, info: Option<CommitInfo>) -> Result<(), Error> {
        // A walk for messages always reads them.
        if let Some(info) = info {
            self.receive(info, false);
        }
        Ok(())
    }

    fn holds(&self) -> bool {
        true
    }

    fn hold(&mut self, info: CommitInfo) -> u32 {
        self.receive(info, true)
    }

    fn release(&mut self, _id: ObjectId, ticket: u32) -> Result<Released, Error> {
        if self.says_something(ticket) {
            return Ok(Released::Again);
        }
        self.take(Event::Release);
        Ok(Released::Done)
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
    /// order of the releases. The held commits with findings are asked for again, the
    /// clean ones not.
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
        let mut again = Vec::new();
        let held = json(|report| {
            check(&policy, None, report, |checker| {
                let tickets: Vec<u32> = (0..read).map(|n| checker.hold(commit(n))).collect();
                for &n in &released {
                    let id = ObjectId::null(gix::hash::Kind::Sha1);
                    // As a walk does: a commit asked for again is read and handed over.
                    match checker.release(id, tickets[n as usize]).unwrap() {
                        Released::Done => {}
                        Released::Again => {
                            again.push(n);
                            checker.commit(id, Some(commit(n))).unwrap();
                        }
                    }
                }
            })
        });
        assert!(expected.contains("\"commit-jira\""), "{expected}");
        assert_eq!(held, expected);
        let says_something = |n: &u32| n.is_multiple_of(7) || n.is_multiple_of(3);
        let expected_again: Vec<u32> = released.iter().copied().filter(says_something).collect();
        assert_eq!(again, expected_again);
        // Commits decided as they are read (a streaming walk) likewise.
        let streamed = json(|report| {
            check(&policy, None, report, |checker| {
                for &n in &released {
                    checker
                        .commit(ObjectId::null(gix::hash::Kind::Sha1), Some(commit(n)))
                        .unwrap();
                }
            })
        });
        assert_eq!(streamed, expected);
    }
}
