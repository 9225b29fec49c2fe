//! `redis` steps end to end: the real `ritc` binary on `.rit` files against the
//! Redis server of this machine (redis://127.0.0.1:6379). Each test writes under
//! its own random key prefix and deletes its keys at the end, pass or fail; what
//! the steps wrote is read back with a separate client.

use ritc::steps::exec::{CommandPart, StepErrorKind, StepExecutor, StepInput, TestResources};
use ritc::steps::redis::RedisExecutor;
use ritc::value::{Connection, Value};
use std::process::Command;
use std::time::Duration;

mod common;
use common::suite::{ritc, text};

const REDIS_URL: &str = "redis://127.0.0.1:6379";

/// A random key prefix whose keys are deleted when it is dropped.
struct Keys {
    prefix: String,
}

impl Keys {
    fn new() -> Keys {
        Keys {
            prefix: format!("ritc-test-{}", uuid::Uuid::new_v4()),
        }
    }

    fn connection() -> redis::Connection {
        redis::Client::open(REDIS_URL)
            .unwrap()
            .get_connection()
            .expect("the Redis server of this machine at 127.0.0.1:6379")
    }

    fn get(&self, key: &str) -> Option<Vec<u8>> {
        redis::cmd("GET")
            .arg(format!("{}:{key}", self.prefix))
            .query(&mut Keys::connection())
            .unwrap()
    }

    fn all(&self) -> Vec<String> {
        redis::cmd("KEYS")
            .arg(format!("{}:*", self.prefix))
            .query(&mut Keys::connection())
            .unwrap()
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(REDIS_URL) else {
            return;
        };
        let Ok(mut connection) = client.get_connection() else {
            return;
        };
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}:*", self.prefix))
            .query(&mut connection)
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: Result<i64, _> = redis::cmd("DEL").arg(keys).query(&mut connection);
        }
    }
}

/// Writes `source` as `redis.rit` in a fresh folder and runs it with the
/// `redis_url` and `prefix` params.
fn run_rit(source: &str, redis_url: &str, keys: &Keys) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("redis.rit"), source).unwrap();
    let output = Command::new(ritc())
        .args(["run", "redis.rit", "--param"])
        .arg(format!("redis_url={redis_url}"))
        .arg("--param")
        .arg(format!("prefix={}", keys.prefix))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (output.status.code(), text(&output))
}

const HEADER: &str = r#"param redis_url = "redis://127.0.0.1:6379"
param prefix = "ritc-test"
let cache = redis(redis_url)
"#;

#[test]
fn values_arrive_verbatim_and_replies_read_as_values() {
    let keys = Keys::new();
    let source = format!(
        "{HEADER}{}",
        r#"
test "strings, numbers, lists, maps, nil and status replies" {
  let hostile = "two words \"double\" 'single'\nsecond line\ttab \{{not interpolated}}  "
  redis cache "SET {{prefix}}:hostile {{hostile}}"
  expect ok
  expect value == "OK"
  redis cache "GET {{prefix}}:hostile"
  expect value == hostile
  expect not ok
  redis cache "STRLEN {{prefix}}:hostile"
  expect value == len(hostile)

  redis cache "SET {{prefix}}:empty {{""}}"
  redis cache "GET {{prefix}}:empty"
  expect value == ""

  let id = "42 43"
  redis cache "SET {{prefix}}:session:{{id}} x"
  redis cache "GET {{prefix}}:session:{{id}}"
  expect value == "x"
  redis cache "DEL {{prefix}}:session:{{id}}"
  expect value == 1

  redis cache "INCR {{prefix}}:counter"
  expect value == 1
  redis cache "INCRBY {{prefix}}:counter {{41}}"
  expect value == 42
  expect value > 41

  redis cache "LPUSH {{prefix}}:list c b"
  expect value == 2
  redis cache "LPUSH {{prefix}}:list {{hostile}}"
  redis cache "LRANGE {{prefix}}:list 0 -1"
  expect value == [hostile, "b", "c"]
  expect len(value) == 3

  redis cache "HSET {{prefix}}:hash name {{hostile}} visits 3"
  expect value == 2
  redis cache "HGETALL {{prefix}}:hash"
  expect value == { name: hostile, visits: "3" }
  expect value.visits == "3"

  redis cache "GET {{prefix}}:missing"
  expect value == null
  expect not ok

  redis cache "PING"
  expect ok
  expect value == "PONG"
  expect duration < 5s
}
"#
    );
    let (code, all) = run_rit(&source, REDIS_URL, &keys);
    assert_eq!(code, Some(0), "{all}");
    assert!(all.contains("1 passed, 0 failed"), "{all}");
    // What the step wrote is exactly the value, one argument, as another client reads it.
    let expected = "two words \"double\" 'single'\nsecond line\ttab {{not interpolated}}  ";
    assert_eq!(keys.get("hostile").as_deref(), Some(expected.as_bytes()));
    assert_eq!(keys.get("empty").as_deref(), Some(&b""[..]));
    assert_eq!(keys.get("counter").as_deref(), Some(&b"42"[..]));
}

