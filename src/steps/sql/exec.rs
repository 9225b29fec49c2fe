//! Running `sql` steps: one statement on PostgreSQL, MySQL/MariaDB or SQLite through
//! sqlx. It owns the pools (one per database URL per run, opened on first use,
//! closed at `shutdown`), the connection each test holds per database, the binding
//! of every `{{ }}` as a parameter, and the decoding of rows into runtime values.
//! It must not import the interpreter, the checker or the AST.
//!
//! Parameters are never spliced into the statement: each `{{ }}` becomes `$n`
//! (PostgreSQL) or `?` (MySQL, SQLite) and its value is bound. On PostgreSQL the
//! statement is described first and each value is encoded as the type the server
//! infers for its place, the way a quoted literal would be read there (so a string
//! compares with a `uuid` or `timestamptz` column); MySQL and SQLite take each
//! value as its own kind and convert on the server.
//!
//! Row values are `json` (docs/language.md, "Types and values"): numbers, strings, booleans, JSON and
//! null as `Value::Json`, with two exceptions that JSON cannot hold: binary columns
//! are `bytes`, and a non-finite float is a `float`. The text forms of the other
//! column types (numeric exactly as a string, dates and times in RFC 3339) are
//! documented in docs/sql.md.
//!
//! **Invariant:** the connection a test uses is either back in the test's map, in a
//! healthy state, or closed; a statement cut short (timeout, cancellation, a lost
//! connection) closes its connection instead of returning it to the pool.

use super::SqlConfig;
use super::connection::{ConnectionOptions, InFlight, Pool, Target, TestConnections};
use super::errors::{
    connection_error, connection_is_broken, exchange_text, statement_detail, statement_error,
};
use super::kind::DATABASE;
use super::statement::{RunError, run_statement, statement_text};
use crate::steps::config::ConfigError;
use crate::steps::exec::{
    StepError, StepErrorKind, StepExecutor, StepInput, StepOutput, TestResources,
};
use crate::units::literal_duration;
use crate::value::{Connection, Value};
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most connections one pool opens. Each test holds at most one per database,
/// so this bounds the tests that use one database at the same time (`--jobs`).
pub(super) const MAX_CONNECTIONS: u32 = 32;
/// How long `shutdown` waits for a pool to close.
pub(super) const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How many rows `-v` shows.
pub(super) const SHOWN_ROWS: usize = 10;
/// The key of the per-test connections in `TestResources`.
pub(super) const EXTENSION_KEY: &str = "sql";

/// The `sql` step. One per run: it owns that run's pools.
#[derive(Default)]
pub struct SqlExecutor {
    /// The pool of each database URL, made on first use. A failed opening leaves
    /// its cell empty, so the next step tries again.
    pools: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Pool>>>>,
}

/// How long an acquire waits for a connection that a finished test is giving back
/// (sqlx resets and pings it in the background) before it opens a new one.
pub(super) const RETURN_WAIT: Duration = Duration::from_millis(50);

/// The most the direct connection attempt that explains a failed `acquire` may
/// take, after the step already waited its timeout for the pool.
pub(super) const DIAGNOSTIC_WAIT: Duration = Duration::from_secs(2);

