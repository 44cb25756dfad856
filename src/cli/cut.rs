//! `reltag cut VERSION`: gather → check → report → act. It tags only when nothing
//! blocks, and the tag and the ledger's `cut` event reach the remote in one atomic push
//! or are both taken back.

use std::collections::BTreeMap;

use clap::Args;
use gix::ObjectId;

use super::{CliError, Context, ErrorKind, ledger_access, verify_jira};
use crate::git::{self, Head, Repo};
use crate::ledger::{self, Cut, Event, EventBody, identity};
use crate::policy::Policy;
use crate::release::cut::{self, CutFacts, CutRecorded, EmergencyFacts, JiraKeys, LedgerFacts};
use crate::release::gather::{self, Gather, Occasion};
use crate::release::notes;
use crate::report::{Data, Finding, NotesData, Outcome, Style, Subject};
use crate::rules::separation::SeparationFacts;
use crate::rules::{release_branch, release_version};

/// Cut a release: check the version, the release branch and every release criterion
/// against the exact commit, then create the annotated tag (message: the release
/// notes), record the `cut` event in the ledger and push both in one atomic push.
/// Nothing is written when anything blocks; a failed push takes both back.
///
/// The cut event records the system clock, or RELTAG_NOW (an RFC 3339 time) when set.
#[derive(Debug, Args)]
pub struct CutArgs {
    /// The version's tag name, e.g. v1.2.3.
    #[arg(value_name = "VERSION")]
    pub tag: String,
    /// Print every check and criterion with its measured value, threshold and verdict,
    /// and the notes; create, record and push nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Tag and record locally; do not fetch or push.
    #[arg(long)]
    pub no_push: bool,
    /// Sign the tag with `git tag -s` (your git signing configuration applies).
    #[arg(long)]
    pub sign: bool,
    /// An emergency release: needs an [emergency] approver's approval and may skip
    /// what [emergency] may_skip lists. Requires --reason.
    #[arg(long, requires = "reason")]
    pub hotfix: bool,
    /// Why this is an emergency (recorded in the ledger).
    #[arg(long, value_name = "TEXT", requires = "hotfix")]
    pub reason: Option<String>,
}

struct RemoteView {
    name: String,
    /// Tag name → (tag ref's object, peeled commit).
    tags: BTreeMap<String, String>,
}

fn undecided(e: crate::git::command::CommandError, what: &str) -> CliError {
    CliError::new(ErrorKind::Undecided, e).hint(format!(
        "{what}; check the remote and your credentials, or pass --no-push to cut locally"
    ))
}

/// Remote tags, peeled to commits.
fn remote_tags(repo: &Repo, remote: &str) -> Result<BTreeMap<String, String>, CliError> {
    git::tag::remote_tags(repo, remote).map_err(|e| undecided(e, "cannot list the remote's tags"))
}

fn cut_by(
    repo: &gix::Repository,
    policy: &Policy,
    remote: Option<&str>,
    tag: &str,
) -> Option<String> {
    let mut ledgers = vec![ledger_access::open(repo, policy)];
    if let Some(remote) = remote {
        ledgers.insert(
            0,
            ledger_access::open_at(repo, policy, ledger::sync::tracking_ref(remote)),
        );
    }
    ledgers.iter().find_map(|l| {
        l.version_state(tag)
            .ok()
            .flatten()
            .and_then(|s| s.cut)
            .map(|c| format!("{} at {}", c.actor, c.time))
    })
}

