//! How much memory and CPU each started service used while the tests ran: a
//! thread reads `/proc` every `SAMPLE_INTERVAL` and adds up, per service, every
//! process of its process group and every process descended from it (a child
//! that moved to a group of its own with `setsid` still counts). It keeps each
//! service's peak resident memory (the sum over its processes at one sample)
//! and its peak CPU use over any `CPU_WINDOW` (100% = one core busy for the
//! whole window). Linux only; elsewhere (no `/proc`) nothing is measured.
//!
//! CPU time is `utime + stime` of `/proc/PID/stat`, counted per process from
//! one sample to the next, so a process that starts and ends between two
//! samples (a short-lived worker) is not seen; its parent's `cutime` is not
//! added, because what its child used while it was seen is already counted.

use super::proc_table::{ProcessStat, read_processes};
use std::collections::{HashMap, VecDeque};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How often `/proc` is read.
pub const SAMPLE_INTERVAL: Duration = Duration::from_millis(250);

/// CPU use is measured over windows this long: a peak is use sustained for
/// this long, not a burst between two samples.
pub const CPU_WINDOW: Duration = Duration::from_secs(1);

/// A run sampled for less than this has no CPU figure at all: over a shorter
/// span the kernel's 10 ms ticks and the 250 ms between samples make any
/// percentage noise (a service busy for 100 ms read as 0.0% or 40%).
pub const SHORTEST_CPU_SPAN: Duration = Duration::from_millis(500);

/// What one service used while the tests ran.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceUsage {
    pub name: String,
    /// The most resident memory its processes held together at one sample.
    pub peak_rss_bytes: u64,
    /// The highest CPU use over a `CPU_WINDOW` (100 = one core); over the whole
    /// sampled time when that was shorter than a window; None when that was
    /// shorter than `SHORTEST_CPU_SPAN` (no figure rather than a wrong one).
    pub peak_cpu_percent: Option<f64>,
    /// CPU time its processes used while sampled (user + system).
    pub cpu_seconds: f64,
    /// The most processes it had at one sample.
    pub max_processes: usize,
    pub samples: u32,
    /// From the first sample to the last.
    pub sampled: Duration,
    /// When `peak_rss_bytes` was first reached, counted from `since` (the
    /// start of the run).
    pub peak_rss_at: Option<Duration>,
    /// When the window of `peak_cpu_percent` ended, counted the same way.
    pub peak_cpu_at: Option<Duration>,
}

/// A running sampler; `finish` stops it and gives what it measured.
pub struct Sampler {
    stop: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<Vec<ServiceUsage>>,
}

impl Sampler {
    /// Starts sampling the process groups `services` names at each sample (each
    /// service's name and group: those started later are picked up at the next
    /// sample). `None` where there is no `/proc` or no thread could be started:
    /// then nothing is measured. A closure rather than the runner's services, so
    /// that this foundation never imports the runner.
    /// `since`: the start of the run, which the peaks' times count from.
    pub fn start(
        since: Instant,
        services: impl Fn() -> Vec<(String, i32)> + Send + 'static,
    ) -> Option<Sampler> {
        if !std::path::Path::new("/proc/self/stat").exists() {
            return None;
        }
        let clock = Clock::of_system()?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("ritc-service-sampler".to_string())
            .spawn(move || {
                let mut usage = Usage::new(clock);
                loop {
                    let groups = services();
                    if !groups.is_empty() {
                        usage.observe(Instant::now(), &groups, &read_processes());
                    }
                    match stopped.recv_timeout(SAMPLE_INTERVAL) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        // Asked to stop, or the run is gone: one last sample, so a
                        // short run still has two.
                        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                }
                let groups = services();
                if !groups.is_empty() {
                    usage.observe(Instant::now(), &groups, &read_processes());
                }
                usage.finish(since)
            })
            .ok()?;
        Some(Sampler { stop, thread })
    }

    /// Stops sampling; what each service used, in the order they started.
    pub async fn finish(self) -> Vec<ServiceUsage> {
        let _ = self.stop.send(());
        let thread = self.thread;
        tokio::task::spawn_blocking(move || thread.join().unwrap_or_default())
            .await
            .unwrap_or_default()
    }
}

/// The units of `/proc/PID/stat`.
#[derive(Clone, Copy, Debug)]
struct Clock {
    ticks_per_second: f64,
    page_size: u64,
}

