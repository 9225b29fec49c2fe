//! Rows as runtime values: PostgreSQL's binary format, MySQL/MariaDB and SQLite by
//! each value's storage class, and the text forms of numbers, dates and times.

use super::encode::{MICROS_PER_DAY, PG_EPOCH_JULIAN_DAY, oid, pg_is_text, pg_type_name};
use crate::value::Value;
use serde_json::Value as Json;
use sqlx::mysql::{MySql, MySqlRow};
use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgRow, PgTypeInfo, PgTypeKind, PgValueFormat};
use sqlx::types::time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};
use sqlx::{Column, Row, TypeInfo, ValueRef};

pub(super) fn pg_row(row: &PgRow) -> Result<Value, String> {
    let mut entries = Vec::with_capacity(row.columns().len());
    for (index, column) in row.columns().iter().enumerate() {
        let name = column.name().to_string();
        let raw = row.try_get_raw(index).map_err(|error| error.to_string())?;
        let value = if raw.is_null() {
            Value::Json(Json::Null)
        } else {
            let type_info = raw.type_info().into_owned();
            let bytes = raw.as_bytes().map_err(|error| error.to_string())?;
            match raw.format() {
                PgValueFormat::Text => {
                    Value::Json(Json::String(String::from_utf8_lossy(bytes).into_owned()))
                }
                PgValueFormat::Binary => pg_decode(&type_info, bytes).map_err(|reason| {
                    format!("column `{name}` ({}): {reason}", pg_type_name(&type_info))
                })?,
            }
        };
        entries.push((name, value));
    }
    Ok(Value::Object(entries))
}

/// A value from PostgreSQL's binary format.
pub(super) fn pg_decode(type_info: &PgTypeInfo, bytes: &[u8]) -> Result<Value, String> {
    match type_info.kind() {
        PgTypeKind::Domain(base) => return pg_decode(base, bytes),
        PgTypeKind::Array(element) => return pg_decode_array(element, bytes),
        PgTypeKind::Composite(_) | PgTypeKind::Range(_) => {
            return Err(unsupported_column(type_info));
        }
        PgTypeKind::Enum(_) | PgTypeKind::Simple | PgTypeKind::Pseudo => {}
    }
    if pg_is_text(type_info) {
        return Ok(json_string(utf8(bytes)?));
    }
    let Some(Oid(type_oid)) = type_info.oid() else {
        return Err(unsupported_column(type_info));
    };
    let mut reader = Reader(bytes);
    Ok(match type_oid {
        oid::BOOL => Value::Json(Json::Bool(reader.take(1)?.first() != Some(&0))),
        oid::CHAR => json_string(String::from_utf8_lossy(bytes).into_owned()),
        oid::INT2 => Value::Json(Json::from(reader.i16()?)),
        oid::INT4 => Value::Json(Json::from(reader.i32()?)),
        oid::INT8 => Value::Json(Json::from(reader.i64()?)),
        oid::OID => Value::Json(Json::from(reader.u32()?)),
        oid::FLOAT4 => float_value(shortest_f32(f32::from_bits(reader.u32()?))),
        oid::FLOAT8 => float_value(f64::from_bits(reader.u64()?)),
        oid::NUMERIC => json_string(numeric_text(bytes)?),
        oid::BYTEA => Value::Bytes(bytes.to_vec()),
        oid::UUID => json_string(
            uuid::Uuid::from_slice(bytes)
                .map_err(|error| error.to_string())?
                .hyphenated()
                .to_string(),
        ),
        oid::JSON => parse_json(bytes)?,
        oid::JSONB => match bytes.split_first() {
            Some((1, rest)) => parse_json(rest)?,
            _ => return Err("unknown jsonb version".to_string()),
        },
        oid::DATE => {
            let days = reader.i32()?;
            json_string(match days {
                i32::MAX => "infinity".to_string(),
                i32::MIN => "-infinity".to_string(),
                days => format_date(pg_date(i64::from(days))?),
            })
        }
        oid::TIME => json_string(format_clock(reader.i64()?)),
        oid::TIMETZ => {
            let micros = reader.i64()?;
            let west = reader.i32()?;
            json_string(format!("{}{}", format_clock(micros), format_offset(-west)))
        }
        oid::TIMESTAMP | oid::TIMESTAMPTZ => {
            let micros = reader.i64()?;
            json_string(match micros {
                i64::MAX => "infinity".to_string(),
                i64::MIN => "-infinity".to_string(),
                micros => {
                    let days = micros.div_euclid(MICROS_PER_DAY);
                    let text = format!(
                        "{}T{}",
                        format_date(pg_date(days)?),
                        format_clock(micros.rem_euclid(MICROS_PER_DAY))
                    );
                    if type_oid == oid::TIMESTAMPTZ {
                        format!("{text}Z")
                    } else {
                        text
                    }
                }
            })
        }
        oid::INTERVAL => {
            let micros = reader.i64()?;
            let days = reader.i32()?;
            let months = reader.i32()?;
            json_string(format_interval(months, days, micros))
        }
        oid::INET | oid::CIDR => json_string(format_inet(bytes, type_oid == oid::CIDR)?),
        oid::MACADDR => json_string(
            bytes
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect::<Vec<_>>()
                .join(":"),
        ),
        _ => return Err(unsupported_column(type_info)),
    })
}

