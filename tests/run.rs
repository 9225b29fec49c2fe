//! `ritc run` end to end, as a user runs it: the real binary on `.rit` files
//! against real processes (the demo service, shell commands, a TCP listener
//! that never answers), including the failure paths and an interrupted run.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::demo::{DemoProcess, demo_binary};
use common::ports::free_port;
use common::process_tree::TreeMark;
use common::suite::{Suite, ritc, text};

#[test]
fn normative_examples_run_green_against_the_demo_service() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let demo = demo_binary();
    let output = Command::new(ritc())
        .args([
            "run",
            "health.rit",
            "auth_flow.rit",
            "microservices.rit",
            "upload.rit",
            "webhooks.rit",
        ])
        .arg("--param")
        .arg(format!("demo={}", demo.display()))
        .arg("--param")
        .arg(format!("port={}", free_port()))
        .arg("--param")
        .arg(format!("inventory_port={}", free_port()))
        .current_dir(&examples)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("12 passed, 0 failed"), "{all}");
    assert!(
        all.contains("✓ Authentication Flow / Register, log in, read the profile"),
        "{all}"
    );
}

/// `ritc run examples/messaging.rit` with its own demo per broker on free ports,
/// and any other `--param`s.
fn run_messaging_example(params: &[String]) -> std::process::Output {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut command = Command::new(ritc());
    command.args(["run", "messaging.rit"]);
    let ports = [
        "port",
        "inventory_port",
        "nats_api_port",
        "mqtt_api_port",
        "amqp_api_port",
        "nats_inventory_port",
        "mqtt_inventory_port",
        "amqp_inventory_port",
    ];
    for name in ports {
        command
            .arg("--param")
            .arg(format!("{name}={}", free_port()));
    }
    for param in params {
        command.arg("--param").arg(param);
    }
    command
        .arg("--param")
        .arg(format!("demo={}", demo_binary().display()))
        .current_dir(&examples)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The seed's pattern through each of the machine's brokers (RabbitMQ, Mosquitto,
/// NATS): an order placed over HTTP arrives as `order.created`, and the inventory
/// that hears the broker records it.
#[test]
fn the_messaging_example_runs_green_through_each_broker() {
    let output = run_messaging_example(&[]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("3 passed, 0 failed, 0 skipped"), "{all}");
    for broker in ["NATS", "MQTT", "RabbitMQ"] {
        assert!(
            all.contains(&format!(
                "✓ Orders announced on the brokers / An order is announced on {broker}"
            )),
            "{all}"
        );
    }
}

/// A broker that is not running (a port where nothing listens) skips its test
/// with the reason; the others still run, and the run is PASSED, not FAILED.
#[test]
fn the_messaging_example_skips_a_broker_that_is_not_running() {
    let closed = free_port();
    let output = run_messaging_example(&[format!("nats_address=127.0.0.1:{closed}")]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(
        all.contains("PASSED: 2 passed, 0 failed, 1 skipped"),
        "{all}"
    );
    assert!(
        all.contains(&format!("no NATS server at 127.0.0.1:{closed}")),
        "{all}"
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Accepts connections and never writes a byte.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(1) {
            held.push(stream);
            std::thread::sleep(Duration::from_secs(3));
        }
    });
    let suite = Suite::new();
    suite.file(
        "slow.rit",
        &format!("test \"slow\" {{\n  GET \"http://127.0.0.1:{port}/\" timeout 300ms\n  expect status == 200\n}}\n"),
    );
    let output = suite.run(&["slow.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("timed out") || all.contains("timeout"),
        "{all}"
    );
    drop(holder);
}

#[test]
fn a_service_that_dies_before_it_is_ready_stops_the_run_with_its_log() {
    let suite = Suite::new();
    suite.file(
        "dies.rit",
        &format!(
            "service broken = \"echo starting up; echo boom >&2; exit 3\" {{\n  ready http \"http://127.0.0.1:{}/health\" within 60s\n}}\ntest \"never runs\" {{\n  run \"true\"\n  expect exit == 0\n}}\n",
            free_port()
        ),
    );
    let started = Instant::now();
    let output = suite.run(&["dies.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("boom"), "{all}");
    assert!(all.contains("broken"), "{all}");
    // Fails at once, not after the 60 s readiness limit (the margin is for a
    // loaded machine).
    assert!(started.elapsed() < Duration::from_secs(30), "{all}");
}

#[test]
fn a_service_that_never_becomes_ready_fails_after_its_limit() {
    let suite = Suite::new();
    suite.file(
        "never.rit",
        &format!(
            "service idle = \"sleep 30\" {{\n  ready tcp \"127.0.0.1:{}\" within 1s\n}}\ntest \"never runs\" {{\n  run \"true\"\n  expect exit == 0\n}}\n",
            free_port()
        ),
    );
    let output = suite.run(&["never.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("idle"), "{all}");
    assert!(all.contains("ready"), "{all}");
}

#[test]
fn params_come_from_the_command_line_the_environment_and_env_files() {
    let suite = Suite::new();
    suite.file(
        "params.rit",
        r#"param greeting = "hello"
param count = 1
param token: string
test "params" {
  run "printf %s {{greeting}}-{{count}}-{{token}}-{{env("FROM_FILE", "none")}}"
  expect stdout == "bonjour-3-abc-yes"
}
"#,
    );
    suite.file(
        "vars.env",
        "# a comment\nRIT_PARAM_TOKEN=abc\nFROM_FILE=\"yes\"\n",
    );
    let output = suite.run(&[
        "params.rit",
        "--param",
        "greeting=bonjour",
        "--param",
        "count=3",
        "--env-file",
        "vars.env",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    let missing = suite.run(&["params.rit"]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(
        text(&missing).contains("param `token` has no default"),
        "{}",
        text(&missing)
    );

    let unknown = suite.run(&["params.rit", "--param", "greting=x", "--param", "token=t"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown).contains("did you mean `greeting`?"),
        "{}",
        text(&unknown)
    );

    let not_an_int = suite.run(&["params.rit", "--param", "count=many", "--param", "token=t"]);
    assert_eq!(not_an_int.status.code(), Some(2));
    assert!(
        text(&not_an_int).contains("is not an int"),
        "{}",
        text(&not_an_int)
    );
}

/// `--env-file` is the run's environment, not ritc's own: commands and services see
/// it (a step's or service's own `env` wins), without ritc changing its process
/// environment.
#[test]
fn env_file_variables_reach_commands_and_services() {
    let suite = Suite::new();
    suite.file(
        "env.rit",
        r#"service echoer = "printf %s-%s \"$FROM_FILE\" \"$SHADOWED\" > seen.txt; echo ready; exec sleep 30" { ready log "ready" within 10s; env { SHADOWED: "service" } }
test "env" {
  expect read("seen.txt") == "file-service"
  run "printf %s-%s \"$FROM_FILE\" \"$SHADOWED\""
  expect stdout == "file-file"
  run "printf %s \"$SHADOWED\"" env { SHADOWED: "step" }
  expect stdout == "step"
}
"#,
    );
    suite.file("vars.env", "FROM_FILE=file\nSHADOWED=file\n");
    let output = suite.run(&["env.rit", "--env-file", "vars.env"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains("1 passed"), "{}", text(&output));
}

#[test]
fn selection_by_name_tag_checkpoint_and_stage() {
    let suite = Suite::new();
    suite.file(
        "select.rit",
        r#"test "alpha" tags ["smoke"] {
  run "true"
  expect exit == 0
}
test "beta" {
  run "true"
  expect exit == 0
}
checkpoint "Ready" stage "post-backend" on failure continue {
  test "gamma" {
    run "true"
    expect exit == 0
  }
}
"#,
    );
    let count = |args: &[&str]| {
        let mut all = vec!["select.rit"];
        all.extend_from_slice(args);
        let output = suite.run(&all);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        text(&output).matches('✓').count()
    };
    assert_eq!(count(&[]), 3);
    assert_eq!(count(&["--test", "b*"]), 1);
    assert_eq!(count(&["--tag", "smoke"]), 1);
    assert_eq!(count(&["--checkpoint", "Ready"]), 1);
    assert_eq!(count(&["--stage", "post-backend"]), 1);
    assert_eq!(count(&["--shard", "0/2"]) + count(&["--shard", "1/2"]), 3);
}

#[test]
fn a_stop_checkpoint_ends_the_run_and_teardown_still_runs() {
    let suite = Suite::new();
    suite.file(
        "stop.rit",
        r#"teardown {
  run "touch torn-down"
}
checkpoint "Gate" on failure stop {
  test "fails" {
    run "exit 1"
    expect exit == 0
  }
  test "never starts" {
    run "touch started"
    expect exit == 0
  }
}
"#,
    );
    let output = suite.run(&["stop.rit"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        !suite.dir.path().join("started").exists(),
        "{}",
        text(&output)
    );
    assert!(
        suite.dir.path().join("torn-down").exists(),
        "{}",
        text(&output)
    );
}

/// A `sh` that exits at once, in parallel with others whose steps end and make
/// ritc reap adopted orphans: each is still waited for by the step that started
/// it ("cannot wait for `sh -c`: No child processes" was a race between the
/// spawn and the registration of its process group).
#[test]
fn quick_steps_in_parallel_are_each_waited_for() {
    let suite = Suite::new();
    let mut file = String::new();
    for index in 0..60 {
        file.push_str(&format!(
            "test \"t{index}\" {{\n  run \"true\"\n  expect exit == 0\n  run \"sleep 0.01 &\"\n  expect exit == 0\n}}\n"
        ));
    }
    suite.file("quick.rit", &file);
    for _ in 0..3 {
        let output = suite.run(&["quick.rit", "--jobs", "8"]);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(0), "{all}");
        assert!(all.contains("60 passed, 0 failed"), "{all}");
    }
}

#[test]
fn jobs_run_tests_in_parallel_with_the_same_verdicts() {
    // A barrier rather than a stopwatch: each test marks that it started and waits
    // until all six have, so the run passes only if the six ran at the same time,
    // however slow the machine (one at a time, the first waits until its own
    // 20 s limit and fails).
    let suite = Suite::new();
    let mut file = String::new();
    for index in 0..6 {
        file.push_str(&format!(
            "test \"t{index}\" {{\n  run \"touch started-{index}; while [ $(ls | grep -c '^started-') -lt 6 ]; do sleep 0.02; done; echo {index}\" timeout 20s\n  expect stdout == \"{index}\\n\"\n}}\n"
        ));
    }
    suite.file("parallel.rit", &file);
    let output = suite.run(&["parallel.rit", "--jobs", "6"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains("6 passed"), "{}", text(&output));
}

#[test]
fn secrets_never_appear_in_verbose_output() {
    let temp = tempfile::tempdir().unwrap();
    let demo = DemoProcess::serve(temp.path());
    let suite = Suite::new();
    suite.file(
        "secret.rit",
        &format!(
            "secret password = \"hunter2-very-secret\"\ntest \"login\" {{\n  POST \"http://127.0.0.1:{}/api/auth/login\" json {{ email: \"nobody@example.com\", password: password }}\n  expect status == 200\n}}\n",
            demo.port
        ),
    );
    let output = suite.run(&["secret.rit", "-v"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("/api/auth/login"), "{all}");
    assert!(!all.contains("hunter2-very-secret"), "{all}");
    assert!(all.contains("***"), "{all}");
}

/// `-v` shows what each kind of step sent and received, under its test; without
/// `-v` none of it is even written (the executors describe an exchange only for a
/// verbose run), so a run without the flag must show none of it either.
#[test]
fn verbose_output_shows_every_kinds_exchange_and_a_quiet_run_none() {
    let demo = DemoProcess::inventory();
    let suite = Suite::new();
    suite.file(
        "kinds.rit",
        &format!(
            r#"let db = database("postgres://postgres@127.0.0.1:5432/test")
let cache = redis("redis://127.0.0.1:6379")
test "each kind" {{
  GET "http://127.0.0.1:{}/health"
  expect status == 200
  run "echo from-the-command"
  expect exit == 0
  sql db "SELECT 41 + 1 AS answer"
  expect rows[0].answer == 42
  redis cache "PING"
  expect ok
}}
"#,
            demo.port
        ),
    );
    let exchanges = [
        format!("> GET http://127.0.0.1:{}/health", demo.port),
        "< 200 (".to_string(),
        "$ echo from-the-command\n    exit 0\n    stdout:\n    from-the-command".to_string(),
        "sql postgres://postgres@127.0.0.1:5432/test\n    SELECT 41 + 1 AS answer".to_string(),
        "{\"answer\":42}".to_string(),
        "redis redis://127.0.0.1:6379\n    > PING\n    < \"PONG\"".to_string(),
    ];
    let verbose = suite.run(&["kinds.rit", "-v"]);
    let all = text(&verbose);
    assert_eq!(verbose.status.code(), Some(0), "{all}");
    for exchange in &exchanges {
        assert!(
            all.contains(exchange.as_str()),
            "-v lacks {exchange:?}:\n{all}"
        );
    }
    let quiet = suite.run(&["kinds.rit"]);
    let all = text(&quiet);
    assert_eq!(quiet.status.code(), Some(0), "{all}");
    for exchange in &exchanges {
        assert!(
            !all.contains(exchange.as_str()),
            "no -v, yet {exchange:?}:\n{all}"
        );
    }
}

/// `-v` shows what a broker step published (where, its headers or QoS, its
/// body) and the message a subscription received, for each broker; the password
/// of a connection's URL and a secret sent in a message read `***`, and a run
/// without `-v` shows none of it.
#[test]
fn verbose_output_shows_each_brokers_published_and_received_message_without_secrets() {
    let p = format!("ritc-v-{}", uuid::Uuid::new_v4().simple());
    let suite = Suite::new();
    suite.file(
        "brokers.rit",
        &format!(
            r#"secret token = "tok-not-for-output-7"
let bus = nats("nats://ritc:nats-url-pw-1@127.0.0.1:4222")
let broker = mqtt("mqtt://ritc:mqtt-url-pw-2@127.0.0.1:1883")
let mq = amqp("amqp://guest:guest@127.0.0.1:5672/%2f")
test "nats" {{
  nats subscribe bus "{p}.orders.*" within 5s {{
    nats publish bus "{p}.orders.created" json {{ id: 7 }} headers {{ "x-token": token }}
  }}
  expect json.id == 7
}}
test "mqtt" {{
  mqtt subscribe broker "{p}/orders/+" qos 1 within 5s {{
    mqtt publish broker "{p}/orders/created" body "order {{{{token}}}}" qos 1
  }}
  expect received == 1
}}
test "amqp" {{
  amqp subscribe mq "{p}.order.*" exchange "amq.topic" within 5s {{
    amqp publish mq "{p}.order.created" exchange "amq.topic" json {{ id: 9 }} properties {{ message_id: "m-9" }} persistent
  }}
  expect json.id == 9
}}
"#
        ),
    );
    let exchanges = [
        format!(
            "nats publish nats://ritc:***@127.0.0.1:4222 {p}.orders.created\n    > header x-token: ***\n    >\n    {{\"id\":7}}"
        ),
        format!(
            "nats subscribe nats://ritc:***@127.0.0.1:4222 {p}.orders.*\n    < subject: {p}.orders.created\n    < received: 1\n    < headers: {{\"x-token\":\"***\"}}\n    <\n    {{\"id\":7}}"
        ),
        format!(
            "mqtt publish mqtt://ritc:***@127.0.0.1:1883 {p}/orders/created\n    > qos: 1\n    >\n    order ***"
        ),
        format!(
            "mqtt subscribe mqtt://ritc:***@127.0.0.1:1883 {p}/orders/+\n    < topic: {p}/orders/created\n    < received: 1\n    < qos: 1\n    < retain: false\n    < dup: false\n    <\n    order ***"
        ),
        format!(
            "amqp publish amqp://guest:***@127.0.0.1:5672/%2f {p}.order.created\n    > exchange: amq.topic\n    > property message_id: m-9\n    > persistent: true\n    >\n    {{\"id\":9}}"
        ),
        format!(
            "amqp subscribe amqp://guest:***@127.0.0.1:5672/%2f {p}.order.*\n    < exchange: amq.topic\n    < routing_key: {p}.order.created\n    < received: 1"
        ),
        "< properties: {\"content_type\":\"application/json\",\"message_id\":\"m-9\",\"delivery_mode\":2}".to_string(),
    ];
    let verbose = suite.run(&["brokers.rit", "-v"]);
    let all = text(&verbose);
    assert_eq!(verbose.status.code(), Some(0), "{all}");
    for exchange in &exchanges {
        assert!(
            all.contains(exchange.as_str()),
            "-v lacks {exchange:?}:\n{all}"
        );
    }
    for hidden in [
        "nats-url-pw-1",
        "mqtt-url-pw-2",
        "guest:guest",
        "tok-not-for-output-7",
    ] {
        assert!(!all.contains(hidden), "-v shows {hidden:?}:\n{all}");
    }
    let quiet = suite.run(&["brokers.rit"]);
    let all = text(&quiet);
    assert_eq!(quiet.status.code(), Some(0), "{all}");
    assert!(
        !all.contains("< received: 1"),
        "no -v, yet an exchange:\n{all}"
    );
}

#[test]
fn no_process_outlives_an_interrupted_run() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        let suite = Suite::new();
        suite.file(
            "interrupt.rit",
            &format!(
                r#"service sleeper = "echo $$ > service.pid; exec sleep 60"
teardown {{
  run "echo x >> torn-down"
}}
test "first" {{
  run "true"
  expect exit == 0
}}
test "long" {{
  run "echo $$ > step.pid; sleep 60 & echo $! > child.pid; wait"
  expect exit == 0
}}
test "never starts" {{
  run "touch started"
  expect exit == 0
}}
test "dummy {signal}" {{
  run "true"
  expect exit == 0
}}
"#
            ),
        );
        let mark = TreeMark::new();
        let mut command = Command::new(ritc());
        mark.apply(&mut command);
        let mut child = command
            .args(["run", "interrupt.rit", "--report", "json=report.json"])
            .current_dir(suite.dir.path())
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let child_pid_file = suite.dir.path().join("child.pid");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !child_pid_file.exists()
            || std::fs::read_to_string(&child_pid_file)
                .unwrap_or_default()
                .trim()
                .is_empty()
        {
            assert!(Instant::now() < deadline, "the test never started");
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(100));
        let read_pid = |name: &str| -> i32 {
            std::fs::read_to_string(suite.dir.path().join(name))
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        };
        let pids = [
            read_pid("service.pid"),
            read_pid("step.pid"),
            read_pid("child.pid"),
        ];
        // ritc, the service, the step's shell and its background `sleep`: the
        // process-tree check sees each of them before the signal.
        let living = mark.wait_for_at_least(4);
        for pid in pids {
            assert!(
                living.iter().any(|(living_pid, _)| *living_pid == pid),
                "process {pid} should be running before the signal: {living:?}"
            );
        }
        // SAFETY: kill(2) only sends a signal; the pid is our own child, not yet reaped.
        unsafe { libc::kill(child.id() as i32, signal) };
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(3), "signal {signal}");
        assert_eq!(
            std::fs::read_to_string(suite.dir.path().join("torn-down")).unwrap_or_default(),
            "x\n",
            "teardown must run exactly once after signal {signal}"
        );
        // The report is written with what finished: the first test passed, the
        // long one was interrupted, the rest never started.
        let report: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(suite.dir.path().join("report.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(report["test_run"]["interrupted"], true, "{report}");
        assert_eq!(report["test_run"]["status"], "INTERRUPTED", "{report}");
        assert_eq!(report["summary"]["passed"], 1, "{report}");
        assert_eq!(report["summary"]["failed"], 0, "{report}");
        assert_eq!(report["summary"]["interrupted"], 1, "{report}");
        assert_eq!(
            report["summary"]["skipped"],
            report["summary"]["total_tests"].as_u64().unwrap() - 2,
            "the tests that never started are skipped: {report}"
        );
        assert!(!suite.dir.path().join("started").exists());
        mark.assert_none_left(&format!("a run interrupted by signal {signal}"));
    }
}

#[test]
fn no_start_assumes_the_services_are_up() {
    let temp = tempfile::tempdir().unwrap();
    let demo = DemoProcess::serve(temp.path());
    let suite = Suite::new();
    suite.file(
        "nostart.rit",
        r#"param port = 1
service api = "touch started-by-ritc; exec sleep 30" {
  ready http "http://127.0.0.1:{{port}}/health" within 5s
}
test "uses the running service" {
  GET "http://127.0.0.1:{{port}}/health"
  expect status == 200
}
"#,
    );
    let output = suite.run(&[
        "nostart.rit",
        "--no-start",
        "--param",
        &format!("port={}", demo.port),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(!suite.dir.path().join("started-by-ritc").exists());
}

#[test]
fn under_nohup_a_hangup_does_not_interrupt_the_run() {
    use std::os::unix::process::CommandExt;
    let suite = Suite::new();
    suite.file(
        "nohup.rit",
        r#"test "outlives the terminal" {
  run "echo $$ > step.pid; sleep 1"
  expect exit == 0
}
"#,
    );
    let mut command = suite.command(&["nohup.rit"]);
    // What `nohup` does before it runs ritc: SIGHUP ignored.
    // SAFETY: `signal` is async-signal-safe, as `pre_exec` requires.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
            Ok(())
        });
    }
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid_file = suite.dir.path().join("step.pid");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&pid_file)
        .unwrap_or_default()
        .trim()
        .is_empty()
    {
        assert!(Instant::now() < deadline, "the test never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) only sends a signal; the pid is our own child, not yet reaped.
    unsafe { libc::kill(child.id() as i32, libc::SIGHUP) };
    let output = child.wait_with_output().unwrap();
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("✓ nohup / outlives the terminal"), "{all}");
}

/// A user function on the right of `and`, `or` or `??` runs only when the left
/// side does not decide: each `take` sends a request that lowers the stock of
/// its product on the inventory service, and each test reads that stock back.
#[test]
fn user_function_calls_short_circuit_and_send_no_request_when_not_needed() {
    let inventory = DemoProcess::inventory();
    let base = format!("base=http://127.0.0.1:{}", inventory.port);
    let suite = Suite::new();
    suite.file("lazy.rit", LAZY_CALLS);
    let output = suite.run(&["lazy.rit", "--param", &base]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("7 passed, 0 failed"), "{all}");

    // A failed expectation says which call its left side made unnecessary.
    suite.file("shown.rit", NOT_CALLED);
    let output = suite.run(&["shown.rit", "--param", &base]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains(r#"no and take("shown"): no was false, take("shown") was not called"#),
        "{all}"
    );
    let stock = suite.file("stock.rit", STOCK_OF_SHOWN);
    let output = suite.run(&[stock.to_str().unwrap(), "--param", &base]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

const LAZY_CALLS: &str = r#"param base = "http://127.0.0.1:1"

# Takes one of `product` from the inventory: a request with an effect the
# tests can see afterwards.
fn take(product: string) -> bool {
  POST "{{base}}/api/inventory/{{product}}/take" json { quantity: 1 }
  expect status == 200
  return true
}

fn take_name(product: string) -> string {
  POST "{{base}}/api/inventory/{{product}}/take" json { quantity: 1 }
  expect status == 200
  return product
}

test "or decided by its left side" {
  let yes = true
  let decided = yes or take("or-decided")
  expect decided
  GET "{{base}}/api/inventory/or-decided"
  expect json.available == 1000
}

test "or that needs its right side" {
  let no = false
  let decided = no or take("or-undecided")
  expect decided
  GET "{{base}}/api/inventory/or-undecided"
  expect json.available == 999
}

test "and decided by its left side" {
  let no = false
  let decided = no and take("and-decided")
  expect not decided
  GET "{{base}}/api/inventory/and-decided"
  expect json.available == 1000
}

test "and that needs its right side" {
  let yes = true
  let decided = yes and take("and-undecided")
  expect decided
  GET "{{base}}/api/inventory/and-undecided"
  expect json.available == 999
}

test "coalesce decided by its left side" {
  GET "{{base}}/api/inventory/coalesce-decided"
  let name = json.product ?? take_name("coalesce-decided")
  expect name == "coalesce-decided"
  GET "{{base}}/api/inventory/coalesce-decided"
  expect json.available == 1000
}

test "coalesce that needs its right side" {
  GET "{{base}}/api/inventory/coalesce-undecided"
  let name = json.nickname ?? take_name("coalesce-undecided")
  expect name == "coalesce-undecided"
  GET "{{base}}/api/inventory/coalesce-undecided"
  expect json.available == 999
}

test "an expectation decided by its left side" {
  let yes = true
  expect yes or take("expect-decided")
  GET "{{base}}/api/inventory/expect-decided"
  expect json.available == 1000
}
"#;

const NOT_CALLED: &str = r#"param base = "http://127.0.0.1:1"

fn take(product: string) -> bool {
  POST "{{base}}/api/inventory/{{product}}/take" json { quantity: 1 }
  expect status == 200
  return true
}

test "a failed and whose right side was not needed" {
  let no = false
  expect no and take("shown")
}
"#;

const STOCK_OF_SHOWN: &str = r#"param base = "http://127.0.0.1:1"

test "nothing was taken" {
  GET "{{base}}/api/inventory/shown"
  expect json.available == 1000
}
"#;