impl Clock {
    fn of_system() -> Option<Clock> {
        // SAFETY: sysconf only reads a configuration value; no memory is shared.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        // SAFETY: as above.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        (ticks > 0 && page > 0).then_some(Clock {
            ticks_per_second: ticks as f64,
            page_size: page as u64,
        })
    }
}

/// Which service each process belongs to: its process group is a service's,
/// or it descends from a service's first process (whose pid is the group's id)
/// or from a process of a service's group.
fn assign<'a>(
    groups: &'a [(String, i32)],
    processes: &[ProcessStat],
) -> HashMap<&'a str, Vec<ProcessStat>> {
    let by_group: HashMap<i32, &str> = groups
        .iter()
        .map(|(name, group)| (*group, name.as_str()))
        .collect();
    let by_pid: HashMap<i32, &ProcessStat> = processes
        .iter()
        .map(|process| (process.pid, process))
        .collect();
    let mut assigned: HashMap<&str, Vec<ProcessStat>> = HashMap::new();
    for process in processes {
        let mut current = Some(process);
        let mut owner = None;
        // A bounded walk up: parents form a tree, but a pid read at another
        // moment may not.
        for _ in 0..64 {
            let Some(ancestor) = current else { break };
            if let Some(name) = by_group
                .get(&ancestor.group)
                .or_else(|| by_group.get(&ancestor.pid))
            {
                owner = Some(*name);
                break;
            }
            if ancestor.parent <= 1 {
                break;
            }
            current = by_pid.get(&ancestor.parent).copied();
        }
        if let Some(name) = owner {
            assigned.entry(name).or_default().push(*process);
        }
    }
    assigned
}

/// The running measurement of every service.
struct Usage {
    clock: Clock,
    /// In the order first seen (the services' start order).
    services: Vec<ServiceTracker>,
}

impl Usage {
    fn new(clock: Clock) -> Usage {
        Usage {
            clock,
            services: Vec::new(),
        }
    }

    fn observe(&mut self, at: Instant, groups: &[(String, i32)], processes: &[ProcessStat]) {
        let mut assigned = assign(groups, processes);
        for (name, _) in groups {
            let members = assigned.remove(name.as_str()).unwrap_or_default();
            let index = match self
                .services
                .iter()
                .position(|tracker| tracker.name == *name)
            {
                Some(index) => index,
                None => {
                    self.services.push(ServiceTracker::new(name.clone()));
                    self.services.len() - 1
                }
            };
            if let Some(tracker) = self.services.get_mut(index) {
                tracker.observe(at, &members, self.clock);
            }
        }
    }

    fn finish(self, since: Instant) -> Vec<ServiceUsage> {
        let clock = self.clock;
        self.services
            .into_iter()
            .map(|tracker| tracker.finish(clock, since))
            .collect()
    }
}

struct ServiceTracker {
    name: String,
    /// The processes of the last sample: pid → (start time, CPU ticks).
    previous: HashMap<i32, (u64, u64)>,
    /// CPU ticks used since the first sample.
    ticks: u64,
    /// (when, `ticks` then): enough to reach one window back.
    history: VecDeque<(Instant, u64)>,
    first: Option<Instant>,
    last: Option<Instant>,
    peak_rss_bytes: u64,
    peak_rss_at: Option<Instant>,
    /// The highest use over a full window, once there is one, and when that
    /// window ended.
    peak_window_percent: Option<f64>,
    peak_window_at: Option<Instant>,
    max_processes: usize,
    samples: u32,
}

impl ServiceTracker {
    fn new(name: String) -> ServiceTracker {
        ServiceTracker {
            name,
            previous: HashMap::new(),
            ticks: 0,
            history: VecDeque::new(),
            first: None,
            last: None,
            peak_rss_bytes: 0,
            peak_rss_at: None,
            peak_window_percent: None,
            peak_window_at: None,
            max_processes: 0,
            samples: 0,
        }
    }

