//! The one network layer as users meet it (issue 15.4): a proxy from the environment
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`), a server whose certificate comes from a
//! private CA trusted through `SSL_CERT_FILE`, for both the GitHub and the Jira client.
//!
//! The proxy and the TLS server are small local servers written here (std threads): the
//! proxy tunnels `CONNECT` (and forwards absolute-form requests), the TLS server answers
//! from a route table with a certificate signed by a CA generated in the test (rcgen).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{MockApi, TestEnv};
use crate::github::{POLICY, Pr, fixture, review};

// ---------------------------------------------------------------- a forward proxy

/// An HTTP proxy on 127.0.0.1 recording the target of every request it carries.
pub struct Proxy {
    pub url: String,
    targets: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    pub fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || proxy_one(client, &seen));
            }
        });
        Proxy { url, targets }
    }

    /// `host:port` of each CONNECT, or the URL of each absolute-form request, in order.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

fn proxy_one(client: TcpStream, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let end = line == "\r\n";
        head.push(line);
        if end {
            break;
        }
    }
    let mut parts = head[0].split_whitespace();
    let (verb, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    seen.lock().unwrap().push(target.to_string());
    let authority = if verb == "CONNECT" {
        target.to_string()
    } else {
        let rest = target.split_once("://").map_or(target, |(_, r)| r);
        rest.split('/').next().unwrap_or("").to_string()
    };
    let Ok(mut upstream) = TcpStream::connect(&authority) else {
        let mut client = client;
        client
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
            .ok();
        return;
    };
    let mut client = client;
    if verb == "CONNECT" {
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .unwrap();
    } else {
        upstream.write_all(head.concat().as_bytes()).unwrap();
    }
    // Whatever the reader already buffered belongs to the tunnel.
    let buffered = reader.buffer().to_vec();
    upstream.write_all(&buffered).unwrap();
    let mut to_upstream = client.try_clone().unwrap();
    let mut from_upstream = upstream.try_clone().unwrap();
    let forward = std::thread::spawn(move || {
        std::io::copy(&mut to_upstream, &mut upstream).ok();
        upstream.shutdown(Shutdown::Write).ok();
    });
    std::io::copy(&mut from_upstream, &mut client).ok();
    client.shutdown(Shutdown::Both).ok();
    forward.join().ok();
}

// ------------------------------------------------ an HTTPS server with a private CA

/// An HTTPS server on 127.0.0.1 answering as `https://localhost:PORT`, with a certificate
/// signed by a CA made for this test; `ca_file` is that CA's certificate (PEM).
pub struct TlsApi {
    pub url: String,
    pub ca_file: PathBuf,
    requests: Arc<Mutex<Vec<String>>>,
}

/// `(path, status, body)`: the answer to a request whose path (without the query) is `path`.
type Route = (String, u16, Value);

/// A server configuration for `localhost` and `127.0.0.1` whose certificate is signed by
/// a CA made for this test, and that CA's certificate (PEM) written into `env`, for
/// `SSL_CERT_FILE`. Shared with the SMTP server of the email notifications.
pub fn private_ca(env: &TestEnv) -> (Arc<rustls::ServerConfig>, PathBuf) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "reltag test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
    let ca_file = env.path("test-ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();

    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        leaf_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .unwrap();
    (Arc::new(config), ca_file)
}

impl TlsApi {
    pub fn start(env: &TestEnv, routes: Vec<Route>) -> TlsApi {
        let (config, ca_file) = private_ca(env);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let routes = Arc::new(routes);
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let (config, seen, routes) = (config.clone(), seen.clone(), routes.clone());
                std::thread::spawn(move || {
                    let Ok(connection) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut tls = rustls::StreamOwned::new(connection, tcp);
                    serve_one(&mut tls, &seen, &routes);
                    tls.conn.send_close_notify();
                    tls.flush().ok();
                });
            }
        });
        TlsApi {
            url: format!("https://localhost:{port}"),
            ca_file,
            requests,
        }
    }

    /// The request lines received (`GET /path?query`), in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads one request (head and a `content-length` body) and answers it, then closes.
