//! The database sampler, for PostgreSQL and MySQL/MariaDB (`database(url)`; an
//! SQLite file has no server to watch): at each sample, on a connection of its
//! own with short timeouts, it reads the connections in use against each limit
//! that applies (the server's `max_connections`, the role's or user's own
//! limit, the database's) and the statements waiting for a lock. Its own
//! connection is never counted. It keeps that connection between samples (a
//! TLS handshake per sample would cost the run's CPU) while every limit has
//! `HOLD_MARGIN` free slots; nearer a limit it opens one per sample and closes
//! it at once, so a role driven near its limit never loses a slot to the
//! watcher for longer than a sample.

use super::peak::{Peak, keep_highest, millis, when, whole_percent};
use super::warning::{ResourceKind, ResourceWarning, WARNING_PERCENT};
use super::watcher::{CONNECT_TIMEOUT, QUERY_TIMEOUT, Sampler};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Row};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Postgres,
    MySql,
}

impl Flavor {
    /// The flavor a `database(url)` names by its scheme; None for SQLite and
    /// what ritc cannot open.
    pub fn of(url: &str) -> Option<Flavor> {
        let scheme = url.split_once(':')?.0.to_ascii_lowercase();
        match scheme.as_str() {
            "postgres" | "postgresql" => Some(Flavor::Postgres),
            "mysql" | "mariadb" => Some(Flavor::MySql),
            _ => None,
        }
    }
}

/// Which limit a count of connections is held against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Limit {
    Server,
    Role,
    Database,
}

/// One sample's readings: (in use, limit) for each limit that applies (a
/// limit of 0 is none), and the statements waiting for a lock.
#[derive(Clone, Debug, Default, PartialEq)]
struct Reading {
    server: (u64, u64),
    role: (u64, u64),
    database: (u64, u64),
    waiting: Option<u64>,
    role_name: String,
    database_name: String,
}

/// Free slots under every limit needed to keep the sampler's connection
/// between samples.
const HOLD_MARGIN: u64 = 5;

enum Held {
    Postgres(PgConnection),
    MySql(MySqlConnection),
}

impl Held {
    async fn close(self) {
        let _ = match self {
            Held::Postgres(connection) => {
                tokio::time::timeout(QUERY_TIMEOUT, connection.close()).await
            }
            Held::MySql(connection) => {
                tokio::time::timeout(QUERY_TIMEOUT, connection.close()).await
            }
        };
    }
}

impl Reading {
    /// Whether some limit has fewer than `HOLD_MARGIN` free slots besides the
    /// sampler's own.
    fn near_a_limit(&self) -> bool {
        [self.server, self.role, self.database]
            .iter()
            .any(|(used, limit)| *limit > 0 && limit.saturating_sub(*used + 1) < HOLD_MARGIN)
    }
}

pub struct DatabaseSampler {
    flavor: Flavor,
    held: Option<Held>,
    url: String,
    shown: String,
    server: Option<Peak>,
    role: Option<Peak>,
    database: Option<Peak>,
    role_name: String,
    database_name: String,
    /// The most statements seen waiting for a lock at one sample, and when.
    waiting: Option<(u64, Duration)>,
}

impl DatabaseSampler {
    pub fn new(flavor: Flavor, url: &str) -> DatabaseSampler {
        DatabaseSampler {
            flavor,
            held: None,
            url: url.to_string(),
            shown: crate::value::hide_password(url),
            server: None,
            role: None,
            database: None,
            role_name: String::new(),
            database_name: String::new(),
            waiting: None,
        }
    }

    /// One reading, and when its query was sent (since the run started): the
    /// moment its figures are of, whatever connecting or the answer's way back
    /// took.
    async fn read(&mut self, at: impl Fn() -> Duration) -> Option<(Reading, Duration)> {
        let mut held = match self.held.take() {
            Some(held) => held,
            None => self.connect().await?,
        };
        let sent = at();
        let reading = match &mut held {
            Held::Postgres(connection) => read_postgres(connection).await,
            Held::MySql(connection) => read_mysql(connection).await,
        };
        match &reading {
            Some(reading) if !reading.near_a_limit() => self.held = Some(held),
            // Near a limit, or the connection failed: closed now, opened anew next time.
            _ => held.close().await,
        }
        reading.map(|reading| (reading, sent))
    }