pub(super) fn unsupported_column(type_info: &PgTypeInfo) -> String {
    format!(
        "ritc cannot read the PostgreSQL type `{}` yet: select the column as text (`column::text`)",
        pg_type_name(type_info)
    )
}

/// An array in binary format, any number of dimensions, as nested lists.
pub(super) fn pg_decode_array(element: &PgTypeInfo, bytes: &[u8]) -> Result<Value, String> {
    let mut reader = Reader(bytes);
    let dimensions = reader.i32()?;
    let _has_null = reader.i32()?;
    let _element_oid = reader.u32()?;
    let mut lengths = Vec::new();
    for _ in 0..dimensions {
        lengths.push(usize::try_from(reader.i32()?).map_err(|_| "bad array length".to_string())?);
        let _lower_bound = reader.i32()?;
    }
    let total: usize = if lengths.is_empty() {
        0
    } else {
        lengths.iter().product()
    };
    let mut items = Vec::with_capacity(total.min(1 << 16));
    for _ in 0..total {
        let size = reader.i32()?;
        if size < 0 {
            items.push(Value::Json(Json::Null));
        } else {
            let size = usize::try_from(size).map_err(|_| "bad item length".to_string())?;
            items.push(pg_decode(element, reader.take(size)?)?);
        }
    }
    let mut items = items.into_iter();
    Ok(nest(&mut items, &lengths))
}

/// Items laid out by `lengths` (outermost first) into nested lists.
pub(super) fn nest(items: &mut impl Iterator<Item = Value>, lengths: &[usize]) -> Value {
    match lengths.split_first() {
        None => list_value(Vec::new()),
        Some((length, [])) => list_value(items.take(*length).collect()),
        Some((length, inner)) => list_value((0..*length).map(|_| nest(items, inner)).collect()),
    }
}

/// A list as json when every item is json, else as a list (bytes, NaN).
pub(super) fn list_value(items: Vec<Value>) -> Value {
    if items.iter().all(|item| matches!(item, Value::Json(_))) {
        Value::Json(Json::Array(
            items
                .into_iter()
                .filter_map(|item| match item {
                    Value::Json(json) => Some(json),
                    _ => None,
                })
                .collect(),
        ))
    } else {
        Value::List(items)
    }
}

/// Reads big-endian numbers off a value's bytes; running short is an error.
pub(super) struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], String> {
        if self.0.len() < count {
            return Err("the value is shorter than its type needs".to_string());
        }
        let (taken, rest) = self.0.split_at(count);
        self.0 = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn i16(&mut self) -> Result<i16, String> {
        self.array().map(i16::from_be_bytes)
    }

    fn u16(&mut self) -> Result<u16, String> {
        self.array().map(u16::from_be_bytes)
    }

    fn i32(&mut self) -> Result<i32, String> {
        self.array().map(i32::from_be_bytes)
    }

    fn u32(&mut self) -> Result<u32, String> {
        self.array().map(u32::from_be_bytes)
    }

    fn i64(&mut self) -> Result<i64, String> {
        self.array().map(i64::from_be_bytes)
    }

    fn u64(&mut self) -> Result<u64, String> {
        self.array().map(u64::from_be_bytes)
    }
}

