//! The database: connecting, creating the schema, and every query the API makes.
//! Handlers never write SQL; this module never sees HTTP.
//!
//! One code path serves SQLite and PostgreSQL through sqlx's `Any` driver: the queries
//! use `$1` placeholders, which both accept, and only the schema differs.

use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};

/// How long a request may wait for a connection before it fails, so that a dead
/// database turns into an error answer rather than a hung request.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Concurrent creators of the same PostgreSQL tables can collide even with
/// `IF NOT EXISTS`; the loser simply tries again.
const SCHEMA_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// `CREATE TABLE` statements in this backend's types: integer ids that read back
    /// as 64-bit integers on both, so a SQL check can compare them with the API's ids.
    fn schema(self) -> [&'static str; 4] {
        match self {
            Backend::Sqlite => [
                "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY AUTOINCREMENT, \
                 name TEXT, email TEXT NOT NULL UNIQUE, password_hash TEXT)",
                "CREATE TABLE IF NOT EXISTS calls (sid TEXT PRIMARY KEY, status TEXT NOT NULL, \
                 updated_at TEXT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY AUTOINCREMENT, \
                 product TEXT NOT NULL, quantity INTEGER NOT NULL)",
                "CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY AUTOINCREMENT, \
                 name TEXT NOT NULL, content_type TEXT NOT NULL, bytes BLOB NOT NULL)",
            ],
            Backend::Postgres => [
                "CREATE TABLE IF NOT EXISTS users (id BIGSERIAL PRIMARY KEY, name TEXT, \
                 email TEXT NOT NULL UNIQUE, password_hash TEXT)",
                "CREATE TABLE IF NOT EXISTS calls (sid TEXT PRIMARY KEY, status TEXT NOT NULL, \
                 updated_at TEXT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS orders (id BIGSERIAL PRIMARY KEY, \
                 product TEXT NOT NULL, quantity BIGINT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS files (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, \
                 content_type TEXT NOT NULL, bytes BYTEA NOT NULL)",
            ],
        }
    }
}

/// A user as stored. Users made with `POST /api/users` have no password; users who
/// registered have no name.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub name: Option<String>,
    pub email: String,
    pub password_hash: Option<String>,
}

/// The last status Twilio reported for a call.
#[derive(Debug, Clone)]
pub struct Call {
    pub sid: String,
    pub status: String,
    pub updated_at: String,
}

/// An uploaded file, as it is served back.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Why an insert of a user failed: the caller answers 409 to the first and 500 to
/// the second.
#[derive(Debug)]
pub enum InsertUserError {
    EmailTaken,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for InsertUserError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
                InsertUserError::EmailTaken
            }
            _ => InsertUserError::Database(error),
        }
    }
}

/// A pool of connections to SQLite or PostgreSQL, cheap to clone.
#[derive(Debug, Clone)]
pub struct Database {
    pool: AnyPool,
}

impl Database {
    /// Connects and creates the tables that are missing.
    pub async fn connect(url: &str) -> Result<Database, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url);
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await?;
        let database = Database { pool };
        database.create_schema(backend).await?;
        Ok(database)
    }

    async fn create_schema(&self, backend: Backend) -> Result<(), sqlx::Error> {
        let mut attempt = 1;
        loop {
            match self.try_create_schema(backend).await {
                Ok(()) => return Ok(()),
                Err(error) if attempt >= SCHEMA_ATTEMPTS => return Err(error),
                Err(_) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }

    async fn try_create_schema(&self, backend: Backend) -> Result<(), sqlx::Error> {
        for statement in backend.schema() {
            sqlx::query(statement).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// `SELECT 1`, for the health check.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Inserts a user and returns its new id.
    pub async fn insert_user(
        &self,
        name: Option<&str>,
        email: &str,
        password_hash: Option<&str>,
    ) -> Result<i64, InsertUserError> {
        let row = sqlx::query(
            "INSERT INTO users (name, email, password_hash) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name.map(str::to_string))
        .bind(email)
        .bind(password_hash.map(str::to_string))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("id")?)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, sqlx::Error> {
        let row = sqlx::query("SELECT id, name, email, password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| user_from_row(&row)).transpose()
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, sqlx::Error> {
        let row = sqlx::query("SELECT id, name, email, password_hash FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| user_from_row(&row)).transpose()
    }

    /// Records the latest status of a call, whatever it was before: Twilio's
    /// callbacks can arrive out of order, and the demo shows the last one received.
    pub async fn upsert_call(
        &self,
        sid: &str,
        status: &str,
        updated_at: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO calls (sid, status, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (sid) DO UPDATE SET status = excluded.status, \
             updated_at = excluded.updated_at",
        )
        .bind(sid)
        .bind(status)
        .bind(updated_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn call_by_sid(&self, sid: &str) -> Result<Option<Call>, sqlx::Error> {
        let row = sqlx::query("SELECT sid, status, updated_at FROM calls WHERE sid = $1")
            .bind(sid)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(Call {
                sid: row.try_get("sid")?,
                status: row.try_get("status")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .transpose()
    }

    /// Inserts an order and returns its id.
    pub async fn insert_order(&self, product: &str, quantity: i64) -> Result<i64, sqlx::Error> {
        let row =
            sqlx::query("INSERT INTO orders (product, quantity) VALUES ($1, $2) RETURNING id")
                .bind(product)
                .bind(quantity)
                .fetch_one(&self.pool)
                .await?;
        row.try_get("id")
    }

    /// Stores an uploaded file and returns its id.
    pub async fn insert_file(
        &self,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<i64, sqlx::Error> {
        let row = sqlx::query(
            "INSERT INTO files (name, content_type, bytes) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(content_type)
        .bind(bytes)
        .fetch_one(&self.pool)
        .await?;
        row.try_get("id")
    }

    pub async fn file_by_id(&self, id: i64) -> Result<Option<StoredFile>, sqlx::Error> {
        let row = sqlx::query("SELECT content_type, bytes FROM files WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(StoredFile {
                content_type: row.try_get("content_type")?,
                bytes: row.try_get("bytes")?,
            })
        })
        .transpose()
    }
}

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
    })
}
