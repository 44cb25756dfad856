//! `verify_keys` against a wiremock Jira that behaves like Jira Cloud for `key in (…)`:
//! the issues for known keys, or 400 for the whole query when one key is unknown.

use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;
use reltag::policy::schema::JiraFlavor;
use reltag::tracker::jira::{
    Credentials, HttpSettings, JiraClient, JiraConfig, MissingKey, Secret, verify_keys,
};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::method};

fn fixture(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/jira")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Answers a search for `key in ("A-1", …)` as Jira does: 400 naming the first unknown
/// key, else one issue per key (keys in `moved` answer under their new key).
struct FakeJira {
    unknown: Vec<&'static str>,
    moved: Vec<(&'static str, &'static str)>,
}

impl Respond for FakeJira {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        let jql = body["jql"].as_str().unwrap();
        assert!(jql.starts_with("key in ("), "{jql}");
        let keys: Vec<String> = Regex::new(r#""([A-Z]+-[0-9]+)""#)
            .unwrap()
            .captures_iter(jql)
            .map(|c| c[1].to_string())
            .collect();
        assert!(body["maxResults"].as_u64().unwrap() >= keys.len() as u64);
        if let Some(bad) = keys.iter().find(|k| self.unknown.contains(&k.as_str())) {
            let mut error = fixture("key_does_not_exist.json");
            error["errorMessages"][0] =
                format!("An issue with key '{bad}' does not exist for field 'key'.").into();
            return ResponseTemplate::new(400).set_body_json(error);
        }
        let template = fixture("cloud_issue_template.json");
        let issues: Vec<serde_json::Value> = keys
            .iter()
            .map(|k| {
                let key = self
                    .moved
                    .iter()
                    .find(|(old, _)| old == k)
                    .map_or(k.as_str(), |(_, new)| new);
                let mut issue = template.clone();
                issue["key"] = key.into();
                issue
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "issues": issues,
            "isLast": true,
        }))
    }
}

struct Setup {
    rt: tokio::runtime::Runtime,
    server: MockServer,
    client: JiraClient,
}

fn setup(fake: FakeJira) -> Setup {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(fake)
            .mount(&server),
    );
    let client = JiraClient::new(
        JiraConfig::new(&server.uri(), JiraFlavor::Cloud).unwrap(),
        Credentials::Basic {
            email: "rm@example.com".to_string(),
            token: Secret::new("t"),
        },
        HttpSettings {
            retry: reltag::http::RetryPolicy {
                base: Duration::from_millis(1),
                ..Default::default()
            },
            ..HttpSettings::default()
        },
    )
    .unwrap();
    Setup { rt, server, client }
}

impl Setup {
    fn request_count(&self) -> usize {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap()
            .len()
    }
}

fn keys(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("PAY-{i}")).collect()
}

#[test]
fn known_keys_take_one_query_per_batch() {
    let s = setup(FakeJira {
        unknown: vec![],
        moved: vec![],
    });
    let mut all = keys(20);
    all.push("PAY-3".to_string()); // duplicates are asked once
    assert_eq!(verify_keys(&all, &s.client).unwrap(), vec![]);
    assert_eq!(s.request_count(), 1);

    // 120 keys: three batches of at most 50.
    assert_eq!(verify_keys(&keys(120), &s.client).unwrap(), vec![]);
    assert_eq!(s.request_count(), 1 + 3);
}

#[test]
fn one_unknown_key_in_a_batch_is_found_by_bisection() {
    let s = setup(FakeJira {
        unknown: vec!["PAY-13"],
        moved: vec![],
    });
    let missing = verify_keys(&keys(16), &s.client).unwrap();
    assert_eq!(
        missing,
        vec![MissingKey {
            key: "PAY-13".to_string(),
            jira_says: "An issue with key 'PAY-13' does not exist for field 'key'.".to_string(),
        }]
    );
    // 16 → 8+8 → 4+4 → 2+2 → 1+1: the rejected half is split, the good half asked once.
    assert_eq!(s.request_count(), 1 + 2 + 2 + 2 + 2);
    assert!(
        missing[0]
            .message()
            .contains("or the Jira token cannot see it")
    );
}

#[test]
fn several_unknown_keys_are_all_found() {
    let s = setup(FakeJira {
        unknown: vec!["PAY-2", "PAY-7", "OPS-1"],
        moved: vec![],
    });
    let mut all = keys(9);
    all.push("OPS-1".to_string());
    let missing: Vec<String> = verify_keys(&all, &s.client)
        .unwrap()
        .into_iter()
        .map(|m| m.key)
        .collect();
    assert_eq!(missing, vec!["PAY-2", "PAY-7", "OPS-1"]);
}

#[test]
fn a_moved_issue_answering_under_its_new_key_still_exists() {
    let s = setup(FakeJira {
        unknown: vec![],
        moved: vec![("PAY-5", "BILL-77")],
    });
    assert_eq!(verify_keys(&keys(8), &s.client).unwrap(), vec![]);
}

/// Answers a batch with as many issues as keys asked, none of them a key that was asked
/// for, and a key asked alone with no issue: a count that matches, issues that do not.
struct Unrelated;

impl Respond for Unrelated {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        let asked = body["jql"].as_str().unwrap().matches('"').count() / 2;
        let template = fixture("cloud_issue_template.json");
        let issues: Vec<serde_json::Value> = if asked > 1 {
            (1..=asked)
                .map(|i| {
                    let mut issue = template.clone();
                    issue["key"] = format!("OTHER-{i}").into();
                    issue
                })
                .collect()
        } else {
            Vec::new()
        };
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "issues": issues,
            "isLast": true,
        }))
    }
}

#[test]
fn as_many_unrelated_issues_as_keys_do_not_confirm_the_keys() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(Unrelated)
            .mount(&server),
    );
    let client = JiraClient::new(
        JiraConfig::new(&server.uri(), JiraFlavor::Cloud).unwrap(),
        Credentials::Basic {
            email: "rm@example.com".to_string(),
            token: Secret::new("t"),
        },
        HttpSettings::default(),
    )
    .unwrap();
    let missing: Vec<String> = verify_keys(&keys(2), &client)
        .unwrap()
        .into_iter()
        .map(|m| m.key)
        .collect();
    assert_eq!(missing, vec!["PAY-1", "PAY-2"]);
}
