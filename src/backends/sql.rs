//! The `sql` backend: one statement on PostgreSQL, MySQL/MariaDB or SQLite through
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
//! Row values are `json` (GRAMMAR-NOTES.md §3): numbers, strings, booleans, JSON and
//! null as `Value::Json`, with two exceptions that JSON cannot hold: binary columns
//! are `bytes`, and a non-finite float is a `float`. The text forms of the other
//! column types (numeric exactly as a string, dates and times in RFC 3339) are
//! documented in docs/sql.md.
//!
//! **Invariant:** the connection a test uses is either back in the test's map, in a
//! healthy state, or closed; a statement cut short (timeout, cancellation, a lost
//! connection) closes its connection instead of returning it to the pool.

use super::schema::{OptionSpec, StepSchema, TargetText};
use crate::types::Type;

pub fn schema() -> StepSchema {
    StepSchema {
        name: "sql",
        target_text: TargetText::Plain,
        target: Type::Database,
        clauses: vec![OptionSpec::value("timeout", vec![Type::Duration])],
        block_options: Vec::new(),
        result: vec![
            ("rows", Type::list(Type::map(Type::Json))),
            ("count", Type::Int),
            ("duration", Type::Duration),
        ],
    }
}

/// The URL schemes `database(url)` accepts.
pub const SCHEMES: &[&str] = &["postgres", "postgresql", "mysql", "mariadb", "sqlite"];

use super::step::{
    Backend, CommandPart, StepError, StepErrorKind, StepInput, StepOutput, TestResources,
};
use crate::units::literal_duration;
use crate::value::Value;
use crate::value::{describe, hide_password, to_json, to_text};
use futures_util::future::BoxFuture;
use serde_json::Value as Json;
use sqlx::mysql::{
    MySql, MySqlArguments, MySqlConnectOptions, MySqlDatabaseError, MySqlPool, MySqlPoolOptions,
    MySqlRow,
};
use sqlx::pool::PoolConnection;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{
    PgArgumentBuffer, PgArguments, PgConnectOptions, PgDatabaseError, PgErrorPosition, PgPool,
    PgPoolOptions, PgRow, PgTypeInfo, PgTypeKind, PgValueFormat, Postgres,
};
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::types::time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};
use sqlx::{
    Arguments, AssertSqlSafe, Column, ConnectOptions, Connection as _, Either, Executor, Row,
    SqlSafeStr, Statement, TypeInfo, ValueRef,
};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The most connections one pool opens. Each test holds at most one per database,
/// so this bounds the tests that use one database at the same time (`--jobs`).
const MAX_CONNECTIONS: u32 = 32;
/// How long `shutdown` waits for a pool to close.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How many rows `-v` shows.
const SHOWN_ROWS: usize = 10;
/// The key of the per-test connections in `TestResources`.
const EXTENSION_KEY: &str = "sql";

// ---------------------------------------------------------------------------
// The backend

/// The `sql` step. One per run: it owns that run's pools.
#[derive(Default)]
pub struct SqlBackend {
    /// The pool of each database URL, made on first use. A failed opening leaves
    /// its cell empty, so the next step tries again.
    pools: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Pool>>>>,
}

/// How long an acquire waits for a connection that a finished test is giving back
/// (sqlx resets and pings it in the background) before it opens a new one.
const RETURN_WAIT: Duration = Duration::from_millis(50);

/// The most the direct connection attempt that explains a failed `acquire` may
/// take, after the step already waited its timeout for the pool.
const DIAGNOSTIC_WAIT: Duration = Duration::from_secs(2);

impl Backend for SqlBackend {
    fn schema(&self) -> StepSchema {
        schema()
    }

