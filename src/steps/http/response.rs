//! The result record of an HTTP step (and of each response a `load` check reads):
//! the fields the `http` kind's schema declares, made from an [`HttpResponse`].
//! `body` is text in the charset the `content-type` names; `headers` gives one
//! value per name (repeats joined by `, `), `header_values` every value as a
//! list; `set_cookies` the cookies this response set with their attributes;
//! `cookies` what the test's jar holds for the URL. It must not import `run`.

use super::client::HttpResponse;
use crate::steps::exec::{Cause, FieldError, FieldValue, JsonBody, JsonField};
use crate::value::Value;

/// The result record of an HTTP step (the fields its schema declares), every
/// field made (a `load` check reads each response's this way).
pub fn response_fields(response: &HttpResponse) -> Vec<(String, FieldValue)> {
    let (mut fields, json) = response_fields_json_unread(response);
    if let Some(json) = json {
        let position = json.position.min(fields.len());
        fields.insert(position, (json.name.to_string(), json.body.into_field()));
    }
    fields
}

/// The same record with its `json` left as the body's text, parsed when first
/// read (`JsonBody`): most tests read a path or two of a body, and a step whose
/// `json` is never read does not build its tree at all. `None` when the field is
/// made already (a response without a body has no `json`, which needs no parse).
pub fn response_fields_json_unread(
    response: &HttpResponse,
) -> (Vec<(String, FieldValue)>, Option<JsonField>) {
    let body = body_text(response);
    let json = if response.body.is_empty() {
        Err(FieldError {
            cause: Cause::NoBody,
            message: "the response has no body, so it has no `json`".to_string(),
        })
    } else {
        let content_type = match response.header("content-type") {
            Some(content_type) => format!("`content-type: {content_type}`"),
            None => "no `content-type`".to_string(),
        };
        Ok(JsonBody::new(body.clone(), move |body, error| {
            // What the server said it sent, and the start of what it sent:
            // an HTML error page or plain text shows for what it is.
            let preview: String = body.chars().take(80).collect();
            FieldError::not_json(format!(
                "the response body is not JSON ({content_type}; {error}); it starts with {preview:?}"
            ))
        }))
    };
    let text_map = |pairs: Vec<(String, String)>| {
        Value::Object(
            pairs
                .into_iter()
                .map(|(name, value)| (name, Value::String(value)))
                .collect(),
        )
    };
    let mut fields = vec![
        (
            "status".to_string(),
            Ok(Value::Int(i64::from(response.status))),
        ),
        (
            "headers".to_string(),
            Ok(text_map(response.joined_headers())),
        ),
        (
            "header_values".to_string(),
            Ok(Value::Object(
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
            )),
        ),
        ("body".to_string(), Ok(Value::String(body))),
        (
            "raw".to_string(),
            Ok(Value::Bytes(
                response
                    .encoded
                    .clone()
                    .unwrap_or_else(|| response.body.clone()),
            )),
        ),
        // What `body` is read from: the bytes once a content coding is undone,
        // before any charset (Hurl's `bytes`, `sha256` and `md5` read these).
        (
            "body_bytes".to_string(),
            Ok(Value::Bytes(response.body.clone())),
        ),
        (
            "duration".to_string(),
            Ok(Value::Duration(response.duration)),
        ),
        ("url".to_string(), Ok(Value::String(response.url.clone()))),
        (
            "version".to_string(),
            Ok(Value::String(response.version.to_string())),
        ),
        (
            "cookies".to_string(),
            Ok(text_map(response.cookies.clone())),
        ),
        ("set_cookies".to_string(), Ok(set_cookies(response))),
    ];
    // `json` stands after `body_bytes`, as the schema declares it.
    let position = fields
        .iter()
        .position(|(name, _)| name == "body_bytes")
        .map_or(fields.len(), |at| at + 1);
    match json {
        Ok(body) => (
            fields,
            Some(JsonField {
                name: "json",
                position,
                body,
            }),
        ),
        Err(error) => {
            fields.insert(position, ("json".to_string(), Err(error)));
            (fields, None)
        }
    }
}

/// The body as text: in the charset the `content-type` names (`latin1`,
/// `windows-1252`, `shift_jis`, … as browsers read the label), else UTF-8; bytes
/// that do not fit read as U+FFFD.
fn body_text(response: &HttpResponse) -> String {
    let charset = response
        .header("content-type")
        .and_then(|content_type| charset(&content_type));
    let encoding = charset
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .filter(|encoding| *encoding != encoding_rs::UTF_8);
    match encoding {
        Some(encoding) => encoding
            .decode_without_bom_handling(&response.body)
            .0
            .into_owned(),
        // Valid UTF-8 (nearly every body) is checked word by word and copied once;
        // `from_utf8_lossy` alone walks it a byte at a time (callgrind).
        None => match std::str::from_utf8(&response.body) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(&response.body).into_owned(),
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
    fn the_charset_parameter_is_read() {
        assert_eq!(
            charset("text/plain; charset=\"ISO-8859-1\"").as_deref(),
            Some("ISO-8859-1")
        );
        assert_eq!(charset("text/plain"), None);
    }
}
