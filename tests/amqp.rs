//! `amqp` steps end to end: the real `ritc` binary on `.rit` files against the
//! RabbitMQ of this machine (amqp://guest:guest@127.0.0.1:5672). Each test uses
//! routing keys under its own random prefix on the broker's own `amq.topic`
//! exchange, so tests running at once never see each other's messages; what a
//! test needs besides (an RPC responder, a queue that rejects publishes) is made
//! here with the same client crate, and removed at the end.

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use std::process::Command;

mod common;
use common::broker_file::BrokerFile;
use common::suite::{ritc, text};

const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const SHOWN_URL: &str = "amqp://guest:***@127.0.0.1:5672/%2f";

/// A random routing-key prefix (`ritc.<uuid>`).
fn prefix() -> String {
    format!("ritc.{}", uuid::Uuid::new_v4().simple())
}

const HEADER: &str = r#"param amqp_url = "amqp://guest:guest@127.0.0.1:5672/%2f"
param s = "ritc.test"
let mq = amqp(amqp_url)
"#;

const FILE: BrokerFile = BrokerFile {
    name: "amqp.rit",
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
fn a_message_published_in_the_block_arrives_with_its_json_headers_and_properties() {
    let s = prefix();
    let body = r#"
test "round trip" {
  amqp subscribe mq "{{s}}.order.*" exchange "amq.topic" within 2s {
    amqp publish mq "{{s}}.order.created" exchange "amq.topic" json { id: 7, name: "widget" } headers { "x-trace": "abc", "x-n": 3 } properties { correlation_id: "c-1", message_id: "m-1", expiration: 60s, priority: 4 } persistent
    expect routing_key == "{{s}}.order.created"
  }
  expect routing_key == "{{s}}.order.created"
  expect exchange == "amq.topic"
  expect json.id == 7
  expect json.name == "widget"
  expect headers["x-trace"] == "abc"
  expect headers["x-n"] == 3
  expect properties.correlation_id == "c-1"
  expect properties.message_id == "m-1"
  expect properties.expiration == "60000"
  expect properties.priority == 4
  expect properties.content_type == "application/json"
  expect properties.delivery_mode == 2
  expect redelivered == false
  expect body == "{\"id\":7,\"name\":\"widget\"}"
  expect len(bytes) == len(body)
  expect received == 1
  expect queue starts with "amq.gen-"
}
"#;
    let (code, output) = run(&s, body);
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("1 passed"), "{output}");
}

#[test]
fn until_skips_the_messages_that_do_not_satisfy_it_and_the_deadline_names_the_last() {
    let s = prefix();
    let body = r#"
test "the third" {
  amqp subscribe mq "{{s}}.n" exchange "amq.topic" until json.n == 3 within 2s {
    amqp publish mq "{{s}}.n" exchange "amq.topic" json { n: 1 }
    amqp publish mq "{{s}}.n" exchange "amq.topic" body "not json"
    amqp publish mq "{{s}}.n" exchange "amq.topic" json { n: 3 }
    amqp publish mq "{{s}}.n" exchange "amq.topic" json { n: 4 }
  }
  expect json.n == 3
  expect received == 3
}
test "never the ninth" {
  amqp subscribe mq "{{s}}.m" exchange "amq.topic" until json.n == 9 within 300ms {
    amqp publish mq "{{s}}.m" exchange "amq.topic" json { n: 1 }
    amqp publish mq "{{s}}.m" exchange "amq.topic" json { n: 2 }
  }
}
test "nothing at all" {
  amqp subscribe mq "{{s}}.quiet" exchange "amq.topic" within 200ms
}
"#;
    let (code, output) = run(&s, body);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("1 passed, 2 failed"), "{output}");
    let expected = format!(
        "no message on `{s}.m` satisfied `until json.n == 9` within 300ms: 2 messages arrived, the last on `amq.topic` with key `{s}.m`: {{\"n\":2}}"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
    let at = format!("amqp.rit:{}", line_of(body, "until json.n == 9"));
    assert!(output.contains(&at), "{at}\n---\n{output}");
    let quiet = format!("no message on `{s}.quiet` within 200ms (AMQP at {SHOWN_URL})");
    assert!(output.contains(&quiet), "{quiet}\n---\n{output}");
}