pub fn cmd_cut(ctx: &Context, args: CutArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let gix = repo.gix();
    let tag = args.tag.clone();
    if let Some(reason) = &args.reason
        && reason.trim().is_empty()
    {
        return Err(CliError::usage(
            "--reason must say why this is an emergency",
        ));
    }

    // Gather: the remote first (fetch), so every later fact is current.
    let remote_name = if args.no_push {
        None
    } else {
        ledger::sync::default_remote(gix)
    };
    let remote = match &remote_name {
        Some(name) => {
            ctx.status(format!("fetching from {name}…"));
            git::remote::fetch_branches(&repo, name)
                .map_err(|e| undecided(e, "cannot fetch the release branch"))?;
            ledger_access::sync(ctx, gix)?;
            Some(RemoteView {
                name: name.clone(),
                tags: remote_tags(&repo, name)?,
            })
        }
        None => None,
    };

    let mut report = ctx.report("cut", Style::Verdict);
    // The version's name against local and remote tags: stop here when it is not one.
    let mut existing: Vec<String> = repo.tags()?.into_iter().map(|(n, _)| n).collect();
    if let Some(remote) = &remote {
        existing.extend(
            remote
                .tags
                .keys()
                .filter(|n| !existing.contains(n))
                .cloned()
                .collect::<Vec<_>>(),
        );
    }
    report.checked().tags += 1;
    let version = match cut::name_check(&tag, &existing, &policy) {
        Ok(version) => version,
        Err(check) => {
            report.check(*check);
            return ctx.finish(report, Ok(()));
        }
    };

    let head = repo.head()?;
    let commit = match &head {
        Head::Branch { id, .. } | Head::Detached { id } => *id,
        Head::Unborn { .. } => return Err(CliError::usage("HEAD has no commit yet")),
    };
    let commit_hex = commit.to_string();

    let local = git::tag::local_tag(&repo, &tag)?.map(|local| {
        let peeled = local.commit.map(|c| c.to_string()).unwrap_or_default();
        (local.annotated, peeled)
    });
    let version_facts = release_version::VersionFacts {
        tag: &tag,
        commit: &commit_hex,
        local,
        remote: remote.as_ref().and_then(|r| r.tags.get(&tag).cloned()),
        cut_by: cut_by(gix, &policy, remote_name.as_deref(), &tag),
    };

    // The version's release branch: `release/v1.2.3` or the release line `release/v1.2`
    // (the policy's templates), whichever exists here or on the remote just fetched.
    let lookup_remote = remote_name.as_deref().unwrap_or("origin");
    let branch_exists = |b: &str| {
        [
            format!("refs/heads/{b}"),
            format!("refs/remotes/{lookup_remote}/{b}"),
        ]
        .iter()
        .any(|r| repo.ref_commit(r).ok().flatten().is_some())
    };
    let expected_branches =
        release_branch::existing_first(policy.release_branches(&version), branch_exists);
    let head_branch = match &head {
        Head::Branch { name, .. } => Some(name.as_str()),
        _ => None,
    };
    let dirty = gix
        .is_dirty()
        .map_err(|e| CliError::undecided(format!("cannot read the working tree's status: {e}")))?;
    let upstream = match head_branch {
        Some(branch) => repo.upstream(branch)?,
        None => None,
    };
    let upstream_view = match &upstream {
        Some((name, id)) => Some((name.as_str(), !repo.is_ancestor(*id, commit)?)),
        None => None,
    };

    let previous = notes::previous_tag(&repo, &policy, Some(&version), commit)?;
    let release_notes = notes::gather(&repo, &policy, &tag, previous.clone(), commit)?;
    // `[commits] verify_jira`: the keys the commits since the previous release name (the
    // notes' range), looked up in one batched run. A Jira error leaves the cut undecided.
    let mut keys_check = None;
    if policy.file.commits.verify_jira {
        let exclude: Vec<ObjectId> = previous.iter().map(|(_, id)| *id).collect();
        let commits = repo
            .range(&[commit], &exclude)?
            .iter()
            .map(|id| repo.commit(*id))
            .collect::<Result<Vec<_>, _>>()?;
        report.checked().commits += commits.len();
        keys_check = match verify_jira::verify(ctx, &policy, &commits, None) {
            Ok(verified) => verified.map(|verified| JiraKeys::Verified {
                seen: verified.note.trim_start_matches("jira keys: ").to_string(),
                findings: verified.findings,
            }),
            Err(e) => Some(JiraKeys::Unavailable {
                since: previous.as_ref().map(|(name, _)| name.clone()),
                hint: e.hint(),
                message: e.to_string(),
            }),
        };
    }

    // The criteria, then every check in the order a release manager reads them.
    let ledger = ledger_access::open(gix, &policy);
    let skip = cut::skipped_criteria(&policy, args.hotfix);
    let outcomes = gather::evaluate(&Gather {
        facts: &gather::Repository {
            repo: &repo,
            ledger: Some(&ledger),
        },
        policy: &policy,
        commit,
        occasion: Occasion::Cut {
            version: &tag,
            tree_counts: !dirty,
            previous_tag: previous.as_ref(),
            skip: &skip,
        },
    })?;
    // `[separation]`: what the separation-of-duties rules a policy forbids need, read
    // only when they run.
    let separation = &policy.file.separation;
    let forbids = |allowed: &toml::Spanned<bool>| !*allowed.get_ref();
    let separation_runs = forbids(&separation.one_person_two_roles)
        || forbids(&separation.cut_and_approve)
        || forbids(&separation.approve_own_commits);
    let approvals = if args.hotfix || separation_runs {
        identity::approvals_for(&ledger, &tag, None, commit)?
    } else {
        Vec::new()
    };
    let cutter = if forbids(&separation.cut_and_approve) {
        Some(identity::actor_from_process_env(gix)?)
    } else {
        None
    };
    let release_authors = if forbids(&separation.approve_own_commits) {
        notes::release_authors(&repo, &policy, &tag, commit)?
    } else {
        Vec::new()
    };
    let commit_hex = commit.to_string();

    // Events the ledger refuses to count are named where they would have counted.
    let refused = if args.hotfix && *policy.file.ledger.require_signed.get_ref() {
        identity::refused_for_version(&ledger, &tag)?
    } else {
        Vec::new()
    };
    let checks = cut::checks(
        CutFacts {
            tag: &tag,
            commit,
            head_branch,
            version: version_facts,
            branch: release_branch::BranchStateFacts {
                candidates: &expected_branches,
                head_branch,
                dirty,
                upstream: upstream_view,
                remote_checked: remote.is_some(),
            },
            emergency: args.hotfix.then(|| EmergencyFacts {
                reason: args.reason.as_deref().unwrap_or(""),
                approvals: &approvals,
                notes: &release_notes,
                refused: &refused,
            }),
            jira_keys: keys_check,
            criteria: &outcomes,
            separation: SeparationFacts {
                version: &tag,
                scope: "the cut",
                required: crate::rules::release_approvals::cut_roles(&policy),
                commit: Some(&commit_hex),
                approvals: &approvals,
                cut: cutter.as_deref().map(|actor| (actor, commit_hex.as_str())),
                release_authors: &release_authors,
            },
        },
        &policy,
    );
    for check in checks {
        report.check(check);
    }
    let jira_url = policy.file.jira.url.as_deref();
    let rendered_notes = release_notes.render(jira_url);
    if args.dry_run || report.outcome() != Outcome::Allowed {
        if args.dry_run {
            report.note("dry run: nothing was tagged, recorded or pushed");
            report.set_data(Data::Notes(NotesData::new(&release_notes, jira_url)));
        }
        return ctx.finish(report, Ok(()));
    }

    // Act.
    let actor = identity::actor_from_process_env(gix)?;
    let time = crate::schedule::now().map_err(|e| CliError::usage(e.to_string()))?;
    let tag_id = git::tag::create_annotated(&repo, &tag, commit, &rendered_notes, args.sign)?;
    let event = Event::new(
        EventBody::Cut(Cut {
            version: tag.clone(),
            tag_object: Some(tag_id),
            emergency: args.hotfix,
            reason: args.reason.clone(),
            artifacts: Vec::new(),
        }),
        commit,
        actor.clone(),
        time,
    )?;
    // The tag and the cut event are recorded together through the one write path: the
    // tag's ref exists nowhere until the remote accepted both. A lost race re-checks what
    // the gate read from the ledger against the state the event would be recorded on.
    let seen = LedgerFacts::read(&*ledger.state()?, &tag, commit)?;
    let written = ledger_access::write(ctx, &ledger, remote.is_none(), |base| {
        // After a lost race, the remote may have the tag already.
        let remote_tag = match base.remote {
            Some(remote) if base.attempt > 1 => remote_tags(&repo, remote)?.remove(&tag),
            _ => None,
        };
        Ok(cut::decide_again(
            &*base.state()?,
            remote_tag,
            &tag,
            commit,
            &seen,
            &event,
            tag_id,
        )?)
    })?;
    match written.outcome {
        CutRecorded::Recorded => {}
        CutRecorded::TakenFirst(theirs) => {
            let who = cut_by(gix, &policy, remote.as_ref().map(|r| r.name.as_str()), &tag)
                .map(|w| format!("cut by {w}"))
                .unwrap_or_else(|| "pushed without a reltag cut event".into());
            report.finding(
                Finding::error(
                    release_version::ReleaseVersion::ID,
                    Subject::Tag { name: tag.clone() },
                    format!(
                        "someone else released {tag} first: the remote has it at {} ({who}); nothing was tagged or recorded here",
                        &theirs[..theirs.len().min(12)]
                    ),
                )
                .with_hint("fetch, look at what was released, and cut the next version if needed"),
            );
            return ctx.finish(report, Ok(()));
        }
        CutRecorded::LedgerChanged => {
            return Err(CliError::undecided(format!(
                "the ledger changed while cutting {tag}: approvals or evidence for commit {} were recorded or voided meanwhile; nothing was tagged or recorded",
                &commit_hex[..12]
            ))
            .hint("run the cut again, to decide with what the ledger holds now"));
        }
    }
    let Some(remote) = remote else {
        report.note(format!("cut {tag} locally (not pushed)"));
        return ctx.finish(report, Ok(()));
    };
    report.note(format!(
        "cut {tag} and pushed it with the ledger to {}",
        remote.name
    ));
    if let Some(note) = github_release(&policy, &tag, tag_id, &rendered_notes, &version) {
        report.note(note);
    }
    // Announced once published: a local cut is not news yet.
    super::notices::after_record(ctx, gix, &policy, &event, &mut report);
    ctx.finish(report, Ok(()))
}

/// `[github] release = true`: a GitHub Release with the notes, made only after the
/// annotated tag and the ledger were pushed (the API would otherwise create a lightweight
/// tag), and idempotently (an existing release for the tag is left as it is). The release
/// is a convenience on top of a finished cut: a failure is reported, never undone.
fn github_release(
    policy: &Policy,
    tag: &str,
    tag_id: gix::ObjectId,
    notes: &str,
    version: &semver::Version,
) -> Option<String> {
    use crate::forge::{NewRelease, ReleaseOutcome};
    if !policy.file.github.release {
        return None;
    }
    let tag_object = tag_id.to_string();
    let made = crate::forge::from_env().and_then(|forge| {
        forge.create_release(&NewRelease {
            tag,
            tag_object: &tag_object,
            notes,
            prerelease: !version.pre.is_empty(),
        })
    });
    Some(match made {
        Ok(ReleaseOutcome::Created { url }) => format!("created the GitHub Release {url}"),
        Ok(ReleaseOutcome::Existing { url }) => {
            format!("the GitHub Release for {tag} already exists: {url}")
        }
        Err(e) => format!(
            "{tag} is released, but the GitHub Release could not be created: {e} ({}); create it from the tag on GitHub",
            e.hint
        ),
    })
}
