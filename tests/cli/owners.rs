//! `reltag check pr` with code owners (`require_code_owners`) and path rules
//! (`[[pull_requests.rules]]`): real repositories whose base commit holds CODEOWNERS, a
//! local HTTP server answering as GitHub does (reviews, access, team members).

use std::path::Path;

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::github::{Api, Pr, fixture, review, review_as};

const API: &str = "/repos/octo/app";

const POLICY: &str = r#"version = 1
[branches]
allowed = ["main", "feature/{jira}-*"]
[pull_requests]
min_approvals = 1
require_code_owners = true
"#;

/// The CODEOWNERS of most tests: a lead owns everything, the DBA team the database.
const CODEOWNERS: &str = "# owners\n*      @lead\n/db/   @octo/dba\n";

fn write(repo: &Path, file: &str, text: &str) {
    let path = repo.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A repository whose base commit on `main` holds `policy.toml`, `base_files` and
/// `db/schema.sql`, `src/app.rs`, `docs/guide.md`; the pull request's branch
/// `feature/PAY-2-login` writes `changes` (a path and its new text, `None` to remove it)
/// in one commit, which is checked out.
fn owners_pr(policy: &str, base_files: &[(&str, &str)], changes: &[(&str, Option<&str>)]) -> Pr {
    owners_pr_with(
        policy,
        |repo| {
            for (file, text) in base_files {
                write(repo, file, text);
            }
        },
        changes,
    )
}

/// [`owners_pr`], with the base's extra files made by `base`.
fn owners_pr_with(policy: &str, base: impl FnOnce(&Path), changes: &[(&str, Option<&str>)]) -> Pr {
    let mut pr = Pr::new(policy, &[]);
    let repo = pr.repo.clone();
    pr.env.git(&repo, &["switch", "-q", "main"]);
    write(&repo, "db/schema.sql", "create table t (id int);\n");
    write(&repo, "src/app.rs", "fn main() {}\n");
    write(&repo, "docs/guide.md", "# Guide\n");
    base(&repo);
    pr.env.git(&repo, &["add", "-A"]);
    pr.env
        .git(&repo, &["commit", "-q", "-m", "PAY-1: the base"]);
    pr.base = pr.env.git(&repo, &["rev-parse", "HEAD"]);
    pr.env
        .git(&repo, &["switch", "-q", "-C", "feature/PAY-2-login"]);
    for (file, text) in changes {
        match text {
            Some(text) => write(&repo, file, text),
            None => {
                pr.env.git(&repo, &["rm", "-q", "-r", file]);
            }
        }
    }
    pr.env.git(&repo, &["add", "-A"]);
    pr.env.git(
        &repo,
        &["commit", "-q", "--allow-empty", "-m", "PAY-2: Add login"],
    );
    pr.head = pr.env.git(&repo, &["rev-parse", "HEAD"]);
    pr.write_event("PAY-2 Add login", None, 1);
    pr
}

fn reviews(api: &Api, list: Vec<Value>) {
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/reviews")))
            .respond_with(ResponseTemplate::new(200).set_body_json(Value::Array(list))),
    );
}

/// `GET /orgs/{org}/teams/{team}/members` lists these logins, once.
fn team(api: &Api, org: &str, team: &str, members: &[&str]) {
    let user = fixture("team_members.json")[0].clone();
    let list: Vec<Value> = members
        .iter()
        .map(|login| {
            let mut u = user.clone();
            u["login"] = json!(login);
            u
        })
        .collect();
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("/orgs/{org}/teams/{team}/members")))
            .respond_with(ResponseTemplate::new(200).set_body_json(Value::Array(list)))
            .expect(1),
    );
}

fn approvals(pr: &Pr, logins: &[&str]) -> Vec<Value> {
    logins
        .iter()
        .enumerate()
        .map(|(i, login)| review(i as u64 + 1, login, "APPROVED", &pr.head))
        .collect()
}

fn lines_with<'a>(text: &'a str, rule: &str) -> Vec<&'a str> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.contains(&format!("[{rule}]")))
        .collect()
}

#[test]
fn each_path_group_needs_an_approval_from_its_owners() {
    let pr = owners_pr(
        POLICY,
        &[(".github/CODEOWNERS", CODEOWNERS)],
        &[
            ("db/schema.sql", Some("create table t (id bigint);\n")),
            ("src/app.rs", Some("fn main() { login() }\n")),
        ],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["ann"]));
    team(&api, "octo", "dba", &["dana", "dave"]);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert_eq!(
        lines_with(&run.stdout, "pr-code-owners"),
        [
            "error[pr-code-owners] src/app.rs is owned by @lead (.github/CODEOWNERS:2 `*`), and none of them approved",
            "error[pr-code-owners] db/schema.sql is owned by @octo/dba (.github/CODEOWNERS:3 `/db/`), and none of them approved",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("hint: ask @octo/dba for a review; @octo/dba: @dana, @dave (GitHub)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "note: code owners: .github/CODEOWNERS at the base commit {}",
            &pr.base[..12]
        )),
        "{}",
        run.stdout
    );
    api.verify();

    // A member of the team and the lead: every group has its owner's approval.
    let api = Api::start();
    reviews(&api, approvals(&pr, &["Dave", "lead"]));
    team(&api, "octo", "dba", &["dana", "dave"]);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
    api.verify();
}

