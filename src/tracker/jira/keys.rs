//! `commits.verify_jira`: do the keys the commits name exist?
//!
//! Keys are looked up in batches with `key in (…)`. One unknown key makes Jira reject the
//! whole query with 400 ("An issue with key 'X' does not exist for field 'key'"), so a
//! rejected batch is split in halves until the unknown keys stand alone: a batch of n
//! keys with one unknown costs about 2·log2(n) more queries. Jira answers the same for a
//! key that does not exist and for one the token may not see, so a finding must say both.

use std::collections::HashSet;

use super::{Error, JiraClient, jql};

/// Keys per query: short enough for any JQL length limit, large enough to be few queries.
pub const BATCH: usize = 50;

/// A key Jira did not confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingKey {
    pub key: String,
    /// What Jira said, verbatim (empty when it simply returned no issue).
    pub jira_says: String,
}

impl MissingKey {
    /// The sentence for a finding.
    pub fn message(&self) -> String {
        let mut text = format!(
            "Jira key {} does not exist, or the Jira token cannot see it (Jira answers the same for both)",
            self.key
        );
        if !self.jira_says.is_empty() {
            text.push_str(&format!(": Jira says \"{}\"", self.jira_says));
        }
        text
    }
}

/// Looks every key up; returns those Jira does not confirm, in the order given.
/// Duplicates are looked up once.
pub fn verify_keys(keys: &[String], client: &JiraClient) -> Result<Vec<MissingKey>, Error> {
    let mut seen = HashSet::new();
    let unique: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|k| seen.insert(*k))
        .collect();
    let mut missing = Vec::new();
    for batch in unique.chunks(BATCH) {
        check_batch(batch, client, &mut missing)?;
    }
    Ok(missing)
}

fn check_batch(
    batch: &[&str],
    client: &JiraClient,
    missing: &mut Vec<MissingKey>,
) -> Result<(), Error> {
    let list: Vec<String> = batch.iter().map(|k| jql::quote(k)).collect();
    let query = format!("key in ({})", list.join(", "));
    match client.search(&query, batch.len()) {
        Ok(result) => {
            let found: HashSet<&str> = result.issues.iter().map(|i| i.key.as_str()).collect();
            let unmatched: Vec<&str> = batch
                .iter()
                .copied()
                .filter(|k| !found.contains(k))
                .collect();
            if unmatched.is_empty() || result.issues.len() >= batch.len() {
                return Ok(());
            }
            // An issue moved to another project answers under its new key: ask alone.
            let moved = found.iter().any(|k| !batch.contains(k));
            for key in unmatched {
                if moved && batch.len() > 1 {
                    check_batch(&[key], client, missing)?;
                } else {
                    missing.push(MissingKey {
                        key: key.to_string(),
                        jira_says: String::new(),
                    });
                }
            }
            Ok(())
        }
        Err(Error::Query { messages, .. }) => {
            if batch.len() == 1 {
                missing.push(MissingKey {
                    key: batch[0].to_string(),
                    jira_says: messages.join("; "),
                });
                return Ok(());
            }
            let (left, right) = batch.split_at(batch.len() / 2);
            check_batch(left, client, missing)?;
            check_batch(right, client, missing)
        }
        Err(other) => Err(other),
    }
}
