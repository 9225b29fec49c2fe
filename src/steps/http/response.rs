//! The result record of an HTTP step (and of each response a `load` check reads):
//! the fields the `http` kind's schema declares, each made from an [`HttpResponse`]
//! when first read (`ResponseRecord`).
//! `body` is text in the charset the `content-type` names; `headers` gives one
//! value per name (repeats joined by `, `), `header_values` every value as a
//! list; `set_cookies` the cookies this response set with their attributes;
//! `cookies` what the test's jar holds for the URL. It must not import `run`.

use super::client::HttpResponse;
use crate::steps::exec::{Cause, FieldError, FieldValue, JsonBody, JsonKey, Record};
use crate::value::Value;
use std::borrow::Borrow;
use std::sync::OnceLock;

/// The fields of the `http` kind's result record, in the order its schema
/// declares them (`kind.rs`).
const FIELDS: [&str; 12] = [
    "status",
    "headers",
    "header_values",
    "body",
    "raw",
    "body_bytes",
    "json",
    "duration",
    "url",
    "version",
    "cookies",
    "set_cookies",
];
const JSON: usize = 6;

/// The result record of an HTTP step (and of each response a `load` check
/// reads): each field is made from the response when first read, and kept. A
/// test reads one or two fields of a response; making all of them (headers
/// twice, the body as text and twice as bytes, the cookies) for every step cost
/// more than the rest of the step's own work (callgrind, docs/performance.md).
/// `json` is parsed when read, and a path into it is read from the text without
/// the tree (`JsonBody`). `R` is the response, owned (a step's) or borrowed (a
/// load's, for its `check`).
pub struct ResponseRecord<R> {
    response: R,
    made: [OnceLock<FieldValue>; FIELDS.len()],
    /// The body as text, for `body` and `json`; `None` for a response without a
    /// body, which has no `json`.
    json: Option<JsonBody>,
}

impl<R: Borrow<HttpResponse>> ResponseRecord<R> {
    pub fn new(response: R) -> ResponseRecord<R> {
        let made = Default::default();
        let json = {
            let response = response.borrow();
            (!response.body.is_empty()).then(|| {
                let content_type = response.header("content-type");
                let text = body_text(&response.body, content_type.as_deref());
                JsonBody::new(text, move |body, error| {
                    // What the server said it sent, and the start of what it sent:
                    // an HTML error page or plain text shows for what it is.
                    let content_type = match &content_type {
                        Some(content_type) => format!("`content-type: {content_type}`"),
                        None => "no `content-type`".to_string(),
                    };
                    let preview: String = body.chars().take(80).collect();
                    FieldError::not_json(format!(
                        "the response body is not JSON ({content_type}; {error}); it starts with {preview:?}"
                    ))
                })
            })
        };
        ResponseRecord {
            response,
            made,
            json,
        }
    }

    /// The field at `index` of `FIELDS` (not `json`), made now.
    fn make(&self, index: usize) -> FieldValue {
        let response = self.response.borrow();
        let text_map = |pairs: Vec<(String, String)>| {
            Value::Object(
                pairs
                    .into_iter()
                    .map(|(name, value)| (name, Value::String(value)))
                    .collect(),
            )
        };
        Ok(match FIELDS[index] {
            "status" => Value::Int(i64::from(response.status)),
            "headers" => text_map(response.joined_headers()),
            "header_values" => Value::Object(
                response
                    .header_lists()
                    .into_iter()
                    .map(|(name, values)| {
                        (
                            name,
                            Value::List(values.into_iter().map(Value::String).collect()),
                        )
                    })
                    .collect(),
            ),
            "body" => Value::String(
                self.json
                    .as_ref()
                    .map_or_else(String::new, |json| json.text().to_string()),
            ),
            "raw" => Value::Bytes(
                response
                    .encoded
                    .clone()
                    .unwrap_or_else(|| response.body.clone()),
            ),
            // What `body` is read from: the bytes once a content coding is undone,
            // before any charset (Hurl's `bytes`, `sha256` and `md5` read these).
            "body_bytes" => Value::Bytes(response.body.clone()),
            "duration" => Value::Duration(response.duration),
            "url" => Value::String(response.url.clone()),
            "version" => Value::String(response.version.to_string()),
            "cookies" => text_map(response.cookies.clone()),
            "set_cookies" => set_cookies(response),
            other => unreachable!("`{other}` is made by `field`"),
        })
    }
}

