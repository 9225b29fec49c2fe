//! Step backends: one file per step kind. Each declares its schema (clauses and
//! result record, read by the checker) and executes its steps (used by `run`).

pub mod schema;
pub mod http;
pub mod http_client;
pub mod run;
pub mod sql;
pub mod redis;
pub mod ws;
pub mod load;

use schema::StepSchema;

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
    ["http", "run", "sql", "redis", "ws", "load"]
        .iter()
        .filter_map(|name| schema_for(name))
        .flat_map(|schema| schema.result.iter().map(move |(field, _)| (*field, schema.name)).collect::<Vec<_>>())
        .collect()
}
