//! Text from users and services on its way out: the one escaper, and the helpers that cut
//! commit text down to something a report can show.
//!
//! Every byte of user or service text (commit subjects, author names, branch and tag
//! names, titles, policy values, Jira's and GitHub's error text) that reaches an output
//! goes through [`escape`] (or [`escape_block`], which keeps line breaks, or [`escape_lines`],
//! which escapes each line for a renderer that indents them), whatever the
//! format: the human and github renderers, the release notes and the annotated tag's
//! message, and the errors printed on stderr. The json renderer writes the same
//! characters as JSON `\uXXXX` escapes instead, which is lossless. A character that is
//! [`is_unsafe`] never reaches a terminal, a CI log or a tag raw: it could move the cursor,
//! recolour or hide text (ESC, CSI), ring the bell, start a GitHub workflow command on a
//! new line, or make one name look like another (bidi overrides, zero-width characters).

use std::borrow::Cow;

/// Whether `c` must never be written raw: C0 and C1 control characters and DEL (ESC,
/// BEL, CSI…), Unicode format characters (bidi overrides and isolates, zero-width space,
/// joiners, word joiner, invisible operators, the byte order mark, tag characters…), the
/// line and paragraph separators, and characters that display as nothing (Hangul
/// fillers, the combining grapheme joiner, variation selectors).
///
/// Tab, line feed and carriage return are control characters too: [`escape`] escapes
/// them except tab, [`escape_block`] keeps tab and line feed.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_format(c) || is_blank_lookalike(c)
}

/// Unicode's format characters (general category Cf) and the line and paragraph
/// separators (Zl, Zp): invisible, and each can change how the text around it displays.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// Characters that are not format characters but display as nothing at all.
fn is_blank_lookalike(c: char) -> bool {
    matches!(
        c,
        '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{3164}'
            | '\u{FFA0}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// Bidirectional control characters (Trojan Source): a subset of [`is_unsafe`].
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Text for one line of output: every [`is_unsafe`] character but tab becomes a visible
/// `\u{…}` escape (ESC is `\u{1b}`, a line feed `\u{a}`). Safe text is returned as it is,
/// and escaping twice changes nothing.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| is_unsafe(c) && c != '\t')
}

/// Text that may span lines (an error with a policy snippet, release notes): like
/// [`escape`], but line feeds and tabs stay.
pub fn escape_block(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| is_unsafe(c) && c != '\t' && c != '\n')
}

/// Text that may span lines, for a renderer that lays each line out itself (the human
/// format's multi-line notes, such as an email's dry-run preview): the text split at line
/// feeds, each line escaped by [`escape`], so a carriage return or any other control
/// character on a line still shows as a `\u{…}` escape. One trailing line feed ends the
/// last line rather than starting an empty one. The caller prefixes every line after the
/// first with something that is neither blank nor reltag's own (a gutter), so no line can
/// pass for a finding, a summary or a workflow command.
pub fn escape_lines(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.strip_suffix('\n')
        .unwrap_or(text)
        .split('\n')
        .map(escape)
}

