//! Runs a load: the closed model's workers, the open model's scheduler and the
//! workers it hands requests to, the warmup, the ramp, the `check`, and the clock.
//! Each worker is a tokio task that owns its connection; the workers of one runtime
//! thread count into that thread's set of counts, and meet the other threads' only
//! on the `requests` counter (one atomic) and, once per batch of latencies, at the
//! recorder. When the step is dropped (a test timeout, Ctrl-C), the `JoinSet`
//! aborts every worker.

use std::cell::Cell;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::model::{Activation, Model, Plan};
use super::spec::{CheckFn, Level, LoadProgress, PartialHook, ProgressHook};
use super::stats::{self, ABORTED, ErrorKey, Recorder, ThreadStats, Totals};
use super::timer::PreciseTimer;
use super::transport::{Failure, Transport, WorkerClient};
use crate::steps::context::Threshold;
use crate::steps::exec::{FieldValue, StepError, StepErrorKind};
use crate::steps::http::client::{HttpRequest, HttpResponse};
use crate::steps::message_load::{LoadTarget, MessageLoad};
use crate::value::Value;

/// What a load sends: HTTP requests, or the messages of a kind that offers them.
pub enum Sends {
    /// Boxed: a request (headers, body, transport) is far larger than a
    /// message target.
    Http(Box<HttpRequest>),
    Messages {
        load: &'static dyn MessageLoad,
        target: LoadTarget,
    },
}

/// What every worker of one load reads.
struct Context {
    plan: Plan,
    transport: Transport,
    check: Option<CheckFn>,
    recorder: Mutex<Recorder>,
    /// The counts, one set per runtime thread ([`THREAD_INDEX`]): the workers that
    /// run on a thread record into its set, which stays in that processor's cache,
    /// where a set per worker (1,000 of them) was read from memory at every request.
    /// A lock each, taken by one thread but for a rare worker moved between threads.
    thread_stats: Vec<Mutex<ThreadStats>>,
    timeout: Duration,
    url: String,
    /// When the load (its warmup first) started.
    started: Instant,
    measured_start: Instant,
    measured_end: Option<Instant>,
    /// Requests of the measured part not yet sent (`requests N`, closed model).
    remaining: Option<AtomicI64>,
    /// Requests the open model could not send on time, so far.
    dropped: AtomicU64,
    /// Set once an `abort when` held: workers read it before each request
    /// (a load that stays in every processor's cache until it is set).
    stopped: AtomicBool,
    /// The same, for what waits: the workers' collector and the open model's
    /// scheduler end at once when it turns true.
    stop: watch::Sender<bool>,
    /// Which `abort when` held, when, and what it read.
    aborted: Mutex<Option<Aborted>>,
}

/// An `abort when` that held while the load ran.
struct Aborted {
    /// The record's `aborted`: `{condition, at, values}`.
    record: Value,
    at: Instant,
}

