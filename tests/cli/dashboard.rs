//! `reltag dashboard` and `status --format html` on a fixture ledger with three
//! environments in two time zones, a freeze, an emergency promotion, a rollback whose
//! reason is hostile HTML, a scheduled promotion and a version waiting for an approval.
//! The ledger is written through the library, next to real annotated tags on a bare
//! remote (as `tests/cli/promote.rs` does).

use std::path::{Path, PathBuf};

use reltag::ledger::{Approve, Cut, Event, EventBody, Ledger, Promote, Rollback, Schedule};

use crate::common::TestEnv;

pub(crate) const POLICY: &str = r#"version = 1
[commits]
require_jira = false
jira_projects = ["PAY"]
[jira]
url = "https://jira.example.com/"
[roles]
qa-lead = ["qa@example.com"]
product-owner = ["po@example.com"]
ops = ["ops@example.com"]
cto = ["cto@example.com"]
[environments.staging]
timezone = "America/New_York"
windows = ["Tue,Wed 18:00-21:00"]
deployers = ["ops"]
[environments.prod]
from = "staging"
timezone = "America/New_York"
windows = ["Tue,Wed 18:00-21:00"]
notice = "24h"
soak = "24h"
approvals = ["qa-lead", "product-owner"]
deployers = ["ops"]
freezes = [{ start = "2026-12-21", end = "2027-01-04", reason = "year-end freeze" }]
[environments.prod-eu]
from = "staging"
timezone = "Europe/Berlin"
windows = ["Mon-Thu 09:00-11:00"]
deployers = ["ops"]
[emergency]
approvers = ["cto"]
may_skip = ["from", "windows", "notice", "soak"]
"#;

/// The moment the fixture is looked at: Monday 2026-12-14, 07:00 in New York.
pub(crate) const NOW: &str = "2026-12-14T12:00:00Z";

/// The hostile rollback reason: it must render as text everywhere.
pub(crate) const HOSTILE: &str = "<script>alert(\"x\")</script> broke checkout";

fn record(env: &TestEnv, dir: &Path, version: &str, body: EventBody, actor: &str, time: &str) {
    let repo = gix::open(dir).unwrap();
    let hex = env.git(dir, &["rev-parse", &format!("{version}^{{commit}}")]);
    let commit = gix::ObjectId::from_hex(hex.as_bytes()).unwrap();
    let event = Event::new(body, commit, actor, time.parse().unwrap()).unwrap();
    Ledger::new(&repo).append(&event).unwrap();
}

pub(crate) fn cut(env: &TestEnv, dir: &Path, version: &str, notes: &str, time: &str) {
    env.commit(dir, &format!("release {version}"));
    env.git(dir, &["tag", "-a", version, "-m", notes]);
    env.git(dir, &["push", "-q", "origin", "main", version]);
    let tag_object = env.git(dir, &["rev-parse", version]);
    record(
        env,
        dir,
        version,
        EventBody::Cut(Cut {
            version: version.into(),
            tag_object: Some(gix::ObjectId::from_hex(tag_object.as_bytes()).unwrap()),
            emergency: false,
            reason: None,
            artifacts: vec![],
        }),
        "release@example.com",
        time,
    );
}

fn promote(env: &TestEnv, dir: &Path, version: &str, to: &str, time: &str, why: Option<&str>) {
    record(
        env,
        dir,
        version,
        EventBody::Promote(Promote {
            version: version.into(),
            env: to.into(),
            artifacts: vec![],
            emergency: why.is_some(),
            reason: why.map(str::to_string),
        }),
        "ops@example.com",
        time,
    );
}

