//! Parameters on PostgreSQL: each value encoded (binary format) as the type the
//! server infers for its place, the way a quoted literal would be read there.

use crate::value::Value;
use crate::value::{to_json, to_text};
use serde_json::Value as Json;
use sqlx::TypeInfo;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgTypeKind, Postgres};
use sqlx::types::time::Date;
use std::sync::OnceLock;

/// One bound value, already in PostgreSQL's binary format for its type.
pub(super) struct PgParameter {
    pub(super) type_info: PgTypeInfo,
    pub(super) bytes: Option<Vec<u8>>,
}

impl sqlx::Type<Postgres> for PgParameter {
    fn type_info() -> PgTypeInfo {
        // Only a fallback: `produces` gives each value's own type.
        <String as sqlx::Type<Postgres>>::type_info()
    }
}

impl sqlx::Encode<'_, Postgres> for PgParameter {
    fn encode_by_ref(
        &self,
        buffer: &mut PgArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        match &self.bytes {
            None => Ok(sqlx::encode::IsNull::Yes),
            Some(bytes) => {
                buffer.extend_from_slice(bytes);
                Ok(sqlx::encode::IsNull::No)
            }
        }
    }

    fn produces(&self) -> Option<PgTypeInfo> {
        Some(self.type_info.clone())
    }
}

/// Built-in type OIDs (PostgreSQL's `pg_type.dat`).
pub(super) mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const CHAR: u32 = 18;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const JSON: u32 = 114;
    pub const XML: u32 = 142;
    pub const CIDR: u32 = 650;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const UNKNOWN: u32 = 705;
    pub const MACADDR: u32 = 829;
    pub const INET: u32 = 869;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const INTERVAL: u32 = 1186;
    pub const TIMETZ: u32 = 1266;
    pub const NUMERIC: u32 = 1700;
    pub const UUID: u32 = 2950;
    pub const JSONB: u32 = 3802;
}

/// A type's name as PostgreSQL writes it (`int4`, `timestamptz`, `my_enum`).
pub(super) fn pg_type_name(type_info: &PgTypeInfo) -> String {
    type_info.name().to_ascii_lowercase()
}

/// Whether a type holds text that its binary form carries as plain UTF-8.
pub(super) fn pg_is_text(type_info: &PgTypeInfo) -> bool {
    match type_info.oid().map(|Oid(oid)| oid) {
        Some(oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME | oid::UNKNOWN | oid::XML) => true,
        _ => {
            matches!(type_info.kind(), PgTypeKind::Enum(_))
                || type_info.name().eq_ignore_ascii_case("citext")
        }
    }
}

/// Seconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC).
pub(super) const PG_EPOCH_UNIX_SECONDS: i64 = 946_684_800;
/// The Julian day of 2000-01-01.
pub(super) const PG_EPOCH_JULIAN_DAY: i64 = 2_451_545;
pub(super) const MICROS_PER_DAY: i64 = 86_400_000_000;

