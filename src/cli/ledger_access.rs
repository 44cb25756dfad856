//! What the ledger commands share: errors, syncing before reads and after writes.

use super::{CliError, ErrorKind};
use crate::ledger::{self, sync::SyncOptions};

impl From<ledger::Error> for CliError {
    fn from(e: ledger::Error) -> Self {
        let kind = if e.is_undecided() {
            ErrorKind::Undecided
        } else {
            ErrorKind::Usage
        };
        CliError::new(kind, e)
    }
}

/// Fetches the remote's ledger and integrates it (a reading command), or also pushes the
/// local events (a recording command). A repository without a remote has nothing to sync.
pub fn sync(repo: &gix::Repository, push: bool) -> Result<(), CliError> {
    let options = SyncOptions {
        push,
        ..SyncOptions::default()
    };
    ledger::sync::sync(repo, None, &options).map_err(|e| {
        CliError::from(e).hint(
            "check the remote and your credentials, or pass --offline / --no-push to work locally",
        )
    })?;
    Ok(())
}