    async fn connect(&self) -> Option<Held> {
        match self.flavor {
            Flavor::Postgres => {
                let options = PgConnectOptions::from_str(&self.url)
                    .ok()?
                    .application_name("ritc-watch")
                    .statement_cache_capacity(0)
                    .disable_statement_logging();
                let connection = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
                    .await
                    .ok()?
                    .ok()?;
                Some(Held::Postgres(connection))
            }
            Flavor::MySql => {
                // `mariadb://` is MySQL's protocol under another name.
                let url = match self.url.split_once(':') {
                    Some((_, rest)) => format!("mysql:{rest}"),
                    None => self.url.clone(),
                };
                let options = MySqlConnectOptions::from_str(&url)
                    .ok()?
                    .disable_statement_logging();
                let connection = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
                    .await
                    .ok()?
                    .ok()?;
                Some(Held::MySql(connection))
            }
        }
    }

    fn observe(&mut self, reading: Reading, at: Duration) {
        keep_highest(&mut self.server, reading.server.0, reading.server.1, at);
        keep_highest(&mut self.role, reading.role.0, reading.role.1, at);
        keep_highest(
            &mut self.database,
            reading.database.0,
            reading.database.1,
            at,
        );
        if let Some(waiting) = reading.waiting.filter(|waiting| *waiting > 0)
            && self.waiting.is_none_or(|(most, _)| waiting > most)
        {
            self.waiting = Some((waiting, at));
        }
        self.role_name = reading.role_name;
        self.database_name = reading.database_name;
    }

    fn connection_warning(&self, limit: Limit, peak: &Peak, during: &str) -> ResourceWarning {
        let allowed = match (limit, self.flavor) {
            (Limit::Server, Flavor::Postgres) => {
                "the server allows (max_connections less those reserved for superusers)".to_string()
            }
            (Limit::Server, Flavor::MySql) => "the server allows (max_connections)".to_string(),
            (Limit::Role, Flavor::Postgres) => {
                format!("role `{}` may open (its CONNECTION LIMIT)", self.role_name)
            }
            (Limit::Role, Flavor::MySql) => {
                format!("user `{}` may open (max_user_connections)", self.role_name)
            }
            (Limit::Database, _) => format!(
                "database `{}` allows (its CONNECTION LIMIT)",
                self.database_name
            ),
        };
        ResourceWarning {
            kind: ResourceKind::DatabaseConnections,
            target: self.shown.clone(),
            percent: Some(peak.percent()),
            at_ms: millis(peak.at),
            message: format!(
                "Database connection pool near capacity {during}: {} of the {} connections {allowed} were in use ({}) on {}, {} (warning from {})",
                peak.used,
                peak.limit,
                whole_percent(peak.percent()),
                self.shown,
                when(peak.at),
                whole_percent(WARNING_PERCENT)
            ),
        }
    }
}

impl Sampler for DatabaseSampler {
    async fn sample(&mut self, at: impl Fn() -> Duration + Send) {
        if let Some((reading, sent)) = self.read(at).await {
            self.observe(reading, sent);
        }
    }

    async fn stop(&mut self) {
        if let Some(held) = self.held.take() {
            held.close().await;
        }
    }

    fn warnings(self, during: &dyn Fn(Duration) -> String) -> Vec<ResourceWarning> {
        let mut warnings = Vec::new();
        for (limit, peak) in [
            (Limit::Role, &self.role),
            (Limit::Database, &self.database),
            (Limit::Server, &self.server),
        ] {
            if let Some(peak) = peak
                .as_ref()
                .filter(|peak| peak.percent() >= WARNING_PERCENT)
            {
                warnings.push(self.connection_warning(limit, peak, &during(peak.at)));
            }
        }
        if let Some((waiting, at)) = self.waiting {
            warnings.push(ResourceWarning {
                kind: ResourceKind::DatabaseLockWaits,
                target: self.shown.clone(),
                percent: None,
                at_ms: millis(at),
                message: format!(
                    "Database lock waits {}: {waiting} statement{} waiting for a lock on {}, {}: tests or the service hold locks others need",
                    during(at),
                    if waiting == 1 { "" } else { "s" },
                    self.shown,
                    when(at)
                ),
            });
        }
        warnings
    }
}

/// One reading of PostgreSQL, on a connection opened for it and closed after.
const POSTGRES_READING: &str = "SELECT \
    (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())::bigint, \
    (current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int)::bigint, \
    (SELECT count(*) FROM pg_stat_activity WHERE usename = current_user AND pid <> pg_backend_pid())::bigint, \
    (SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user)::bigint, \
    (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid())::bigint, \
    (SELECT datconnlimit FROM pg_database WHERE datname = current_database())::bigint, \
    (SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
     WHERE NOT l.granted AND a.datname = current_database())::bigint, \
    current_user::text, current_database()::text";