fn escape_where(text: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text from a commit, for messages: lossy, and cut short so a 10 MB subject cannot
/// flood a report. (Escaping happens when it is written out.)
pub fn display_text(bytes: &[u8], max_chars: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out: String = text.chars().take(max_chars).collect();
    if text.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

/// Text for HTML (the release page, `--format html`, Slack's mrkdwn): [`escape`] first,
/// so that an unsafe character shows as a visible `\u{…}` escape in a page or a chat
/// too, then `& < > " '` as character references, so that no user or service text can
/// open a tag, an attribute or a Slack link or mention (`<!channel>`).
pub fn escape_html(text: &str) -> Cow<'_, str> {
    let shown = escape(text);
    if !shown.contains(['&', '<', '>', '"', '\'']) {
        return shown;
    }
    let mut out = String::with_capacity(shown.len() + 16);
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// reltag's own sentences for HTML (a lane's next step, a finding, a hint), which quote
/// commands and names between backticks as the terminal shows them: [`escape_html`]
/// first, then each pair of backticks becomes a `<code>` element, so the page shows
/// `reltag cut` as code rather than with literal backticks. An unpaired backtick stays as
/// it is; what lies between the pair is already escaped, so no text can open a tag.
pub fn escape_html_prose(text: &str) -> Cow<'_, str> {
    let escaped = escape_html(text);
    if escaped.matches('`').count() < 2 {
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    let mut rest = escaped.as_ref();
    while let Some(open) = rest.find('`') {
        let Some(close) = rest[open + 1..].find('`') else {
            break;
        };
        let code = &rest[open + 1..open + 1 + close];
        out.push_str(&rest[..open]);
        if code.is_empty() {
            out.push_str("``");
        } else {
            out.push_str("<code>");
            out.push_str(code);
            out.push_str("</code>");
        }
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Text for Markdown that a chat renders (Microsoft Teams' cards): [`escape`] first, then
/// a backslash before every character Markdown gives a meaning, so that a reason or a
/// name cannot become a link, an image, emphasis or a heading.
pub fn escape_markdown(text: &str) -> Cow<'_, str> {
    const SPECIAL: &[char] = &[
        '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '<', '>', '#', '+', '-', '.', '!', '|',
        '~',
    ];
    let shown = escape(text);
    if !shown.contains(SPECIAL) {
        return shown;
    }
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        if SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_in_reltag_sentences_become_code_and_nothing_else_does() {
        assert_eq!(
            escape_html_prose("cut a new version with `reltag cut`"),
            "cut a new version with <code>reltag cut</code>"
        );
        assert_eq!(
            escape_html_prose("`a` and `b <c>` but not `d"),
            "<code>a</code> and <code>b &lt;c&gt;</code> but not `d"
        );
        assert_eq!(
            escape_html_prose("`<script>`alert(1)``"),
            "<code>&lt;script&gt;</code>alert(1)``"
        );
        assert_eq!(escape_html_prose("no code"), "no code");
    }

    #[test]
    fn terminal_and_workflow_controls_become_visible_escapes() {
        let cases = [
            ("plain PAY-1: ok", "plain PAY-1: ok"),
            ("\u{1b}[31mred\u{1b}[0m", "\\u{1b}[31mred\\u{1b}[0m"),
            ("bell\u{7}", "bell\\u{7}"),
            ("csi\u{9b}2J", "csi\\u{9b}2J"),
            ("del\u{7f}", "del\\u{7f}"),
            ("two\nlines\r", "two\\u{a}lines\\u{d}"),
            ("tab\tstays", "tab\tstays"),
            ("ma\u{200b}in", "ma\\u{200b}in"),
            ("ma\u{2060}in", "ma\\u{2060}in"),
            ("\u{feff}main", "\\u{feff}main"),
            ("main\u{2028}", "main\\u{2028}"),
            ("abc\u{202e}fed", "abc\\u{202e}fed"),
            ("tag\u{e0041}", "tag\\u{e0041}"),
            ("fill\u{3164}er", "fill\\u{3164}er"),
            ("naïve café 日本", "naïve café 日本"),
        ];
        for (raw, shown) in cases {
            assert_eq!(escape(raw), shown, "{raw:?}");
            assert_eq!(escape(shown), shown, "escaping twice changes nothing");
        }
        assert_eq!(escape_block("a\nb\u{1b}c"), "a\nb\\u{1b}c");
        let lines: Vec<_> = escape_lines("a\r\n\u{1b}[2Jb\n\n::error::c\n").collect();
        assert_eq!(lines, ["a\\u{d}", "\\u{1b}[2Jb", "", "::error::c"]);
        assert_eq!(escape_lines("one").collect::<Vec<_>>(), ["one"]);
        assert!(matches!(escape("ok"), Cow::Borrowed(_)));
    }

    #[test]
    fn html_and_markdown_escapes_keep_text_inert() {
        assert_eq!(
            escape_html("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(
            escape_html("<!channel>\u{1b}[2J"),
            "&lt;!channel&gt;\\u{1b}[2J"
        );
        assert!(matches!(escape_html("v1.2.3 ok"), Cow::Borrowed(_)));
        assert_eq!(
            escape_markdown("[click](https://evil.example) *now*"),
            "\\[click\\]\\(https://evil\\.example\\) \\*now\\*"
        );
    }

    #[test]
    fn display_text_cuts_long_text() {
        assert_eq!(display_text(b"abcdef", 3), "abc…");
        assert_eq!(display_text(b"abc", 3), "abc");
        assert_eq!(display_text(b"\xff", 3), "\u{fffd}");
    }
}
