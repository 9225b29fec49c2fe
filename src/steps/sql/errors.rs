//! What goes wrong, in words: connection and statement errors (with the
//! SQLSTATE's name and a caret into the statement), and the `-v` exchange.

use super::connection::{ConnectionOptions, Driver, Target};
use super::exec::SHOWN_ROWS;
use super::statement::{RunError, StatementResult};
use crate::steps::exec::{Cause, StepError, StepErrorKind};
use crate::units::literal_duration;
use crate::value::Value;
use crate::value::describe;
use sqlx::mysql::MySqlDatabaseError;
use sqlx::postgres::{PgDatabaseError, PgErrorPosition};
use std::time::Duration;

/// Whether an error leaves the connection unusable (so it is closed, not kept).
pub(super) fn connection_is_broken(error: &sqlx::Error) -> bool {
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
pub(super) fn timed_out(words: String) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, words))
}

/// What the driver said, without sqlx's wrapping.
pub(super) fn driver_message(error: &sqlx::Error) -> String {
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
pub(super) fn connection_error(
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
    let cause = match (refused, code.as_deref()) {
        (true, _) => Cause::ConnectionRefused,
        (false, Some(code)) if target.driver != Driver::Sqlite => Cause::of_sqlstate(code),
        _ => kind.general_cause(),
    };
    StepError {
        kind,
        cause,
        message: format!(
            "cannot connect to {} at {}: {reason}",
            target.product,
            options.location()
        ),
        detail: Some(help),
        evidence: None,
    }
}

/// A failed statement: the server's code and message, then the statement (with a
/// caret where PostgreSQL points) and the server's detail and hint.
pub(super) fn statement_error(target: &Target, sql: &str, error: RunError) -> StepError {
    match error {
        RunError::Bind(message) => StepError {
            kind: StepErrorKind::Usage,
            cause: Cause::InvalidStep,
            message,
            detail: Some(statement_detail(sql, None)),
            evidence: None,
        },
        RunError::Decode(message) => StepError {
            kind: StepErrorKind::Database,
            cause: Cause::DatabaseError,
            message,
            detail: Some(statement_detail(sql, None)),
            evidence: None,
        },
        RunError::Sql(sqlx::Error::Database(error)) => {
            let cause = database_cause(target.driver, error.as_ref());
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
                cause,
                message,
                detail: Some(detail),
                evidence: None,
            }
        }
        RunError::Sql(error) if connection_is_broken(&error) => StepError {
            kind: StepErrorKind::Connection,
            cause: Cause::ConnectionLost,
            message: format!(
                "lost the connection to {} ({}): {}",
                target.product,
                target.shown(),
                driver_message(&error)
            ),
            detail: Some(statement_detail(sql, None)),
            evidence: None,
        },
        RunError::Sql(error) => StepError {
            kind: StepErrorKind::Database,
            cause: Cause::DatabaseError,
            message: format!("{}: {}", target.product, driver_message(&error)),
            detail: Some(statement_detail(sql, None)),
            evidence: None,
        },
    }
}

/// The cause of an error the server answered: the class of its SQLSTATE
/// (PostgreSQL and MySQL give one); SQLite's result codes say only whether a
/// constraint failed.
fn database_cause(driver: Driver, error: &dyn sqlx::error::DatabaseError) -> Cause {
    match (driver, error.code()) {
        (Driver::Sqlite, _) | (_, None) => match error.kind() {
            sqlx::error::ErrorKind::UniqueViolation
            | sqlx::error::ErrorKind::ForeignKeyViolation
            | sqlx::error::ErrorKind::NotNullViolation
            | sqlx::error::ErrorKind::CheckViolation => Cause::SqlIntegrityConstraint,
            _ => Cause::DatabaseError,
        },
        (_, Some(code)) => Cause::of_sqlstate(&code),
    }
}

/// The statement as sent, and a caret under the character at `position` (1-based,
/// in characters, as PostgreSQL counts).
pub(super) fn statement_detail(sql: &str, position: Option<usize>) -> String {
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
pub(super) fn sqlstate_name(code: &str) -> Option<&'static str> {
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
pub(super) fn sqlite_code_name(code: &str) -> Option<&'static str> {
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
pub(super) fn exchange_text(
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
