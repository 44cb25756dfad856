//! Where the release criteria's facts come from: [`Facts`], the I/O behind
//! [`Gather`](super::gather::Gather), as `PushFacts` is for the push gate. [`Repository`]
//! reads the working tree, git, the ledger, a process, the forge and the tracker; a
//! policy scenario (`reltag test`, `cut = { ... }`) describes them instead. The registry
//! entries decide the same way over either.

use std::path::Path;

use gix::ObjectId;

use super::gather::{Approvals, Error, ProcessEnd, Unavailable};
use crate::git::Repo;
use crate::ledger::{EvidenceRecord, Ledger};
use crate::policy::Policy;
use crate::rules::release_bugs::BugsOutcome;
use crate::rules::release_ci::CheckResult;

/// The facts a release's criteria are decided on.
pub trait Facts {
    /// The working tree whose reports may count (`None`: there is none).
    fn workdir(&self) -> Option<&Path>;
    /// The evidence the ledger recorded for `commit`, oldest first.
    fn recorded_evidence(&self, commit: ObjectId) -> Result<Vec<EvidenceRecord>, Error>;
    /// Evidence of `criterion` for `commit` the ledger holds but does not count (`[ledger]
    /// require_signed`), named after why the criterion has none: `; dev@example.com's
    /// coverage evidence …` (empty when there is none).
    fn refused_evidence(
        &self,
        policy: &Policy,
        commit: ObjectId,
        criterion: &str,
    ) -> Result<String, Error>;
    /// The approvals of `version` at `commit`.
    fn approvals(
        &self,
        policy: &Policy,
        version: &str,
        commit: ObjectId,
    ) -> Result<Approvals, Error>;
    /// The paths changed between `previous` (or the empty tree) and `commit`.
    fn changed_paths(
        &self,
        previous: Option<ObjectId>,
        commit: ObjectId,
    ) -> Result<Vec<String>, Error>;
    /// Runs `argv` (no shell) at the root of the working tree, stdin closed.
    fn run(&self, argv: &[String]) -> Result<ProcessEnd, Error>;
    /// The forge's check results for the exact commit.
    fn check_results(&self, commit_hex: &str) -> Result<Vec<CheckResult>, Unavailable>;
    /// The tracker's answer to the policy's bugs query for the version.
    fn open_bugs(
        &self,
        policy: &Policy,
        version: &semver::Version,
        tag: &str,
        asking: &dyn Fn(&str),
    ) -> Result<BugsOutcome, Unavailable>;
}

/// The repository, its ledger and the services: what `cut` and `evidence record` read.
pub struct Repository<'a> {
    pub repo: &'a Repo,
    /// The ledger, judged by the policy (`[ledger] admins`); `None` where it is not read
    /// (`evidence record`: a record is made from a report).
    pub ledger: Option<&'a Ledger<'a>>,
}

impl Repository<'_> {
    fn ledger(&self) -> Result<&Ledger<'_>, Error> {
        self.ledger.ok_or(Error::NoLedger)
    }
}

impl Facts for Repository<'_> {
    fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    fn recorded_evidence(&self, commit: ObjectId) -> Result<Vec<EvidenceRecord>, Error> {
        Ok(self.ledger()?.commit_evidence(commit)?)
    }

    fn refused_evidence(
        &self,
        policy: &Policy,
        commit: ObjectId,
        criterion: &str,
    ) -> Result<String, Error> {
        if !*policy.file.ledger.require_signed.get_ref() {
            return Ok(String::new());
        }
        let filter = crate::ledger::LogFilter {
            kind: Some(crate::ledger::EventKind::Evidence),
            ..Default::default()
        };
        let refused = crate::ledger::identity::refused_events(self.ledger()?, filter)?;
        Ok(crate::ledger::identity::named(refused.iter().filter(|r| {
            r.event.commit == commit
                && matches!(&r.event.body, crate::ledger::EventBody::Evidence(e) if e.criterion == criterion)
        })))
    }

    fn approvals(
        &self,
        policy: &Policy,
        version: &str,
        commit: ObjectId,
    ) -> Result<Approvals, Error> {
        let ledger = self.ledger()?;
        let commit_hex = commit.to_string();
        let approvals = crate::ledger::identity::approvals_for(ledger, version, None, commit)?;
        let for_one_env = ledger
            .version_state(version)?
            .map(|state| state.approvals)
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.env.is_some() && a.commit == commit_hex)
            .collect();
        // Approvals the ledger refuses to count (`[ledger] require_signed`) are named in
        // the finding, not read as never given.
        let refused = if *policy.file.ledger.require_signed.get_ref() {
            crate::ledger::identity::refused_for_version(ledger, version)?
        } else {
            Vec::new()
        };
        Ok(Approvals {
            approvals,
            for_one_env,
            refused,
        })
    }

    fn changed_paths(
        &self,
        previous: Option<ObjectId>,
        commit: ObjectId,
    ) -> Result<Vec<String>, Error> {
        Ok(crate::evidence::docs::changed_paths(
            self.repo.gix(),
            previous,
            commit,
        )?)
    }

    fn run(&self, argv: &[String]) -> Result<ProcessEnd, Error> {
        let Some((program, args)) = argv.split_first() else {
            return Err(Error::NoCommand);
        };
        let dir = self
            .repo
            .workdir()
            .unwrap_or_else(|| self.repo.gix().git_dir());
        let output = std::process::Command::new(program)
            .args(args)
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|source| Error::Command {
                argv: argv.join(" "),
                source,
            })?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Ok(ProcessEnd {
            status: output.status.code(),
            stderr_tail: tail.join(" / "),
        })
    }

    fn check_results(&self, commit_hex: &str) -> Result<Vec<CheckResult>, Unavailable> {
        crate::forge::from_env()
            .and_then(|forge| forge.check_results(commit_hex))
            .map_err(|e| Unavailable {
                message: e.to_string(),
                hint: Some(e.hint.clone()),
            })
    }

    fn open_bugs(
        &self,
        policy: &Policy,
        version: &semver::Version,
        tag: &str,
        asking: &dyn Fn(&str),
    ) -> Result<BugsOutcome, Unavailable> {
        use crate::tracker::jira::{self, JiraClient};
        JiraClient::from_policy(policy)
            .and_then(|client| {
                asking(&format!("Jira at {}", client.config().url));
                jira::evaluate_bugs(policy, version, tag, &client)
            })
            .map_err(|e| Unavailable {
                hint: e.hint(),
                message: e.to_string(),
            })
    }
}
