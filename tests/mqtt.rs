//! `mqtt` steps end to end: the real `ritc` binary on `.rit` files against the
//! Mosquitto broker of this machine (mqtt://127.0.0.1:1883). Each test uses
//! topics under its own random prefix, so tests running at once never see each
//! other's messages.

use std::process::Command;

mod common;
use common::broker_file::BrokerFile;
use common::suite::{ritc, text};

const MQTT_URL: &str = "mqtt://127.0.0.1:1883";

/// A random topic prefix (`ritc/<uuid>`).
fn prefix() -> String {
    format!("ritc/{}", uuid::Uuid::new_v4().simple())
}

const HEADER: &str = r#"param mqtt_url = "mqtt://127.0.0.1:1883"
param t = "ritc/test"
let broker = mqtt(mqtt_url)
"#;

const FILE: BrokerFile = BrokerFile {
    name: "mqtt.rit",
    header: HEADER,
    prefix_param: "t",
};

fn run_in(args: &[&str], t: &str, body: &str, files: &[(&str, Vec<u8>)]) -> (Option<i32>, String) {
    FILE.run_in(args, t, body, files)
}

fn run(t: &str, body: &str) -> (Option<i32>, String) {
    FILE.run(t, body)
}

fn line_of(body: &str, needle: &str) -> usize {
    FILE.line_of(body, needle)
}

#[test]
fn messages_arrive_at_each_qos_with_their_topic_and_json() {
    let t = prefix();
    let body = r#"
test "qos 0, 1 and 2" {
  mqtt subscribe broker "{{t}}/orders/+" qos 2 until json.id == 3 within 3s {
    mqtt publish broker "{{t}}/orders/a" json { id: 1 } qos 0
    mqtt publish broker "{{t}}/orders/b" json { id: 2 } qos 1
    mqtt publish broker "{{t}}/orders/c" json { id: 3 } qos 2
  }
  expect topic == "{{t}}/orders/c"
  expect json.id == 3
  expect body == "{\"id\":3}"
  expect qos == 2
  expect not retain
  expect not dup
  expect received == 3
}
"#;
    let (code, output) = run(&t, body);
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("1 passed"), "{output}");
}

#[test]
fn a_retained_message_reaches_a_later_subscriber_flagged_retained() {
    let t = prefix();
    let body = r#"
test "retained" {
  mqtt publish broker "{{t}}/state" body "on" qos 1 retain
  mqtt subscribe broker "{{t}}/state" within 2s
  expect body == "on"
  expect retain
  mqtt publish broker "{{t}}/state" body "" qos 1 retain
}
"#;
    let (code, output) = run(&t, body);
    assert_eq!(code, Some(0), "{output}");
}