    fn observe(&mut self, at: Instant, processes: &[ProcessStat], clock: Clock) {
        let first_sample = self.first.is_none();
        let mut current = HashMap::with_capacity(processes.len());
        let mut rss_pages = 0_u64;
        for process in processes {
            let used = match self.previous.get(&process.pid) {
                Some((start, ticks)) if *start == process.start_time => {
                    process.cpu_ticks.saturating_sub(*ticks)
                }
                // What ran before the first sample is not the tests' time; a
                // process that appeared since the last sample used its time since.
                _ if first_sample => 0,
                _ => process.cpu_ticks,
            };
            self.ticks += used;
            rss_pages = rss_pages.saturating_add(process.rss_pages);
            current.insert(process.pid, (process.start_time, process.cpu_ticks));
        }
        self.previous = current;
        let rss_bytes = rss_pages.saturating_mul(clock.page_size);
        if rss_bytes > self.peak_rss_bytes {
            self.peak_rss_bytes = rss_bytes;
            self.peak_rss_at = Some(at);
        }
        self.max_processes = self.max_processes.max(processes.len());
        self.samples += 1;
        self.first.get_or_insert(at);
        self.last = Some(at);

        // The latest earlier sample at least a window back.
        let window_start = self
            .history
            .iter()
            .rposition(|(when, _)| at.saturating_duration_since(*when) >= CPU_WINDOW);
        if let Some(index) = window_start {
            if let Some((when, ticks)) = self.history.get(index).copied() {
                let percent = percent(
                    self.ticks - ticks,
                    at.saturating_duration_since(when),
                    clock,
                );
                if self.peak_window_percent.is_none_or(|peak| percent > peak) {
                    self.peak_window_percent = Some(percent);
                    self.peak_window_at = Some(at);
                }
            }
            // Older samples can no longer start the latest window.
            self.history.drain(..index);
        }
        self.history.push_back((at, self.ticks));
    }

    fn finish(self, clock: Clock, since: Instant) -> ServiceUsage {
        let sampled = match (self.first, self.last) {
            (Some(first), Some(last)) => last.saturating_duration_since(first),
            _ => Duration::ZERO,
        };
        let cpu_seconds = self.ticks as f64 / clock.ticks_per_second;
        let peak_cpu_percent = self.peak_window_percent.or_else(|| {
            (sampled >= SHORTEST_CPU_SPAN).then(|| percent(self.ticks, sampled, clock))
        });
        // Over the whole sampled time when no window was full: it ended last.
        let peak_cpu_at = peak_cpu_percent.and(self.peak_window_at.or(self.last));
        let after = |at: Option<Instant>| at.map(|at| at.saturating_duration_since(since));
        ServiceUsage {
            peak_cpu_percent,
            peak_cpu_at: after(peak_cpu_at),
            peak_rss_at: after(self.peak_rss_at),
            name: self.name,
            peak_rss_bytes: self.peak_rss_bytes,
            cpu_seconds,
            max_processes: self.max_processes,
            samples: self.samples,
            sampled,
        }
    }
}

