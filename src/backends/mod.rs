//! Step backends: one file per step kind. Each declares its schema (clauses and
//! result record, read by the checker) and executes its steps behind the
//! `step::Backend` trait (used by `run`). Adding a step kind means one file here,
//! one line in `schema_for` and one in `registry`.

pub mod http;
pub mod http_client;
pub mod load;
pub mod plain_http;
pub mod redis;
pub mod run;
pub mod schema;
pub mod sql;
pub mod step;
pub mod url_credentials;
pub mod ws;

use schema::StepSchema;
use std::sync::Arc;

const NAMES: [&str; 6] = ["http", "run", "sql", "redis", "ws", "load"];

/// The schema of every backend, by the name the AST uses (`StepKind::backend_name`).
pub fn schema_for(backend: &str) -> Option<StepSchema> {
    Some(match backend {
        "http" => http::schema(),
        "run" => run::schema(),
        "sql" => sql::schema(),
        "redis" => redis::schema(),
        "ws" => ws::schema(),
        "load" => load::schema(),
        _ => return None,
    })
}

/// Every field any backend yields, for "the last step does not yield `x`".
pub fn all_result_fields() -> Vec<(&'static str, &'static str)> {
    NAMES
        .iter()
        .filter_map(|name| schema_for(name))
        .flat_map(|schema| {
            schema
                .result
                .iter()
                .map(move |(field, _)| (*field, schema.name))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The backends that run steps through the generic `Backend` trait. (`ws` and
/// `load` steps drive the interpreter themselves: they run statements and checks.)
pub fn registry() -> step::Registry {
    let mut registry = step::Registry::default();
    registry.register(Arc::new(http::HttpBackend));
    registry.register(Arc::new(run::RunBackend));
    registry.register(Arc::new(sql::SqlBackend::default()));
    registry.register(Arc::new(redis::RedisBackend::new()));
    registry
}
