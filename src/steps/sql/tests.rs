//! The pure parts of the `sql` step: numbers, times, placeholders, parameters,
//! carets and schemes.
use super::connection::{Driver, Target};
use super::decode::{format_clock, format_date, format_interval, format_offset, numeric_text};
use super::encode::{numeric_bytes, parse_temporal};
use super::errors::statement_detail;
use super::statement::{Plain, plain_parameter, statement_text};
use crate::steps::exec::CommandPart;
use crate::value::Value;
use serde_json::Value as Json;
use std::time::Duration;

fn numeric_round_trip(text: &str) -> String {
    numeric_text(&numeric_bytes(text).unwrap()).unwrap()
}

#[test]
fn numerics_round_trip_exactly() {
    assert_eq!(numeric_round_trip("12.50"), "12.50");
    assert_eq!(numeric_round_trip("-12.50"), "-12.50");
    assert_eq!(numeric_round_trip("0"), "0");
    assert_eq!(numeric_round_trip("0.000"), "0.000");
    assert_eq!(numeric_round_trip("0.000005"), "0.000005");
    assert_eq!(numeric_round_trip("100"), "100");
    assert_eq!(
        numeric_round_trip("123456789.0123456789"),
        "123456789.0123456789"
    );
    assert_eq!(
        numeric_round_trip("99999999999999999999999999999999.5"),
        "99999999999999999999999999999999.5"
    );
    assert_eq!(numeric_round_trip("1e3"), "1000");
    assert_eq!(numeric_round_trip("1.5E-3"), "0.0015");
    assert_eq!(numeric_round_trip("NaN"), "NaN");
    assert_eq!(numeric_round_trip("-Infinity"), "-Infinity");
    assert!(numeric_bytes("12a").is_err());
    assert!(numeric_bytes("").is_err());
    assert!(numeric_bytes(".").is_err());
}

#[test]
fn numeric_bytes_match_postgres() {
    // SELECT '12.50'::numeric in binary: 2 digits, weight 0, positive, scale 2, [12, 5000].
    assert_eq!(
        numeric_bytes("12.50").unwrap(),
        vec![0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x13, 0x88]
    );
    // 0.0015: 1 digit, weight -1, scale 4, [15].
    assert_eq!(
        numeric_bytes("0.0015").unwrap(),
        vec![0, 1, 0xFF, 0xFF, 0, 0, 0, 4, 0, 15]
    );
}

#[test]
fn temporal_text_is_parsed() {
    let parsed = parse_temporal("2024-01-02T03:04:05.5Z").unwrap();
    assert_eq!(parsed.date.map(format_date).as_deref(), Some("2024-01-02"));
    assert_eq!(
        parsed.micros_of_day,
        Some(((3 * 60 + 4) * 60 + 5) * 1_000_000 + 500_000)
    );
    assert_eq!(parsed.offset, Some(0));
    let parsed = parse_temporal("2024-01-02 03:04:05+02:00").unwrap();
    assert_eq!(parsed.offset, Some(7200));
    let parsed = parse_temporal("12:30").unwrap();
    assert_eq!(parsed.date, None);
    assert_eq!(parsed.micros_of_day, Some((12 * 60 + 30) * 60 * 1_000_000));
    assert!(parse_temporal("2024-13-01").is_none());
    assert!(parse_temporal("tomorrow").is_none());
    assert!(parse_temporal("").is_none());
}

#[test]
fn clocks_and_intervals_are_written_as_iso_8601() {
    assert_eq!(format_clock(0), "00:00:00");
    assert_eq!(
        format_clock(((23 * 60 + 59) * 60 + 59) * 1_000_000 + 120_000),
        "23:59:59.12"
    );
    assert_eq!(format_interval(0, 0, 0), "PT0S");
    assert_eq!(format_interval(14, 3, 90_500_000), "P1Y2M3DT1M30.5S");
    assert_eq!(format_interval(0, -1, -3_600_000_000), "P-1DT-1H");
    assert_eq!(format_offset(-5 * 3600 - 30 * 60), "-05:30");
}

#[test]
fn placeholders_follow_the_driver_and_keep_apart_from_words() {
    let parts = vec![
        CommandPart::Text("SELECT * FROM t WHERE a = ".to_string()),
        CommandPart::Value(Value::Int(1)),
        CommandPart::Text(" AND b =".to_string()),
        CommandPart::Value(Value::String("x".to_string())),
        CommandPart::Text("".to_string()),
    ];
    let (sql, values) = statement_text(&parts, Driver::Postgres);
    assert_eq!(sql, "SELECT * FROM t WHERE a = $1 AND b =$2");
    assert_eq!(values.len(), 2);
    let (sql, _) = statement_text(&parts, Driver::MySql);
    assert_eq!(sql, "SELECT * FROM t WHERE a = ? AND b =?");
    let joined = vec![
        CommandPart::Text("SELECT x".to_string()),
        CommandPart::Value(Value::Int(1)),
        CommandPart::Text("y".to_string()),
    ];
    assert_eq!(statement_text(&joined, Driver::Postgres).0, "SELECT x $1 y");
}

#[test]
fn plain_parameters_keep_their_kind() {
    assert_eq!(
        plain_parameter(&Value::Json(serde_json::json!(5))).unwrap(),
        Plain::Int(5)
    );
    assert_eq!(
        plain_parameter(&Value::Json(serde_json::json!(2.5))).unwrap(),
        Plain::Float(2.5)
    );
    assert_eq!(
        plain_parameter(&Value::Json(serde_json::json!("x"))).unwrap(),
        Plain::Text("x".into())
    );
    assert_eq!(
        plain_parameter(&Value::Json(serde_json::json!({"a": 1}))).unwrap(),
        Plain::Text("{\"a\":1}".into())
    );
    assert_eq!(
        plain_parameter(&Value::Duration(Duration::from_millis(150))).unwrap(),
        Plain::Text("150ms".into())
    );
    assert_eq!(
        plain_parameter(&Value::Json(Json::Null)).unwrap(),
        Plain::Null
    );
}

#[test]
fn the_caret_points_into_the_right_line() {
    assert_eq!(
        statement_detail("SELECT *\nFROM nope", Some(15)),
        "statement:\n  SELECT *\n  FROM nope\n       ^"
    );
}

#[test]
fn unknown_schemes_are_refused() {
    let error = Target::parse("redis://localhost").err().unwrap();
    assert!(
        error.message.contains("not a database URL"),
        "{}",
        error.message
    );
    assert_eq!(
        Target::parse("mariadb://root@localhost/test")
            .ok()
            .map(|target| target.driver),
        Some(Driver::MySql)
    );
}
