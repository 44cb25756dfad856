//! The page's HTML: semantic elements, no script, one stylesheet; every user or service
//! text through [`escape_html`], every time in a `<time>` element with its zone.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{Site, VersionPage, svg};
use crate::calendar::{Entry, EntryKind};
use crate::ledger::{EventKind, EvidenceResult};
use crate::report::{EnvStatus, StatusData};
use crate::text::{escape_html as e, escape_html_prose as prose};

/// The stylesheet: light and dark, contrast of at least 4.5:1 for text.
pub(super) const STYLE: &str = include_str!("style.css");

/// The file name of a version's page: letters, digits, `.` and `-` as they are, every
/// other byte as `_XX`, so no version name can leave `versions/` or need URL-escaping.
pub fn page_name(version: &str) -> String {
    let mut name = String::with_capacity(version.len() + 5);
    for b in version.bytes() {
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
            name.push(char::from(b));
        } else {
            let _ = write!(name, "_{b:02x}");
        }
    }
    name.push_str(".html");
    name
}

fn zone(name: &str) -> TimeZone {
    crate::schedule::time_zone(name).unwrap_or(TimeZone::UTC)
}

/// `<time datetime="2026-11-24T23:00:00Z">Tue 2026-11-24 18:00 America/New_York</time>`.
fn time(at: Timestamp, tz: &str) -> String {
    let shown = crate::rules::when(&at.to_zoned_datetime(zone(tz)));
    format!(
        "<time datetime=\"{}\">{}</time>",
        at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        e(&shown)
    )
}

fn document(title: &str, root: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"generator\" content=\"reltag {}\">\n\
         <title>{}</title>\n<link rel=\"stylesheet\" href=\"{root}style.css\">\n</head>\n\
         <body>\n<a class=\"skip\" href=\"#main\">Skip to the content</a>\n{body}</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        e(title)
    )
}

/// A version's name, linked to its page when it has one.
fn version_link(site: Option<&Site>, root: &str, version: &str) -> String {
    match site.and_then(|s| s.versions.iter().find(|v| v.version == version)) {
        Some(v) => format!("<a href=\"{root}versions/{}\">{}</a>", v.page, e(version)),
        None => format!("<span class=\"version\">{}</span>", e(version)),
    }
}

/// The lanes: one article per environment, in the policy's order.
fn lanes(out: &mut String, status: &StatusData, site: Option<&Site>, root: &str) {
    out.push_str("<div class=\"lanes\">\n");
    for lane in &status.environments {
        lane_article(out, lane, site, root);
    }
    out.push_str("</div>\n");
}