/// `value` in PostgreSQL's binary format for `type_info`; `None` for null. What is
/// accepted follows what a quoted literal would be there (`'42'` is an int, `'2024-
/// 01-02'` a date), plus `int` as Unix seconds for a timestamp (what `now()` gives)
/// and `duration` for an interval.
pub(super) fn pg_encode(value: &Value, type_info: &PgTypeInfo) -> Result<Option<Vec<u8>>, String> {
    if matches!(value, Value::Null | Value::Json(Json::Null)) {
        return Ok(None);
    }
    match type_info.kind() {
        PgTypeKind::Domain(base) => return pg_encode(value, base),
        PgTypeKind::Array(element) => return pg_encode_array(value, element).map(Some),
        PgTypeKind::Enum(_) => return Ok(Some(text_of(value)?.into_bytes())),
        PgTypeKind::Composite(_) | PgTypeKind::Range(_) => {
            return Err(unsupported_parameter(type_info));
        }
        PgTypeKind::Simple | PgTypeKind::Pseudo => {}
    }
    if pg_is_text(type_info) {
        return Ok(Some(text_of(value)?.into_bytes()));
    }
    let Some(Oid(type_oid)) = type_info.oid() else {
        return Err(unsupported_parameter(type_info));
    };
    let bytes = match type_oid {
        oid::BOOL => vec![u8::from(bool_of(value)?)],
        oid::INT2 => i16::try_from(int_of(value)?)
            .map_err(|_| "out of range for int2 (smallint)".to_string())?
            .to_be_bytes()
            .to_vec(),
        oid::INT4 => i32::try_from(int_of(value)?)
            .map_err(|_| "out of range for int4 (integer)".to_string())?
            .to_be_bytes()
            .to_vec(),
        oid::INT8 => int_of(value)?.to_be_bytes().to_vec(),
        oid::OID => u32::try_from(int_of(value)?)
            .map_err(|_| "out of range for oid".to_string())?
            .to_be_bytes()
            .to_vec(),
        oid::FLOAT4 => (float_of(value)? as f32).to_be_bytes().to_vec(),
        oid::FLOAT8 => float_of(value)?.to_be_bytes().to_vec(),
        oid::NUMERIC => numeric_bytes(&decimal_text_of(value)?)?,
        oid::BYTEA => match value {
            Value::Bytes(bytes) => bytes.clone(),
            other => text_of(other)?.into_bytes(),
        },
        oid::UUID => {
            let text = text_of(value)?;
            uuid::Uuid::parse_str(text.trim())
                .map_err(|_| format!("{text:?} is not a UUID"))?
                .as_bytes()
                .to_vec()
        }
        oid::JSON => json_text_of(value)?.into_bytes(),
        oid::JSONB => {
            let mut bytes = vec![1];
            bytes.extend(json_text_of(value)?.into_bytes());
            bytes
        }
        oid::DATE => {
            let date = match temporal_of(value)? {
                Temporal {
                    date: Some(date), ..
                } => date,
                _ => return Err("a date needs YYYY-MM-DD".to_string()),
            };
            let days = i64::from(date.to_julian_day()) - PG_EPOCH_JULIAN_DAY;
            i32::try_from(days)
                .map_err(|_| "date out of range".to_string())?
                .to_be_bytes()
                .to_vec()
        }
        oid::TIME => match temporal_of(value)? {
            Temporal {
                micros_of_day: Some(micros),
                ..
            } => micros.to_be_bytes().to_vec(),
            _ => return Err("a time needs HH:MM[:SS[.ffffff]]".to_string()),
        },
        oid::TIMETZ => match temporal_of(value)? {
            Temporal {
                micros_of_day: Some(micros),
                offset,
                ..
            } => {
                let mut bytes = micros.to_be_bytes().to_vec();
                // PostgreSQL stores the offset in seconds west of UTC.
                bytes.extend((-offset.unwrap_or(0)).to_be_bytes());
                bytes
            }
            _ => return Err("a time needs HH:MM[:SS[.ffffff]][+HH:MM]".to_string()),
        },
        oid::TIMESTAMP | oid::TIMESTAMPTZ => {
            let with_zone = type_oid == oid::TIMESTAMPTZ;
            timestamp_micros(value, with_zone)?.to_be_bytes().to_vec()
        }
        oid::INTERVAL => match value {
            Value::Duration(duration) => {
                let micros = i64::try_from(duration.as_micros())
                    .map_err(|_| "out of range for an interval".to_string())?;
                let mut bytes = micros.to_be_bytes().to_vec();
                bytes.extend(0_i32.to_be_bytes());
                bytes.extend(0_i32.to_be_bytes());
                bytes
            }
            _ => return Err(
                "an interval takes a duration such as 1.5s; for text write {{x}}::text::interval"
                    .to_string(),
            ),
        },
        _ => return Err(unsupported_parameter(type_info)),
    };
    Ok(Some(bytes))
}