#[test]
fn silent_passes_when_nothing_matching_arrives_and_fails_naming_what_did() {
    let s = prefix();
    let body = r#"
test "nothing cancelled" {
  amqp silent mq "{{s}}.cancelled" exchange "amq.topic" within 300ms {
    amqp publish mq "{{s}}.created" exchange "amq.topic" body "x"
  }
  expect received == 0
}
test "only other ids" {
  amqp silent mq "{{s}}.cancel.*" exchange "amq.topic" until json.id == 2 within 300ms {
    amqp publish mq "{{s}}.cancel.a" exchange "amq.topic" json { id: 1 }
  }
  expect received == 1
}
test "the second was cancelled" {
  amqp silent mq "{{s}}.cancel.*" exchange "amq.topic" until json.id == 2 within 2s {
    amqp publish mq "{{s}}.cancel.a" exchange "amq.topic" json { id: 1 }
    amqp publish mq "{{s}}.cancel.b" exchange "amq.topic" json { id: 2 }
  }
}
"#;
    let (code, output) = run(&s, body);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("2 passed, 1 failed"), "{output}");
    let expected = format!(
        "a message arrived within 2s where none should: on `amq.topic` with key `{s}.cancel.b`: {{\"id\":2}} (the 2nd that arrived)"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
    let at = format!("amqp.rit:{}", line_of(body, "within 2s {"));
    assert!(output.contains(&at), "{at}\n---\n{output}");
}

/// The broker confirms every publish: a missing exchange, a nack (a queue at its
/// length limit that rejects publishes) and, with `mandatory`, a message no
/// queue takes each fail the step at its line, saying which.
#[test]
fn a_publish_the_broker_does_not_confirm_fails_the_step() {
    let s = prefix();
    let full = format!("{s}.full");
    let rt = runtime();
    let connection = rt.block_on(async {
        let connection = Connection::connect(AMQP_URL, ConnectionProperties::default())
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
        let mut arguments = FieldTable::default();
        arguments.insert("x-max-length".into(), AMQPValue::LongInt(0));
        arguments.insert(
            "x-overflow".into(),
            AMQPValue::LongString("reject-publish".into()),
        );
        channel
            .queue_declare(
                full.as_str().into(),
                QueueDeclareOptions {
                    auto_delete: false,
                    ..QueueDeclareOptions::default()
                },
                arguments,
            )
            .await
            .unwrap();
        (connection, channel)
    });
    let body = format!(
        r#"
test "no such exchange" {{
  amqp publish mq "{{{{s}}}}.x" exchange "{s}.nowhere" body "x"
}}
test "rejected" {{
  amqp publish mq "{full}" body "x"
}}
test "nobody listens" {{
  amqp publish mq "{{{{s}}}}.unheard" exchange "amq.topic" body "x" mandatory
}}
test "nobody listens and no one asked" {{
  amqp publish mq "{{{{s}}}}.unheard" exchange "amq.topic" body "x"
  expect routing_key == "{{{{s}}}}.unheard"
}}
"#
    );
    let (code, output) = run(&s, &body);
    rt.block_on(async {
        let (connection, channel) = connection;
        channel
            .queue_delete(full.as_str().into(), QueueDeleteOptions::default())
            .await
            .unwrap();
        connection.close(200, "done".into()).await.unwrap();
    });
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("1 passed, 3 failed"), "{output}");
    let missing = format!(
        "AMQP at {SHOWN_URL} refused the message to `{s}.nowhere` with key `{s}.x`: NOT_FOUND - no exchange '{s}.nowhere' in vhost '/'"
    );
    assert!(output.contains(&missing), "{missing}\n---\n{output}");
    let nack = format!(
        "AMQP at {SHOWN_URL} refused the message to `(the default exchange)` with key `{full}`: it answered with a nack"
    );
    assert!(output.contains(&nack), "{nack}\n---\n{output}");
    let unroutable = format!(
        "no queue takes the message to `amq.topic` with key `{s}.unheard` at {SHOWN_URL}: the broker returned it (NO_ROUTE)"
    );
    assert!(output.contains(&unroutable), "{unroutable}\n---\n{output}");
    let at = format!("amqp.rit:{}", line_of(&body, "mandatory"));
    assert!(output.contains(&at), "{at}\n---\n{output}");
}

