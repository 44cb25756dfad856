//! The release page in a real headless browser (Debian's `chromium`), when one is
//! installed: the DOM it builds from `file://` shows the right versions and times, the
//! page logs no console error, and a screenshot is kept (`RELTAG_SCREENSHOT_DIR`, default
//! `target/browser`); the keyboard reaches every link in order, each with a visible focus
//! ring, and the skip link jumps to the content (real key presses through the DevTools
//! protocol). The pages are valid HTML by the Nu checker (`vnu.jar`, the W3C validator's
//! engine; `.ci/run` installs it and Java). Without a browser or the checker a test says
//! so and checks nothing else: the static checks of `tests/cli/dashboard.rs` still run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::TestEnv;
use crate::dashboard::{NOW, fixture, render};

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

// ------------------------------------------------------------- the Nu HTML checker

/// `java` and the Nu checker's jar: `RELTAG_VNU_JAR`, else where `.ci/run` installs it
/// (`npm install --prefix target/ci-tools/vnu vnu-jar`).
fn nu_checker() -> Option<(PathBuf, PathBuf)> {
    let jar = std::env::var_os("RELTAG_VNU_JAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/ci-tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar")
        });
    let path = std::env::var_os("PATH")?;
    let java = std::env::split_paths(&path)
        .map(|dir| dir.join("java"))
        .find(|p| p.is_file())?;
    jar.is_file().then_some((java, jar))
}

/// The checker's messages (errors and warnings) for `files`, and whether it passed them.
fn validate(java: &Path, jar: &Path, files: &[PathBuf]) -> (bool, String) {
    let output = Command::new(java)
        .arg("-jar")
        .arg(jar)
        .args(["--also-check-css", "--also-check-svg"])
        .args(files)
        .output()
        .unwrap();
    let messages = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    (
        output.status.success() && messages.trim().is_empty(),
        messages,
    )
}

#[test]
fn the_pages_are_valid_html_by_the_nu_checker() {
    let Some((java, jar)) = nu_checker() else {
        eprintln!(
            "skipped: no java or no vnu.jar (npm install --prefix target/ci-tools/vnu vnu-jar)"
        );
        return;
    };
    let env = TestEnv::new();
    let work = fixture(&env);
    let site = render(&env, &work);
    let mut files = vec![site.join("index.html"), site.join("style.css")];
    for page in std::fs::read_dir(site.join("versions")).unwrap() {
        files.push(page.unwrap().path());
    }
    assert!(files.len() >= 5, "{files:?}");
    // The other documents reltag writes: `status --format html`, and a verdict's.
    for (name, args) in [
        (
            "status.html",
            &["status", "--format", "html", "--offline"][..],
        ),
        ("check.html", &["--format", "html", "check", "branch"][..]),
    ] {
        let run = env.reltag_with(&work, args, &[("RELTAG_NOW", NOW)], None);
        assert!(
            run.stdout.starts_with("<!DOCTYPE html>"),
            "{}",
            run.render()
        );
        let file = env.path(name);
        std::fs::write(&file, &run.stdout).unwrap();
        files.push(file);
    }
    let (valid, messages) = validate(&java, &jar, &files);
    assert!(valid, "the Nu checker found problems:\n{messages}");

    // The checker does refuse what is not valid: this test can fail.
    let broken = env.path("broken.html");
    std::fs::write(
        &broken,
        "<!DOCTYPE html><html lang=en><head><title>x</title></head><body><p><div>x</p></body></html>",
    )
    .unwrap();
    let (valid, messages) = validate(&java, &jar, &[broken]);
    assert!(!valid && messages.contains("error"), "{messages}");
}

// ---------------------------------------------------- the keyboard, through DevTools

/// Key presses through the DevTools protocol on a pipe: fd 3 and 4 of the browser, a
/// Unix arrangement (the page itself is the same everywhere).
#[cfg(unix)]
mod keyboard {
    use std::io::{BufRead, BufReader, Write};
    use std::path::Path;
    use std::process::Command;
    use std::time::Duration;

    use serde_json::{Value, json};

    use super::browser;
    use crate::common::TestEnv;
    use crate::dashboard::{fixture, render};

    /// A headless browser driven over the DevTools protocol on a pipe
    /// (`--remote-debugging-pipe`: commands on fd 3, answers on fd 4, each JSON message
    /// ended by a NUL byte), so key presses are real input events, not script.
    struct DevTools {
        child: std::process::Child,
        commands: std::io::PipeWriter,
        answers: std::sync::mpsc::Receiver<Value>,
        next_id: u64,
        session: Option<String>,
    }

