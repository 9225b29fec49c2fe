//! What the `redis` step kind declares: its words, its schema and its executor.

use crate::steps::config::TIMEOUT;
use crate::steps::connection::any_url;
use crate::steps::exec::StepExecutor;
use crate::steps::schema::{ConnectionSpec, OptionSpec, Presence, Shape, StepSchema, TargetText};
use crate::steps::{StepChecker, StepKind};
use crate::syntax::ast::Step;
use crate::types::{ConnectionKind, ServerWatch, Type};
use std::sync::Arc;

pub struct Redis;

impl StepKind for Redis {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn keywords(&self) -> &'static [&'static str] {
        &["redis"]
    }

    fn schema(&self) -> StepSchema {
        schema()
    }

    fn executor(&self) -> Option<Arc<dyn StepExecutor>> {
        Some(Arc::new(super::exec::RedisExecutor::new()))
    }

    fn check(&self, step: &Step, checker: &mut dyn StepChecker) {
        super::check::check(step, checker);
    }
}

pub fn schema() -> StepSchema {
    StepSchema {
        name: "redis",
        target_text: TargetText::Plain,
        target: Type::Connection(REDIS),
        clauses: vec![OptionSpec::value(TIMEOUT, vec![Type::Duration])],
        block_options: Vec::new(),
        result: vec![
            ("value", Type::Json),
            ("ok", Type::Bool),
            ("duration", Type::Duration),
        ],
        operations: &[],
        connection: Some(&CONNECTION),
        without_operation: Some(Shape {
            string: Presence::Required,
            block: Presence::Never,
        }),
    }
}

/// What `redis(url)` makes.
pub const REDIS: ConnectionKind =
    ConnectionKind::new("redis", "redis connection", ServerWatch::RedisInfo);

/// `redis(url)`, the target of `redis` steps.
pub static CONNECTION: ConnectionSpec = ConnectionSpec {
    kind: REDIS,
    server: "a Redis",
    schemes: &["redis", "rediss"],
    write: "redis://host:6379 or rediss://…",
    examples: &["redis://127.0.0.1:6379"],
    summary: "a Redis connection: redis:// or rediss:// URL",
    read: any_url,
};
