//! Loads of messages (`load nats publish …`, `load mqtt publish …`, `load amqp
//! publish …`, `load nats request …`; docs/load.md, "Loads of messages") end to
//! end: the real `ritc` binary against the brokers of this machine (NATS with
//! JetStream on 127.0.0.1:4222, Mosquitto on 1883, RabbitMQ on 5672). What is
//! checked is counts, never timings: a load at R per second for D sends R·D
//! messages and a subscriber of the test's own (the same client crates) counts
//! every one of them; a broker that refuses every message, a threshold that
//! cannot hold and a broker that is down each fail the run, saying so; two
//! runs' records merged add up exactly.

use futures_util::StreamExt;
use hdrhistogram::Histogram;
use ritc::steps::load::histogram;
use serde_json::Value as Json;
use std::time::Duration;

mod common;
use common::suite::{Suite, text};

const NATS_URL: &str = "nats://127.0.0.1:4222";
const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// A name of the test's own (`ritc.<uuid>`), so tests running at once never see
/// each other's messages.
fn unique(separator: &str) -> String {
    format!("ritc{separator}{}", uuid::Uuid::new_v4().simple())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `source` as `load.rit` with a JSON report: the exit code, the output,
/// and the report.
fn run(suite: &Suite, source: &str) -> (Option<i32>, String, Json) {
    suite.file("load.rit", source);
    let output = suite.run(&["load.rit", "--report", "json=report.json"]);
    let report = std::fs::read_to_string(suite.dir.path().join("report.json"))
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap_or(Json::Null);
    (output.status.code(), text(&output), report)
}

/// The first load record of the report's first test.
fn load_record(report: &Json) -> &Json {
    &report["tests"][0]["loads"][0]
}

/// Counts the messages that arrive on a NATS subject until the returned handle
/// is asked, after `quiet` without one.
fn count_nats(rt: &tokio::runtime::Runtime, subject: &str) -> tokio::task::JoinHandle<u64> {
    let subject = subject.to_string();
    let (client, mut messages) = rt.block_on(async move {
        let client = async_nats::connect(NATS_URL).await.unwrap();
        let messages = client.subscribe(subject).await.unwrap();
        client.flush().await.unwrap();
        (client, messages)
    });
    rt.spawn(async move {
        let _client = client;
        let mut count = 0;
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_secs(3), messages.next()).await
        {
            count += 1;
        }
        count
    })
}

#[test]
fn a_nats_load_at_a_rate_sends_rate_times_duration_and_every_message_arrives() {
    let subject = unique(".");
    let rt = runtime();
    let counted = count_nats(&rt, &subject);
    let suite = Suite::new();
    let (code, output, report) = run(
        &suite,
        &format!(
            r#"let bus = nats("{NATS_URL}")
test "publish at a rate" {{
  load nats publish bus "{subject}" json {{ id: 7 }} {{
    rate 200 per 1s
    duration 2s
  }}
  expect requests + dropped == 400
  expect dropped == 0
  expect failed == 0
  expect success_rate == 100%
  expect latency.p99 > 0s
}}
"#
        ),
    );
    assert_eq!(code, Some(0), "{output}");
    let record = load_record(&report);
    assert_eq!(record["requests"], 400, "{record}");
    // A message has no status: the map stays empty.
    assert_eq!(record["statuses"], serde_json::json!({}), "{record}");
    let histogram = histogram::latencies(record).unwrap().histogram;
    assert_eq!(histogram.len(), 400);
    assert_eq!(rt.block_on(counted).unwrap(), 400, "{output}");
}

