//! The `--events jsonl` stream keeps each test whole (issue 15): every
//! `step_started` has its `step_finished` (`timeout` or `interrupted` when the
//! test was cut short), a test's lines nest inside its `test_started` and
//! `test_finished`, with `--jobs 1` tests never interleave, and the terminal
//! prints tests in the order they finished, each in one piece. A timed-out test
//! names the step that was running. The real binary, real commands, real signals.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value as Json;

mod common;
use common::ports::free_port;
use common::suite::{Suite, text};

/// The events of a run, one parsed line each.
fn events_of(output: &Output) -> Vec<Json> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect()
}

fn field<'a>(event: &'a Json, name: &str) -> &'a str {
    event[name].as_str().unwrap_or_default()
}

/// Checks the stream's shape, and returns the tests in the order they finished.
/// Every step line belongs to a test that is open (or to `setup`/`teardown`,
/// outside any test), steps close innermost first, nothing stays open, and a test
/// that never started (skipped) has no line but its `test_finished`. With
/// `one_at_a_time` (`--jobs 1`) no line of another test comes while one is open.
fn assert_whole(events: &[Json], one_at_a_time: bool) -> Vec<String> {
    let all = || {
        events
            .iter()
            .map(Json::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut open_tests: Vec<String> = Vec::new();
    let mut steps: HashMap<String, Vec<String>> = HashMap::new();
    let mut finished = Vec::new();
    for (index, event) in events.iter().enumerate() {
        let kind = field(event, "type");
        let test = format!("{} / {}", field(event, "suite"), field(event, "test"));
        let names_a_test = event.get("test").is_some();
        let outside_tests = matches!(field(event, "test"), "setup" | "teardown");
        if names_a_test && kind != "test_started" && kind != "test_finished" {
            assert!(
                open_tests.contains(&test) || (outside_tests && open_tests.is_empty()),
                "line {index} ({kind}) of {test}, which is not running:\n{}",
                all()
            );
        }
        if one_at_a_time && names_a_test {
            assert!(
                open_tests.iter().all(|open| *open == test),
                "line {index} ({kind}) of {test} while {open_tests:?} runs (--jobs 1):\n{}",
                all()
            );
        }
        match kind {
            "test_started" => {
                assert!(!open_tests.contains(&test), "{test} started twice");
                open_tests.push(test);
            }
            "step_started" => steps
                .entry(test)
                .or_default()
                .push(field(event, "description").to_string()),
            "step_finished" => {
                let open = steps.entry(test.clone()).or_default().pop();
                assert_eq!(
                    open.as_deref(),
                    Some(field(event, "description")),
                    "line {index}: a step of {test} finished that is not the innermost open one:\n{}",
                    all()
                );
                assert!(
                    ["ok", "failed", "timeout", "interrupted"].contains(&field(event, "status")),
                    "{event}"
                );
            }
            "test_finished" => {
                assert!(
                    steps.get(&test).is_none_or(Vec::is_empty),
                    "{test} finished with steps open: {:?}\n{}",
                    steps.get(&test),
                    all()
                );
                match open_tests.iter().position(|open| *open == test) {
                    Some(position) => {
                        open_tests.remove(position);
                    }
                    // Never started: no step may have named it.
                    None => assert!(!steps.contains_key(&test), "{test}:\n{}", all()),
                }
                finished.push(test);
            }
            _ => {}
        }
    }
    assert!(open_tests.is_empty(), "never finished: {open_tests:?}");
    assert!(
        steps.values().all(Vec::is_empty),
        "steps never finished: {steps:?}"
    );
    assert_eq!(
        events.last().map(|event| field(event, "type")),
        Some("run_finished")
    );
    finished
}

/// The tests as the terminal printed them: the line that starts each one.
fn terminal_order(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter_map(|line| {
            let rest = ["✓ ", "✗ ", "- ", "! "]
                .iter()
                .find_map(|mark| line.strip_prefix(mark))?;
            // "suite / name (12ms)…"
            let (test, _) = rest.rsplit_once(" (")?;
            Some(test.to_string())
        })
        .collect()
}

/// The step events of `test`, as "description status".
fn steps_of(events: &[Json], test: &str) -> Vec<String> {
    events
        .iter()
        .filter(|event| field(event, "type") == "step_finished" && field(event, "test") == test)
        .map(|event| format!("{} {}", field(event, "description"), field(event, "status")))
        .collect()
}

/// Quick tests (many, so that a race between one test's end and the next one's
/// start would show), a slow one declared first (so that with `--jobs 4` the order
/// of finishing is not the order of declaration), failing ones, a step inside a
/// function, and a test whose timeout passes during its second step.
fn mixed_suite() -> Suite {
    let suite = Suite::new();
    let mut text = format!(
        "fn ping() {{\n  run \"true\"\n}}\n\
         test \"slow\" {{\n  run \"sleep 0.5\"\n  expect exit == 0\n}}\n\
         test \"refused\" {{\n  GET \"http://127.0.0.1:{}/\"\n  expect status == 200\n}}\n\
         test \"wrong output\" {{\n  run \"echo hi\"\n  expect stdout == \"bye\"\n}}\n\
         test \"times out\" timeout 400ms {{\n  ping()\n  run \"sleep 5\"\n  expect exit == 0\n}}\n\
         test \"skipped\" skip \"not today\" {{\n  run \"true\"\n}}\n",
        free_port()
    );
    for number in 0..24 {
        text.push_str(&format!(
            "test \"quick {number}\" {{\n  ping()\n  run \"true\"\n  expect exit == 0\n}}\n"
        ));
    }
    suite.file("mixed.rit", &text);
    suite
}

#[test]
fn events_pair_and_nest_and_the_terminal_prints_tests_as_they_finish() {
    for jobs in ["1", "4"] {
        let suite = mixed_suite();
        let output = suite.run(&["mixed.rit", "--events", "jsonl", "--jobs", jobs]);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        let events = events_of(&output);
        let finished = assert_whole(&events, jobs == "1");
        assert_eq!(finished.len(), 29, "{}", text(&output));
        assert_eq!(
            terminal_order(&output),
            finished,
            "--jobs {jobs}: {}",
            text(&output)
        );
        assert_eq!(
            steps_of(&events, "times out"),
            ["run true ok", "run sleep 5 timeout"]
        );
        let refused = steps_of(&events, "refused");
        assert_eq!(refused.len(), 1);
        assert!(refused[0].ends_with(" failed"), "{refused:?}");
        if jobs == "4" {
            // The slow test was declared first and finished after others.
            assert_ne!(finished.first().map(String::as_str), Some("mixed / slow"));
        }
    }
}

#[test]
fn a_timed_out_test_names_the_step_that_was_running() {
    let suite = mixed_suite();
    let output = suite.run(&["mixed.rit", "--events", "jsonl", "--test", "times out"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    // `run "sleep 5"` is line 18 of mixed.rit.
    let named = "the test did not finish within its timeout of 400ms: `run \"sleep 5\"` (mixed.rit:18) had run for ";
    assert!(all.contains(named), "{all}");
    // The terminal shows it under the step's line, not the test's.
    assert!(
        all.contains("18 │   run \"sleep 5\"") || all.contains("18 |   run \"sleep 5\""),
        "{all}"
    );
    let events = events_of(&output);
    let finished = events
        .iter()
        .find(|event| field(event, "type") == "test_finished")
        .unwrap();
    assert_eq!(finished["failure"]["line"], 18, "{finished}");
    assert_eq!(finished["failure"]["kind"], "test_timeout", "{finished}");
    let step = events
        .iter()
        .find(|event| {
            field(event, "type") == "step_finished" && field(event, "description") == "run sleep 5"
        })
        .unwrap();
    assert_eq!(step["status"], "timeout", "{step}");
    assert_eq!(step["line"], 18, "{step}");
    assert_eq!(
        step["error"], "the test's timeout of 400ms ended it",
        "{step}"
    );
    let ran = step["duration_ms"].as_f64().unwrap();
    assert!((250.0..2000.0).contains(&ran), "{step}");
}

/// Starts `ritc run` with `--events jsonl`, waits until `running` steps named
/// `description` have started, sends SIGINT, and returns the events and exit code.
fn interrupt_when_running(
    suite: &Suite,
    jobs: &str,
    description: &str,
    running: usize,
) -> (Vec<Json>, Option<i32>, String) {
    let mut child = suite
        .command(&["interrupt.rit", "--events", "jsonl", "--jobs", jobs])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_sender, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_sender.send(line);
        }
    });
    let mut events = Vec::new();
    let mut started = 0;
    // Steps other than `description` that started and have not finished: the signal
    // waits for them too, so that on a loaded machine a quick step of another test
    // (`run "true"`) is not still running, and cut, when it comes.
    let mut others_open = 0i32;
    while started < running || others_open > 0 {
        let line = lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the steps never started");
        let event: Json = serde_json::from_str(&line).unwrap();
        let ours = field(&event, "description") == description;
        match field(&event, "type") {
            "step_started" if ours => started += 1,
            "step_started" => others_open += 1,
            "step_finished" if !ours => others_open -= 1,
            _ => {}
        }
        events.push(event);
    }
    // SAFETY: a signal to our own child, by its id.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    reader.join().unwrap();
    events.extend(
        lines
            .try_iter()
            .map(|line| serde_json::from_str(&line).unwrap()),
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (events, output.status.code(), stderr)
}

#[test]
fn an_interrupt_finishes_the_running_steps_as_interrupted() {
    let tests = "test \"first\" {\n  run \"true\"\n  expect exit == 0\n}\n\
                 test \"waits\" {\n  run \"true\"\n  run \"sleep 30\"\n}\n\
                 test \"waits too\" {\n  run \"sleep 30\"\n}\n";
    let in_setup = format!("setup {{\n  run \"sleep 30\"\n}}\n{tests}");
    // (what runs, --jobs, how many steps are cut, the test they belong to)
    for (text, jobs, running, owner) in [
        (tests, "1", 1, "waits"),
        (tests, "4", 2, ""),
        (in_setup.as_str(), "4", 1, "setup"),
    ] {
        let suite = Suite::new();
        suite.file("interrupt.rit", text);
        let (events, code, stderr) = interrupt_when_running(&suite, jobs, "run sleep 30", running);
        assert_eq!(code, Some(3), "{stderr}");
        assert_whole(&events, jobs == "1");
        let interrupted: Vec<&Json> = events
            .iter()
            .filter(|event| {
                field(event, "type") == "step_finished" && field(event, "status") == "interrupted"
            })
            .collect();
        assert_eq!(interrupted.len(), running, "--jobs {jobs}: {events:?}");
        for step in interrupted {
            assert_eq!(field(step, "description"), "run sleep 30");
            assert_eq!(field(step, "error"), "the run was interrupted while it ran");
            if !owner.is_empty() {
                assert_eq!(field(step, "test"), owner, "{step}");
            }
        }
    }
}

/// Broker steps are events like any other: a `subscribe … { … }` step starts,
/// the steps of its block (an HTTP request, a publish) start and finish inside
/// it, in order, and it finishes last; a subscription whose deadline passes
/// finishes `timeout`, and its test's failure says why. No line shows the
/// password of a connection's URL.
#[test]
fn broker_steps_nest_their_blocks_steps_and_hide_the_password() {
    let demo = common::demo::DemoProcess::inventory();
    let p = format!("ritc-ev-{}", uuid::Uuid::new_v4().simple());
    let health = format!("http://127.0.0.1:{}/health", demo.port);
    let suite = Suite::new();
    suite.file(
        "brokers.rit",
        &format!(
            r#"let bus = nats("nats://ritc:events-nats-pw@127.0.0.1:4222")
let broker = mqtt("mqtt://ritc:events-mqtt-pw@127.0.0.1:1883")
let mq = amqp("amqp://guest:guest@127.0.0.1:5672/%2f")
test "nats" {{
  nats subscribe bus "{p}.orders.*" within 5s {{
    GET "{health}"
    expect status == 200
    nats publish bus "{p}.orders.created" json {{ id: 1 }}
  }}
}}
test "mqtt" {{
  mqtt subscribe broker "{p}/orders/+" qos 1 within 5s {{
    GET "{health}"
    mqtt publish broker "{p}/orders/created" json {{ id: 2 }} qos 1
  }}
}}
test "amqp" {{
  amqp subscribe mq "{p}.order.*" exchange "amq.topic" within 5s {{
    GET "{health}"
    amqp publish mq "{p}.order.created" exchange "amq.topic" json {{ id: 3 }}
  }}
}}
test "quiet" {{
  nats subscribe bus "{p}.quiet" within 200ms
}}
"#
        ),
    );
    let output = suite.run(&["brokers.rit", "--events", "jsonl", "--jobs", "1"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    for password in ["events-nats-pw", "events-mqtt-pw", "guest:guest"] {
        assert!(!all.contains(password), "{password} shown:\n{all}");
    }
    let events = events_of(&output);
    assert_eq!(assert_whole(&events, true).len(), 4, "{all}");
    let started = |test: &str| -> Vec<String> {
        events
            .iter()
            .filter(|event| field(event, "type") == "step_started" && field(event, "test") == test)
            .map(|event| field(event, "description").to_string())
            .collect()
    };
    let get = format!("GET {health}");
    let nats = "nats://ritc:***@127.0.0.1:4222";
    assert_eq!(
        started("nats"),
        [
            format!("nats subscribe {nats} {p}.orders.*"),
            get.clone(),
            format!("nats publish {nats} {p}.orders.created"),
        ]
    );
    assert_eq!(
        steps_of(&events, "nats"),
        [
            format!("{get} ok"),
            format!("nats publish {nats} {p}.orders.created ok"),
            format!("nats subscribe {nats} {p}.orders.* ok"),
        ]
    );
    let mqtt = "mqtt://ritc:***@127.0.0.1:1883";
    assert_eq!(
        steps_of(&events, "mqtt"),
        [
            format!("{get} ok"),
            format!("mqtt publish {mqtt} {p}/orders/created ok"),
            format!("mqtt subscribe {mqtt} {p}/orders/+ ok"),
        ]
    );
    let amqp = "amqp://guest:***@127.0.0.1:5672/%2f";
    assert_eq!(
        steps_of(&events, "amqp"),
        [
            format!("{get} ok"),
            format!("amqp publish {amqp} {p}.order.created ok"),
            format!("amqp subscribe {amqp} {p}.order.* ok"),
        ]
    );
    assert_eq!(
        steps_of(&events, "quiet"),
        [format!("nats subscribe {nats} {p}.quiet timeout")]
    );
    let quiet = events
        .iter()
        .find(|event| field(event, "type") == "test_finished" && field(event, "test") == "quiet")
        .unwrap();
    let said = format!("no message on `{p}.quiet` within 200ms (NATS at {nats})");
    assert_eq!(quiet["failure"]["message"], said.as_str(), "{quiet}");
}
