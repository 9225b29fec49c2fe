//! Resource warnings (issue 24 bullet 2) against real servers: a private
//! `redis-server` started here with a small `maxmemory` that the suite fills past
//! 80% (the warning names the percentage, in every report and the events, with
//! the password masked); a PostgreSQL role with a low connection limit driven
//! near it by a `load` against a real service that connects as that role (the
//! warning names the load it came in), and by parallel tests; a MariaDB user
//! with `MAX_USER_CONNECTIONS` likewise; a private PostgreSQL server started
//! here with a small `max_connections`, driven near the server's own limit;
//! and a passing run with a service, a
//! load, both servers and a run history that must produce no warning at all.
//! Watching never changes the status; `--no-watch` turns it off.
//!
//! PostgreSQL is the machine's (127.0.0.1:5432, database `test`, user
//! `postgres`, no password); the roles made here are dropped at the end.

use serde_json::Value;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::ports::free_port;
use common::suite::{EVERY_REPORT, Suite, text};

const REDIS_PASSWORD: &str = "watch-pw-4f1d9c";

/// A `redis-server` of this test's own, on a free port; killed when dropped.
struct PrivateRedis {
    child: Child,
    port: u16,
}

impl PrivateRedis {
    /// A server without persistence, with `maxmemory` and a password.
    fn start(dir: &Path, maxmemory: &str) -> PrivateRedis {
        PrivateRedis::start_with(
            dir,
            &["--maxmemory", maxmemory, "--maxmemory-policy", "noeviction"],
        )
    }