    fn execute<'a>(
        &'a self,
        input: StepInput,
        test: &'a TestResources,
    ) -> BoxFuture<'a, Result<StepOutput, StepError>> {
        Box::pin(async move {
            let url = match &input.target {
                Value::Database(url) => url.to_string(),
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
            let target = Target::parse(&url)?;
            let parts = input.command.as_deref().unwrap_or(&[]);
            let (sql, parameters) = statement_text(parts, target.driver);
            let pool = self.pool(&target, input.timeout).await?;
            let connections = test.extension(EXTENSION_KEY, TestConnections::default);
            // Held for the whole step: one test runs its steps one at a time, and
            // this keeps its connection out of reach while a statement runs on it.
            let mut held = connections.by_url.lock().await;
            let connection = match held.remove(&url) {
                Some(connection) => connection,
                None => pool.acquire(&target, input.timeout).await?,
            };
            let mut in_flight = InFlight(Some(connection));
            let started = Instant::now();
            let outcome = match in_flight.0.as_mut() {
                Some(held) => {
                    tokio::time::timeout(
                        input.timeout,
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
                        message: format!(
                            "the statement did not finish within {}; its connection was closed",
                            literal_duration(input.timeout)
                        ),
                        detail: Some(statement_detail(&sql, None)),
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
            let exchange = exchange_text(&target, &sql, &parameters, &result, duration);
            Ok(StepOutput {
                fields: vec![
                    ("rows".to_string(), Ok(Value::List(result.rows))),
                    (
                        "count".to_string(),
                        Ok(Value::Int(i64::try_from(result.count).unwrap_or(i64::MAX))),
                    ),
                    ("duration".to_string(), Ok(Value::Duration(duration))),
                ],
                exchange: Some(exchange),
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

impl SqlBackend {
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

// ---------------------------------------------------------------------------
// Databases, pools and connections

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Driver {
    Postgres,
    MySql,
    Sqlite,
}

/// A database URL and what it names.
struct Target {
    /// The URL as `database(url)` gave it: the key of its pool.
    url: String,
    driver: Driver,
    /// How messages name the server: `PostgreSQL`, `MySQL`, `MariaDB`, `SQLite`.
    product: &'static str,
}

impl Target {
    fn parse(url: &str) -> Result<Target, StepError> {
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase())
            .unwrap_or_default();
        let (driver, product) = match scheme.as_str() {
            "postgres" | "postgresql" => (Driver::Postgres, "PostgreSQL"),
            "mysql" => (Driver::MySql, "MySQL"),
            "mariadb" => (Driver::MySql, "MariaDB"),
            "sqlite" => (Driver::Sqlite, "SQLite"),
            _ => {
                return Err(StepError::new(
                    StepErrorKind::Usage,
                    format!(
                        "`{}` is not a database URL ritc can open: write postgres://…, \
                         postgresql://…, mysql://…, mariadb://… or sqlite:…",
                        hide_password(url)
                    ),
                ));
            }
        };
        Ok(Target {
            url: url.to_string(),
            driver,
            product,
        })
    }

    /// The URL for messages, its password hidden.
    fn shown(&self) -> String {
        hide_password(&self.url)
    }

    /// Whether this is an SQLite database that lives only in its connections.
    fn in_memory(&self) -> bool {
        self.driver == Driver::Sqlite
            && (self.url.contains(":memory:") || self.url.contains("mode=memory"))
    }
}

/// How to connect to one database, per driver.
enum ConnectionOptions {
    Postgres(PgConnectOptions),
    MySql(MySqlConnectOptions),
    Sqlite {
        options: SqliteConnectOptions,
        in_memory: bool,
    },
}

impl ConnectionOptions {
    fn of(target: &Target) -> Result<ConnectionOptions, StepError> {
        let invalid = |error: sqlx::Error| {
            StepError::new(
                StepErrorKind::Usage,
                format!(
                    "{} is not a valid {} URL: {}",
                    target.shown(),
                    target.product,
                    driver_message(&error)
                ),
            )
        };
        // PostgreSQL and SQLite statements are not cached: each step is prepared
        // afresh, so a table changed by an earlier step never meets a stale plan
        // ("cached plan must not change result type").
        Ok(match target.driver {
            Driver::Postgres => ConnectionOptions::Postgres(
                PgConnectOptions::from_str(&target.url)
                    .map_err(invalid)?
                    .application_name("ritc")
                    .statement_cache_capacity(0)
                    .disable_statement_logging(),
            ),
            Driver::MySql => {
                // `mariadb://` is MySQL's protocol under another name.
                let url = match target.url.split_once(':') {
                    Some((_, rest)) => format!("mysql:{rest}"),
                    None => target.url.clone(),
                };
                // MySQL statements stay cached for the connection's life (one test):
                // closing each one right away costs a delayed-ACK wait (sqlx does
                // not set TCP_NODELAY), and the server re-prepares a statement whose
                // tables changed by itself.
                ConnectionOptions::MySql(
                    MySqlConnectOptions::from_str(&url)
                        .map_err(invalid)?
                        .disable_statement_logging(),
                )
            }
            Driver::Sqlite => ConnectionOptions::Sqlite {
                options: SqliteConnectOptions::from_str(&target.url)
                    .map_err(invalid)?
                    .statement_cache_capacity(0)
                    .disable_statement_logging(),
                in_memory: target.in_memory(),
            },
        })
    }

    /// Whether the server's port accepts a TCP connection (a Unix socket or an
    /// SQLite file is left to the driver).
    async fn probe(&self, timeout: Duration) -> Result<(), sqlx::Error> {
        let (host, port) = match self {
            ConnectionOptions::Postgres(options) => (options.get_host(), options.get_port()),
            ConnectionOptions::MySql(options) => (options.get_host(), options.get_port()),
            ConnectionOptions::Sqlite { .. } => return Ok(()),
        };
        if host.starts_with('/') {
            return Ok(());
        }
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect((host, port))).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(sqlx::Error::Io(error)),
            Err(_) => Err(timed_out(format!(
                "the connection was not accepted within {}",
                literal_duration(timeout)
            ))),
        }
    }

    /// Connects once, outside any pool, and closes the connection again.
    async fn try_connect(&self, timeout: Duration) -> Result<(), sqlx::Error> {
        // First the bare TCP connection, so that a timeout below can only mean a
        // server that accepted and then said nothing.
        self.probe(timeout).await?;
        let timed_out = || {
            timed_out(format!(
                "the server accepted the connection but did not answer within {}",
                literal_duration(timeout)
            ))
        };
        match self {
            ConnectionOptions::Postgres(options) => {
                let connection = tokio::time::timeout(timeout, options.connect())
                    .await
                    .map_err(|_| timed_out())??;
                let _ = connection.close().await;
            }
            ConnectionOptions::MySql(options) => {
                let connection = tokio::time::timeout(timeout, options.connect())
                    .await
                    .map_err(|_| timed_out())??;
                let _ = connection.close().await;
            }
            ConnectionOptions::Sqlite { options, .. } => {
                let connection = tokio::time::timeout(timeout, options.connect())
                    .await
                    .map_err(|_| timed_out())??;
                let _ = connection.close().await;
            }
        }
        Ok(())
    }

    /// A pool that connects when a test first needs a connection. What a test did
    /// to its session must not reach the next test: PostgreSQL sessions are reset
    /// with `DISCARD ALL` when a test gives its connection back (one that is inside
    /// a transaction cannot be reset and is closed); MySQL and SQLite connections,
    /// which have no such reset, are closed. An in-memory SQLite database lives only
    /// as long as a connection to it, so its connections are kept as they are.
    fn into_pool(self) -> Pool {
        match self {
            ConnectionOptions::Postgres(options) => Pool::new(DriverPool::Postgres(
                PgPoolOptions::new()
                    .max_connections(MAX_CONNECTIONS)
                    .after_release(|connection, _| {
                        Box::pin(async move {
                            connection.clear_cached_statements().await?;
                            connection.execute("DISCARD ALL").await?;
                            Ok(true)
                        })
                    })
                    .connect_lazy_with(options),
            )),
            ConnectionOptions::MySql(options) => Pool::new(DriverPool::MySql(
                MySqlPoolOptions::new()
                    .max_connections(MAX_CONNECTIONS)
                    .after_release(|_, _| Box::pin(async { Ok(false) }))
                    .connect_lazy_with(options),
            )),
            ConnectionOptions::Sqlite { options, in_memory } => {
                let pool = SqlitePoolOptions::new().max_connections(MAX_CONNECTIONS);
                let pool = if in_memory {
                    pool.min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None)
                } else {
                    pool.after_release(|_, _| Box::pin(async { Ok(false) }))
                };
                Pool::new(DriverPool::Sqlite(pool.connect_lazy_with(options)))
            }
        }
    }

    /// Where the database is, for messages: `host:port, database "name"` or a path.
    fn location(&self) -> String {
        match self {
            ConnectionOptions::Postgres(options) => server_location(
                options.get_host(),
                options.get_port(),
                options.get_database(),
                options.get_username(),
            ),
            ConnectionOptions::MySql(options) => server_location(
                options.get_host(),
                options.get_port(),
                options.get_database(),
                options.get_username(),
            ),
            ConnectionOptions::Sqlite { options, .. } => {
                format!("the file {}", options.get_filename().display())
            }
        }
    }
}

fn server_location(host: &str, port: u16, database: Option<&str>, user: &str) -> String {
    let mut text = format!("{host}:{port}");
    if let Some(database) = database {
        text.push_str(&format!(", database \"{database}\""));
    }
    if !user.is_empty() {
        text.push_str(&format!(", user \"{user}\""));
    }
    text
}

/// A database's pool, and how many of its connections tests hold right now.
#[derive(Clone)]
struct Pool {
    drivers: DriverPool,
    held: Arc<AtomicUsize>,
}

#[derive(Clone)]
enum DriverPool {
    Postgres(PgPool),
    MySql(MySqlPool),
    Sqlite(SqlitePool),
}

impl Pool {
    fn new(drivers: DriverPool) -> Pool {
        Pool {
            drivers,
            held: Arc::new(AtomicUsize::new(0)),
        }
    }

    async fn close(&self) {
        match &self.drivers {
            DriverPool::Postgres(pool) => pool.close().await,
            DriverPool::MySql(pool) => pool.close().await,
            DriverPool::Sqlite(pool) => pool.close().await,
        }
    }

    /// Open connections that no test holds: idle ones, and those a finished test is
    /// still giving back.
    fn unheld(&self) -> (usize, usize) {
        let (size, idle) = match &self.drivers {
            DriverPool::Postgres(pool) => (pool.size(), pool.num_idle()),
            DriverPool::MySql(pool) => (pool.size(), pool.num_idle()),
            DriverPool::Sqlite(pool) => (pool.size(), pool.num_idle()),
        };
        let held = self.held.load(Ordering::SeqCst);
        (
            usize::try_from(size)
                .unwrap_or(usize::MAX)
                .saturating_sub(held),
            idle,
        )
    }

    /// A connection for a test, within the step's timeout. A connection that a
    /// test which just ended is giving back is worth a short wait: opening a new
    /// one can cost a TLS handshake. When the pool cannot give a connection, one
    /// direct attempt tells why (refused, wrong password, no such database, …).
    async fn acquire(
        &self,
        target: &Target,
        timeout: Duration,
    ) -> Result<HeldConnection, StepError> {
        let wait_until = Instant::now() + RETURN_WAIT.min(timeout);
        loop {
            let (unheld, idle) = self.unheld();
            if idle > 0 || unheld == 0 || Instant::now() >= wait_until {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let acquired = match &self.drivers {
            DriverPool::Postgres(pool) => tokio::time::timeout(timeout, pool.acquire())
                .await
                .map(|result| result.map(Connection::Postgres)),
            DriverPool::MySql(pool) => tokio::time::timeout(timeout, pool.acquire())
                .await
                .map(|result| result.map(Connection::MySql)),
            DriverPool::Sqlite(pool) => tokio::time::timeout(timeout, pool.acquire())
                .await
                .map(|result| result.map(Connection::Sqlite)),
        };
        match acquired {
            Ok(Ok(connection)) => {
                self.held.fetch_add(1, Ordering::SeqCst);
                Ok(HeldConnection {
                    connection,
                    held: Arc::clone(&self.held),
                })
            }
            Ok(Err(error)) if !matches!(error, sqlx::Error::PoolTimedOut) => {
                let options = ConnectionOptions::of(target)?;
                Err(connection_error(target, &options, &error))
            }
            _ => {
                let options = ConnectionOptions::of(target)?;
                // Refused, a wrong password, no such database: those answers come
                // at once. Only a server that accepts and stays silent makes this
                // attempt wait, and then the step has already waited `timeout`.
                let probe = options.try_connect(timeout.min(DIAGNOSTIC_WAIT)).await;
                match probe {
                    Err(error) => Err(connection_error(target, &options, &error)),
                    Ok(()) => Err(StepError::new(
                        StepErrorKind::Timeout,
                        format!(
                            "no connection to {} at {} was free within {} (at most \
                             {MAX_CONNECTIONS} are open at once, one per running test)",
                            target.product,
                            options.location(),
                            literal_duration(timeout)
                        ),
                    )),
                }
            }
        }
    }
}

/// A connection a test holds; the pool's count of held connections goes down when
/// it is dropped (given back or closed).
struct HeldConnection {
    connection: Connection,
    held: Arc<AtomicUsize>,
}

impl Drop for HeldConnection {
    fn drop(&mut self) {
        self.held.fetch_sub(1, Ordering::SeqCst);
    }
}

enum Connection {
    Postgres(PoolConnection<Postgres>),
    MySql(PoolConnection<MySql>),
    Sqlite(PoolConnection<Sqlite>),
}

impl Connection {
    fn close_on_drop(&mut self) {
        match self {
            Connection::Postgres(connection) => connection.close_on_drop(),
            Connection::MySql(connection) => connection.close_on_drop(),
            Connection::Sqlite(connection) => connection.close_on_drop(),
        }
    }
}

/// The connections one test holds, by database URL: the `sql` steps of a test on
/// one database share one connection (GRAMMAR-NOTES.md §8). They go back to their
/// pools when the test ends and its resources are dropped.
#[derive(Default)]
struct TestConnections {
    by_url: tokio::sync::Mutex<HashMap<String, HeldConnection>>,
}

/// A connection with a statement running on it. Unless it is released after the
/// statement, dropping it closes the connection rather than pooling it: a future
/// cut short leaves the protocol mid-exchange.
struct InFlight(Option<HeldConnection>);

impl InFlight {
    fn release(mut self) -> Option<HeldConnection> {
        self.0.take()
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(mut held) = self.0.take() {
            held.connection.close_on_drop();
        }
    }
}

// ---------------------------------------------------------------------------
// Statements

/// The statement's text with a placeholder for each `{{ }}`, and the values to bind
/// in order. A placeholder is kept apart from a word it would otherwise join.
fn statement_text(parts: &[CommandPart], driver: Driver) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut values = Vec::new();
    let joins = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut after_placeholder = false;
    for part in parts {
        match part {
            CommandPart::Text(text) => {
                if after_placeholder && text.chars().next().is_some_and(joins) {
                    sql.push(' ');
                }
                sql.push_str(text);
                after_placeholder = false;
            }
            CommandPart::Value(value) => {
                if sql.chars().next_back().is_some_and(joins) {
                    sql.push(' ');
                }
                values.push(value.clone());
                match driver {
                    Driver::Postgres => sql.push_str(&format!("${}", values.len())),
                    Driver::MySql | Driver::Sqlite => sql.push('?'),
                }
                after_placeholder = true;
            }
        }
    }
    (sql, values)
}

/// What a statement gave: its rows as objects, and `count`.
struct StatementResult {
    rows: Vec<Value>,
    count: u64,
}

enum RunError {
    Sql(sqlx::Error),
    /// A value that cannot be bound where it stands.
    Bind(String),
    /// A column value that cannot be read.
    Decode(String),
}

impl From<sqlx::Error> for RunError {
    fn from(error: sqlx::Error) -> RunError {
        RunError::Sql(error)
    }
}

/// Prepares the statement (to learn its columns and, on PostgreSQL, its parameter
/// types), binds the values and runs it. A statement with columns yields its rows
/// and counts them; one without counts the rows it affected.
async fn run_statement(
    connection: &mut Connection,
    sql: &str,
    parameters: &[Value],
) -> Result<StatementResult, RunError> {
    match connection {
        Connection::Postgres(connection) => run_postgres(connection, sql, parameters).await,
        Connection::MySql(connection) => run_mysql(connection, sql, parameters).await,
        Connection::Sqlite(connection) => run_sqlite(connection, sql, parameters).await,
    }
}

fn sql_str(sql: &str) -> sqlx::SqlStr {
    // Safe by construction: every `{{ }}` value is a bound parameter, never text.
    AssertSqlSafe(sql.to_string()).into_sql_str()
}

async fn run_postgres(
    connection: &mut PoolConnection<Postgres>,
    sql: &str,
    parameters: &[Value],
) -> Result<StatementResult, RunError> {
    let statement = (&mut **connection).prepare_with(sql_str(sql), &[]).await?;
    let types: Vec<PgTypeInfo> = match statement.parameters() {
        Some(Either::Left(types)) => types.to_vec(),
        _ => Vec::new(),
    };
    if types.len() != parameters.len() {
        return Err(RunError::Bind(format!(
            "the statement has {} parameters but {} values were given",
            types.len(),
            parameters.len()
        )));
    }
    let mut arguments = PgArguments::default();
    for (index, (value, type_info)) in parameters.iter().zip(&types).enumerate() {
        let bytes = pg_encode(value, type_info).map_err(|reason| {
            RunError::Bind(format!(
                "cannot bind {} as parameter ${} ({}): {reason}",
                describe(value),
                index + 1,
                pg_type_name(type_info)
            ))
        })?;
        arguments
            .add(PgParameter {
                type_info: type_info.clone(),
                bytes,
            })
            .map_err(|error| RunError::Bind(error.to_string()))?;
    }
    if statement.columns().is_empty() {
        let done = statement
            .query_with(arguments)
            .persistent(false)
            .execute(&mut **connection)
            .await?;
        return Ok(StatementResult {
            rows: Vec::new(),
            count: done.rows_affected(),
        });
    }
    let rows = statement
        .query_with(arguments)
        .persistent(false)
        .fetch_all(&mut **connection)
        .await?;
    let rows = rows
        .iter()
        .map(pg_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(RunError::Decode)?;
    Ok(StatementResult {
        count: rows.len() as u64,
        rows,
    })
}

async fn run_mysql(
    connection: &mut PoolConnection<MySql>,
    sql: &str,
    parameters: &[Value],
) -> Result<StatementResult, RunError> {
    let statement = (&mut **connection).prepare_with(sql_str(sql), &[]).await?;
    let mut arguments = MySqlArguments::default();
    for (index, value) in parameters.iter().enumerate() {
        let added =
            match plain_parameter(value).map_err(|reason| bind_error(value, index, reason))? {
                Plain::Null => arguments.add(Option::<String>::None),
                Plain::Bool(flag) => arguments.add(flag),
                Plain::Int(int) => arguments.add(int),
                Plain::Float(float) => arguments.add(float),
                Plain::Text(text) => arguments.add(text),
                Plain::Bytes(bytes) => arguments.add(bytes),
            };
        added.map_err(|error| RunError::Bind(error.to_string()))?;
    }
    if statement.columns().is_empty() {
        let done = statement
            .query_with(arguments)
            .execute(&mut **connection)
            .await?;
        return Ok(StatementResult {
            rows: Vec::new(),
            count: done.rows_affected(),
        });
    }
    let rows = statement
        .query_with(arguments)
        .fetch_all(&mut **connection)
        .await?;
    let rows = rows
        .iter()
        .map(mysql_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(RunError::Decode)?;
    Ok(StatementResult {
        count: rows.len() as u64,
        rows,
    })
}

async fn run_sqlite(
    connection: &mut PoolConnection<Sqlite>,
    sql: &str,
    parameters: &[Value],
) -> Result<StatementResult, RunError> {
    let statement = (&mut **connection).prepare_with(sql_str(sql), &[]).await?;
    let mut arguments = SqliteArguments::default();
    for (index, value) in parameters.iter().enumerate() {
        let added =
            match plain_parameter(value).map_err(|reason| bind_error(value, index, reason))? {
                Plain::Null => arguments.add(Option::<String>::None),
                Plain::Bool(flag) => arguments.add(flag),
                Plain::Int(int) => arguments.add(int),
                Plain::Float(float) => arguments.add(float),
                Plain::Text(text) => arguments.add(text),
                Plain::Bytes(bytes) => arguments.add(bytes),
            };
        added.map_err(|error| RunError::Bind(error.to_string()))?;
    }
    if statement.columns().is_empty() {
        let done = statement
            .query_with(arguments)
            .persistent(false)
            .execute(&mut **connection)
            .await?;
        return Ok(StatementResult {
            rows: Vec::new(),
            count: done.rows_affected(),
        });
    }
    let rows = statement
        .query_with(arguments)
        .persistent(false)
        .fetch_all(&mut **connection)
        .await?;
    let rows = rows
        .iter()
        .map(sqlite_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(RunError::Decode)?;
    Ok(StatementResult {
        count: rows.len() as u64,
        rows,
    })
}

fn bind_error(value: &Value, index: usize, reason: String) -> RunError {
    RunError::Bind(format!(
        "cannot bind {} as parameter {}: {reason}",
        describe(value),
        index + 1
    ))
}

// ---------------------------------------------------------------------------
// Parameters on MySQL and SQLite: each value as its own kind

/// A value as MySQL and SQLite take it.
#[derive(Debug, PartialEq)]
enum Plain {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
}

/// Ints as 64-bit integers, floats as doubles, bools, strings as text, bytes as a
/// blob, null as NULL; json values by their JSON kind (an array or object as its
/// JSON text); durations, percents and sizes as their literals (`150ms`).
fn plain_parameter(value: &Value) -> Result<Plain, String> {
    Ok(match value {
        Value::Null | Value::Json(Json::Null) => Plain::Null,
        Value::Bool(flag) | Value::Json(Json::Bool(flag)) => Plain::Bool(*flag),
        Value::Int(int) => Plain::Int(*int),
        Value::Float(float) => Plain::Float(*float),
        Value::Json(Json::Number(number)) => match number.as_i64() {
            Some(int) => Plain::Int(int),
            // Beyond i64 (a large unsigned number): its exact digits, as text.
            None if number.is_u64() => Plain::Text(number.to_string()),
            None => Plain::Float(number.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(text) | Value::Json(Json::String(text)) => Plain::Text(text.clone()),
        Value::Bytes(bytes) => Plain::Bytes(bytes.clone()),
        Value::Json(json) => Plain::Text(json.to_string()),
        Value::List(_) | Value::Object(_) => Plain::Text(to_json(value).to_string()),
        other => Plain::Text(to_text(other).map_err(|error| error.0)?),
    })
}

// ---------------------------------------------------------------------------
// Parameters on PostgreSQL: each value as the type the server infers for its place

/// One bound value, already in PostgreSQL's binary format for its type.
struct PgParameter {
    type_info: PgTypeInfo,
    bytes: Option<Vec<u8>>,
}

impl sqlx::Type<Postgres> for PgParameter {
    fn type_info() -> PgTypeInfo {
        // Only a fallback: `produces` gives each value's own type.
        <String as sqlx::Type<Postgres>>::type_info()
    }
}

impl sqlx::Encode<'_, Postgres> for PgParameter {
    fn encode_by_ref(
        &self,
        buffer: &mut PgArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        match &self.bytes {
            None => Ok(sqlx::encode::IsNull::Yes),
            Some(bytes) => {
                buffer.extend_from_slice(bytes);
                Ok(sqlx::encode::IsNull::No)
            }
        }
    }

    fn produces(&self) -> Option<PgTypeInfo> {
        Some(self.type_info.clone())
    }
}

/// Built-in type OIDs (PostgreSQL's `pg_type.dat`).
mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const CHAR: u32 = 18;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const JSON: u32 = 114;
    pub const XML: u32 = 142;
    pub const CIDR: u32 = 650;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const UNKNOWN: u32 = 705;
    pub const MACADDR: u32 = 829;
    pub const INET: u32 = 869;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const INTERVAL: u32 = 1186;
    pub const TIMETZ: u32 = 1266;
    pub const NUMERIC: u32 = 1700;
    pub const UUID: u32 = 2950;
    pub const JSONB: u32 = 3802;
}

/// A type's name as PostgreSQL writes it (`int4`, `timestamptz`, `my_enum`).
fn pg_type_name(type_info: &PgTypeInfo) -> String {
    type_info.name().to_ascii_lowercase()
}

/// Whether a type holds text that its binary form carries as plain UTF-8.
fn pg_is_text(type_info: &PgTypeInfo) -> bool {
    match type_info.oid().map(|Oid(oid)| oid) {
        Some(oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME | oid::UNKNOWN | oid::XML) => true,
        _ => {
            matches!(type_info.kind(), PgTypeKind::Enum(_))
                || type_info.name().eq_ignore_ascii_case("citext")
        }
    }
}

/// Seconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC).
const PG_EPOCH_UNIX_SECONDS: i64 = 946_684_800;
/// The Julian day of 2000-01-01.
const PG_EPOCH_JULIAN_DAY: i64 = 2_451_545;
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// `value` in PostgreSQL's binary format for `type_info`; `None` for null. What is
/// accepted follows what a quoted literal would be there (`'42'` is an int, `'2024-
/// 01-02'` a date), plus `int` as Unix seconds for a timestamp (what `now()` gives)
/// and `duration` for an interval.
fn pg_encode(value: &Value, type_info: &PgTypeInfo) -> Result<Option<Vec<u8>>, String> {
    if matches!(value, Value::Null | Value::Json(Json::Null)) {
        return Ok(None);
    }
    match type_info.kind() {
        PgTypeKind::Domain(base) => return pg_encode(value, base),
        PgTypeKind::Array(element) => return pg_encode_array(value, element).map(Some),
        PgTypeKind::Enum(_) => return Ok(Some(text_of(value)?.into_bytes())),
        PgTypeKind::Composite(_) | PgTypeKind::Range(_) => {
            return Err(unsupported_parameter(type_info));
        }
        PgTypeKind::Simple | PgTypeKind::Pseudo => {}
    }
    if pg_is_text(type_info) {
        return Ok(Some(text_of(value)?.into_bytes()));
    }
    let Some(Oid(type_oid)) = type_info.oid() else {
        return Err(unsupported_parameter(type_info));
    };
    let bytes = match type_oid {
        oid::BOOL => vec![u8::from(bool_of(value)?)],
        oid::INT2 => i16::try_from(int_of(value)?)
            .map_err(|_| "out of range for int2 (smallint)".to_string())?
            .to_be_bytes()
            .to_vec(),
        oid::INT4 => i32::try_from(int_of(value)?)
            .map_err(|_| "out of range for int4 (integer)".to_string())?
            .to_be_bytes()
            .to_vec(),
        oid::INT8 => int_of(value)?.to_be_bytes().to_vec(),
        oid::OID => u32::try_from(int_of(value)?)
            .map_err(|_| "out of range for oid".to_string())?
            .to_be_bytes()
            .to_vec(),
        oid::FLOAT4 => (float_of(value)? as f32).to_be_bytes().to_vec(),
        oid::FLOAT8 => float_of(value)?.to_be_bytes().to_vec(),
        oid::NUMERIC => numeric_bytes(&decimal_text_of(value)?)?,
        oid::BYTEA => match value {
            Value::Bytes(bytes) => bytes.clone(),
            other => text_of(other)?.into_bytes(),
        },
        oid::UUID => {
            let text = text_of(value)?;
            uuid::Uuid::parse_str(text.trim())
                .map_err(|_| format!("{text:?} is not a UUID"))?
                .as_bytes()
                .to_vec()
        }
        oid::JSON => json_text_of(value)?.into_bytes(),
        oid::JSONB => {
            let mut bytes = vec![1];
            bytes.extend(json_text_of(value)?.into_bytes());
            bytes
        }
        oid::DATE => {
            let date = match temporal_of(value)? {
                Temporal {
                    date: Some(date), ..
                } => date,
                _ => return Err("a date needs YYYY-MM-DD".to_string()),
            };
            let days = i64::from(date.to_julian_day()) - PG_EPOCH_JULIAN_DAY;
            i32::try_from(days)
                .map_err(|_| "date out of range".to_string())?
                .to_be_bytes()
                .to_vec()
        }
        oid::TIME => match temporal_of(value)? {
            Temporal {
                micros_of_day: Some(micros),
                ..
            } => micros.to_be_bytes().to_vec(),
            _ => return Err("a time needs HH:MM[:SS[.ffffff]]".to_string()),
        },
        oid::TIMETZ => match temporal_of(value)? {
            Temporal {
                micros_of_day: Some(micros),
                offset,
                ..
            } => {
                let mut bytes = micros.to_be_bytes().to_vec();
                // PostgreSQL stores the offset in seconds west of UTC.
                bytes.extend((-offset.unwrap_or(0)).to_be_bytes());
                bytes
            }
            _ => return Err("a time needs HH:MM[:SS[.ffffff]][+HH:MM]".to_string()),
        },
        oid::TIMESTAMP | oid::TIMESTAMPTZ => {
            let with_zone = type_oid == oid::TIMESTAMPTZ;
            timestamp_micros(value, with_zone)?.to_be_bytes().to_vec()
        }
        oid::INTERVAL => match value {
            Value::Duration(duration) => {
                let micros = i64::try_from(duration.as_micros())
                    .map_err(|_| "out of range for an interval".to_string())?;
                let mut bytes = micros.to_be_bytes().to_vec();
                bytes.extend(0_i32.to_be_bytes());
                bytes.extend(0_i32.to_be_bytes());
                bytes
            }
            _ => return Err(
                "an interval takes a duration such as 1.5s; for text write {{x}}::text::interval"
                    .to_string(),
            ),
        },
        _ => return Err(unsupported_parameter(type_info)),
    };
    Ok(Some(bytes))
}

fn unsupported_parameter(type_info: &PgTypeInfo) -> String {
    let name = pg_type_name(type_info);
    format!(
        "ritc cannot bind a value to a `{name}` parameter; bind text and convert it in SQL: {{{{x}}}}::text::{name}"
    )
}

/// A one-dimensional array of `element`, from a list or a json array.
fn pg_encode_array(value: &Value, element: &PgTypeInfo) -> Result<Vec<u8>, String> {
    let items: Vec<Value> = match value {
        Value::List(items) => items.clone(),
        Value::Json(Json::Array(items)) => items.iter().cloned().map(Value::Json).collect(),
        other => {
            return Err(format!(
                "an array parameter takes a list, not {}",
                crate::value::type_name_with_article(other)
            ));
        }
    };
    let Some(Oid(element_oid)) = element.oid() else {
        return Err(unsupported_parameter(element));
    };
    let mut encoded = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        if matches!(item, Value::List(_) | Value::Json(Json::Array(_))) {
            return Err("multidimensional arrays cannot be bound".to_string());
        }
        encoded.push(pg_encode(item, element).map_err(|reason| format!("item {index}: {reason}"))?);
    }
    let length = i32::try_from(encoded.len()).map_err(|_| "too many items".to_string())?;
    let has_null = encoded.iter().any(Option::is_none);
    let mut bytes = Vec::new();
    bytes.extend(i32::from(!encoded.is_empty()).to_be_bytes());
    bytes.extend(i32::from(has_null).to_be_bytes());
    bytes.extend(element_oid.to_be_bytes());
    if !encoded.is_empty() {
        bytes.extend(length.to_be_bytes());
        bytes.extend(1_i32.to_be_bytes());
    }
    for item in encoded {
        match item {
            None => bytes.extend((-1_i32).to_be_bytes()),
            Some(item) => {
                let size =
                    i32::try_from(item.len()).map_err(|_| "an item is too large".to_string())?;
                bytes.extend(size.to_be_bytes());
                bytes.extend(item);
            }
        }
    }
    Ok(bytes)
}

/// The text of a value as `{{ }}` writes it.
fn text_of(value: &Value) -> Result<String, String> {
    to_text(value).map_err(|error| error.0)
}

fn bool_of(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(flag) | Value::Json(Json::Bool(flag)) => Ok(*flag),
        Value::String(text) | Value::Json(Json::String(text)) => {
            match text.trim().to_ascii_lowercase().as_str() {
                "t" | "true" | "y" | "yes" | "on" | "1" => Ok(true),
                "f" | "false" | "n" | "no" | "off" | "0" => Ok(false),
                _ => Err(format!("{text:?} is not a bool")),
            }
        }
        _ => Err("a bool column takes true or false".to_string()),
    }
}

fn int_of(value: &Value) -> Result<i64, String> {
    let integral = |float: f64| {
        (float.is_finite() && float.fract() == 0.0 && float.abs() < 9.2e18).then_some(float as i64)
    };
    let found = match value {
        Value::Int(int) => Some(*int),
        Value::Float(float) => integral(*float),
        Value::Json(Json::Number(number)) => number
            .as_i64()
            .or_else(|| number.as_f64().and_then(integral)),
        Value::String(text) | Value::Json(Json::String(text)) => text.trim().parse().ok(),
        _ => None,
    };
    found.ok_or_else(|| "not an integer".to_string())
}

fn float_of(value: &Value) -> Result<f64, String> {
    let found = match value {
        Value::Int(int) => Some(*int as f64),
        Value::Float(float) => Some(*float),
        Value::Json(Json::Number(number)) => number.as_f64(),
        Value::String(text) | Value::Json(Json::String(text)) => text.trim().parse().ok(),
        _ => None,
    };
    found.ok_or_else(|| "not a number".to_string())
}

/// The decimal digits of a number, exactly as given.
fn decimal_text_of(value: &Value) -> Result<String, String> {
    match value {
        Value::Int(int) => Ok(int.to_string()),
        // Display writes a float's shortest exact decimal, never in exponent form.
        Value::Float(float) => Ok(float.to_string()),
        Value::Json(Json::Number(number)) => Ok(number.to_string()),
        Value::String(text) | Value::Json(Json::String(text)) => Ok(text.trim().to_string()),
        _ => Err("not a number".to_string()),
    }
}

/// JSON text for a json/jsonb parameter: a string is read as JSON text (as the
/// literal `'{"a":1}'` would be); any other value is written as JSON.
fn json_text_of(value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => serde_json::from_str::<Json>(text)
            .map(|_| text.clone())
            .map_err(|_| {
                "a string for a json column must be JSON text; to store a JSON string, pass json(\"\\\"text\\\"\")"
                    .to_string()
            }),
        other => Ok(to_json(other).to_string()),
    }
}

fn timestamp_micros(value: &Value, with_zone: bool) -> Result<i64, String> {
    let out_of_range = || "out of range for a timestamp".to_string();
    // An int is Unix seconds (what `now()` gives).
    if matches!(value, Value::Int(_) | Value::Json(Json::Number(_))) {
        let seconds = int_of(value)?;
        return seconds
            .checked_sub(PG_EPOCH_UNIX_SECONDS)
            .and_then(|seconds| seconds.checked_mul(1_000_000))
            .ok_or_else(out_of_range);
    }
    let temporal = temporal_of(value)?;
    let Some(date) = temporal.date else {
        return Err(
            "a timestamp needs a date: YYYY-MM-DD[THH:MM:SS[.ffffff]][Z|+HH:MM]".to_string(),
        );
    };
    let days = i64::from(date.to_julian_day()) - PG_EPOCH_JULIAN_DAY;
    let mut micros = days
        .checked_mul(MICROS_PER_DAY)
        .and_then(|micros| micros.checked_add(temporal.micros_of_day.unwrap_or(0)))
        .ok_or_else(out_of_range)?;
    // A timestamp without time zone ignores an offset, as PostgreSQL does with the
    // same literal; with time zone, no offset means UTC.
    if with_zone {
        micros = micros
            .checked_sub(i64::from(temporal.offset.unwrap_or(0)) * 1_000_000)
            .ok_or_else(out_of_range)?;
    }
    Ok(micros)
}

/// The parts of a date, time or timestamp written as text.
#[derive(Debug, PartialEq)]
struct Temporal {
    date: Option<Date>,
    micros_of_day: Option<i64>,
    /// Seconds east of UTC.
    offset: Option<i32>,
}

fn temporal_of(value: &Value) -> Result<Temporal, String> {
    let text = text_of(value)?;
    parse_temporal(&text).ok_or_else(|| format!("{text:?} is not a date or time"))
}

/// `YYYY-MM-DD`, `HH:MM[:SS[.f]]`, or both joined by `T` or a space, then an
/// optional `Z` or `±HH[:MM]`.
fn parse_temporal(text: &str) -> Option<Temporal> {
    static PATTERN: OnceLock<Option<regex::Regex>> = OnceLock::new();
    let pattern = PATTERN
        .get_or_init(|| {
            regex::Regex::new(
                r"^(?:(\d{4})-(\d{2})-(\d{2}))?(?:[Tt ]?(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$",
            )
            .ok()
        })
        .as_ref()?;
    let captures = pattern.captures(text.trim())?;
    let number = |index: usize| {
        captures
            .get(index)
            .and_then(|m| m.as_str().parse::<i64>().ok())
    };
    let date = match (number(1), number(2), number(3)) {
        (Some(year), Some(month), Some(day)) => {
            let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
            Some(
                Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
                    .ok()?,
            )
        }
        _ => None,
    };
    let micros_of_day = match (number(4), number(5)) {
        (Some(hour), Some(minute)) => {
            let second = number(6).unwrap_or(0);
            if hour > 24 || minute > 59 || second > 60 {
                return None;
            }
            let fraction = captures.get(7).map_or(0, |m| {
                let digits: String = m
                    .as_str()
                    .chars()
                    .chain(std::iter::repeat('0'))
                    .take(6)
                    .collect();
                digits.parse::<i64>().unwrap_or(0)
            });
            Some(((hour * 60 + minute) * 60 + second) * 1_000_000 + fraction)
        }
        _ => None,
    };
    if date.is_none() && micros_of_day.is_none() {
        return None;
    }
    let offset = if captures.get(8).is_some() {
        Some(0)
    } else if let Some(sign) = captures.get(9) {
        let seconds = (number(10)? * 60 + number(11).unwrap_or(0)) * 60;
        let seconds = i32::try_from(seconds).ok()?;
        Some(if sign.as_str() == "-" {
            -seconds
        } else {
            seconds
        })
    } else {
        None
    };
    Some(Temporal {
        date,
        micros_of_day,
        offset,
    })
}

/// PostgreSQL's binary `numeric` for a decimal number (`-12.50`, `1e3`, `NaN`).
fn numeric_bytes(text: &str) -> Result<Vec<u8>, String> {
    const POSITIVE: u16 = 0x0000;
    const NEGATIVE: u16 = 0x4000;
    let header = |ndigits: i16, weight: i16, sign: u16, scale: u16| {
        let mut bytes = Vec::new();
        bytes.extend(ndigits.to_be_bytes());
        bytes.extend(weight.to_be_bytes());
        bytes.extend(sign.to_be_bytes());
        bytes.extend(scale.to_be_bytes());
        bytes
    };
    let trimmed = text.trim();
    match trimmed.to_ascii_lowercase().as_str() {
        "nan" => return Ok(header(0, 0, 0xC000, 0)),
        "infinity" | "+infinity" | "inf" | "+inf" => return Ok(header(0, 0, 0xD000, 0)),
        "-infinity" | "-inf" => return Ok(header(0, 0, 0xF000, 0)),
        _ => {}
    }
    let not_a_number = || format!("{text:?} is not a decimal number");
    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (
            mantissa,
            exponent.parse::<i64>().map_err(|_| not_a_number())?,
        ),
        None => (unsigned, 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if integer.is_empty() && fraction.is_empty()
        || !integer
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
    {
        return Err(not_a_number());
    }
    let scale = (fraction.len() as i64 - exponent).max(0);
    let scale = u16::try_from(scale)
        .ok()
        .filter(|scale| *scale <= 0x3FFF)
        .ok_or_else(not_a_number)?;
    let mut digits: Vec<u8> = integer
        .bytes()
        .chain(fraction.bytes())
        .map(|c| c - b'0')
        .collect();
    // Where the decimal point falls, counted in digits from the left of `digits`.
    let mut point = integer.len() as i64 + exponent;
    let leading = digits.iter().take_while(|digit| **digit == 0).count();
    digits.drain(..leading);
    point -= leading as i64;
    while digits.last() == Some(&0) {
        digits.pop();
    }
    if digits.is_empty() {
        return Ok(header(0, 0, POSITIVE, scale));
    }
    let pad = (4 - point.rem_euclid(4)) % 4;
    let mut padded = vec![0_u8; pad as usize];
    padded.extend(digits);
    point += pad;
    while !padded.len().is_multiple_of(4) {
        padded.push(0);
    }
    let groups: Vec<i16> = padded
        .chunks(4)
        .map(|chunk| {
            chunk
                .iter()
                .fold(0_i16, |group, digit| group * 10 + i16::from(*digit))
        })
        .collect();
    let weight = i16::try_from(point / 4 - 1).map_err(|_| not_a_number())?;
    let ndigits = i16::try_from(groups.len()).map_err(|_| not_a_number())?;
    let mut bytes = header(
        ndigits,
        weight,
        if negative { NEGATIVE } else { POSITIVE },
        scale,
    );
    for group in groups {
        bytes.extend(group.to_be_bytes());
    }
    Ok(bytes)
}

// ---------------------------------------------------------------------------
// Rows on PostgreSQL (binary format)

fn pg_row(row: &PgRow) -> Result<Value, String> {
    let mut entries = Vec::with_capacity(row.columns().len());
    for (index, column) in row.columns().iter().enumerate() {
        let name = column.name().to_string();
        let raw = row.try_get_raw(index).map_err(|error| error.to_string())?;
        let value = if raw.is_null() {
            Value::Json(Json::Null)
        } else {
            let type_info = raw.type_info().into_owned();
            let bytes = raw.as_bytes().map_err(|error| error.to_string())?;
            match raw.format() {
                PgValueFormat::Text => {
                    Value::Json(Json::String(String::from_utf8_lossy(bytes).into_owned()))
                }
                PgValueFormat::Binary => pg_decode(&type_info, bytes).map_err(|reason| {
                    format!("column `{name}` ({}): {reason}", pg_type_name(&type_info))
                })?,
            }
        };
        entries.push((name, value));
    }
    Ok(Value::Object(entries))
}

/// A value from PostgreSQL's binary format.
fn pg_decode(type_info: &PgTypeInfo, bytes: &[u8]) -> Result<Value, String> {
    match type_info.kind() {
        PgTypeKind::Domain(base) => return pg_decode(base, bytes),
        PgTypeKind::Array(element) => return pg_decode_array(element, bytes),
        PgTypeKind::Composite(_) | PgTypeKind::Range(_) => {
            return Err(unsupported_column(type_info));
        }
        PgTypeKind::Enum(_) | PgTypeKind::Simple | PgTypeKind::Pseudo => {}
    }
    if pg_is_text(type_info) {
        return Ok(json_string(utf8(bytes)?));
    }
    let Some(Oid(type_oid)) = type_info.oid() else {
        return Err(unsupported_column(type_info));
    };
    let mut reader = Reader(bytes);
    Ok(match type_oid {
        oid::BOOL => Value::Json(Json::Bool(reader.take(1)?.first() != Some(&0))),
        oid::CHAR => json_string(String::from_utf8_lossy(bytes).into_owned()),
        oid::INT2 => Value::Json(Json::from(reader.i16()?)),
        oid::INT4 => Value::Json(Json::from(reader.i32()?)),
        oid::INT8 => Value::Json(Json::from(reader.i64()?)),
        oid::OID => Value::Json(Json::from(reader.u32()?)),
        oid::FLOAT4 => float_value(shortest_f32(f32::from_bits(reader.u32()?))),
        oid::FLOAT8 => float_value(f64::from_bits(reader.u64()?)),
        oid::NUMERIC => json_string(numeric_text(bytes)?),
        oid::BYTEA => Value::Bytes(bytes.to_vec()),
        oid::UUID => json_string(
            uuid::Uuid::from_slice(bytes)
                .map_err(|error| error.to_string())?
                .hyphenated()
                .to_string(),
        ),
        oid::JSON => parse_json(bytes)?,
        oid::JSONB => match bytes.split_first() {
            Some((1, rest)) => parse_json(rest)?,
            _ => return Err("unknown jsonb version".to_string()),
        },
        oid::DATE => {
            let days = reader.i32()?;
            json_string(match days {
                i32::MAX => "infinity".to_string(),
                i32::MIN => "-infinity".to_string(),
                days => format_date(pg_date(i64::from(days))?),
            })
        }
        oid::TIME => json_string(format_clock(reader.i64()?)),
        oid::TIMETZ => {
            let micros = reader.i64()?;
            let west = reader.i32()?;
            json_string(format!("{}{}", format_clock(micros), format_offset(-west)))
        }
        oid::TIMESTAMP | oid::TIMESTAMPTZ => {
            let micros = reader.i64()?;
            json_string(match micros {
                i64::MAX => "infinity".to_string(),
                i64::MIN => "-infinity".to_string(),
                micros => {
                    let days = micros.div_euclid(MICROS_PER_DAY);
                    let text = format!(
                        "{}T{}",
                        format_date(pg_date(days)?),
                        format_clock(micros.rem_euclid(MICROS_PER_DAY))
                    );
                    if type_oid == oid::TIMESTAMPTZ {
                        format!("{text}Z")
                    } else {
                        text
                    }
                }
            })
        }
        oid::INTERVAL => {
            let micros = reader.i64()?;
            let days = reader.i32()?;
            let months = reader.i32()?;
            json_string(format_interval(months, days, micros))
        }
        oid::INET | oid::CIDR => json_string(format_inet(bytes, type_oid == oid::CIDR)?),
        oid::MACADDR => json_string(
            bytes
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect::<Vec<_>>()
                .join(":"),
        ),
        _ => return Err(unsupported_column(type_info)),
    })
}

fn unsupported_column(type_info: &PgTypeInfo) -> String {
    format!(
        "ritc cannot read the PostgreSQL type `{}` yet: select the column as text (`column::text`)",
        pg_type_name(type_info)
    )
}

/// An array in binary format, any number of dimensions, as nested lists.
fn pg_decode_array(element: &PgTypeInfo, bytes: &[u8]) -> Result<Value, String> {
    let mut reader = Reader(bytes);
    let dimensions = reader.i32()?;
    let _has_null = reader.i32()?;
    let _element_oid = reader.u32()?;
    let mut lengths = Vec::new();
    for _ in 0..dimensions {
        lengths.push(usize::try_from(reader.i32()?).map_err(|_| "bad array length".to_string())?);
        let _lower_bound = reader.i32()?;
    }
    let total: usize = if lengths.is_empty() {
        0
    } else {
        lengths.iter().product()
    };
    let mut items = Vec::with_capacity(total.min(1 << 16));
    for _ in 0..total {
        let size = reader.i32()?;
        if size < 0 {
            items.push(Value::Json(Json::Null));
        } else {
            let size = usize::try_from(size).map_err(|_| "bad item length".to_string())?;
            items.push(pg_decode(element, reader.take(size)?)?);
        }
    }
    let mut items = items.into_iter();
    Ok(nest(&mut items, &lengths))
}

/// Items laid out by `lengths` (outermost first) into nested lists.
fn nest(items: &mut impl Iterator<Item = Value>, lengths: &[usize]) -> Value {
    match lengths.split_first() {
        None => list_value(Vec::new()),
        Some((length, [])) => list_value(items.take(*length).collect()),
        Some((length, inner)) => list_value((0..*length).map(|_| nest(items, inner)).collect()),
    }
}

/// A list as json when every item is json, else as a list (bytes, NaN).
fn list_value(items: Vec<Value>) -> Value {
    if items.iter().all(|item| matches!(item, Value::Json(_))) {
        Value::Json(Json::Array(
            items
                .into_iter()
                .filter_map(|item| match item {
                    Value::Json(json) => Some(json),
                    _ => None,
                })
                .collect(),
        ))
    } else {
        Value::List(items)
    }
}

/// Reads big-endian numbers off a value's bytes; running short is an error.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], String> {
        if self.0.len() < count {
            return Err("the value is shorter than its type needs".to_string());
        }
        let (taken, rest) = self.0.split_at(count);
        self.0 = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn i16(&mut self) -> Result<i16, String> {
        self.array().map(i16::from_be_bytes)
    }

    fn u16(&mut self) -> Result<u16, String> {
        self.array().map(u16::from_be_bytes)
    }

    fn i32(&mut self) -> Result<i32, String> {
        self.array().map(i32::from_be_bytes)
    }

    fn u32(&mut self) -> Result<u32, String> {
        self.array().map(u32::from_be_bytes)
    }

    fn i64(&mut self) -> Result<i64, String> {
        self.array().map(i64::from_be_bytes)
    }

    fn u64(&mut self) -> Result<u64, String> {
        self.array().map(u64::from_be_bytes)
    }
}

/// A binary `numeric` as exact decimal text, with as many fraction digits as its
/// scale (`12.50`), as PostgreSQL writes it.
fn numeric_text(bytes: &[u8]) -> Result<String, String> {
    let mut reader = Reader(bytes);
    let ndigits = usize::try_from(reader.i16()?).map_err(|_| "bad numeric".to_string())?;
    let weight = i64::from(reader.i16()?);
    let sign = reader.u16()?;
    let scale = usize::from(reader.u16()?);
    let digits = (0..ndigits)
        .map(|_| reader.i16())
        .collect::<Result<Vec<_>, _>>()?;
    let negative = match sign {
        0x0000 => false,
        0x4000 => true,
        0xC000 => return Ok("NaN".to_string()),
        0xD000 => return Ok("Infinity".to_string()),
        0xF000 => return Ok("-Infinity".to_string()),
        _ => return Err("bad numeric sign".to_string()),
    };
    let digit = |index: i64| {
        usize::try_from(index)
            .ok()
            .and_then(|index| digits.get(index))
            .copied()
            .unwrap_or(0)
    };
    let mut text = String::new();
    if negative {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        for index in 0..=weight {
            if index == 0 {
                text.push_str(&digit(index).to_string());
            } else {
                text.push_str(&format!("{:04}", digit(index)));
            }
        }
    }
    if scale > 0 {
        let mut fraction = String::new();
        let mut index = weight + 1;
        while fraction.len() < scale {
            fraction.push_str(&format!("{:04}", digit(index)));
            index += 1;
        }
        fraction.truncate(scale);
        text.push('.');
        text.push_str(&fraction);
    }
    Ok(text)
}

fn format_inet(bytes: &[u8], cidr: bool) -> Result<String, String> {
    let mut reader = Reader(bytes);
    let family = reader.take(1)?.first().copied().unwrap_or(0);
    let bits = reader.take(1)?.first().copied().unwrap_or(0);
    let _is_cidr = reader.take(1)?;
    let size = usize::from(reader.take(1)?.first().copied().unwrap_or(0));
    let address = reader.take(size)?;
    let (text, full) = match (family, address.len()) {
        (2, 4) => {
            let octets: [u8; 4] = address.try_into().map_err(|_| "bad inet".to_string())?;
            (std::net::Ipv4Addr::from(octets).to_string(), 32)
        }
        (3, 16) => {
            let octets: [u8; 16] = address.try_into().map_err(|_| "bad inet".to_string())?;
            (std::net::Ipv6Addr::from(octets).to_string(), 128)
        }
        _ => return Err("bad inet".to_string()),
    };
    Ok(if cidr || bits != full {
        format!("{text}/{bits}")
    } else {
        text
    })
}

// ---------------------------------------------------------------------------
// Rows on MySQL and MariaDB

fn mysql_row(row: &MySqlRow) -> Result<Value, String> {
    let mut entries = Vec::with_capacity(row.columns().len());
    for (index, column) in row.columns().iter().enumerate() {
        let name = column.name().to_string();
        let raw = row.try_get_raw(index).map_err(|error| error.to_string())?;
        let value = if raw.is_null() {
            Value::Json(Json::Null)
        } else {
            let type_info = raw.type_info().into_owned();
            mysql_value(row, index, &type_info)
                .map_err(|reason| format!("column `{name}` ({}): {reason}", type_info.name()))?
        };
        entries.push((name, value));
    }
    Ok(Value::Object(entries))
}

fn mysql_value(
    row: &MySqlRow,
    index: usize,
    type_info: &sqlx::mysql::MySqlTypeInfo,
) -> Result<Value, String> {
    fn get<'r, T: sqlx::Decode<'r, MySql>>(row: &'r MySqlRow, index: usize) -> Result<T, String> {
        row.try_get_unchecked::<T, _>(index)
            .map_err(|error| error.to_string())
    }
    let name = type_info.name();
    Ok(match name {
        "NULL" => Value::Json(Json::Null),
        "BOOLEAN" => Value::Json(Json::Bool(get::<i64>(row, index)? != 0)),
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => {
            Value::Json(Json::from(get::<i64>(row, index)?))
        }
        "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED"
        | "BIGINT UNSIGNED" => Value::Json(Json::from(get::<u64>(row, index)?)),
        "FLOAT" => float_value(shortest_f32(get::<f32>(row, index)?)),
        "DOUBLE" => float_value(get::<f64>(row, index)?),
        "DECIMAL" => json_string(utf8(&get::<Vec<u8>>(row, index)?)?),
        "DATE" => json_string(format_date(get::<Date>(row, index)?)),
        "DATETIME" => json_string(format_naive(get::<PrimitiveDateTime>(row, index)?)),
        // The session's time zone is UTC (sqlx sets it), so this is the instant.
        "TIMESTAMP" => json_string(format_utc(get::<OffsetDateTime>(row, index)?)),
        "TIME" => json_string(mysql_time(&get::<Vec<u8>>(row, index)?)?),
        "JSON" => parse_json(&get::<Vec<u8>>(row, index)?)?,
        "BIT" => {
            let bytes = get::<Vec<u8>>(row, index)?;
            Value::Json(Json::from(
                bytes
                    .iter()
                    .fold(0_u64, |bits, byte| bits << 8 | u64::from(*byte)),
            ))
        }
        _ if <str as sqlx::Type<MySql>>::compatible(type_info) => {
            json_string(get::<String>(row, index)?)
        }
        _ => Value::Bytes(get::<Vec<u8>>(row, index)?),
    })
}

/// A MySQL `TIME` (a time of day or a signed span up to 838 hours) from the binary
/// protocol: sign, days, hours, minutes, seconds and microseconds.
fn mysql_time(raw: &[u8]) -> Result<String, String> {
    // The binary protocol sends a length byte (0, 8 or 12) and then the fields.
    let bytes = match raw.split_first() {
        Some((length, rest))
            if matches!(length, 0 | 8 | 12) && rest.len() == usize::from(*length) =>
        {
            rest
        }
        // The text protocol already writes it.
        _ => return utf8(raw),
    };
    let byte = |index: usize| i64::from(bytes.get(index).copied().unwrap_or(0));
    let days = bytes.get(1..5).map_or(0, |days| {
        i64::from(u32::from_le_bytes([days[0], days[1], days[2], days[3]]))
    });
    let micros = bytes.get(8..12).map_or(0, |micros| {
        i64::from(u32::from_le_bytes([
            micros[0], micros[1], micros[2], micros[3],
        ]))
    });
    let total = (((days * 24 + byte(5)) * 60 + byte(6)) * 60 + byte(7)) * 1_000_000 + micros;
    let sign = if byte(0) == 1 { "-" } else { "" };
    Ok(format!("{sign}{}", format_clock(total)))
}

// ---------------------------------------------------------------------------
// Rows on SQLite: by each value's storage class

fn sqlite_row(row: &sqlx::sqlite::SqliteRow) -> Result<Value, String> {
    let mut entries = Vec::with_capacity(row.columns().len());
    for (index, column) in row.columns().iter().enumerate() {
        let name = column.name().to_string();
        let raw = row.try_get_raw(index).map_err(|error| error.to_string())?;
        let storage = raw.type_info().name().to_string();
        let get_error = |error: sqlx::Error| format!("column `{name}`: {error}");
        let value = if raw.is_null() {
            Value::Json(Json::Null)
        } else {
            match storage.as_str() {
                "INTEGER" => {
                    let int = row.try_get_unchecked::<i64, _>(index).map_err(get_error)?;
                    // A column declared BOOLEAN holds 0 and 1.
                    if column.type_info().name() == "BOOLEAN" {
                        Value::Json(Json::Bool(int != 0))
                    } else {
                        Value::Json(Json::from(int))
                    }
                }
                "REAL" => float_value(row.try_get_unchecked::<f64, _>(index).map_err(get_error)?),
                "BLOB" => Value::Bytes(
                    row.try_get_unchecked::<Vec<u8>, _>(index)
                        .map_err(get_error)?,
                ),
                _ => json_string(
                    row.try_get_unchecked::<String, _>(index)
                        .map_err(get_error)?,
                ),
            }
        };
        entries.push((name, value));
    }
    Ok(Value::Object(entries))
}

// ---------------------------------------------------------------------------
// Values and their text forms

fn json_string(text: String) -> Value {
    Value::Json(Json::String(text))
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| "the text is not UTF-8".to_string())
}

fn parse_json(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(bytes)
        .map(Value::Json)
        .map_err(|error| format!("invalid JSON from the database: {error}"))
}

/// A float as json; NaN and the infinities, which JSON cannot hold, as `float`.
fn float_value(float: f64) -> Value {
    match serde_json::Number::from_f64(float) {
        Some(number) => Value::Json(Json::Number(number)),
        None => Value::Float(float),
    }
}

/// A `real` as the double that prints the same (0.1, not 0.10000000149011612).
fn shortest_f32(float: f32) -> f64 {
    float.to_string().parse().unwrap_or(f64::from(float))
}

fn pg_date(days_from_2000: i64) -> Result<Date, String> {
    let julian = i32::try_from(PG_EPOCH_JULIAN_DAY + days_from_2000)
        .map_err(|_| "date out of range".to_string())?;
    Date::from_julian_day(julian).map_err(|_| "date out of range".to_string())
}

/// `YYYY-MM-DD` (ISO 8601; a year before 1 or after 9999 with its sign).
fn format_date(date: Date) -> String {
    let year = date.year();
    let month = u8::from(date.month());
    if (0..=9999).contains(&year) {
        format!("{year:04}-{month:02}-{:02}", date.day())
    } else {
        format!("{year:+05}-{month:02}-{:02}", date.day())
    }
}

/// `HH:MM:SS`, then `.ffffff` without trailing zeros when there is a fraction.
fn format_clock(micros_of_day: i64) -> String {
    let seconds = micros_of_day.div_euclid(1_000_000);
    let micros = micros_of_day.rem_euclid(1_000_000);
    let mut text = format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    if micros != 0 {
        text.push_str(format!(".{micros:06}").trim_end_matches('0'));
    }
    text
}

fn format_offset(seconds_east: i32) -> String {
    if seconds_east == 0 {
        return "Z".to_string();
    }
    let sign = if seconds_east < 0 { '-' } else { '+' };
    let minutes = seconds_east.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

fn micros_of(time: time::Time) -> i64 {
    (i64::from(time.hour()) * 3600 + i64::from(time.minute()) * 60 + i64::from(time.second()))
        * 1_000_000
        + i64::from(time.microsecond())
}

/// A timestamp without time zone: RFC 3339's form without an offset.
fn format_naive(timestamp: PrimitiveDateTime) -> String {
    format!(
        "{}T{}",
        format_date(timestamp.date()),
        format_clock(micros_of(timestamp.time()))
    )
}

/// An instant in RFC 3339, in UTC: `2024-01-02T03:04:05.5Z`.
fn format_utc(timestamp: OffsetDateTime) -> String {
    let utc = timestamp.to_offset(UtcOffset::UTC);
    format!(
        "{}T{}Z",
        format_date(utc.date()),
        format_clock(micros_of(utc.time()))
    )
}

/// An interval in ISO 8601 (`P1Y2M3DT4H5M6.5S`), each part with its own sign as
/// PostgreSQL's `iso_8601` style writes it.
fn format_interval(months: i32, days: i32, micros: i64) -> String {
    let mut text = "P".to_string();
    let (years, months) = (months / 12, months % 12);
    for (amount, unit) in [(years, 'Y'), (months, 'M'), (days, 'D')] {
        if amount != 0 {
            text.push_str(&format!("{amount}{unit}"));
        }
    }
    if micros != 0 {
        text.push('T');
        let hours = micros / 3_600_000_000;
        let minutes = micros / 60_000_000 % 60;
        let seconds = micros % 60_000_000;
        if hours != 0 {
            text.push_str(&format!("{hours}H"));
        }
        if minutes != 0 {
            text.push_str(&format!("{minutes}M"));
        }
        if seconds != 0 {
            let sign = if seconds < 0 { "-" } else { "" };
            let seconds = seconds.unsigned_abs();
            let mut number = format!("{sign}{}", seconds / 1_000_000);
            if !seconds.is_multiple_of(1_000_000) {
                number.push_str(format!(".{:06}", seconds % 1_000_000).trim_end_matches('0'));
            }
            text.push_str(&format!("{number}S"));
        }
    }
    if text == "P" {
        text.push_str("T0S");
    }
    text
}

// ---------------------------------------------------------------------------
// Errors and the `-v` exchange

/// Whether an error leaves the connection unusable (so it is closed, not kept).
fn connection_is_broken(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::PoolClosed
    )
}

/// A connection attempt that ran out of time, in words that say which part.
fn timed_out(words: String) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, words))
}

/// What the driver said, without sqlx's wrapping.
fn driver_message(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(error) => error.to_string(),
        sqlx::Error::Database(error) => match error.code() {
            Some(code) => format!("{} (code {code})", error.message()),
            None => error.message().to_string(),
        },
        sqlx::Error::Tls(error) => format!("TLS: {error}"),
        sqlx::Error::Configuration(error) => error.to_string(),
        sqlx::Error::PoolTimedOut => "no answer in time".to_string(),
        other => other.to_string(),
    }
}

/// A failed connection: where, the driver's reason, and what to do about it.
fn connection_error(
    target: &Target,
    options: &ConnectionOptions,
    error: &sqlx::Error,
) -> StepError {
    let reason = driver_message(error);
    let timed_out = match error {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Io(io) => io.kind() == std::io::ErrorKind::TimedOut,
        _ => false,
    };
    let silent_after_accept = timed_out && reason.contains("accepted the connection");
    let code = match error {
        sqlx::Error::Database(error) => error.code().map(|code| code.to_string()),
        _ => None,
    };
    let refused =
        matches!(error, sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused);
    let help = match (target.driver, code.as_deref()) {
        (Driver::Sqlite, _) => {
            "help: check that the file's folder exists and can be written; add ?mode=rwc to the URL to create the file"
                .to_string()
        }
        // Wrong password (PostgreSQL, MySQL) or no such role.
        (_, Some("28P01" | "28000")) => {
            "help: check the user and password in the URL".to_string()
        }
        // No such database.
        (_, Some("3D000" | "42000")) => {
            "help: create the database, or correct its name in the URL".to_string()
        }
        _ if refused => format!(
            "help: is the {} server running and listening there? Start it (or the service that provides it), \
             or correct the host and port in the URL ({})",
            target.product,
            target.shown()
        ),
        _ if silent_after_accept => format!(
            "help: something accepted the connection but did not speak {}'s protocol: is that port the database's, not another service or a proxy whose backend is down ({})? Is the server overloaded?",
            target.product,
            target.shown()
        ),
        _ if timed_out => format!(
            "help: the server did not answer; check that the host is reachable and the port is the database's ({})",
            target.shown()
        ),
        _ => format!("help: check the URL ({}) and that the server accepts connections", target.shown()),
    };
    let kind = if timed_out {
        StepErrorKind::Timeout
    } else {
        StepErrorKind::Connection
    };
    StepError {
        kind,
        message: format!(
            "cannot connect to {} at {}: {reason}",
            target.product,
            options.location()
        ),
        detail: Some(help),
    }
}

/// A failed statement: the server's code and message, then the statement (with a
/// caret where PostgreSQL points) and the server's detail and hint.
fn statement_error(target: &Target, sql: &str, error: RunError) -> StepError {
    match error {
        RunError::Bind(message) => StepError {
            kind: StepErrorKind::Usage,
            message,
            detail: Some(statement_detail(sql, None)),
        },
        RunError::Decode(message) => StepError {
            kind: StepErrorKind::Database,
            message,
            detail: Some(statement_detail(sql, None)),
        },
        RunError::Sql(sqlx::Error::Database(error)) => {
            let mut extra = Vec::new();
            let mut position = None;
            let message = if let Some(postgres) = error.try_downcast_ref::<PgDatabaseError>() {
                if let Some(PgErrorPosition::Original(at)) = postgres.position() {
                    position = Some(at);
                }
                if let Some(detail) = postgres.detail() {
                    extra.push(format!("detail: {detail}"));
                }
                if let Some(hint) = postgres.hint() {
                    extra.push(format!("hint: {hint}"));
                }
                if postgres.message().contains("multiple commands") {
                    extra.push(
                        "help: a `sql` step runs one statement: write one step for each"
                            .to_string(),
                    );
                }
                let code = postgres.code();
                match sqlstate_name(code) {
                    Some(name) => format!(
                        "{} error {code} ({name}): {}",
                        target.product,
                        postgres.message()
                    ),
                    None => format!("{} error {code}: {}", target.product, postgres.message()),
                }
            } else if let Some(mysql) = error.try_downcast_ref::<MySqlDatabaseError>() {
                match mysql.code() {
                    Some(state) => format!(
                        "{} error {} (SQLSTATE {state}): {}",
                        target.product,
                        mysql.number(),
                        mysql.message()
                    ),
                    None => format!(
                        "{} error {}: {}",
                        target.product,
                        mysql.number(),
                        mysql.message()
                    ),
                }
            } else {
                let code = error
                    .code()
                    .map(|code| code.to_string())
                    .unwrap_or_default();
                match sqlite_code_name(&code) {
                    Some(name) => format!(
                        "{} error {code} ({name}): {}",
                        target.product,
                        error.message()
                    ),
                    None => format!("{} error {code}: {}", target.product, error.message()),
                }
            };
            let mut detail = statement_detail(sql, position);
            for line in extra {
                detail.push('\n');
                detail.push_str(&line);
            }
            StepError {
                kind: StepErrorKind::Database,
                message,
                detail: Some(detail),
            }
        }
        RunError::Sql(error) if connection_is_broken(&error) => StepError {
            kind: StepErrorKind::Connection,
            message: format!(
                "lost the connection to {} ({}): {}",
                target.product,
                target.shown(),
                driver_message(&error)
            ),
            detail: Some(statement_detail(sql, None)),
        },
        RunError::Sql(error) => StepError {
            kind: StepErrorKind::Database,
            message: format!("{}: {}", target.product, driver_message(&error)),
            detail: Some(statement_detail(sql, None)),
        },
    }
}

/// The statement as sent, and a caret under the character at `position` (1-based,
/// in characters, as PostgreSQL counts).
fn statement_detail(sql: &str, position: Option<usize>) -> String {
    let mut text = String::from("statement:");
    let mut remaining = position;
    for line in sql.lines() {
        text.push_str("\n  ");
        text.push_str(line);
        if let Some(at) = remaining {
            let length = line.chars().count();
            if at >= 1 && at <= length {
                text.push_str("\n  ");
                text.push_str(&" ".repeat(at - 1));
                text.push('^');
                remaining = None;
            } else {
                // The line's break counts as one character.
                remaining = at.checked_sub(length + 1);
            }
        }
    }
    text
}

/// The names of the SQLSTATE codes a check most often meets.
fn sqlstate_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "23505" => "unique_violation",
        "23503" => "foreign_key_violation",
        "23502" => "not_null_violation",
        "23514" => "check_violation",
        "22P02" => "invalid_text_representation",
        "22001" => "string_data_right_truncation",
        "22003" => "numeric_value_out_of_range",
        "22007" => "invalid_datetime_format",
        "22008" => "datetime_field_overflow",
        "22012" => "division_by_zero",
        "25P02" => "in_failed_sql_transaction",
        "40001" => "serialization_failure",
        "40P01" => "deadlock_detected",
        "42501" => "insufficient_privilege",
        "42601" => "syntax_error",
        "42703" => "undefined_column",
        "42704" => "undefined_object",
        "42710" => "duplicate_object",
        "42804" => "datatype_mismatch",
        "42883" => "undefined_function",
        "42P01" => "undefined_table",
        "42P07" => "duplicate_table",
        "42P18" => "indeterminate_datatype",
        "57014" => "query_canceled",
        "0A000" => "feature_not_supported",
        _ => return None,
    })
}

