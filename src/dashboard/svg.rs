//! Small bar charts as inline SVG: no script, no font files, colours from the stylesheet
//! (so they follow light and dark), a `<title>` per bar for pointer and screen reader.

use std::fmt::Write as _;

use crate::text::escape_html as e;

/// One bar: its axis label, its value, and the sentence a reader hears or sees on hover.
pub(super) struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
}

const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 150.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 30.0;
const LEFT: f64 = 8.0;

/// A bar chart titled `title`; an empty chart says it has no data.
pub(super) fn bars(title: &str, bars: &[Bar]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        e(title)
    );
    let _ = write!(out, "<title>{}</title>", e(title));
    let base = HEIGHT - BOTTOM;
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/>",
        WIDTH - LEFT
    );
    if bars.is_empty() {
        let _ = write!(
            out,
            "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">no data yet</text></svg>",
            WIDTH / 2.0,
            base / 2.0 + TOP / 2.0
        );
        return out;
    }
    let max = bars
        .iter()
        .map(|b| b.value)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let slot = (WIDTH - 2.0 * LEFT) / bars.len() as f64;
    let width = (slot * 0.7).max(2.0);
    for (i, bar) in bars.iter().enumerate() {
        let value = if bar.value.is_finite() {
            bar.value.max(0.0)
        } else {
            0.0
        };
        let height = if max > 0.0 {
            (base - TOP) * value / max
        } else {
            0.0
        };
        let x = LEFT + slot * i as f64 + (slot - width) / 2.0;
        let _ = write!(
            out,
            "<g><title>{}</title><rect class=\"bar\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{width:.1}\" \
             height=\"{height:.1}\"/><text class=\"value\" x=\"{:.1}\" y=\"{:.1}\" \
             text-anchor=\"middle\">{}</text><text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" \
             text-anchor=\"middle\">{}</text></g>",
            e(&bar.text),
            base - height,
            x + width / 2.0,
            (base - height - 3.0).max(10.0),
            compact(value),
            x + width / 2.0,
            base + 14.0,
            e(&bar.label)
        );
    }
    out.push_str("</svg>");
    out
}

/// `3`, `27`, `1.5`: the value over a bar.
fn compact(value: f64) -> String {
    if value >= 10.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_their_text() {
        let svg = bars(
            "Lead <time>",
            &[
                Bar {
                    label: "v1".into(),
                    value: 10.0,
                    text: "a & b".into(),
                },
                Bar {
                    label: "v2".into(),
                    value: 5.0,
                    text: "c".into(),
                },
            ],
        );
        assert!(svg.contains("aria-label=\"Lead &lt;time&gt;\""));
        assert!(svg.contains("<title>a &amp; b</title>"));
        assert!(svg.contains("height=\"102.0\""), "{svg}");
        assert!(svg.contains("height=\"51.0\""), "{svg}");
        assert!(bars("t", &[]).contains("no data yet"));
    }
}