impl Context {
    /// Resolves once an `abort when` has stopped the load (never otherwise).
    async fn stopped(&self) {
        let mut receiver = self.stop.subscribe();
        if receiver.wait_for(|stopped| *stopped).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// The fields of what was measured so far: each thread's counts (their
    /// batches handed to the recorder first) and the recorder's latencies; the
    /// declared ones only, or the whole record (`histogram` and `timeline` too).
    fn fields_so_far(&self, whole: bool) -> Vec<(String, FieldValue)> {
        let mut totals = Totals::default();
        for stats in &self.thread_stats {
            let so_far = stats
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .so_far(&self.recorder);
            totals.merge(so_far);
        }
        let measured = Instant::now().saturating_duration_since(self.measured_start);
        let recorder = self.recorder.lock().unwrap_or_else(PoisonError::into_inner);
        let dropped = self.dropped.load(Ordering::Relaxed);
        if whole {
            stats::fields(&totals, &recorder, dropped, measured)
        } else {
            stats::declared_fields(&totals, &recorder, dropped, measured)
        }
    }
}

/// What a running load calls besides its workers: the live line, the `abort
/// when` conditions, and the keeper of its record so far.
pub struct Hooks {
    pub progress: Option<ProgressHook>,
    pub thresholds: Vec<Threshold>,
    pub partial: Option<PartialHook>,
}

/// Runs the load on a runtime of its own, so that its workers never wait behind
/// the tasks of other tests (`--jobs N`) or of the reporters. Dropping the future
/// (a test timeout, Ctrl-C) shuts that runtime down and every worker with it.
///
/// One thread per core the process may run on, so one on a pinned core: a second
/// thread there only takes turns with the first, and each turn is a context
/// switch (at 1000 connections on one core, two threads made 2–4× the context
/// switches and cost 0.3–1.2 µs more CPU per request; docs/performance.md).
pub async fn run_isolated(
    plan: Plan,
    sends: Sends,
    check: Option<CheckFn>,
    hooks: Hooks,
) -> Result<Vec<(String, FieldValue)>, StepError> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let started_threads = Arc::new(AtomicUsize::new(0));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("ritc-load")
        .on_thread_start(move || {
            THREAD_INDEX.set(started_threads.fetch_add(1, Ordering::Relaxed));
        })
        .enable_all()
        .build()
        .map_err(|error| {
            StepError::new(
                StepErrorKind::Other,
                format!("cannot start the load's threads: {error}"),
            )
        })?;
    let runtime = RuntimeGuard(Some(runtime));
    let Some(handle) = runtime
        .0
        .as_ref()
        .map(|runtime| runtime.spawn(run(plan, sends, check, hooks, threads)))
    else {
        return Err(StepError::new(
            StepErrorKind::Other,
            "the load's runtime is gone",
        ));
    };
    let result = handle
        .await
        .map_err(|error| StepError::new(StepErrorKind::Other, format!("the load failed: {error}")));
    drop(runtime);
    result?
}

thread_local! {
    /// Which thread of its load's runtime this is (0, 1, …), as the runtime started
    /// them; it picks the thread's set of counts.
    static THREAD_INDEX: Cell<usize> = const { Cell::new(0) };
}

/// Shuts the load's runtime down without blocking (it is dropped inside another
/// runtime, where blocking is not allowed).
struct RuntimeGuard(Option<tokio::runtime::Runtime>);

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

