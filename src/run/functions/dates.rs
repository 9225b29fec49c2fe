//! Dates for the core functions: `date` reads text as Unix seconds (the unit
//! `now()` already gives), `format_date` writes them, `days_after_now` counts
//! whole days to them. Formats are the `time` crate's format descriptions
//! (`[year]-[month]-[day]`), compiled by `builtins::date_format_of_text`, the
//! same code the checker runs on a literal format.

use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::OwnedFormatItem;
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

use crate::builtins;
use crate::value::{EvalError, Value, describe};

const SECONDS_PER_DAY: i64 = 86_400;

/// `text` as Unix seconds. Without a format: RFC 3339 (`2024-05-01T10:00:00Z`)
/// or RFC 2822, which is how HTTP writes dates (`Expires`, `Last-Modified`,
/// a cookie's `expires`). With one: a date and time with an offset, else a date
/// and time taken as UTC, else a date at midnight UTC. A fraction of a second is
/// dropped.
pub(super) fn date(text: &str, format: Option<&str>) -> Result<Value, EvalError> {
    let parsed = match format {
        None => OffsetDateTime::parse(text, &Rfc3339)
            .or_else(|_| OffsetDateTime::parse(text, &Rfc2822))
            .map_err(|_| {
                EvalError(format!(
                    "date: {} is not an RFC 3339 or HTTP date: give its format, date(text, \"[day]/[month]/[year]\")",
                    describe(&Value::String(text.to_string()))
                ))
            })?,
        Some(format) => {
            let items = compile(format)?;
            parse_with(text, &items).map_err(|error| {
                EvalError(format!(
                    "date: {} does not match the format {}: {error}",
                    describe(&Value::String(text.to_string())),
                    describe(&Value::String(format.to_string()))
                ))
            })?
        }
    };
    Ok(Value::Int(parsed.unix_timestamp()))
}

fn compile(format: &str) -> Result<OwnedFormatItem, EvalError> {
    builtins::date_format_of_text(format).map_err(|error| EvalError(format!("date: {error}")))
}

/// The most a format says: an offset, else a time (UTC), else a date.
fn parse_with(text: &str, items: &OwnedFormatItem) -> Result<OffsetDateTime, time::error::Parse> {
    OffsetDateTime::parse(text, items)
        .or_else(|_| PrimitiveDateTime::parse(text, items).map(PrimitiveDateTime::assume_utc))
        .or_else(|first| {
            Date::parse(text, items)
                .map(|date| date.with_time(Time::MIDNIGHT).assume_utc())
                .map_err(|_| first)
        })
}

/// Unix seconds written in `format`, in UTC.
pub(super) fn format_date(seconds: i64, format: &str) -> Result<Value, EvalError> {
    let items = builtins::date_format_of_text(format)
        .map_err(|error| EvalError(format!("format_date: {error}")))?;
    let moment = OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| {
        EvalError(format!(
            "format_date: {seconds} is out of the range of dates"
        ))
    })?;
    moment
        .format(&items)
        .map(Value::String)
        .map_err(|error| EvalError(format!("format_date: {error}")))
}

/// Whole days from now until `seconds`, cut toward zero (Hurl's
/// `daysAfterNow`); negative for a date in the past. `days_before_now` is its
/// negation.
pub(super) fn days_after_now(seconds: i64) -> Result<Value, EvalError> {
    Ok(Value::Int(days_between(now_seconds(), seconds)))
}

fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}

fn days_between(from: i64, to: i64) -> i64 {
    to.saturating_sub(from) / SECONDS_PER_DAY
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(value: Result<Value, EvalError>) -> i64 {
        match value {
            Ok(Value::Int(seconds)) => seconds,
            other => panic!("expected an int, found {other:?}"),
        }
    }

    fn message(value: Result<Value, EvalError>) -> String {
        match value {
            Err(error) => error.0,
            Ok(value) => panic!("expected an error, found {value:?}"),
        }
    }

    #[test]
    fn dates_without_a_format() {
        assert_eq!(seconds(date("2024-05-01T10:00:00Z", None)), 1_714_557_600);
        assert_eq!(
            seconds(date("2024-05-01T12:00:00.75+02:00", None)),
            1_714_557_600
        );
        assert_eq!(
            seconds(date("Wed, 01 May 2024 10:00:00 GMT", None)),
            1_714_557_600
        );
        assert_eq!(
            message(date("May 1st", None)),
            r#"date: "May 1st" is not an RFC 3339 or HTTP date: give its format, date(text, "[day]/[month]/[year]")"#
        );
    }

    #[test]
    fn dates_by_format() {
        assert_eq!(
            seconds(date("2024-05-01", Some("[year]-[month]-[day]"))),
            1_714_521_600
        );
        assert_eq!(
            seconds(date(
                "01/05/2024 10:00",
                Some("[day]/[month]/[year] [hour]:[minute]")
            )),
            1_714_557_600
        );
        assert_eq!(
            seconds(date(
                "2024-05-01 12:00 +02:00",
                Some("[year]-[month]-[day] [hour]:[minute] [offset_hour]:[offset_minute]")
            )),
            1_714_557_600
        );
        assert!(
            message(date("2024/05/01", Some("[year]-[month]-[day]"))).starts_with(
                r#"date: "2024/05/01" does not match the format "[year]-[month]-[day]": "#
            )
        );
        assert!(message(date("x", Some("[yeer]"))).starts_with("date: not a date format: "));
    }

    #[test]
    fn formatting_and_days() {
        assert_eq!(
            format!(
                "{:?}",
                format_date(
                    1_714_557_600,
                    "[year]-[month]-[day]T[hour]:[minute]:[second]"
                )
            ),
            r#"Ok(String("2024-05-01T10:00:00"))"#
        );
        assert!(message(format_date(i64::MAX, "[year]")).contains("out of the range of dates"));
        assert_eq!(days_between(0, 3 * SECONDS_PER_DAY + 5), 3);
        assert_eq!(days_between(0, -(3 * SECONDS_PER_DAY) - 5), -3);
        assert_eq!(days_between(0, SECONDS_PER_DAY - 1), 0);
        let in_ten_days = now_seconds() + 10 * SECONDS_PER_DAY + 60;
        assert_eq!(seconds(days_after_now(in_ten_days)), 10);
    }
}