#[test]
fn a_request_gets_the_reply_that_carries_its_correlation_id() {
    let s = prefix();
    let queue = format!("{s}.rpc");
    let rt = runtime();
    // The responder: answers each request on its queue with what it got, as
    // JSON, to its reply-to with its correlation id; first with a stray reply
    // that carries another id, which the step must skip.
    let responder = rt.block_on(async {
        let connection = Connection::connect(AMQP_URL, ConnectionProperties::default())
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
        channel
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        let mut requests = channel
            .basic_consume(
                queue.as_str().into(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        let replier = channel.clone();
        tokio::spawn(async move {
            while let Some(Ok(request)) = requests.next().await {
                let got: serde_json::Value =
                    serde_json::from_slice(&request.data).unwrap_or_default();
                let Some(to) = request.properties.reply_to().clone() else {
                    continue;
                };
                let id = request
                    .properties
                    .correlation_id()
                    .clone()
                    .unwrap_or_else(|| ShortString::from(""));
                for (correlation, answer) in [
                    (
                        ShortString::from("someone else"),
                        serde_json::json!({"stray": true}),
                    ),
                    (id, serde_json::json!({ "got": got })),
                ] {
                    replier
                        .basic_publish(
                            "".into(),
                            to.clone(),
                            BasicPublishOptions::default(),
                            answer.to_string().as_bytes(),
                            BasicProperties::default().with_correlation_id(correlation),
                        )
                        .await
                        .unwrap();
                }
            }
        });
        connection
    });
    let body = r#"
test "echo" {
  amqp request mq "{{s}}.rpc" json { q: "ping" } within 2s
  expect json.got.q == "ping"
  expect properties.correlation_id != "someone else"
}
test "its own correlation id" {
  let reply = amqp request mq "{{s}}.rpc" body "{\"q\":1}" properties { correlation_id: "c-42" } within 2s
  expect reply.json.got.q == 1
  expect reply.properties.correlation_id == "c-42"
}
test "nobody" {
  amqp request mq "{{s}}.nobody" body "x" within 1s
}
"#;
    let (code, output) = run(&s, body);
    rt.block_on(async { responder.close(200, "done".into()).await.unwrap() });
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("2 passed, 1 failed"), "{output}");
    let expected = format!(
        "no queue takes the message to `(the default exchange)` with key `{s}.nobody` at {SHOWN_URL}: the broker returned it (NO_ROUTE)"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
}

/// The broker's own lists, read with `rabbitmqctl` (this machine's RabbitMQ has
/// no management plugin on 15672; the tests run as root, whom `rabbitmqctl`
/// serves): its bindings (`KEY<tab>QUEUE` lines), its queues and the queues its
/// consumers read, one name a line.
const LISTINGS: &str = r#"
fn bindings() -> string {
  run "rabbitmqctl list_bindings -q --no-table-headers routing_key destination_name"
  return stdout
}
fn queues() -> list<string> {
  run "rabbitmqctl list_queues -q --no-table-headers name"
  return split(stdout, "\n")
}
fn consumed() -> list<string> {
  run "rabbitmqctl list_consumers -q --no-table-headers queue_name"
  return split(stdout, "\n")
}
fn bound(key: string) -> bool {
  return bindings() contains "{{key}}\t"
}
"#;

/// A step's temporary queue is gone from the broker when the step ends, however
/// it ends: the broker lists no binding with its key, and, when the step passed
/// and named its queue, neither the queue nor a consumer of it. Inside the
/// block, where the queue is bound, the lists hold all three.
#[test]
fn a_temporary_queue_is_removed_from_the_broker_on_every_exit_path() {
    let s = prefix();
    let body = format!(
        r#"{LISTINGS}
test "timed out" {{
  amqp subscribe mq "{{{{s}}}}.a" exchange "amq.topic" within 200ms
}}
test "then a" {{
  expect not bound("{{{{s}}}}.a")
}}
test "its block failed" {{
  amqp subscribe mq "{{{{s}}}}.b" exchange "amq.topic" within 2s {{
    expect 1 == 2
  }}
}}
test "then b" {{
  expect not bound("{{{{s}}}}.b")
}}
test "passed" {{
  amqp subscribe mq "{{{{s}}}}.c" exchange "amq.topic" within 2s {{
    amqp publish mq "{{{{s}}}}.c" exchange "amq.topic" body "x"
  }}
  let temporary = queue
  expect not bound("{{{{s}}}}.c")
  expect not (queues() contains temporary)
  expect not (consumed() contains temporary)
}}
test "silent" {{
  amqp silent mq "{{{{s}}}}.d" exchange "amq.topic" within 200ms
}}
test "then d" {{
  expect not bound("{{{{s}}}}.d")
}}
test "open" {{
  amqp subscribe mq "{{{{s}}}}.e" exchange "amq.topic" within 5s {{
    let temporary = capture(bindings(), "{{{{s}}}}\\.e\t(\\S+)")
    expect queues() contains temporary
    expect consumed() contains temporary
    amqp publish mq "{{{{s}}}}.e" exchange "amq.topic" body "x"
  }}
  expect queue starts with "amq.gen-"
}}
"#
    );
    let (code, output) = run(&s, &body);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("6 passed, 2 failed"), "{output}");
    let timed_out = format!("no message on `{s}.a` within 200ms");
    assert!(output.contains(&timed_out), "{timed_out}\n---\n{output}");
    assert!(!output.contains("bound("), "{output}");
}

/// Ctrl-C while a subscription waits: the run is interrupted, and the broker
/// lists no binding with its key any more; while the step waits, it does.
#[test]
fn a_temporary_queue_is_removed_from_the_broker_after_ctrl_c() {
    let s = prefix();
    let waiting = FILE.start(
        &s,
        r#"
test "waits" {
  amqp subscribe mq "{{s}}.held" exchange "amq.topic" within 60s
}
"#,
    );
    let probe = format!(
        r#"{LISTINGS}
test "probe" {{
  expect not bound("{{{{s}}}}.held")
}}
"#
    );
    let (code, output) = FILE.interrupt_when_seen(waiting, &s, &probe, |code, output| {
        code == Some(1) && output.contains("bound(")
    });
    assert_eq!(code, Some(0), "{output}");
}

/// Redelivery, as the broker does it: a plain consumer takes a message from a
/// named queue and gives it back (a nack with requeue); `amqp consume` of that
/// queue then gets it flagged `redelivered`, and a message delivered the first
/// time not. The step acknowledges what it reads, so the queue is empty after
/// it; a queue the broker does not have is said plainly.
#[test]
fn a_message_given_back_to_a_named_queue_is_consumed_flagged_redelivered() {
    use lapin::options::{BasicGetOptions, BasicNackOptions};
    let s = prefix();
    let queue = format!("{s}.work");
    let rt = runtime();
    let (connection, channel) = rt.block_on(async {
        let connection = Connection::connect(AMQP_URL, ConnectionProperties::default())
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
        channel
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        channel
            .basic_publish(
                "".into(),
                queue.as_str().into(),
                BasicPublishOptions::default(),
                br#"{"id":1}"#,
                BasicProperties::default(),
            )
            .await
            .unwrap()
            .await
            .unwrap();
        let taken = loop {
            let got = channel
                .basic_get(queue.as_str().into(), BasicGetOptions::default())
                .await
                .unwrap();
            if let Some(message) = got {
                break message;
            }
        };
        assert!(!taken.delivery.redelivered);
        channel
            .basic_nack(
                taken.delivery.delivery_tag,
                BasicNackOptions {
                    requeue: true,
                    ..BasicNackOptions::default()
                },
            )
            .await
            .unwrap();
        (connection, channel)
    });
    let body = r#"
test "the broker delivers it again" {
  amqp consume mq "{{s}}.work" within 5s
  expect json.id == 1
  expect redelivered
  expect queue == "{{s}}.work"
}
test "a message delivered the first time" {
  amqp consume mq "{{s}}.work" within 5s {
    amqp publish mq "{{s}}.work" json { id: 2 }
  }
  expect json.id == 2
  expect redelivered == true
}
test "no such queue" {
  amqp consume mq "{{s}}.nowhere" within 1s
}
"#;
    let (code, output) = run(&s, body);
    let left = rt.block_on(async {
        let left = channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await
            .unwrap();
        connection.close(200, "done".into()).await.unwrap();
        left
    });
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("1 passed, 2 failed"), "{output}");
    assert_eq!(left, 0, "ritc acknowledged both messages");
    let first = format!("amqp.rit:{}", line_of(body, "expect redelivered == true"));
    assert!(output.contains(&first), "{first}\n---\n{output}");
    assert!(
        output.contains("error: redelivered == true: redelivered was false"),
        "{output}"
    );
    let missing = format!(
        "AMQP at {SHOWN_URL} refused to consume the queue `{s}.nowhere`: NOT_FOUND - no queue '{s}.nowhere' in vhost '/'"
    );
    assert!(output.contains(&missing), "{missing}\n---\n{output}");
}

