//! `reltag check pr`: the pull-request gate, run on GitHub's runners.
//!
//! The policy is read from the pull request's base commit, never from its head, so a pull
//! request cannot weaken the rules it is judged by. The commits come from git (fetching
//! what a shallow checkout lacks), else from the API; missing history is never a pass.

use std::path::PathBuf;

use clap::Args;
use gix::ObjectId;

use super::{check_branch_name, check_forge_commit, short};
use crate::cli::{CliError, Context};
use crate::forge::github::event::{self, PrEvent, PullRequest};
use crate::forge::github::reviews::{self, ApiReview};
use crate::forge::github::{Client, OwnerRepo};
use crate::gates;
use crate::git::command::run_git;
use crate::git::{CommitInfo, Repo};
use crate::policy::{POLICY_FILE_NAME, Policy, Source};
use crate::report::{Outcome, Report, Subject};
use crate::rules::pr_subject_exemption::SubjectExemptionFacts;
use crate::rules::{MessageFacts, PullRequestFacts, display_text};

/// Check a GitHub pull request: its head branch name, every commit in it, the squash
/// commit's message (title and body) with `merge_method = "squash"`, and its reviews
/// against `[pull_requests]`. The policy is read from the base commit, never the head.
///
/// In GitHub Actions the pull request comes from $GITHUB_EVENT_PATH (pull_request,
/// pull_request_target, pull_request_review and merge_group events). Needs GITHUB_TOKEN
/// or GH_TOKEN; GITHUB_API_URL selects GitHub Enterprise Server.
#[derive(Debug, Args)]
pub struct PrArgs {
    /// The pull request's number [default: from the event payload].
    #[arg(long, value_name = "N")]
    pub number: Option<u64>,
    /// The repository [default: $GITHUB_REPOSITORY, or the event's repository].
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
}

