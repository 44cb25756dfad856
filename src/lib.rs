//! reltag: enforces a team's release process, written once in `policy.toml`.

pub mod ledger;