fn serve_one(stream: &mut impl ReadWrite, seen: &Mutex<Vec<String>>, routes: &[Route]) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    if stream.read_exact(&mut body).is_err() {
        return;
    }
    let line = head.lines().next().unwrap_or("").to_string();
    let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let request_path = target.split('?').next().unwrap_or("");
    seen.lock().unwrap().push(
        line.rsplit_once(' ')
            .map_or(line.clone(), |(l, _)| l.to_string()),
    );
    let (status, answer) = routes
        .iter()
        .find(|(p, _, _)| p == request_path)
        .map(|(_, s, b)| (*s, b.to_string()))
        .unwrap_or((404, json!({"message": "Not Found"}).to_string()));
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    );
    stream.write_all(response.as_bytes()).ok();
    stream.flush().ok();
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

// ---------------------------------------------------------------------- the tests

const CLOUD_VARS: &[(&str, &str)] = &[
    ("JIRA_EMAIL", "rm@example.com"),
    ("JIRA_API_TOKEN", "cloud-api-token-s3cret"),
    ("RELTAG_HTTP_RETRY_BASE_MS", "1"),
];

fn jira_fixture(name: &str) -> Value {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/jira")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

/// A directory with a policy whose `[jira] url` is `url`, for `reltag check bugs`.
fn bugs_dir(env: &TestEnv, url: &str) -> PathBuf {
    let dir = env.path("work");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        format!(
            "[release]\ncriteria = [\"bugs\"]\n[release.bugs]\njql = \"fixVersion = {{version}}\"\n[jira]\nurl = \"{url}\"\nflavor = \"cloud\"\n"
        ),
    )
    .unwrap();
    dir
}

fn run_bugs(env: &TestEnv, dir: &std::path::Path, extra: &[(&str, &str)]) -> crate::common::Run {
    let mut vars = CLOUD_VARS.to_vec();
    vars.extend_from_slice(extra);
    env.reltag_with(
        dir,
        &["--policy", "policy.toml", "check", "bugs", "1.4.0"],
        &vars,
        None,
    )
}

