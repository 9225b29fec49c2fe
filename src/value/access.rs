//! Paths into values: `value.name` and `value[index]`. Missing is `None`, never an
//! error; only an index of the wrong type is one.

use serde_json::Value as Json;

use super::number::{Number, number_of, string_of};
use super::search::find_key;
use super::{EvalError, Value, type_name_with_article};

/// A value read in place: a runtime value or a part of a json value, borrowed.
/// A path (`json[0].sku`) walks these and clones only what it ends on, never the
/// body it starts from.
#[derive(Clone, Copy)]
pub enum Read<'a> {
    Value(&'a Value),
    Json(&'a Json),
}

impl<'a> Read<'a> {
    pub fn to_value(self) -> Value {
        match self {
            Read::Value(value) => value.clone(),
            Read::Json(json) => Value::Json(json.clone()),
        }
    }

    fn json(self) -> Option<&'a Json> {
        match self {
            Read::Value(Value::Json(json)) | Read::Json(json) => Some(json),
            Read::Value(_) => None,
        }
    }

    /// `.name` (see [`member`]).
    pub fn member(self, name: &str) -> Option<Read<'a>> {
        match (self, self.json()) {
            (Read::Value(Value::Object(entries)), _) => {
                let position = find_key(entries.iter().map(|(key, _)| key.as_str()), name)?;
                entries.get(position).map(|(_, found)| Read::Value(found))
            }
            (_, Some(Json::Object(entries))) => entries
                .get(name)
                .or_else(|| {
                    entries
                        .iter()
                        .find(|(key, _)| key.eq_ignore_ascii_case(name))
                        .map(|(_, found)| found)
                })
                .map(Read::Json),
            _ => None,
        }
    }

    /// `[index]` (see [`index`]).
    pub fn index(self, index: &Value) -> Result<Option<Read<'a>>, EvalError> {
        match (self, self.json()) {
            (Read::Value(Value::Null), _) | (_, Some(Json::Null)) => Ok(None),
            (Read::Value(Value::List(items)), _) => {
                let position = list_position(items.len(), index, self)?;
                Ok(position.and_then(|at| items.get(at)).map(Read::Value))
            }
            (_, Some(Json::Array(items))) => {
                let position = list_position(items.len(), index, self)?;
                Ok(position.and_then(|at| items.get(at)).map(Read::Json))
            }
            (Read::Value(Value::Object(_)), _) | (_, Some(Json::Object(_))) => {
                match string_of(index) {
                    Some(key) => Ok(self.member(key)),
                    None => Err(EvalError(format!(
                        "{} is indexed by a string key, not {}",
                        type_name_with_article(&self.to_value()),
                        type_name_with_article(index)
                    ))),
                }
            }
            _ => Err(EvalError(format!(
                "cannot index {}: only lists, arrays and objects have `[…]`",
                type_name_with_article(&self.to_value())
            ))),
        }
    }
}

/// `value.name`: a key of an object or json object, the exact key first and else
/// one that differs only in ASCII case (header maps are stored lowercased).
/// `None` is missing: no such key, or `value` is not an object.
pub fn member(value: &Value, name: &str) -> Option<Value> {
    Read::Value(value).member(name).map(Read::to_value)
}

/// `value[index]`: a list or json array by int (negative counts from the end), an
/// object or json object by string. Out of range, an absent key or a step through
/// null is `Ok(None)`, missing; an index of the wrong type is an error.
pub fn index(value: &Value, index: &Value) -> Result<Option<Value>, EvalError> {
    Ok(Read::Value(value).index(index)?.map(Read::to_value))
}

