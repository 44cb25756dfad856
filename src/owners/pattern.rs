//! Path patterns as CODEOWNERS writes them, and as `[[pull_requests.rules]] paths` takes
//! them: gitignore syntax, matched by git's own wildmatch as gitoxide implements it
//! (`gix::glob`, already in the tree for the repository itself), with the differences
//! GitHub documents for CODEOWNERS.
//!
//! What gitignore and CODEOWNERS share:
//! - a pattern without a `/` but at its end matches a name at any depth (`*.js`, `logs`);
//! - a leading `/`, or a `/` in the middle, anchors it at the repository's root
//!   (`/docs/`, `src/app`);
//! - a trailing `/` matches only a directory (`apps/`);
//! - `*` and `?` do not cross a `/`; `**` does (`**/logs`, `docs/**`, `a/**/b`);
//! - a directory a pattern matches owns everything inside it (`/build/logs/` owns
//!   `build/logs/x/y.txt`);
//! - matching is case-sensitive.
//!
//! What GitHub does differently, and this module too:
//! - `docs/*` owns the files directly in `docs/`, not `docs/build-app/troubleshooting.md`
//!   (gitignore would take the directory `docs/build-app` and everything in it);
//! - `!` (negation), `[ ]` (character ranges) and `\#` (a leading `#` escaped) do not work
//!   in CODEOWNERS: GitHub skips such a line. Here they are errors, so a rule never
//!   silently means something else than on GitHub.

use gix::bstr::BStr;
use gix::glob::pattern::Case;
use gix::glob::wildmatch;

/// One path pattern, compiled.
#[derive(Debug, Clone)]
pub struct PathPattern {
    text: String,
    glob: gix::glob::Pattern,
    /// `docs/*`: only the entries directly in `docs/` (GitHub's rule), never what a
    /// matched directory holds.
    direct_children_only: bool,
}

/// Why a pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(String);