pub(super) fn unsupported_parameter(type_info: &PgTypeInfo) -> String {
    let name = pg_type_name(type_info);
    format!(
        "ritc cannot bind a value to a `{name}` parameter; bind text and convert it in SQL: {{{{x}}}}::text::{name}"
    )
}

/// A one-dimensional array of `element`, from a list or a json array.
pub(super) fn pg_encode_array(value: &Value, element: &PgTypeInfo) -> Result<Vec<u8>, String> {
    let items: Vec<Value> = match value {
        Value::List(items) => items.clone(),
        Value::Json(Json::Array(items)) => items.iter().cloned().map(Value::Json).collect(),
        other => {
            return Err(format!(
                "an array parameter takes a list, not {}",
                crate::value::type_name_with_article(other)
            ));
        }
    };
    let Some(Oid(element_oid)) = element.oid() else {
        return Err(unsupported_parameter(element));
    };
    let mut encoded = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        if matches!(item, Value::List(_) | Value::Json(Json::Array(_))) {
            return Err("multidimensional arrays cannot be bound".to_string());
        }
        encoded.push(pg_encode(item, element).map_err(|reason| format!("item {index}: {reason}"))?);
    }
    let length = i32::try_from(encoded.len()).map_err(|_| "too many items".to_string())?;
    let has_null = encoded.iter().any(Option::is_none);
    let mut bytes = Vec::new();
    bytes.extend(i32::from(!encoded.is_empty()).to_be_bytes());
    bytes.extend(i32::from(has_null).to_be_bytes());
    bytes.extend(element_oid.to_be_bytes());
    if !encoded.is_empty() {
        bytes.extend(length.to_be_bytes());
        bytes.extend(1_i32.to_be_bytes());
    }
    for item in encoded {
        match item {
            None => bytes.extend((-1_i32).to_be_bytes()),
            Some(item) => {
                let size =
                    i32::try_from(item.len()).map_err(|_| "an item is too large".to_string())?;
                bytes.extend(size.to_be_bytes());
                bytes.extend(item);
            }
        }
    }
    Ok(bytes)
}

/// The text of a value as `{{ }}` writes it.
pub(super) fn text_of(value: &Value) -> Result<String, String> {
    to_text(value).map_err(|error| error.0)
}

pub(super) fn bool_of(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(flag) | Value::Json(Json::Bool(flag)) => Ok(*flag),
        Value::String(text) | Value::Json(Json::String(text)) => {
            match text.trim().to_ascii_lowercase().as_str() {
                "t" | "true" | "y" | "yes" | "on" | "1" => Ok(true),
                "f" | "false" | "n" | "no" | "off" | "0" => Ok(false),
                _ => Err(format!("{text:?} is not a bool")),
            }
        }
        _ => Err("a bool column takes true or false".to_string()),
    }
}

pub(super) fn int_of(value: &Value) -> Result<i64, String> {
    let integral = |float: f64| {
        (float.is_finite() && float.fract() == 0.0 && float.abs() < 9.2e18).then_some(float as i64)
    };
    let found = match value {
        Value::Int(int) => Some(*int),
        Value::Float(float) => integral(*float),
        Value::Json(Json::Number(number)) => number
            .as_i64()
            .or_else(|| number.as_f64().and_then(integral)),
        Value::String(text) | Value::Json(Json::String(text)) => text.trim().parse().ok(),
        _ => None,
    };
    found.ok_or_else(|| "not an integer".to_string())
}

pub(super) fn float_of(value: &Value) -> Result<f64, String> {
    let found = match value {
        Value::Int(int) => Some(*int as f64),
        Value::Float(float) => Some(*float),
        Value::Json(Json::Number(number)) => number.as_f64(),
        Value::String(text) | Value::Json(Json::String(text)) => text.trim().parse().ok(),
        _ => None,
    };
    found.ok_or_else(|| "not a number".to_string())
}