/// The fixture: a bare `origin` and the clone `work` holding the ledger.
pub(crate) fn fixture(env: &TestEnv) -> PathBuf {
    let origin = env.bare("origin.git");
    let work = env.repo("work");
    std::fs::write(work.join("policy.toml"), POLICY).unwrap();
    env.git(&work, &["add", "policy.toml"]);
    env.commit(&work, "policy");
    env.git(
        &work,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    env.git(&work, &["push", "-q", "origin", "main"]);

    cut(
        env,
        &work,
        "v1.0.0",
        "v1.0.0\n\nPAY-1 checkout",
        "2026-11-10T12:00:00Z",
    );
    promote(
        env,
        &work,
        "v1.0.0",
        "staging",
        "2026-11-10T23:30:00Z",
        None,
    );
    promote(env, &work, "v1.0.0", "prod", "2026-11-12T00:00:00Z", None);
    promote(
        env,
        &work,
        "v1.0.0",
        "prod-eu",
        "2026-11-12T09:00:00Z",
        None,
    );

    cut(
        env,
        &work,
        "v1.1.0",
        "v1.1.0\n\nPAY-7 faster checkout",
        "2026-12-01T12:00:00Z",
    );
    promote(
        env,
        &work,
        "v1.1.0",
        "staging",
        "2026-12-01T23:30:00Z",
        None,
    );
    promote(
        env,
        &work,
        "v1.1.0",
        "prod",
        "2026-12-02T01:00:00Z",
        Some("PAY-7 outage fix"),
    );
    record(
        env,
        &work,
        "v1.0.0",
        EventBody::Rollback(Rollback {
            version: "v1.0.0".into(),
            env: "prod".into(),
            from_version: Some("v1.1.0".into()),
            artifacts: vec![],
            emergency: false,
            reason: HOSTILE.into(),
        }),
        "ops@example.com",
        "2026-12-03T00:00:00Z",
    );

    cut(
        env,
        &work,
        "v1.2.0",
        "v1.2.0\n\nPAY-9 retry payments",
        "2026-12-08T12:00:00Z",
    );
    promote(
        env,
        &work,
        "v1.2.0",
        "staging",
        "2026-12-08T23:30:00Z",
        None,
    );
    record(
        env,
        &work,
        "v1.2.0",
        EventBody::Approve(Approve {
            version: "v1.2.0".into(),
            role: "qa-lead".into(),
            env: None,
            comment: Some("regression suite green".into()),
        }),
        "qa@example.com",
        "2026-12-09T15:00:00Z",
    );
    record(
        env,
        &work,
        "v1.2.0",
        EventBody::Schedule(Schedule {
            version: "v1.2.0".into(),
            env: "prod".into(),
            at: "2026-12-16T23:30:00Z".parse().unwrap(),
            emergency: false,
            reason: None,
        }),
        "ops@example.com",
        "2026-12-14T10:00:00Z",
    );
    work
}

/// Every `href` and `src` of an HTML text.
fn links(html: &str) -> Vec<String> {
    let re = regex::Regex::new(r#"(?:href|src)="([^"]*)""#).unwrap();
    re.captures_iter(html).map(|c| c[1].to_string()).collect()
}

/// Writes the site and returns its directory.
pub(crate) fn render(env: &TestEnv, work: &Path) -> PathBuf {
    let run = env.reltag_with(
        work,
        &["dashboard", "--out", "site", "--offline"],
        &[("RELTAG_NOW", NOW)],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.render());
    if let Some(keep) = std::env::var_os("RELTAG_KEEP_SITE") {
        copy_dir(&work.join("site"), Path::new(&keep));
    }
    work.join("site")
}

/// `RELTAG_KEEP_SITE=DIR` keeps a copy of the rendered site for a person or a browser.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_page_shows_what_runs_where_what_waits_and_when_in_each_zone() {
    let env = TestEnv::new();
    let work = fixture(&env);
    let site = render(&env, &work);
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();

    // reltag's sentences quote commands as code, never with literal backticks.
    assert!(
        index.contains("cut a new version with <code>reltag cut</code>"),
        "{index}"
    );
    assert!(
        !index.contains('`'),
        "a literal backtick on the page:\n{index}"
    );

    // Lanes in the policy's order, not sorted.
    let staging = index.find("id=\"lane-staging\"").unwrap();
    let prod = index.find("id=\"lane-prod\"").unwrap();
    let eu = index.find("id=\"lane-prod-eu\"").unwrap();
    assert!(
        staging < prod && prod < eu,
        "lanes out of the policy's order"
    );
    let lane = |from: usize, to: usize| &index[from..to];
    let prod_lane = lane(prod, eu);
    // prod runs v1.0.0 again, rolled back, since Wed 2 Dec 19:00 New York time.
    assert!(
        prod_lane.contains("<a href=\"versions/v1.0.0.html\">v1.0.0</a></span> <strong class=\"badge rollback\">rolled back</strong>"),
        "{prod_lane}"
    );
    assert!(prod_lane.contains("2026-12-02 19:00"), "{prod_lane}");
    assert!(prod_lane.contains("America/New_York"), "{prod_lane}");
    // v1.2.0 waits for the product owner's approval.
    assert!(prod_lane.contains("v1.2.0"), "{prod_lane}");
    assert!(
        prod_lane.contains("approval from <span class=\"role\">product-owner</span>"),
        "{prod_lane}"
    );
    assert!(prod_lane.contains("earliest"), "{prod_lane}");
    // prod-eu's times are Berlin's.
    let eu_lane = &index[eu..];
    assert!(eu_lane.contains("Europe/Berlin"), "{eu_lane}");
    assert!(eu_lane.contains("2026-11-12 10:00"), "{eu_lane}");

    // The next 14 days: the freeze with its reason, the scheduled promotion.
    assert!(index.contains("prod freeze: year-end freeze"));
    assert!(index.contains("v1.2.0</a> scheduled"));
    // The feed is linked and written.
    assert!(index.contains("href=\"releases.ics\""));
    assert!(site.join("releases.ics").is_file());

    // A page per version, with its tickets linked to the Jira site and its approvals.
    let v12 = std::fs::read_to_string(site.join("versions/v1.2.0.html")).unwrap();
    assert!(v12.contains("<a href=\"https://jira.example.com/browse/PAY-9\">PAY-9</a>"));
    assert!(v12.contains("qa@example.com"));
    assert!(v12.contains("regression suite green") || v12.contains("qa-lead"));
    let v11 = std::fs::read_to_string(site.join("versions/v1.1.0.html")).unwrap();
    assert!(v11.contains("emergency promotion"), "{v11}");
    assert!(v11.contains("PAY-7 outage fix"), "{v11}");

    // The data as JSON.
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("data.json")).unwrap()).unwrap();
    assert_eq!(data["schema"], 1);
    assert_eq!(data["status"]["environments"][1]["env"], "prod");
    assert_eq!(
        data["status"]["environments"][1]["current"]["version"],
        "v1.0.0"
    );
}

