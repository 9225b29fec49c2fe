//! One statement: its text with a placeholder for each `{{ }}`, prepared, its
//! values bound and run, the same way on every driver.

use super::connection::{Connection, Driver};
use super::decode::{mysql_row, pg_row, sqlite_row};
use super::encode::{PgParameter, pg_encode, pg_type_name};
use crate::steps::exec::CommandPart;
use crate::value::Value;
use crate::value::{describe, to_json, to_text};
use serde_json::Value as Json;
use sqlx::database::HasStatementCache;
use sqlx::mysql::{MySql, MySqlQueryResult, MySqlRow};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgQueryResult, PgRow, PgStatement, PgTypeInfo, Postgres};
use sqlx::sqlite::{Sqlite, SqliteQueryResult, SqliteRow};
use sqlx::{
    Arguments, AssertSqlSafe, Database, Either, Encode, Executor, IntoArguments, SqlSafeStr,
    Statement, Type,
};

/// The statement's text with a placeholder for each `{{ }}`, and the values to bind
/// in order. A placeholder is kept apart from a word it would otherwise join.
pub(super) fn statement_text(parts: &[CommandPart], driver: Driver) -> (String, Vec<Value>) {
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
pub(super) struct StatementResult {
    pub(super) rows: Vec<Value>,
    pub(super) count: u64,
}

pub(super) enum RunError {
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
pub(super) async fn run_statement(
    connection: &mut Connection,
    sql: &str,
    parameters: &[Value],
) -> Result<StatementResult, RunError> {
    match connection {
        Connection::Postgres(connection) => {
            let statement = (&mut **connection).prepare_with(sql_str(sql), &[]).await?;
            let arguments = postgres_arguments(&statement, parameters)?;
            run_prepared(connection, &statement, arguments).await
        }
        Connection::MySql(connection) => {
            let statement = (&mut **connection).prepare_with(sql_str(sql), &[]).await?;
            let arguments = plain_arguments::<MySql>(parameters)?;
            run_prepared(connection, &statement, arguments).await
        }
        Connection::Sqlite(connection) => {
            let statement = (&mut **connection).prepare_with(sql_str(sql), &[]).await?;
            let arguments = plain_arguments::<Sqlite>(parameters)?;
            run_prepared(connection, &statement, arguments).await
        }
    }
}

fn sql_str(sql: &str) -> sqlx::SqlStr {
    // Safe by construction: every `{{ }}` value is a bound parameter, never text.
    AssertSqlSafe(sql.to_string()).into_sql_str()
}

/// What differs between the drivers once a statement is prepared and bound: how
/// many rows it affected, how a row reads as a value, and whether the statement
/// stays in the connection's statement cache.
trait RowsOf: Database + HasStatementCache {
    /// `Query::persistent`: MySQL's runner always kept its statements cached, the
    /// PostgreSQL and SQLite runners never did; folded into one runner unchanged.
    const CACHED: bool;
    fn rows_affected(result: &Self::QueryResult) -> u64;
    fn read_row(row: &Self::Row) -> Result<Value, String>;
}

impl RowsOf for Postgres {
    const CACHED: bool = false;
    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }
    fn read_row(row: &PgRow) -> Result<Value, String> {
        pg_row(row)
    }
}

impl RowsOf for MySql {
    const CACHED: bool = true;
    fn rows_affected(result: &MySqlQueryResult) -> u64 {
        result.rows_affected()
    }
    fn read_row(row: &MySqlRow) -> Result<Value, String> {
        mysql_row(row)
    }
}

impl RowsOf for Sqlite {
    const CACHED: bool = false;
    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }
    fn read_row(row: &SqliteRow) -> Result<Value, String> {
        sqlite_row(row)
    }
}

/// Runs a prepared statement with its arguments, the same on every driver.
async fn run_prepared<DB>(
    connection: &mut PoolConnection<DB>,
    statement: &DB::Statement,
    arguments: DB::Arguments,
) -> Result<StatementResult, RunError>
where
    DB: RowsOf,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let query = statement.query_with(arguments).persistent(DB::CACHED);
    if statement.columns().is_empty() {
        let done = query.execute(&mut **connection).await?;
        return Ok(StatementResult {
            rows: Vec::new(),
            count: DB::rows_affected(&done),
        });
    }
    let rows = query.fetch_all(&mut **connection).await?;
    let rows = rows
        .iter()
        .map(DB::read_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(RunError::Decode)?;
    Ok(StatementResult {
        count: rows.len() as u64,
        rows,
    })
}

/// On PostgreSQL each value is encoded as the type the server inferred for its
/// place in the prepared statement.
fn postgres_arguments(
    statement: &PgStatement,
    parameters: &[Value],
) -> Result<PgArguments, RunError> {
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
    Ok(arguments)
}

/// On MySQL and SQLite each value is bound as its own kind (`Plain`) and the
/// server converts it.
fn plain_arguments<DB>(parameters: &[Value]) -> Result<DB::Arguments, RunError>
where
    DB: Database,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
    for<'t> bool: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> f64: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Vec<u8>: Encode<'t, DB> + Type<DB>,
{
    let mut arguments = DB::Arguments::default();
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
    Ok(arguments)
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
pub(super) enum Plain {
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
pub(super) fn plain_parameter(value: &Value) -> Result<Plain, String> {
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