impl<R: Borrow<HttpResponse> + Send + Sync> Record for ResponseRecord<R> {
    fn field(&self, name: &str) -> Option<&FieldValue> {
        let index = FIELDS.iter().position(|field| *field == name)?;
        Some(match (index, &self.json) {
            (JSON, Some(json)) => json.field(),
            (JSON, None) => self.made[JSON].get_or_init(|| {
                Err(FieldError {
                    cause: Cause::NoBody,
                    message: "the response has no body, so it has no `json`".to_string(),
                })
            }),
            _ => self.made[index].get_or_init(|| self.make(index)),
        })
    }

    fn field_at(&self, name: &str, path: &[JsonKey]) -> Option<serde_json::Value> {
        if name != FIELDS[JSON] {
            return None;
        }
        self.json.as_ref()?.at(path)
    }

    fn all_fields(&self) -> Vec<(String, FieldValue)> {
        FIELDS
            .iter()
            .filter_map(|name| Some((name.to_string(), self.field(name)?.clone())))
            .collect()
    }
}

/// The body as text: in the charset the `content-type` names (`latin1`,
/// `windows-1252`, `shift_jis`, … as browsers read the label), else UTF-8; bytes
/// that do not fit read as U+FFFD.
fn body_text(body: &[u8], content_type: Option<&str>) -> String {
    let charset = content_type.and_then(charset);
    let encoding = charset
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .filter(|encoding| *encoding != encoding_rs::UTF_8);
    match encoding {
        Some(encoding) => encoding.decode_without_bom_handling(body).0.into_owned(),
        // Valid UTF-8 (nearly every body) is checked word by word and copied once;
        // `from_utf8_lossy` alone walks it a byte at a time (callgrind).
        None => match std::str::from_utf8(body) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(body).into_owned(),
        },
    }
}

/// The `charset` parameter of a `content-type` value, unquoted.
fn charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// `set_cookies`: each cookie this response's `Set-Cookie` headers set, by name
/// (a name set twice: the last), as a record of its value and attributes. An
/// attribute the header does not give is absent (read it with `exists` or `??`);
/// `secure` and `httponly` are always there.
fn set_cookies(response: &HttpResponse) -> Value {
    let mut cookies: Vec<(String, Value)> = Vec::new();
    for header in response
        .headers
        .iter()
        .filter(|(name, _)| name == "set-cookie")
    {
        let Some((name, record)) = cookie_record(&header.1) else {
            continue;
        };
        cookies.retain(|(known, _)| *known != name);
        cookies.push((name, record));
    }
    Value::Object(cookies)
}