    impl DevTools {
        fn start(browser: &Path, profile: &Path) -> DevTools {
            use std::os::fd::AsRawFd;
            use std::os::unix::process::CommandExt;
            let (their_commands, commands) = std::io::pipe().unwrap();
            let (answers_pipe, their_answers) = std::io::pipe().unwrap();
            let (read_fd, write_fd) = (their_commands.as_raw_fd(), their_answers.as_raw_fd());
            let mut command = Command::new(browser);
            command
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-extensions",
                    "--remote-debugging-pipe",
                    "--window-size=1280,1600",
                ])
                .arg(format!("--user-data-dir={}", profile.display()))
                .arg("about:blank")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and exec; the
            // pipe's ends are first moved above fd 4 so that placing one cannot close the other.
            unsafe {
                command.pre_exec(move || {
                    let high_read = libc::fcntl(read_fd, libc::F_DUPFD, 10);
                    let high_write = libc::fcntl(write_fd, libc::F_DUPFD, 10);
                    if high_read < 0
                        || high_write < 0
                        || libc::dup2(high_read, 3) < 0
                        || libc::dup2(high_write, 4) < 0
                    {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            let child = command.spawn().unwrap();
            drop((their_commands, their_answers));
            let (send, answers) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(answers_pipe);
                let mut message = Vec::new();
                while reader.read_until(0, &mut message).is_ok_and(|n| n > 0) {
                    message.pop_if(|b| *b == 0);
                    if let Ok(value) = serde_json::from_slice::<Value>(&message)
                        && send.send(value).is_err()
                    {
                        return;
                    }
                    message.clear();
                }
            });
            DevTools {
                child,
                commands,
                answers,
                next_id: 0,
                session: None,
            }
        }

        /// Sends a command (to the attached page once there is one) and waits for its answer.
        fn call(&mut self, method: &str, params: Value) -> Value {
            self.next_id += 1;
            let mut message = json!({ "id": self.next_id, "method": method, "params": params });
            if let Some(session) = &self.session {
                message["sessionId"] = json!(session);
            }
            let mut bytes = serde_json::to_vec(&message).unwrap();
            bytes.push(0);
            self.commands.write_all(&bytes).unwrap();
            loop {
                let answer = self
                    .answers
                    .recv_timeout(Duration::from_secs(30))
                    .unwrap_or_else(|_| panic!("no answer to {method} within 30 s"));
                if answer["id"] == self.next_id {
                    assert!(answer.get("error").is_none(), "{method}: {answer}");
                    return answer["result"].clone();
                }
            }
        }

        /// Opens `url` in a new page and waits until it has loaded.
        fn open(&mut self, url: &str) {
            let target =
                self.call("Target.createTarget", json!({ "url": url }))["targetId"].clone();
            let attached = self.call(
                "Target.attachToTarget",
                json!({ "targetId": target, "flatten": true }),
            );
            self.session = Some(attached["sessionId"].as_str().unwrap().to_string());
            // A headless page is never the focused window: without this, it takes no keys.
            self.call(
                "Emulation.setFocusEmulationEnabled",
                json!({ "enabled": true }),
            );
            self.call("Page.bringToFront", json!({}));
            for _ in 0..100 {
                // The new page is about:blank, complete, until the navigation commits.
                let state = self.eval("location.href + ' ' + document.readyState");
                if state == format!("{url} complete") {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            panic!("{url} did not load");
        }

        fn eval(&mut self, expression: &str) -> Value {
            let result = self.call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true }),
            );
            assert!(result.get("exceptionDetails").is_none(), "{result}");
            result["result"]["value"].clone()
        }

        /// Presses and releases a key, as a person at the keyboard does.
        fn press(&mut self, key: &str, code: u32) {
            for kind in ["rawKeyDown", "keyUp"] {
                self.call(
                    "Input.dispatchKeyEvent",
                    json!({
                        "type": kind,
                        "key": key,
                        "code": key,
                        "windowsVirtualKeyCode": code,
                        "nativeVirtualKeyCode": code,
                    }),
                );
            }
        }
    }

    impl Drop for DevTools {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// What has the focus: its position among the page's focusable elements (-1: none of
    /// them), its text, whether it is drawn on screen, and its outline.
    const FOCUSED: &str = r#"(() => {
      const all = [...document.querySelectorAll('a[href], [tabindex]:not([tabindex="-1"])')];
      const a = document.activeElement || document.body;
      const box = a.getBoundingClientRect();
      const style = getComputedStyle(a);
      return {
        index: all.indexOf(a),
        count: all.length,
        text: (a.getAttribute('aria-labelledby') || a.textContent).trim().slice(0, 60),
        shown: box.width > 0 && box.height > 0 && box.left >= 0,
        outline: style.outlineStyle + ' ' + style.outlineWidth,
        inMain: document.getElementById('main').contains(a),
      };
    })()"#;

    #[test]
    fn the_keyboard_reaches_every_link_in_order_with_a_visible_focus() {
        let Some(browser) = browser() else {
            eprintln!("skipped: no chromium on PATH (apt-get install chromium to run this test)");
            return;
        };
        let env = TestEnv::new();
        let work = fixture(&env);
        let site = render(&env, &work);
        let index = format!("file://{}", site.join("index.html").display());
        let mut tools = DevTools::start(&browser, &env.path("chromium-keyboard"));
        tools.open(&index);

        // Tab by Tab from the top: every focusable element once, in document order, each
        // drawn on screen with a focus ring; the first is the skip link.
        let mut seen = Vec::new();
        let mut count = 0;
        for _ in 0..400 {
            tools.press("Tab", 9);
            let focused = tools.eval(FOCUSED);
            count = focused["count"].as_i64().unwrap();
            let index = focused["index"].as_i64().unwrap();
            if index < 0 || seen.last().is_some_and(|last| *last >= index) {
                break;
            }
            assert!(
                focused["shown"] == true
                    && !focused["outline"].as_str().unwrap().starts_with("none"),
                "focus not visible on {focused}"
            );
            if seen.is_empty() {
                assert_eq!(focused["text"], "Skip to the content", "{focused}");
            }
            seen.push(index);
        }
        assert!(count > 5, "too few links to test: {count}");
        assert_eq!(
            seen,
            (0..count).collect::<Vec<_>>(),
            "Tab skipped or reordered focusable elements"
        );

        // The skip link: Enter on it, and the next Tab lands inside the content.
        tools.open(&index);
        tools.press("Tab", 9);
        assert_eq!(tools.eval(FOCUSED)["text"], "Skip to the content");
        tools.press("Enter", 13);
        assert_eq!(tools.eval("location.hash"), "#main");
        tools.press("Tab", 9);
        let focused = tools.eval(FOCUSED);
        assert_eq!(focused["inMain"], true, "{focused}");
    }
}
