//! A size in bytes as a policy writes it: `"4GiB"`, `"500 MB"`, or a number of bytes.

use std::fmt;

/// A number of bytes, more than zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(u64);

/// Units, case-insensitive: decimal (`kB` = 1000) and binary (`KiB` = 1024).
const UNITS: [(&str, u64); 9] = [
    ("b", 1),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
];

impl ByteSize {
    /// The default `[release] max_file_size`: 4 GiB. Far beyond any real coverage
    /// report, and a JMeter file of some 50 million samples; reports and artifacts are
    /// read streaming, so the limit bounds time, not memory.
    pub const DEFAULT_MAX_FILE: ByteSize = ByteSize(4 << 30);

    pub const fn new(bytes: u64) -> ByteSize {
        ByteSize(bytes)
    }

    pub fn bytes(self) -> u64 {
        self.0
    }

    /// `"4GiB"`, `"4 GiB"`, `"500MB"`, `"1048576"`.
    pub fn parse(text: &str) -> Result<ByteSize, String> {
        let text = text.trim();
        let digits = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(digits);
        let expected = "expected a size such as \"4GiB\", \"500MB\" or a number of bytes (units: B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)";
        let Ok(number) = number.parse::<u64>() else {
            return Err(format!("`{text}` is not a size: {expected}"));
        };
        let unit = unit.trim();
        let multiplier = if unit.is_empty() {
            1
        } else {
            match UNITS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(unit))
            {
                Some((_, multiplier)) => *multiplier,
                None => return Err(format!("unknown unit `{unit}`: {expected}")),
            }
        };
        ByteSize::checked(number.checked_mul(multiplier), text)
    }

    fn checked(bytes: Option<u64>, text: &str) -> Result<ByteSize, String> {
        match bytes {
            None => Err(format!("`{text}` is too large: at most 2^64 - 1 bytes")),
            Some(0) => Err("a size of 0 would refuse every file: expected more than 0".into()),
            Some(bytes) => Ok(ByteSize(bytes)),
        }
    }
}

/// The largest unit that divides the size exactly: `4 GiB`, `500 MB`, `1000001 B`.
impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = ["B", "kB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB"];
        let best = UNITS
            .iter()
            .zip(names)
            .filter(|((_, m), _)| self.0.is_multiple_of(*m))
            .max_by_key(|((_, m), _)| *m);
        match best {
            Some(((_, m), name)) => write!(f, "{} {name}", self.0 / m),
            None => write!(f, "{} B", self.0),
        }
    }
}

impl<'de> serde::Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size such as \"4GiB\" or \"500MB\", or a number of bytes")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<ByteSize, E> {
                ByteSize::parse(text).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, bytes: u64) -> Result<ByteSize, E> {
                ByteSize::checked(Some(bytes), &bytes.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, bytes: i64) -> Result<ByteSize, E> {
                let bytes = u64::try_from(bytes).map_err(|_| {
                    E::custom(format!("a negative size ({bytes}): expected more than 0"))
                })?;
                self.visit_u64(bytes)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The policy's JSON Schema: a size is a string with a unit or a number of bytes.
#[cfg(test)]
impl schemars::JsonSchema for ByteSize {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ByteSize".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A size: \"4GiB\", \"500MB\" (units B, kB, MB, GB, TB, KiB, MiB, GiB, TiB) or a number of bytes",
            "anyOf": [
                { "type": "string", "pattern": "^\\s*[0-9]+\\s*([kKmMgGtT]i?[bB]|[bB])?\\s*$" },
                { "type": "integer", "minimum": 1 }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_decimal_and_binary_units() {
        for (text, bytes) in [
            ("4GiB", 4 << 30),
            ("4 gib", 4 << 30),
            ("500MB", 500_000_000),
            ("1048576", 1 << 20),
            ("12 b", 12),
            ("2TiB", 2 << 40),
        ] {
            assert_eq!(ByteSize::parse(text), Ok(ByteSize(bytes)), "{text}");
        }
        for text in [
            "",
            "GiB",
            "0",
            "0GiB",
            "1.5GiB",
            "-1",
            "4 GiBs",
            "99999999999TiB",
        ] {
            assert!(ByteSize::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn sizes_display_in_the_largest_exact_unit() {
        assert_eq!(ByteSize::DEFAULT_MAX_FILE.to_string(), "4 GiB");
        assert_eq!(ByteSize(500_000_000).to_string(), "500 MB");
        assert_eq!(ByteSize(1_000_001).to_string(), "1000001 B");
        assert_eq!(ByteSize(1 << 20).to_string(), "1 MiB");
    }
}