fn lane_article(out: &mut String, lane: &EnvStatus, site: Option<&Site>, root: &str) {
    let id = format!("lane-{}", page_name(&lane.env).trim_end_matches(".html"));
    let _ = writeln!(
        out,
        "<article class=\"lane\" aria-labelledby=\"{id}\">\n<h3 id=\"{id}\">{} \
         <span class=\"zone\">{}</span></h3>\n<dl>",
        e(&lane.env),
        e(&lane.timezone)
    );
    match &lane.current {
        Some(current) => {
            let mut badges = String::new();
            if current.kind == EventKind::Rollback {
                badges.push_str(" <strong class=\"badge rollback\">rolled back</strong>");
            }
            if current.emergency {
                badges.push_str(" <strong class=\"badge emergency\">emergency</strong>");
            }
            let _ = writeln!(
                out,
                "<dt>Running</dt><dd><span class=\"running\">{}</span>{badges}</dd>\n\
                 <dt>Since</dt><dd>{}</dd>\n<dt>By</dt><dd>{}</dd>",
                version_link(site, root, &current.version),
                time(current.since, &lane.timezone),
                e(&current.by)
            );
            if let Some(reason) = &current.reason {
                let _ = writeln!(out, "<dt>Why</dt><dd>{}</dd>", e(reason));
            }
        }
        None => out.push_str("<dt>Running</dt><dd>nothing deployed yet</dd>\n"),
    }
    let _ = writeln!(
        out,
        "<dt>Rollback target</dt><dd>{}</dd>\n</dl>",
        match &lane.rollback_target {
            Some(v) => version_link(site, root, v),
            None => "none".to_string(),
        }
    );
    // With nothing waiting, the lane's next step says so (and what to do).
    if !lane.waiting.is_empty() {
        out.push_str("<h4>Waiting</h4>\n<ul class=\"waiting\">\n");
        for waiting in &lane.waiting {
            let earliest = match waiting.earliest {
                Some(at) => format!("earliest {}", time(at, &lane.timezone)),
                None => "no open moment within a year".to_string(),
            };
            let _ = writeln!(
                out,
                "<li><p><span class=\"waiting-version\">{}</span>: {earliest}</p>",
                version_link(site, root, &waiting.version)
            );
            let mut needs = String::new();
            if !waiting.missing_approvals.is_empty() {
                let _ = writeln!(
                    needs,
                    "<li>approval from {}</li>",
                    waiting
                        .missing_approvals
                        .iter()
                        .map(|r| format!("<span class=\"role\">{}</span>", e(r)))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            if waiting.needs_schedule {
                needs.push_str("<li>a schedule: the notice counts from the announcement</li>\n");
            }
            if waiting.needs_reason {
                needs.push_str("<li>a reason: it was rolled back from here</li>\n");
            }
            for problem in &waiting.problems {
                let _ = writeln!(needs, "<li>{}</li>", prose(problem));
            }
            if !needs.is_empty() {
                let _ = writeln!(out, "<ul class=\"needs\">\n{needs}</ul>");
            }
            // The lane's next step already says it for the first in line: once is enough.
            if !lane.next.contains(&waiting.summary) {
                let _ = writeln!(out, "<p class=\"summary\">{}</p>", prose(&waiting.summary));
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    let _ = writeln!(out, "<p class=\"next\">{}</p>", prose(&lane.next));
    if let Some(policy) = site.and_then(|s| s.environments.iter().find(|p| p.env == lane.env)) {
        let mut rules = Vec::new();
        if let Some(from) = &policy.from {
            rules.push(format!("from {}", e(from)));
        }
        if !policy.windows.is_empty() {
            rules.push(format!("windows {}", e(&policy.windows.join(", "))));
        }
        if let Some(notice) = &policy.notice {
            rules.push(format!("notice {}", e(notice)));
        }
        if let Some(soak) = &policy.soak {
            rules.push(format!("soak {}", e(soak)));
        }
        if !policy.approvals.is_empty() {
            rules.push(format!("approvals {}", e(&policy.approvals.join(", "))));
        }
        if !rules.is_empty() {
            let _ = writeln!(out, "<p class=\"rules\">Policy: {}</p>", rules.join("; "));
        }
    }
    out.push_str("</article>\n");
}

/// `status --format html`: the lanes alone, as a document with its stylesheet inline.
pub fn lanes_document(status: &StatusData) -> String {
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<main id=\"main\">\n<h1>Release status</h1>\n<p>As of {}</p>\n\
         <section id=\"lanes\" aria-labelledby=\"lanes-title\">\n\
         <h2 id=\"lanes-title\">Environments</h2>",
        time(status.now, "UTC")
    );
    // The lanes' headings are h3, under the page's h2, as on the release page: a level
    // is never skipped.
    lanes(&mut body, status, None, "");
    body.push_str("</section>\n</main>\n");
    document("Environments", "", &body).replace(
        "<link rel=\"stylesheet\" href=\"style.css\">",
        &format!("<style>\n{STYLE}</style>"),
    )
}

pub(super) fn index(site: &Site) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<header>\n<h1>Releases</h1>\n<p>Generated {} from the ledger. \
         <a href=\"data.json\">The data as JSON</a>",
        time(site.generated, "UTC")
    );
    if let Some(file) = &site.calendar_file {
        let _ = write!(
            out,
            " · <a href=\"{}\" type=\"text/calendar\">the calendar (iCalendar) to import</a>",
            e(file)
        );
    }
    out.push_str(
        ".</p>\n<nav aria-label=\"Sections\">\n<ul>\n<li><a href=\"#lanes\">Environments</a></li>\n\
         <li><a href=\"#calendar\">Next 14 days</a></li>\n<li><a href=\"#versions\">Versions</a></li>\n\
         <li><a href=\"#history\">History</a></li>\n</ul>\n</nav>\n</header>\n<main id=\"main\">\n\
         <section id=\"lanes\" aria-labelledby=\"lanes-title\">\n\
         <h2 id=\"lanes-title\">Environments</h2>\n",
    );
    lanes(&mut out, &site.status, Some(site), "");
    out.push_str("</section>\n");
    calendar(&mut out, site);
    versions_table(&mut out, site);
    history(&mut out, site);
    out.push_str("</main>\n");
    document("Releases", "", &out)
}

fn calendar(out: &mut String, site: &Site) {
    out.push_str(
        "<section id=\"calendar\" aria-labelledby=\"calendar-title\">\n\
         <h2 id=\"calendar-title\">Next 14 days</h2>\n",
    );
    calendar_grid(out, site);
    if site.calendar.is_empty() {
        out.push_str("<p>No windows, freezes or scheduled promotions.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table class=\"entries\">\n<caption>Windows, freezes and scheduled promotions, \
         in each environment's time zone</caption>\n<thead><tr><th scope=\"col\">Starts</th>\
         <th scope=\"col\">Ends</th><th scope=\"col\">Environment</th><th scope=\"col\">What</th>\
         </tr></thead>\n<tbody>\n",
    );
    for entry in &site.calendar {
        let what = match (&entry.kind, &entry.version) {
            (EntryKind::Scheduled, Some(version)) => format!(
                "<strong>{} scheduled</strong>",
                version_link(Some(site), "", version)
            ),
            (EntryKind::Freeze, _) => {
                format!("<strong class=\"frozen\">{}</strong>", e(&entry.title))
            }
            _ => e(&entry.title).into_owned(),
        };
        let detail = entry
            .detail
            .as_ref()
            .map(|d| format!("<br><span class=\"detail\">{}</span>", e(d)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{what}{detail}</td></tr>",
            kind_class(entry.kind),
            time(entry.start, &entry.timezone),
            time(entry.end, &entry.timezone),
            e(&entry.env)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn kind_class(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Window => "window",
        EntryKind::Freeze => "freeze",
        EntryKind::Scheduled => "scheduled",
    }
}

/// Environments × days, each cell what that day holds in the environment's own zone.
fn calendar_grid(out: &mut String, site: &Site) {
    let Some(first) = site.status.environments.first() else {
        return;
    };
    let start = site
        .generated
        .to_zoned_datetime(zone(&first.timezone))
        .date();
    let days: Vec<jiff::civil::Date> = start
        .series(jiff::ToSpan::day(1))
        .take(super::CALENDAR_DAYS as usize)
        .collect();
    out.push_str(
        "<div class=\"grid-wrap\" tabindex=\"0\" role=\"region\" aria-labelledby=\"grid-caption\">\n\
         <table class=\"grid\">\n<caption id=\"grid-caption\">Each day in the environment's \
         time zone</caption>\n<thead><tr><th scope=\"col\">Environment</th>",
    );
    for day in &days {
        let _ = write!(
            out,
            "<th scope=\"col\"><time datetime=\"{day}\">{}</time></th>",
            day.strftime("%a %d %b")
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for lane in &site.status.environments {
        let tz = zone(&lane.timezone);
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", e(&lane.env));
        for day in &days {
            let on_day = |entry: &&Entry| {
                entry.env == lane.env && {
                    let s = entry.start.to_zoned_datetime(tz.clone()).date();
                    let end = entry
                        .end
                        .saturating_sub(jiff::SignedDuration::from_secs(1))
                        .unwrap_or(entry.end)
                        .to_zoned_datetime(tz.clone())
                        .date();
                    match entry.kind {
                        EntryKind::Freeze => s <= *day && *day <= end,
                        _ => s == *day,
                    }
                }
            };
            let items: Vec<&Entry> = site.calendar.iter().filter(on_day).collect();
            let frozen = items.iter().any(|i| i.kind == EntryKind::Freeze);
            let mut cell = Vec::new();
            for item in &items {
                let local = item.start.to_zoned_datetime(tz.clone());
                cell.push(match item.kind {
                    EntryKind::Window => format!(
                        "<span class=\"slot\">{}–{}</span>",
                        local.strftime("%H:%M"),
                        item.end.to_zoned_datetime(tz.clone()).strftime("%H:%M")
                    ),
                    EntryKind::Freeze => {
                        format!("<span class=\"frozen\">frozen: {}</span>", e(&item.title))
                    }
                    EntryKind::Scheduled => format!(
                        "<span class=\"planned\">{} {}</span>",
                        local.strftime("%H:%M"),
                        e(item.version.as_deref().unwrap_or(""))
                    ),
                });
            }
            let _ = write!(
                out,
                "<td{}>{}</td>",
                if frozen { " class=\"frozen-day\"" } else { "" },
                if cell.is_empty() {
                    "—".to_string()
                } else {
                    cell.join("<br>")
                }
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

fn versions_table(out: &mut String, site: &Site) {
    out.push_str(
        "<section id=\"versions\" aria-labelledby=\"versions-title\">\n\
         <h2 id=\"versions-title\">Versions</h2>\n",
    );
    if site.versions.is_empty() {
        out.push_str("<p>No version is recorded yet.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table>\n<thead><tr><th scope=\"col\">Version</th><th scope=\"col\">Cut</th>\
         <th scope=\"col\">Runs in</th><th scope=\"col\">Tickets</th>\
         <th scope=\"col\">Approvals</th></tr></thead>\n<tbody>\n",
    );
    for v in &site.versions {
        let cut = match &v.cut {
            Some(c) => format!(
                "{} by {}{}",
                time(c.time, "UTC"),
                e(&c.actor),
                if c.emergency {
                    " <strong class=\"badge emergency\">emergency</strong>"
                } else {
                    ""
                }
            ),
            None => "not cut".into(),
        };
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\"><a href=\"versions/{}\">{}</a></th><td>{cut}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>",
            v.page,
            e(&v.version),
            e(&v.running_in.join(", ")),
            tickets(site, v),
            v.approvals.iter().filter(|a| a.for_tagged_commit).count()
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn tickets(_site: &Site, v: &VersionPage) -> String {
    v.tickets
        .iter()
        .map(|t| match &t.url {
            Some(url) => format!("<a href=\"{}\">{}</a>", e(url), e(&t.key)),
            None => e(&t.key).into_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn history(out: &mut String, site: &Site) {
    out.push_str(
        "<section id=\"history\" aria-labelledby=\"history-title\">\n\
         <h2 id=\"history-title\">History</h2>\n<div class=\"charts\">\n",
    );
    for lane in &site.status.environments {
        let bars: Vec<svg::Bar> = site
            .history
            .lead_times
            .iter()
            .filter(|l| l.env == lane.env)
            .take(12)
            .map(|l| svg::Bar {
                label: l.version.clone(),
                value: l.hours,
                text: format!("{}: {:.1} h from cut to {}", l.version, l.hours, l.env),
            })
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let title = format!("Lead time from cut to {} (hours)", lane.env);
        let _ = writeln!(
            out,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
            svg::bars(&title, &bars),
            e(&title)
        );
    }
    // Rollbacks per week, the last 12 weeks.
    let week = jiff::SignedDuration::from_hours(24 * 7);
    let mut bars = Vec::new();
    for i in (0..12i32).rev() {
        let end = site
            .generated
            .saturating_sub(week * i)
            .unwrap_or(site.generated);
        let start = end.saturating_sub(week).unwrap_or(end);
        let count = site
            .history
            .rollbacks
            .iter()
            .filter(|r| r.time > start && r.time <= end)
            .count();
        let label = start
            .to_zoned_datetime(TimeZone::UTC)
            .strftime("%m-%d")
            .to_string();
        bars.push(svg::Bar {
            text: format!("{count} rollbacks in the week from {label} (UTC)"),
            label,
            value: count as f64,
        });
    }
    let title = "Rollbacks per week";
    let _ = writeln!(
        out,
        "<figure>\n{}\n<figcaption>{title}</figcaption>\n</figure>\n</div>",
        svg::bars(title, &bars)
    );
    if site.history.rollbacks.is_empty() {
        out.push_str("<p>No rollbacks.</p>\n");
    } else {
        out.push_str(
            "<table>\n<caption>Rollbacks</caption>\n<thead><tr><th scope=\"col\">When</th>\
             <th scope=\"col\">Environment</th><th scope=\"col\">From</th><th scope=\"col\">To</th>\
             <th scope=\"col\">By</th><th scope=\"col\">Why</th></tr></thead>\n<tbody>\n",
        );
        for r in &site.history.rollbacks {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                time(r.time, &r.timezone),
                e(&r.env),
                r.from
                    .as_deref()
                    .map_or_else(|| "—".to_string(), |f| version_link(Some(site), "", f)),
                version_link(Some(site), "", &r.to),
                e(&r.actor),
                e(r.reason.as_deref().unwrap_or(""))
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

pub(super) fn version(site: &Site, v: &VersionPage) -> String {
    let root = "../";
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<header>\n<nav aria-label=\"Breadcrumb\"><a href=\"../index.html\">Releases</a></nav>\n\
         <h1>{}</h1>\n</header>\n<main id=\"main\">\n<dl class=\"facts\">",
        e(&v.version)
    );
    if let Some(commit) = &v.commit {
        let _ = writeln!(
            out,
            "<dt>Commit</dt><dd><code title=\"{0}\">{0}</code></dd>",
            e(commit)
        );
    }
    match &v.cut {
        Some(cut) => {
            let _ = writeln!(
                out,
                "<dt>Cut</dt><dd>{} by {}{}</dd>",
                time(cut.time, "UTC"),
                e(&cut.actor),
                match (&cut.emergency, &cut.reason) {
                    (true, Some(r)) => format!(
                        " <strong class=\"badge emergency\">emergency</strong> {}",
                        e(r)
                    ),
                    (true, None) => " <strong class=\"badge emergency\">emergency</strong>".into(),
                    (false, _) => String::new(),
                }
            );
        }
        None => out.push_str("<dt>Cut</dt><dd>not recorded</dd>\n"),
    }
    let _ = writeln!(
        out,
        "<dt>Runs in</dt><dd>{}</dd>\n<dt>Tickets</dt><dd>{}</dd>\n</dl>",
        if v.running_in.is_empty() {
            "no environment".to_string()
        } else {
            e(&v.running_in.join(", ")).into_owned()
        },
        if v.tickets.is_empty() {
            "none named in the release notes".to_string()
        } else {
            tickets(site, v)
        }
    );

    out.push_str(
        "<section aria-labelledby=\"criteria\">\n<h2 id=\"criteria\">Release criteria</h2>\n",
    );
    if v.evidence.is_empty() {
        out.push_str("<p>No evidence recorded.</p>\n");
    } else {
        out.push_str(
            "<table>\n<thead><tr><th scope=\"col\">Criterion</th><th scope=\"col\">Result</th>\
             <th scope=\"col\">Measured</th><th scope=\"col\">Threshold</th>\
             <th scope=\"col\">Evidence (sha256)</th><th scope=\"col\">Recorded</th></tr></thead>\n<tbody>\n",
        );
        for ev in &v.evidence {
            let result = match ev.result {
                EvidenceResult::Pass => "<span class=\"pass\">pass</span>",
                EvidenceResult::Fail => "<strong class=\"fail\">fail</strong>",
            };
            let digest = ev.report_sha256.as_deref().map_or_else(
                || "—".to_string(),
                |d| format!("<code title=\"{0}\">{1}</code>", e(d), e(short(d))),
            );
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{}</th><td>{result}</td><td>{}</td><td>{}</td><td>{digest}</td>\
                 <td>{} by {}</td></tr>",
                e(&ev.criterion),
                e(ev.measured.as_deref().unwrap_or("—")),
                e(ev.threshold.as_deref().unwrap_or("—")),
                time(ev.time, "UTC"),
                e(&ev.actor)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n<section aria-labelledby=\"approvals\">\n<h2 id=\"approvals\">Approvals</h2>\n");
    if v.approvals.is_empty() {
        out.push_str("<p>No approvals recorded.</p>\n");
    } else {
        out.push_str(
            "<table>\n<thead><tr><th scope=\"col\">Role</th><th scope=\"col\">For</th>\
             <th scope=\"col\">Who</th><th scope=\"col\">When</th><th scope=\"col\">Commit</th>\
             <th scope=\"col\">Signature</th></tr></thead>\n<tbody>\n",
        );
        for a in &v.approvals {
            let commit = if a.for_tagged_commit {
                format!("<code>{}</code>", e(short(&a.commit)))
            } else {
                format!(
                    "<code>{}</code> <strong class=\"fail\">another commit: does not count</strong>",
                    e(short(&a.commit))
                )
            };
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{commit}</td><td>{}</td></tr>",
                e(&a.role),
                e(a.env.as_deref().unwrap_or("every environment")),
                e(&a.actor),
                time(a.time, "UTC"),
                e(a.signature.as_deref().unwrap_or("not signed"))
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str(
        "</section>\n<section aria-labelledby=\"deployments\">\n\
         <h2 id=\"deployments\">Promotions and rollbacks</h2>\n",
    );
    if v.deployments.is_empty() {
        out.push_str("<p>Not deployed anywhere yet.</p>\n");
    } else {
        out.push_str(
            "<table>\n<thead><tr><th scope=\"col\">When</th><th scope=\"col\">Environment</th>\
             <th scope=\"col\">What</th><th scope=\"col\">Who</th><th scope=\"col\">Why</th></tr></thead>\n<tbody>\n",
        );
        for d in &v.deployments {
            let what = match (d.kind, d.emergency) {
                (EventKind::Rollback, _) => {
                    "<strong class=\"badge rollback\">rolled back to</strong>"
                }
                (_, true) => "<strong class=\"badge emergency\">emergency promotion</strong>",
                _ => "promoted",
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{what}</td><td>{}</td><td>{}</td></tr>",
                time(d.time, &d.timezone),
                e(&d.env),
                e(&d.actor),
                e(d.reason.as_deref().unwrap_or(""))
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    // Where it was taken out: the rollbacks away from it (its own record has none).
    let away: Vec<_> = site
        .history
        .rollbacks
        .iter()
        .filter(|r| r.from.as_deref() == Some(v.version.as_str()))
        .collect();
    if !away.is_empty() {
        out.push_str("<h3>Rolled back from</h3>\n<ul class=\"rolled-back\">\n");
        for r in away {
            let _ = writeln!(
                out,
                "<li>{} at {} by {}, to {}: {}</li>",
                e(&r.env),
                time(r.time, &r.timezone),
                e(&r.actor),
                version_link(Some(site), root, &r.to),
                e(r.reason.as_deref().unwrap_or(""))
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str(
        "</section>\n<section aria-labelledby=\"notes\">\n<h2 id=\"notes\">Release notes</h2>\n",
    );
    match &v.notes {
        Some(notes) => {
            let _ = writeln!(
                out,
                "<pre class=\"notes\">{}</pre>",
                notes.lines().map(|l| e(l)).collect::<Vec<_>>().join("\n")
            );
        }
        None => out.push_str("<p>No annotated tag with notes here.</p>\n"),
    }
    out.push_str("</section>\n</main>\n");
    let _ = root;
    document(&format!("{} · Releases", v.version), root, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_names_stay_in_their_folder_and_need_no_url_escaping() {
        assert_eq!(page_name("v1.2.3"), "v1.2.3.html");
        assert_eq!(
            page_name("v1.2.3+build/x@y_z"),
            "v1.2.3_2bbuild_2fx_40y_5fz.html"
        );
        assert_ne!(page_name("a_2f"), page_name("a/"));
    }

    /// The `--name: #rrggbb;` declarations of one `:root` block of the stylesheet.
    fn palette(css: &str) -> std::collections::BTreeMap<String, [f64; 3]> {
        css.lines()
            .filter_map(|line| {
                let (name, value) = line.trim().strip_prefix("--")?.split_once(':')?;
                let hex = value.trim().strip_prefix('#')?.strip_suffix(';')?;
                let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
                let rgb = [channel(0)?, channel(2)?, channel(4)?];
                Some((name.to_string(), rgb.map(f64::from)))
            })
            .collect()
    }

    /// WCAG 2.x relative luminance of an sRGB colour.
    fn luminance(rgb: [f64; 3]) -> f64 {
        let linear = rgb.map(|c| {
            let c = c / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        });
        0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    }

    fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn contrast_ratio_matches_wcag_reference_values() {
        assert!((contrast([0.0; 3], [255.0; 3]) - 21.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1 just above AA.
        assert!((contrast([118.0; 3], [255.0; 3]) - 4.54).abs() < 0.01);
    }

    /// Every pair of colours the stylesheet puts together, in the light and in the dark
    /// palette, reaches WCAG 2.1 AA: 4.5:1 for text, 3:1 for the focus ring and the
    /// chart's bars (non-text contrast, 1.4.11).
    #[test]
    fn light_and_dark_palettes_reach_wcag_aa() {
        let (light, dark) = STYLE
            .split_once("@media (prefers-color-scheme: dark)")
            .unwrap();
        const WHITE: &str = "#ffffff";
        // (foreground, background, minimum ratio): what style.css draws on what.
        let pairs: &[(&str, &str, f64)] = &[
            ("fg", "bg", 4.5),
            ("fg", "panel", 4.5),
            ("fg", "freeze-bg", 4.5),
            ("muted", "bg", 4.5),
            ("muted", "panel", 4.5),
            ("link", "bg", 4.5),
            ("link", "panel", 4.5),
            ("freeze-fg", "bg", 4.5),
            ("freeze-fg", "panel", 4.5),
            ("freeze-fg", "freeze-bg", 4.5),
            ("planned-fg", "bg", 4.5),
            ("planned-fg", "panel", 4.5),
            (WHITE, "emergency-bg", 4.5),
            (WHITE, "rollback-bg", 4.5),
            ("focus", "bg", 3.0),
            ("focus", "panel", 3.0),
            ("bar", "bg", 3.0),
            ("bar", "panel", 3.0),
        ];
        let light = palette(light);
        let dark = palette(dark);
        assert!(light.len() >= 13 && dark.len() >= 13, "{light:?} {dark:?}");
        let mut failures = Vec::new();
        for (name, colours) in [("light", &light), ("dark", &dark)] {
            let colour = |key: &str| -> [f64; 3] {
                if key == WHITE {
                    return [255.0; 3];
                }
                *colours
                    .get(key)
                    .unwrap_or_else(|| panic!("no --{key} in the {name} palette"))
            };
            for (fg, bg, minimum) in pairs {
                let ratio = contrast(colour(fg), colour(bg));
                if ratio < *minimum {
                    failures.push(format!(
                        "{name}: {fg} on {bg} is {ratio:.2}:1, below {minimum}:1"
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
