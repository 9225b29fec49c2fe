//! AMQP's typed values (a message's headers table, its properties) to and from
//! the JSON values a `.rit` file reads and writes: numbers stay numbers,
//! booleans booleans, byte strings that are text read as text.

use lapin::types::{AMQPValue, FieldArray, FieldTable, LongString, ShortString};
use serde_json::Value as Json;

/// `headers { … }` as an AMQP table; `Err` names a header AMQP cannot carry.
pub fn table_of(headers: &[(String, Json)]) -> Result<FieldTable, String> {
    let mut table = FieldTable::default();
    for (name, value) in headers {
        let key = ShortString::try_new(name.as_str())
            .map_err(|_| format!("the header name `{name}` is over 255 bytes"))?;
        table.insert(key, amqp_of(value));
    }
    Ok(table)
}

fn amqp_of(value: &Json) -> AMQPValue {
    match value {
        Json::Null => AMQPValue::Void,
        Json::Bool(flag) => AMQPValue::Boolean(*flag),
        Json::Number(number) => match number.as_i64() {
            Some(int) => AMQPValue::LongLongInt(int),
            None => AMQPValue::Double(number.as_f64().unwrap_or_default()),
        },
        Json::String(text) => AMQPValue::LongString(LongString::from(text.as_bytes())),
        Json::Array(items) => AMQPValue::FieldArray(FieldArray::from(
            items.iter().map(amqp_of).collect::<Vec<_>>(),
        )),
        Json::Object(entries) => {
            let mut table = FieldTable::default();
            for (name, value) in entries {
                if let Ok(key) = ShortString::try_new(name.as_str()) {
                    table.insert(key, amqp_of(value));
                }
            }
            AMQPValue::FieldTable(table)
        }
    }
}

/// A received table as JSON, in the table's order.
pub fn json_of_table(table: &FieldTable) -> Json {
    Json::Object(
        table
            .inner()
            .iter()
            .map(|(name, value)| (name.to_string(), json_of(value)))
            .collect(),
    )
}

fn json_of(value: &AMQPValue) -> Json {
    match value {
        AMQPValue::Boolean(flag) => Json::Bool(*flag),
        AMQPValue::ShortShortInt(n) => Json::from(*n),
        AMQPValue::ShortShortUInt(n) => Json::from(*n),
        AMQPValue::ShortInt(n) => Json::from(*n),
        AMQPValue::ShortUInt(n) => Json::from(*n),
        AMQPValue::LongInt(n) => Json::from(*n),
        AMQPValue::LongUInt(n) => Json::from(*n),
        AMQPValue::LongLongInt(n) => Json::from(*n),
        AMQPValue::Timestamp(n) => Json::from(*n),
        AMQPValue::Float(n) => Json::from(f64::from(*n)),
        AMQPValue::Double(n) => Json::from(*n),
        AMQPValue::DecimalValue(decimal) => {
            Json::from(f64::from(decimal.value) / 10f64.powi(i32::from(decimal.scale)))
        }
        AMQPValue::ShortString(text) => Json::String(text.to_string()),
        AMQPValue::LongString(text) => Json::String(text.to_string()),
        AMQPValue::ByteArray(bytes) => {
            Json::String(String::from_utf8_lossy(bytes.as_slice()).into_owned())
        }
        AMQPValue::FieldArray(items) => Json::Array(items.as_slice().iter().map(json_of).collect()),
        AMQPValue::FieldTable(table) => json_of_table(table),
        AMQPValue::Void => Json::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn headers_keep_their_json_types_both_ways() {
        let headers = vec![
            ("x-id".to_string(), json!(7)),
            ("x-ok".to_string(), json!(true)),
            ("x-name".to_string(), json!("widget")),
            ("x-ratio".to_string(), json!(0.5)),
            ("x-list".to_string(), json!([1, "a"])),
            ("x-nested".to_string(), json!({"a": null})),
        ];
        let table = table_of(&headers).expect("every header fits");
        assert_eq!(
            json_of_table(&table),
            json!({
                "x-id": 7, "x-list": [1, "a"], "x-name": "widget",
                "x-nested": {"a": null}, "x-ok": true, "x-ratio": 0.5
            })
        );
    }

    #[test]
    fn a_header_name_over_255_bytes_is_refused_not_a_panic() {
        let long = "h".repeat(256);
        let refused = table_of(&[(long, json!(1))]).expect_err("too long");
        assert!(refused.contains("over 255 bytes"), "{refused}");
    }
}
