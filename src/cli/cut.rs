//! `reltag cut VERSION`: gather → evaluate → report → act. It tags only when nothing
//! blocks, and the tag and the ledger's `cut` event reach the remote in one atomic push
//! or are both taken back.

use std::collections::BTreeMap;

use clap::Args;
use gix::ObjectId;
use semver::Version;

use super::gather::{self, Subject as CriteriaSubject};
use super::{CliError, Context, ErrorKind, ledger_access, verify_jira};
use crate::git::{Head, Repo, command::run_git};
use crate::ledger::{self, Cut, Event, EventBody, Ledger, identity};
use crate::policy::Policy;
use crate::policy::schema::{Criterion, Skippable};
use crate::release::criteria::Verdict;
use crate::release::notes;
use crate::report::{Finding, Outcome, Report, Subject};
use crate::rules::commit_jira_exists::CommitJiraExists;
use crate::rules::{TagFacts, release_branch, release_external::ReleaseEmergency, release_version};

/// Cut a release: check the version, the release branch and every release criterion
/// against the exact commit, then create the annotated tag (message: the release
/// notes), record the `cut` event in the ledger and push both in one atomic push.
/// Nothing is written when anything blocks; a failed push takes both back.
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

fn git_dir(repo: &Repo) -> std::path::PathBuf {
    repo.workdir()
        .unwrap_or_else(|| repo.gix().git_dir())
        .to_path_buf()
}

fn undecided(e: crate::git::command::CommandError, what: &str) -> CliError {
    CliError::new(ErrorKind::Undecided, e).hint(format!(
        "{what}; check the remote and your credentials, or pass --no-push to cut locally"
    ))
}

/// Remote tags by `git ls-remote --tags`, peeled to commits.
fn remote_tags(repo: &Repo, remote: &str) -> Result<BTreeMap<String, String>, CliError> {
    let out = run_git(&git_dir(repo), ["ls-remote", "--tags", remote])
        .map_err(|e| undecided(e, "cannot list the remote's tags"))?;
    let mut tags = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((id, name)) = line.split_once('\t') else {
            continue;
        };
        let Some(name) = name.strip_prefix("refs/tags/") else {
            continue;
        };
        match name.strip_suffix("^{}") {
            Some(base) => {
                tags.insert(base.to_string(), id.to_string());
            }
            None => {
                tags.entry(name.to_string())
                    .or_insert_with(|| id.to_string());
            }
        }
    }
    Ok(tags)
}

