//! Durations in the policy file: `notice = "24h"`, `soak = "3d"`.

use jiff::SignedDuration;

/// Why a duration string was rejected. Every message ends with what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration `{text}`: {problem}; expected a duration like \"2h\", \"24h\" or \"3d\"")]
pub struct DurationError {
    /// The text as written.
    pub text: String,
    /// What is wrong with it.
    pub problem: DurationProblem,
}

/// The specific defect in a duration string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationProblem {
    #[error("it is empty")]
    Empty,
    #[error("`{0}` has no number before it")]
    MissingNumber(char),
    #[error("`{0}` has no unit after it (use d, h, m or s)")]
    MissingUnit(String),
    #[error("unknown unit `{0}` (use d, h, m or s)")]
    UnknownUnit(char),
    #[error("unexpected `{0}` (only digits and the units d, h, m, s)")]
    UnexpectedCharacter(char),
    #[error("units must appear once each, in the order d, h, m, s")]
    UnitOrder,
    #[error("it is too large")]
    TooLarge,
}

/// The units in the order they must appear, with their length in seconds.
///
/// A day is always 24 elapsed hours: a "1d" soak that spans a DST change
/// lasts 24 hours, not until the same wall-clock time the next day.
const UNITS: [(char, i64); 4] = [('d', 24 * 3600), ('h', 3600), ('m', 60), ('s', 1)];

/// Parses `2h`, `24h`, `3d`, `90m`, `45s` or a combination in descending
/// order such as `1d12h`, into elapsed time.
///
/// `d` means 24 hours of elapsed time, even across a daylight saving change.
/// Zero (`0h`) is allowed; signs, fractions, spaces and upper-case units are not.
pub fn parse_duration(text: &str) -> Result<SignedDuration, DurationError> {
    let fail = |problem| DurationError {
        text: text.to_owned(),
        problem,
    };
    if text.is_empty() {
        return Err(fail(DurationProblem::Empty));
    }
    let mut total_seconds: i64 = 0;
    // Index into UNITS of the next unit allowed; enforces order and no repeats.
    let mut next_unit = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (digits, after_digits) = rest.split_at(digits_end);
        let mut after_chars = after_digits.chars();
        let Some(unit) = after_chars.next() else {
            return Err(fail(DurationProblem::MissingUnit(digits.to_owned())));
        };
        if !unit.is_ascii_alphabetic() {
            return Err(fail(DurationProblem::UnexpectedCharacter(unit)));
        }
        let Some(position) = UNITS.iter().position(|&(name, _)| name == unit) else {
            return Err(fail(DurationProblem::UnknownUnit(unit)));
        };
        if digits.is_empty() {
            return Err(fail(DurationProblem::MissingNumber(unit)));
        }
        if position < next_unit {
            return Err(fail(DurationProblem::UnitOrder));
        }
        next_unit = position + 1;
        let seconds = digits
            .parse::<i64>()
            .ok()
            .and_then(|amount| amount.checked_mul(UNITS[position].1))
            .and_then(|seconds| total_seconds.checked_add(seconds))
            .ok_or_else(|| fail(DurationProblem::TooLarge))?;
        total_seconds = seconds;
        rest = after_chars.as_str();
    }
    Ok(SignedDuration::from_secs(total_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit_and_combinations() {
        let cases = [
            ("2h", 2 * 3600),
            ("24h", 24 * 3600),
            ("3d", 3 * 86_400),
            ("90m", 90 * 60),
            ("1d12h", 36 * 3600),
            ("45s", 45),
            ("1d2h3m4s", 86_400 + 2 * 3600 + 3 * 60 + 4),
            ("0h", 0),
            ("007m", 7 * 60),
        ];
        for (text, seconds) in cases {
            assert_eq!(
                parse_duration(text),
                Ok(SignedDuration::from_secs(seconds)),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_malformed_durations_with_the_reason() {
        let cases = [
            ("", DurationProblem::Empty),
            ("h", DurationProblem::MissingNumber('h')),
            ("24", DurationProblem::MissingUnit("24".into())),
            ("1d12", DurationProblem::MissingUnit("12".into())),
            ("2w", DurationProblem::UnknownUnit('w')),
            ("2H", DurationProblem::UnknownUnit('H')),
            ("-2h", DurationProblem::UnexpectedCharacter('-')),
            ("1.5h", DurationProblem::UnexpectedCharacter('.')),
            ("2h 30m", DurationProblem::UnexpectedCharacter(' ')),
            ("d2", DurationProblem::MissingNumber('d')),
            ("12h1d", DurationProblem::UnitOrder),
            ("1h1h", DurationProblem::UnitOrder),
            ("99999999999999999999s", DurationProblem::TooLarge),
            ("999999999999999d", DurationProblem::TooLarge),
        ];
        for (text, problem) in cases {
            assert_eq!(
                parse_duration(text),
                Err(DurationError {
                    text: text.into(),
                    problem
                }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn error_message_says_what_was_expected() {
        let message = parse_duration("2x").unwrap_err().to_string();
        assert_eq!(
            message,
            "invalid duration `2x`: unknown unit `x` (use d, h, m or s); \
             expected a duration like \"2h\", \"24h\" or \"3d\""
        );
    }
}