/// One `Set-Cookie` value (RFC 6265 §5.2): `name=value; Attr=…; Flag`.
fn cookie_record(header: &str) -> Option<(String, Value)> {
    let mut parts = header.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(value);
    let mut fields: Vec<(String, Value)> =
        vec![("value".to_string(), Value::String(value.to_string()))];
    let mut secure = false;
    let mut http_only = false;
    for attribute in parts {
        let (key, argument) = match attribute.split_once('=') {
            Some((key, argument)) => (key.trim(), Some(argument.trim())),
            None => (attribute.trim(), None),
        };
        let field = match (key.to_ascii_lowercase().as_str(), argument) {
            ("secure", _) => {
                secure = true;
                continue;
            }
            ("httponly", _) => {
                http_only = true;
                continue;
            }
            ("expires", Some(date)) => ("expires", Value::String(date.to_string())),
            ("max-age", Some(seconds)) => match seconds.parse::<i64>() {
                Ok(seconds) => ("max_age", Value::Int(seconds)),
                Err(_) => continue,
            },
            ("domain", Some(domain)) => ("domain", Value::String(domain.to_string())),
            ("path", Some(path)) => ("path", Value::String(path.to_string())),
            ("samesite", Some(mode)) => ("samesite", Value::String(mode.to_string())),
            _ => continue,
        };
        fields.retain(|(known, _)| known != field.0);
        fields.push((field.0.to_string(), field.1));
    }
    fields.push(("secure".to_string(), Value::Bool(secure)));
    fields.push(("httponly".to_string(), Value::Bool(http_only)));
    Some((name.to_string(), Value::Object(fields)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_cookie_header_becomes_a_record() {
        let (name, record) = cookie_record(
            "sid=\"abc\"; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=60; Domain=example.com; \
             Path=/app; Secure; HttpOnly; SameSite=Lax",
        )
        .unwrap();
        assert_eq!(name, "sid");
        assert_eq!(
            crate::value::to_json(&record),
            serde_json::json!({
                "value": "abc",
                "expires": "Wed, 21 Oct 2037 07:28:00 GMT",
                "max_age": 60,
                "domain": "example.com",
                "path": "/app",
                "samesite": "Lax",
                "secure": true,
                "httponly": true,
            })
        );
    }

    #[test]
    fn absent_attributes_are_absent_and_flags_false() {
        let (_, record) = cookie_record("theme=dark").unwrap();
        assert_eq!(
            crate::value::to_json(&record),
            serde_json::json!({"value": "dark", "secure": false, "httponly": false})
        );
        assert!(cookie_record("no equals sign").is_none());
    }

    #[test]
    fn the_record_has_the_fields_the_schema_declares_in_its_order() {
        let schema = crate::steps::schema::of(crate::steps::by_name("http").unwrap());
        let declared: Vec<&str> = schema.result.iter().map(|(name, _)| *name).collect();
        assert_eq!(declared, FIELDS);
    }

    fn response(headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            status: 201,
            headers: headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            encoded: None,
            duration: std::time::Duration::from_millis(3),
            head_after: None,
            connecting: None,
            url: "http://127.0.0.1:1/x".to_string(),
            cookies: Vec::new(),
            version: "HTTP/1.1",
        }
    }

    fn read(record: &dyn Record, name: &str) -> serde_json::Value {
        crate::value::to_json(record.field(name).unwrap().as_ref().unwrap())
    }

    #[test]
    fn each_field_is_made_from_the_response_when_read() {
        let record = ResponseRecord::new(response(
            &[
                ("content-type", "application/json"),
                ("x-a", "1"),
                ("x-a", "2"),
                ("set-cookie", "sid=abc; HttpOnly"),
            ],
            r#"{"items": [{"sku": "S-1"}]}"#,
        ));
        // A path is read from the text while the tree is not built yet.
        assert_eq!(
            record.field_at("json", &[JsonKey::Member("items"), JsonKey::Index(0)]),
            Some(serde_json::json!({"sku": "S-1"}))
        );
        assert_eq!(read(&record, "status"), serde_json::json!(201));
        assert_eq!(read(&record, "headers")["x-a"], "1, 2");
        assert_eq!(
            read(&record, "header_values")["x-a"],
            serde_json::json!(["1", "2"])
        );
        assert_eq!(read(&record, "body"), r#"{"items": [{"sku": "S-1"}]}"#);
        assert_eq!(read(&record, "json")["items"][0]["sku"], "S-1");
        assert_eq!(read(&record, "set_cookies")["sid"]["httponly"], true);
        assert_eq!(read(&record, "url"), "http://127.0.0.1:1/x");
        assert!(record.field("no_such_field").is_none());
        let names: Vec<String> = record
            .all_fields()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(names, FIELDS);
    }

    #[test]
    fn a_body_that_is_not_json_fails_only_its_json_and_no_body_has_none() {
        let record = ResponseRecord::new(response(&[("content-type", "text/html")], "<p>hi</p>"));
        assert_eq!(read(&record, "body"), "<p>hi</p>");
        let error = record.field("json").unwrap().as_ref().unwrap_err();
        assert_eq!(error.cause, Cause::NotJson);
        assert!(
            error.message.contains("`content-type: text/html`"),
            "{}",
            error.message
        );
        let empty = ResponseRecord::new(response(&[], ""));
        assert_eq!(read(&empty, "body"), "");
        let error = empty.field("json").unwrap().as_ref().unwrap_err();
        assert_eq!(error.cause, Cause::NoBody);
        assert_eq!(empty.field_at("json", &[JsonKey::Index(0)]), None);
    }

    #[test]
    fn the_charset_parameter_is_read() {
        assert_eq!(
            charset("text/plain; charset=\"ISO-8859-1\"").as_deref(),
            Some("ISO-8859-1")
        );
        assert_eq!(charset("text/plain"), None);
    }
}
