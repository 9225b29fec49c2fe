//! Reading a number token with its unit (`42`, `2.5`, `150ms`, `99.5%`, `64KB`):
//! the parser's literals, `--param` values, `--timeout` and the numbers stored in
//! reports. An unknown unit comes back with the unit the user likely meant.

use std::time::Duration;

/// What a number token (`42`, `2.5`, `150ms`, `99.5%`, `64KB`) means.
#[derive(Clone, Debug, PartialEq)]
pub enum NumberLiteral {
    Int(i64),
    Float(f64),
    Duration(Duration),
    Percent(f64),
    Size(u64),
}

#[derive(Clone, Debug, PartialEq)]
pub enum NumberError {
    /// The unit is not one of ours; `suggestion` is the unit the user likely meant.
    UnknownUnit {
        unit: String,
        suggestion: Option<&'static str>,
    },
    OutOfRange,
    PercentOver100,
}

pub const DURATION_UNITS: &[&str] = &["ms", "s", "m", "h"];
pub const SIZE_UNITS: &[&str] = &["B", "KB", "MB", "GB"];

pub fn parse_number(token: &str) -> Result<NumberLiteral, NumberError> {
    let digits_end = token
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(token.len(), |(index, _)| index);
    let (number, unit) = token.split_at(digits_end);
    let is_fraction = number.contains('.');
    let value: f64 = number.parse().map_err(|_| NumberError::OutOfRange)?;
    if !value.is_finite() {
        return Err(NumberError::OutOfRange);
    }
    match unit {
        "" if is_fraction => Ok(NumberLiteral::Float(value)),
        "" => number
            .parse::<i64>()
            .map(NumberLiteral::Int)
            .map_err(|_| NumberError::OutOfRange),
        "%" => {
            if value > 100.0 {
                Err(NumberError::PercentOver100)
            } else {
                Ok(NumberLiteral::Percent(value / 100.0))
            }
        }
        "ms" | "s" | "m" | "h" => {
            let seconds = value
                * match unit {
                    "ms" => 0.001,
                    "s" => 1.0,
                    "m" => 60.0,
                    _ => 3600.0,
                };
            Duration::try_from_secs_f64(seconds)
                .map(NumberLiteral::Duration)
                .map_err(|_| NumberError::OutOfRange)
        }
        "B" | "KB" | "MB" | "GB" => {
            let factor = match unit {
                "B" => 1.0,
                "KB" => 1024.0,
                "MB" => 1024.0 * 1024.0,
                _ => 1024.0 * 1024.0 * 1024.0,
            };
            let bytes = (value * factor).round();
            if bytes > u64::MAX as f64 {
                Err(NumberError::OutOfRange)
            } else {
                Ok(NumberLiteral::Size(bytes as u64))
            }
        }
        other => Err(NumberError::UnknownUnit {
            unit: other.to_string(),
            suggestion: suggest_unit(other),
        }),
    }
}

fn suggest_unit(unit: &str) -> Option<&'static str> {
    let lower = unit.to_ascii_lowercase();
    let by_spelling = match lower.as_str() {
        "sec" | "secs" | "second" | "seconds" => Some("s"),
        "msec" | "msecs" | "millis" | "milliseconds" => Some("ms"),
        "min" | "mins" | "minute" | "minutes" => Some("m"),
        "hr" | "hrs" | "hour" | "hours" => Some("h"),
        "kib" | "k" => Some("KB"),
        "mib" => Some("MB"),
        "gib" | "g" => Some("GB"),
        "bytes" | "byte" => Some("B"),
        _ => None,
    };
    by_spelling.or_else(|| {
        DURATION_UNITS
            .iter()
            .chain(SIZE_UNITS)
            .find(|known| known.eq_ignore_ascii_case(unit))
            .copied()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_units() {
        assert_eq!(parse_number("42"), Ok(NumberLiteral::Int(42)));
        assert_eq!(parse_number("2.5"), Ok(NumberLiteral::Float(2.5)));
        assert_eq!(
            parse_number("150ms"),
            Ok(NumberLiteral::Duration(Duration::from_millis(150)))
        );
        assert_eq!(
            parse_number("1.5s"),
            Ok(NumberLiteral::Duration(Duration::from_millis(1500)))
        );
        assert_eq!(
            parse_number("2m"),
            Ok(NumberLiteral::Duration(Duration::from_secs(120)))
        );
        assert_eq!(
            parse_number("1h"),
            Ok(NumberLiteral::Duration(Duration::from_secs(3600)))
        );
        assert_eq!(parse_number("99%"), Ok(NumberLiteral::Percent(0.99)));
        assert_eq!(parse_number("99.5%"), Ok(NumberLiteral::Percent(0.995)));
        assert_eq!(parse_number("100%"), Ok(NumberLiteral::Percent(1.0)));
        assert_eq!(parse_number("512B"), Ok(NumberLiteral::Size(512)));
        assert_eq!(parse_number("64KB"), Ok(NumberLiteral::Size(65536)));
        assert_eq!(parse_number("10MB"), Ok(NumberLiteral::Size(10 << 20)));
        assert_eq!(parse_number("1GB"), Ok(NumberLiteral::Size(1 << 30)));
    }

    #[test]
    fn bad_units_suggest_the_right_one() {
        let suggestion = |token| match parse_number(token) {
            Err(NumberError::UnknownUnit { suggestion, .. }) => suggestion,
            other => panic!("{token}: {other:?}"),
        };
        assert_eq!(suggestion("5sec"), Some("s"));
        assert_eq!(suggestion("10mb"), Some("MB"));
        assert_eq!(suggestion("2M"), Some("m"));
        assert_eq!(suggestion("1e3"), None);
        assert_eq!(parse_number("101%"), Err(NumberError::PercentOver100));
        assert_eq!(
            parse_number("99999999999999999999"),
            Err(NumberError::OutOfRange)
        );
    }
}
