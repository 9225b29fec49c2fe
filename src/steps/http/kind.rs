//! What the `http` step kind declares: its words, its schema and its executor.

use super::config::{
    BODY, CACERT, CERT, CONNECT_TO, DELAY, FOLLOW_REDIRECTS, FORM, GRAPHQL, HEADERS, INSECURE,
    JSON, KEY, LIMIT_RATE, MAX_REDIRECTS, MULTIPART, NETRC, PATH_AS_IS, PROXY, QUERY, RESOLVE,
    SIGV4, USER, VARIABLES, VERSION,
};
use crate::steps::config::TIMEOUT;
use crate::steps::exec::StepExecutor;
use crate::steps::schema::{OptionSpec, Shape, StepSchema, TargetText};
use crate::steps::{StepChecker, StepKind};
use crate::syntax::ast::{Clause, Step};
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

    fn check(&self, step: &Step, checker: &mut dyn StepChecker) {
        super::check::check(&step.clauses, checker);
    }

    fn takes_defaults(&self) -> bool {
        true
    }

    fn check_defaults(&self, clauses: &[Clause], checker: &mut dyn StepChecker) {
        super::check::check(clauses, checker);
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
        OptionSpec::body(BODY, vec![Type::String, Type::Bytes, Type::File]).about(
            "`body text`, `body bytes` or `body file(\"x.bin\")`: sent byte for byte; the `body` field of an HTTP result",
        ),
        OptionSpec::body(GRAPHQL, vec![Type::String])
            .about("`graphql \"query { … }\" [variables {…}]`: a GraphQL request, POSTed as JSON"),
        OptionSpec::value(VARIABLES, vec![Type::map(Type::Json), Type::Json])
            .about("`variables {…}`: the variables of a `graphql` request"),
        OptionSpec::value(TIMEOUT, vec![Type::Duration]),
        OptionSpec::flag(FOLLOW_REDIRECTS),
        OptionSpec::flag(INSECURE),
    ]
}

/// The clauses of an `http` step that a `load`'s request does not take (read
/// by `HttpStepConfig::read`).
pub fn step_clauses() -> Vec<OptionSpec> {
    vec![
        OptionSpec::value(USER, vec![Type::String])
            .about("`user \"name:password\"`: HTTP basic auth, masked in every output"),
        OptionSpec::value(DELAY, vec![Type::Duration])
            .about("`delay D`: wait this long before sending"),
        OptionSpec::value(MAX_REDIRECTS, vec![Type::Int])
            .about("`max redirects N`: follow redirects, at most N"),
        OptionSpec::value(VERSION, vec![Type::String]).about(
            "`version \"HTTP/2\"`, `\"HTTP/1.1\"` or `\"HTTP/1.0\"`: speak only that version (h2c over plain HTTP)",
        ),
        OptionSpec::value(PROXY, vec![Type::String])
            .about("`proxy URL`: send the request through this proxy"),
        OptionSpec::value(RESOLVE, vec![Type::String, Type::list(Type::String)]).about(
            "`resolve \"host:port:address\"`: connect to this address for that host and port",
        ),
        OptionSpec::value(CONNECT_TO, vec![Type::String, Type::list(Type::String)]).about(
            "`connect to \"host:port:other-host:other-port\"`: connect to another host and port for that host and port, keeping the URL's name for `Host` and TLS",
        ),
        OptionSpec::flag(PATH_AS_IS).about(
            "`path as is`: send the URL's path as written, its `.` and `..` segments kept (plain http:// only)",
        ),
        OptionSpec::value(SIGV4, vec![Type::String]).about(
            "`sigv4 \"aws:amz:REGION:SERVICE\"`: sign the request with AWS Signature Version 4, with the key and secret of `user \"KEY:SECRET\"`",
        ),
        OptionSpec::value(LIMIT_RATE, vec![Type::Size, Type::Int]).about(
            "`limit rate 64KB`: read the response at most that much a second (an int: bytes)",
        ),
        OptionSpec::value(CACERT, vec![Type::String])
            .about("`cacert \"ca.pem\"`: trust this certificate authority too"),
        OptionSpec::value(CERT, vec![Type::String])
            .about("`cert \"client.pem\"`: present this client certificate"),
        OptionSpec::value(KEY, vec![Type::String])
            .about("`key \"client.key\"`: the client certificate's key (PKCS#8 PEM)"),
        OptionSpec::value(NETRC, vec![Type::String]).about(
            "`netrc \"~/.netrc\"`: HTTP basic auth from the netrc file's entry for the URL's host, masked in every output",
        ),
    ]
}

pub fn schema() -> StepSchema {
    let mut clauses = request_clauses();
    clauses.extend(step_clauses());
    StepSchema {
        name: "http",
        target_text: TargetText::Url,
        target: Type::String,
        clauses,
        block_options: Vec::new(),
        result: vec![
            ("status", Type::Int),
            ("headers", Type::map(Type::String)),
            ("header_values", Type::map(Type::list(Type::String))),
            ("body", Type::String),
            ("raw", Type::Bytes),
            ("body_bytes", Type::Bytes),
            ("json", Type::Json),
            ("duration", Type::Duration),
            ("url", Type::String),
            ("version", Type::String),
            ("cookies", Type::map(Type::String)),
            ("set_cookies", Type::map(set_cookie_record())),
        ],
        operations: &[],
        connection: None,
        without_operation: Some(Shape::PLAIN),
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