/// The names of SQLite's (extended) result codes a check most often meets.
fn sqlite_code_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "SQLITE_ERROR",
        "5" => "SQLITE_BUSY",
        "6" => "SQLITE_LOCKED",
        "8" => "SQLITE_READONLY",
        "14" => "SQLITE_CANTOPEN",
        "19" => "SQLITE_CONSTRAINT",
        "20" => "SQLITE_MISMATCH",
        "275" => "SQLITE_CONSTRAINT_CHECK",
        "787" => "SQLITE_CONSTRAINT_FOREIGNKEY",
        "1299" => "SQLITE_CONSTRAINT_NOTNULL",
        "1555" => "SQLITE_CONSTRAINT_PRIMARYKEY",
        "2067" => "SQLITE_CONSTRAINT_UNIQUE",
        _ => return None,
    })
}

/// The statement, its parameters and what it gave, for `-v`.
fn exchange_text(
    target: &Target,
    sql: &str,
    parameters: &[Value],
    result: &StatementResult,
    duration: Duration,
) -> String {
    let mut text = format!("sql {}\n{sql}\n", target.shown());
    for (index, value) in parameters.iter().enumerate() {
        match target.driver {
            Driver::Postgres => text.push_str(&format!("  ${} = {}\n", index + 1, describe(value))),
            Driver::MySql | Driver::Sqlite => {
                text.push_str(&format!("  ?{} = {}\n", index + 1, describe(value)))
            }
        }
    }
    let rows = result.rows.len();
    text.push_str(&format!(
        "→ count {}, {} row{} in {}\n",
        result.count,
        rows,
        if rows == 1 { "" } else { "s" },
        literal_duration(duration)
    ));
    for row in result.rows.iter().take(SHOWN_ROWS) {
        text.push_str(&format!("  {}\n", describe(row)));
    }
    if rows > SHOWN_ROWS {
        text.push_str(&format!("  … {} more\n", rows - SHOWN_ROWS));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_round_trip(text: &str) -> String {
        numeric_text(&numeric_bytes(text).unwrap()).unwrap()
    }

    #[test]
    fn numerics_round_trip_exactly() {
        assert_eq!(numeric_round_trip("12.50"), "12.50");
        assert_eq!(numeric_round_trip("-12.50"), "-12.50");
        assert_eq!(numeric_round_trip("0"), "0");
        assert_eq!(numeric_round_trip("0.000"), "0.000");
        assert_eq!(numeric_round_trip("0.000005"), "0.000005");
        assert_eq!(numeric_round_trip("100"), "100");
        assert_eq!(
            numeric_round_trip("123456789.0123456789"),
            "123456789.0123456789"
        );
        assert_eq!(
            numeric_round_trip("99999999999999999999999999999999.5"),
            "99999999999999999999999999999999.5"
        );
        assert_eq!(numeric_round_trip("1e3"), "1000");
        assert_eq!(numeric_round_trip("1.5E-3"), "0.0015");
        assert_eq!(numeric_round_trip("NaN"), "NaN");
        assert_eq!(numeric_round_trip("-Infinity"), "-Infinity");
        assert!(numeric_bytes("12a").is_err());
        assert!(numeric_bytes("").is_err());
        assert!(numeric_bytes(".").is_err());
    }

    #[test]
    fn numeric_bytes_match_postgres() {
        // SELECT '12.50'::numeric in binary: 2 digits, weight 0, positive, scale 2, [12, 5000].
        assert_eq!(
            numeric_bytes("12.50").unwrap(),
            vec![0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x13, 0x88]
        );
        // 0.0015: 1 digit, weight -1, scale 4, [15].
        assert_eq!(
            numeric_bytes("0.0015").unwrap(),
            vec![0, 1, 0xFF, 0xFF, 0, 0, 0, 4, 0, 15]
        );
    }

    #[test]
    fn temporal_text_is_parsed() {
        let parsed = parse_temporal("2024-01-02T03:04:05.5Z").unwrap();
        assert_eq!(parsed.date.map(format_date).as_deref(), Some("2024-01-02"));
        assert_eq!(
            parsed.micros_of_day,
            Some(((3 * 60 + 4) * 60 + 5) * 1_000_000 + 500_000)
        );
        assert_eq!(parsed.offset, Some(0));
        let parsed = parse_temporal("2024-01-02 03:04:05+02:00").unwrap();
        assert_eq!(parsed.offset, Some(7200));
        let parsed = parse_temporal("12:30").unwrap();
        assert_eq!(parsed.date, None);
        assert_eq!(parsed.micros_of_day, Some((12 * 60 + 30) * 60 * 1_000_000));
        assert!(parse_temporal("2024-13-01").is_none());
        assert!(parse_temporal("tomorrow").is_none());
        assert!(parse_temporal("").is_none());
    }

    #[test]
    fn clocks_and_intervals_are_written_as_iso_8601() {
        assert_eq!(format_clock(0), "00:00:00");
        assert_eq!(
            format_clock(((23 * 60 + 59) * 60 + 59) * 1_000_000 + 120_000),
            "23:59:59.12"
        );
        assert_eq!(format_interval(0, 0, 0), "PT0S");
        assert_eq!(format_interval(14, 3, 90_500_000), "P1Y2M3DT1M30.5S");
        assert_eq!(format_interval(0, -1, -3_600_000_000), "P-1DT-1H");
        assert_eq!(format_offset(-5 * 3600 - 30 * 60), "-05:30");
    }

    #[test]
    fn placeholders_follow_the_driver_and_keep_apart_from_words() {
        let parts = vec![
            CommandPart::Text("SELECT * FROM t WHERE a = ".to_string()),
            CommandPart::Value(Value::Int(1)),
            CommandPart::Text(" AND b =".to_string()),
            CommandPart::Value(Value::String("x".to_string())),
            CommandPart::Text("".to_string()),
        ];
        let (sql, values) = statement_text(&parts, Driver::Postgres);
        assert_eq!(sql, "SELECT * FROM t WHERE a = $1 AND b =$2");
        assert_eq!(values.len(), 2);
        let (sql, _) = statement_text(&parts, Driver::MySql);
        assert_eq!(sql, "SELECT * FROM t WHERE a = ? AND b =?");
        let joined = vec![
            CommandPart::Text("SELECT x".to_string()),
            CommandPart::Value(Value::Int(1)),
            CommandPart::Text("y".to_string()),
        ];
        assert_eq!(statement_text(&joined, Driver::Postgres).0, "SELECT x $1 y");
    }

    #[test]
    fn plain_parameters_keep_their_kind() {
        assert_eq!(
            plain_parameter(&Value::Json(serde_json::json!(5))).unwrap(),
            Plain::Int(5)
        );
        assert_eq!(
            plain_parameter(&Value::Json(serde_json::json!(2.5))).unwrap(),
            Plain::Float(2.5)
        );
        assert_eq!(
            plain_parameter(&Value::Json(serde_json::json!("x"))).unwrap(),
            Plain::Text("x".into())
        );
        assert_eq!(
            plain_parameter(&Value::Json(serde_json::json!({"a": 1}))).unwrap(),
            Plain::Text("{\"a\":1}".into())
        );
        assert_eq!(
            plain_parameter(&Value::Duration(Duration::from_millis(150))).unwrap(),
            Plain::Text("150ms".into())
        );
        assert_eq!(
            plain_parameter(&Value::Json(Json::Null)).unwrap(),
            Plain::Null
        );
    }

    #[test]
    fn the_caret_points_into_the_right_line() {
        assert_eq!(
            statement_detail("SELECT *\nFROM nope", Some(15)),
            "statement:\n  SELECT *\n  FROM nope\n       ^"
        );
    }

    #[test]
    fn unknown_schemes_are_refused() {
        let error = Target::parse("redis://localhost").err().unwrap();
        assert!(
            error.message.contains("not a database URL"),
            "{}",
            error.message
        );
        assert_eq!(
            Target::parse("mariadb://root@localhost/test")
                .ok()
                .map(|target| target.driver),
            Some(Driver::MySql)
        );
    }
}