#[test]
fn a_hostile_ledger_reason_renders_inert_on_every_page() {
    let env = TestEnv::new();
    let work = fixture(&env);
    let site = render(&env, &work);
    let mut pages = vec![site.join("index.html")];
    for entry in std::fs::read_dir(site.join("versions")).unwrap() {
        pages.push(entry.unwrap().path());
    }
    let mut shown = 0;
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        assert!(
            !html.to_lowercase().contains("<script"),
            "{} runs a script",
            page.display()
        );
        shown += html
            .matches("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; broke checkout")
            .count();
    }
    // On the home page's rollback table and on both versions' pages.
    assert!(shown >= 2, "the reason is not shown as text");
    // status --format html too.
    let run = env.reltag_with(
        &work,
        &["status", "--format", "html", "--offline"],
        &[("RELTAG_NOW", NOW)],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(!run.stdout.to_lowercase().contains("<script"));
    assert!(run.stdout.contains("&lt;script&gt;"), "{}", run.stdout);
}

#[test]
fn the_site_makes_no_request_and_every_link_resolves_from_disk() {
    let env = TestEnv::new();
    let work = fixture(&env);
    let site = render(&env, &work);
    let mut pages = vec![site.join("index.html")];
    for entry in std::fs::read_dir(site.join("versions")).unwrap() {
        pages.push(entry.unwrap().path());
    }
    assert_eq!(pages.len(), 4, "index and three version pages");
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        assert!(
            !html.contains(" src="),
            "{}: loads something",
            page.display()
        );
        assert!(!html.contains("@import") && !html.contains("url("));
        for link in links(&html) {
            if link.starts_with("https://jira.example.com/browse/") {
                continue; // tickets: links a reader follows, not requests the page makes
            }
            assert!(
                !link.contains("://") && !link.starts_with("//"),
                "{}: external link {link}",
                page.display()
            );
            let target = link.split('#').next().unwrap();
            if target.is_empty() {
                let id = &link[1..];
                assert!(
                    html.contains(&format!("id=\"{id}\"")),
                    "{}: no #{id}",
                    page.display()
                );
                continue;
            }
            let resolved = page.parent().unwrap().join(target);
            assert!(
                resolved.is_file(),
                "{}: {link} does not resolve",
                page.display()
            );
        }
    }
    let css = std::fs::read_to_string(site.join("style.css")).unwrap();
    assert!(!css.contains("url(") && !css.contains("@import"));
    assert!(css.contains("prefers-color-scheme: dark"));
}