#[test]
fn the_deadline_names_how_many_messages_arrived_and_the_last_one_at_the_step() {
    let t = prefix();
    let body = r#"
test "never the ninth" {
  mqtt subscribe broker "{{t}}/n" qos 1 until json.n == 9 within 300ms {
    mqtt publish broker "{{t}}/n" json { n: 1 } qos 1
    mqtt publish broker "{{t}}/n" json { n: 2 } qos 1
  }
  expect json.n == 9
}
test "nothing at all" {
  mqtt subscribe broker "{{t}}/quiet" within 200ms
}
"#;
    let (code, output) = run(&t, body);
    assert_eq!(code, Some(1), "{output}");
    let expected = format!(
        "no message on `{t}/n` satisfied `until json.n == 9` within 300ms: 2 messages arrived, the last on `{t}/n`: {{\"n\":2}}"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
    let at = format!("mqtt.rit:{}", line_of(body, "until json.n == 9"));
    assert!(output.contains(&at), "{at}\n---\n{output}");
    let quiet = format!("no message on `{t}/quiet` within 200ms (MQTT broker at {MQTT_URL})");
    assert!(output.contains(&quiet), "{quiet}\n---\n{output}");
    assert!(output.contains("0 passed, 2 failed"), "{output}");
}

#[test]
fn silent_passes_when_nothing_matching_arrives_and_fails_naming_what_did() {
    let t = prefix();
    let body = r#"
test "nothing cancelled" {
  mqtt silent broker "{{t}}/cancelled" within 300ms {
    mqtt publish broker "{{t}}/created" body "x" qos 1
  }
  expect received == 0
}
test "the second was cancelled" {
  mqtt silent broker "{{t}}/cancel/#" qos 1 until json.id == 2 within 2s {
    mqtt publish broker "{{t}}/cancel/a" json { id: 1 } qos 1
    mqtt publish broker "{{t}}/cancel/b" json { id: 2 } qos 1
  }
}
"#;
    let (code, output) = run(&t, body);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("1 passed, 1 failed"), "{output}");
    let expected = format!(
        "a message arrived within 2s where none should: on `{t}/cancel/b`: {{\"id\":2}} (the 2nd that arrived)"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
}

#[test]
fn a_ten_megabyte_message_makes_the_round_trip() {
    let t = prefix();
    let big = vec![b'a'; 10 * 1024 * 1024];
    let body = r#"
test "ten megabytes" {
  let payload = read("big.txt")
  mqtt subscribe broker "{{t}}/big" qos 1 within 10s {
    mqtt publish broker "{{t}}/big" body payload qos 1
  }
  expect len(body) == 10485760
  expect body == payload
}
"#;
    let (code, output) = run_in(&["run"], &t, body, &[("big.txt", big)]);
    assert_eq!(code, Some(0), "{output}");
}

/// QoS 1 redelivery, as the broker does it: a plain client with a persistent
/// session receives a QoS 1 message and leaves without acknowledging it; the
/// broker keeps it for the session and, when ritc resumes the session
/// (`session`), delivers it again flagged `dup`. ritc acknowledges it, so the
/// session holds nothing more: a second resume sees no message.
#[test]
fn a_qos_1_message_never_acknowledged_is_delivered_again_flagged_dup() {
    use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
    let t = prefix();
    let session = format!("ritc-test-{}", uuid::Uuid::new_v4().simple());
    let topic = format!("{t}/orders");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let connect = |clean: bool| {
        let mut options = MqttOptions::new(session.clone(), "127.0.0.1", 1883);
        options.set_clean_session(clean).set_manual_acks(true);
        AsyncClient::new(options, 16)
    };
    runtime.block_on(async {
        let (client, mut events) = connect(false);
        client.subscribe(&topic, QoS::AtLeastOnce).await.unwrap();
        client
            .publish(&topic, QoS::AtLeastOnce, false, r#"{"id":1}"#)
            .await
            .unwrap();
        // Delivered once, not acknowledged (manual acks, none sent).
        loop {
            if let Event::Incoming(Packet::Publish(message)) = events.poll().await.unwrap() {
                assert!(!message.dup, "{message:?}");
                break;
            }
        }
        client.disconnect().await.unwrap();
        while events.poll().await.is_ok() {}
    });
    let body = format!(
        r#"
test "the broker delivers it again" {{
  mqtt subscribe broker "{{{{t}}}}/orders" qos 1 session "{session}" within 5s
  expect json.id == 1
  expect dup
  expect qos == 1
}}
test "and not after ritc acknowledged it" {{
  mqtt silent broker "{{{{t}}}}/orders" qos 1 session "{session}" within 300ms
  expect received == 0
}}
test "a message seen the first time" {{
  mqtt subscribe broker "{{{{t}}}}/orders" qos 1 session "{session}" within 5s {{
    mqtt publish broker "{{{{t}}}}/orders" json {{ id: 2 }} qos 1
  }}
  expect json.id == 2
  expect dup == true
}}
"#
    );
    let (code, output) = run(&t, &body);
    // The session ends: a clean connection with its id discards it.
    runtime.block_on(async {
        let (client, mut events) = connect(true);
        loop {
            if let Event::Incoming(Packet::ConnAck(_)) = events.poll().await.unwrap() {
                break;
            }
        }
        client.disconnect().await.unwrap();
        while events.poll().await.is_ok() {}
    });
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("2 passed, 1 failed"), "{output}");
    let first = format!("mqtt.rit:{}", line_of(&body, "expect dup == true"));
    assert!(output.contains(&first), "{first}\n---\n{output}");
    assert!(
        output.contains("error: dup == true: dup was false"),
        "{output}"
    );
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
  let down = mqtt("mqtt://app:sekrit@127.0.0.1:{port}")
  mqtt publish down "{{{{t}}}}/x" body "x"
}}
"#
    );
    let (code, output) = run(&prefix(), &body);
    assert_eq!(code, Some(1), "{output}");
    let expected = format!(
        "cannot connect to MQTT at mqtt://app:***@127.0.0.1:{port}: connection refused (is the broker running, on this port?)"
    );
    assert!(output.contains(&expected), "{expected}\n---\n{output}");
    let at = format!("mqtt.rit:{}", line_of(&body, "mqtt publish down"));
    assert!(output.contains(&at), "{at}\n---\n{output}");
    assert!(!output.contains("sekrit"), "{output}");
}

#[test]
fn a_malformed_url_is_refused_by_check_when_literal_and_at_run_time_otherwise() {
    let literal = "\nlet broken = mqtt(\"mqtt://app:sekrit@127.0.0.1:99999\")\n";
    let (code, output) = run_in(&["check"], &prefix(), literal, &[]);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("E0407"), "{output}");
    assert!(
        output.contains("mqtt: mqtt://***@127.0.0.1:99999 is not a valid URL: invalid port number"),
        "{output}"
    );
    // The source line is the author's own; the message shows no password.
    let message = output.lines().find(|line| line.starts_with("error[E0407]"));
    assert!(
        message.is_some_and(|line| !line.contains("sekrit")),
        "{output}"
    );
    let computed = r#"
