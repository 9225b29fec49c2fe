//! `sql` steps end to end: the real `ritc` binary on `.rit` files against the
//! machine's PostgreSQL (127.0.0.1:5432, database `test`, user `postgres`, no
//! password), MariaDB (127.0.0.1:3306, database `test`, user `root`, no password) and
//! SQLite files; and the backend called directly for what a `.rit` file cannot write
//! (a `bytes` parameter, a URL scheme that `database()` refuses, a timeout).
//!
//! Every table a test makes has a name of its own (a random suffix) and is dropped
//! at its end, so runs in parallel and reruns do not collide. When a server is not
//! reachable, the test fails under `CI=true` and elsewhere says loudly that it was
//! skipped and what to start.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ritc::steps::exec::{
    CommandPart, StepError, StepErrorKind, StepExecutor, StepInput, StepOutput, TestResources,
};
use ritc::steps::sql::SqlExecutor;
use ritc::value::{Connection, Value};

mod common;
use common::demo::demo_binary;
use common::suite::{Suite, ritc, text};

// ---------------------------------------------------------------------------
// Servers and helpers

struct Server {
    name: &'static str,
    url: &'static str,
    address: &'static str,
    start: &'static str,
}

const POSTGRES: Server = Server {
    name: "PostgreSQL",
    url: "postgres://postgres@127.0.0.1:5432/test",
    address: "127.0.0.1:5432",
    start: "start PostgreSQL on 127.0.0.1:5432 with a database `test` that the user \
            `postgres` reaches without a password (`service postgresql start`; \
            `createdb -h 127.0.0.1 -U postgres test`)",
};

const MARIADB: Server = Server {
    name: "MariaDB",
    url: "mariadb://root@127.0.0.1:3306/test",
    address: "127.0.0.1:3306",
    start: "start MariaDB (or MySQL) on 127.0.0.1:3306 with a database `test` that \
            `root` reaches without a password (`service mariadb start`; \
            `mariadb -u root -e 'CREATE DATABASE IF NOT EXISTS test'`)",
};

/// Whether `server` answers on its port. Under `CI=true` an unreachable server
/// fails the test; elsewhere the test is skipped, loudly.
fn reachable(server: &Server) -> bool {
    let address = server.address.parse().unwrap();
    match TcpStream::connect_timeout(&address, Duration::from_secs(3)) {
        Ok(_) => true,
        Err(error) => {
            let message = format!(
                "{} is not reachable at {} ({error}); to run this test, {}",
                server.name, server.address, server.start
            );
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{message}");
            }
            eprintln!("\n**********\nSKIPPED: {message}\n**********\n");
            false
        }
    }
}

macro_rules! require {
    ($server:expr) => {
        if !reachable(&$server) {
            return;
        }
    };
}

/// A random suffix for names that must not collide across tests and runs.
fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

