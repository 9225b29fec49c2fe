//! `nats` steps end to end: the real `ritc` binary on `.rit` files against the
//! NATS server of this machine (nats://127.0.0.1:4222, JetStream on). Each test
//! uses subjects under its own random prefix, so tests running at once never see
//! each other's messages; a responder or a JetStream stream a test needs is made
//! here with the same client crate, and removed at the end.

use futures_util::StreamExt;
use std::process::Command;

mod common;
use common::broker_file::BrokerFile;
use common::suite::{ritc, text};

const NATS_URL: &str = "nats://127.0.0.1:4222";

/// A random subject prefix (`ritc.<uuid>`).
fn prefix() -> String {
    format!("ritc.{}", uuid::Uuid::new_v4().simple())
}

const HEADER: &str = r#"param nats_url = "nats://127.0.0.1:4222"
param s = "ritc.test"
let bus = nats(nats_url)
"#;

const FILE: BrokerFile = BrokerFile {
    name: "nats.rit",
    header: HEADER,
    prefix_param: "s",
};

fn run_in(args: &[&str], s: &str, body: &str, files: &[(&str, Vec<u8>)]) -> (Option<i32>, String) {
    FILE.run_in(args, s, body, files)
}

fn run(s: &str, body: &str) -> (Option<i32>, String) {
    FILE.run(s, body)
}

fn line_of(body: &str, needle: &str) -> usize {
    FILE.line_of(body, needle)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_message_published_in_the_block_arrives_with_its_json_headers_and_subject() {
    let s = prefix();
    let body = r#"
test "round trip" {
  nats subscribe bus "{{s}}.orders.*" within 2s {
    nats publish bus "{{s}}.orders.created" json { id: 7, name: "widget" } headers { "x-trace": "abc" }
    expect subject == "{{s}}.orders.created"
  }
  expect subject == "{{s}}.orders.created"
  expect json.id == 7
  expect json.name == "widget"
  expect headers["x-trace"] == "abc"
  expect body == "{\"id\":7,\"name\":\"widget\"}"
  expect len(bytes) == len(body)
  expect received == 1
}
"#;
    let (code, output) = run(&s, body);
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("1 passed"), "{output}");
}

#[test]
fn until_skips_the_messages_that_do_not_satisfy_it() {
    let s = prefix();
    let body = r#"
test "the third" {
  nats subscribe bus "{{s}}.n" until json.n == 3 within 2s {
    nats publish bus "{{s}}.n" json { n: 1 }
    nats publish bus "{{s}}.n" body "not json"
    nats publish bus "{{s}}.n" json { n: 3 }
    nats publish bus "{{s}}.n" json { n: 4 }
  }
  expect json.n == 3
  expect received == 3
}
"#;
    let (code, output) = run(&s, body);
    assert_eq!(code, Some(0), "{output}");
}