/// A binary `numeric` as exact decimal text, with as many fraction digits as its
/// scale (`12.50`), as PostgreSQL writes it.
pub(super) fn numeric_text(bytes: &[u8]) -> Result<String, String> {
    let mut reader = Reader(bytes);
    let ndigits = usize::try_from(reader.i16()?).map_err(|_| "bad numeric".to_string())?;
    let weight = i64::from(reader.i16()?);
    let sign = reader.u16()?;
    let scale = usize::from(reader.u16()?);
    let digits = (0..ndigits)
        .map(|_| reader.i16())
        .collect::<Result<Vec<_>, _>>()?;
    let negative = match sign {
        0x0000 => false,
        0x4000 => true,
        0xC000 => return Ok("NaN".to_string()),
        0xD000 => return Ok("Infinity".to_string()),
        0xF000 => return Ok("-Infinity".to_string()),
        _ => return Err("bad numeric sign".to_string()),
    };
    let digit = |index: i64| {
        usize::try_from(index)
            .ok()
            .and_then(|index| digits.get(index))
            .copied()
            .unwrap_or(0)
    };
    let mut text = String::new();
    if negative {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        for index in 0..=weight {
            if index == 0 {
                text.push_str(&digit(index).to_string());
            } else {
                text.push_str(&format!("{:04}", digit(index)));
            }
        }
    }
    if scale > 0 {
        let mut fraction = String::new();
        let mut index = weight + 1;
        while fraction.len() < scale {
            fraction.push_str(&format!("{:04}", digit(index)));
            index += 1;
        }
        fraction.truncate(scale);
        text.push('.');
        text.push_str(&fraction);
    }
    Ok(text)
}

pub(super) fn format_inet(bytes: &[u8], cidr: bool) -> Result<String, String> {
    let mut reader = Reader(bytes);
    let family = reader.take(1)?.first().copied().unwrap_or(0);
    let bits = reader.take(1)?.first().copied().unwrap_or(0);
    let _is_cidr = reader.take(1)?;
    let size = usize::from(reader.take(1)?.first().copied().unwrap_or(0));
    let address = reader.take(size)?;
    let (text, full) = match (family, address.len()) {
        (2, 4) => {
            let octets: [u8; 4] = address.try_into().map_err(|_| "bad inet".to_string())?;
            (std::net::Ipv4Addr::from(octets).to_string(), 32)
        }
        (3, 16) => {
            let octets: [u8; 16] = address.try_into().map_err(|_| "bad inet".to_string())?;
            (std::net::Ipv6Addr::from(octets).to_string(), 128)
        }
        _ => return Err("bad inet".to_string()),
    };
    Ok(if cidr || bits != full {
        format!("{text}/{bits}")
    } else {
        text
    })
}

// ---------------------------------------------------------------------------
// Rows on MySQL and MariaDB

pub(super) fn mysql_row(row: &MySqlRow) -> Result<Value, String> {
    let mut entries = Vec::with_capacity(row.columns().len());
    for (index, column) in row.columns().iter().enumerate() {
        let name = column.name().to_string();
        let raw = row.try_get_raw(index).map_err(|error| error.to_string())?;
        let value = if raw.is_null() {
            Value::Json(Json::Null)
        } else {
            let type_info = raw.type_info().into_owned();
            mysql_value(row, index, &type_info)
                .map_err(|reason| format!("column `{name}` ({}): {reason}", type_info.name()))?
        };
        entries.push((name, value));
    }
    Ok(Value::Object(entries))
}