/// Runs `source` (with `DB_URL` and the table name `NAME` replaced) and expects every test in it
/// to pass.
fn run_green(source: &str, url: &str, table: &str, tests: usize) {
    let suite = Suite::new();
    suite.file(
        "suite.rit",
        &source.replace("DB_URL", url).replace("NAME", table),
    );
    let output = suite.run(&["suite.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains(&format!("{tests} passed, 0 failed")), "{all}");
}

// ---------------------------------------------------------------------------
// Column types

const POSTGRES_TYPES: &str = r#"
let db = database("DB_URL")

setup {
  sql db """
    CREATE TABLE NAME (
      id serial PRIMARY KEY, i2 int2, i4 int4, i8 int8, n numeric(12, 2), big numeric,
      f4 float4, f8 float8, b bool, t text, vc varchar(10), c char(3), u uuid, j json,
      jb jsonb, d date, tm time, ts timestamp, tz timestamptz, raw bytea, ints int4[],
      texts text[], grid int4[][], iv interval, nothing text
    )
  """
}

teardown {
  sql db "DROP TABLE IF EXISTS NAME"
}

test "every column type reads back" {
  sql db """
    INSERT INTO NAME (i2, i4, i8, n, big, f4, f8, b, t, vc, c, u, j, jb, d, tm, ts, tz,
                       raw, ints, texts, grid, iv)
    VALUES (-32768, 2147483647, 9223372036854775807, 12.50,
            123456789012345678901234567890.123456789, 0.1, 2.5, true, 'text', 'varchar',
            'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}',
            '{"b": {"c": null} }', '2024-01-02', '03:04:05.25', '2024-01-02 03:04:05.123456',
            '2024-01-02 03:04:05+02', decode('deadbeef', 'hex'), ARRAY[1, NULL, 3],
            ARRAY['x', 'y'], ARRAY[[1, 2], [3, 4]], '1 day 02:00:00')
  """
  expect count == 1
  sql db "SELECT * FROM NAME"
  expect count == 1
  expect rows[0].id is int
  expect rows[0].i2 == -32768
  expect rows[0].i4 == 2147483647
  expect rows[0].i8 == 9223372036854775807
  expect rows[0].n == "12.50"
  expect rows[0].big == "123456789012345678901234567890.123456789"
  expect rows[0].f4 == 0.1
  expect rows[0].f8 == 2.5
  expect rows[0].b == true
  expect rows[0].t == "text"
  expect rows[0].vc == "varchar"
  expect rows[0].c == "ab "
  expect rows[0].u == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
  expect rows[0].j.a == [1, 2]
  expect rows[0].jb.b.c == null
  expect rows[0].d == "2024-01-02"
  expect rows[0].tm == "03:04:05.25"
  expect rows[0].ts == "2024-01-02T03:04:05.123456"
  expect rows[0].tz == "2024-01-02T01:04:05Z"
  expect len(rows[0].raw) == 4
  expect hex(rows[0].raw) == "deadbeef"
  expect rows[0].ints == [1, null, 3]
  expect rows[0].texts == ["x", "y"]
  expect rows[0].grid == [[1, 2], [3, 4]]
  expect rows[0].iv == "P1DT2H"
  expect rows[0].nothing == null
}

test "each value binds as the type of its place" {
  sql db """
    INSERT INTO NAME (i2, i4, i8, n, f4, f8, b, t, u, jb, d, tm, ts, tz, ints, iv, nothing)
    VALUES ({{-5}}, {{"42"}}, {{1704164645}}, {{"12.50"}}, {{1.5}}, {{2}}, {{"yes"}}, {{7}},
            {{"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"}}, {{ {k: [1, "two"]} }}, {{"2024-02-29"}},
            {{"23:59:59.5"}}, {{"2024-01-02T03:04:05Z"}}, {{"2024-01-02T03:04:05-01:00"}},
            {{[4, 5]}}, {{90s}}, {{null}})
    RETURNING id
  """
  expect count == 1
  let id = rows[0].id
  sql db "SELECT * FROM NAME WHERE id = {{id}}"
  expect rows[0].i2 == -5
  expect rows[0].i4 == 42
  expect rows[0].i8 == 1704164645
  expect rows[0].n == "12.50"
  expect rows[0].f4 == 1.5
  expect rows[0].f8 == 2.0
  expect rows[0].b == true
  expect rows[0].t == "7"
  expect rows[0].u == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
  expect rows[0].jb == {k: [1, "two"]}
  expect rows[0].d == "2024-02-29"
  expect rows[0].tm == "23:59:59.5"
  expect rows[0].ts == "2024-01-02T03:04:05"
  expect rows[0].tz == "2024-01-02T04:04:05Z"
  expect rows[0].ints == [4, 5]
  expect rows[0].iv == "PT1M30S"
  expect rows[0].nothing == null

  # A string meets a uuid or a timestamptz column, a list an array, with no cast.
  sql db """
    SELECT id FROM NAME
    WHERE u = {{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}}
      AND tz > {{"2024-01-01"}}
      AND id = ANY({{[id]}})
  """
  expect count == 1
  expect rows[0].id == id
  sql db "SELECT {{3}}::int + {{4}} AS sum, {{2.5}}::float8 AS half, {{true}}::bool AS yes"
  expect rows[0].sum == 7
  expect rows[0].half == 2.5
  expect rows[0].yes == true
}
"#;

#[test]
fn postgres_column_types_read_back() {
    require!(POSTGRES);
    run_green(
        POSTGRES_TYPES,
        POSTGRES.url,
        &format!("ritc_types_{}", unique()),
        2,
    );
}

const MARIADB_TYPES: &str = r#"
let db = database("DB_URL")

setup {
  sql db """
    CREATE TABLE NAME (
      id INT AUTO_INCREMENT PRIMARY KEY, ti TINYINT, si SMALLINT, mi MEDIUMINT, i INT,
      bi BIGINT, ubi BIGINT UNSIGNED, bo BOOLEAN, d DECIMAL(20, 4), f FLOAT, db DOUBLE,
      c CHAR(3), vc VARCHAR(20), tx TEXT, bl BLOB, vb VARBINARY(8), j JSON, dt DATE,
      tm TIME(3), dtt DATETIME(6), ts TIMESTAMP(3) NULL, y YEAR, bt BIT(8),
      e ENUM('a', 'b'), u UUID, n INT, bin VARCHAR(10) COLLATE utf8mb4_bin
    )
  """
}

teardown {
  sql db "DROP TABLE IF EXISTS NAME"
}

test "every column type reads back" {
  sql db """
    INSERT INTO NAME (ti, si, mi, i, bi, ubi, bo, d, f, db, c, vc, tx, bl, vb, j, dt, tm,
                       dtt, ts, y, bt, e, u, n, bin)
    VALUES (-128, 32767, 8388607, -5, 9223372036854775807, 18446744073709551615, TRUE,
            12345.6700, 0.1, 2.5, 'ab', 'varchar', 'long text', X'DEADBEEF', X'0102',
            '{"a": [1, 2]}', '2024-01-02', '-838:59:59.5', '2024-01-02 03:04:05.123456',
            '2024-01-02 03:04:05.5', 2024, b'101', 'b', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
            NULL, 'Bin')
  """
  expect count == 1
  sql db "SELECT * FROM NAME"
  expect count == 1
  expect rows[0].id is int
  expect rows[0].ti == -128
  expect rows[0].si == 32767
  expect rows[0].mi == 8388607
  expect rows[0].i == -5
  expect rows[0].bi == 9223372036854775807
  expect rows[0].ubi == json("18446744073709551615")
  expect rows[0].bo == true
  expect rows[0].d == "12345.6700"
  expect rows[0].f == 0.1
  expect rows[0].db == 2.5
  expect rows[0].c == "ab"
  expect rows[0].vc == "varchar"
  expect rows[0].tx == "long text"
  expect len(rows[0].bl) == 4
  expect hex(rows[0].bl) == "deadbeef"
  expect hex(rows[0].vb) == "0102"
  # MariaDB stores JSON as LONGTEXT: it reads as text.
  expect json(rows[0].j).a == [1, 2]
  expect rows[0].dt == "2024-01-02"
  expect rows[0].tm == "-838:59:59.5"
  expect rows[0].dtt == "2024-01-02T03:04:05.123456"
  expect rows[0].ts == "2024-01-02T03:04:05.5Z"
  expect rows[0].y == 2024
  expect rows[0].bt == 5
  expect rows[0].e == "b"
  expect rows[0].u == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
  expect rows[0].n == null
  expect rows[0].bin == "Bin"
}

test "each value binds as its own kind" {
  sql db """
    INSERT INTO NAME (i, bi, bo, d, db, vc, bl, dt, ts, n)
    VALUES ({{-7}}, {{now()}}, {{false}}, {{"1.5"}}, {{0.25}}, {{"ünïcödé"}}, {{"blob text"}},
            {{"2024-02-29"}}, {{"2024-01-02 03:04:05"}}, {{null}})
  """
  expect count == 1
  sql db "SELECT * FROM NAME WHERE i = {{-7}}"
  expect count == 1
  expect rows[0].bi > 1700000000
  expect rows[0].bo == false
  expect rows[0].d == "1.5000"
  expect rows[0].db == 0.25
  expect rows[0].vc == "ünïcödé"
  expect rows[0].dt == "2024-02-29"
  expect rows[0].ts == "2024-01-02T03:04:05Z"
  expect rows[0].n == null
}
"#;

#[test]
fn mariadb_column_types_read_back() {
    require!(MARIADB);
    run_green(
        MARIADB_TYPES,
        MARIADB.url,
        &format!("ritc_types_{}", unique()),
        2,
    );
}

const SQLITE_TYPES: &str = r#"
let db = database("DB_URL")

test "every storage class reads back" {
  sql db "CREATE TABLE NAME (i INTEGER, r REAL, t TEXT, b BLOB, bo BOOLEAN, n NUMERIC, d DATETIME, z)"
  sql db """
    INSERT INTO NAME VALUES (9223372036854775807, 2.5, 'text', X'DEADBEEF', 1, 12.5,
                              '2024-01-02 03:04:05', NULL)
  """
  expect count == 1
  sql db "SELECT * FROM NAME"
  expect rows[0].i == 9223372036854775807
  expect rows[0].r == 2.5
  expect rows[0].t == "text"
  expect len(rows[0].b) == 4
  expect hex(rows[0].b) == "deadbeef"
  expect rows[0].bo == true
  expect rows[0].n == 12.5
  expect rows[0].d == "2024-01-02 03:04:05"
  expect rows[0].z == null
  sql db "INSERT INTO NAME (i, r, t, bo, z) VALUES ({{-1}}, {{0.5}}, {{"x"}}, {{false}}, {{ {a: 1} }})"
  sql db "SELECT * FROM NAME WHERE i = {{-1}}"
  expect rows[0].r == 0.5
  expect rows[0].bo == false
  expect json(rows[0].z).a == 1
  sql db "DROP TABLE NAME"
}
"#;

#[test]
fn sqlite_column_types_read_back() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/types.db?mode=rwc", folder.path().display());
    run_green(SQLITE_TYPES, &url, "ritc_types", 1);
}

// ---------------------------------------------------------------------------
// Hostile values, counts, sessions: the same suite on each database

const HOSTILE_AND_COUNTS: &str = r#"
let db = database("DB_URL")
let hostile = [
  "it's", "\"double\"", "a; DROP TABLE NAME; --", "'); DROP TABLE NAME; --",
  "-- a comment", "/* a comment */", "back\\slash", "\{{not interpolated}}",
  "$1 ? :name @p", "line one\nline two\ttab", "ünïcödé 🚀", ""
]

setup {
  sql db "CREATE TABLE NAME (id INT, v TEXT)"
}

teardown {
  sql db "DROP TABLE IF EXISTS NAME"
}

test "hostile values are stored verbatim" {
  let i = 0
  for value in hostile {
    i = i + 1
    sql db "INSERT INTO NAME (id, v) VALUES ({{i}}, {{value}})"
    expect count == 1
    sql db "SELECT v FROM NAME WHERE id = {{i}}"
    expect count == 1
    expect rows[0].v == value
  }
  sql db """
    SELECT id, v
    FROM NAME
    WHERE v = {{"'); DROP TABLE NAME; --"}}
  """
  expect count == 1
  expect rows[0].id == 4
  sql db "SELECT COUNT(*) AS n FROM NAME"
  expect rows[0].n == len(hostile)
}

test "count is the rows returned, else the rows affected" {
  sql db "INSERT INTO NAME (id, v) VALUES (101, 'a'), (102, 'b'), (103, 'c')"
  expect count == 3
  expect len(rows) == 0
  sql db "SELECT * FROM NAME WHERE id > {{100}} ORDER BY id"
  expect count == 3
  expect rows[2].v == "c"
  sql db "UPDATE NAME SET v = {{"z"}} WHERE id > 100 AND id < 103"
  expect count == 2
  sql db "SELECT * FROM NAME WHERE id > 1000"
  expect count == 0
  expect len(rows) == 0
  sql db "DELETE FROM NAME WHERE id > 100"
  expect count == 3
}

test "a temporary table lasts through the test" {
  sql db "CREATE TEMPORARY TABLE NAME_session (x INT)"
  sql db "INSERT INTO NAME_session (x) VALUES (1), (2)"
  expect count == 2
  sql db "SELECT * FROM NAME_session"
  expect count == 2
}

test "and ends with it" {
  # The next test's session does not see it: it can make it again, empty.
  sql db "CREATE TEMPORARY TABLE NAME_session (x INT)"
  sql db "SELECT COUNT(*) AS n FROM NAME_session"
  expect rows[0].n == 0
}
"#;

#[test]
fn postgres_binds_hostile_values_counts_rows_and_keeps_a_session_per_test() {
    require!(POSTGRES);
    run_green(
        HOSTILE_AND_COUNTS,
        POSTGRES.url,
        &format!("ritc_values_{}", unique()),
        4,
    );
}

#[test]
fn mariadb_binds_hostile_values_counts_rows_and_keeps_a_session_per_test() {
    require!(MARIADB);
    run_green(
        HOSTILE_AND_COUNTS,
        MARIADB.url,
        &format!("ritc_values_{}", unique()),
        4,
    );
}

#[test]
fn mysql_urls_reach_mariadb_too() {
    require!(MARIADB);
    let url = MARIADB.url.replace("mariadb://", "mysql://");
    run_green(
        HOSTILE_AND_COUNTS,
        &url,
        &format!("ritc_values_{}", unique()),
        4,
    );
}

#[test]
fn sqlite_binds_hostile_values_counts_rows_and_keeps_a_session_per_test() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/values.db?mode=rwc", folder.path().display());
    run_green(HOSTILE_AND_COUNTS, &url, "ritc_values", 4);
}