#[test]
fn the_deadline_names_how_many_messages_arrived_and_the_last_one_at_the_step() {
    let s = prefix();
    let body = r#"
test "never the ninth" {
  nats subscribe bus "{{s}}.n" until json.n == 9 within 300ms {
    nats publish bus "{{s}}.n" json { n: 1 }
    nats publish bus "{{s}}.n" json { n: 2 }
  }
  expect json.n == 9
}
test "nothing at all" {
  nats subscribe bus "{{s}}.quiet" within 200ms
}
"#;
    let (code, output) = run(&s, body);
    assert_eq!(code, Some(1), "{output}");
    let expected = format!(
        "no message on `{s}.n` satisfied `until json.n == 9` within 300ms: 2 messages arrived, the last on `{s}.n`: {{\"n\":2}}"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
    let at = format!("nats.rit:{}", line_of(body, "until json.n == 9"));
    assert!(output.contains(&at), "{at}\n---\n{output}");
    let quiet = format!("no message on `{s}.quiet` within 200ms (NATS at {NATS_URL})");
    assert!(output.contains(&quiet), "{quiet}\n---\n{output}");
    assert!(output.contains("0 passed, 2 failed"), "{output}");
}

#[test]
fn silent_passes_when_nothing_matching_arrives_and_fails_naming_what_did() {
    let s = prefix();
    let body = r#"
test "nothing cancelled" {
  nats silent bus "{{s}}.cancelled" within 300ms {
    nats publish bus "{{s}}.created" body "x"
  }
  expect received == 0
}
test "only other ids" {
  nats silent bus "{{s}}.cancel.*" until json.id == 2 within 300ms {
    nats publish bus "{{s}}.cancel.a" json { id: 1 }
  }
  expect received == 1
}
test "the second was cancelled" {
  nats silent bus "{{s}}.cancel.*" until json.id == 2 within 2s {
    nats publish bus "{{s}}.cancel.a" json { id: 1 }
    nats publish bus "{{s}}.cancel.b" json { id: 2 }
  }
}
"#;
    let (code, output) = run(&s, body);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("2 passed, 1 failed"), "{output}");
    let expected = format!(
        "a message arrived within 2s where none should: on `{s}.cancel.b`: {{\"id\":2}} (the 2nd that arrived)"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
    let at = format!("nats.rit:{}", line_of(body, "within 2s {"));
    assert!(output.contains(&at), "{at}\n---\n{output}");
}

#[test]
fn a_request_gets_the_reply_and_no_responder_is_said_plainly() {
    let s = prefix();
    let rt = runtime();
    let subject = format!("{s}.echo");
    // The responder: answers each request with what it got, as JSON, and a header.
    let responder = rt.block_on(async {
        let client = async_nats::connect(NATS_URL).await.unwrap();
        let mut requests = client.subscribe(subject).await.unwrap();
        client.flush().await.unwrap();
        let replier = client.clone();
        tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                let got: serde_json::Value =
                    serde_json::from_slice(&request.payload).unwrap_or_default();
                let trace = request
                    .headers
                    .as_ref()
                    .and_then(|headers| headers.get("x-id"))
                    .map(|value| value.as_str().to_string())
                    .unwrap_or_default();
                let mut headers = async_nats::HeaderMap::new();
                headers.insert("x-replied", format!("yes {trace}").as_str());
                let reply = serde_json::json!({ "got": got }).to_string();
                if let Some(to) = request.reply {
                    replier
                        .publish_with_headers(to, headers, reply.into())
                        .await
                        .unwrap();
                }
            }
        });
        client
    });
    let body = r#"
test "echo" {
  nats request bus "{{s}}.echo" json { q: "ping" } headers { "x-id": "1" } within 2s
  expect json.got.q == "ping"
  expect headers["x-replied"] == "yes 1"
  expect subject != "{{s}}.echo"
}
test "nobody" {
  nats request bus "{{s}}.nobody" body "x" within 1s
}
"#;
    let (code, output) = run(&s, body);
    drop(responder);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("1 passed, 1 failed"), "{output}");
    let expected = format!(
        "no one answers on `{s}.nobody` at {NATS_URL}: the server has no subscriber for it (no responders)"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
}

/// A NATS server of the test's own, whose monitoring port lists its
/// connections and their subscriptions (`/connz?subs=1`). The machine's server
/// (4222) has no monitoring port (nothing answers on 8222), and its `$SYS`
/// account, which could list them too, takes credentials it was not given; so
/// the listing is asked of a server started here from the same `nats-server`
/// binary. Killed when dropped.
struct MonitoredServer {
    child: std::process::Child,
    port: u16,
    monitor: u16,
}

