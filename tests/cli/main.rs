//! End-to-end tests of the `reltag` binary against real git repositories.

mod common;

mod action;
mod attacks;
mod browser;
mod calendar;
mod check;
mod check_policy;
mod completions;
mod cut;
mod dashboard;
mod formats;
mod gate;
mod github;
mod hooks;
mod jira;
mod ledger;
mod misc;
mod net;
mod notify;
mod outputs;
mod owners;
mod policies;
mod promote;
mod reports;
mod scenarios;
mod trust;
mod trust_openpgp;
mod trust_separation;
mod verify;

/// Every test file in this directory is a module above (jj's check against forgotten files).
#[test]
fn every_test_file_is_a_module() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli");
    let main = std::fs::read_to_string(dir.join("main.rs")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(stem) = name.strip_suffix(".rs")
            && stem != "main"
        {
            assert!(
                main.contains(&format!("mod {stem};")),
                "tests/cli/{name} is not a module of main.rs"
            );
        }
    }
}
