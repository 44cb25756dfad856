//! Issue trackers reltag asks about a release. Network clients: used by `cut`,
//! `check bugs` and the pull-request gate, never by a hook.

pub mod jira;
