//! Looking inside values: `contains` and `in` (a substring, an element, a key),
//! and `matches` with its cache of compiled patterns.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;
use serde_json::Value as Json;

use super::compare::json_equals;
use super::number::string_of;
use super::{EvalError, Value, equals, to_json, type_name_with_article};

// contains, matches, is

/// `container contains item` (and `item in container`): a substring of a string, an
/// element of a list (by `equals`), a key of an object (exact, else ignoring ASCII
/// case, as `member` reads keys).
pub fn contains(container: &Value, item: &Value) -> Result<bool, EvalError> {
    match container {
        Value::String(_) | Value::Json(Json::String(_)) => {
            let text = string_of(container).unwrap_or_default();
            match string_of(item) {
                Some(needle) => Ok(text.contains(needle)),
                None => Err(EvalError(format!(
                    "cannot look for {} in a string: a string contains only text",
                    type_name_with_article(item)
                ))),
            }
        }
        Value::List(items) => Ok(items.iter().any(|element| equals(element, item))),
        Value::Json(Json::Array(items)) => {
            let wanted = to_json(item);
            Ok(items.iter().any(|element| json_equals(element, &wanted)))
        }
        Value::Object(entries) => match string_of(item) {
            Some(key) => Ok(find_key(entries.iter().map(|(name, _)| name.as_str()), key).is_some()),
            None => Err(key_type_error(item)),
        },
        Value::Json(Json::Object(entries)) => match string_of(item) {
            Some(key) => Ok(find_key(entries.keys().map(String::as_str), key).is_some()),
            None => Err(key_type_error(item)),
        },
        Value::Bytes(bytes) => {
            let needle: &[u8] = match item {
                Value::Bytes(needle) => needle,
                _ => match string_of(item) {
                    Some(text) => text.as_bytes(),
                    None => {
                        return Err(EvalError(format!(
                            "cannot look for {} in bytes",
                            type_name_with_article(item)
                        )));
                    }
                },
            };
            Ok(needle.is_empty() || bytes.windows(needle.len()).any(|window| window == needle))
        }
        _ => Err(EvalError(format!(
            "cannot look inside {}: `contains` and `in` need a string, a list or an object",
            type_name_with_article(container)
        ))),
    }
}

fn key_type_error(item: &Value) -> EvalError {
    EvalError(format!(
        "an object's keys are strings, not {}",
        type_name_with_article(item)
    ))
}

/// The position of `key` among `keys`: the exact key first, else the first that
/// differs only in ASCII case (HTTP header names are case-insensitive).
pub(super) fn find_key<'k>(
    keys: impl Iterator<Item = &'k str> + Clone,
    key: &str,
) -> Option<usize> {
    keys.clone()
        .position(|candidate| candidate == key)
        .or_else(|| {
            keys.clone()
                .position(|candidate| candidate.eq_ignore_ascii_case(key))
        })
}

/// How many compiled patterns are kept; past this the cache starts over.
const REGEX_CACHE_LIMIT: usize = 512;
/// The most memory one compiled pattern may use, so that a huge pattern is an
/// error instead of an exhausted machine.
const REGEX_SIZE_LIMIT: usize = 16 * 1024 * 1024;

fn regex_cache() -> &'static Mutex<HashMap<String, Arc<Regex>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Regex>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Compiles a pattern (Rust `regex` syntax), reusing one compiled before.
pub fn compile_regex(pattern: &str) -> Result<Arc<Regex>, EvalError> {
    {
        let cache = regex_cache()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(regex) = cache.get(pattern) {
            return Ok(Arc::clone(regex));
        }
    }
    // Compiled outside the lock: a large pattern must not hold up other tests.
    let regex = regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|error| EvalError(format!("invalid regular expression: {error}")))?;
    let regex = Arc::new(regex);
    let mut cache = regex_cache()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if cache.len() >= REGEX_CACHE_LIMIT {
        cache.clear();
    }
    cache.insert(pattern.to_string(), Arc::clone(&regex));
    Ok(regex)
}

/// `text matches pattern`: Rust `regex` syntax, unanchored.
pub fn matches(text: &Value, pattern: &Value) -> Result<bool, EvalError> {
    let Some(text) = string_of(text) else {
        return Err(EvalError(format!(
            "`matches` needs a string on its left, found {}",
            type_name_with_article(text)
        )));
    };
    let Some(pattern) = string_of(pattern) else {
        return Err(EvalError(format!(
            "`matches` needs a pattern string on its right, found {}",
            type_name_with_article(pattern)
        )));
    };
    Ok(compile_regex(pattern)?.is_match(text))
}

/// Which end `starts with` and `ends with` look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Affix {
    Start,
    End,
}

impl Affix {
    fn operator(self) -> &'static str {
        match self {
            Affix::Start => "starts with",
            Affix::End => "ends with",
        }
    }
}