// ---------------------------------------------------------------------------
// Failures

fn run_failing(url: &str, statement: &str) -> String {
    let suite = Suite::new();
    suite.file(
        "fail.rit",
        &format!(
            "let db = database(\"{url}\")\n\ntest \"fails\" {{\n  sql db \"{statement}\"\n  expect count == 1\n}}\n"
        ),
    );
    let output = suite.run(&["fail.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("0 passed, 1 failed"), "{all}");
    assert!(all.contains("fail.rit:4"), "{all}");
    all
}

#[test]
fn a_failing_statement_names_its_sqlstate_and_fails_the_test() {
    if reachable(&POSTGRES) {
        let table = format!("ritc_missing_{}", unique());
        let all = run_failing(
            POSTGRES.url,
            &format!("SELECT * FROM {table} WHERE id = {{{{1}}}}"),
        );
        assert!(
            all.contains(&format!(
                "PostgreSQL error 42P01 (undefined_table): relation \"{table}\" does not exist"
            )),
            "{all}"
        );
        // The statement as sent, with a caret under the table's name.
        assert!(
            all.contains(&format!("SELECT * FROM {table} WHERE id = $1")),
            "{all}"
        );
        assert!(all.contains("              ^"), "{all}");
    }
    if reachable(&MARIADB) {
        let table = format!("ritc_missing_{}", unique());
        let all = run_failing(MARIADB.url, &format!("SELECT * FROM {table}"));
        assert!(
            all.contains(&format!(
                "MariaDB error 1146 (SQLSTATE 42S02): Table 'test.{table}' doesn't exist"
            )),
            "{all}"
        );
    }
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/fail.db?mode=rwc", folder.path().display());
    let all = run_failing(&url, "SELECT * FROM missing");
    assert!(
        all.contains("SQLite error 1 (SQLITE_ERROR): no such table: missing"),
        "{all}"
    );
}

#[test]
fn a_constraint_violation_shows_the_servers_detail() {
    require!(POSTGRES);
    let suite = Suite::new();
    suite.file(
        "unique.rit",
        "let db = database(\"postgres://postgres@127.0.0.1:5432/test\")\n\
         test \"twice\" {\n\
         \x20 sql db \"CREATE TEMPORARY TABLE once (x INT PRIMARY KEY)\"\n\
         \x20 sql db \"INSERT INTO once VALUES ({{1}}), ({{1}})\"\n\
         \x20 expect count == 2\n\
         }\n",
    );
    let output = suite.run(&["unique.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("PostgreSQL error 23505 (unique_violation)"),
        "{all}"
    );
    assert!(all.contains("detail: Key (x)=(1) already exists."), "{all}");
}

/// The failure of the last of `statements` as the JSON report records it.
fn reported_failure(url: &str, statements: &[&str]) -> serde_json::Value {
    let suite = Suite::new();
    let steps: String = statements
        .iter()
        .map(|statement| format!("  sql db \"{statement}\"\n"))
        .collect();
    suite.file(
        "fail.rit",
        &format!("let db = database(\"{url}\")\n\ntest \"fails\" {{\n{steps}}}\n"),
    );
    let output = suite.run(&["fail.rit", "--report", "json=report.json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let written = std::fs::read_to_string(suite.dir.path().join("report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&written).unwrap();
    report["tests"][0]["failure"].clone()
}

/// The SQLSTATE's class is the failure's cause, and the suggestion follows it: a
/// PostgreSQL message ("PostgreSQL error 23505 (unique_violation)") names no
/// "SQLSTATE", which the suggestion once looked for in the words.
#[test]
fn a_database_failure_carries_the_class_of_its_sqlstate_as_its_cause() {
    let folder = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}/cause.db?mode=rwc", folder.path().display());
    let failure = reported_failure(
        &sqlite,
        &[
            "CREATE TABLE t (x INT PRIMARY KEY)",
            "INSERT INTO t VALUES (1), (1)",
        ],
    );
    assert_eq!(failure["kind"], "database", "{failure}");
    assert_eq!(failure["cause"], "sql_integrity_constraint", "{failure}");
    assert!(
        failure["suggestion"]
            .as_str()
            .unwrap()
            .contains("a constraint was violated"),
        "{failure}"
    );
    let failure = reported_failure(&sqlite, &["SELECT * FROM missing"]);
    assert_eq!(failure["cause"], "database_error", "{failure}");
    if reachable(&POSTGRES) {
        let failure = reported_failure(POSTGRES.url, &["SELECT 1 / 0 AS x"]);
        assert_eq!(failure["cause"], "sql_data_exception", "{failure}");
        let table = format!("ritc_missing_{}", unique());
        let failure = reported_failure(POSTGRES.url, &[&format!("SELECT * FROM {table}")]);
        assert_eq!(failure["cause"], "sql_syntax_or_access", "{failure}");
        assert!(
            failure["suggestion"]
                .as_str()
                .unwrap()
                .contains("migrations"),
            "{failure}"
        );
        let wrong_user = "postgres://no_such_role_ritc@127.0.0.1:5432/test";
        let failure = reported_failure(wrong_user, &["SELECT 1 AS one"]);
        assert_eq!(failure["kind"], "connection", "{failure}");
        assert_eq!(failure["cause"], "sql_invalid_authorization", "{failure}");
    }
    if reachable(&MARIADB) {
        let table = format!("ritc_missing_{}", unique());
        let failure = reported_failure(MARIADB.url, &[&format!("SELECT * FROM {table}")]);
        assert_eq!(failure["cause"], "sql_syntax_or_access", "{failure}");
    }
    let port = closed_port();
    let failure = reported_failure(
        &format!("postgres://someone@127.0.0.1:{port}/test"),
        &["SELECT 1 AS one"],
    );
    assert_eq!(failure["kind"], "connection", "{failure}");
    assert_eq!(failure["cause"], "connection_refused", "{failure}");
}

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_refused_connection_names_host_port_and_database() {
    for (product, scheme) in [
        ("PostgreSQL", "postgres"),
        ("MariaDB", "mariadb"),
        ("MySQL", "mysql"),
    ] {
        let port = closed_port();
        let url = format!("{scheme}://someone@127.0.0.1:{port}/inventory");
        let suite = Suite::new();
        suite.file(
            "refused.rit",
            &format!(
                "test \"down\" {{\n  sql database(\"{url}\") \"SELECT 1 AS one\"\n  expect rows[0].one == 1\n}}\n"
            ),
        );
        let output = suite.run(&["refused.rit"]);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(1), "{all}");
        assert!(
            all.contains(&format!(
                "cannot connect to {product} at 127.0.0.1:{port}, database \"inventory\", user \"someone\""
            )),
            "{all}"
        );
        assert!(all.to_lowercase().contains("connection refused"), "{all}");
        assert!(
            all.contains(&format!("is the {product} server running")),
            "{all}"
        );
        assert!(all.contains("refused.rit:2"), "{all}");
    }
}

#[test]
fn a_missing_sqlite_folder_is_explained() {
    let suite = Suite::new();
    suite.file(
        "missing.rit",
        "test \"no folder\" {\n  sql database(\"sqlite:///nonexistent-ritc-folder/x.db?mode=rwc\") \"SELECT 1 AS one\"\n  expect count == 1\n}\n",
    );
    let output = suite.run(&["missing.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("cannot connect to SQLite at the file /nonexistent-ritc-folder/x.db"),
        "{all}"
    );
    assert!(all.contains("unable to open database file"), "{all}");
}

// ---------------------------------------------------------------------------
// The normative examples on the demo service, on SQLite and on PostgreSQL

fn run_examples(db_url: Option<&str>) -> String {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut command = Command::new(ritc());
    command
        .args(["run", "database.rit", "checkpoints.rit"])
        .arg("--param")
        .arg(format!("demo={}", demo_binary().display()))
        .arg("--param")
        .arg(format!("port={}", closed_port()))
        .arg("--param")
        .arg(format!("inventory_port={}", closed_port()));
    if let Some(url) = db_url {
        command.arg("--param").arg(format!("db_url={url}"));
    }
    let output = command
        .current_dir(&examples)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("6 passed, 0 failed"), "{all}");
    assert!(
        all.contains("Created through the API, stored in the database, read back through the API"),
        "{all}"
    );
    assert!(all.contains("Database connection works"), "{all}");
    all
}

#[test]
fn database_and_checkpoints_examples_run_green_on_sqlite() {
    run_examples(None);
}

#[test]
fn database_and_checkpoints_examples_run_green_on_postgres() {
    require!(POSTGRES);
    // The demo's tables go in a schema of this run's own, dropped afterwards.
    let schema = format!("ritc_examples_{}", unique());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let admin = runtime
        .block_on(sqlx::PgPool::connect(POSTGRES.url))
        .unwrap();
    let execute = |statement: String| {
        runtime
            .block_on(sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&admin))
            .unwrap();
    };
    execute(format!("CREATE SCHEMA {schema}"));
    let url = format!("{}?options=-c%20search_path%3D{schema}", POSTGRES.url);
    let result = std::panic::catch_unwind(|| run_examples(Some(&url)));
    execute(format!("DROP SCHEMA {schema} CASCADE"));
    runtime.block_on(admin.close());
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

// ---------------------------------------------------------------------------
// The backend itself

fn input(url: &str, parts: Vec<CommandPart>, timeout: Duration) -> StepInput {
    StepInput {
        method: None,
        target: Value::Connection(Connection::new(ritc::steps::sql::DATABASE, url)),
        command: Some(parts),
        options: Vec::new(),
        default_timeout: timeout,
        base_dir: PathBuf::from("."),
        status_checked: false,
        max_body: ritc::steps::http::client::DEFAULT_MAX_BODY_BYTES,
        verbose: true,
        secrets: ritc::mask::Masker::default(),
        environment: Default::default(),
    }
}

async fn step(
    backend: &SqlExecutor,
    test: &TestResources,
    url: &str,
    parts: Vec<CommandPart>,
) -> Result<StepOutput, StepError> {
    backend
        .execute(input(url, parts, Duration::from_secs(10)), test)
        .await
}

fn sql(text: &str) -> CommandPart {
    CommandPart::Text(text.to_string())
}

fn field<'a>(output: &'a StepOutput, name: &str) -> &'a Value {
    output
        .record
        .field(name)
        .and_then(|value| value.as_ref().ok())
        .unwrap()
}

