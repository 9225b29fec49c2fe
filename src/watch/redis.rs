//! The Redis sampler: `INFO` on a connection of its own (RESP2, short timeouts)
//! at each sample: `used_memory` against `maxmemory`, `connected_clients`
//! against `maxclients` (its own connection left out), and whether
//! `evicted_keys` grew since the first reading. A server without a
//! `maxmemory` has no memory limit to come near.

use super::peak::{Peak, keep_highest, millis, when, whole_percent};
use super::warning::{ResourceKind, ResourceWarning, WARNING_PERCENT};
use super::watcher::{CONNECT_TIMEOUT, QUERY_TIMEOUT, Sampler};
use crate::units::binary_size;
use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use std::collections::HashMap;
use std::time::Duration;

pub struct RedisSampler {
    url: String,
    /// The URL as printed: its password hidden.
    shown: String,
    connection: Option<MultiplexedConnection>,
    memory: Option<Peak>,
    clients: Option<Peak>,
    /// `evicted_keys` at the first reading, and the latest with when it first
    /// went past the first.
    evicted_first: Option<u64>,
    evicted_last: u64,
    evicted_since: Option<Duration>,
}

impl RedisSampler {
    pub fn new(url: &str) -> RedisSampler {
        RedisSampler {
            url: url.to_string(),
            shown: crate::value::hide_password(url),
            connection: None,
            memory: None,
            clients: None,
            evicted_first: None,
            evicted_last: 0,
            evicted_since: None,
        }
    }

    async fn connect(&mut self) -> Option<MultiplexedConnection> {
        if let Some(connection) = &self.connection {
            return Some(connection.clone());
        }
        let client = redis::Client::open(self.url.as_str()).ok()?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(QUERY_TIMEOUT));
        let opening = client.get_multiplexed_async_connection_with_config(&config);
        let connection = tokio::time::timeout(CONNECT_TIMEOUT, opening)
            .await
            .ok()?
            .ok()?;
        self.connection = Some(connection.clone());
        Some(connection)
    }

    /// One `INFO`, and when it was sent (since the run started): the moment
    /// its figures are of, whatever connecting or the answer's way back took.
    async fn read(&mut self, at: impl Fn() -> Duration) -> Option<(Info, Duration)> {
        let mut connection = self.connect().await?;
        let sent = at();
        let info = tokio::time::timeout(
            QUERY_TIMEOUT,
            redis::cmd("INFO").query_async::<String>(&mut connection),
        )
        .await;
        match info {
            Ok(Ok(text)) => {
                let mut info = Info::parse(&text);
                if info.maxclients.is_none() {
                    // Before Redis 7 `INFO` does not say it; CONFIG may be renamed away.
                    let answer = tokio::time::timeout(
                        QUERY_TIMEOUT,
                        redis::cmd("CONFIG")
                            .arg("GET")
                            .arg("maxclients")
                            .query_async::<Vec<String>>(&mut connection),
                    )
                    .await;
                    if let Ok(Ok(pair)) = answer {
                        info.maxclients = pair.get(1).and_then(|value| value.parse().ok());
                    }
                }
                Some((info, sent))
            }
            _ => {
                // A broken or slow connection: the next sample opens another.
                self.connection = None;
                None
            }
        }
    }

    fn observe(&mut self, info: &Info, at: Duration) {
        if let (Some(used), Some(limit)) = (info.used_memory, info.maxmemory) {
            keep_highest(&mut self.memory, used, limit, at);
        }
        if let (Some(clients), Some(limit)) = (info.connected_clients, info.maxclients) {
            // This sampler's own connection is not the suite's.
            keep_highest(&mut self.clients, clients.saturating_sub(1), limit, at);
        }
        if let Some(evicted) = info.evicted_keys {
            let first = *self.evicted_first.get_or_insert(evicted);
            if evicted > first && self.evicted_since.is_none() {
                self.evicted_since = Some(at);
            }
            self.evicted_last = evicted;
        }
    }
}

impl Sampler for RedisSampler {
    async fn sample(&mut self, at: impl Fn() -> Duration + Send) {
        if let Some((info, sent)) = self.read(at).await {
            self.observe(&info, sent);
        }
    }

    async fn stop(&mut self) {
        // Dropping the multiplexed connection closes it.
        self.connection = None;
    }