#[test]
fn a_pull_request_that_rewrites_codeowners_is_judged_by_the_base_commits_file() {
    // The pull request drops the DBA team from db/ and adds a file where GitHub looks
    // first, naming its author's friend; the checkout (the head) has both.
    let pr = owners_pr(
        POLICY,
        &[("CODEOWNERS", CODEOWNERS)],
        &[
            ("db/schema.sql", Some("drop table t;\n")),
            ("CODEOWNERS", Some("* @lead\n")),
            (".github/CODEOWNERS", Some("* @friend\n")),
        ],
    );
    assert!(
        std::fs::read_to_string(pr.repo.join(".github/CODEOWNERS"))
            .unwrap()
            .contains("@friend")
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["friend", "lead"]));
    team(&api, "octo", "dba", &["dana"]);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert_eq!(
        lines_with(&run.stdout, "pr-code-owners"),
        [
            "error[pr-code-owners] db/schema.sql is owned by @octo/dba (CODEOWNERS:3 `/db/`), and none of them approved",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "note: code owners: CODEOWNERS at the base commit {}",
            &pr.base[..12]
        )),
        "{}",
        run.stdout
    );
    // The new files are the gate's own, and said so.
    assert!(
        run.stdout.contains(
            "warning[pr-gate-change] this pull request changes the files that run the gate (.github/CODEOWNERS, CODEOWNERS)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn the_last_matching_line_owns_a_path() {
    let codeowners = "/db/ @dana\n*.sql @sam\n/db/generated/\n";
    let pr = owners_pr(
        POLICY,
        &[("CODEOWNERS", codeowners)],
        &[
            ("db/schema.sql", Some("create table t (id bigint);\n")),
            ("db/README.md", Some("the schema\n")),
            ("db/generated/x.sql", Some("-- generated\n")),
        ],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["dana"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    // db/README.md is @dana's (line 1); db/schema.sql @sam's (line 2, the last match);
    // db/generated/ has no owner (line 3 names none).
    assert_eq!(
        lines_with(&run.stdout, "pr-code-owners"),
        [
            "error[pr-code-owners] db/schema.sql is owned by @sam (CODEOWNERS:2 `*.sql`), and none of them approved",
        ],
        "{}",
        run.stdout
    );

    let api = Api::start();
    reviews(&api, approvals(&pr, &["dana", "sam"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
}

#[test]
fn an_owner_who_cannot_push_is_not_counted() {
    // GitHub asks code owners for write access; an owner's approval without it does not
    // count here either (a former member still named in CODEOWNERS).
    let pr = owners_pr(
        POLICY,
        &[("CODEOWNERS", "* @dana\n")],
        &[("src/app.rs", Some("fn main() { login() }\n"))],
    );
    let api = Api::start();
    reviews(
        &api,
        vec![
            review(1, "ann", "APPROVED", &pr.head),
            review_as(2, "dana", "APPROVED", &pr.head, "CONTRIBUTOR"),
        ],
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert_eq!(
        lines_with(&run.stdout, "pr-code-owners"),
        [
            "error[pr-code-owners] src/app.rs is owned by @dana (CODEOWNERS:1 `*`), and none of them approved",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("@dana cannot push to octo/app (author_association CONTRIBUTOR)"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_authors_approval_does_not_count_as_an_owners() {
    let pr = owners_pr(
        POLICY,
        &[("CODEOWNERS", "* @author\n")],
        &[("src/app.rs", Some("fn main() { login() }\n"))],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["author", "ann"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(
            "error[pr-code-owners] src/app.rs is owned by @author (CODEOWNERS:1 `*`), and none of them approved"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_team_the_token_cannot_list_leaves_the_gate_undecided() {
    let pr = owners_pr(
        POLICY,
        &[("CODEOWNERS", CODEOWNERS)],
        &[("db/schema.sql", Some("drop table t;\n"))],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["dana"]));
    // GitHub answers 404 for a team the token may not see.
    api.mount(
        Mock::given(method("GET"))
            .and(path("/orgs/octo/teams/dba/members"))
            .respond_with(ResponseTemplate::new(404).set_body_json(json!({
                "message": "Not Found",
                "documentation_url": "https://docs.github.com/rest/teams/members#list-team-members",
                "status": "404"
            }))),
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr
            .contains("error: cannot list the members of @octo/dba (a code owner in CODEOWNERS)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("[roles] \"@octo/dba\" = [\"@login\", …]"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_team_named_in_roles_is_resolved_without_asking_github() {
    let policy = format!("{POLICY}[roles]\n\"@octo/dba\" = [\"@dana\"]\n");
    let pr = owners_pr(
        &policy,
        &[("CODEOWNERS", "/db/ @octo/dba\n")],
        &[("db/schema.sql", Some("drop table t;\n"))],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["ann"]));
    api.mount(
        Mock::given(method("GET"))
            .and(path("/orgs/octo/teams/dba/members"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .expect(0),
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout
            .contains("hint: ask @octo/dba for a review; @octo/dba: @dana ([roles] \"@octo/dba\")"),
        "{}",
        run.stdout
    );

    let api = Api::start();
    reviews(&api, approvals(&pr, &["dana"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
    api.verify();
}

#[test]
fn an_email_owner_without_a_role_leaves_the_gate_undecided() {
    let pr = owners_pr(
        POLICY,
        &[("CODEOWNERS", "/db/ dba@example.com\n")],
        &[("db/schema.sql", Some("drop table t;\n"))],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["dana"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains(
            "CODEOWNERS names dba@example.com as a code owner, and reltag cannot tell which GitHub account that is"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "hint: name the account in the policy: [roles] \"dba@example.com\" = [\"@login\"]"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn codeowners_lines_github_would_skip_leave_the_gate_undecided() {
    // GitHub skips a line it cannot read, so its paths would need nobody: refused.
    let pr = owners_pr(
        POLICY,
        &[("CODEOWNERS", "* @lead\n/db/*.[ch] @dana\n/db/ octo-dba\n")],
        &[("db/schema.sql", Some("drop table t;\n"))],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["lead"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains("the base commit's CODEOWNERS cannot be used: CODEOWNERS:2: `/db/*.[ch]`: `[ ]` (character ranges) do not work in CODEOWNERS patterns: GitHub skips such a line; CODEOWNERS:3: `octo-dba` is not an owner: expected @login, @org/team or an email"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("require_code_owners = false"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_symlink_where_github_looks_first_is_not_followed() {
    // The base holds .github/CODEOWNERS as a symlink: which file it names is the
    // checkout's business, never the gate's.
    let pr = owners_pr_with(
        POLICY,
        |repo| {
            write(repo, "owners.txt", "* @friend\n");
            std::fs::create_dir_all(repo.join(".github")).unwrap();
            std::os::unix::fs::symlink("../owners.txt", repo.join(".github/CODEOWNERS")).unwrap();
        },
        &[("src/app.rs", Some("fn main() { login() }\n"))],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["friend"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains(&format!(
            "error: .github/CODEOWNERS at the base commit {} is a symlink, not a CODEOWNERS file",
            &pr.base[..12]
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn required_code_owners_without_codeowners_at_the_base_blocks() {
    // The pull request brings the first CODEOWNERS: it does not count until it is merged.
    let pr = owners_pr(
        POLICY,
        &[],
        &[
            ("CODEOWNERS", Some("* @friend\n")),
            ("src/app.rs", Some("x\n")),
        ],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["friend"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert_eq!(
        lines_with(&run.stdout, "pr-code-owners"),
        [
            "error[pr-code-owners] require_code_owners is set, but the base commit has no CODEOWNERS (.github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS)",
        ],
        "{}",
        run.stdout
    );
}

#[test]
fn without_require_code_owners_codeowners_is_not_read() {
    let policy = POLICY.replace("require_code_owners = true\n", "");
    let pr = owners_pr(
        &policy,
        &[("CODEOWNERS", CODEOWNERS)],
        &[("db/schema.sql", Some("drop table t;\n"))],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["ann"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(!run.stdout.contains("code owners"), "{}", run.stdout);
}

const PATH_POLICY: &str = r#"version = 1
[branches]
allowed = ["main", "feature/{jira}-*"]
[pull_requests]
min_approvals = 1

[[pull_requests.rules]]
paths = ["/db/", "*.sql"]
approvers = ["dba"]
min_approvals = 2

[roles]
dba = ["@dana", "@dave"]
"#;

#[test]
fn a_path_rule_needs_its_roles_approvals() {
    let pr = owners_pr(
        PATH_POLICY,
        &[],
        &[("db/schema.sql", Some("drop table t;\n"))],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["ann", "dana"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert_eq!(
        lines_with(&run.stdout, "pr-path-approvals"),
        [
            "error[pr-path-approvals] changes to db/schema.sql need 2 approvals from dba ([[pull_requests.rules]] #1 `/db/` `*.sql`); 1 so far, by @dana",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("hint: ask @dave for a review"),
        "{}",
        run.stdout
    );

    let api = Api::start();
    reviews(&api, approvals(&pr, &["dana", "dave"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
}

#[test]
fn a_path_rule_applies_to_a_file_moved_out_of_its_paths() {
    let pr = owners_pr(
        PATH_POLICY,
        &[],
        &[
            ("db/schema.sql", None),
            ("attic/schema.txt", Some("create table t (id int);\n")),
        ],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["ann"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(
            "error[pr-path-approvals] changes to db/schema.sql need 2 approvals from dba"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_pull_request_cannot_remove_the_path_rule_it_is_judged_by() {
    let pr = owners_pr(
        PATH_POLICY,
        &[],
        &[
            ("db/schema.sql", Some("drop table t;\n")),
            (
                "policy.toml",
                Some("version = 1\n[pull_requests]\nmin_approvals = 1\n"),
            ),
        ],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["ann"]));
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(
            "error[pr-path-approvals] changes to db/schema.sql need 2 approvals from dba"
        ),
        "{}",
        run.stdout
    );
}

/// `GET /repos/octo/app/contents/{file}?ref={commit}` answers `text`.
fn contents(api: &Api, file: &str, commit: &str, text: &str) {
    use base64::Engine;
    let mut answer = fixture("contents_file.json");
    answer["path"] = json!(file);
    answer["name"] = json!(file.rsplit('/').next().unwrap());
    answer["content"] = json!(base64::engine::general_purpose::STANDARD.encode(text));
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/contents/{file}")))
            .and(query_param("ref", commit))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer)),
    );
}

#[test]
fn without_the_history_codeowners_and_renames_come_from_the_api_at_the_base() {
    // Neither commit is in the checkout: the policy and CODEOWNERS come from the
    // contents API at the base commit, the changed files (a rename under both names)
    // from the pull request's files.
    let mut pr = Pr::new(POLICY, &[]);
    let head = "36afaef2afdf0ce794d7e4663e7f327664aaa4d7";
    pr.base = "5fbd1c0a2ac0c8c7f5d3c8f0d7d41e3d9b4c2a10".to_string();
    pr.write_event("PAY-2 Add login", Some(head), 1);
    let api = Api::start();
    reviews(&api, vec![review(1, "ann", "APPROVED", head)]);
    contents(&api, "policy.toml", &pr.base, POLICY);
    // .github/CODEOWNERS: 404, as GitHub answers for a missing file.
    contents(&api, "CODEOWNERS", &pr.base, "/db/ @dana\n");
    let mut commits = fixture("pull_request_commits.json");
    commits[0]["sha"] = json!(head);
    commits[0]["commit"]["message"] = json!("PAY-2: Add login");
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/commits")))
            .respond_with(ResponseTemplate::new(200).set_body_json(commits)),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/files")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                {"sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": "src/login.sql", "previous_filename": "db/login.sql", "status": "renamed", "additions": 0, "deletions": 0, "changes": 0}
            ]))),
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert_eq!(
        lines_with(&run.stdout, "pr-code-owners"),
        [
            "error[pr-code-owners] db/login.sql is owned by @dana (CODEOWNERS:1 `/db/`), and none of them approved",
        ],
        "{}",
        run.stdout
    );
}

#[test]
fn output_of_a_pull_request_missing_owners_and_path_approvals() {
    let policy = format!(
        "{POLICY}\n[[pull_requests.rules]]\npaths = [\"/db/\"]\napprovers = [\"dba\"]\nmin_approvals = 2\n\n[roles]\ndba = [\"@dana\", \"@dave\"]\n"
    );
    let pr = owners_pr(
        &policy,
        &[(".github/CODEOWNERS", CODEOWNERS)],
        &[
            ("db/schema.sql", Some("drop table t;\n")),
            ("src/app.rs", Some("fn main() { login() }\n")),
        ],
    );
    let api = Api::start();
    reviews(&api, approvals(&pr, &["ann", "dana"]));
    team(&api, "octo", "dba", &["dana"]);
    let human = pr.run(&api, &[]);
    insta::assert_snapshot!("check_pr_owners", crate::outputs::normalize(&human));
    let api = Api::start();
    reviews(&api, approvals(&pr, &["ann", "dana"]));
    team(&api, "octo", "dba", &["dana"]);
    let json = pr.run_args(&api, &["--format", "json", "check", "pr"], &[]);
    insta::assert_snapshot!("check_pr_owners_json", crate::outputs::normalize(&json));
    assert_eq!((human.code, json.code), (1, 1), "{}", human.render());
}