fn cut_by(repo: &gix::Repository, remote: Option<&str>, tag: &str) -> Option<String> {
    let mut ledgers = vec![Ledger::new(repo)];
    if let Some(remote) = remote {
        ledgers.insert(0, Ledger::at_ref(repo, ledger::sync::tracking_ref(remote)));
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
            run_git(
                &git_dir(&repo),
                ["fetch", "--quiet", "--no-tags", name.as_str()],
            )
            .map_err(|e| undecided(e, "cannot fetch the release branch"))?;
            ledger_access::sync(gix, false)?;
            Some(RemoteView {
                name: name.clone(),
                tags: remote_tags(&repo, name)?,
            })
        }
        None => None,
    };

    let mut report = Report::default();
    // Version: format, semver, sequence against local and remote tags.
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
    report.checked.tags += 1;
    crate::gates::tag(
        &TagFacts {
            name: &tag,
            existing: &existing,
        },
        &policy,
        &mut report.findings,
    );
    let version = policy
        .tag_format
        .version_text(&tag)
        .and_then(|v| Version::parse(&v).ok());
    let Some(version) = version.filter(|_| report.findings.is_empty()) else {
        return ctx.emit(&report);
    };

    let head = repo.head()?;
    let commit = match &head {
        Head::Branch { id, .. } | Head::Detached { id } => *id,
        Head::Unborn { .. } => return Err(CliError::usage("HEAD has no commit yet")),
    };
    let commit_hex = commit.to_string();

    let local = match repo
        .gix()
        .try_find_reference(format!("refs/tags/{tag}").as_str())
    {
        Ok(Some(r)) => {
            let annotated = r
                .target()
                .try_id()
                .and_then(|id| repo.gix().find_object(id).ok())
                .is_some_and(|o| o.kind == gix::object::Kind::Tag);
            let peeled = repo
                .ref_commit(&format!("refs/tags/{tag}"))?
                .map(|c| c.to_string())
                .unwrap_or_default();
            Some((annotated, peeled))
        }
        _ => None,
    };
    let version_facts = release_version::VersionFacts {
        tag: &tag,
        commit: &commit_hex,
        local,
        remote: remote.as_ref().and_then(|r| r.tags.get(&tag).cloned()),
        cut_by: cut_by(gix, remote_name.as_deref(), &tag),
    };
    release_version::check(&version_facts, &mut report.findings);

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
    release_branch::check(
        &release_branch::BranchStateFacts {
            candidates: &expected_branches,
            head_branch,
            dirty,
            upstream: upstream_view,
            remote_checked: remote.is_some(),
        },
        &mut report.findings,
    );

    // Emergency: approver, Jira prefix, what may be skipped.
    let skip: Vec<Criterion> = if args.hotfix {
        policy
            .file
            .emergency
            .may_skip
            .iter()
            .filter_map(|s| skippable_criterion(*s))
            .collect()
    } else {
        Vec::new()
    };

    let previous = notes::previous_tag(&repo, &policy, Some(&version), commit)?;
    let release_notes = notes::gather(&repo, &policy, &tag, previous.clone(), commit)?;
    // `[commits] verify_jira`: the keys the commits since the previous release name (the
    // notes' range), looked up in one batched run. A Jira error leaves the cut undecided.
    let mut keys_undecided = false;
    let mut keys_note = None;
    if policy.file.commits.verify_jira {
        let exclude: Vec<ObjectId> = previous.iter().map(|(_, id)| *id).collect();
        let commits = repo
            .range(&[commit], &exclude)?
            .iter()
            .map(|id| repo.commit(*id))
            .collect::<Result<Vec<_>, _>>()?;
        report.checked.commits += commits.len();
        match verify_jira::verify(ctx, &policy, &commits, None) {
            Ok(verified) => {
                if let Some(verified) = verified {
                    keys_note = Some(verified.note);
                    report.findings.extend(verified.findings);
                }
            }
            Err(e) => {
                keys_undecided = true;
                let since = previous
                    .as_ref()
                    .map_or("the first commit".to_string(), |(name, _)| name.clone());
                let mut finding = Finding::error(
                    CommitJiraExists::ID,
                    Subject::Tag { name: tag.clone() },
                    format!("the Jira keys of the commits since {since} cannot be verified: {e}"),
                );
                if let Some(hint) = e.hint() {
                    finding = finding.with_hint(hint);
                }
                report.findings.push(finding);
            }
        }
    }
    if args.hotfix {
        emergency_findings(
            &repo,
            &policy,
            &tag,
            commit,
            &release_notes,
            &mut report.findings,
        )?;
    }

    // Evaluate the criteria.
    let outcomes = gather::evaluate(&CriteriaSubject {
        repo: &repo,
        policy: &policy,
        version: &tag,
        commit,
        tree_counts: !dirty,
        previous_tag: previous.as_ref(),
        skip: &skip,
    })?;

    // Report.
    let checks_ok = report
        .findings
        .iter()
        .all(|f| f.severity != crate::report::Severity::Error);
    report.notes.push(format!(
        "version {tag} at {} on {} {}",
        &commit_hex[..12],
        head_branch.unwrap_or("(detached HEAD)"),
        if checks_ok { "ok" } else { "blocked" }
    ));
    report.notes.extend(keys_note);
    for outcome in &outcomes {
        report.notes.push(outcome.line());
        report.findings.extend(outcome.findings.iter().cloned());
    }
    let undecided = keys_undecided || outcomes.iter().any(|o| o.verdict == Verdict::Undecided);
    let blocked = report.outcome() == Outcome::Blocked;
    let rendered_notes = release_notes.render(policy.file.jira.url.as_deref());
    if args.dry_run || blocked {
        if args.dry_run {
            report
                .notes
                .push("dry run: nothing was tagged, recorded or pushed".into());
        }
        let outcome = ctx.emit(&report)?;
        if args.dry_run && ctx.format == crate::report::Format::Human && !ctx.quiet {
            println!("\n{rendered_notes}");
        }
        if undecided {
            return Err(CliError::already_reported(ErrorKind::Undecided).hint(
                "some criteria or checks could not be evaluated (see the findings above): the release is blocked until they can be",
            ));
        }
        return Ok(outcome);
    }

    // Act.
    let actor = identity::actor_from_process_env(gix)?;
    let time = crate::schedule::now().map_err(|e| CliError::usage(e.to_string()))?;
    let tag_id = create_tag(&repo, &tag, commit, &rendered_notes, args.sign)?;
    let make_event = || {
        Event::new(
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
        )
    };
    let ledger = Ledger::new(gix);
    let mut appended = match make_event().and_then(|e| ledger.append(&e)) {
        Ok(a) => a,
        Err(e) => {
            delete_local_tag(gix, &tag, tag_id);
            return Err(e.into());
        }
    };
    let Some(remote) = remote else {
        report.notes.push(format!("cut {tag} locally (not pushed)"));
        return ctx.emit(&report);
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        match push(&repo, &remote.name, &tag, appended.new)? {
            Pushed::Done => break,
            Pushed::Failed(e) => {
                rollback(gix, &ledger, &appended, &tag, tag_id);
                return Err(CliError::new(ErrorKind::Undecided, e).hint(
                    "nothing was kept: the local tag and cut event were removed. Check the remote and run the cut again",
                ));
            }
            Pushed::Rejected(stderr) => {
                let tags = remote_tags(&repo, &remote.name).unwrap_or_default();
                if let Some(theirs) = tags.get(&tag) {
                    rollback(gix, &ledger, &appended, &tag, tag_id);
                    let _ = ledger::sync::fetch(gix, &remote.name);
                    let who = cut_by(gix, Some(&remote.name), &tag)
                        .map(|w| format!("cut by {w}"))
                        .unwrap_or_else(|| "pushed without a reltag cut event".into());
                    report.findings.push(
                        Finding::error(
                            release_version::ReleaseVersion::ID,
                            Subject::Tag { name: tag.clone() },
                            format!(
                                "someone else released {tag} first: the remote has it at {} ({who}); your local tag and cut event were removed",
                                &theirs[..theirs.len().min(12)]
                            ),
                        )
                        .with_hint("fetch, look at what was released, and cut the next version if needed"),
                    );
                    return ctx.emit(&report);
                }
                if attempt >= 3 {
                    rollback(gix, &ledger, &appended, &tag, tag_id);
                    return Err(CliError::undecided(format!(
                        "the remote kept refusing the push of {tag} and the ledger: {}",
                        stderr.trim()
                    ))
                    .hint("nothing was kept; run the cut again"));
                }
                // The ledger moved (an approval, evidence): take our event back,
                // integrate theirs, record it again on top and retry.
                if let Err(e) = ledger.undo(&appended) {
                    delete_local_tag(gix, &tag, tag_id);
                    return Err(e.into());
                }
                if let Err(e) = ledger_access::sync(gix, false) {
                    delete_local_tag(gix, &tag, tag_id);
                    return Err(e);
                }
                appended = match make_event().and_then(|e| ledger.append(&e)) {
                    Ok(a) => a,
                    Err(e) => {
                        delete_local_tag(gix, &tag, tag_id);
                        return Err(e.into());
                    }
                };
            }
        }
    }
    ledger::sync::record_pushed(gix, &remote.name, appended.new)?;
    report.notes.push(format!(
        "cut {tag} and pushed it with the ledger to {}",
        remote.name
    ));
    if let Some(note) = github_release(&policy, &tag, tag_id, &rendered_notes, &version) {
        report.notes.push(note);
    }
    ctx.emit(&report)
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
    use crate::forge::github::{Client, OwnerRepo, ReleaseOutcome, create_release};
    if !policy.file.github.release {
        return None;
    }
    let made = Client::from_env().and_then(|client| {
        let repo = OwnerRepo::from_env_or(None)?;
        create_release(
            &client,
            &repo,
            tag,
            &tag_id.to_string(),
            notes,
            !version.pre.is_empty(),
        )
    });
    Some(match made {
        Ok(ReleaseOutcome::Created { url }) => format!("created the GitHub Release {url}"),
        Ok(ReleaseOutcome::Existing { url }) => {
            format!("the GitHub Release for {tag} already exists: {url}")
        }
        Err(e) => format!(
            "{tag} is released, but the GitHub Release could not be created: {e} ({}); create it from the tag on GitHub",
            e.hint()
        ),
    })
}