fn first_row_value(output: &StepOutput, column: &str) -> Value {
    let Value::List(rows) = field(output, "rows") else {
        panic!("rows is not a list");
    };
    rows[0].get(column).cloned().unwrap()
}

/// Stores `bytes` through a parameter and reads them back, on one database.
async fn bytes_round_trip(url: &str, blob_type: &str) {
    let backend = SqlExecutor::default();
    let test = TestResources::default();
    let bytes: Vec<u8> = vec![0, 1, 2, 0x27, 0x3b, 0xff];
    step(
        &backend,
        &test,
        url,
        vec![sql(&format!(
            "CREATE TEMPORARY TABLE blobs (b {blob_type})"
        ))],
    )
    .await
    .unwrap();
    let inserted = step(
        &backend,
        &test,
        url,
        vec![
            sql("INSERT INTO blobs (b) VALUES ("),
            CommandPart::Value(Value::Bytes(bytes.clone())),
            sql(")"),
        ],
    )
    .await
    .unwrap();
    assert!(matches!(field(&inserted, "count"), Value::Int(1)));
    let read = step(&backend, &test, url, vec![sql("SELECT b FROM blobs")])
        .await
        .unwrap();
    match first_row_value(&read, "b") {
        Value::Bytes(read) => assert_eq!(read, bytes),
        other => panic!("{other:?}"),
    }
    drop(test);
    backend.shutdown().await;
}