#[test]
fn a_resp2_connection_reads_a_map_reply_as_a_flat_list() {
    let keys = Keys::new();
    let source = format!(
        "{HEADER}{}",
        r#"
test "resp2" {
  redis cache "HSET {{prefix}}:hash field value"
  redis cache "HGETALL {{prefix}}:hash"
  expect value == ["field", "value"]
}
"#
    );
    let url = format!("{REDIS_URL}/0?protocol=resp2");
    let (code, all) = run_rit(&source, &url, &keys);
    assert_eq!(code, Some(0), "{all}");
}

#[test]
fn an_error_reply_fails_the_test_with_the_message_of_redis() {
    let keys = Keys::new();
    let source = format!(
        "{HEADER}{}",
        r#"
test "incr on a string" {
  redis cache "SET {{prefix}}:word hello"
  expect ok
  redis cache "INCR {{prefix}}:word"
  expect value == 1
}
"#
    );
    let (code, all) = run_rit(&source, REDIS_URL, &keys);
    assert_eq!(code, Some(1), "{all}");
    assert!(all.contains("0 passed, 1 failed"), "{all}");
    assert!(
        all.contains("ERR value is not an integer or out of range"),
        "{all}"
    );
    assert!(
        all.contains(&format!("Redis answered `INCR {}:word`", keys.prefix)),
        "{all}"
    );
    assert_eq!(keys.get("word").as_deref(), Some(&b"hello"[..]));

    let source = format!(
        "{HEADER}{}",
        r#"
test "wrong type" {
  redis cache "LPUSH {{prefix}}:list a"
  redis cache "GET {{prefix}}:list"
  expect value == "a"
}
"#
    );
    let (code, all) = run_rit(&source, REDIS_URL, &keys);
    assert_eq!(code, Some(1), "{all}");
    assert!(
        all.contains("WRONGTYPE Operation against a key holding the wrong kind of value"),
        "{all}"
    );
}

#[test]
fn a_closed_port_is_a_clear_connection_error() {
    let keys = Keys::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://127.0.0.1:{port}");
    let source = format!(
        "{HEADER}{}",
        r#"
test "nobody there" {
  redis cache "PING"
  expect ok
}
"#
    );
    let (code, all) = run_rit(&source, &url, &keys);
    assert_eq!(code, Some(1), "{all}");
    assert!(
        all.contains(&format!(
            "cannot connect to Redis at {url}: connection refused"
        )),
        "{all}"
    );
}

#[test]
fn one_connection_per_url_lasts_the_whole_run() {
    let keys = Keys::new();
    // `setup` names the connection; every test of the run sees that name.
    let source = format!(
        "{HEADER}{}",
        r#"
setup {
  redis cache "CLIENT SETNAME {{prefix}}"
}

test "first" {
  redis cache "CLIENT GETNAME"
  expect value == prefix
  redis cache "CLIENT ID"
  let id = value
  redis cache "CLIENT ID"
  expect value == id
}

test "second" {
  redis cache "CLIENT GETNAME"
  expect value == prefix
}
"#
    );
    let (code, all) = run_rit(&source, REDIS_URL, &keys);
    assert_eq!(code, Some(0), "{all}");
    assert!(all.contains("2 passed, 0 failed"), "{all}");
}