#[test]
fn status_html_prints_the_lanes_as_one_document() {
    let env = TestEnv::new();
    let work = fixture(&env);
    let run = env.reltag_with(
        &work,
        &["status", "--format", "html", "--offline"],
        &[("RELTAG_NOW", NOW)],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(run.stdout.starts_with("<!DOCTYPE html>"));
    assert!(run.stdout.trim_end().ends_with("</html>"));
    assert_eq!(run.stdout.matches("<article class=\"lane\"").count(), 3);
    assert!(run.stdout.contains("<style>"), "the stylesheet is inline");
    assert!(!run.stdout.contains("href=\"style.css\""));
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn a_stale_version_page_is_removed_and_an_unwritable_dir_is_undecided() {
    let env = TestEnv::new();
    let work = fixture(&env);
    let site = render(&env, &work);
    std::fs::write(site.join("versions/v0.9.0.html"), "old").unwrap();
    let site = render(&env, &work);
    assert!(!site.join("versions/v0.9.0.html").exists());

    std::fs::write(work.join("file"), "").unwrap();
    let run = env.reltag_with(
        &work,
        &["dashboard", "--out", "file/site", "--offline"],
        &[("RELTAG_NOW", NOW)],
        None,
    );
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(run.stderr.contains("cannot write"), "{}", run.stderr);
}

/// Object ids become `[ID]`: the rest of the page is the same on every run.
fn normalize(text: &str) -> String {
    let ids = regex::Regex::new(r"\b[0-9a-f]{40}\b|\b[0-9a-f]{12}\b").unwrap();
    ids.replace_all(text, "[ID]").into_owned()
}

#[test]
fn the_pages_are_pinned() {
    let env = TestEnv::new();
    let work = fixture(&env);
    let site = render(&env, &work);
    for (name, file) in [
        ("dashboard_index", "index.html"),
        ("dashboard_version", "versions/v1.1.0.html"),
    ] {
        let html = std::fs::read_to_string(site.join(file)).unwrap();
        insta::assert_snapshot!(name, normalize(&html));
    }
    let run = env.reltag_with(
        &work,
        &["status", "--format", "html", "--offline"],
        &[("RELTAG_NOW", NOW)],
        None,
    );
    insta::assert_snapshot!("status_html", normalize(&run.render()));
    let run = env.reltag_with(
        &work,
        &["dashboard", "--out", "site", "--offline"],
        &[("RELTAG_NOW", NOW)],
        None,
    );
    insta::assert_snapshot!("dashboard_run", normalize(&run.render()));
}