pub(super) fn mysql_value(
    row: &MySqlRow,
    index: usize,
    type_info: &sqlx::mysql::MySqlTypeInfo,
) -> Result<Value, String> {
    fn get<'r, T: sqlx::Decode<'r, MySql>>(row: &'r MySqlRow, index: usize) -> Result<T, String> {
        row.try_get_unchecked::<T, _>(index)
            .map_err(|error| error.to_string())
    }
    let name = type_info.name();
    Ok(match name {
        "NULL" => Value::Json(Json::Null),
        "BOOLEAN" => Value::Json(Json::Bool(get::<i64>(row, index)? != 0)),
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => {
            Value::Json(Json::from(get::<i64>(row, index)?))
        }
        "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED"
        | "BIGINT UNSIGNED" => Value::Json(Json::from(get::<u64>(row, index)?)),
        "FLOAT" => float_value(shortest_f32(get::<f32>(row, index)?)),
        "DOUBLE" => float_value(get::<f64>(row, index)?),
        "DECIMAL" => json_string(utf8(&get::<Vec<u8>>(row, index)?)?),
        "DATE" => json_string(format_date(get::<Date>(row, index)?)),
        "DATETIME" => json_string(format_naive(get::<PrimitiveDateTime>(row, index)?)),
        // The session's time zone is UTC (sqlx sets it), so this is the instant.
        "TIMESTAMP" => json_string(format_utc(get::<OffsetDateTime>(row, index)?)),
        "TIME" => json_string(mysql_time(&get::<Vec<u8>>(row, index)?)?),
        "JSON" => parse_json(&get::<Vec<u8>>(row, index)?)?,
        "BIT" => {
            let bytes = get::<Vec<u8>>(row, index)?;
            Value::Json(Json::from(
                bytes
                    .iter()
                    .fold(0_u64, |bits, byte| bits << 8 | u64::from(*byte)),
            ))
        }
        _ if <str as sqlx::Type<MySql>>::compatible(type_info) => {
            json_string(get::<String>(row, index)?)
        }
        _ => Value::Bytes(get::<Vec<u8>>(row, index)?),
    })
}

/// A MySQL `TIME` (a time of day or a signed span up to 838 hours) from the binary
/// protocol: sign, days, hours, minutes, seconds and microseconds.
pub(super) fn mysql_time(raw: &[u8]) -> Result<String, String> {
    // The binary protocol sends a length byte (0, 8 or 12) and then the fields.
    let bytes = match raw.split_first() {
        Some((length, rest))
            if matches!(length, 0 | 8 | 12) && rest.len() == usize::from(*length) =>
        {
            rest
        }
        // The text protocol already writes it.
        _ => return utf8(raw),
    };
    let byte = |index: usize| i64::from(bytes.get(index).copied().unwrap_or(0));
    let days = bytes.get(1..5).map_or(0, |days| {
        i64::from(u32::from_le_bytes([days[0], days[1], days[2], days[3]]))
    });
    let micros = bytes.get(8..12).map_or(0, |micros| {
        i64::from(u32::from_le_bytes([
            micros[0], micros[1], micros[2], micros[3],
        ]))
    });
    let total = (((days * 24 + byte(5)) * 60 + byte(6)) * 60 + byte(7)) * 1_000_000 + micros;
    let sign = if byte(0) == 1 { "-" } else { "" };
    Ok(format!("{sign}{}", format_clock(total)))
}

// ---------------------------------------------------------------------------
// Rows on SQLite: by each value's storage class

pub(super) fn sqlite_row(row: &sqlx::sqlite::SqliteRow) -> Result<Value, String> {
    let mut entries = Vec::with_capacity(row.columns().len());
    for (index, column) in row.columns().iter().enumerate() {
        let name = column.name().to_string();
        let raw = row.try_get_raw(index).map_err(|error| error.to_string())?;
        let storage = raw.type_info().name().to_string();
        let get_error = |error: sqlx::Error| format!("column `{name}`: {error}");
        let value = if raw.is_null() {
            Value::Json(Json::Null)
        } else {
            match storage.as_str() {
                "INTEGER" => {
                    let int = row.try_get_unchecked::<i64, _>(index).map_err(get_error)?;
                    // A column declared BOOLEAN holds 0 and 1.
                    if column.type_info().name() == "BOOLEAN" {
                        Value::Json(Json::Bool(int != 0))
                    } else {
                        Value::Json(Json::from(int))
                    }
                }
                "REAL" => float_value(row.try_get_unchecked::<f64, _>(index).map_err(get_error)?),
                "BLOB" => Value::Bytes(
                    row.try_get_unchecked::<Vec<u8>, _>(index)
                        .map_err(get_error)?,
                ),
                _ => json_string(
                    row.try_get_unchecked::<String, _>(index)
                        .map_err(get_error)?,
                ),
            }
        };
        entries.push((name, value));
    }
    Ok(Value::Object(entries))
}

// ---------------------------------------------------------------------------
// Values and their text forms

pub(super) fn json_string(text: String) -> Value {
    Value::Json(Json::String(text))
}

pub(super) fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| "the text is not UTF-8".to_string())
}

