//! `jsonpath(value, path)`: every node an RFC 9535 JSONPath selects, through
//! serde_json_path (compiled by `builtins::json_path_of_text`, the code the
//! checker runs on a literal path). The nodes come back as a list of json
//! values, so `len`, `[i]`, `contains` and `==` read them as they read any list.
//! `collapse(list)` reads such a list as Hurl reads a JSONPath's nodes: one node
//! is its value, several are the list, none is a missing value.

use serde_json::Value as Json;

use crate::builtins;
use crate::value::{EvalError, Value, to_json, type_name_with_article};

/// The nodes `path` selects in `value`: a json value, a list or an object as
/// JSON, or a string read as JSON text (a `body`).
pub(super) fn select(value: Value, path: &str) -> Result<Value, EvalError> {
    let compiled = builtins::json_path_of_text(path)
        .map_err(|(error, _)| EvalError(format!("jsonpath: {error}")))?;
    let document = match value {
        Value::Json(json) => json,
        Value::String(text) => serde_json::from_str::<Json>(&text)
            .map_err(|error| EvalError(format!("jsonpath: the text is not JSON: {error}")))?,
        value @ (Value::List(_) | Value::Object(_)) => to_json(&value),
        other => {
            return Err(EvalError(format!(
                "jsonpath reads json, a list, an object or JSON text, found {}",
                type_name_with_article(&other)
            )));
        }
    };
    Ok(Value::List(
        compiled
            .query(&document)
            .all()
            .into_iter()
            .map(|node| Value::Json(node.clone()))
            .collect(),
    ))
}

/// `collapse(list)`: the item of a one-item list, the list when it holds more,
/// `None` (missing, as a path that does not resolve) when it is empty. Hurl
/// gives a JSONPath's result this way, so an imported `jsonpath "$..id" == 7`
/// compares the id when one node matches and fails with "missing" when none
/// does, as under Hurl.
pub(super) fn collapse(list: Value) -> Result<Option<Value>, EvalError> {
    let mut items = match list {
        Value::List(items) => items,
        Value::Json(Json::Array(items)) => items.into_iter().map(Value::Json).collect(),
        other => {
            return Err(EvalError(format!(
                "collapse needs a list, found {}",
                type_name_with_article(&other)
            )));
        }
    };
    Ok(match items.len() {
        0 => None,
        1 => items.pop(),
        _ => Some(Value::List(items)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nodes(value: Value, path: &str) -> Vec<Json> {
        match select(value, path) {
            Ok(Value::List(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::Json(json) => json,
                    other => panic!("not json: {other:?}"),
                })
                .collect(),
            other => panic!("expected a list, found {other:?}"),
        }
    }

    #[test]
    fn wildcards_descendants_and_filters() {
        let document = Value::Json(json!({
            "items": [
                {"id": "a", "name": "Apple", "price": 3},
                {"id": "b", "name": "Pear", "price": 5},
            ],
            "owner": {"name": "Ann"},
        }));
        assert_eq!(
            nodes(document.clone(), "$.items[*].id"),
            vec![json!("a"), json!("b")]
        );
        assert_eq!(
            nodes(document.clone(), "$..name"),
            vec![json!("Apple"), json!("Pear"), json!("Ann")]
        );
        assert_eq!(
            nodes(document.clone(), "$.items[?@.id == 'b'].name"),
            vec![json!("Pear")]
        );
        assert_eq!(
            nodes(document.clone(), "$.items[?@.price > 3].id"),
            vec![json!("b")]
        );
        assert!(nodes(document, "$.missing").is_empty());
    }

    #[test]
    fn text_is_read_as_json_and_other_values_are_refused() {
        assert_eq!(
            nodes(Value::String(r#"{"a": [1, 2]}"#.into()), "$.a[-1]"),
            vec![json!(2)]
        );
        let error = select(Value::String("<html>".into()), "$.a").unwrap_err();
        assert!(
            error.0.starts_with("jsonpath: the text is not JSON: "),
            "{error:?}"
        );
        let error = select(Value::Int(3), "$").unwrap_err();
        assert_eq!(
            error.0,
            "jsonpath reads json, a list, an object or JSON text, found an int"
        );
        let error = select(Value::Json(json!({})), "$.items[").unwrap_err();
        assert!(
            error.0.starts_with("jsonpath: not a JSONPath: "),
            "{error:?}"
        );
    }

    #[test]
    fn collapse_gives_one_node_as_its_value_several_as_a_list_none_as_missing() {
        let document =
            Value::Json(json!({"one": ["x"], "two": [1, 2], "none": [], "nested": [[3, 4]]}));
        let collapsed = |path: &str| collapse(select(document.clone(), path).unwrap()).unwrap();
        assert!(
            matches!(collapsed("$.one[*]"), Some(Value::Json(Json::String(text))) if text == "x")
        );
        match collapsed("$.two[*]") {
            Some(Value::List(items)) => assert_eq!(items.len(), 2),
            other => panic!("expected the list of both, found {other:?}"),
        }
        assert!(collapsed("$.none[*]").is_none());
        assert!(collapsed("$.absent").is_none());
        // One node that is an array is that array, not its first item.
        assert!(
            matches!(collapsed("$.nested[*]"), Some(Value::Json(Json::Array(items))) if items.len() == 2)
        );
        // A json array collapses like a list.
        assert!(
            matches!(collapse(Value::Json(json!([5]))).unwrap(), Some(Value::Json(value)) if value == json!(5))
        );
        let error = collapse(Value::String("x".into())).unwrap_err();
        assert_eq!(error.0, "collapse needs a list, found a string");
    }
}