param port = "99999"
test "t" {
  let broken = mqtt("mqtt://app:sekrit@127.0.0.1:{{port}}")
  mqtt publish broken "x" body "x"
}
"#;
    let (code, output) = run(&prefix(), computed);
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("mqtt: mqtt://***@127.0.0.1:99999 is not a valid URL: invalid port number"),
        "{output}"
    );
    let at = format!("mqtt.rit:{}", line_of(computed, "let broken"));
    assert!(output.contains(&at), "{at}\n---\n{output}");
    let message = output
        .lines()
        .find(|line| line.contains("is not a valid URL"));
    assert!(
        message.is_some_and(|line| !line.contains("sekrit")),
        "{output}"
    );
}

/// The broker's own word on whether some session is subscribed to a topic,
/// asked from inside a run. Mosquitto answers an MQTT 5 QoS 1 publish with the
/// PUBACK reason "no matching subscribers" (16) when no session has a
/// subscription that matches its topic, and with success when one has. The
/// responder asked by a message on `PREFIX/probe/NAME` publishes once to
/// `PREFIX/NAME` and answers on `PREFIX/verdict/NAME` with "no subscriber" or
/// "subscribed". (`$SYS/broker/subscriptions/count` would say it too, but for
/// the whole broker, which other tests share, and only every `sys_interval`.)
struct SubscriberProbe {
    _runtime: tokio::runtime::Runtime,
}

const ASK: &str = r#"
fn subscribed(name: string) -> string {
  mqtt subscribe broker "{{t}}/verdict/{{name}}" qos 1 within 5s {
    mqtt publish broker "{{t}}/probe/{{name}}" body "?" qos 1
  }
  return body
}
"#;

impl SubscriberProbe {
    fn start(t: &str) -> SubscriberProbe {
        use rumqttc::Outgoing;
        use rumqttc::v5::mqttbytes::QoS;
        use rumqttc::v5::mqttbytes::v5::{Packet, PubAckReason};
        use rumqttc::v5::{AsyncClient, Event, MqttOptions};
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let t = t.to_string();
        runtime.block_on(async move {
            let id = format!("probe-{}", uuid::Uuid::new_v4().simple());
            let (client, mut events) =
                AsyncClient::new(MqttOptions::new(id, "127.0.0.1", 1883), 16);
            client
                .subscribe(format!("{t}/probe/+"), QoS::AtLeastOnce)
                .await
                .unwrap();
            loop {
                if let Event::Incoming(Packet::SubAck(_)) = events.poll().await.unwrap() {
                    break;
                }
            }
            tokio::spawn(async move {
                // The names asked, in the order their publishes go out, then by
                // packet id until the broker acknowledges each.
                let mut unsent = std::collections::VecDeque::new();
                let mut by_packet = std::collections::HashMap::new();
                while let Ok(event) = events.poll().await {
                    match event {
                        Event::Incoming(Packet::Publish(asked)) => {
                            let topic = String::from_utf8_lossy(&asked.topic).into_owned();
                            let Some(name) = topic.strip_prefix(&format!("{t}/probe/")) else {
                                continue;
                            };
                            unsent.push_back(name.to_string());
                            let probed = format!("{t}/{name}");
                            client
                                .publish(probed, QoS::AtLeastOnce, false, "probe")
                                .await
                                .unwrap();
                        }
                        // Verdicts go at QoS 0, with no packet id.
                        Event::Outgoing(Outgoing::Publish(packet)) if packet != 0 => {
                            if let Some(name) = unsent.pop_front() {
                                by_packet.insert(packet, name);
                            }
                        }
                        Event::Incoming(Packet::PubAck(ack)) => {
                            let Some(name) = by_packet.remove(&ack.pkid) else {
                                continue;
                            };
                            let verdict = match ack.reason {
                                PubAckReason::NoMatchingSubscribers => "no subscriber",
                                PubAckReason::Success => "subscribed",
                                _ => "the broker refused the probe",
                            };
                            client
                                .publish(
                                    format!("{t}/verdict/{name}"),
                                    QoS::AtMostOnce,
                                    false,
                                    verdict,
                                )
                                .await
                                .unwrap();
                        }
                        _ => {}
                    }
                }
            });
        });
        SubscriberProbe { _runtime: runtime }
    }
}