    /// A server without persistence, with a password and `settings`.
    fn start_with(dir: &Path, settings: &[&str]) -> PrivateRedis {
        let port = free_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(settings)
            .args(["--requirepass", REDIS_PASSWORD])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is needed for tests/watch.rs");
        let server = PrivateRedis { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The suite's preamble: the private Redis, its password a secret from the
/// environment.
fn redis_preamble(port: u16) -> String {
    format!(
        "secret pw = env(\"WATCH_REDIS_PASSWORD\")\nlet cache = redis(\"redis://:{{{{pw}}}}@127.0.0.1:{port}\")\n"
    )
}

fn run(suite: &Suite, args: &[&str]) -> Output {
    suite
        .command(args)
        .env("WATCH_REDIS_PASSWORD", REDIS_PASSWORD)
        .output()
        .unwrap()
}

fn read(suite: &Suite, name: &str) -> String {
    std::fs::read_to_string(suite.dir.path().join(name)).unwrap()
}

fn json_report(suite: &Suite) -> Value {
    serde_json::from_str(&read(suite, "report.json")).unwrap()
}

/// The percentage a warning names: "… at 87% …" → 87.
fn named_percent(message: &str) -> u64 {
    let before = message.split('%').next().unwrap_or("");
    before
        .rsplit(' ')
        .next()
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no percentage in {message:?}"))
}

/// A warning says "during load test" only when its peak came while a `load`
/// ran (below, with PostgreSQL): here the load runs first and the cache is
/// filled after it, so the peak, in a run that ran a load, was the run's.
#[test]
fn a_peak_after_the_load_says_during_the_run_even_in_a_run_with_a_load() {
    let suite = Suite::new();
    let redis = PrivateRedis::start(suite.dir.path(), "8mb");
    let port = free_port();
    suite.file(
        "load.rit",
        &format!(
            "{}param port = {port}\n\nservice web = \"python3 -m http.server {{{{port}}}} --bind 127.0.0.1\" {{\n  ready http \"http://127.0.0.1:{{{{port}}}}/\" within 20s\n}}\n\ntest \"browse\" {{\n  redis cache \"PING\"\n  expect ok\n  load GET \"http://127.0.0.1:{{{{port}}}}/\" {{\n    concurrency 2\n    requests 20\n  }}\n  expect succeeded == 20\n}}\n\ntest \"fill the cache\" {{\n  redis cache \"SETRANGE big 6000000 x\"\n  expect value == 6000001\n}}\n",
            redis_preamble(redis.port)
        ),
    );
    let output = run(&suite, &["load.rit", "--report", "json=report.json"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    let report = json_report(&suite);
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0].as_str().unwrap();
    assert!(
        warning.starts_with("Redis memory usage at ")
            && warning.contains(" during the run: used_memory "),
        "{warning}"
    );
    assert!(!warning.contains("load test"), "{warning}");
}

#[test]
fn redis_filled_past_80_percent_is_a_warning_in_every_report() {
    let suite = Suite::new();
    let redis = PrivateRedis::start(suite.dir.path(), "8mb");
    // About 6 MB in one value on top of Redis's own ~1 MB: past 80% of 8 MB,
    // under the limit (the policy is noeviction, so a write past it would fail).
    suite.file(
        "cache.rit",
        &format!(
            "{}\ntest \"fill the cache\" {{\n  redis cache \"SETRANGE big 6000000 x\"\n  expect value == 6000001\n}}\n",
            redis_preamble(redis.port)
        ),
    );
    let mut args = vec!["cache.rit"];
    args.extend_from_slice(EVERY_REPORT);
    let output = run(&suite, &args);
    let all = text(&output);
    // Watching never fails a run.
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(!all.contains(REDIS_PASSWORD), "{all}");

    let report = json_report(&suite);
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|warning| warning.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0];
    assert!(
        warning.starts_with("Redis memory usage at ")
            && warning.contains(" during the run: used_memory ")
            && warning.contains(" of maxmemory 8.0 MiB on redis://:***@127.0.0.1:")
            && warning.contains(" into the run (warning from 80%)"),
        "{warning}"
    );
    let percent = named_percent(warning);
    assert!((80..100).contains(&percent), "{warning}");
    assert_eq!(report["test_run"]["status"], "PASSED");
    assert_eq!(report["summary"]["warnings"], 1);
    let resource = &report["resources"][0];
    assert_eq!(resource["kind"], "redis_memory");
    assert_eq!(
        resource["target"],
        format!("redis://:***@127.0.0.1:{}", redis.port)
    );
    assert!(resource["percent"].as_f64().unwrap() >= 80.0, "{resource}");
    assert!(resource["at_ms"].as_f64().unwrap() >= 0.0, "{resource}");
    // The recommendation is derived from it, naming the server.
    assert_eq!(
        report["recommendations"],
        serde_json::json!([format!(
            "Give Redis memory room: expire or clean up what the tests write (TTLs, teardown), or raise maxmemory deliberately before writes are refused or keys evicted (redis://:***@127.0.0.1:{} at {percent}%)",
            redis.port
        )])
    );

    // The terminal, each file format and the events say it, masked.
    assert!(all.contains(&format!("warning: {warning}")), "{all}");
    for file in ["report.yaml", "report.xml", "report.tap", "report.html"] {
        let written = read(&suite, file);
        assert!(!written.contains(REDIS_PASSWORD), "{file}: {written}");
        assert!(
            written.contains(&format!("Redis memory usage at {percent}%")),
            "{file} does not name the warning:\n{written}"
        );
    }
    assert!(
        read(&suite, "report.xml")
            .contains("<property name=\"warning\" value=\"Redis memory usage at ")
    );
    let output = run(&suite, &["cache.rit", "--events", "jsonl"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains(REDIS_PASSWORD), "{stdout}");
    let events: Vec<Value> = stdout
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let watched = events
        .iter()
        .find(|event| event["type"] == "resource_warnings")
        .unwrap_or_else(|| panic!("no resource_warnings event in {stdout}"));
    assert_eq!(watched["warnings"][0]["kind"], "redis_memory");
    assert!(
        watched["warnings"][0]["message"]
            .as_str()
            .is_some_and(|message| message.starts_with("Redis memory usage at ")),
        "{watched}"
    );

    // --no-watch: the same run, no warning.
    let quiet = run(
        &suite,
        &["cache.rit", "--no-watch", "--report", "json=report.json"],
    );
    assert_eq!(quiet.status.code(), Some(0), "{}", text(&quiet));
    let report = json_report(&suite);
    assert_eq!(report["warnings"], serde_json::json!([]), "{report}");
    assert_eq!(report["resources"], serde_json::json!([]));
}

/// What a suite that crowds a Redis with `clients` blocked connections for
/// 1.5 s, then writes four 1.5 MB values into it, is warned of and
/// recommended. The watcher reads the server once before anything is
/// written, so the evictions it sees are the suite's.
fn crowded_and_filled(settings: &[&str], clients: usize) -> Value {
    let suite = Suite::new();
    let redis = PrivateRedis::start_with(suite.dir.path(), settings);
    let blocked = format!(
        "redis-cli -p {} --no-auth-warning BLPOP ritc:nothing 1.5 >/dev/null &",
        redis.port
    )
    .repeat(clients);
    suite.file(
        "crowd.rit",
        &format!(
            "{}\ntest \"crowd and fill\" {{\n  redis cache \"PING\"\n  expect ok\n  run \"sleep 0.6\"\n  run \"{blocked} wait\" env {{ REDISCLI_AUTH: pw }}\n  redis cache \"SETRANGE a 1500000 x\"\n  redis cache \"SETRANGE b 1500000 x\"\n  redis cache \"SETRANGE c 1500000 x\"\n  redis cache \"SETRANGE d 1500000 x\"\n  expect value == 1500001\n}}\n",
            redis_preamble(redis.port)
        ),
    );
    let output = run(&suite, &["crowd.rit", "--report", "json=report.json"]);
    let all = text(&output);
    // Watching never fails a run.
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(!all.contains(REDIS_PASSWORD), "{all}");
    json_report(&suite)
}

/// Evictions (`allkeys-lru`, 4 MB) and clients near `maxclients` (10 blocked
/// of 12) are each a warning with their figures and a recommendation naming
/// the server; the same suite with room (64 MB, 5 of 100 clients) is warned of
/// nothing and recommended nothing.
#[test]
fn evictions_and_clients_near_maxclients_are_warnings_and_a_roomy_twin_is_not() {
    let report = crowded_and_filled(
        &[
            "--maxmemory",
            "4mb",
            "--maxmemory-policy",
            "allkeys-lru",
            "--maxclients",
            "12",
        ],
        10,
    );
    let kinds: Vec<&str> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|resource| resource["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"redis_evictions"), "{report}");
    assert!(kinds.contains(&"redis_clients"), "{report}");
    let warning = |start: &str| {
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .find(|warning| warning.starts_with(start))
            .unwrap_or_else(|| panic!("no warning starting {start:?}: {report}"))
            .to_string()
    };
    let clients = warning("Redis connected clients at ");
    // 10 blocked clients and the suite's own of the 12 allowed (the watcher's
    // left out): 83% to 92%.
    assert!((80..100).contains(&named_percent(&clients)), "{clients}");
    assert!(clients.contains("redis://:***@127.0.0.1:"), "{clients}");
    let evicted = warning("Redis evicted ");
    assert!(evicted.contains("redis://:***@127.0.0.1:"), "{evicted}");
    let recommendations = report["recommendations"].to_string();
    for start in [
        "Redis evicted keys while the tests ran: tests may read data that is gone",
        "Share Redis connections (a pool or one multiplexed connection per process): clients came near maxclients (redis://:***@127.0.0.1:",
    ] {
        assert!(
            recommendations.contains(start),
            "{start}: {recommendations}"
        );
    }

    let roomy = crowded_and_filled(
        &[
            "--maxmemory",
            "64mb",
            "--maxmemory-policy",
            "allkeys-lru",
            "--maxclients",
            "100",
        ],
        5,
    );
    assert_eq!(roomy["warnings"], serde_json::json!([]), "{roomy}");
    assert_eq!(roomy["resources"], serde_json::json!([]), "{roomy}");
    assert_eq!(roomy["recommendations"], serde_json::json!([]), "{roomy}");
}

// ---------------------------------------------------------------------------
// PostgreSQL

const POSTGRES_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/test";

fn postgres_reachable() -> bool {
    match TcpStream::connect_timeout(&"127.0.0.1:5432".parse().unwrap(), Duration::from_secs(3)) {
        Ok(_) => true,
        Err(error) => {
            let message = format!(
                "PostgreSQL is not reachable at 127.0.0.1:5432 ({error}); start it with a database `test` that `postgres` reaches without a password"
            );
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{message}");
            }
            eprintln!("\n**********\nSKIPPED: {message}\n**********\n");
            false
        }
    }
}

/// Statements run as the `postgres` user, on a connection of the test's own;
/// their only variable part is a role name this test made (`ritc_watch_` and
/// hex digits).
fn postgres_admin(statements: &[String]) {
    postgres_statements(POSTGRES_ADMIN, statements);
}

/// Statements run on a connection of the test's own to `url`.
fn postgres_statements(url: &str, statements: &[String]) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
        for statement in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
                .execute(&mut connection)
                .await
                .unwrap();
        }
        let _ = connection.close().await;
    });
}