#[test]
fn a_broker_that_is_down_is_named_without_the_password() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let body = format!(
        r#"
test "down" {{
  let down = amqp("amqp://app:sekrit@127.0.0.1:{port}/%2f")
  amqp publish down "{{{{s}}}}.x" body "x"
}}
test "wrong password" {{
  let refused = amqp("amqp://guest:not-the-password@127.0.0.1:5672/%2f")
  amqp publish refused "{{{{s}}}}.x" body "x"
}}
"#
    );
    let (code, output) = run(&prefix(), &body);
    assert_eq!(code, Some(1), "{output}");
    let expected = format!(
        "cannot connect to AMQP at amqp://app:***@127.0.0.1:{port}/%2f: connection refused (is the broker running, on this port?)"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
    let at = format!("amqp.rit:{}", line_of(&body, "amqp publish down"));
    assert!(output.contains(&at), "{at}\n---\n{output}");
    assert!(
        output.contains("cannot connect to AMQP at amqp://guest:***@127.0.0.1:5672/%2f"),
        "{output}"
    );
    assert!(!output.contains("sekrit"), "{output}");
    assert!(!output.contains("not-the-password"), "{output}");
}

#[test]
fn a_malformed_url_is_refused_by_check_when_literal_and_at_run_time_otherwise() {
    let literal = r#"
let broken = amqp("amqp://app:sekrit@127.0.0.1:99999")
test "t" {
  amqp publish broken "x" body "x"
}
"#;
    let (code, output) = run_in(&["check"], &prefix(), literal, &[]);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("E0407"), "{output}");
    assert!(
        output.contains("amqp: amqp://***@127.0.0.1:99999 is not a valid URL: invalid port number"),
        "{output}"
    );
    let message = output.lines().find(|line| line.starts_with("error[E0407]"));
    assert!(
        message.is_some_and(|line| !line.contains("sekrit")),
        "{output}"
    );
    let scheme = "\nlet web = amqp(\"http://127.0.0.1:5672\")\n";
    let (code, output) = run_in(&["check"], &prefix(), scheme, &[]);
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("`amqp` does not support `http:` URLs"),
        "{output}"
    );

    let computed = r#"