#[test]
fn a_timed_out_command_fails_and_the_next_step_gets_a_fresh_connection() {
    let keys = Keys::new();
    let source = format!(
        "{HEADER}{}",
        r#"
test "blocked" {
  redis cache "BLPOP {{prefix}}:never 3" timeout 300ms
  expect value == null
}

test "after it" {
  redis cache "PING"
  expect duration < 1s
}
"#
    );
    let (code, all) = run_rit(&source, REDIS_URL, &keys);
    assert_eq!(code, Some(1), "{all}");
    assert!(all.contains("1 passed, 1 failed"), "{all}");
    assert!(
        all.contains(&format!(
            "Redis did not answer `BLPOP {}:never 3` within 300ms",
            keys.prefix
        )),
        "{all}"
    );
}

// ---------------------------------------------------------------- the backend directly

fn input(parts: Vec<CommandPart>) -> StepInput {
    StepInput {
        method: None,
        target: Value::Connection(Connection::new(ritc::steps::redis::REDIS, REDIS_URL)),
        command: Some(parts),
        options: Vec::new(),
        default_timeout: Duration::from_secs(5),
        base_dir: std::env::temp_dir(),
        status_checked: false,
        max_body: ritc::steps::http::client::DEFAULT_MAX_BODY_BYTES,
        verbose: true,
        secrets: ritc::mask::Masker::default(),
        environment: Default::default(),
    }
}

fn field<'a>(output: &'a ritc::steps::exec::StepOutput, name: &str) -> &'a Value {
    output
        .record
        .field(name)
        .and_then(|value| value.as_ref().ok())
        .unwrap()
}

#[tokio::test]
async fn the_backend_binds_each_value_as_one_argument() {
    let keys = Keys::new();
    let backend = RedisExecutor::new();
    let test = TestResources::default();
    let hostile = "a b\r\nc \"d\"";
    let set = vec![
        CommandPart::Text("SET ".into()),
        CommandPart::Text(format!("{}:k", keys.prefix)),
        CommandPart::Text(" ".into()),
        CommandPart::Value(Value::String(hostile.into())),
    ];
    let output = backend.execute(input(set), &test).await.unwrap();
    assert!(matches!(field(&output, "ok"), Value::Bool(true)));
    assert!(matches!(field(&output, "duration"), Value::Duration(_)));
    assert_eq!(keys.get("k").as_deref(), Some(hostile.as_bytes()));

    let get = vec![CommandPart::Text(format!("GET {}:k", keys.prefix))];
    // A run without -v gets no exchange text.
    let mut quiet = input(get.clone());
    quiet.verbose = false;
    let output = backend.execute(quiet, &test).await.unwrap();
    assert!(output.exchange.is_none());
    let output = backend.execute(input(get), &test).await.unwrap();
    assert!(
        matches!(field(&output, "value"), Value::Json(serde_json::Value::String(s)) if s == hostile)
    );
    assert!(matches!(field(&output, "ok"), Value::Bool(false)));
    let exchange = output.exchange.unwrap();
    assert!(
        exchange.contains(&format!("> GET {}:k", keys.prefix)),
        "{exchange}"
    );

    let error = backend
        .execute(input(vec![CommandPart::Text("   ".into())]), &test)
        .await
        .err()
        .unwrap();
    assert_eq!(error.kind, StepErrorKind::Usage, "{error:?}");

    let error = backend
        .execute(
            input(vec![CommandPart::Text("NOSUCHCOMMAND x".into())]),
            &test,
        )
        .await
        .err()
        .unwrap();
    assert_eq!(error.kind, StepErrorKind::Database, "{error:?}");
    assert!(
        error.message.contains("ERR unknown command"),
        "{}",
        error.message
    );

    backend.shutdown().await;
    // After shutdown a later step opens a new connection.
    let ping = vec![CommandPart::Text("PING".into())];
    let output = backend.execute(input(ping), &test).await.unwrap();
    assert!(matches!(field(&output, "ok"), Value::Bool(true)));
    backend.shutdown().await;
    assert_eq!(keys.all().len(), 1);
}
