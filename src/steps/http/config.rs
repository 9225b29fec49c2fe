//! The typed config of an HTTP request (`http` steps, and `load`'s request): the
//! names of its clauses, which `request_clauses` declares and `HttpConfig::read`
//! alone reads, so the two cannot drift (the test below); and the clauses only an
//! `http` step takes (`user`, `delay`, `max redirects`, `version`, `proxy`,
//! `resolve`, `connect to`, `path as is`, `sigv4`, `limit rate`, `cacert`, `cert`, `key`, `netrc`:
//! `step_clauses`, read by
//! `HttpStepConfig::read`).

use super::client::{MultipartField, RequestBody};
use super::connect_to::ConnectTo;
use super::sigv4::SigningScope;
use super::transport::{HttpVersion, Resolve};
use crate::steps::config::{ClauseReader, ConfigError, TIMEOUT, pairs_of, text_of};
use crate::steps::context::StepPart;
use crate::value::{Value, describe, to_json};
use std::time::Duration;

pub const HEADERS: &str = "headers";
pub const QUERY: &str = "query";
pub const JSON: &str = "json";
pub const FORM: &str = "form";
pub const MULTIPART: &str = "multipart";
pub const BODY: &str = "body";
pub const GRAPHQL: &str = "graphql";
pub const VARIABLES: &str = "variables";
pub const FOLLOW_REDIRECTS: &str = "follow redirects";
pub const INSECURE: &str = "insecure";
pub const USER: &str = "user";
pub const DELAY: &str = "delay";
pub const MAX_REDIRECTS: &str = "max redirects";
pub const VERSION: &str = "version";
pub const PROXY: &str = "proxy";
pub const RESOLVE: &str = "resolve";
pub const CONNECT_TO: &str = "connect to";
pub const PATH_AS_IS: &str = "path as is";
pub const SIGV4: &str = "sigv4";
pub const LIMIT_RATE: &str = "limit rate";
pub const CACERT: &str = "cacert";
pub const CERT: &str = "cert";
pub const KEY: &str = "key";
pub const NETRC: &str = "netrc";

/// An `http` step's clauses, evaluated: its request's, and those of the step
/// alone (a `load` takes none of them).
#[derive(Clone, Debug, PartialEq)]
pub struct HttpStepConfig {
    pub request: HttpConfig,
    /// `user "name:password"`: sent as `Authorization: Basic …` unless the
    /// step gives an `Authorization` header; masked in every output.
    pub user: Option<String>,
    /// Waited before the request is sent (outside the step's timeout).
    pub delay: Option<Duration>,
    /// Follow redirects, at most this many.
    pub max_redirects: Option<usize>,
    pub version: Option<HttpVersion>,
    pub proxy: Option<String>,
    pub resolve: Vec<Resolve>,
    /// `connect to "host:port:other-host:other-port"` entries.
    pub connect_to: Vec<ConnectTo>,
    /// `path as is`: send the URL's path with its `.` and `..` segments.
    pub path_as_is: bool,
    /// `sigv4 "aws:amz:REGION:SERVICE"`: sign with `user`'s key and secret.
    pub sigv4: Option<SigningScope>,
    /// `limit rate N`: read the response at most N bytes a second.
    pub limit_rate: Option<u64>,
    /// Paths of PEM files, relative to the step's file's folder.
    pub cacert: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
    /// `netrc "path"`: basic auth from the file's entry for the URL's host
    /// (`~/` is the home folder), unless `user` is given.
    pub netrc: Option<String>,
}

impl HttpStepConfig {
    /// The config of a step with these clauses.
    pub fn from_clauses(
        clauses: &[(String, Option<Value>)],
    ) -> Result<HttpStepConfig, ConfigError> {
        HttpStepConfig::read(&ClauseReader::new(clauses))
    }

    /// The one place that reads an `http` step's clauses by name.
    pub fn read(clauses: &ClauseReader<'_>) -> Result<HttpStepConfig, ConfigError> {
        let max_redirects = match clauses.value(MAX_REDIRECTS) {
            None => None,
            Some(Value::Int(count)) => Some(usize::try_from(*count).map_err(|_| ConfigError {
                part: StepPart::Option(MAX_REDIRECTS),
                message: format!("`max redirects` must be at least 0, not {count}"),
            })?),
            Some(other) => {
                return Err(ConfigError {
                    part: StepPart::Option(MAX_REDIRECTS),
                    message: format!("`max redirects` takes an int, not {}", describe(other)),
                });
            }
        };
        let version = parsed(clauses, VERSION, HttpVersion::named)?;
        let resolve = entries(clauses, RESOLVE, Resolve::parse)?;
        let connect_to = entries(clauses, CONNECT_TO, ConnectTo::parse)?;
        Ok(HttpStepConfig {
            request: HttpConfig::read(clauses)?,
            user: clauses.text(USER)?,
            delay: clauses.duration(DELAY)?,
            max_redirects,
            version,
            proxy: clauses.text(PROXY)?,
            resolve,
            connect_to,
            path_as_is: clauses.flag(PATH_AS_IS),
            limit_rate: limit_rate(clauses)?,
            sigv4: parsed(clauses, SIGV4, SigningScope::parse)?,
            cacert: clauses.text(CACERT)?,
            cert: clauses.text(CERT)?,
            key: clauses.text(KEY)?,
            netrc: clauses.text(NETRC)?,
        })
    }
}

