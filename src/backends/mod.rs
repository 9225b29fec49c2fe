//! Step backends: one file per step kind. Each declares its schema (clauses and
//! result record, read by the checker) and executes its steps behind the
//! `step::Backend` trait (used by `run`). Adding a step kind means one file here,
//! its `StepKind` in `crate::steps` and one line in `registry`.

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

/// The schema of every step kind, by the name the AST uses (`StepKind::backend_name`).
pub fn schema_for(backend: &str) -> Option<StepSchema> {
    crate::steps::by_name(backend).map(|kind| kind.schema())
}

/// Every field any step kind yields, for "the last step does not yield `x`".
pub fn all_result_fields() -> Vec<(&'static str, &'static str)> {
    crate::steps::registry()
        .iter()
        .flat_map(|kind| {
            let schema = kind.schema();
            schema
                .result
                .iter()
                .map(|(field, _)| (*field, schema.name))
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