pub(super) fn parse_json(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(bytes)
        .map(Value::Json)
        .map_err(|error| format!("invalid JSON from the database: {error}"))
}

/// A float as json; NaN and the infinities, which JSON cannot hold, as `float`.
pub(super) fn float_value(float: f64) -> Value {
    match serde_json::Number::from_f64(float) {
        Some(number) => Value::Json(Json::Number(number)),
        None => Value::Float(float),
    }
}

/// A `real` as the double that prints the same (0.1, not 0.10000000149011612).
pub(super) fn shortest_f32(float: f32) -> f64 {
    float.to_string().parse().unwrap_or(f64::from(float))
}

pub(super) fn pg_date(days_from_2000: i64) -> Result<Date, String> {
    let julian = i32::try_from(PG_EPOCH_JULIAN_DAY + days_from_2000)
        .map_err(|_| "date out of range".to_string())?;
    Date::from_julian_day(julian).map_err(|_| "date out of range".to_string())
}

/// `YYYY-MM-DD` (ISO 8601; a year before 1 or after 9999 with its sign).
pub(super) fn format_date(date: Date) -> String {
    let year = date.year();
    let month = u8::from(date.month());
    if (0..=9999).contains(&year) {
        format!("{year:04}-{month:02}-{:02}", date.day())
    } else {
        format!("{year:+05}-{month:02}-{:02}", date.day())
    }
}

/// `HH:MM:SS`, then `.ffffff` without trailing zeros when there is a fraction.
pub(super) fn format_clock(micros_of_day: i64) -> String {
    let seconds = micros_of_day.div_euclid(1_000_000);
    let micros = micros_of_day.rem_euclid(1_000_000);
    let mut text = format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    if micros != 0 {
        text.push_str(format!(".{micros:06}").trim_end_matches('0'));
    }
    text
}

pub(super) fn format_offset(seconds_east: i32) -> String {
    if seconds_east == 0 {
        return "Z".to_string();
    }
    let sign = if seconds_east < 0 { '-' } else { '+' };
    let minutes = seconds_east.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

pub(super) fn micros_of(time: time::Time) -> i64 {
    (i64::from(time.hour()) * 3600 + i64::from(time.minute()) * 60 + i64::from(time.second()))
        * 1_000_000
        + i64::from(time.microsecond())
}

/// A timestamp without time zone: RFC 3339's form without an offset.
pub(super) fn format_naive(timestamp: PrimitiveDateTime) -> String {
    format!(
        "{}T{}",
        format_date(timestamp.date()),
        format_clock(micros_of(timestamp.time()))
    )
}

/// An instant in RFC 3339, in UTC: `2024-01-02T03:04:05.5Z`.
pub(super) fn format_utc(timestamp: OffsetDateTime) -> String {
    let utc = timestamp.to_offset(UtcOffset::UTC);
    format!(
        "{}T{}Z",
        format_date(utc.date()),
        format_clock(micros_of(utc.time()))
    )
}

/// An interval in ISO 8601 (`P1Y2M3DT4H5M6.5S`), each part with its own sign as
/// PostgreSQL's `iso_8601` style writes it.
pub(super) fn format_interval(months: i32, days: i32, micros: i64) -> String {
    let mut text = "P".to_string();
    let (years, months) = (months / 12, months % 12);
    for (amount, unit) in [(years, 'Y'), (months, 'M'), (days, 'D')] {
        if amount != 0 {
            text.push_str(&format!("{amount}{unit}"));
        }
    }
    if micros != 0 {
        text.push('T');
        let hours = micros / 3_600_000_000;
        let minutes = micros / 60_000_000 % 60;
        let seconds = micros % 60_000_000;
        if hours != 0 {
            text.push_str(&format!("{hours}H"));
        }
        if minutes != 0 {
            text.push_str(&format!("{minutes}M"));
        }
        if seconds != 0 {
            let sign = if seconds < 0 { "-" } else { "" };
            let seconds = seconds.unsigned_abs();
            let mut number = format!("{sign}{}", seconds / 1_000_000);
            if !seconds.is_multiple_of(1_000_000) {
                number.push_str(format!(".{:06}", seconds % 1_000_000).trim_end_matches('0'));
            }
            text.push_str(&format!("{number}S"));
        }
    }
    if text == "P" {
        text.push_str("T0S");
    }
    text
}
