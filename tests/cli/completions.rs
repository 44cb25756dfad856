//! `reltag completions`, `reltag man`, and the `#:schema` line of `reltag init`.

use crate::common::TestEnv;

#[test]
fn completions_for_each_shell_name_the_commands() {
    let env = TestEnv::new();
    let dir = env.path("");
    for (shell, marker) in [
        ("bash", "_reltag()"),
        ("zsh", "#compdef reltag"),
        ("fish", "complete -c reltag"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[reltag]"),
    ] {
        let run = env.reltag(&dir, &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.render());
        assert!(run.stdout.contains(marker), "{shell}: {}", run.stdout);
        for command in ["check", "cut", "promote", "rollback", "completions"] {
            assert!(run.stdout.contains(command), "{shell} lacks {command}");
        }
        assert!(run.stderr.is_empty(), "{}", run.stderr);
    }
    let unknown = env.reltag(&dir, &["completions", "tcsh"]);
    assert_eq!(unknown.code, 2, "{}", unknown.render());
}

#[test]
fn man_prints_reltag_1_or_writes_a_page_per_command() {
    let env = TestEnv::new();
    let dir = env.path("");
    let run = env.reltag(&dir, &["man"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.starts_with(".ie \\n(.g .ds Aq \\(aq"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(".TH reltag 1"), "{}", run.stdout);

    let run = env.reltag(&dir, &["man", "pages"]);
    assert_eq!(run.code, 0, "{}", run.render());
    for page in [
        "reltag.1",
        "reltag-check.1",
        "reltag-check-pr.1",
        "reltag-promote.1",
    ] {
        let text = std::fs::read_to_string(env.path("pages").join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH "), "{page}");
    }
}

#[test]
fn init_names_the_json_schema_and_the_file_stays_valid() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    assert_eq!(env.reltag(&repo, &["init"]).code, 0);
    let written = std::fs::read_to_string(repo.join("policy.toml")).unwrap();
    let first = written.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "#:schema https://raw.githubusercontent.com/reltag/reltag/v{}/policy.schema.json",
            env!("CARGO_PKG_VERSION")
        )
    );
    let check = env.reltag(&repo, &["check", "policy"]);
    assert_eq!(check.code, 0, "{}", check.render());
}