/// `text starts with prefix`, `text ends with suffix`: strings (json strings)
/// or bytes, a string counting as its UTF-8 bytes (Hurl's `startsWith` and
/// `endsWith` also read a body's bytes).
pub fn affix(affix: Affix, whole: &Value, part: &Value) -> Result<bool, EvalError> {
    let bytes_of = |side: &str, value: &'_ Value| -> Result<Vec<u8>, EvalError> {
        match value {
            Value::Bytes(bytes) => Ok(bytes.clone()),
            other => string_of(other)
                .map(|text| text.as_bytes().to_vec())
                .ok_or_else(|| {
                    EvalError(format!(
                        "`{}` needs a string or bytes on its {side}, found {}",
                        affix.operator(),
                        type_name_with_article(other)
                    ))
                }),
        }
    };
    let whole = bytes_of("left", whole)?;
    let part = bytes_of("right", part)?;
    Ok(match affix {
        Affix::Start => whole.starts_with(&part),
        Affix::End => whole.ends_with(&part),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::test_values::*;
    use crate::value::*;
    use serde_json::json;

    #[test]
    fn starts_and_ends_with() {
        assert!(affix(Affix::Start, &text("hello"), &text("he")).unwrap());
        assert!(!affix(Affix::Start, &text("hello"), &text("lo")).unwrap());
        assert!(affix(Affix::End, &Value::Json(json!("hello")), &text("lo")).unwrap());
        assert!(
            affix(
                Affix::Start,
                &Value::Bytes(b"\x89PNG".to_vec()),
                &Value::Bytes(vec![0x89])
            )
            .unwrap()
        );
        assert!(affix(Affix::End, &Value::Bytes(b"abc".to_vec()), &text("bc")).unwrap());
        assert_eq!(
            affix(Affix::Start, &Value::Int(12), &text("1"))
                .unwrap_err()
                .0,
            "`starts with` needs a string or bytes on its left, found an int"
        );
        assert_eq!(
            affix(Affix::End, &text("a"), &Value::Json(json!([1])))
                .unwrap_err()
                .0,
            "`ends with` needs a string or bytes on its right, found a json array"
        );
    }

    #[test]
    fn contains_and_in() {
        assert_eq!(
            contains(
                &text("application/json; charset=utf-8"),
                &text("application/json")
            ),
            Ok(true)
        );
        assert_eq!(contains(&text("abc"), &text("x")), Ok(false));
        assert_eq!(contains(&text("abc"), &text("")), Ok(true));
        assert!(contains(&text("abc"), &Value::Int(1)).is_err());
        assert_eq!(
            contains(&Value::Json(json!("hello")), &text("ell")),
            Ok(true)
        );
        let list = Value::List(vec![text("admin"), text("user"), Value::Int(1)]);
        assert_eq!(contains(&list, &text("user")), Ok(true));
        assert_eq!(contains(&list, &Value::Float(1.0)), Ok(true));
        assert_eq!(contains(&list, &text("root")), Ok(false));
        assert_eq!(contains(&list, &Value::Json(json!("admin"))), Ok(true));
        let array = Value::Json(json!([1, "two", {"a": 1}]));
        assert_eq!(contains(&array, &Value::Int(1)), Ok(true));
        assert_eq!(contains(&array, &text("two")), Ok(true));
        assert_eq!(contains(&array, &object(&[("a", Value::Int(1))])), Ok(true));
        assert_eq!(contains(&array, &text("1")), Ok(false));
        let headers = object(&[("content-type", text("text/plain"))]);
        assert_eq!(contains(&headers, &text("content-type")), Ok(true));
        assert_eq!(contains(&headers, &text("Content-Type")), Ok(true));
        assert_eq!(contains(&headers, &text("x-id")), Ok(false));
        assert!(contains(&headers, &Value::Int(1)).is_err());
        assert_eq!(
            contains(&Value::Json(json!({"id": 1})), &text("id")),
            Ok(true)
        );
        assert_eq!(
            contains(
                &Value::Bytes(b"hello".to_vec()),
                &Value::Bytes(b"ll".to_vec())
            ),
            Ok(true)
        );
        assert!(contains(&Value::Int(12), &Value::Int(1)).is_err());
        assert!(contains(&Value::Json(json!(12)), &Value::Int(1)).is_err());
    }

    #[test]
    fn regex_matches_unanchored_and_errors() {
        assert_eq!(
            matches(&text("{\"status\":1}"), &text("^\\{\"status\"")),
            Ok(true)
        );
        assert_eq!(matches(&text("abc123"), &text("[0-9]+")), Ok(true));
        assert_eq!(matches(&text("abc"), &text("^b")), Ok(false));
        assert_eq!(
            matches(&Value::Json(json!("x-42")), &text("\\d+")),
            Ok(true)
        );
        assert!(err(matches(&text("a"), &text("("))).contains("invalid regular expression"));
        assert!(matches(&text("a"), &text("a{100000}{100000}")).is_err());
        assert!(matches(&Value::Int(1), &text("1")).is_err());
        assert!(matches(&text("1"), &Value::Int(1)).is_err());
        // Twice: the second comes from the cache.
        assert_eq!(matches(&text("abc123"), &text("[0-9]+")), Ok(true));
    }
}