/// Stages and `abort when` work for a load of messages as for HTTP: 0 → 100/s
/// over 1s, then 50/s for 1s, sends exactly 100 messages (every one arrives);
/// a threshold that holds stops a 60 s load long before its end.
#[test]
fn a_nats_load_follows_its_stages_and_stops_when_its_threshold_holds() {
    let staged = unique(".");
    let stopped = unique(".");
    let rt = runtime();
    let counted = count_nats(&rt, &staged);
    let stopped_count = count_nats(&rt, &stopped);
    let suite = Suite::new();
    let (code, output, report) = run(
        &suite,
        &format!(
            r#"let bus = nats("{NATS_URL}")
test "staged" {{
  load nats publish bus "{staged}" json {{ id: 7 }} {{
    rate 100 per 1s
    stages {{
      1s to 100
      1s at 50
    }}
  }}
  expect requests + dropped == 100
  expect failed == 0
}}
test "stopped" {{
  load nats publish bus "{stopped}" json {{ id: 8 }} {{
    rate 100 per 1s
    duration 60s
    abort when requests >= 50 after 1s
  }}
  expect failed == 0
}}
"#
        ),
    );
    assert_eq!(code, Some(1), "{output}");
    let tests = report["tests"].as_array().cloned().unwrap_or_default();
    assert_eq!(tests[0]["status"], "passed", "{output}");
    assert_eq!(tests[1]["failure"]["cause"], "load_aborted", "{output}");
    assert_eq!(rt.block_on(counted).unwrap(), 100, "{output}");
    let sent = rt.block_on(stopped_count).unwrap();
    assert!((50..3_000).contains(&sent), "{sent} messages: {output}");
}

#[test]
fn a_nats_request_load_measures_round_trips_and_no_responder_fails_each_request() {
    let subject = unique(".");
    let rt = runtime();
    let (client, mut requests) = rt.block_on(async {
        let client = async_nats::connect(NATS_URL).await.unwrap();
        let requests = client.subscribe(subject.clone()).await.unwrap();
        client.flush().await.unwrap();
        (client, requests)
    });
    let answered = rt.spawn(async move {
        let mut count = 0u64;
        while let Ok(Some(request)) =
            tokio::time::timeout(Duration::from_secs(3), requests.next()).await
        {
            count += 1;
            if let Some(to) = request.reply {
                client.publish(to, "pong!".into()).await.unwrap();
            }
        }
        count
    });
    let suite = Suite::new();
    let (code, output, report) = run(
        &suite,
        &format!(
            r#"let bus = nats("{NATS_URL}")
test "round trips" {{
  load nats request bus "{subject}" body "ping" {{
    rate 100 per 1s
    duration 1s
  }}
  expect requests == 100
  expect succeeded == 100
  expect bytes == 500B
}}
test "nobody answers" {{
  load nats request bus "{subject}.nobody" body "ping" timeout 2s {{
    rate 50 per 1s
    duration 1s
  }}
  expect success_rate > 0%
}}
"#
        ),
    );
    assert_eq!(code, Some(1), "{output}");
    assert_eq!(rt.block_on(answered).unwrap(), 100, "{output}");
    let tests = report["tests"].as_array().unwrap();
    assert_eq!(tests[0]["status"], "passed", "{output}");
    assert_eq!(tests[1]["status"], "failed", "{output}");
    let nobody = &tests[1]["loads"][0];
    assert_eq!(nobody["requests"], 50, "{nobody}");
    assert_eq!(nobody["failed"], 50, "{nobody}");
    assert_eq!(nobody["errors"]["refused"], 50, "{nobody}");
    // The failed expectation is explained with the load's summary.
    assert!(output.contains("load: 50 requests, 50 failed"), "{output}");
}

#[test]
fn a_threshold_that_cannot_hold_fails_with_the_load_summary() {
    let subject = unique(".");
    let suite = Suite::new();
    let (code, output, _) = run(
        &suite,
        &format!(
            r#"let bus = nats("{NATS_URL}")
test "too fast to be true" {{
  load nats publish bus "{subject}" body "x" {{
    rate 50 per 1s
    duration 1s
  }}
  expect succeeded == 50
  expect latency.max < 0.001ms
}}
"#
        ),
    );
    // Every message went out and was flushed, and none in under a microsecond
    // (a write and the server's read of it take longer).
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("latency.max"), "{output}");
    assert!(output.contains("load: 50 requests, 0 failed"), "{output}");
}

