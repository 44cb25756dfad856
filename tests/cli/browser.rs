//! The release page in a real headless browser (Debian's `chromium`), when one is
//! installed: the DOM it builds from `file://` shows the right versions and times, the
//! page logs no console error, and a screenshot is kept (`RELTAG_SCREENSHOT_DIR`, default
//! `target/browser`). Without a browser the test says so and checks nothing else: the
//! static checks of `tests/cli/dashboard.rs` still run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::TestEnv;
use crate::dashboard::{fixture, render};

fn browser() -> Option<PathBuf> {
    let names = ["chromium", "chromium-browser", "google-chrome", "chrome"];
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn headless(browser: &Path, profile: &Path, args: &[&str]) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_page_renders_in_a_headless_browser() {
    let Some(browser) = browser() else {
        eprintln!("skipped: no chromium on PATH (apt-get install chromium to run this test)");
        return;
    };
    let env = TestEnv::new();
    let work = fixture(&env);
    let site = render(&env, &work);
    let index = format!("file://{}", site.join("index.html").display());
    let profile = env.path("chromium-profile");

    let dom = headless(&browser, &profile, &["--dump-dom", &index]);
    let html = String::from_utf8_lossy(&dom.stdout);
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(html.contains("id=\"lane-prod\""), "{html}\n{log}");
    assert!(
        html.contains("Wed 2026-12-02 19:00 America/New_York"),
        "{html}"
    );
    assert!(
        html.contains("Tue 2026-12-15 09:00 Europe/Berlin"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    // What a lane waits for is said once, in its next step, not again under the version.
    assert_eq!(
        html.matches("v1.2.0 can be promoted from Wed 2026-12-16 18:30 America/New_York")
            .count(),
        1,
        "{html}"
    );
    for line in log.lines() {
        assert!(
            !line.contains(":CONSOLE(") && !line.contains("Uncaught"),
            "console error: {line}"
        );
        assert!(
            !line.contains("net::ERR_"),
            "the page asked for something it cannot load: {line}"
        );
    }

    let shots = std::env::var_os("RELTAG_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser"));
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("dashboard.png");
    let _ = std::fs::remove_file(&shot);
    headless(
        &browser,
        &profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400",
            &index,
        ],
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG"),
        "no screenshot at {}",
        shot.display()
    );
}