/// `ticks` of CPU over `span` of wall time, in percent of one core.
fn percent(ticks: u64, span: Duration, clock: Clock) -> f64 {
    let seconds = span.as_secs_f64();
    if seconds <= 0.0 {
        return 0.0;
    }
    ticks as f64 / clock.ticks_per_second / seconds * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOCK: Clock = Clock {
        ticks_per_second: 100.0,
        page_size: 4096,
    };

    fn process(pid: i32, parent: i32, group: i32, cpu_ticks: u64, rss_pages: u64) -> ProcessStat {
        ProcessStat {
            pid,
            parent,
            group,
            state: 'S',
            cpu_ticks,
            start_time: 1000 + pid as u64,
            rss_pages,
            exec_pending: false,
        }
    }

    #[test]
    fn this_process_is_readable_and_in_its_group() {
        let own = std::process::id() as i32;
        let processes = read_processes();
        let me = processes
            .iter()
            .find(|process| process.pid == own)
            .copied()
            .unwrap_or_else(|| panic!("pid {own} not among {} processes", processes.len()));
        assert!(me.rss_pages > 0);
        let groups = vec![("self".to_string(), me.group)];
        let assigned = assign(&groups, &processes);
        assert!(
            assigned
                .get("self")
                .is_some_and(|members| members.iter().any(|process| process.pid == own))
        );
    }

    #[test]
    fn processes_belong_by_group_or_by_descent() {
        let groups = vec![("api".to_string(), 100), ("db".to_string(), 200)];
        let processes = vec![
            process(100, 1, 100, 0, 10),
            process(101, 100, 100, 0, 10),
            // Left the group with setsid, still a descendant.
            process(102, 101, 102, 0, 10),
            process(103, 102, 102, 0, 10),
            process(200, 1, 200, 0, 10),
            process(300, 1, 300, 0, 10),
        ];
        let assigned = assign(&groups, &processes);
        let pids = |name: &str| {
            let mut pids: Vec<i32> = assigned
                .get(name)
                .map(|members| members.iter().map(|process| process.pid).collect())
                .unwrap_or_default();
            pids.sort();
            pids
        };
        assert_eq!(pids("api"), [100, 101, 102, 103]);
        assert_eq!(pids("db"), [200]);
    }

    #[test]
    fn peaks_are_over_a_window_and_rss_is_summed_per_sample() {
        let groups = vec![("busy".to_string(), 10)];
        let mut usage = Usage::new(CLOCK);
        let start = Instant::now();
        // Busy for 2 s (100 ticks a second), then idle for 2 s; a child comes and goes.
        let mut ticks = 500;
        for step in 0..=16_u64 {
            let at = start + Duration::from_millis(250 * step);
            if (1..=8).contains(&step) {
                ticks += 25;
            }
            let mut processes = vec![process(10, 1, 10, ticks, 1000)];
            if step == 4 {
                processes.push(process(11, 10, 10, 3, 500));
            }
            usage.observe(at, &groups, &processes);
        }
        let result = usage.finish(start);
        let busy = &result[0];
        assert_eq!(busy.name, "busy");
        assert_eq!(busy.peak_rss_bytes, 1500 * 4096);
        // Both peaks were first reached when the child was there, 1 s in.
        assert_eq!(busy.peak_rss_at, Some(Duration::from_secs(1)));
        assert_eq!(busy.peak_cpu_at, Some(Duration::from_secs(1)));
        assert_eq!(busy.max_processes, 2);
        assert_eq!(busy.samples, 17);
        assert_eq!(busy.sampled, Duration::from_secs(4));
        // 2 s of one core plus the child's 3 ticks; ticks before the first sample do not count.
        assert!(
            (busy.cpu_seconds - 2.03).abs() < 1e-9,
            "{}",
            busy.cpu_seconds
        );
        assert!(
            busy.peak_cpu_percent
                .is_some_and(|percent| (percent - 103.0).abs() < 1e-9),
            "{:?}",
            busy.peak_cpu_percent
        );
    }

    #[test]
    fn a_run_shorter_than_a_window_is_measured_over_its_whole_length() {
        let groups = vec![("short".to_string(), 10)];
        let mut usage = Usage::new(CLOCK);
        let start = Instant::now();
        usage.observe(start, &groups, &[process(10, 1, 10, 0, 1)]);
        usage.observe(
            start + Duration::from_millis(500),
            &groups,
            &[process(10, 1, 10, 25, 1)],
        );
        let result = usage.finish(start);
        assert!(
            result[0]
                .peak_cpu_percent
                .is_some_and(|percent| (percent - 50.0).abs() < 1e-9)
        );
    }

    #[test]
    fn a_run_too_short_to_measure_has_no_cpu_figure() {
        let groups = vec![("short".to_string(), 10)];
        let mut usage = Usage::new(CLOCK);
        let start = Instant::now();
        usage.observe(start, &groups, &[process(10, 1, 10, 0, 1)]);
        usage.observe(
            start + Duration::from_millis(250),
            &groups,
            &[process(10, 1, 10, 10, 1)],
        );
        let result = usage.finish(start);
        assert_eq!(result[0].peak_cpu_percent, None);
        assert!((result[0].cpu_seconds - 0.1).abs() < 1e-9);
        // One sample only: no span at all.
        let mut usage = Usage::new(CLOCK);
        usage.observe(start, &groups, &[process(10, 1, 10, 0, 1)]);
        assert_eq!(usage.finish(start)[0].peak_cpu_percent, None);
    }

    #[test]
    fn a_reused_pid_is_a_new_process() {
        let groups = vec![("s".to_string(), 10)];
        let mut usage = Usage::new(CLOCK);
        let start = Instant::now();
        usage.observe(
            start,
            &groups,
            &[process(10, 1, 10, 0, 1), process(12, 10, 10, 400, 1)],
        );
        let mut reused = process(12, 10, 10, 7, 1);
        reused.start_time += 50;
        usage.observe(
            start + Duration::from_millis(250),
            &groups,
            &[process(10, 1, 10, 0, 1), reused],
        );
        let result = usage.finish(start);
        assert!((result[0].cpu_seconds - 0.07).abs() < 1e-9);
    }
}