pub fn cmd_check_pr(ctx: &Context, args: PrArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let event = match args.number {
        Some(_) => None,
        None => Some(read_event()?),
    };
    let event_repo = match &event {
        Some(PrEvent::PullRequest { repository, .. })
        | Some(PrEvent::MergeGroup { repository, .. }) => repository.clone(),
        None => None,
    };
    let owner_repo = match (args.repo.as_deref(), event_repo.as_deref()) {
        (Some(r), _) => r.parse::<OwnerRepo>()?,
        (None, Some(r)) if std::env::var_os("GITHUB_REPOSITORY").is_none() => r.parse()?,
        _ => OwnerRepo::from_env_or(None)?,
    };
    let client = Client::from_env()?;
    let api = owner_repo.api_path();
    let (pr, base_sha) = match event {
        Some(PrEvent::PullRequest { pr, .. }) => {
            let base = pr.base.sha.clone();
            (*pr, base)
        }
        Some(PrEvent::MergeGroup {
            number, base_sha, ..
        }) => (
            client.get_json::<PullRequest>(&format!("{api}/pulls/{number}"))?,
            base_sha,
        ),
        None => {
            let number = args.number.unwrap_or_default();
            let pr: PullRequest = client.get_json(&format!("{api}/pulls/{number}"))?;
            let base = pr.base.sha.clone();
            (pr, base)
        }
    };
    ctx.status(format!(
        "checking pull request #{} of {owner_repo}: {} ({}) into {} ({})",
        pr.number,
        pr.head.branch,
        short_sha(&pr.head.sha),
        pr.base.branch,
        short_sha(&base_sha)
    ));

    let policy_path = policy_path_in_repo(ctx, &repo)?;
    let policy = policy_at_base(&repo, &client, &owner_repo, &base_sha, &policy_path)?;

    let mut report = Report::default();
    report.notes.push(format!(
        "policy: {} at the base commit {}",
        policy_path,
        short_sha(&base_sha)
    ));
    check_branch_name(&pr.head.branch, &policy, &mut report);

    let refname = format!("refs/pull/{}/head", pr.number);
    let gathered = gather_commits(ctx, &repo, &client, &owner_repo, &pr, &base_sha)?;
    report.notes.push(match gathered.source {
        CommitSource::Git => format!(
            "checked the {} commit(s) of the pull request (from git)",
            gathered.commits.len()
        ),
        CommitSource::Api => format!(
            "checked the {} commit(s) of the pull request (from the API: the history is not in this checkout)",
            gathered.commits.len()
        ),
    });
    for commit in &gathered.commits {
        report.checked.commits += 1;
        // The forge's account for each commit's author decides `exempt_authors`; until
        // the logins are passed here (`author.login` of the API's commit list), every
        // commit counts as linked to no account: nobody is exempt by author (fail closed).
        check_forge_commit(commit, None, &policy, Some(&refname), &mut report);
    }
    // `[commits] verify_jira`: one batched lookup of every key the commits name; any
    // Jira error is exit 3 (fail closed).
    if let Some(verified) =
        crate::cli::verify_jira::verify(ctx, &policy, &gathered.commits, Some(&refname))?
    {
        report.notes.push(verified.note);
        report.findings.extend(verified.findings);
    }

    let title = display_text(pr.title.as_bytes(), 120);
    let subject = Subject::PullRequest {
        number: pr.number,
        title: title.clone(),
    };
    if policy.file.pull_requests.merge_method == crate::policy::schema::MergeMethod::Squash {
        let message = match pr.body.as_deref().map(str::trim) {
            Some(body) if !body.is_empty() => format!("{}\n\n{body}\n", pr.title),
            _ => format!("{}\n", pr.title),
        };
        let msg_subject = Subject::Message {
            source: format!("pull request #{} (the squash commit)", pr.number),
            summary: title.clone(),
        };
        report.checked.messages += 1;
        let exempted = gates::message(
            &MessageFacts {
                subject: &msg_subject,
                message: message.as_bytes(),
                parent_count: Some(1),
                encoding: None,
                author: None,
            },
            &policy,
            &mut report.findings,
        );
        report.exempted.extend(exempted);
    }

    let api_reviews: Vec<ApiReview> =
        client.get_all(&format!("{api}/pulls/{}/reviews", pr.number), Some)?;
    let summary = reviews::summarize(
        &api_reviews,
        &pr.user.login,
        &pr.head.sha,
        policy.file.pull_requests.dismiss_stale,
    )?;
    let policy_changed = match gathered.source {
        CommitSource::Git => policy_changed_in_git(&repo, &gathered, &policy_path)?,
        CommitSource::Api => policy_changed_in_api(&client, &owner_repo, pr.number, &policy_path)?,
    };
    let min = policy.file.pull_requests.min_approvals;
    report.notes.push(if summary.approved.is_empty() {
        format!("approvals: none of {min} required")
    } else {
        format!(
            "approvals: {} of {min} required, by {}",
            summary.approved.len(),
            summary
                .approved
                .iter()
                .map(|l| format!("@{l}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    gates::pull_request(
        &PullRequestFacts {
            subject: &subject,
            head_sha: &pr.head.sha,
            head_branch: &pr.head.branch,
            title: &pr.title,
            reviews: &summary,
            policy_changed,
        },
        &policy,
        &mut report.findings,
    );
    gates::subject_exemptions(
        &SubjectExemptionFacts {
            subject: &subject,
            exempted: &report.exempted,
            approved: &summary.approved,
        },
        &policy,
        &mut report.findings,
    );
    ctx.emit_with_outputs(
        &report,
        &[
            ("pull-request", pr.number.to_string()),
            ("approvals", summary.approved.len().to_string()),
            ("head-sha", pr.head.sha.clone()),
        ],
    )
}

fn short_sha(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

fn read_event() -> Result<PrEvent, CliError> {
    let name = std::env::var("GITHUB_EVENT_NAME").ok();
    let path = std::env::var_os("GITHUB_EVENT_PATH").map(PathBuf::from);
    match (name, path) {
        (Some(name), Some(path)) => Ok(event::read(&name, &path)?),
        _ => Err(CliError::usage(
            "no pull request: GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set",
        )
        .hint("pass --number N (and --repo OWNER/NAME outside GitHub Actions)")),
    }
}

/// The policy file's path inside the repository: `--policy` relative to the root, or
/// `policy.toml`.
fn policy_path_in_repo(ctx: &Context, repo: &Repo) -> Result<String, CliError> {
    let Some(path) = &ctx.policy_path else {
        return Ok(POLICY_FILE_NAME.to_string());
    };
    let root = repo
        .workdir()
        .ok_or_else(|| CliError::usage("check pr needs a working tree"))?;
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let absolute = path
        .parent()
        .and_then(|p| p.canonicalize().ok())
        .map(|p| p.join(path.file_name().unwrap_or_default()))
        .unwrap_or_else(|| path.clone());
    let relative = absolute.strip_prefix(&root).map_err(|_| {
        CliError::usage(format!(
            "--policy {} is outside the repository: check pr reads the policy from the base commit",
            path.display()
        ))
    })?;
    Ok(relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/"))
}

/// The policy as the base commit has it: from git (fetching the commit if the checkout
/// lacks it), else from the API. No file at the base means the default policy.
fn policy_at_base(
    repo: &Repo,
    client: &Client,
    owner_repo: &OwnerRepo,
    base_sha: &str,
    path: &str,
) -> Result<Policy, CliError> {
    let display = format!("{path} (at {})", short_sha(base_sha));
    let text = match base_id(base_sha) {
        Some(id) => {
            if !has_commit(repo, id) {
                fetch(repo, &[base_sha], Some(1));
            }
            if has_commit(repo, id) {
                blob_at(repo, id, path)?
            } else {
                policy_from_api(client, owner_repo, base_sha, path)?
            }
        }
        None => policy_from_api(client, owner_repo, base_sha, path)?,
    };
    match text {
        None => Ok(Policy::default_policy()),
        Some(text) => Policy::from_toml(&text, &display, Source::File(PathBuf::from(path)))
            .map_err(|invalid| CliError::from(crate::policy::LoadError::Invalid(invalid))),
    }
}

fn base_id(sha: &str) -> Option<ObjectId> {
    ObjectId::from_hex(sha.as_bytes()).ok()
}

fn has_commit(repo: &Repo, id: ObjectId) -> bool {
    repo.gix().find_commit(id).is_ok()
}

/// `git fetch` of commits by id, best effort: the caller checks what arrived.
fn fetch(repo: &Repo, shas: &[&str], depth: Option<u64>) -> bool {
    let Some(dir) = repo.workdir().or_else(|| Some(repo.gix().git_dir())) else {
        return false;
    };
    let mut args: Vec<String> = vec!["fetch".into(), "--no-tags".into(), "--quiet".into()];
    if let Some(depth) = depth {
        args.push(format!("--depth={depth}"));
    }
    args.push("origin".into());
    args.extend(shas.iter().map(|s| s.to_string()));
    run_git(dir, &args).is_ok()
}

fn unshallow(repo: &Repo, shas: &[&str]) -> bool {
    let Some(dir) = repo.workdir() else {
        return false;
    };
    let mut args: Vec<String> = vec!["fetch".into(), "--no-tags".into(), "--quiet".into()];
    if repo.gix().is_shallow().unwrap_or(false) {
        args.push("--unshallow".into());
    }
    args.push("origin".into());
    args.extend(shas.iter().map(|s| s.to_string()));
    run_git(dir, &args).is_ok()
}

/// A file's text at a commit, or `None` if the commit has no such file.
fn blob_at(repo: &Repo, commit: ObjectId, path: &str) -> Result<Option<String>, CliError> {
    let undecided = |e: &dyn std::fmt::Display| {
        CliError::undecided(format!("cannot read {path} at {}: {e}", short(&commit)))
    };
    let commit = repo.gix().find_commit(commit).map_err(|e| undecided(&e))?;
    let tree = commit.tree().map_err(|e| undecided(&e))?;
    let Some(entry) = tree.lookup_entry_by_path(path).map_err(|e| undecided(&e))? else {
        return Ok(None);
    };
    let object = entry.object().map_err(|e| undecided(&e))?;
    Ok(Some(String::from_utf8_lossy(&object.data).into_owned()))
}

fn blob_id_at(repo: &Repo, commit: ObjectId, path: &str) -> Result<Option<ObjectId>, CliError> {
    let undecided = |e: &dyn std::fmt::Display| {
        CliError::undecided(format!("cannot read {path} at {}: {e}", short(&commit)))
    };
    let commit = repo.gix().find_commit(commit).map_err(|e| undecided(&e))?;
    let tree = commit.tree().map_err(|e| undecided(&e))?;
    Ok(tree
        .lookup_entry_by_path(path)
        .map_err(|e| undecided(&e))?
        .map(|e| e.object_id()))
}

#[derive(serde::Deserialize)]
struct Contents {
    content: String,
    encoding: String,
}

fn policy_from_api(
    client: &Client,
    owner_repo: &OwnerRepo,
    base_sha: &str,
    path: &str,
) -> Result<Option<String>, CliError> {
    let encoded: Vec<String> = path
        .split('/')
        .map(crate::forge::github::encode_segment)
        .collect();
    let url = format!(
        "{}/contents/{}?ref={base_sha}",
        owner_repo.api_path(),
        encoded.join("/")
    );
    let Some(contents) = client.get_json_optional::<Contents>(&url)? else {
        return Ok(None);
    };
    if contents.encoding != "base64" {
        return Err(CliError::undecided(format!(
            "GitHub sent {path} in the encoding `{}`",
            contents.encoding
        )));
    }
    let bytes = decode_base64(&contents.content)
        .ok_or_else(|| CliError::undecided(format!("GitHub sent {path} as broken base64")))?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Standard base64 with line breaks, as the contents API sends it.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

enum CommitSource {
    Git,
    Api,
}

struct Gathered {
    source: CommitSource,
    commits: Vec<CommitInfo>,
    head: Option<ObjectId>,
    base: Option<ObjectId>,
}

/// Every commit of the pull request: `base..head` from git, deepening a shallow checkout
/// as needed, else the API's list (which stops at 250 commits: more is undecided).
fn gather_commits(
    ctx: &Context,
    repo: &Repo,
    client: &Client,
    owner_repo: &OwnerRepo,
    pr: &PullRequest,
    base_sha: &str,
) -> Result<Gathered, CliError> {
    if let (Some(head), Some(base)) = (base_id(&pr.head.sha), base_id(base_sha)) {
        let shas = [pr.head.sha.as_str(), base_sha];
        let depth = pr.commits.unwrap_or(50) + 2;
        for step in 0..3 {
            // 0: what the checkout has; 1: fetch the two commits (deep enough for the
            // pull request when shallow); 2: the whole history.
            let fetched = match step {
                0 => true,
                1 => {
                    ctx.status("fetching the pull request's commits");
                    let shallow = repo.gix().is_shallow().unwrap_or(false);
                    fetch(repo, &shas, shallow.then_some(depth))
                }
                _ => {
                    ctx.status("fetching the whole history");
                    unshallow(repo, &shas)
                }
            };
            if !fetched {
                continue;
            }
            if !(has_commit(repo, head) && has_commit(repo, base)) {
                continue;
            }
            match repo.range(&[head], &[base]) {
                Ok(ids) => {
                    let commits = ids
                        .iter()
                        .map(|id| repo.commit(*id))
                        .collect::<Result<Vec<_>, _>>()?;
                    return Ok(Gathered {
                        source: CommitSource::Git,
                        commits,
                        head: Some(head),
                        base: Some(base),
                    });
                }
                Err(crate::git::Error::ShallowBoundary { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
    commits_from_api(client, owner_repo, pr)
}

#[derive(serde::Deserialize)]
struct ApiCommit {
    sha: String,
    commit: ApiCommitInner,
    parents: Vec<serde_json::Value>,
}

#[derive(serde::Deserialize)]
struct ApiCommitInner {
    message: String,
}

fn commits_from_api(
    client: &Client,
    owner_repo: &OwnerRepo,
    pr: &PullRequest,
) -> Result<Gathered, CliError> {
    let list: Vec<ApiCommit> = client.get_all(
        &format!("{}/pulls/{}/commits", owner_repo.api_path(), pr.number),
        Some,
    )?;
    if let Some(expected) = pr.commits
        && (list.len() as u64) < expected
    {
        return Err(CliError::undecided(format!(
            "the API listed {} of the pull request's {expected} commits (it stops at 250), and this checkout lacks the history",
            list.len()
        ))
        .hint("check out with `fetch-depth: 0` (actions/checkout) so reltag reads the commits from git"));
    }
    let commits = list
        .into_iter()
        .map(|c| {
            let id = ObjectId::from_hex(c.sha.as_bytes()).map_err(|_| {
                CliError::undecided(format!("the API listed a commit with a bad id: {}", c.sha))
            })?;
            let mut message = c.commit.message.into_bytes();
            if !message.ends_with(b"\n") {
                message.push(b'\n');
            }
            Ok(CommitInfo {
                id,
                parent_count: c.parents.len(),
                message,
                encoding: None,
                // The author (name, email) and the linked login are in the API's answer
                // (`commit.author`, `author.login`); see check_forge_commit.
                author: None,
            })
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    Ok(Gathered {
        source: CommitSource::Api,
        commits,
        head: None,
        base: None,
    })
}

/// Whether the pull request changes the policy file: its blob at the merge base against
/// its blob at the head.
fn policy_changed_in_git(repo: &Repo, gathered: &Gathered, path: &str) -> Result<bool, CliError> {
    let (Some(head), Some(base)) = (gathered.head, gathered.base) else {
        return Ok(false);
    };
    let merge_base = repo
        .gix()
        .merge_base(base, head)
        .map_err(|e| CliError::undecided(format!("cannot compute the merge base: {e}")))?
        .map(|id| id.detach())
        .unwrap_or(base);
    Ok(blob_id_at(repo, merge_base, path)? != blob_id_at(repo, head, path)?)
}

#[derive(serde::Deserialize)]
struct ChangedFile {
    filename: String,
    previous_filename: Option<String>,
}

fn policy_changed_in_api(
    client: &Client,
    owner_repo: &OwnerRepo,
    number: u64,
    path: &str,
) -> Result<bool, CliError> {
    let files: Vec<ChangedFile> = client.get_all(
        &format!("{}/pulls/{number}/files", owner_repo.api_path()),
        Some,
    )?;
    Ok(files
        .iter()
        .any(|f| f.filename == path || f.previous_filename.as_deref() == Some(path)))
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn base64_with_line_breaks() {
        assert_eq!(
            decode_base64("W3B1bGxf\ncmVxdWVzdHNd\n").unwrap(),
            b"[pull_requests]"
        );
        assert_eq!(decode_base64("YQ==").unwrap(), b"a");
        assert!(decode_base64("a*b").is_none());
    }
}