    fn warnings(self, during: &dyn Fn(Duration) -> String) -> Vec<ResourceWarning> {
        let mut warnings = Vec::new();
        if let Some(peak) = self.memory.filter(|peak| peak.percent() >= WARNING_PERCENT) {
            warnings.push(ResourceWarning {
                kind: ResourceKind::RedisMemory,
                target: self.shown.clone(),
                percent: Some(peak.percent()),
                at_ms: millis(peak.at),
                message: format!(
                    "Redis memory usage at {} {}: used_memory {} of maxmemory {} on {}, {} (warning from {})",
                    whole_percent(peak.percent()),
                    during(peak.at),
                    binary_size(peak.used),
                    binary_size(peak.limit),
                    self.shown,
                    when(peak.at),
                    whole_percent(WARNING_PERCENT)
                ),
            });
        }
        if let Some(peak) = self
            .clients
            .filter(|peak| peak.percent() >= WARNING_PERCENT)
        {
            warnings.push(ResourceWarning {
                kind: ResourceKind::RedisClients,
                target: self.shown.clone(),
                percent: Some(peak.percent()),
                at_ms: millis(peak.at),
                message: format!(
                    "Redis connected clients at {} of maxclients {}: {} of {} on {}, {} (warning from {})",
                    whole_percent(peak.percent()),
                    during(peak.at),
                    peak.used,
                    peak.limit,
                    self.shown,
                    when(peak.at),
                    whole_percent(WARNING_PERCENT)
                ),
            });
        }
        if let (Some(first), Some(since)) = (self.evicted_first, self.evicted_since) {
            let evicted = self.evicted_last.saturating_sub(first);
            warnings.push(ResourceWarning {
                kind: ResourceKind::RedisEvictions,
                target: self.shown.clone(),
                percent: None,
                at_ms: millis(since),
                message: format!(
                    "Redis evicted {evicted} key{} {} on {} (evicted_keys {first} → {}), the first {}: its maxmemory was reached and data the tests wrote may be gone",
                    if evicted == 1 { "" } else { "s" },
                    during(since),
                    self.shown,
                    self.evicted_last,
                    when(since)
                ),
            });
        }
        warnings
    }
}

/// The fields of `INFO` a sample reads.
#[derive(Debug, Default, PartialEq)]
struct Info {
    used_memory: Option<u64>,
    /// None when it is 0 (no limit).
    maxmemory: Option<u64>,
    connected_clients: Option<u64>,
    maxclients: Option<u64>,
    evicted_keys: Option<u64>,
}

impl Info {
    fn parse(text: &str) -> Info {
        let fields: HashMap<&str, &str> = text
            .lines()
            .filter_map(|line| line.trim_end().split_once(':'))
            .collect();
        let number = |name: &str| fields.get(name).and_then(|value| value.parse::<u64>().ok());
        Info {
            used_memory: number("used_memory"),
            maxmemory: number("maxmemory").filter(|limit| *limit > 0),
            connected_clients: number("connected_clients"),
            maxclients: number("maxclients").filter(|limit| *limit > 0),
            evicted_keys: number("evicted_keys"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &str = "# Memory\r\nused_memory:7340032\r\nused_memory_human:7.00M\r\nmaxmemory:8388608\r\n# Clients\r\nconnected_clients:3\r\nmaxclients:10000\r\n# Stats\r\nevicted_keys:0\r\n";

    #[test]
    fn info_is_read_by_field() {
        let info = Info::parse(INFO);
        assert_eq!(info.used_memory, Some(7_340_032));
        assert_eq!(info.maxmemory, Some(8_388_608));
        assert_eq!(info.connected_clients, Some(3));
        assert_eq!(info.maxclients, Some(10_000));
        assert_eq!(info.evicted_keys, Some(0));
        assert_eq!(Info::parse("maxmemory:0\r\n").maxmemory, None);
    }

    #[test]
    fn memory_near_its_limit_and_evictions_are_warnings_with_their_figures() {
        let mut sampler = RedisSampler::new("redis://:hunter22@127.0.0.1:6390");
        sampler.observe(&Info::parse(INFO), Duration::from_millis(1200));
        let mut more = Info::parse(INFO);
        more.used_memory = Some(1_000_000);
        more.evicted_keys = Some(12);
        sampler.observe(&more, Duration::from_millis(1500));
        // The memory peak came while a load ran, the evictions after it: each
        // says when it was reached in the seed's words.
        let loads = [super::super::warning::LoadWindow {
            from: Duration::from_millis(1000),
            to: Duration::from_millis(1300),
            name: "`load GET http://127.0.0.1:8080/` (cache.rit:9)".to_string(),
        }];
        let warnings = sampler.warnings(&|at| super::super::warning::during(&loads, at));
        let messages: Vec<&str> = warnings
            .iter()
            .map(|warning| warning.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "Redis memory usage at 87% during load test `load GET http://127.0.0.1:8080/` (cache.rit:9): used_memory 7.0 MiB of maxmemory 8.0 MiB on redis://:***@127.0.0.1:6390, at 1.2s into the run (warning from 80%)",
                "Redis evicted 12 keys during the run on redis://:***@127.0.0.1:6390 (evicted_keys 0 → 12), the first at 1.5s into the run: its maxmemory was reached and data the tests wrote may be gone",
            ]
        );
    }

    #[test]
    fn memory_below_the_threshold_and_no_limit_say_nothing() {
        let mut sampler = RedisSampler::new("redis://127.0.0.1:6390");
        let mut info = Info::parse(INFO);
        info.used_memory = Some(6_000_000);
        sampler.observe(&info, Duration::from_millis(100));
        info.maxmemory = None;
        info.used_memory = Some(60_000_000);
        sampler.observe(&info, Duration::from_millis(200));
        assert_eq!(
            sampler.warnings(&|at| super::super::warning::during(&[], at)),
            []
        );
    }
}
