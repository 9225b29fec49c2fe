//! Reading a JSON request body as an object, field by field, so that every missing
//! or malformed field is a `400 {"error"}` that names it, rather than the extractor's
//! generic rejection.

use serde_json::{Map, Value};

use crate::http_error::HttpError;

/// A request body that is a JSON object.
#[derive(Debug)]
pub struct JsonObject(Map<String, Value>);

impl JsonObject {
    /// Parses `body`; anything but a JSON object is a client error.
    pub fn parse(body: &[u8]) -> Result<JsonObject, HttpError> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(fields)) => Ok(JsonObject(fields)),
            Ok(_) => Err(HttpError::bad_request("the body must be a JSON object")),
            Err(error) => Err(HttpError::bad_request(format!(
                "the body is not valid JSON: {error}"
            ))),
        }
    }

    /// A non-empty string field.
    pub fn required_string(&self, field: &str) -> Result<&str, HttpError> {
        match self.0.get(field) {
            Some(Value::String(text)) if !text.trim().is_empty() => Ok(text),
            Some(Value::String(_)) => {
                Err(HttpError::bad_request(format!("{field} must not be empty")))
            }
            Some(_) => Err(HttpError::bad_request(format!("{field} must be a string"))),
            None => Err(HttpError::bad_request(format!("{field} is required"))),
        }
    }

    /// A string field that must look like an email address.
    pub fn required_email(&self, field: &str) -> Result<&str, HttpError> {
        let email = self.required_string(field)?;
        // Deliberately loose: something on each side of one '@' and no spaces. The
        // demo checks the shape of a request, not deliverability.
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !email.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if valid {
            Ok(email)
        } else {
            Err(HttpError::bad_request(format!(
                "{field} must be an email address"
            )))
        }
    }

    /// A whole number of at least 1.
    pub fn required_positive_integer(&self, field: &str) -> Result<i64, HttpError> {
        match self.0.get(field) {
            Some(value) => match value.as_i64() {
                Some(number) if number >= 1 => Ok(number),
                _ => Err(HttpError::bad_request(format!(
                    "{field} must be a whole number of at least 1"
                ))),
            },
            None => Err(HttpError::bad_request(format!("{field} is required"))),
        }
    }
}
