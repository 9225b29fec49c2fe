//! The watcher of one run: it learns which servers the steps connected to (from
//! the closure the runner gives it, read at each `DISCOVERY_INTERVAL`), starts a
//! sampler task for each on first sight, and at `finish` has each take one last
//! sample and give its warnings. Samplers are tokio tasks that sleep between
//! samples: a load shares the runtime with a few queries a second, no more.

use super::database::{DatabaseSampler, Flavor};
use super::redis::RedisSampler;
use super::warning::{LoadWindow, ResourceWarning};
use crate::types::{ConnectionKind, ServerWatch};
use crate::value::Connection;
use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How long a sampler waits for its server to accept a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a sampler waits for one answer.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(1);
/// How often a sampler reads its server: often enough to see a peak of a short
/// run, seldom enough to cost nothing measurable (benches/load.sh,
/// docs/performance.md).
pub const SAMPLE_INTERVAL: Duration = Duration::from_millis(250);
/// How often the watcher looks for servers the steps connected to since.
const DISCOVERY_INTERVAL: Duration = Duration::from_millis(100);
/// The most `finish` waits for the last samples; a server that stopped
/// answering is then left out.
const FINISH_TIMEOUT: Duration = Duration::from_secs(3);

/// One sampler: a reading at each sample, its warnings at the end.
pub trait Sampler: Send + 'static {
    /// Reads the server once; `at` gives the time since the run started, taken
    /// when the reading's query is sent (the moment its figures are of). A
    /// reading that fails is simply not kept.
    fn sample(&mut self, at: impl Fn() -> Duration + Send) -> impl Future<Output = ()> + Send;
    /// Closes what the sampler holds open (its connection), after its last sample.
    fn stop(&mut self) -> impl Future<Output = ()> + Send;
    /// What came near a limit; `during` words when, from the time a peak was
    /// reached (`warning::during`: inside a load or not).
    fn warnings(self, during: &dyn Fn(Duration) -> String) -> Vec<ResourceWarning>;
}

/// A running watcher; `finish` stops it.
pub struct Watcher {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Vec<ResourceWarning>>,
    /// The run's `load` steps, told before `stop`: a peak inside one is
    /// "during load test" that load.
    loads: Arc<Mutex<Vec<LoadWindow>>>,
}

impl Watcher {
    /// Starts watching the servers `connections` names (each call: every
    /// connection a step used so far); `started` is the run's start, the origin
    /// of every warning's time. Call from within the run's tokio runtime.
    pub fn start(
        connections: impl Fn() -> Vec<Connection> + Send + 'static,
        started: Instant,
    ) -> Watcher {
        let (stop, stopped) = watch::channel(false);
        let loads: Arc<Mutex<Vec<LoadWindow>>> = Arc::default();
        let task = tokio::spawn(watch_servers(
            connections,
            started,
            stopped,
            Arc::clone(&loads),
        ));
        Watcher { stop, task, loads }
    }

    /// Says when the run's `load` steps ran (before `stop`).
    pub fn loads_ran(&self, windows: Vec<LoadWindow>) {
        match self.loads.lock() {
            Ok(mut loads) => *loads = windows,
            Err(poisoned) => *poisoned.into_inner() = windows,
        }
    }

    /// Asks every sampler to take its last sample and stop, without waiting.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Stops every sampler after one last sample each; the warnings, by the
    /// time they were reached.
    pub async fn finish(self) -> Vec<ResourceWarning> {
        let _ = self.stop.send(true);
        let mut task = self.task;
        match tokio::time::timeout(FINISH_TIMEOUT + Duration::from_millis(500), &mut task).await {
            Ok(Ok(warnings)) => warnings,
            _ => {
                task.abort();
                Vec::new()
            }
        }
    }
}

async fn watch_servers(
    connections: impl Fn() -> Vec<Connection>,
    started: Instant,
    mut stopped: watch::Receiver<bool>,
    loads: Arc<Mutex<Vec<LoadWindow>>>,
) -> Vec<ResourceWarning> {
    let mut watched: HashSet<(ConnectionKind, String)> = HashSet::new();
    let mut samplers: JoinSet<Vec<ResourceWarning>> = JoinSet::new();
    loop {
        watch_new(
            &connections(),
            &mut watched,
            &mut samplers,
            started,
            &stopped,
            &loads,
        );
        if wait_or_stop(&mut stopped, DISCOVERY_INTERVAL).await {
            break;
        }
    }
    // Servers first used since the last look still get their one sample.
    watch_new(
        &connections(),
        &mut watched,
        &mut samplers,
        started,
        &stopped,
        &loads,
    );
    let mut warnings = Vec::new();
    let deadline = tokio::time::Instant::now() + FINISH_TIMEOUT;
    while let Ok(Some(done)) = tokio::time::timeout_at(deadline, samplers.join_next()).await {
        if let Ok(found) = done {
            warnings.extend(found);
        }
    }
    // Dropping the set aborts a sampler still waiting on its server.
    drop(samplers);
    warnings.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));
    warnings
}

/// A sampler for each of `connections` that has none yet.
fn watch_new(
    connections: &[Connection],
    watched: &mut HashSet<(ConnectionKind, String)>,
    samplers: &mut JoinSet<Vec<ResourceWarning>>,
    started: Instant,
    stopped: &watch::Receiver<bool>,
    loads: &Arc<Mutex<Vec<LoadWindow>>>,
) {
    for connection in connections {
        let key = (connection.kind, connection.url.to_string());
        if watched.insert(key) {
            spawn_sampler(
                samplers,
                connection,
                started,
                stopped.clone(),
                Arc::clone(loads),
            );
        }
    }
}

fn spawn_sampler(
    samplers: &mut JoinSet<Vec<ResourceWarning>>,
    connection: &Connection,
    started: Instant,
    stopped: watch::Receiver<bool>,
    loads: Arc<Mutex<Vec<LoadWindow>>>,
) {
    match connection.kind.watch() {
        ServerWatch::RedisInfo => {
            samplers.spawn(run_sampler(
                RedisSampler::new(&connection.url),
                started,
                stopped,
                loads,
            ));
        }
        // The kind's server has no sampler (the brokers, so far).
        ServerWatch::Nothing => {}
        ServerWatch::DatabaseConnections => {
            if let Some(flavor) = Flavor::of(&connection.url) {
                samplers.spawn(run_sampler(
                    DatabaseSampler::new(flavor, &connection.url),
                    started,
                    stopped,
                    loads,
                ));
            }
        }
    }
}

/// Samples every `SAMPLE_INTERVAL` until stopped, then once more (what the
/// last steps left), and gives the sampler's warnings.
async fn run_sampler<S: Sampler>(
    mut sampler: S,
    started: Instant,
    mut stopped: watch::Receiver<bool>,
    loads: Arc<Mutex<Vec<LoadWindow>>>,
) -> Vec<ResourceWarning> {
    let at = move || started.elapsed();
    while !*stopped.borrow() {
        sampler.sample(at).await;
        if wait_or_stop(&mut stopped, SAMPLE_INTERVAL).await {
            break;
        }
    }
    sampler.sample(at).await;
    sampler.stop().await;
    let loads = match loads.lock() {
        Ok(loads) => loads.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    sampler.warnings(&|at| super::warning::during(&loads, at))
}

/// Waits `interval`; true when asked to stop first (or the watcher is gone).
async fn wait_or_stop(stopped: &mut watch::Receiver<bool>, interval: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(interval) => false,
        _ = stopped.wait_for(|stop| *stop) => true,
    }
}