/// The decimal digits of a number, exactly as given.
pub(super) fn decimal_text_of(value: &Value) -> Result<String, String> {
    match value {
        Value::Int(int) => Ok(int.to_string()),
        // Display writes a float's shortest exact decimal, never in exponent form.
        Value::Float(float) => Ok(float.to_string()),
        Value::Json(Json::Number(number)) => Ok(number.to_string()),
        Value::String(text) | Value::Json(Json::String(text)) => Ok(text.trim().to_string()),
        _ => Err("not a number".to_string()),
    }
}

/// JSON text for a json/jsonb parameter: a string is read as JSON text (as the
/// literal `'{"a":1}'` would be); any other value is written as JSON.
pub(super) fn json_text_of(value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => serde_json::from_str::<Json>(text)
            .map(|_| text.clone())
            .map_err(|_| {
                "a string for a json column must be JSON text; to store a JSON string, pass json(\"\\\"text\\\"\")"
                    .to_string()
            }),
        other => Ok(to_json(other).to_string()),
    }
}

pub(super) fn timestamp_micros(value: &Value, with_zone: bool) -> Result<i64, String> {
    let out_of_range = || "out of range for a timestamp".to_string();
    // An int is Unix seconds (what `now()` gives).
    if matches!(value, Value::Int(_) | Value::Json(Json::Number(_))) {
        let seconds = int_of(value)?;
        return seconds
            .checked_sub(PG_EPOCH_UNIX_SECONDS)
            .and_then(|seconds| seconds.checked_mul(1_000_000))
            .ok_or_else(out_of_range);
    }
    let temporal = temporal_of(value)?;
    let Some(date) = temporal.date else {
        return Err(
            "a timestamp needs a date: YYYY-MM-DD[THH:MM:SS[.ffffff]][Z|+HH:MM]".to_string(),
        );
    };
    let days = i64::from(date.to_julian_day()) - PG_EPOCH_JULIAN_DAY;
    let mut micros = days
        .checked_mul(MICROS_PER_DAY)
        .and_then(|micros| micros.checked_add(temporal.micros_of_day.unwrap_or(0)))
        .ok_or_else(out_of_range)?;
    // A timestamp without time zone ignores an offset, as PostgreSQL does with the
    // same literal; with time zone, no offset means UTC.
    if with_zone {
        micros = micros
            .checked_sub(i64::from(temporal.offset.unwrap_or(0)) * 1_000_000)
            .ok_or_else(out_of_range)?;
    }
    Ok(micros)
}

/// The parts of a date, time or timestamp written as text.
#[derive(Debug, PartialEq)]
pub(super) struct Temporal {
    pub(super) date: Option<Date>,
    pub(super) micros_of_day: Option<i64>,
    /// Seconds east of UTC.
    pub(super) offset: Option<i32>,
}

pub(super) fn temporal_of(value: &Value) -> Result<Temporal, String> {
    let text = text_of(value)?;
    parse_temporal(&text).ok_or_else(|| format!("{text:?} is not a date or time"))
}

/// `YYYY-MM-DD`, `HH:MM[:SS[.f]]`, or both joined by `T` or a space, then an
/// optional `Z` or `±HH[:MM]`.
pub(super) fn parse_temporal(text: &str) -> Option<Temporal> {
    static PATTERN: OnceLock<Option<regex::Regex>> = OnceLock::new();
    let pattern = PATTERN
        .get_or_init(|| {
            regex::Regex::new(
                r"^(?:(\d{4})-(\d{2})-(\d{2}))?(?:[Tt ]?(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$",
            )
            .ok()
        })
        .as_ref()?;
    let captures = pattern.captures(text.trim())?;
    let number = |index: usize| {
        captures
            .get(index)
            .and_then(|m| m.as_str().parse::<i64>().ok())
    };
    let date = match (number(1), number(2), number(3)) {
        (Some(year), Some(month), Some(day)) => {
            let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
            Some(
                Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
                    .ok()?,
            )
        }
        _ => None,
    };
    let micros_of_day = match (number(4), number(5)) {
        (Some(hour), Some(minute)) => {
            let second = number(6).unwrap_or(0);
            if hour > 24 || minute > 59 || second > 60 {
                return None;
            }
            let fraction = captures.get(7).map_or(0, |m| {
                let digits: String = m
                    .as_str()
                    .chars()
                    .chain(std::iter::repeat('0'))
                    .take(6)
                    .collect();
                digits.parse::<i64>().unwrap_or(0)
            });
            Some(((hour * 60 + minute) * 60 + second) * 1_000_000 + fraction)
        }
        _ => None,
    };
    if date.is_none() && micros_of_day.is_none() {
        return None;
    }
    let offset = if captures.get(8).is_some() {
        Some(0)
    } else if let Some(sign) = captures.get(9) {
        let seconds = (number(10)? * 60 + number(11).unwrap_or(0)) * 60;
        let seconds = i32::try_from(seconds).ok()?;
        Some(if sign.as_str() == "-" {
            -seconds
        } else {
            seconds
        })
    } else {
        None
    };
    Some(Temporal {
        date,
        micros_of_day,
        offset,
    })
}

