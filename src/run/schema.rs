//! `conforms`: JSON Schema validation of a value (draft 2020-12 by default, or the
//! draft its `$schema` names: 2019-09, 7, 6, 4), listing every violation by the
//! JSON pointer of the instance location. Compiled schemas are cached. Must not
//! import `syntax::ast` or `check`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::Value as Json;

use crate::value::Value;
use crate::value::{EvalError, to_json, type_name_with_article};

/// One way the instance breaks the schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// JSON pointer of the instance location: `/items/0/price`, or `/` for the root.
    pub pointer: String,
    /// What is wrong there, in the validator's words (`"id" is a required property`).
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.pointer, self.message)
    }
}

/// How many compiled schemas are kept; past this the cache starts over.
const CACHE_LIMIT: usize = 128;
/// How long a violation message may get: messages quote the offending value.
const MESSAGE_LIMIT: usize = 300;

fn validator_cache() -> &'static Mutex<HashMap<String, Arc<Validator>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Validator>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Compiles a schema (`builtins::json_schema_validator`, the rule the checker
/// applies to a constant schema file too), or reuses the one compiled for the
/// same JSON before.
pub fn compile(schema: &Json) -> Result<Arc<Validator>, EvalError> {
    let key = schema.to_string();
    {
        let cache = validator_cache()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(validator) = cache.get(&key) {
            return Ok(Arc::clone(validator));
        }
    }
    // Compiled outside the lock: it may read referenced files.
    let validator = crate::builtins::json_schema_validator(schema, true).map_err(EvalError)?;
    let validator = Arc::new(validator);
    let mut cache = validator_cache()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if cache.len() >= CACHE_LIMIT {
        cache.clear();
    }
    cache.insert(key, Arc::clone(&validator));
    Ok(validator)
}

/// `instance conforms schema`: every violation, in the validator's order; an empty
/// list when the instance conforms. `schema` is a `schema(path)` value or a json
/// object (or bool) holding a schema.
pub fn conforms(instance: &Value, schema: &Value) -> Result<Vec<Violation>, EvalError> {
    let schema_json = match schema {
        Value::Schema(schema) => schema.as_ref().clone(),
        Value::Json(json @ (Json::Object(_) | Json::Bool(_))) => json.clone(),
        Value::Object(_) => to_json(schema),
        other => {
            return Err(EvalError(format!(
                "`conforms` needs a schema on its right (write schema(\"file.json\")), found {}",
                type_name_with_article(other)
            )));
        }
    };
    let validator = compile(&schema_json)?;
    let instance = to_json(instance);
    Ok(validator
        .iter_errors(&instance)
        .map(|error| {
            let pointer = error.instance_path().as_str();
            Violation {
                pointer: if pointer.is_empty() {
                    "/".to_string()
                } else {
                    pointer.to_string()
                },
                message: shorten(error.to_string()),
            }
        })
        .collect())
}

fn shorten(message: String) -> String {
    match message.char_indices().nth(MESSAGE_LIMIT) {
        Some((cut, _)) => format!("{}…", message.get(..cut).unwrap_or_default()),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(json: Json) -> Value {
        Value::Schema(Arc::new(json))
    }

    fn pointers(violations: &[Violation]) -> Vec<&str> {
        let mut found: Vec<&str> = violations
            .iter()
            .map(|violation| violation.pointer.as_str())
            .collect();
        found.sort_unstable();
        found
    }

    fn user_schema(draft: &str) -> Json {
        json!({
            "$schema": draft,
            "type": "object",
            "required": ["id", "email"],
            "properties": {
                "id": {"type": "integer"},
                "email": {"type": "string", "format": "email"},
                "tags": {"type": "array", "items": {"type": "string"}}
            }
        })
    }

    #[test]
    fn draft_2020_12_lists_every_violation() {
        let schema = schema(user_schema("https://json-schema.org/draft/2020-12/schema"));
        let good = Value::Json(json!({"id": 1, "email": "a@b.example", "tags": ["x"]}));
        assert_eq!(conforms(&good, &schema), Ok(vec![]));
        let bad = Value::Json(json!({"id": "1", "tags": ["x", 2]}));
        let violations = conforms(&bad, &schema).unwrap();
        assert_eq!(pointers(&violations), vec!["/", "/id", "/tags/1"]);
        let root = violations
            .iter()
            .find(|violation| violation.pointer == "/")
            .unwrap();
        assert!(root.message.contains("email"), "{}", root.message);
    }

    #[test]
    fn draft_7_is_chosen_by_its_schema_uri() {
        let schema = schema(json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "array",
            "items": [{"type": "integer"}, {"type": "string"}],
            "additionalItems": false
        }));
        assert_eq!(conforms(&Value::Json(json!([1, "a"])), &schema), Ok(vec![]));
        let violations = conforms(&Value::Json(json!(["a", "b", 3])), &schema).unwrap();
        // Tuple `items` is a draft-7 form: under 2020-12 it would not be read this way.
        assert_eq!(pointers(&violations), vec!["/", "/0"]);
    }

    #[test]
    fn default_draft_is_2020_12() {
        // `prefixItems` means something only from 2020-12 on.
        let schema = schema(json!({"prefixItems": [{"type": "integer"}]}));
        let violations = conforms(&Value::Json(json!(["x"])), &schema).unwrap();
        assert_eq!(pointers(&violations), vec!["/0"]);
    }

    #[test]
    fn formats_are_asserted() {
        let schema = schema(user_schema("https://json-schema.org/draft/2020-12/schema"));
        let violations = conforms(
            &Value::Json(json!({"id": 1, "email": "not an address"})),
            &schema,
        )
        .unwrap();
        assert_eq!(pointers(&violations), vec!["/email"]);
    }

    #[test]
    fn static_values_are_checked_as_their_json() {
        let schema = schema(json!({"type": "object", "properties": {"n": {"type": "integer"}}}));
        let value = Value::object([("n".to_string(), Value::Int(3))]);
        assert_eq!(conforms(&value, &schema), Ok(vec![]));
        let value = Value::object([("n".to_string(), Value::String("3".into()))]);
        assert_eq!(pointers(&conforms(&value, &schema).unwrap()), vec!["/n"]);
        // A json schema value works as well as a schema(path) one.
        let inline = Value::Json(json!({"type": "string"}));
        assert_eq!(conforms(&Value::Int(1), &inline).unwrap().len(), 1);
    }

    #[test]
    fn bad_schemas_are_errors() {
        assert!(conforms(&Value::Int(1), &Value::Int(1)).is_err());
        let broken = schema(json!({"type": 12}));
        let error = conforms(&Value::Int(1), &broken).unwrap_err();
        assert!(error.0.contains("not a valid JSON Schema"), "{error}");
        let dangling = schema(json!({"$ref": "#/$defs/nothing"}));
        assert!(conforms(&Value::Int(1), &dangling).is_err());
        // Remote references are not fetched: an error, never a network call.
        let remote = schema(json!({"$ref": "https://example.invalid/user.json"}));
        assert!(conforms(&Value::Int(1), &remote).is_err());
    }

    #[test]
    fn long_messages_are_cut() {
        let schema = schema(json!({"type": "string"}));
        let long = Value::Json(json!(vec![1; 1000]));
        let violations = conforms(&long, &schema).unwrap();
        assert!(violations[0].message.chars().count() <= MESSAGE_LIMIT + 1);
    }
}