#[test]
fn a_jetstream_load_is_acked_by_the_stream_and_stored_once_each() {
    let subject = unique(".");
    let stream_name = subject.replace('.', "_");
    let rt = runtime();
    let context = rt.block_on(async {
        let client = async_nats::connect(NATS_URL).await.unwrap();
        let context = async_nats::jetstream::new(client);
        context
            .create_stream(async_nats::jetstream::stream::Config {
                name: stream_name.clone(),
                subjects: vec![subject.clone()],
                ..Default::default()
            })
            .await
            .unwrap();
        context
    });
    let suite = Suite::new();
    let (code, output, _) = run(
        &suite,
        &format!(
            r#"let bus = nats("{NATS_URL}")
test "stored" {{
  load nats publish bus "{subject}" json {{ n: 1 }} jetstream {{
    rate 100 per 1s
    duration 1s
  }}
  expect succeeded == 100
  expect failed == 0
}}
"#
        ),
    );
    let stored = rt.block_on(async {
        let mut stream = context.get_stream(&stream_name).await.unwrap();
        let messages = stream.info().await.unwrap().state.messages;
        context.delete_stream(&stream_name).await.unwrap();
        messages
    });
    assert_eq!(code, Some(0), "{output}");
    assert_eq!(stored, 100, "{output}");
}

#[test]
fn an_mqtt_load_at_qos_1_is_received_whole() {
    let topic = unique("/");
    let rt = runtime();
    let (client, mut events) = rt.block_on(async {
        let id = format!("counter-{}", uuid::Uuid::new_v4().simple());
        let mut options = rumqttc::MqttOptions::new(id, "127.0.0.1", 1883);
        options.set_clean_session(true);
        let (client, mut events) = rumqttc::AsyncClient::new(options, 64);
        client
            .subscribe(topic.clone(), rumqttc::QoS::AtLeastOnce)
            .await
            .unwrap();
        // Until the broker has the subscription.
        loop {
            if let rumqttc::Event::Incoming(rumqttc::Packet::SubAck(_)) =
                events.poll().await.unwrap()
            {
                break;
            }
        }
        (client, events)
    });
    let counted = rt.spawn(async move {
        let _client = client;
        let mut count = 0u64;
        while let Ok(Ok(event)) = tokio::time::timeout(Duration::from_secs(3), events.poll()).await
        {
            if let rumqttc::Event::Incoming(rumqttc::Packet::Publish(_)) = event {
                count += 1;
            }
        }
        count
    });
    let suite = Suite::new();
    let (code, output, report) = run(
        &suite,
        &format!(
            r#"let broker = mqtt("mqtt://127.0.0.1:1883")
test "qos 1 at a rate" {{
  load mqtt publish broker "{topic}" json {{ id: 1 }} qos 1 {{
    rate 150 per 1s
    duration 1s
  }}
  expect succeeded == 150
}}
"#
        ),
    );
    assert_eq!(code, Some(0), "{output}");
    assert_eq!(load_record(&report)["requests"], 150);
    assert_eq!(rt.block_on(counted).unwrap(), 150, "{output}");
}