#[tokio::test]
async fn bytes_bind_as_bytea_and_blob() {
    let folder = tempfile::tempdir().unwrap();
    bytes_round_trip(
        &format!("sqlite://{}/b.db?mode=rwc", folder.path().display()),
        "BLOB",
    )
    .await;
    if reachable(&POSTGRES) {
        bytes_round_trip(POSTGRES.url, "bytea").await;
    }
    if reachable(&MARIADB) {
        bytes_round_trip(MARIADB.url, "BLOB").await;
    }
}

#[tokio::test]
async fn an_unknown_scheme_at_run_time_is_a_clear_error() {
    let backend = SqlExecutor::default();
    let test = TestResources::default();
    let error = step(
        &backend,
        &test,
        "redis://127.0.0.1:6379",
        vec![sql("SELECT 1")],
    )
    .await
    .err()
    .unwrap();
    assert_eq!(error.kind, StepErrorKind::Usage);
    assert!(
        error.message.contains("is not a database URL"),
        "{}",
        error.message
    );
    assert!(error.message.contains("postgres://"), "{}", error.message);
}

#[tokio::test]
async fn each_test_has_its_own_connection() {
    if !reachable(&POSTGRES) {
        return;
    }
    let backend = SqlExecutor::default();
    let first = TestResources::default();
    let second = TestResources::default();
    step(
        &backend,
        &first,
        POSTGRES.url,
        vec![sql("CREATE TEMPORARY TABLE mine (x int)")],
    )
    .await
    .unwrap();
    step(
        &backend,
        &first,
        POSTGRES.url,
        vec![sql("SELECT * FROM mine")],
    )
    .await
    .unwrap();
    let error = step(
        &backend,
        &second,
        POSTGRES.url,
        vec![sql("SELECT * FROM mine")],
    )
    .await
    .err()
    .unwrap();
    assert_eq!(error.kind, StepErrorKind::Database);
    assert!(error.message.contains("42P01"), "{}", error.message);
    drop(first);
    drop(second);
    backend.shutdown().await;
}