/// A login role with a connection limit, dropped (its sessions ended) when
/// this is dropped.
struct LimitedRole {
    name: String,
}

impl LimitedRole {
    fn create(limit: u32) -> LimitedRole {
        let name = format!(
            "ritc_watch_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..10]
        );
        postgres_admin(&[format!("CREATE ROLE {name} LOGIN CONNECTION LIMIT {limit}")]);
        LimitedRole { name }
    }

    fn url(&self) -> String {
        format!("postgres://{}@127.0.0.1:5432/test", self.name)
    }
}

impl Drop for LimitedRole {
    fn drop(&mut self) {
        let name = &self.name;
        postgres_admin(&[
            format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{name}'"
            ),
            format!("DROP ROLE IF EXISTS {name}"),
        ]);
    }
}

/// `count` tests that each hold a connection for `seconds`, run at once.
fn parallel_sleepers(url: &str, count: usize, seconds: f64) -> String {
    let mut source = format!("let db = database(\"{url}\")\n");
    for index in 0..count {
        source.push_str(&format!(
            "\ntest \"holds a connection {index}\" {{\n  sql db \"SELECT 1 AS one FROM pg_sleep({seconds})\"\n  expect rows[0].one == 1\n}}\n"
        ));
    }
    source
}

#[test]
fn a_role_driven_near_its_connection_limit_is_a_warning() {
    if !postgres_reachable() {
        return;
    }
    let role = LimitedRole::create(5);
    let suite = Suite::new();
    // Four tests at once hold four of the role's five connections for 1.5 s:
    // several samples see them.
    suite.file("db.rit", &parallel_sleepers(&role.url(), 4, 1.5));
    let output = run(
        &suite,
        &["db.rit", "--jobs", "4", "--report", "json=report.json"],
    );
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    let report = json_report(&suite);
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0].as_str().unwrap();
    assert!(
        warning.starts_with(&format!(
            "Database connection pool near capacity during the run: 4 of the 5 connections role `{}` may open (its CONNECTION LIMIT) were in use (80%) on {}, at ",
            role.name,
            role.url()
        )) && warning.ends_with(" into the run (warning from 80%)"),
        "{warning}"
    );
    assert_eq!(report["resources"][0]["kind"], "database_connections");
    assert!(
        report["recommendations"][0]
            .as_str()
            .is_some_and(
                |text| text.starts_with("Add connection pooling for database: ")
                    && text.ends_with(&format!("({} at 80%)", role.url()))
            ),
        "{}",
        report["recommendations"]
    );
    assert_eq!(report["test_run"]["status"], "PASSED");

    // Two at once: 40% of the limit, nothing to say.
    suite.file("db.rit", &parallel_sleepers(&role.url(), 2, 0.6));
    let output = run(
        &suite,
        &["db.rit", "--jobs", "2", "--report", "json=report.json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(json_report(&suite)["warnings"], serde_json::json!([]));
}

/// A PostgreSQL server of this test's own (the machine's `initdb` and
/// `postgres`, run as the `postgres` user when the test runs as root, which
/// PostgreSQL refuses), in a temporary folder, on a free port, with a small
/// `max_connections`: the server's own limit can be driven near without
/// touching the machine's server. Stopped when dropped.
struct PrivatePostgres {
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
}

impl PrivatePostgres {
    /// None (with a message) when PostgreSQL's programs are not installed.
    fn start(max_connections: u32) -> Option<PrivatePostgres> {
        if Command::new("initdb").arg("--version").output().is_err() {
            let message = "initdb is not on PATH: the test of the server's own max_connections needs PostgreSQL's programs";
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{message}");
            }
            eprintln!("\n**********\nSKIPPED: {message}\n**********\n");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::metadata("/proc/self")
            .is_ok_and(|meta| std::os::unix::fs::MetadataExt::uid(&meta) == 0);
        let as_postgres = |program: &str| {
            if root {
                let mut command = Command::new("runuser");
                command.args(["-u", "postgres", "--", program]);
                command
            } else {
                Command::new(program)
            }
        };
        if root {
            let postgres_uid = Command::new("id")
                .args(["-u", "postgres"])
                .output()
                .ok()
                .and_then(|output| String::from_utf8(output.stdout).ok())
                .and_then(|uid| uid.trim().parse().ok())
                .expect("a `postgres` user to run the private server as");
            std::os::unix::fs::chown(dir.path(), Some(postgres_uid), None).unwrap();
        }
        let data = dir.path().join("data");
        let initdb = as_postgres("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "postgres", "--no-sync"])
            .output()
            .unwrap();
        assert!(initdb.status.success(), "initdb: {}", text(&initdb));
        let port = free_port();
        let child = as_postgres("postgres")
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(dir.path())
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .args(["-c", &format!("max_connections={max_connections}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = PrivatePostgres { dir, child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Command::new("pg_isready")
            .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
            .status()
            .map_or(true, |status| !status.success())
        {
            assert!(
                Instant::now() < deadline,
                "the private PostgreSQL did not accept connections on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(server)
    }

    fn url(&self, user: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    /// A fast shutdown (SIGINT to the postmaster, whose pid is the first line
    /// of postmaster.pid: `runuser` between may not pass signals on).
    fn drop(&mut self) {
        let postmaster = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid"))
            .ok()
            .and_then(|text| text.lines().next().map(str::to_string));
        if let Some(pid) = postmaster {
            let _ = Command::new("kill").args(["-INT", &pid]).status();
        }
        let _ = self.child.wait();
    }
}

/// The server's own limit, not a role's: `max_connections` 8, 3 of them kept
/// for superusers, leaves 5 to an ordinary role with no limit of its own, and
/// four tests at once holding a connection each are 80% of it. Two are not.
#[test]
fn a_server_driven_near_its_own_max_connections_is_a_warning() {
    let Some(server) = PrivatePostgres::start(8) else {
        return;
    };
    postgres_statements(
        &server.url("postgres"),
        &["CREATE ROLE app LOGIN".to_string()],
    );
    let url = server.url("app");
    let suite = Suite::new();
    suite.file("db.rit", &parallel_sleepers(&url, 4, 1.5));
    let output = run(
        &suite,
        &["db.rit", "--jobs", "4", "--report", "json=report.json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report = json_report(&suite);
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0].as_str().unwrap();
    assert!(
        warning.starts_with(&format!(
            "Database connection pool near capacity during the run: 4 of the 5 connections the server allows (max_connections less those reserved for superusers) were in use (80%) on {url}, at "
        )),
        "{warning}"
    );
    assert_eq!(report["resources"][0]["percent"], 80.0, "{report}");

    suite.file("db.rit", &parallel_sleepers(&url, 2, 0.6));
    let output = run(
        &suite,
        &["db.rit", "--jobs", "2", "--report", "json=report.json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(json_report(&suite)["warnings"], serde_json::json!([]));
}

/// A suite whose service opens a PostgreSQL connection as `role` for each
/// request to /orders and holds it 3 s (tests/watch/pg_per_request.py), a
/// test that names the role's database through a `sql` step, and a `load` of 8
/// requests by 8 clients against /orders: 8 of the role's connections at once
/// (their 3 s overlap whatever starting `psql` takes on a busy machine), and
/// the `sql` step's pooled one. Returns the source and the load's line.
fn service_under_load(role: &LimitedRole, port: u16) -> (String, usize) {
    let server = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/watch/pg_per_request.py");
    let source = format!(
        "param port = {port}\nlet db = database(\"{url}\")\n\nservice orders = \"python3 {server} {{{{port}}}} {name}\" {{\n  ready http \"http://127.0.0.1:{{{{port}}}}/health\" within 20s\n}}\n\ntest \"the role reaches its database\" {{\n  sql db \"SELECT 1 AS one\"\n  expect rows[0].one == 1\n}}\n\ntest \"orders under load\" {{\n  load GET \"http://127.0.0.1:{{{{port}}}}/orders\" {{\n    concurrency 8\n    requests 8\n  }}\n  expect requests == 8\n}}\n",
        url = role.url(),
        name = role.name,
    );
    let line = source
        .lines()
        .position(|line| line.trim_start().starts_with("load GET"))
        .unwrap()
        + 1;
    (source, line)
}

/// Issue 24 bullet 5: a PostgreSQL role with a low connection limit, driven near
/// it by a `load` against a real service that connects as that role. The warning
/// names the role, its figures, the percentage, when, and the load it came in;
/// the same load with the limit far away says nothing.
#[test]
fn a_load_that_drives_a_services_role_near_its_connection_limit_is_a_warning() {
    if !postgres_reachable() || Command::new("psql").arg("--version").output().is_err() {
        eprintln!("psql and PostgreSQL are needed: skipped");
        return;
    }
    let role = LimitedRole::create(10);
    let suite = Suite::new();
    let port = free_port();
    let (source, load_line) = service_under_load(&role, port);
    suite.file("db.rit", &source);
    let output = run(&suite, &["db.rit", "--report", "json=report.json"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    let report = json_report(&suite);
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let of_role = format!(
        " of the 10 connections role `{}` may open (its CONNECTION LIMIT) were in use (",
        role.name
    );
    let warning = warnings
        .iter()
        .find(|warning| warning.contains(&of_role))
        .unwrap_or_else(|| panic!("no warning of the role in {warnings:?}\n{all}"));
    // "Database connection pool near capacity during load test `load GET …`
    // (db.rit:17): 9 of the 10 connections role `…` … were in use (90%) on URL,
    // at 2.1s into the run (warning from 80%)"
    let during = format!(
        "Database connection pool near capacity during load test `load GET http://127.0.0.1:{port}/orders` (db.rit:{load_line}): "
    );
    let figures = warning
        .strip_prefix(&during)
        .unwrap_or_else(|| panic!("{warning}"));
    let used: u64 = figures
        .split(' ')
        .next()
        .and_then(|used| used.parse().ok())
        .unwrap_or_else(|| panic!("{warning}"));
    assert!((8..=10).contains(&used), "{warning}");
    assert!(
        figures.contains(&format!(
            "{used}{of_role}{}%) on {}, at ",
            used * 10,
            role.url()
        )) && figures.ends_with(" into the run (warning from 80%)"),
        "{warning}"
    );
    // The resource record says when, inside the run; the status is the tests'.
    let resource = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|resource| resource["message"] == *warning)
        .unwrap_or_else(|| panic!("{}", report["resources"]));
    assert_eq!(resource["kind"], "database_connections");
    let at = resource["at_ms"].as_f64().unwrap();
    assert!(
        at > 0.0 && at <= report["test_run"]["duration_ms"].as_f64().unwrap(),
        "{resource}"
    );
    assert_eq!(report["test_run"]["status"], "PASSED");
    assert!(
        report["recommendations"].to_string().contains(&format!(
            "({} at {}%)",
            role.url(),
            used * 10
        )),
        "{}",
        report["recommendations"]
    );

    // The same load with the role's limit far away: nothing to say about it.
    drop(role);
    let roomy = LimitedRole::create(100);
    let (source, _) = service_under_load(&roomy, port);
    suite.file("db.rit", &source);
    let output = run(&suite, &["db.rit", "--report", "json=report.json"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    let report = json_report(&suite);
    assert!(
        !report["warnings"].to_string().contains(&roomy.name),
        "{}\n{all}",
        report["warnings"]
    );
    // With room, the service answered every request.
    assert_eq!(
        report["tests"][1]["loads"][0]["succeeded"], 8,
        "{}",
        report["tests"][1]
    );
}

/// Issue 24 bullet 5, "a passing run that must produce no warning at all": a
/// service (sampled), a `load` against it, Redis and PostgreSQL leaned on lightly
/// (watched), and a run history, recorded by each of three green runs. No format has a warning, a
/// recommendation or a resource record, and the events have no
/// `resource_warnings` or `history` finding.
#[test]
fn a_passing_run_with_a_service_a_load_watched_servers_and_history_has_no_warning_at_all() {
    if !postgres_reachable() {
        return;
    }
    let suite = Suite::new();
    let redis = PrivateRedis::start(suite.dir.path(), "64mb");
    let port = free_port();
    suite.file(
        "light.rit",
        &format!(
            "{}let db = database(\"{POSTGRES_ADMIN}\")\nparam port = {port}\n\nservice web = \"python3 -m http.server {{{{port}}}} --bind 127.0.0.1\" {{\n  ready http \"http://127.0.0.1:{{{{port}}}}/\" within 20s\n}}\n\ntest \"a little of each\" {{\n  redis cache \"SET greeting hello\"\n  expect ok\n  redis cache \"GET greeting\"\n  expect value == \"hello\"\n  sql db \"SELECT 1 AS one FROM pg_sleep(0.6)\"\n  expect rows[0].one == 1\n}}\n\ntest \"a light load\" {{\n  load GET \"http://127.0.0.1:{{{{port}}}}/\" {{\n    concurrency 2\n    requests 20\n  }}\n  expect succeeded == 20\n}}\n",
            redis_preamble(redis.port)
        ),
    );
    let history = suite.dir.path().join("history");
    let history_arg = history.to_string_lossy().into_owned();
    // Two runs with every report, then a third with events: a history of fewer
    // than three green runs cannot call anything a regression, so the machine's
    // load cannot make one up.
    for round in 1..=2 {
        let mut args = vec!["light.rit", "--history", &history_arg];
        args.extend_from_slice(EVERY_REPORT);
        let output = run(&suite, &args);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(0), "round {round}: {all}");
        assert!(!all.contains("warning:"), "round {round}: {all}");
        assert!(all.contains("; 0 warnings in"), "round {round}: {all}");
        let report = json_report(&suite);
        assert_eq!(report["test_run"]["status"], "PASSED", "{report}");
        assert_eq!(report["summary"]["warnings"], 0, "{report}");
        assert_eq!(report["warnings"], serde_json::json!([]), "{report}");
        assert_eq!(report["resources"], serde_json::json!([]));
        assert_eq!(report["recommendations"], serde_json::json!([]));
        // Watched and sampled all the same: the service is listed.
        assert_eq!(report["services"][0]["name"], "web", "{report}");
        assert!(!read(&suite, "report.xml").contains("name=\"warning\""));
        assert!(!read(&suite, "report.tap").contains("# warning"));
        let yaml = read(&suite, "report.yaml");
        assert!(yaml.contains("warnings: []"), "{yaml}");
        assert!(yaml.contains("recommendations: []"), "{yaml}");
        let html = read(&suite, "report.html");
        assert!(!html.contains("Redis memory"), "{html}");
        assert!(!html.contains("history:"), "{html}");
    }
    let events = run(
        &suite,
        &["light.rit", "--history", &history_arg, "--events", "jsonl"],
    );
    let stdout = String::from_utf8_lossy(&events.stdout);
    assert!(stdout.contains("\"type\":\"run_finished\""), "{stdout}");
    assert!(!stdout.contains("resource_warnings"), "{stdout}");
    let finished: Value = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|event| event["type"] == "run_finished")
        .unwrap();
    assert_eq!(finished["warnings"], serde_json::json!([]), "{finished}");
    for line in stdout
        .lines()
        .filter(|line| line.contains("\"type\":\"history\""))
    {
        let event: Value = serde_json::from_str(line).unwrap();
        assert_eq!(event["findings"], serde_json::json!([]), "{event}");
    }
    // Each run was recorded.
    let recorded = std::fs::read_to_string(history.join("runs.jsonl")).unwrap();
    assert_eq!(recorded.lines().count(), 3, "{recorded}");
}

// ---------------------------------------------------------------------------
// MariaDB (127.0.0.1:3306, database `test`, user `root`, no password)

fn mariadb_root(statements: &[String]) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut connection = sqlx::MySqlConnection::connect("mysql://root@127.0.0.1:3306/test")
            .await
            .unwrap();
        for statement in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
                .execute(&mut connection)
                .await
                .unwrap();
        }
        let _ = connection.close().await;
    });
}

/// A user with `MAX_USER_CONNECTIONS`, dropped when this is dropped.
struct LimitedUser {
    name: String,
}

impl Drop for LimitedUser {
    fn drop(&mut self) {
        mariadb_root(&[format!("DROP USER IF EXISTS '{}'@'%'", self.name)]);
    }
}

#[test]
fn a_mariadb_user_driven_near_its_connection_limit_is_a_warning() {
    if TcpStream::connect_timeout(&"127.0.0.1:3306".parse().unwrap(), Duration::from_secs(3))
        .is_err()
    {
        let message = "MariaDB is not reachable at 127.0.0.1:3306; start it with a database `test` that `root` reaches without a password";
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            panic!("{message}");
        }
        eprintln!("\n**********\nSKIPPED: {message}\n**********\n");
        return;
    }
    let user = LimitedUser {
        name: format!(
            "ritc_w_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..10]
        ),
    };
    mariadb_root(&[
        format!(
            "CREATE USER '{}'@'%' WITH MAX_USER_CONNECTIONS 5",
            user.name
        ),
        format!("GRANT SELECT ON test.* TO '{}'@'%'", user.name),
    ]);
    let url = format!("mariadb://{}@127.0.0.1:3306/test", user.name);
    let mut source = format!("let db = database(\"{url}\")\n");
    for index in 0..4 {
        source.push_str(&format!(
            "\ntest \"holds a connection {index}\" {{\n  sql db \"SELECT SLEEP(1.5) AS slept\"\n  expect rows[0].slept == 0\n}}\n"
        ));
    }
    let suite = Suite::new();
    suite.file("db.rit", &source);
    let output = run(
        &suite,
        &["db.rit", "--jobs", "4", "--report", "json=report.json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report = json_report(&suite);
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0].as_str().unwrap();
    assert!(
        warning.starts_with(&format!(
            "Database connection pool near capacity during the run: 4 of the 5 connections user `{}` may open (max_user_connections) were in use (80%) on {url}, at ",
            user.name
        )),
        "{warning}"
    );
}