impl MonitoredServer {
    fn start() -> MonitoredServer {
        let binary = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .find(|path| std::path::Path::new(path).exists())
            .unwrap_or("nats-server");
        let port = common::ports::free_port();
        let monitor = common::ports::free_port();
        let child = Command::new(binary)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-m",
                &monitor.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {binary} (the NATS server): {error}"));
        let server = MonitoredServer {
            child,
            port,
            monitor,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while [port, monitor]
            .iter()
            .any(|port| std::net::TcpStream::connect(("127.0.0.1", *port)).is_err())
        {
            assert!(
                std::time::Instant::now() < deadline,
                "{binary} never listened on {port} and {monitor}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        server
    }

    /// What a test file adds to the header: the server (`watched`) and a
    /// function that asks its monitoring port whether a connection is subscribed
    /// to a subject.
    fn header(&self) -> String {
        format!(
            r#"
let watched = nats("nats://127.0.0.1:{port}")
param monitor = "http://127.0.0.1:{monitor}"
fn subscribed(subject: string) -> bool {{
  GET "{{{{monitor}}}}/connz?subs=1"
  return jsonpath(json, "$.connections[*].subscriptions_list[*]") contains subject
}}
"#,
            port = self.port,
            monitor = self.monitor
        )
    }
}

impl Drop for MonitoredServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A subscription is gone from the server when its step ends, however it ends:
/// the server's own list of its connections' subscriptions no longer holds it
/// (`MonitoredServer`). Inside the block, where it is open, the list holds it.
/// (A step's connection closes in the client's own task, with nothing to await,
/// so the list is read for the subscription, which the step removes and the
/// server confirms before the step ends, not for the connection.)
#[test]
fn a_subscription_is_removed_from_the_server_on_every_exit_path() {
    let s = prefix();
    let server = MonitoredServer::start();
    let body = format!(
        r#"{header}
test "timed out" {{
  nats subscribe watched "{{{{s}}}}.a" within 200ms
}}
test "then a" {{
  expect not subscribed("{{{{s}}}}.a")
}}
test "its block failed" {{
  nats subscribe watched "{{{{s}}}}.b" within 2s {{
    expect 1 == 2
  }}
}}
test "then b" {{
  expect not subscribed("{{{{s}}}}.b")
}}
test "passed" {{
  nats subscribe watched "{{{{s}}}}.c" within 2s {{
    nats publish watched "{{{{s}}}}.c" body "x"
  }}
}}
test "then c" {{
  expect not subscribed("{{{{s}}}}.c")
}}
test "silent" {{
  nats silent watched "{{{{s}}}}.d" within 200ms
}}
test "then d" {{
  expect not subscribed("{{{{s}}}}.d")
}}
test "open" {{
  nats subscribe watched "{{{{s}}}}.e" within 2s {{
    expect subscribed("{{{{s}}}}.e")
    nats publish watched "{{{{s}}}}.e" body "x"
  }}
}}
"#,
        header = server.header()
    );
    let (code, output) = run(&s, &body);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("7 passed, 2 failed"), "{output}");
    let timed_out = format!("no message on `{s}.a` within 200ms");
    assert!(output.contains(&timed_out), "{timed_out}\n---\n{output}");
    assert!(!output.contains("subscribed("), "{output}");
}

/// Ctrl-C while a subscription waits: the run is interrupted, and the server
/// lists no subscription to its subject any more; while the step waits, it does.
#[test]
fn a_subscription_is_removed_from_the_server_after_ctrl_c() {
    let s = prefix();
    let server = MonitoredServer::start();
    let header = server.header();
    let waiting = FILE.start(
        &s,
        &format!(
            r#"{header}
test "waits" {{
  nats subscribe watched "{{{{s}}}}.held" within 60s
}}
"#
        ),
    );
    let probe = format!(
        r#"{header}
test "probe" {{
  expect not subscribed("{{{{s}}}}.held")
}}
"#
    );
    let (code, output) = FILE.interrupt_when_seen(waiting, &s, &probe, |code, output| {
        code == Some(1) && output.contains("subscribed(")
    });
    assert_eq!(code, Some(0), "{output}");
}

#[test]
fn jetstream_publish_is_acked_with_the_stream_and_sequence() {
    let s = prefix();
    let stream = format!("RITC_{}", uuid::Uuid::new_v4().simple());
    let rt = runtime();
    let context = rt.block_on(async {
        let client = async_nats::connect(NATS_URL).await.unwrap();
        let context = async_nats::jetstream::new(client);
        context
            .create_stream(async_nats::jetstream::stream::Config {
                name: stream.clone(),
                subjects: vec![format!("{s}.js.>")],
                ..Default::default()
            })
            .await
            .unwrap();
        context
    });
    let body = format!(
        r#"
test "stored" {{
  nats publish bus "{{{{s}}}}.js.a" json {{ id: 1 }} jetstream
  expect stream == "{stream}"
  expect sequence == 1
  nats publish bus "{{{{s}}}}.js.b" json {{ id: 2 }} headers {{ "x-k": "v" }} jetstream
  expect sequence == 2
}}
test "no stream takes it" {{
  nats publish bus "{{{{s}}}}.elsewhere" body "x" jetstream
}}
"#
    );
    let (code, output) = run(&s, &body);
    let stored = rt.block_on(async {
        let mut found = context.get_stream(&stream).await.unwrap();
        let messages = found.info().await.unwrap().state.messages;
        context.delete_stream(&stream).await.unwrap();
        messages
    });
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("1 passed, 1 failed"), "{output}");
    assert_eq!(stored, 2, "the stream holds both messages");
    let expected = format!(
        "no JetStream stream at {NATS_URL} takes `{s}.elsewhere`: create one whose subjects include it, or publish without `jetstream`"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
}

#[test]
fn a_server_that_is_down_is_named_without_the_password() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let body = format!(
        r#"
test "down" {{
  let down = nats("nats://app:sekrit@127.0.0.1:{port}")
  nats publish down "{{{{s}}}}.x" body "x"
}}
"#
    );
    let (code, output) = run(&prefix(), &body);
    assert_eq!(code, Some(1), "{output}");
    let expected = format!(
        "cannot connect to NATS at nats://app:***@127.0.0.1:{port}: connection refused (is the server running, on this port?)"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
    let at = format!("nats.rit:{}", line_of(&body, "nats publish down"));
    assert!(output.contains(&at), "{at}\n---\n{output}");
    assert!(!output.contains("sekrit"), "{output}");
}

#[test]
fn a_malformed_url_is_refused_by_check_when_literal_and_at_run_time_otherwise() {
    let literal = r#"
let broken = nats("nats://app:sekrit@127.0.0.1:99999")
test "t" {
  nats publish broken "x" body "x"
}
"#;
    let (code, output) = run_in(&["check"], &prefix(), literal, &[]);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("E0407"), "{output}");
    assert!(
        output.contains("nats: nats://***@127.0.0.1:99999 is not a valid URL: invalid port number"),
        "{output}"
    );
    // The source line is the author's own; the message shows no password.
    let message = output.lines().find(|line| line.starts_with("error[E0407]"));
    assert!(
        message.is_some_and(|line| !line.contains("sekrit")),
        "{output}"
    );
    let scheme = "\nlet web = nats(\"http://127.0.0.1:4222\")\n";
    let (code, output) = run_in(&["check"], &prefix(), scheme, &[]);
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("`nats` does not support `http:` URLs"),
        "{output}"
    );

