//! The typed config of an HTTP request (`http` steps, and `load`'s request): the
//! names of its clauses, which `request_clauses` declares and `HttpConfig::read`
//! alone reads, so the two cannot drift (the test below).

use super::client::{MultipartField, RequestBody};
use crate::steps::config::{ClauseReader, ConfigError, TIMEOUT, pairs_of, text_of};
use crate::steps::context::StepPart;
use crate::value::{Value, to_json};
use std::time::Duration;

pub const HEADERS: &str = "headers";
pub const QUERY: &str = "query";
pub const JSON: &str = "json";
pub const FORM: &str = "form";
pub const MULTIPART: &str = "multipart";
pub const BODY: &str = "body";
pub const FOLLOW_REDIRECTS: &str = "follow redirects";
pub const INSECURE: &str = "insecure";

/// An HTTP request's clauses, evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpConfig {
    /// Sent in order.
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    /// At most one of `json`, `form`, `multipart`, `body` (the checker refuses two).
    pub body: RequestBody,
    /// `None`: the run's `--timeout`.
    pub timeout: Option<Duration>,
    pub follow_redirects: bool,
    pub insecure: bool,
}

impl HttpConfig {
    /// The config of a step with these clauses.
    pub fn from_clauses(clauses: &[(String, Option<Value>)]) -> Result<HttpConfig, ConfigError> {
        HttpConfig::read(&ClauseReader::new(clauses))
    }

    /// The one place that reads an HTTP request's clauses by name.
    pub fn read(clauses: &ClauseReader<'_>) -> Result<HttpConfig, ConfigError> {
        // The body first: the order the request is described in.
        let body = if let Some(value) = clauses.value(JSON) {
            RequestBody::Json(to_json(value))
        } else if let Some(value) = clauses.value(FORM) {
            RequestBody::Form(pairs_of(FORM, value)?)
        } else if let Some(value) = clauses.value(MULTIPART) {
            RequestBody::Multipart(multipart(value)?)
        } else if let Some(bytes) = clauses.bytes(BODY)? {
            RequestBody::Raw(bytes)
        } else {
            RequestBody::None
        };
        Ok(HttpConfig {
            body,
            headers: clauses.pairs(HEADERS)?,
            query: match clauses.value(QUERY) {
                Some(value) => query_pairs(value)?,
                None => Vec::new(),
            },
            timeout: clauses.duration(TIMEOUT)?,
            follow_redirects: clauses.flag(FOLLOW_REDIRECTS),
            insecure: clauses.flag(INSECURE),
        })
    }
}

/// `query { … }` as pairs: a list is its key repeated, once per item (`ids: [1, 2]`
/// is `ids=1&ids=2`), as servers read a repeated parameter.
fn query_pairs(value: &Value) -> Result<Vec<(String, String)>, ConfigError> {
    let entries: Vec<(String, Value)> = match value {
        Value::Object(entries) => entries.clone(),
        Value::Json(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(key, value)| (key.clone(), Value::Json(value.clone())))
            .collect(),
        // Not an object: refused with the words every object option uses.
        other => return pairs_of(QUERY, other),
    };
    let mut pairs = Vec::new();
    for (key, value) in &entries {
        match value {
            Value::List(items) => {
                for item in items {
                    pairs.push((key.clone(), text_of(QUERY, item)?));
                }
            }
            Value::Json(serde_json::Value::Array(items)) => {
                for item in items {
                    pairs.push((key.clone(), text_of(QUERY, &Value::Json(item.clone()))?));
                }
            }
            single => pairs.push((key.clone(), text_of(QUERY, single)?)),
        }
    }
    Ok(pairs)
}

/// The fields and `file(…)` parts of a `multipart` body.
fn multipart(value: &Value) -> Result<Vec<MultipartField>, ConfigError> {
    let Value::Object(entries) = value else {
        return Err(ConfigError {
            part: StepPart::Option(MULTIPART),
            message: "`multipart` takes an object of fields and `file(…)` parts".to_string(),
        });
    };
    entries
        .iter()
        .map(|(name, value)| match value {
            Value::File(part) => Ok(MultipartField::File {
                name: name.clone(),
                part: (**part).clone(),
            }),
            other => Ok(MultipartField::Text {
                name: name.clone(),
                value: text_of(MULTIPART, other)?,
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::config::assert_reads_exactly;

    #[test]
    fn reads_exactly_the_clauses_the_schema_declares() {
        assert_reads_exactly("http", &super::super::kind::schema().clauses, |clauses| {
            let _ = HttpConfig::read(clauses);
        });
    }

    #[test]
    fn reads_each_clause_into_its_field() {
        let object = |pairs: &[(&str, &str)]| {
            Some(Value::Object(
                pairs
                    .iter()
                    .map(|(key, value)| (key.to_string(), Value::String(value.to_string())))
                    .collect(),
            ))
        };
        let clauses = vec![
            (HEADERS.to_string(), object(&[("x-a", "1")])),
            (QUERY.to_string(), object(&[("q", "two words")])),
            (BODY.to_string(), Some(Value::String("raw".to_string()))),
            (
                TIMEOUT.to_string(),
                Some(Value::Duration(Duration::from_secs(3))),
            ),
            (FOLLOW_REDIRECTS.to_string(), None),
        ];
        let config = HttpConfig::from_clauses(&clauses).expect("a valid config");
        assert_eq!(config.headers, vec![("x-a".to_string(), "1".to_string())]);
        assert_eq!(
            config.query,
            vec![("q".to_string(), "two words".to_string())]
        );
        assert_eq!(config.body, RequestBody::Raw(b"raw".to_vec()));
        assert_eq!(config.timeout, Some(Duration::from_secs(3)));
        assert!(config.follow_redirects);
        assert!(!config.insecure);
    }

    #[test]
    fn a_value_of_the_wrong_shape_is_an_error_at_its_clause() {
        let clauses = vec![(HEADERS.to_string(), Some(Value::Int(3)))];
        let error = HttpConfig::from_clauses(&clauses).expect_err("headers must be an object");
        assert!(matches!(error.part, StepPart::Option(HEADERS)));
        assert_eq!(error.message, "`headers` takes an object, not an int");
    }
}