/// A step's subscription is gone from the broker when the step ends, however
/// it ends (the broker says so: `SubscriberProbe`); inside the block, where it
/// is open, the same question finds it.
#[test]
fn a_subscription_is_removed_from_the_broker_on_every_exit_path() {
    let t = prefix();
    let _probe = SubscriberProbe::start(&t);
    let body = format!(
        r#"{ASK}
test "timed out" {{
  mqtt subscribe broker "{{{{t}}}}/a" qos 1 within 200ms
}}
test "then a" {{
  expect subscribed("a") == "no subscriber"
}}
test "its block failed" {{
  mqtt subscribe broker "{{{{t}}}}/b" qos 1 within 2s {{
    expect 1 == 2
  }}
}}
test "then b" {{
  expect subscribed("b") == "no subscriber"
}}
test "passed" {{
  mqtt subscribe broker "{{{{t}}}}/c" qos 1 within 2s {{
    mqtt publish broker "{{{{t}}}}/c" body "x" qos 1
  }}
}}
test "then c" {{
  expect subscribed("c") == "no subscriber"
}}
test "silent" {{
  mqtt silent broker "{{{{t}}}}/d" qos 1 within 200ms
}}
test "then d" {{
  expect subscribed("d") == "no subscriber"
}}
test "open" {{
  mqtt subscribe broker "{{{{t}}}}/e" within 2s {{
    expect subscribed("e") == "subscribed"
  }}
}}
"#
    );
    let (code, output) = run(&t, &body);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("7 passed, 2 failed"), "{output}");
    assert!(output.contains("no message on"), "{output}");
    assert!(!output.contains("subscribed(\""), "{output}");
}

/// Ctrl-C while a subscription waits: the run is interrupted, and the broker
/// has no subscription left (asked as above).
#[test]
fn a_subscription_is_removed_from_the_broker_after_ctrl_c() {
    let t = prefix();
    let _probe = SubscriberProbe::start(&t);
    let waiting = FILE.start(
        &t,
        r#"
test "waits" {
  mqtt subscribe broker "{{t}}/held" qos 1 until json.id == 0 within 60s
}
"#,
    );
    let probe = format!(
        r#"{ASK}
test "probe" {{
  expect subscribed("held") == "no subscriber"
}}
"#
    );
    let (code, output) = FILE.interrupt_when_seen(waiting, &t, &probe, |code, output| {
        code == Some(1) && output.contains(r#""subscribed""#)
    });
    assert_eq!(code, Some(0), "{output}");
}

#[test]
fn check_refuses_what_mqtt_steps_do_not_take() {
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"mqtt publish broker "a" retian"#,
            "E0401",
            "did you mean `retain`?",
        ),
        (
            r#"mqtt publish broker "a" qos 3"#,
            "E0314",
            "MQTT has no QoS 3",
        ),
        (
            r#"mqtt publish broker "a" until json.id == 1"#,
            "E0401",
            "`mqtt publish` steps take no `until`",
        ),
        (
            r#"mqtt subscribe broker "a" retain within 1s"#,
            "E0401",
            "`mqtt subscribe` steps take no `retain`",
        ),
        (
            r#"mqtt publish broker "a" session "inventory""#,
            "E0401",
            "`mqtt publish` steps take no `session`",
        ),
        (
            r#"mqtt silent broker "a""#,
            "E0419",
            "`mqtt silent` needs `within D`",
        ),
        (
            r#"mqtt request broker "a""#,
            "E0418",
            "`mqtt` steps have no operation `request`",
        ),
        (
            r#"mqtt publish broker "a" qos "1""#,
            "E0314",
            "`qos` takes an int",
        ),
    ];
    for (step, code, words) in cases {
        let body = format!("\ntest \"t\" {{\n  {step}\n}}\n");
        let (exit, output) = run_in(&["check"], &prefix(), &body, &[]);
        assert_eq!(exit, Some(1), "{step}\n---\n{output}");
        assert!(output.contains(code), "{step}: {code}\n---\n{output}");
        assert!(output.contains(words), "{step}: {words}\n---\n{output}");
    }
    let fields =
        "\ntest \"t\" {\n  mqtt subscribe broker \"a\" within 1s\n  expect subject == \"a\"\n}\n";
    let (exit, output) = run_in(&["check"], &prefix(), fields, &[]);
    assert_eq!(exit, Some(1), "{output}");
    assert!(output.contains("E0303"), "{output}");
}

#[test]
fn fmt_keeps_mqtt_steps_as_written() {
    let source = r#"let broker = mqtt("mqtt://127.0.0.1:1883")

test "t" {
  mqtt subscribe broker "orders/+" qos 1 until json.id == 3 within 2s {
    mqtt publish broker "orders/created" json { id: 3 } qos 1 retain
  }
  mqtt silent broker "orders/cancelled" within 1s
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