async fn read_postgres(connection: &mut PgConnection) -> Option<Reading> {
    let row = tokio::time::timeout(
        QUERY_TIMEOUT,
        sqlx::query(POSTGRES_READING).fetch_one(&mut *connection),
    )
    .await;
    let row = row.ok()?.ok()?;
    let count = |index: usize| {
        row.try_get::<Option<i64>, _>(index)
            .ok()
            .flatten()
            .map_or(0, |value| u64::try_from(value).unwrap_or(0))
    };
    Some(Reading {
        server: (count(0), count(1)),
        role: (count(2), count(3)),
        database: (count(4), count(5)),
        waiting: Some(count(6)),
        role_name: row.try_get::<String, _>(7).unwrap_or_default(),
        database_name: row.try_get::<String, _>(8).unwrap_or_default(),
    })
}

async fn read_mysql(connection: &mut MySqlConnection) -> Option<Reading> {
    let reading = tokio::time::timeout(QUERY_TIMEOUT * 3, async {
        let limits = sqlx::query(
            "SELECT CAST(@@max_connections AS SIGNED), CAST(@@max_user_connections AS SIGNED), \
             CAST(SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AS CHAR), CAST(IFNULL(DATABASE(), '') AS CHAR), \
             (SELECT COUNT(*) FROM information_schema.PROCESSLIST \
              WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AND ID <> CONNECTION_ID())",
        )
        .fetch_one(&mut *connection)
        .await
        .ok()?;
        let status = sqlx::query("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
            .fetch_one(&mut *connection)
            .await
            .ok()?;
        let connected = status
            .try_get::<String, _>(1)
            .ok()
            .or_else(|| {
                status
                    .try_get::<Vec<u8>, _>(1)
                    .ok()
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            })
            .and_then(|text| text.trim().parse::<u64>().ok())?;
        // INNODB_TRX needs the PROCESS privilege: without it, no lock figure.
        let waiting = sqlx::query(
            "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'",
        )
        .fetch_one(&mut *connection)
        .await
        .ok()
        .and_then(|row| row.try_get::<i64, _>(0).ok())
        .map(|count| u64::try_from(count).unwrap_or(0));
        let number = |index: usize| {
            limits
                .try_get::<i64, _>(index)
                .map_or(0, |value| u64::try_from(value).unwrap_or(0))
        };
        Some(Reading {
            // Threads_connected counts this sampler's own connection.
            server: (connected.saturating_sub(1), number(0)),
            role: (number(4), number(1)),
            database: (0, 0),
            waiting,
            role_name: limits.try_get::<String, _>(2).unwrap_or_default(),
            database_name: limits.try_get::<String, _>(3).unwrap_or_default(),
        })
    })
    .await;
    reading.ok()?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(role: (u64, u64), waiting: u64) -> Reading {
        Reading {
            server: (role.0 + 2, 97),
            role,
            database: (role.0, 0),
            waiting: Some(waiting),
            role_name: "ritc_watch".to_string(),
            database_name: "test".to_string(),
        }
    }

    #[test]
    fn schemes_name_the_flavor() {
        assert_eq!(Flavor::of("postgresql://a@h/db"), Some(Flavor::Postgres));
        assert_eq!(Flavor::of("MariaDB://a@h/db"), Some(Flavor::MySql));
        assert_eq!(Flavor::of("sqlite:data.db"), None);
    }

    #[test]
    fn a_role_near_its_limit_is_named_with_its_figures() {
        let mut sampler = DatabaseSampler::new(
            Flavor::Postgres,
            "postgres://ritc_watch:pw@127.0.0.1:5432/test",
        );
        sampler.observe(reading((2, 5), 0), Duration::from_millis(300));
        sampler.observe(reading((4, 5), 0), Duration::from_millis(1400));
        sampler.observe(reading((1, 5), 2), Duration::from_millis(2000));
        let messages: Vec<String> = sampler
            .warnings(&|at| super::super::warning::during(&[], at))
            .into_iter()
            .map(|warning| warning.message)
            .collect();
        assert_eq!(
            messages,
            [
                "Database connection pool near capacity during the run: 4 of the 5 connections role `ritc_watch` may open (its CONNECTION LIMIT) were in use (80%) on postgres://ritc_watch:***@127.0.0.1:5432/test, at 1.4s into the run (warning from 80%)",
                "Database lock waits during the run: 2 statements waiting for a lock on postgres://ritc_watch:***@127.0.0.1:5432/test, at 2s into the run: tests or the service hold locks others need",
            ]
        );
    }

    #[test]
    fn connections_below_every_limit_say_nothing() {
        let mut sampler = DatabaseSampler::new(Flavor::MySql, "mysql://root@127.0.0.1/test");
        sampler.observe(reading((3, 5), 0), Duration::from_millis(300));
        sampler.observe(reading((1, 0), 0), Duration::from_millis(600));
        assert_eq!(
            sampler.warnings(&|at| super::super::warning::during(&[], at)),
            []
        );
    }
}