impl PathPattern {
    pub fn parse(text: &str) -> Result<PathPattern, PatternError> {
        let refuse = |why: &str| Err(PatternError(why.to_string()));
        if text.is_empty() {
            return refuse("an empty pattern matches nothing");
        }
        if text.starts_with('!') {
            return refuse(
                "`!` (negation) does not work in CODEOWNERS patterns: GitHub skips such a line",
            );
        }
        if text.starts_with("\\#") {
            return refuse(
                "escaping a leading `#` does not work in CODEOWNERS patterns: GitHub skips such a line",
            );
        }
        if text.contains(['[', ']']) {
            return refuse(
                "`[ ]` (character ranges) do not work in CODEOWNERS patterns: GitHub skips such a line",
            );
        }
        if text.contains("***") {
            return refuse(
                "`***` is not a pattern: use `*` within a name or `**` across directories",
            );
        }
        if text.chars().any(char::is_control) {
            return refuse("a pattern cannot hold control characters");
        }
        let Some(glob) = gix::glob::Pattern::from_bytes_without_negation(text.as_bytes()) else {
            return refuse("an empty pattern matches nothing");
        };
        let last_segment = text.rsplit('/').next().unwrap_or(text);
        Ok(PathPattern {
            text: text.to_string(),
            glob,
            direct_children_only: text.contains('/') && last_segment == "*",
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern matches `path`, a file's path in the repository
    /// (`/`-separated, no leading `/`): the path itself, or a directory above it.
    pub fn matches(&self, path: &str) -> bool {
        let path = path.trim_start_matches('/');
        if path.is_empty() {
            return false;
        }
        if self.matches_entry(path, false) {
            return true;
        }
        if self.direct_children_only {
            return false;
        }
        path.match_indices('/')
            .any(|(end, _)| self.matches_entry(&path[..end], true))
    }

    fn matches_entry(&self, path: &str, is_dir: bool) -> bool {
        let basename = path.rfind('/').map(|slash| slash + 1);
        self.glob.matches_repo_relative_path(
            BStr::new(path),
            basename,
            Some(is_dir),
            Case::Sensitive,
            wildmatch::Mode::NO_MATCH_SLASH_LITERAL,
        )
    }
}

impl std::fmt::Display for PathPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each pattern, the paths it must match and the paths it must not.
    fn table(pattern: &str, matching: &[&str], other: &[&str]) {
        let p = PathPattern::parse(pattern).unwrap();
        for path in matching {
            assert!(p.matches(path), "`{pattern}` must match {path}");
        }
        for path in other {
            assert!(!p.matches(path), "`{pattern}` must not match {path}");
        }
    }

    #[test]
    fn githubs_documented_examples() {
        // From GitHub's "About code owners" example file.
        table("*", &["README.md", "src/a/b.rs"], &[]);
        table(
            "*.js",
            &["app.js", "web/static/app.js"],
            &["app.jsx", "js/app.ts"],
        );
        table(
            "/build/logs/",
            &["build/logs/today.log", "build/logs/old/x.log"],
            &["build/logs", "src/build/logs/x.log"],
        );
        table(
            "docs/*",
            &["docs/getting-started.md"],
            &["docs/build-app/troubleshooting.md", "docs"],
        );
        table(
            "apps/",
            &["apps/x.rs", "web/apps/y/z.rs"],
            &["apps", "myapps/x.rs"],
        );
        table("/docs/", &["docs/a.md", "docs/a/b.md"], &["src/docs/a.md"]);
        table(
            "**/logs",
            &[
                "build/logs/x",
                "scripts/logs/y",
                "deeply/nested/logs/z",
                "logs",
            ],
            &["logsx/a", "build/catalogs/x"],
        );
    }

    #[test]
    fn anchoring_directories_and_wildcards() {
        table(
            "foo",
            &["foo", "foo/bar", "bar/foo", "bar/foo/baz"],
            &["foo.txt", "bar/baz"],
        );
        table("/foo", &["foo", "foo/bar"], &["bar/foo", "fool.txt"]);
        table("foo/", &["foo/bar", "bar/foo/baz"], &["foo", "bar/baz"]);
        table(
            "foo/bar",
            &["foo/bar", "foo/bar/baz"],
            &["baz/foo/bar", "foo/bart"],
        );
        table(
            "f*",
            &["foo", "foo/bar/baz", "bar/foo"],
            &["bar/baz", "xfoo"],
        );
        table("/*", &["foo", "bar"], &["foo/bar"]);
        table("/*/", &["foo/bar", "bar/foo/baz"], &["foo"]);
        table("f\\*o", &["f*o"], &["foo"]);
        table("f?o", &["foo"], &["fo", "fooo"]);
        table(
            "foo/*.txt",
            &["foo/bar.txt"],
            &["foo/bar/baz.txt", "qux/foo/bar.txt"],
        );
        table(
            "foo/*/baz",
            &["foo/bar/baz", "foo/bar/baz/qux"],
            &["foo/baz", "foo/bar"],
        );
        table(
            "**/foo/bar",
            &["foo/bar", "qux/foo/bar/baz"],
            &["foo/baz/bar"],
        );
        table(
            "foo/bar/**",
            &["foo/bar/baz", "foo/bar/baz/qux"],
            &["foo/bar", "qux/foo/bar/baz"],
        );
        table(
            "foo/**/bar",
            &["foo/bar", "foo/qux/quux/bar/baz"],
            &["qux/foo/bar"],
        );
        table(
            "path\\ with\\ spaces/",
            &["path with spaces/a"],
            &["path/a"],
        );
        // Case-sensitive, as on GitHub.
        table("/Docs/", &["Docs/a.md"], &["docs/a.md"]);
    }

    #[test]
    fn what_github_does_not_support_is_refused() {
        for bad in ["!foo", "\\#foo", "*.[ch]", "a/***", ""] {
            assert!(PathPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