#[tokio::test]
async fn a_statement_past_its_timeout_closes_its_connection() {
    if !reachable(&POSTGRES) {
        return;
    }
    let backend = SqlExecutor::default();
    let test = TestResources::default();
    step(
        &backend,
        &test,
        POSTGRES.url,
        vec![sql("CREATE TEMPORARY TABLE gone (x int)")],
    )
    .await
    .unwrap();
    let error = backend
        .execute(
            input(
                POSTGRES.url,
                vec![sql("SELECT pg_sleep(5)")],
                Duration::from_millis(300),
            ),
            &test,
        )
        .await
        .err()
        .unwrap();
    assert_eq!(error.kind, StepErrorKind::Timeout);
    assert!(
        error.message.contains("did not finish within 300ms"),
        "{}",
        error.message
    );
    // The next step gets a fresh connection: the temporary table went with the old one.
    let error = step(
        &backend,
        &test,
        POSTGRES.url,
        vec![sql("SELECT * FROM gone")],
    )
    .await
    .err()
    .unwrap();
    assert!(error.message.contains("42P01"), "{}", error.message);
    let fine = step(&backend, &test, POSTGRES.url, vec![sql("SELECT 1 AS one")])
        .await
        .unwrap();
    assert!(matches!(field(&fine, "count"), Value::Int(1)));
    drop(test);
    backend.shutdown().await;
}

