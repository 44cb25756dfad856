//! `commits.verify_jira`: do the keys the commits name exist?
//!
//! Keys are looked up in batches with `key in (…)`. One unknown key makes Jira reject the
//! whole query with 400 ("An issue with key 'X' does not exist for field 'key'"), so a
//! rejected batch is split in halves until the unknown keys stand alone: a batch of n
//! keys with one unknown costs about 2·log2(n) more queries. Jira answers the same for a
//! key that does not exist and for one the token may not see, so a finding must say both.

use std::collections::HashSet;

use super::{Error, JiraClient, jql};
use crate::rules::commit_jira_exists::MissingKey;

/// Keys per query: short enough for any JQL length limit, large enough to be few queries.
pub const BATCH: usize = 50;

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
            if unmatched.is_empty() {
                return Ok(());
            }
            // An issue moved to another project answers under its new key. Asked alone, a
            // key answered by exactly one issue exists (under whatever key); in a batch,
            // an answer under a key nobody asked for means: ask the unmatched keys alone.
            let moved = found.iter().any(|k| !batch.contains(k));
            if batch.len() == 1 {
                if moved && result.issues.len() == 1 {
                    return Ok(());
                }
                missing.push(MissingKey {
                    key: batch[0].to_string(),
                    jira_says: String::new(),
                });
                return Ok(());
            }
            for key in unmatched {
                if moved {
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
