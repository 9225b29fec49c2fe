//! The `http` step's own check rules: a literal `version` names a version ritc
//! speaks, a literal `resolve` entry is `host:port:address`, a literal
//! `connect to` entry `host:port:other-host:other-port`, a literal `sigv4` a
//! signing scope, a literal `proxy` is a URL a proxy can have, `key` comes with `cert` and `variables` with
//! `graphql`; for a step's clauses and for those of a `defaults { … }` block
//! alike. Values computed when the test runs are held to the same rules by
//! `HttpStepConfig::read` and the transport. Pure.

use super::config::{CERT, CONNECT_TO, GRAPHQL, KEY, PROXY, RESOLVE, SIGV4, VARIABLES, VERSION};
use super::connect_to::ConnectTo;
use super::sigv4::SigningScope;
use super::transport::{HttpVersion, Resolve};
use crate::diagnostics::{Diagnostic, codes};
use crate::steps::StepChecker;
use crate::syntax::ast::{Clause, ClauseArguments, Expr, ExprKind};

/// A clause, the parser its constant text must pass, and the help line.
type TextRule = (&'static str, fn(&str) -> Result<(), String>, &'static str);

pub fn check(clauses: &[Clause], checker: &mut dyn StepChecker) {
    let named = |name: &str| clauses.iter().find(|clause| clause.name.name == name);
    // The clauses whose text one parser reads, as the runtime reads it.
    let parsed: [TextRule; 4] = [
        (
            VERSION,
            |text| HttpVersion::named(text).map(drop),
            "write \"HTTP/1.0\", \"HTTP/1.1\" or \"HTTP/2\" (HTTP/3 is not spoken)",
        ),
        (
            RESOLVE,
            |text| Resolve::parse(text).map(drop),
            "the host as the URL names it, the URL's port, and an IP address",
        ),
        (
            CONNECT_TO,
            |text| ConnectTo::parse(text).map(drop),
            "the URL's host and port, then the host and port to connect to instead",
        ),
        (
            SIGV4,
            |text| SigningScope::parse(text).map(drop),
            "the provider and its header name, then the region and the service: \"aws:amz:eu-central-1:s3\"",
        ),
    ];
    for (clause, parse, help) in parsed {
        for (text, expr) in literals(named(clause)) {
            if let Err(message) = parse(&text) {
                checker.report(invalid(expr, message, help));
            }
        }
    }
    for (text, expr) in literals(named(PROXY)) {
        let scheme = url::Url::parse(&text).map(|url| url.scheme().to_string());
        if !matches!(
            scheme.as_deref(),
            Ok("http" | "https" | "socks5" | "socks5h")
        ) {
            checker.report(invalid(
                expr,
                format!("`proxy` takes the proxy's URL, not {text:?}"),
                "write it with its scheme: \"http://127.0.0.1:3128\"",
            ));
        }
    }
    if let (Some(variables), None) = (named(VARIABLES), named(GRAPHQL)) {
        checker.report(
            Diagnostic::error(
                codes::INVALID_CLAUSE_VALUE,
                "`variables` without `graphql`",
                variables.name.span,
                "the variables of which query?",
            )
            .with_help(
                "give the query too: `graphql \"query($id: ID!) { … }\" variables { id: 1 }`",
            ),
        );
    }
    if let (Some(key), None) = (named(KEY), named(CERT)) {
        checker.report(
            Diagnostic::error(
                codes::INVALID_CLAUSE_VALUE,
                "`key` without `cert`",
                key.name.span,
                "the key of which certificate?",
            )
            .with_help("give the client certificate too: `cert \"client.pem\" key \"client.key\"`"),
        );
    }
}

/// The string literals without `{{ }}` a clause's value is or lists.
fn literals(clause: Option<&Clause>) -> Vec<(String, &Expr)> {
    let Some(ClauseArguments::Value(value)) = clause.map(|clause| &clause.arguments) else {
        return Vec::new();
    };
    let items: Vec<&Expr> = match &value.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![value],
    };
    items
        .into_iter()
        .filter_map(|item| match &item.kind {
            ExprKind::String(literal) => literal.as_plain_text().map(|text| (text, item)),
            _ => None,
        })
        .collect()
}

fn invalid(expr: &Expr, message: String, help: &str) -> Diagnostic {
    Diagnostic::error(
        codes::INVALID_CLAUSE_VALUE,
        message,
        expr.span,
        "not a value this clause takes",
    )
    .with_help(help.to_string())
}