    let computed = r#"
param port = "99999"
test "t" {
  let broken = nats("nats://127.0.0.1:{{port}}")
  nats publish broken "x" body "x"
}
"#;
    let (code, output) = run(&prefix(), computed);
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("nats: nats://127.0.0.1:99999 is not a valid URL: invalid port number"),
        "{output}"
    );
    let at = format!("nats.rit:{}", line_of(computed, "let broken"));
    assert!(output.contains(&at), "{at}\n---\n{output}");
}

#[test]
fn a_message_over_the_servers_max_payload_is_refused_saying_so() {
    let s = prefix();
    let big = vec![b'a'; 10 * 1024 * 1024];
    let body = r#"
test "ten megabytes" {
  nats publish bus "{{s}}.big" body read("big.txt")
}
"#;
    let (code, output) = run_in(&["run"], &s, body, &[("big.txt", big)]);
    assert_eq!(code, Some(1), "{output}");
    let expected = format!(
        "the message to `{s}.big` is 10MB and the NATS server at {NATS_URL} takes at most 1MB (its `max_payload`, 1MB unless its configuration raises it): nothing was sent"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
}

#[test]
fn check_refuses_unknown_clauses_wrong_types_and_fields_nats_does_not_yield() {
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"nats publish bus "a" bodyy "x""#,
            "E0401",
            "did you mean `body`?",
        ),
        (
            r#"nats publish bus "a" body 5"#,
            "E0314",
            "`body` takes a string or a bytes",
        ),
        (
            r#"nats subscribe bus "a" within 5"#,
            "E0314",
            "write a duration with its unit: `5s`",
        ),
        (
            r#"nats publish bus "a" until json.id == 1"#,
            "E0401",
            "`nats publish` steps take no `until`",
        ),
        (
            r#"nats request bus "a" jetstream"#,
            "E0401",
            "`nats request` steps take no `jetstream`",
        ),
        (
            r#"nats silent bus "a""#,
            "E0419",
            "`nats silent` needs `within D`",
        ),
        (r#"nats publsh bus "a""#, "E0418", "did you mean `publish`?"),
        (
            r#"nats subscribe bus"#,
            "E0419",
            "take a string after the target",
        ),
        (r#"nats publish bus "a" { }"#, "E0419", "take no block"),
        (
            r#"nats subscribe bus "a" until json.idd.x == statuss within 1s"#,
            "E0",
            "statuss",
        ),
        (
            r#"nats publish "nats://127.0.0.1:4222" "a""#,
            "E0314",
            "the step's target takes a nats, not a string",
        ),
    ];
    for (step, code, words) in cases {
        let body = format!("\ntest \"t\" {{\n  {step}\n}}\n");
        let (exit, output) = run_in(&["check"], &prefix(), &body, &[]);
        assert_eq!(exit, Some(1), "{step}\n---\n{output}");
        assert!(output.contains(code), "{step}: {code}\n---\n{output}");
        assert!(output.contains(words), "{step}: {words}\n---\n{output}");
    }
    let fields = r#"
test "t" {
  nats subscribe bus "a" within 1s
  expect status == 200
}
"#;
    let (exit, output) = run_in(&["check"], &prefix(), fields, &[]);
    assert_eq!(exit, Some(1), "{output}");
    assert!(output.contains("E0303"), "{output}");
    assert!(output.contains("does not yield `status`"), "{output}");
    let clean = r#"
test "t" {
  nats subscribe bus "{{s}}.a" until json.id == 3 and headers["x"] == "y" within 1s {
    nats publish bus "{{s}}.a" json { id: 3 } headers { x: "y" }
  }
  expect json.id == 3
  expect received >= 1
  let reply = nats request bus "{{s}}.b" body "q" within 1s
  expect reply.body == "a"
  nats publish bus "{{s}}.c" body "x" jetstream timeout 2s
  expect sequence > 0
}
"#;
    let (exit, output) = run_in(&["check"], &prefix(), clean, &[]);
    assert_eq!(exit, Some(0), "{output}");
}

/// A message's fields after a step that received none: `ritc check` refuses
/// them, naming the step and the steps that yield them.
#[test]
fn a_message_field_after_a_publish_is_refused_by_check_naming_the_steps_that_yield_it() {
    let body = r#"
test "the body of a publish" {
  nats publish bus "{{s}}.x" body "x"
  expect subject == "{{s}}.x"
  expect sequence > 0
  expect body == "x"
}
test "after silent" {
  nats silent bus "{{s}}.y" within 100ms
  expect received == 0
  expect json.id == 1
}
"#;
    let (code, output) = run_in(&["check"], &prefix(), body, &[]);
    assert_eq!(code, Some(1), "{output}");
    for (words, needle) in [
        (
            "error[E0303]: the last step (`nats publish`) does not yield `body`",
            "expect body",
        ),
        (
            "error[E0303]: the last step (`nats silent`) does not yield `json`",
            "expect json",
        ),
    ] {
        assert!(output.contains(words), "{words}\n---\n{output}");
        let at = format!("nats.rit:{}", line_of(body, needle));
        assert!(output.contains(&at), "{at}\n---\n{output}");
    }
    assert!(
        output.contains("`body` is a field of `nats request` and `nats subscribe` steps"),
        "{output}"
    );
    assert!(output.contains("2 errors"), "{output}");
}

#[test]
fn fmt_keeps_nats_steps_as_written() {
    let source = r#"param nats_url = "nats://127.0.0.1:4222"
let bus = nats(nats_url)

test "t" {
  nats subscribe bus "orders.*" until json.id == 3 within 2s {
    nats publish bus "orders.created" json { id: 3 } headers { x: "y" }
  }
  nats silent bus "orders.cancelled" within 1s
  nats request bus "svc.echo" body "hi" within 1s
  nats publish bus "orders.stored" body "x" jetstream
}
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.rit");
    std::fs::write(&path, source).unwrap();
    let output = Command::new(ritc())
        .args(["fmt", "--check"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
}