fn skippable_criterion(s: Skippable) -> Option<Criterion> {
    Some(match s {
        Skippable::Coverage => Criterion::Coverage,
        Skippable::Ci => Criterion::Ci,
        Skippable::Bugs => Criterion::Bugs,
        Skippable::Perf => Criterion::Perf,
        Skippable::Docs => Criterion::Docs,
        Skippable::Command => Criterion::Command,
        _ => return None,
    })
}

fn emergency_findings(
    repo: &Repo,
    policy: &Policy,
    tag: &str,
    commit: ObjectId,
    release_notes: &notes::Notes,
    out: &mut Vec<Finding>,
) -> Result<(), CliError> {
    let approvers = crate::policy::names(&policy.file.emergency.approvers);
    let approvals = identity::approvals_for(&Ledger::new(repo.gix()), tag, None, commit)?;
    // The approver must hold the role now, under the policy in force.
    let current_member = |a: &crate::ledger::ApprovalRecord| {
        identity::is_member(&a.actor, &policy.role_members(&a.role))
    };
    if !approvals
        .iter()
        .any(|a| approvers.contains(&a.role) && current_member(a))
    {
        out.push(
            Finding::error(
                ReleaseEmergency::ID,
                Subject::Tag {
                    name: tag.to_string(),
                },
                format!(
                    "an emergency release needs an approval by {} of {tag} at commit {}",
                    if approvers.is_empty() {
                        "an [emergency] approver (none configured)".to_string()
                    } else {
                        approvers.join(" or ")
                    },
                    &commit.to_string()[..12]
                ),
            )
            .with_hint(format!(
                "an approver runs `reltag approve {tag} --role {}`",
                approvers.first().map(String::as_str).unwrap_or("ROLE")
            )),
        );
    }
    if let Some(prefix) = &policy.file.emergency.jira_prefix
        && !release_notes
            .by_key
            .iter()
            .any(|(k, _)| k.starts_with(&format!("{prefix}-")))
    {
        out.push(
            Finding::error(
                ReleaseEmergency::ID,
                Subject::Tag {
                    name: tag.to_string(),
                },
                format!("no commit of this emergency release names a {prefix}- issue"),
            )
            .with_hint(format!(
                "name the emergency ticket ({prefix}-123) in a commit message"
            )),
        );
    }
    Ok(())
}