#[test]
fn an_amqp_load_is_confirmed_and_queued_and_a_refused_message_is_counted() {
    use lapin::options::{QueueDeclareOptions, QueueDeleteOptions};
    let queue = unique(".");
    let rt = runtime();
    let (_connection, channel) = rt.block_on(async {
        let connection =
            lapin::Connection::connect(AMQP_URL, lapin::ConnectionProperties::default())
                .await
                .unwrap();
        let channel = connection.create_channel().await.unwrap();
        channel
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions::default(),
                lapin::types::FieldTable::default(),
            )
            .await
            .unwrap();
        (connection, channel)
    });
    let suite = Suite::new();
    let (code, output, report) = run(
        &suite,
        &format!(
            r#"let mq = amqp("{AMQP_URL}")
test "queued" {{
  load amqp publish mq "{queue}" body "x" persistent {{
    rate 100 per 1s
    duration 1s
  }}
  expect succeeded == 100
}}
test "no queue takes it" {{
  load amqp publish mq "{queue}.nowhere" body "x" mandatory {{
    rate 20 per 1s
    duration 1s
  }}
  expect failed == 0
}}
"#
        ),
    );
    let queued = rt.block_on(async {
        let declared = channel
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions {
                    passive: true,
                    ..QueueDeclareOptions::default()
                },
                lapin::types::FieldTable::default(),
            )
            .await
            .unwrap();
        channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await
            .unwrap();
        declared.message_count()
    });
    assert_eq!(queued, 100, "{output}");
    assert_eq!(code, Some(1), "{output}");
    let tests = report["tests"].as_array().unwrap();
    assert_eq!(tests[0]["status"], "passed", "{output}");
    let refused = &tests[1]["loads"][0];
    assert_eq!(refused["errors"]["refused"], 20, "{refused}");
}

#[test]
fn a_broker_that_is_down_fails_the_load_naming_its_url_without_the_password() {
    let port = common::ports::free_port();
    let suite = Suite::new();
    let (code, output, report) = run(
        &suite,
        &format!(
            r#"let bus = nats("nats://user:hunter2@127.0.0.1:{port}")
test "down" {{
  load nats publish bus "ritc.down" body "x" {{
    rate 10 per 1s
    duration 1s
  }}
}}
"#
        ),
    );
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains(&format!(
            "cannot connect to NATS at nats://user:***@127.0.0.1:{port}"
        )),
        "{output}"
    );
    assert!(!output.contains("hunter2"), "{output}");
    assert!(!report.to_string().contains("hunter2"));
}

#[test]
fn two_runs_of_a_load_merged_add_up_exactly() {
    let subject = unique(".");
    let suite = Suite::new();
    suite.file(
        "load.rit",
        &format!(
            r#"let bus = nats("{NATS_URL}")
test "half of the load" {{
  load nats publish bus "{subject}" body "x" {{
    rate 100 per 1s
    duration 1s
  }}
  expect succeeded == 100
}}
"#
        ),
    );
    // Two pods sending the same load: two runs, reported as shards 0/2 and 1/2.
    let mut shards = Vec::new();
    let mut histograms = Vec::new();
    for index in 0..2 {
        let name = format!("shard-{index}.json");
        let output = suite.run(&["load.rit", "--report", &format!("json={name}")]);
        assert!(output.status.success(), "{}", text(&output));
        let path = suite.dir.path().join(&name);
        let mut report: Json =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        report["test_run"]["shard"] = Json::String(format!("{index}/2"));
        std::fs::write(&path, report.to_string()).unwrap();
        histograms.push(
            histogram::latencies(load_record(&report))
                .unwrap()
                .histogram,
        );
        shards.push(path.to_string_lossy().to_string());
    }
    let merged_path = suite.dir.path().join("merged.json");
    let output = std::process::Command::new(common::suite::ritc())
        .args(["merge", &shards[0], &shards[1], "--report"])
        .arg(format!("json={}", merged_path.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let merged: Json =
        serde_json::from_str(&std::fs::read_to_string(&merged_path).unwrap()).unwrap();
    let record = load_record(&merged);
    assert_eq!(record["requests"], 200, "{record}");
    assert_eq!(record["succeeded"], 200, "{record}");
    assert_eq!(record["latency_exact"], true, "{record}");
    let mut both: Histogram<u64> = histograms[0].clone();
    both.add(&histograms[1]).unwrap();
    let counts = |histogram: &Histogram<u64>| {
        histogram
            .iter_recorded()
            .map(|value| (value.value_iterated_to(), value.count_at_value()))
            .collect::<Vec<_>>()
    };
    let merged_histogram = histogram::latencies(record).unwrap().histogram;
    assert_eq!(counts(&merged_histogram), counts(&both));
}
