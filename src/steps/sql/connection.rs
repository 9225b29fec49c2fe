//! The databases of a `sql` step: a URL read as a driver and its options, the pool
//! of each database for the run, and the connection each test holds (closed, never
//! returned, when a statement is cut short).

use super::errors::{connection_error, driver_message, timed_out};
use super::exec::{DIAGNOSTIC_WAIT, MAX_CONNECTIONS, RETURN_WAIT};
use crate::steps::exec::{StepError, StepErrorKind};
use crate::units::literal_duration;
use crate::value::hide_password;
use sqlx::mysql::{MySql, MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection as _, Executor};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Driver {
    Postgres,
    MySql,
    Sqlite,
}

/// A database URL and what it names.
pub(super) struct Target {
    /// The URL as `database(url)` gave it: the key of its pool.
    pub(super) url: String,
    pub(super) driver: Driver,
    /// How messages name the server: `PostgreSQL`, `MySQL`, `MariaDB`, `SQLite`.
    pub(super) product: &'static str,
}

impl Target {
    pub(super) fn parse(url: &str) -> Result<Target, StepError> {
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
    pub(super) fn shown(&self) -> String {
        hide_password(&self.url)
    }

    /// Whether this is an SQLite database that lives only in its connections.
    fn in_memory(&self) -> bool {
        self.driver == Driver::Sqlite
            && (self.url.contains(":memory:") || self.url.contains("mode=memory"))
    }
}

/// How to connect to one database, per driver.
pub(super) enum ConnectionOptions {
    Postgres(PgConnectOptions),
    MySql(MySqlConnectOptions),
    Sqlite {
        options: SqliteConnectOptions,
        in_memory: bool,
    },
}

impl ConnectionOptions {
    pub(super) fn of(target: &Target) -> Result<ConnectionOptions, StepError> {
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
    pub(super) async fn probe(&self, timeout: Duration) -> Result<(), sqlx::Error> {
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
    pub(super) fn into_pool(self) -> Pool {
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
    pub(super) fn location(&self) -> String {
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

pub(super) fn server_location(host: &str, port: u16, database: Option<&str>, user: &str) -> String {
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
pub(super) struct Pool {
    pub(super) drivers: DriverPool,
    pub(super) held: Arc<AtomicUsize>,
}

#[derive(Clone)]
pub(super) enum DriverPool {
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

    pub(super) async fn close(&self) {
        match &self.drivers {
            DriverPool::Postgres(pool) => pool.close().await,
            DriverPool::MySql(pool) => pool.close().await,
            DriverPool::Sqlite(pool) => pool.close().await,
        }
    }

    /// Open connections that no test holds: idle ones, and those a finished test is
    /// still giving back.
    pub(super) fn unheld(&self) -> (usize, usize) {
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
    pub(super) async fn acquire(
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
pub(super) struct HeldConnection {
    pub(super) connection: Connection,
    pub(super) held: Arc<AtomicUsize>,
}

impl Drop for HeldConnection {
    fn drop(&mut self) {
        self.held.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(super) enum Connection {
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
/// one database share one connection (docs/sql.md). They go back to their
/// pools when the test ends and its resources are dropped.
#[derive(Default)]
pub(super) struct TestConnections {
    pub(super) by_url: tokio::sync::Mutex<HashMap<String, HeldConnection>>,
}

/// A connection with a statement running on it. Unless it is released after the
/// statement, dropping it closes the connection rather than pooling it: a future
/// cut short leaves the protocol mid-exchange.
pub(super) struct InFlight(pub(super) Option<HeldConnection>);

impl InFlight {
    pub(super) fn release(mut self) -> Option<HeldConnection> {
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