#[test]
fn jira_behind_a_private_ca_is_trusted_through_ssl_cert_file_and_refused_without() {
    let env = TestEnv::new();
    let jira = TlsApi::start(
        &env,
        vec![(
            "/rest/api/3/search/jql".into(),
            200,
            jira_fixture("cloud_search_empty.json"),
        )],
    );
    let dir = bugs_dir(&env, &jira.url);
    let ca = jira.ca_file.to_str().unwrap().to_string();

    let run = run_bugs(&env, &dir, &[("SSL_CERT_FILE", &ca)]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout
            .contains("bugs: 0 issues match, the policy allows 0: ok"),
        "{}",
        run.render()
    );
    assert_eq!(jira.requests(), vec!["POST /rest/api/3/search/jql"]);

    // Without the CA, the server's certificate is refused before anything is sent.
    let run = run_bugs(&env, &dir, &[]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(run.stderr.contains("certificate"), "{}", run.render());
    assert!(run.stderr.contains("SSL_CERT_FILE"), "{}", run.render());
    assert_eq!(jira.requests().len(), 1);
}

#[test]
fn a_set_but_unreadable_ssl_cert_file_is_an_error_not_ignored() {
    let env = TestEnv::new();
    let dir = bugs_dir(&env, "https://localhost:9");
    let missing = env.path("no-such-ca.pem");
    let run = run_bugs(&env, &dir, &[("SSL_CERT_FILE", missing.to_str().unwrap())]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr
            .contains("SSL_CERT_FILE=[TMP]/no-such-ca.pem cannot be read"),
        "{}",
        run.render()
    );
}

fn github_tls(env: &TestEnv, pr: &Pr) -> TlsApi {
    let mut answer = fixture("collaborator_permission.json");
    answer["permission"] = json!("write");
    answer["role_name"] = json!("write");
    TlsApi::start(
        env,
        vec![
            (
                "/repos/octo/app/pulls/7/reviews".into(),
                200,
                json!([review(1, "ann", "APPROVED", &pr.head)]),
            ),
            (
                "/repos/octo/app/collaborators/ann/permission".into(),
                200,
                answer,
            ),
        ],
    )
}

fn run_pr(pr: &Pr, api_url: &str, extra: &[(&str, &str)]) -> crate::common::Run {
    let mut vars: Vec<(&str, &str)> = pr
        .env_vars(api_url)
        .into_iter()
        .filter(|(k, _)| *k != "GITHUB_API_URL")
        .collect();
    vars.push(("GITHUB_API_URL", api_url));
    vars.extend_from_slice(extra);
    pr.env.reltag_with(&pr.repo, &["check", "pr"], &vars, None)
}

#[test]
fn github_behind_a_private_ca_is_trusted_through_ssl_cert_file_and_refused_without() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = github_tls(&pr.env, &pr);
    let ca = api.ca_file.to_str().unwrap().to_string();
    let run = run_pr(&pr, &api.url, &[("SSL_CERT_FILE", &ca)]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout
            .contains("note: approvals: 1 of 1 required, by @ann"),
        "{}",
        run.render()
    );

    let before = api.requests().len();
    let run = run_pr(&pr, &api.url, &[]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(run.stderr.contains("certificate"), "{}", run.render());
    assert_eq!(api.requests().len(), before, "nothing was sent");
}

#[test]
fn both_clients_go_through_the_proxy_the_environment_names() {
    // GitHub over HTTPS through HTTPS_PROXY: a CONNECT tunnel, TLS end to end.
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = github_tls(&pr.env, &pr);
    let proxy = Proxy::start();
    let ca = api.ca_file.to_str().unwrap().to_string();
    let run = run_pr(
        &pr,
        &api.url,
        &[("SSL_CERT_FILE", &ca), ("HTTPS_PROXY", &proxy.url)],
    );
    assert_eq!(run.code, 0, "{}", run.render());
    let port = api.url.rsplit(':').next().unwrap().to_string();
    assert!(!proxy.targets().is_empty(), "the proxy saw nothing");
    assert!(
        proxy
            .targets()
            .iter()
            .all(|t| *t == format!("localhost:{port}")),
        "{:?}",
        proxy.targets()
    );

    // Jira over plain http (loopback only) through http_proxy (lower case, as curl reads it).
    let env = TestEnv::new();
    let jira = MockApi::start();
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(jira_fixture("cloud_search_empty.json")),
            ),
    );
    let proxy = Proxy::start();
    let dir = bugs_dir(&env, &jira.uri());
    let run = run_bugs(&env, &dir, &[("http_proxy", &proxy.url)]);
    assert_eq!(run.code, 0, "{}", run.render());
    let authority = jira.uri().trim_start_matches("http://").to_string();
    assert!(
        proxy.targets().iter().any(|t| t.contains(&authority)),
        "{:?}",
        proxy.targets()
    );
}

#[test]
fn no_proxy_sends_a_host_around_the_proxy() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = github_tls(&pr.env, &pr);
    let proxy = Proxy::start();
    let ca = api.ca_file.to_str().unwrap().to_string();
    let run = run_pr(
        &pr,
        &api.url,
        &[
            ("SSL_CERT_FILE", &ca),
            ("HTTPS_PROXY", &proxy.url),
            ("NO_PROXY", "example.com, localhost"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(proxy.targets(), Vec::<String>::new());
    assert!(!api.requests().is_empty());
}

#[test]
fn a_proxy_variable_that_is_not_a_url_is_an_error_not_a_direct_connection() {
    let env = TestEnv::new();
    let jira = MockApi::start();
    let dir = bugs_dir(&env, &jira.uri());
    let run = run_bugs(&env, &dir, &[("HTTP_PROXY", "http://[::1")]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr
            .contains("HTTP_PROXY=http://[::1 is not a proxy URL"),
        "{}",
        run.render()
    );
    assert!(jira.requests().is_empty());
}