/// PostgreSQL's binary `numeric` for a decimal number (`-12.50`, `1e3`, `NaN`).
pub(super) fn numeric_bytes(text: &str) -> Result<Vec<u8>, String> {
    const POSITIVE: u16 = 0x0000;
    const NEGATIVE: u16 = 0x4000;
    let header = |ndigits: i16, weight: i16, sign: u16, scale: u16| {
        let mut bytes = Vec::new();
        bytes.extend(ndigits.to_be_bytes());
        bytes.extend(weight.to_be_bytes());
        bytes.extend(sign.to_be_bytes());
        bytes.extend(scale.to_be_bytes());
        bytes
    };
    let trimmed = text.trim();
    match trimmed.to_ascii_lowercase().as_str() {
        "nan" => return Ok(header(0, 0, 0xC000, 0)),
        "infinity" | "+infinity" | "inf" | "+inf" => return Ok(header(0, 0, 0xD000, 0)),
        "-infinity" | "-inf" => return Ok(header(0, 0, 0xF000, 0)),
        _ => {}
    }
    let not_a_number = || format!("{text:?} is not a decimal number");
    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (
            mantissa,
            exponent.parse::<i64>().map_err(|_| not_a_number())?,
        ),
        None => (unsigned, 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if integer.is_empty() && fraction.is_empty()
        || !integer
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
    {
        return Err(not_a_number());
    }
    let scale = (fraction.len() as i64 - exponent).max(0);
    let scale = u16::try_from(scale)
        .ok()
        .filter(|scale| *scale <= 0x3FFF)
        .ok_or_else(not_a_number)?;
    let mut digits: Vec<u8> = integer
        .bytes()
        .chain(fraction.bytes())
        .map(|c| c - b'0')
        .collect();
    // Where the decimal point falls, counted in digits from the left of `digits`.
    let mut point = integer.len() as i64 + exponent;
    let leading = digits.iter().take_while(|digit| **digit == 0).count();
    digits.drain(..leading);
    point -= leading as i64;
    while digits.last() == Some(&0) {
        digits.pop();
    }
    if digits.is_empty() {
        return Ok(header(0, 0, POSITIVE, scale));
    }
    let pad = (4 - point.rem_euclid(4)) % 4;
    let mut padded = vec![0_u8; pad as usize];
    padded.extend(digits);
    point += pad;
    while !padded.len().is_multiple_of(4) {
        padded.push(0);
    }
    let groups: Vec<i16> = padded
        .chunks(4)
        .map(|chunk| {
            chunk
                .iter()
                .fold(0_i16, |group, digit| group * 10 + i16::from(*digit))
        })
        .collect();
    let weight = i16::try_from(point / 4 - 1).map_err(|_| not_a_number())?;
    let ndigits = i16::try_from(groups.len()).map_err(|_| not_a_number())?;
    let mut bytes = header(
        ndigits,
        weight,
        if negative { NEGATIVE } else { POSITIVE },
        scale,
    );
    for group in groups {
        bytes.extend(group.to_be_bytes());
    }
    Ok(bytes)
}