async fn run(
    plan: Plan,
    sends: Sends,
    check: Option<CheckFn>,
    hooks: Hooks,
    threads: usize,
) -> Result<Vec<(String, FieldValue)>, StepError> {
    let Hooks {
        progress,
        thresholds,
        partial,
    } = hooks;
    let connections = match plan.model {
        Model::Closed { .. } => plan.closed_workers(),
        Model::Open { in_flight, .. } => in_flight,
    };
    let (transport, timeout, url) = match sends {
        Sends::Http(request) => (
            Transport::prepare(&request, usize::try_from(connections).unwrap_or(usize::MAX))
                .await?,
            request.timeout,
            request.url,
        ),
        // Connected here, on the load's runtime, so that the connection's tasks
        // run beside the workers and end with them.
        Sends::Messages { load, target } => {
            let timeout = target.timeout;
            (
                Transport::Messages(load.open(target).await?),
                timeout,
                String::new(),
            )
        }
    };
    let recorder =
        Recorder::new().map_err(|message| StepError::new(StepErrorKind::Other, message))?;
    let started = Instant::now();
    let measured_start = started + plan.warmup;
    let context = Arc::new(Context {
        measured_end: plan.measured_end().map(|end| started + end),
        remaining: match plan.model {
            Model::Closed { .. } => plan
                .requests
                .map(|count| AtomicI64::new(i64::try_from(count).unwrap_or(i64::MAX))),
            Model::Open { .. } => None,
        },
        plan,
        transport,
        check,
        recorder: Mutex::new(recorder),
        thread_stats: (0..threads.max(1))
            .map(|_| Mutex::new(ThreadStats::new()))
            .collect(),
        timeout,
        url,
        started,
        measured_start,
        dropped: AtomicU64::new(0),
        stopped: AtomicBool::new(false),
        stop: watch::Sender::new(false),
        aborted: Mutex::new(None),
    });
    // Aborted when dropped, at the end of this function.
    let _ticker =
        progress.map(|hook| AbortOnDrop(tokio::spawn(report_progress(Arc::clone(&context), hook))));
    let _partial =
        partial.map(|hook| AbortOnDrop(tokio::spawn(keep_partial(Arc::clone(&context), hook))));
    let _watcher = (!thresholds.is_empty()).then(|| {
        AbortOnDrop(tokio::spawn(watch_thresholds(
            Arc::clone(&context),
            thresholds.clone(),
        )))
    });
    let dropped = match context.plan.model {
        Model::Closed { .. } => run_closed(&context).await.map(|()| 0)?,
        Model::Open { in_flight, .. } => run_open(&context, in_flight).await?,
    };
    // Every worker has ended: what each thread counted is all there is.
    let mut totals = Totals::default();
    for stats in &context.thread_stats {
        let stats = std::mem::take(&mut *stats.lock().unwrap_or_else(PoisonError::into_inner));
        totals.merge(stats.finish(&context.recorder));
    }
    if let Transport::Messages(sender) = &context.transport {
        sender.close().await;
    }
    let aborted = context
        .aborted
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    // The measured part lasts until its last answer, and at least its `duration`
    // (until it was stopped, when an `abort when` stopped it).
    let planned_end = match &aborted {
        Some(aborted) => Some(aborted.at),
        None => context.measured_end,
    };
    let last = totals.last_done.into_iter().chain(planned_end).max();
    let measured = last.map_or(Duration::ZERO, |last| {
        last.saturating_duration_since(measured_start)
    });
    let recorder = context
        .recorder
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let mut fields = stats::fields(&totals, &recorder, dropped, measured);
    // A load that ended between two readings (one shorter than a second, or
    // the last part of any) has its conditions read once more on the whole
    // record: one that holds there is never left unsaid.
    let aborted = aborted.map(|aborted| aborted.record).or_else(|| {
        thresholds
            .iter()
            .filter(|threshold| measured >= threshold.after)
            .find_map(|threshold| {
                let read = (threshold.holds)(&fields)?;
                Some(aborted_record(threshold, measured, read, false))
            })
    });
    if let Some(aborted) = aborted {
        fields.push((ABORTED.to_string(), Ok(aborted)));
    }
    Ok(fields)
}

/// The record's `aborted`: the condition, how far into the measured part it
/// held, what its operands read, and whether it stopped the load (`false`: it
/// held on the whole record, once the load had ended).
fn aborted_record(
    threshold: &Threshold,
    at: Duration,
    read: Vec<(String, String)>,
    stopped: bool,
) -> Value {
    Value::Object(vec![
        (
            "condition".to_string(),
            Value::String(threshold.condition.clone()),
        ),
        ("at".to_string(), Value::Duration(at)),
        (
            "values".to_string(),
            Value::Object(
                read.into_iter()
                    .map(|(operand, value)| (operand, Value::String(value)))
                    .collect(),
            ),
        ),
        ("stopped".to_string(), Value::Bool(stopped)),
    ])
}

/// How often the record so far is handed to the [`PartialHook`].
const PARTIAL_EVERY: Duration = Duration::from_secs(1);

/// Hands the record so far to `hook` every [`PARTIAL_EVERY`] (the first a second
/// in): what an interrupted run reports of the load.
async fn keep_partial(context: Arc<Context>, hook: PartialHook) {
    let first = Instant::now() + PARTIAL_EVERY;
    let mut ticks = tokio::time::interval_at(first.into(), PARTIAL_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        (hook.0)(context.fields_so_far(true));
    }
}