#[test]
fn a_server_that_accepts_and_never_answers_fails_at_the_step_timeout() {
    // Accepts every connection, reads nothing, says nothing: no handshake ever.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    for (product, scheme) in [("PostgreSQL", "postgres"), ("MariaDB", "mariadb")] {
        let url = format!("{scheme}://someone@127.0.0.1:{port}/inventory");
        let suite = Suite::new();
        suite.file(
            "silent.rit",
            &format!(
                "test \"silent\" {{\n  sql database(\"{url}\") \"SELECT 1 AS one\"\n    timeout 1s\n  expect rows[0].one == 1\n}}\n"
            ),
        );
        let started = std::time::Instant::now();
        let output = suite.run(&["silent.rit"]);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(1), "{product}: {all}");
        assert!(all.contains("✗ silent / silent"), "{product}: {all}");
        assert!(
            all.contains(&format!(
                "cannot connect to {product} at 127.0.0.1:{port}, database \"inventory\", user \"someone\": the server accepted the connection but did not answer within 1s"
            )),
            "{product}: {all}"
        );
        assert!(all.contains("silent.rit:2"), "{product}: {all}");
        assert!(
            all.contains(&format!("did not speak {product}'s protocol")),
            "{product}: {all}"
        );
        // Bounded by the step's timeout (and a short attempt that explains it),
        // not by a driver's own default (minutes).
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{product}: {:?}",
            started.elapsed()
        );
    }
}
