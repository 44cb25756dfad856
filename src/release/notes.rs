//! Release notes: the commits between the previous release tag and the release, grouped
//! by Jira key (linked when `[jira] url` is set), then the commits without a key, with
//! their Conventional Commits type when they have one, and the contributors.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use gix::ObjectId;
use gix::bstr::ByteSlice;
use regex::Regex;
use semver::Version;

use crate::git::Repo;
use crate::policy::Policy;
use crate::rules::jira::find_keys;
use crate::text::escape;

static CONVENTIONAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([a-z]+)(\([^)]*\))?(!)?: ").expect("a valid regex"));

#[derive(Debug, Clone)]
pub struct Entry {
    pub id: ObjectId,
    pub subject: String,
    /// `feat`, `fix`, … when the subject follows Conventional Commits.
    pub kind: Option<String>,
    pub breaking: bool,
}

#[derive(Debug, Clone)]
pub struct Notes {
    pub title: String,
    pub previous: Option<String>,
    /// Jira key → its commits, keys in order of first appearance (oldest first).
    pub by_key: Vec<(String, Vec<Entry>)>,
    pub without_key: Vec<Entry>,
    pub contributors: Vec<String>,
}

/// The release tag just below `version` (by precedence) whose commit is an ancestor of
/// `commit`; `version` `None` means the highest such tag.
pub fn previous_tag(
    repo: &Repo,
    policy: &Policy,
    version: Option<&Version>,
    commit: ObjectId,
) -> Result<Option<(String, ObjectId)>, crate::git::Error> {
    let mut best: Option<(Version, String, ObjectId)> = None;
    for (name, id) in repo.tags()? {
        let Some(v) = policy
            .tag_format
            .version_text(&name)
            .and_then(|t| Version::parse(&t).ok())
        else {
            continue;
        };
        if version.is_some_and(|target| v.cmp_precedence(target).is_ge()) {
            continue;
        }
        if best
            .as_ref()
            .is_some_and(|(b, _, _)| v.cmp_precedence(b).is_le())
        {
            continue;
        }
        if repo.is_ancestor(id, commit)? {
            best = Some((v, name, id));
        }
    }
    Ok(best.map(|(_, name, id)| (name, id)))
}

/// The author emails of release `tag` at `commit` (`sod-own-commits`): of the commits
/// since the previous release tag ([`previous_tag`]), or of the tag's whole history when
/// there is none; lower-case, sorted, once each. Merges are skipped, as in the notes:
/// they repeat what they merge.
pub fn release_authors(
    repo: &Repo,
    policy: &Policy,
    tag: &str,
    commit: ObjectId,
) -> Result<Vec<String>, crate::git::Error> {
    let version = policy
        .tag_format
        .version_text(tag)
        .and_then(|t| Version::parse(&t).ok());
    // Without a version there is no "previous": the whole history is the release's.
    let previous = match &version {
        Some(version) => previous_tag(repo, policy, Some(version), commit)?,
        None => None,
    };
    let exclude: Vec<ObjectId> = previous.iter().map(|(_, id)| *id).collect();
    let mut authors = std::collections::BTreeSet::new();
    repo.walk(&[commit], &exclude, |info| {
        if info.parent_count <= 1
            && let Some(author) = info.author
            && !author.email.trim().is_empty()
        {
            authors.insert(author.email.trim().to_ascii_lowercase());
        }
    })?;
    Ok(authors.into_iter().collect())
}

/// Gathers the notes for the commits in `from..to` (all of `to`'s history without `from`).
pub fn gather(
    repo: &Repo,
    policy: &Policy,
    title: &str,
    from: Option<(String, ObjectId)>,
    to: ObjectId,
) -> Result<Notes, crate::git::Error> {
    let exclude: Vec<ObjectId> = from.iter().map(|(_, id)| *id).collect();
    let ids = repo.range(&[to], &exclude)?;
    let mut by_key: Vec<(String, Vec<Entry>)> = Vec::new();
    let mut without_key = Vec::new();
    let mut contributors: BTreeMap<String, ()> = BTreeMap::new();
    // Oldest first reads like a story.
    for id in ids.iter().rev() {
        let commit = repo
            .gix()
            .find_commit(*id)
            .map_err(|e| crate::git::Error::Read {
                what: format!("commit {id}"),
                source: Box::new(e),
            })?;
        let decoded = commit.decode().map_err(|e| crate::git::Error::Read {
            what: format!("commit {id}"),
            source: Box::new(e),
        })?;
        if decoded.parents.len() > 1 {
            continue; // merges repeat what they merge
        }
        if let Ok(author) = decoded.author() {
            contributors.insert(author.name.to_str_lossy().into_owned(), ());
        }
        let message = decoded.message.to_vec();
        let subject = crate::rules::display_text(message.lines().next().unwrap_or(b""), 120);
        let caps = CONVENTIONAL.captures(&subject);
        let entry = Entry {
            id: *id,
            kind: caps.as_ref().map(|c| c[1].to_string()),
            breaking: caps.as_ref().is_some_and(|c| c.get(3).is_some()),
            subject: subject.clone(),
        };
        let keys: Vec<String> = {
            let mut keys: Vec<String> = find_keys(&message, &policy.jira_projects)
                .map(|k| k.key.to_string())
                .collect();
            keys.dedup();
            keys
        };
        match keys.first() {
            Some(key) => match by_key.iter_mut().find(|(k, _)| k == key) {
                Some((_, entries)) => entries.push(entry),
                None => by_key.push((key.clone(), vec![entry])),
            },
            None => without_key.push(entry),
        }
    }
    Ok(Notes {
        title: title.to_string(),
        previous: from.map(|(name, _)| name),
        by_key,
        without_key,
        contributors: contributors.into_keys().collect(),
    })
}

impl Notes {
    /// Plain text (Markdown), as the annotated tag's message and `reltag notes` print it.
    /// Subjects, names and the title go through the one escaper: the notes reach
    /// terminals, the annotated tag and GitHub Releases, and ESC or BEL in a commit
    /// subject must act on none of them.
    pub fn render(&self, jira_url: Option<&str>) -> String {
        let mut out = String::new();
        out.push_str(&escape(&self.title));
        out.push_str("\n\n");
        match &self.previous {
            Some(previous) => out.push_str(&format!("Changes since {}:\n", escape(previous))),
            None => out.push_str("Changes (first release):\n"),
        }
        let line = |entry: &Entry| {
            let short = entry.id.to_hex_with_len(7).to_string();
            let mut text = format!("- {} ({short})", escape(&entry.subject));
            if entry.breaking {
                text.push_str(" [BREAKING]");
            }
            text.push('\n');
            text
        };
        for (key, entries) in &self.by_key {
            out.push('\n');
            match jira_url {
                Some(url) => out.push_str(&format!(
                    "### {key} ({}/browse/{key})\n",
                    escape(url.trim_end_matches('/'))
                )),
                None => out.push_str(&format!("### {key}\n")),
            }
            for entry in entries {
                out.push_str(&line(entry));
            }
        }
        if !self.without_key.is_empty() {
            out.push_str("\n### Other changes\n");
            for entry in &self.without_key {
                out.push_str(&line(entry));
            }
        }
        if self.by_key.is_empty() && self.without_key.is_empty() {
            out.push_str("\n(no commits)\n");
        }
        if !self.contributors.is_empty() {
            out.push_str(&format!(
                "\nContributors: {}\n",
                self.contributors
                    .iter()
                    .map(|name| escape(name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out
    }
}