/// `limit rate`: a size (`64KB`) or an int of bytes, a second; at least 1.
fn limit_rate(clauses: &ClauseReader<'_>) -> Result<Option<u64>, ConfigError> {
    let bytes = match clauses.value(LIMIT_RATE) {
        None => return Ok(None),
        Some(Value::Size(bytes)) => Some(*bytes),
        Some(Value::Int(bytes)) => u64::try_from(*bytes).ok(),
        Some(other) => {
            return Err(ConfigError {
                part: StepPart::Option(LIMIT_RATE),
                message: format!(
                    "`limit rate` takes a size a second (`64KB`), not {}",
                    describe(other)
                ),
            });
        }
    };
    match bytes {
        Some(bytes) if bytes > 0 => Ok(Some(bytes)),
        _ => Err(ConfigError {
            part: StepPart::Option(LIMIT_RATE),
            message: "`limit rate` must be at least 1 byte a second".to_string(),
        }),
    }
}

/// A clause of one text that `parse` reads (`version`, `sigv4`).
fn parsed<T>(
    clauses: &ClauseReader<'_>,
    clause: &'static str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    clauses
        .text(clause)?
        .map(|text| parse(&text))
        .transpose()
        .map_err(|message| ConfigError {
            part: StepPart::Option(clause),
            message,
        })
}

/// A clause of one text entry or a list of them (`resolve`, `connect to`),
/// each read by `parse`.
fn entries<T>(
    clauses: &ClauseReader<'_>,
    clause: &'static str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, ConfigError> {
    let one = |value: &Value| {
        parse(&text_of(clause, value)?).map_err(|message| ConfigError {
            part: StepPart::Option(clause),
            message,
        })
    };
    match clauses.value(clause) {
        None => Ok(Vec::new()),
        Some(Value::List(items)) => items.iter().map(one).collect(),
        Some(single) => Ok(vec![one(single)?]),
    }
}

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
        let variables = clauses.value(VARIABLES);
        let body = if let Some(value) = clauses.value(JSON) {
            RequestBody::Json(to_json(value))
        } else if let Some(value) = clauses.value(FORM) {
            RequestBody::Form(pairs_of(FORM, value)?)
        } else if let Some(value) = clauses.value(MULTIPART) {
            RequestBody::Multipart(multipart(value)?)
        } else if let Some(Value::File(part)) = clauses.value(BODY) {
            // `body file("x.bin")`: the file's bytes, as they are.
            RequestBody::Raw(part.content.clone())
        } else if let Some(bytes) = clauses.bytes(BODY)? {
            RequestBody::Raw(bytes)
        } else if let Some(query) = clauses.text(GRAPHQL)? {
            RequestBody::Json(graphql(query, variables))
        } else {
            RequestBody::None
        };
        Ok(HttpConfig {
            body,
            headers: headers(clauses)?,
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

/// The step's `headers`, then those its file's `defaults` and the command line
/// (`--header`) add: a name given earlier is not given again (case ignored).
fn headers(clauses: &ClauseReader<'_>) -> Result<Vec<(String, String)>, ConfigError> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for (layer, value) in clauses.values(HEADERS).into_iter().enumerate() {
        let given = headers.len();
        for (name, text) in pairs_of(HEADERS, value)? {
            // A layer's own repeated names stay; a later layer adds only new ones.
            let earlier = headers
                .get(..given)
                .unwrap_or_default()
                .iter()
                .any(|(known, _)| known.eq_ignore_ascii_case(&name));
            if layer == 0 || !earlier {
                headers.push((name, text));
            }
        }
    }
    Ok(headers)
}

/// A GraphQL request as it goes over HTTP POST: `{"query": …}`, with
/// `"variables"` when the step gives them.
fn graphql(query: String, variables: Option<&Value>) -> serde_json::Value {
    let mut request = serde_json::Map::new();
    request.insert("query".to_string(), serde_json::Value::String(query));
    if let Some(variables) = variables {
        request.insert("variables".to_string(), to_json(variables));
    }
    serde_json::Value::Object(request)
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
            let _ = HttpStepConfig::read(clauses);
        });
    }

    #[test]
    fn reads_the_step_clauses() {
        let clauses = vec![
            (
                USER.to_string(),
                Some(Value::String("ann:pw1234".to_string())),
            ),
            (
                DELAY.to_string(),
                Some(Value::Duration(Duration::from_millis(20))),
            ),
            (MAX_REDIRECTS.to_string(), Some(Value::Int(3))),
            (
                VERSION.to_string(),
                Some(Value::String("HTTP/2".to_string())),
            ),
            (
                RESOLVE.to_string(),
                Some(Value::List(vec![Value::String(
                    "a.test:80:127.0.0.1".to_string(),
                )])),
            ),
        ];
        let config = HttpStepConfig::from_clauses(&clauses).expect("a valid config");
        assert_eq!(config.user.as_deref(), Some("ann:pw1234"));
        assert_eq!(config.delay, Some(Duration::from_millis(20)));
        assert_eq!(config.max_redirects, Some(3));
        assert_eq!(config.version, Some(HttpVersion::Http2));
        assert_eq!(config.resolve.len(), 1);
        let wrong = vec![(
            VERSION.to_string(),
            Some(Value::String("HTTP/3".to_string())),
        )];
        let error = HttpStepConfig::from_clauses(&wrong).expect_err("HTTP/3 is not offered");
        assert!(matches!(error.part, StepPart::Option(VERSION)));
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
        let graphql = vec![
            (
                GRAPHQL.to_string(),
                Some(Value::String("{ hero }".to_string())),
            ),
            (VARIABLES.to_string(), object(&[("id", "7")])),
        ];
        let graphql_config = HttpConfig::from_clauses(&graphql).expect("a valid config");
        assert_eq!(
            graphql_config.body,
            RequestBody::Json(serde_json::json!({"query": "{ hero }", "variables": {"id": "7"}}))
        );
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