fn create_tag(
    repo: &Repo,
    tag: &str,
    commit: ObjectId,
    message: &str,
    sign: bool,
) -> Result<ObjectId, CliError> {
    let gix = repo.gix();
    if sign {
        let commit_hex = commit.to_string();
        run_git(
            &git_dir(repo),
            ["tag", "-s", "--cleanup=verbatim", "-m", message, tag, commit_hex.as_str()],
        )
        .map_err(|e| CliError::new(ErrorKind::Undecided, e).hint("check your signing configuration (user.signingkey, gpg.format), or cut without --sign"))?;
    } else {
        let committer = gix
            .committer()
            .ok_or_else(|| {
                CliError::usage("git has no identity to tag with")
                    .hint("set user.name and user.email")
            })?
            .map_err(|e| CliError::usage(format!("git's identity is unusable: {e}")))?;
        gix.tag(
            tag,
            commit,
            gix::object::Kind::Commit,
            Some(committer),
            message,
            gix::refs::transaction::PreviousValue::MustNotExist,
        )
        .map_err(|e| CliError::undecided(format!("cannot create tag {tag}: {e}")))?;
    }
    let reference = gix
        .find_reference(format!("refs/tags/{tag}").as_str())
        .map_err(|e| CliError::undecided(format!("cannot read the new tag {tag}: {e}")))?;
    reference
        .target()
        .try_id()
        .map(|id| id.to_owned())
        .ok_or_else(|| CliError::undecided(format!("tag {tag} is symbolic")))
}

fn delete_local_tag(gix: &gix::Repository, tag: &str, tag_id: ObjectId) {
    use gix::refs::transaction::{Change, PreviousValue, RefEdit, RefLog};
    let Ok(name) = format!("refs/tags/{tag}").try_into() else {
        return;
    };
    let _ = gix.edit_reference(RefEdit {
        change: Change::Delete {
            expected: PreviousValue::MustExistAndMatch(gix::refs::Target::Object(tag_id)),
            log: RefLog::AndReference,
        },
        name,
        deref: false,
    });
}

fn rollback(
    gix: &gix::Repository,
    ledger: &Ledger<'_>,
    appended: &ledger::Appended,
    tag: &str,
    tag_id: ObjectId,
) {
    let _ = ledger.undo(appended);
    delete_local_tag(gix, tag, tag_id);
}

enum Pushed {
    Done,
    /// A lease did not hold: someone pushed the tag or the ledger first.
    Rejected(String),
    /// Anything else (unreachable remote, refused by a hook).
    Failed(crate::git::command::CommandError),
}

fn push(repo: &Repo, remote: &str, tag: &str, ledger_tip: ObjectId) -> Result<Pushed, CliError> {
    let expected = ledger::sync::tracked_tip(repo.gix(), remote)?;
    let tag_ref = format!("refs/tags/{tag}");
    // --no-verify: every check the pre-push hook would make was made above.
    let args = vec![
        "push".to_string(),
        "--atomic".into(),
        "--no-verify".into(),
        format!("--force-with-lease={tag_ref}:"),
        ledger::sync::lease_arg(expected),
        remote.to_string(),
        format!("{tag_ref}:{tag_ref}"),
        format!("{ledger_tip}:{}", ledger::LEDGER_REF),
    ];
    match run_git(&git_dir(repo), &args) {
        Ok(_) => Ok(Pushed::Done),
        Err(crate::git::command::CommandError::Failed { stderr, .. })
            if stderr.contains("stale info")
                || stderr.contains("[rejected]")
                || stderr.contains("already exists")
                || stderr.contains("fetch first")
                || stderr.contains("non-fast-forward")
                || stderr.contains("atomic push failed")
                || stderr.contains("cannot lock ref")
                || stderr.contains("atomic transaction failed") =>
        {
            Ok(Pushed::Rejected(stderr))
        }
        Err(e) => Ok(Pushed::Failed(e)),
    }
}