param port = "99999"
test "t" {
  let broken = amqp("amqp://127.0.0.1:{{port}}")
  amqp publish broken "x" body "x"
}
"#;
    let (code, output) = run(&prefix(), computed);
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("amqp: amqp://127.0.0.1:99999 is not a valid URL: invalid port number"),
        "{output}"
    );
    let at = format!("amqp.rit:{}", line_of(computed, "let broken"));
    assert!(output.contains(&at), "{at}\n---\n{output}");
}

#[test]
fn a_ten_megabyte_message_makes_the_round_trip() {
    let s = prefix();
    let big = vec![b'a'; 10 * 1024 * 1024];
    let body = r#"
test "ten megabytes" {
  let payload = read("big.txt")
  amqp subscribe mq "{{s}}.big" exchange "amq.topic" within 20s {
    amqp publish mq "{{s}}.big" exchange "amq.topic" body payload
  }
  expect len(body) == 10485760
  expect body == payload
}
"#;
    let (code, output) = run_in(&["run"], &s, body, &[("big.txt", big)]);
    assert_eq!(code, Some(0), "{output}");
}

#[test]
fn check_refuses_unknown_clauses_wrong_types_and_fields_amqp_does_not_yield() {
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"amqp publish mq "a" exchang "x""#,
            "E0401",
            "did you mean `exchange`?",
        ),
        (
            r#"amqp publish mq "a" body 5"#,
            "E0314",
            "`body` takes a string or a bytes",
        ),
        (
            r#"amqp publish mq "a" exchange 5"#,
            "E0314",
            "`exchange` takes a string",
        ),
        (
            r#"amqp publish mq "a" properties { colour: "red" }"#,
            "E0401",
            "`colour` is no AMQP message property",
        ),
        (
            r#"amqp publish mq "a" until json.id == 1"#,
            "E0401",
            "`amqp publish` steps take no `until`",
        ),
        (
            r#"amqp subscribe mq "a" exchange "x" persistent within 1s"#,
            "E0401",
            "`amqp subscribe` steps take no `persistent`",
        ),
        (
            r#"amqp request mq "a" mandatory"#,
            "E0401",
            "`amqp request` steps take no `mandatory`",
        ),
        (
            r#"amqp consume mq "a" exchange "x" within 1s"#,
            "E0401",
            "`amqp consume` steps take no `exchange`",
        ),
        (
            r#"amqp subscribe mq "a" within 1s"#,
            "E0419",
            "`amqp subscribe` needs `exchange \"name\"`",
        ),
        (
            r#"amqp silent mq "a" exchange "x""#,
            "E0419",
            "`amqp silent` needs `within D`",
        ),
        (r#"amqp publsh mq "a""#, "E0418", "did you mean `publish`?"),
        (r#"amqp publish mq "a" { }"#, "E0419", "take no block"),
        (
            r#"amqp subscribe mq "a" exchange "x" until json.idd.x == statuss within 1s"#,
            "E0",
            "statuss",
        ),
        (
            r#"amqp publish "amqp://127.0.0.1" "a""#,
            "E0314",
            "the step's target takes an amqp, not a string",
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
  amqp subscribe mq "a" exchange "x" within 1s
  expect status == 200
}
"#;
    let (exit, output) = run_in(&["check"], &prefix(), fields, &[]);
    assert_eq!(exit, Some(1), "{output}");
    assert!(output.contains("E0303"), "{output}");
    assert!(output.contains("does not yield `status`"), "{output}");
    let clean = r#"
test "t" {
  amqp subscribe mq "{{s}}.a" exchange "amq.topic" until json.id == 3 and headers["x"] == "y" within 1s {
    amqp publish mq "{{s}}.a" exchange "amq.topic" json { id: 3 } headers { x: "y" } properties { message_id: "m" } persistent mandatory
  }
  expect json.id == 3
  expect properties.message_id == "m"
  expect redelivered == false
  let reply = amqp request mq "rpc" body "q" within 1s timeout 2s
  expect reply.body == "a"
  let exchange = "amq.topic"
  amqp silent mq "{{s}}.b" exchange exchange within 1s
  expect received == 0
}
"#;
    let (exit, output) = run_in(&["check"], &prefix(), clean, &[]);
    assert_eq!(exit, Some(0), "{output}");
}

#[test]
fn fmt_keeps_amqp_steps_as_written() {
    let source = r#"param amqp_url = "amqp://guest:guest@127.0.0.1:5672/%2f"
let mq = amqp(amqp_url)

test "t" {
  amqp subscribe mq "order.*" exchange "orders" until json.id == 3 within 2s {
    amqp publish mq "order.created" exchange "orders" json { id: 3 } headers { x: "y" } persistent
  }
  amqp silent mq "order.cancelled" exchange "orders" within 1s
  amqp request mq "rpc.echo" body "hi" properties { correlation_id: "c-1" } within 1s
  amqp publish mq "order.stored" exchange "orders" body "x" mandatory
  amqp consume mq "inventory.orders" until json.id == 3 within 1s
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

/// The seed's pattern end to end: the demo service publishes `order.created` to
/// RabbitMQ (`EVENTS_URL`) when an order is placed over HTTP, and a `.rit` test
/// sees it, its queue bound before the order is placed.
#[test]
fn an_order_placed_over_http_is_seen_on_rabbitmq() {
    let s = prefix();
    let body = format!(
        r#"
param demo = "{demo}"
param port = {port}
param inventory_port = {inventory_port}
param base = "http://127.0.0.1:{{{{port}}}}"
param inventory = "http://127.0.0.1:{{{{inventory_port}}}}"
param db_url = "sqlite://{{{{temp_dir()}}}}/demo.db?mode=rwc"

service inventory_api = "{{{{demo}}}} inventory --port {{{{inventory_port}}}}" {{
  ready http "{{{{inventory}}}}/health" within 60s
}}

service api = "{{{{demo}}}} serve --port {{{{port}}}} --inventory-url {{{{inventory}}}}" {{
  env {{ DATABASE_URL: db_url, EVENTS_URL: amqp_url }}
  ready http "{{{{base}}}}/health" within 60s
}}

test "an order is announced" {{
  let product = "gadget-{{{{s}}}}"
  amqp subscribe mq "order.created" exchange "amq.topic" until json.product == product within 5s {{
    POST "{{{{base}}}}/api/orders" json {{ product: product, quantity: 3 }}
    expect status == 201
  }}
  expect json.quantity == 3
  expect json.orderId exists
  expect properties.content_type == "application/json"
  expect properties.delivery_mode == 2
}}
"#,
        demo = common::demo::demo_binary().display(),
        port = common::ports::free_port(),
        inventory_port = common::ports::free_port(),
    );
    let (code, output) = run(&s, &body);
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("1 passed"), "{output}");
}