/// How often the `abort when` conditions are read.
const THRESHOLDS_EVERY: Duration = Duration::from_secs(1);

/// Reads the `abort when` conditions every [`THRESHOLDS_EVERY`] of the measured
/// part (each once its `after` has passed) on the figures so far; the first that
/// holds stops the load, and is kept with when it held and what it read.
async fn watch_thresholds(context: Arc<Context>, thresholds: Vec<Threshold>) {
    let first = context.measured_start + THRESHOLDS_EVERY;
    let mut ticks = tokio::time::interval_at(first.into(), THRESHOLDS_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        let now = Instant::now();
        let measured = now.saturating_duration_since(context.measured_start);
        let due: Vec<&Threshold> = thresholds
            .iter()
            .filter(|threshold| measured >= threshold.after)
            .collect();
        if due.is_empty() {
            continue;
        }
        let fields = context.fields_so_far(false);
        for threshold in due {
            let Some(read) = (threshold.holds)(&fields) else {
                continue;
            };
            let record = aborted_record(threshold, measured, read, true);
            *context
                .aborted
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(Aborted { record, at: now });
            context.stopped.store(true, Ordering::Relaxed);
            context.stop.send_replace(true);
            return;
        }
    }
}

/// How often the progress hook is called.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Calls the progress hook at once and then every [`PROGRESS_EVERY`], with what the
/// recorder knows (workers hand their latencies over at least every 200 ms).
async fn report_progress(context: Arc<Context>, hook: ProgressHook) {
    let mut ticks = tokio::time::interval(PROGRESS_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        let snapshot = context
            .recorder
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .snapshot();
        let now = Instant::now();
        let measured = now.saturating_duration_since(context.measured_start);
        let progress = LoadProgress {
            elapsed: now.saturating_duration_since(context.started),
            total: context.plan.measured_end(),
            warming_up: now < context.measured_start,
            requests: snapshot.requests,
            requests_total: context.plan.requests,
            failed: snapshot.failed,
            throughput: if measured.is_zero() {
                0.0
            } else {
                snapshot.requests as f64 / measured.as_secs_f64()
            },
            p99: snapshot.p99,
            level: context.plan.staged().then(|| {
                let at = now.saturating_duration_since(context.started);
                match context.plan.model {
                    Model::Closed { .. } => Level::Workers(context.plan.closed_level(at)),
                    Model::Open { .. } => Level::Rate(context.plan.open_rate(at)),
                }
            }),
        };
        (hook.0)(&progress);
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One worker: its client, the response it fills when a `check` reads it, and the
/// timer that bounds each request by the step's timeout. It counts into its
/// thread's set (`Context::thread_stats`).
struct Worker {
    context: Arc<Context>,
    client: WorkerClient,
    capture: Option<HttpResponse>,
    /// Armed lazily, for speed: a request that ends in time leaves it as it is (a
    /// `tokio::time::timeout` per request put an entry in the runtime's timer wheel
    /// and took it out again: 2–4% of the client's CPU at 1000 connections, perf,
    /// docs/performance.md). When it fires for the deadline of an earlier request,
    /// it is moved to the current request's deadline, so a request still fails
    /// exactly when its own deadline has passed.
    deadline_timer: Pin<Box<tokio::time::Sleep>>,
    /// The waker `deadline_timer` was last polled with.
    timer_waker: Option<Waker>,
}

impl Worker {
    fn new(context: &Arc<Context>) -> Worker {
        Worker {
            client: context.transport.client(),
            capture: context.check.as_ref().map(|_| HttpResponse {
                status: 0,
                headers: Vec::new(),
                body: Vec::new(),
                encoded: None,
                duration: Duration::ZERO,
                head_after: None,
                connecting: None,
                url: context.url.clone(),
                cookies: Vec::new(),
                version: "HTTP/1.1",
            }),
            deadline_timer: Box::pin(tokio::time::sleep_until(
                deadline(Instant::now(), context.timeout).into(),
            )),
            timer_waker: None,
            context: Arc::clone(context),
        }
    }

    /// Sends one request whose latency counts from `origin` (when it was due in the
    /// open model, when it is sent in the closed one) and counts it if `measured`.
    /// `sent` is now: the step's timeout counts from it.
    async fn send(&mut self, origin: Instant, sent: Instant, measured: bool) {
        let request_deadline = deadline(sent, self.context.timeout);
        let result = {
            let Worker {
                client,
                capture,
                deadline_timer,
                timer_waker,
                ..
            } = self;
            let mut exchange = std::pin::pin!(client.send(capture.as_mut()));
            // `None` when the step's timeout ran out first.
            std::future::poll_fn(|cx| {
                if let Poll::Ready(result) = exchange.as_mut().poll(cx) {
                    return Poll::Ready(Some(result));
                }
                // Looking at the timer costs less than polling it: it is polled
                // only when it fired or does not hold this task's waker yet.
                // Polled outside the task's budget, so a `Pending` always means
                // it holds the waker (a budget spent by the exchange would make
                // it return `Pending` without).
                let holds_waker = timer_waker
                    .as_ref()
                    .is_some_and(|waker| waker.will_wake(cx.waker()));
                if holds_waker && !deadline_timer.is_elapsed() {
                    return Poll::Pending;
                }
                *timer_waker = Some(cx.waker().clone());
                while Pin::new(&mut tokio::task::unconstrained(deadline_timer.as_mut()))
                    .poll(cx)
                    .is_ready()
                {
                    if Instant::now() >= request_deadline {
                        return Poll::Ready(None);
                    }
                    // It was armed for an earlier request.
                    deadline_timer.as_mut().reset(request_deadline.into());
                }
                Poll::Pending
            })
            .await
        };
        let result = result.unwrap_or_else(|| {
            self.client.discard_connection();
            Err(Failure::Timeout)
        });
        let context = &self.context;
        let done = Instant::now();
        if !measured {
            return;
        }
        let latency = done.saturating_duration_since(origin);
        let (answer, error, latency) = match result {
            Ok(answer) => {
                let error = match (&context.check, self.capture.as_mut()) {
                    (Some(check), Some(response)) => {
                        response.status = answer.status;
                        response.duration = latency;
                        check(response).err().map(ErrorKey::Check)
                    }
                    _ => (answer.status >= 400).then_some(ErrorKey::Status(answer.status)),
                };
                (Some(answer), error, Some(latency))
            }
            // A timeout is the stall the percentiles must show, and a broker's
            // refusal is an answer; a connection that could not be made or
            // broke has no latency to speak of.
            Err(failure @ (Failure::Timeout | Failure::Refused)) => {
                (None, Some(ErrorKey::Failure(failure)), Some(latency))
            }
            Err(failure) => (None, Some(ErrorKey::Failure(failure)), None),
        };
        let offset = origin.saturating_duration_since(context.measured_start);
        let thread_stats = &context.thread_stats;
        if let Some(stats) = thread_stats.get(THREAD_INDEX.get() % thread_stats.len().max(1)) {
            stats.lock().unwrap_or_else(PoisonError::into_inner).record(
                offset,
                done,
                latency,
                answer,
                error,
                &context.recorder,
            );
        }
    }
}

/// When a request sent at `sent` times out. A timeout too long for the clock
/// (`timeout` of centuries) is taken as thirty years: never, for a load.
fn deadline(sent: Instant, timeout: Duration) -> Instant {
    const NEVER: Duration = Duration::from_secs(30 * 365 * 24 * 3600);
    sent.checked_add(timeout)
        .or_else(|| sent.checked_add(NEVER))
        .unwrap_or(sent)
}

async fn run_closed(context: &Arc<Context>) -> Result<(), StepError> {
    let mut workers = JoinSet::new();
    for index in 0..context.plan.closed_workers() {
        workers.spawn(closed_worker(Worker::new(context), index));
    }
    collect(workers, context).await
}

async fn closed_worker(mut worker: Worker, index: u64) {
    let context = Arc::clone(&worker.context);
    let ramped = context.plan.staged();
    loop {
        let now = Instant::now();
        if context.measured_end.is_some_and(|end| now >= end)
            || context.stopped.load(Ordering::Relaxed)
        {
            break;
        }
        if ramped {
            match context
                .plan
                .closed_activation(index, now.saturating_duration_since(context.started))
            {
                Activation::Now => {}
                Activation::At(offset) => {
                    let wake = context.started + offset;
                    let wake = context.measured_end.map_or(wake, |end| wake.min(end));
                    tokio::time::sleep_until(wake.into()).await;
                    continue;
                }
                Activation::Never => break,
            }
        }
        let measured = now >= context.measured_start;
        if measured
            && let Some(remaining) = &context.remaining
            && remaining.fetch_sub(1, Ordering::Relaxed) <= 0
        {
            break;
        }
        worker.send(now, now, measured).await;
    }
}

/// A request handed to an open-model worker: when it was due, and whether it counts.
#[derive(Clone, Copy)]
struct Job {
    due: Instant,
    measured: bool,
}

/// The open model: at each request's due time the scheduler hands it to an idle
/// worker (the one idle most recently, so few connections stay warm), starts a new
/// worker while fewer than `in_flight` exist, or else counts the request as
/// dropped. It waits with a [`PreciseTimer`]: in the open model lateness would be
/// charged to the server.
async fn run_open(context: &Arc<Context>, in_flight: u64) -> Result<u64, StepError> {
    let timer = PreciseTimer::new();
    let idle: Arc<Mutex<Vec<usize>>> = Arc::new(Mutex::new(Vec::new()));
    let mut senders: Vec<mpsc::Sender<Job>> = Vec::new();
    let mut workers = JoinSet::new();
    let mut dropped = 0u64;
    let mut measured_count = 0u64;
    let mut last_wake = context.started;
    for ticket in 0u64.. {
        let Some(offset) = context.plan.open_due(ticket) else {
            break;
        };
        let due = context.started + offset;
        if context.measured_end.is_some_and(|end| due >= end) {
            break;
        }
        let measured = due >= context.measured_start;
        if measured {
            if context
                .plan
                .requests
                .is_some_and(|cap| measured_count >= cap)
            {
                break;
            }
            measured_count += 1;
        }
        // At high rates, one wake-up per BATCH_WINDOW hands over every request due
        // by then: a wake-up per request would cost more than the request.
        if due > Instant::now() {
            tokio::select! {
                () = timer.sleep_until(due.max(last_wake + BATCH_WINDOW)) => {}
                () = context.stopped() => break,
            }
            last_wake = Instant::now();
        }
        if context.stopped.load(Ordering::Relaxed) {
            break;
        }
        let job = Job { due, measured };
        let mut free = idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        if free.is_none() {
            // Workers whose answer has come may not have run yet to say they are
            // idle: let them, rather than open one more connection.
            tokio::task::yield_now().await;
            free = idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        }
        let handed = match free.and_then(|index| senders.get(index)) {
            Some(sender) => sender.try_send(job).is_ok(),
            None if (senders.len() as u64) < in_flight => {
                let (sender, receiver) = mpsc::channel(1);
                let handed = sender.try_send(job).is_ok();
                workers.spawn(open_worker(
                    Worker::new(context),
                    senders.len(),
                    receiver,
                    Arc::clone(&idle),
                ));
                senders.push(sender);
                handed
            }
            None => false,
        };
        if !handed && measured {
            dropped += 1;
            context.dropped.store(dropped, Ordering::Relaxed);
        }
    }
    drop(senders);
    collect(workers, context).await?;
    Ok(dropped)
}

/// The open-model scheduler's shortest sleep: the most a request can be handed
/// over late because the scheduler batched it with the next ones.
const BATCH_WINDOW: Duration = Duration::from_micros(50);

async fn open_worker(
    mut worker: Worker,
    index: usize,
    mut jobs: mpsc::Receiver<Job>,
    idle: Arc<Mutex<Vec<usize>>>,
) {
    while let Some(job) = jobs.recv().await {
        worker.send(job.due, Instant::now(), job.measured).await;
        idle.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(index);
    }
}

/// Waits for every worker to end; when an `abort when` stops the load, ends the
/// workers at once (a request in flight is dropped, not counted: a stalled
/// server must not hold the load for the rest of the step's timeout).
async fn collect(mut workers: JoinSet<()>, context: &Context) -> Result<(), StepError> {
    let failed = |error: tokio::task::JoinError| {
        StepError::new(
            StepErrorKind::Other,
            format!("a load worker failed: {error}"),
        )
    };
    loop {
        tokio::select! {
            joined = workers.join_next() => match joined {
                None => return Ok(()),
                Some(joined) => joined.map_err(failed)?,
            },
            () = context.stopped() => break,
        }
    }
    workers.abort_all();
    while let Some(joined) = workers.join_next().await {
        if let Err(error) = joined
            && !error.is_cancelled()
        {
            return Err(failed(error));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::http::client::RequestBody;
    use crate::steps::load::{LoadSpec, run_load};
    use crate::value::Value;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A keep-alive server that answers `ok` to every request.
    async fn start_server() -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 4096];
                    let mut pending = Vec::new();
                    loop {
                        let read = stream.read(&mut buffer).await.unwrap_or(0);
                        if read == 0 {
                            return;
                        }
                        pending.extend_from_slice(&buffer[..read]);
                        while let Some(end) =
                            pending.windows(4).position(|window| window == b"\r\n\r\n")
                        {
                            pending.drain(..end + 4);
                            let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                            if stream.write_all(answer).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        address
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn progress_is_reported_while_the_load_runs() {
        let address = start_server().await;
        let seen: Arc<Mutex<Vec<LoadProgress>>> = Arc::new(Mutex::new(Vec::new()));
        let hook = {
            let seen = Arc::clone(&seen);
            ProgressHook(Arc::new(move |progress: &LoadProgress| {
                seen.lock().unwrap().push(progress.clone())
            }))
        };
        let spec = LoadSpec {
            concurrency: Some(2),
            duration: Some(Duration::from_millis(600)),
            timeout: Duration::from_secs(5),
            progress: Some(hook),
            ..LoadSpec::default()
        };
        let request = HttpRequest {
            method: "GET".to_string(),
            url: format!("http://{address}/"),
            headers: Vec::new(),
            query: Vec::new(),
            body: RequestBody::None,
            timeout: Duration::from_secs(5),
            follow_redirects: false,
            insecure: false,
            max_body: crate::steps::http::client::DEFAULT_MAX_BODY_BYTES,
            transport: Default::default(),
            path_as_is: false,
            limit_rate: None,
        };
        let fields = run_load(spec, Sends::Http(Box::new(request)), None)
            .await
            .unwrap();
        let requests = fields
            .iter()
            .find_map(|(name, value)| match (name.as_str(), value) {
                ("requests", Ok(Value::Int(count))) => Some(*count as u64),
                _ => None,
            })
            .unwrap();
        assert!(requests > 0);
        let seen = seen.lock().unwrap();
        // The first snapshot is taken at once.
        assert!(!seen.is_empty());
        assert!(
            seen.windows(2)
                .all(|pair| pair[0].requests <= pair[1].requests)
        );
        assert!(seen.iter().all(|progress| progress.requests <= requests
            && progress.failed == 0
            && progress.total == Some(Duration::from_millis(600))));
    }
}