impl StepExecutor for SqlExecutor {
    fn execute<'a>(
        &'a self,
        input: StepInput,
        test: &'a TestResources,
    ) -> BoxFuture<'a, Result<StepOutput, StepError>> {
        Box::pin(async move {
            let url = match &input.target {
                Value::Connection(Connection { kind, url }) if *kind == DATABASE => url.to_string(),
                other => {
                    return Err(StepError::new(
                        StepErrorKind::Usage,
                        format!(
                            "`sql` needs a database made by database(url), not {}",
                            crate::value::type_name_with_article(other)
                        ),
                    ));
                }
            };
            let config =
                SqlConfig::from_clauses(&input.options).map_err(ConfigError::into_step_error)?;
            let timeout = config.timeout.unwrap_or(input.default_timeout);
            let target = Target::parse(&url)?;
            let parts = input.command.as_deref().unwrap_or(&[]);
            let (sql, parameters) = statement_text(parts, target.driver);
            // A step is one statement; some drivers would run them all (E0414 refuses
            // a literal with several before the run).
            let statements = super::count::statement_count(&sql);
            if statements > 1 {
                return Err(StepError::new(
                    StepErrorKind::Usage,
                    format!(
                        "a `sql` step runs one statement, and this text holds {statements}: write one `sql` step per statement"
                    ),
                ));
            }
            let pool = self.pool(&target, timeout).await?;
            let connections = test.extension(EXTENSION_KEY, TestConnections::default);
            // Held for the whole step: one test runs its steps one at a time, and
            // this keeps its connection out of reach while a statement runs on it.
            let mut held = connections.by_url.lock().await;
            let connection = match held.remove(&url) {
                Some(connection) => connection,
                None => pool.acquire(&target, timeout).await?,
            };
            let mut in_flight = InFlight(Some(connection));
            let started = Instant::now();
            let outcome = match in_flight.0.as_mut() {
                Some(held) => {
                    tokio::time::timeout(
                        timeout,
                        run_statement(&mut held.connection, &sql, &parameters),
                    )
                    .await
                }
                None => Ok(Err(RunError::Bind("no connection".to_string()))),
            };
            let duration = started.elapsed();
            let outcome = match outcome {
                Err(_) => {
                    // Dropping the guard closes the connection: its statement may still
                    // be running, and the next step must not wait for it.
                    drop(in_flight);
                    return Err(StepError {
                        kind: StepErrorKind::Timeout,
                        cause: crate::steps::exec::Cause::StepTimeout,
                        message: format!(
                            "the statement did not finish within {}; its connection was closed",
                            literal_duration(timeout)
                        ),
                        detail: Some(statement_detail(&sql, None)),
                        evidence: None,
                    });
                }
                Ok(outcome) => outcome,
            };
            match &outcome {
                Err(RunError::Sql(error)) if connection_is_broken(error) => drop(in_flight),
                _ => {
                    if let Some(connection) = in_flight.release() {
                        held.insert(url.clone(), connection);
                    }
                }
            }
            drop(held);
            let result = outcome.map_err(|error| statement_error(&target, &sql, error))?;
            let exchange = input
                .verbose
                .then(|| exchange_text(&target, &sql, &parameters, &result, duration));
            Ok(StepOutput {
                record: Box::new(vec![
                    ("rows".to_string(), Ok(Value::List(result.rows))),
                    (
                        "count".to_string(),
                        Ok(Value::Int(i64::try_from(result.count).unwrap_or(i64::MAX))),
                    ),
                    ("duration".to_string(), Ok(Value::Duration(duration))),
                ]),
                exchange,
                evidence: None,
            })
        })
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let cells: Vec<_> = match self.pools.lock() {
                Ok(mut pools) => pools.drain().map(|(_, cell)| cell).collect(),
                Err(poisoned) => poisoned
                    .into_inner()
                    .drain()
                    .map(|(_, cell)| cell)
                    .collect(),
            };
            for cell in cells {
                if let Some(pool) = cell.get() {
                    let _ = tokio::time::timeout(CLOSE_TIMEOUT, pool.close()).await;
                }
            }
        })
    }
}

impl SqlExecutor {
    /// The pool of a database, made on first use. Before that, a plain TCP connection
    /// to the server's port tells at once whether anything listens there: the pool
    /// itself would retry a refused connection until its timeout.
    async fn pool(&self, target: &Target, timeout: Duration) -> Result<Pool, StepError> {
        let cell = {
            let mut pools = match self.pools.lock() {
                Ok(pools) => pools,
                Err(poisoned) => poisoned.into_inner(),
            };
            Arc::clone(pools.entry(target.url.clone()).or_default())
        };
        cell.get_or_try_init(|| async {
            let options = ConnectionOptions::of(target)?;
            if let Err(error) = options.probe(timeout).await {
                return Err(connection_error(target, &options, &error));
            }
            Ok(options.into_pool())
        })
        .await
        .cloned()
    }
}