fn list_position(
    length: usize,
    index: &Value,
    container: Read,
) -> Result<Option<usize>, EvalError> {
    let wrong_type = || {
        EvalError(format!(
            "{} is indexed by an int, not {}",
            type_name_with_article(&container.to_value()),
            type_name_with_article(index)
        ))
    };
    let position = match number_of(index) {
        Some(Number::Int(position)) => position,
        Some(Number::Float(float)) if matches!(index, Value::Json(_)) && float.fract() == 0.0 => {
            // A json number such as 2.0 is still an index; beyond i64 it is out of range.
            if float.abs() < 9.0e18 {
                float as i64
            } else {
                return Ok(None);
            }
        }
        _ => return Err(wrong_type()),
    };
    let length = i64::try_from(length).unwrap_or(i64::MAX);
    let resolved = if position < 0 {
        length.checked_add(position)
    } else {
        Some(position)
    };
    Ok(resolved
        .filter(|at| (0..length).contains(at))
        .and_then(|at| usize::try_from(at).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::test_values::*;
    use crate::value::*;
    use serde_json::json;

    #[test]
    fn member_reads_keys_case_insensitively_after_exact() {
        let headers = object(&[("content-type", text("a")), ("Content-Type", text("b"))]);
        assert!(same(&member(&headers, "Content-Type").unwrap(), &text("b")));
        assert!(same(&member(&headers, "CONTENT-TYPE").unwrap(), &text("a")));
        assert!(member(&headers, "x").is_none());
        let body = Value::Json(json!({"user": {"id": 7}, "Name": "bob"}));
        assert!(equals(
            &member(&body, "user").unwrap(),
            &Value::Json(json!({"id": 7}))
        ));
        assert!(equals(&member(&body, "name").unwrap(), &text("bob")));
        assert!(member(&body, "nickname").is_none());
        assert!(member(&Value::Json(json!(null)), "a").is_none());
        assert!(member(&Value::Int(1), "a").is_none());
        assert!(member(&Value::Json(json!([1])), "a").is_none());
    }

    #[test]
    fn indexing() {
        let list = Value::List(vec![Value::Int(10), Value::Int(20), Value::Int(30)]);
        assert!(same(
            &index(&list, &Value::Int(0)).unwrap().unwrap(),
            &Value::Int(10)
        ));
        assert!(same(
            &index(&list, &Value::Int(-1)).unwrap().unwrap(),
            &Value::Int(30)
        ));
        assert!(same(
            &index(&list, &Value::Int(-3)).unwrap().unwrap(),
            &Value::Int(10)
        ));
        assert_eq!(
            index(&list, &Value::Int(3)).map(|found| found.is_none()),
            Ok(true)
        );
        assert_eq!(
            index(&list, &Value::Int(-4)).map(|found| found.is_none()),
            Ok(true)
        );
        assert_eq!(
            index(&list, &Value::Int(i64::MIN)).map(|found| found.is_none()),
            Ok(true)
        );
        assert_eq!(
            index(&list, &Value::Int(i64::MAX)).map(|found| found.is_none()),
            Ok(true)
        );
        assert!(err(index(&list, &text("a"))).contains("indexed by an int"));
        assert!(index(&list, &Value::Float(1.0)).is_err());
        let array = Value::Json(json!([{"price": 5}, 2]));
        assert!(equals(
            &index(&array, &Value::Int(0)).unwrap().unwrap(),
            &Value::Json(json!({"price": 5}))
        ));
        assert!(equals(
            &index(&array, &Value::Json(json!(1))).unwrap().unwrap(),
            &Value::Int(2)
        ));
        assert!(index(&array, &Value::Int(2)).unwrap().is_none());
        let statuses = object(&[("200", Value::Int(98))]);
        assert!(same(
            &index(&statuses, &text("200")).unwrap().unwrap(),
            &Value::Int(98)
        ));
        assert!(index(&statuses, &text("500")).unwrap().is_none());
        assert!(err(index(&statuses, &Value::Int(200))).contains("string key"));
        let body = Value::Json(json!({"x-id": "abc"}));
        assert!(equals(
            &index(&body, &text("X-Id")).unwrap().unwrap(),
            &text("abc")
        ));
        assert!(index(&Value::Null, &Value::Int(0)).unwrap().is_none());
        assert!(
            index(&Value::Json(json!(null)), &text("a"))
                .unwrap()
                .is_none()
        );
        assert!(index(&text("abc"), &Value::Int(0)).is_err());
        assert!(index(&Value::Json(json!(5)), &Value::Int(0)).is_err());
    }
}
