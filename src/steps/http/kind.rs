//! What the `http` step kind declares: its words, its schema and its executor.

use super::config::{BODY, FOLLOW_REDIRECTS, FORM, HEADERS, INSECURE, JSON, MULTIPART, QUERY};
use crate::steps::StepKind;
use crate::steps::config::TIMEOUT;
use crate::steps::exec::StepExecutor;
use crate::steps::schema::{OptionSpec, StepSchema, TargetText};
use crate::types::Type;
use std::sync::Arc;

pub struct Http;

impl StepKind for Http {
    fn name(&self) -> &'static str {
        "http"
    }

    fn keywords(&self) -> &'static [&'static str] {
        &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    }

    fn schema(&self) -> StepSchema {
        schema()
    }

    fn executor(&self) -> Option<Arc<dyn StepExecutor>> {
        Some(Arc::new(super::exec::HttpExecutor))
    }
}

/// The clauses of an HTTP request, shared with `load` (read by `HttpConfig::read`).
pub fn request_clauses() -> Vec<OptionSpec> {
    vec![
        OptionSpec::value(HEADERS, vec![Type::map(Type::Json)]),
        OptionSpec::value(QUERY, vec![Type::map(Type::Json)]),
        OptionSpec::body(JSON, vec![Type::Json]),
        OptionSpec::body(FORM, vec![Type::map(Type::Json)]),
        OptionSpec::body(MULTIPART, vec![Type::map(Type::Json)]),
        OptionSpec::body(BODY, vec![Type::String, Type::Bytes]),
        OptionSpec::value(TIMEOUT, vec![Type::Duration]),
        OptionSpec::flag(FOLLOW_REDIRECTS),
        OptionSpec::flag(INSECURE),
    ]
}

pub fn schema() -> StepSchema {
    StepSchema {
        name: "http",
        target_text: TargetText::Url,
        target: Type::String,
        clauses: request_clauses(),
        block_options: Vec::new(),
        result: vec![
            ("status", Type::Int),
            ("headers", Type::map(Type::String)),
            ("header_values", Type::map(Type::list(Type::String))),
            ("body", Type::String),
            ("raw", Type::Bytes),
            ("json", Type::Json),
            ("duration", Type::Duration),
            ("url", Type::String),
            ("cookies", Type::map(Type::String)),
            ("set_cookies", Type::map(set_cookie_record())),
        ],
    }
}

/// What `set_cookies[name]` holds: the cookie's value and the attributes its
/// `Set-Cookie` gave (`expires`, `max_age`, `domain`, `path`, `samesite` only
/// when given; `secure` and `httponly` always).
fn set_cookie_record() -> Type {
    Type::record(&[
        ("value", Type::String),
        ("expires", Type::String),
        ("max_age", Type::Int),
        ("domain", Type::String),
        ("path", Type::String),
        ("secure", Type::Bool),
        ("httponly", Type::Bool),
        ("samesite", Type::String),
    ])
}
