//! What a run's history says about it: tests that are flaky (changed between
//! passed and failed across recent runs; a test that passed only on a retry is
//! a warning of every run already, history or not), failures
//! that are new or known, and regressions (a test's duration, a load's p99 or
//! throughput, worse than the median of its recent green runs by
//! `REGRESSION_FACTOR`). Each finding names the numbers it rests on; a test with
//! a steady history gives none.

use super::entry::{RunEntry, TestEntry};
use crate::units::short_duration;
use std::time::Duration;

/// How many earlier runs of a test are read: for alternation and for medians.
pub const RECENT_RUNS: usize = 5;
/// A regression is a figure this many times worse than the median of its recent
/// green runs.
pub const REGRESSION_FACTOR: f64 = 2.0;
/// Medians need this many green runs before anything is called a regression.
pub const MIN_GREEN_RUNS: usize = 3;
/// Below these absolute differences a slowdown is noise, whatever the factor.
const MIN_TEST_SLOWDOWN_MS: f64 = 50.0;
const MIN_P99_SLOWDOWN_MS: f64 = 10.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FindingKind {
    /// Failed now; passed the previous time it ran.
    NewFailure,
    /// Changed between passed and failed at least twice in its recent runs.
    FlakyAlternating,
    /// Took `REGRESSION_FACTOR` times its median duration.
    SlowerTest,
    /// A load's p99 at `REGRESSION_FACTOR` times its median.
    SlowerLoad,
    /// A load's throughput at a `REGRESSION_FACTOR`th of its median.
    LowerThroughput,
    /// Failed now, and the previous time it ran too.
    KnownFailure,
}

impl FindingKind {
    /// Its name in the `--events` stream and in docs.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::NewFailure => "new_failure",
            FindingKind::FlakyAlternating => "flaky_alternating",
            FindingKind::SlowerTest => "slower_test",
            FindingKind::SlowerLoad => "slower_load",
            FindingKind::LowerThroughput => "lower_throughput",
            FindingKind::KnownFailure => "known_failure",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub kind: FindingKind,
    /// `Suite / Test`.
    pub test: String,
    /// The warning, in words, with its numbers.
    pub message: String,
}

/// The findings of `current` against the `earlier` runs (oldest first), most
/// important first.
pub fn findings(earlier: &[RunEntry], current: &RunEntry) -> Vec<Finding> {
    let mut found = Vec::new();
    for test in &current.tests {
        // Its earlier runs, newest first, leaving out those where it did not run.
        let history: Vec<&TestEntry> = earlier
            .iter()
            .rev()
            .filter_map(|run| run.find(test))
            .filter(|earlier| earlier.passed() || earlier.failed())
            .take(RECENT_RUNS)
            .collect();
        found.extend(failure_finding(test, &history));
        found.extend(flaky_findings(test, &history));
        found.extend(regressions(test, &history));
    }
    found.sort_by_key(|finding| finding.kind);
    found
}

fn finding(kind: FindingKind, test: &TestEntry, message: String) -> Finding {
    Finding {
        kind,
        test: test.full_name(),
        message,
    }
}

fn failure_finding(test: &TestEntry, history: &[&TestEntry]) -> Option<Finding> {
    if !test.failed() {
        return None;
    }
    let last = history.first()?;
    if last.passed() {
        let streak = history
            .iter()
            .take_while(|earlier| earlier.passed())
            .count();
        Some(finding(
            FindingKind::NewFailure,
            test,
            format!(
                "new failure: `{}` failed; it passed in its {}",
                test.full_name(),
                runs_phrase(streak)
            ),
        ))
    } else {
        let streak = history
            .iter()
            .take_while(|earlier| earlier.failed())
            .count();
        Some(finding(
            FindingKind::KnownFailure,
            test,
            format!(
                "known failure: `{}` failed in its {} too",
                test.full_name(),
                runs_phrase(streak)
            ),
        ))
    }
}

/// "previous run", "last 3 runs".
fn runs_phrase(count: usize) -> String {
    if count == 1 {
        "previous run".to_string()
    } else {
        format!("last {count} runs")
    }
}

fn flaky_findings(test: &TestEntry, history: &[&TestEntry]) -> Vec<Finding> {
    let mut found = Vec::new();
    if test.passed() || test.failed() {
        // Oldest first, ending with this run.
        let mut statuses: Vec<&str> = history
            .iter()
            .rev()
            .map(|earlier| earlier.status.as_str())
            .collect();
        statuses.push(&test.status);
        let changes = statuses
            .windows(2)
            .filter(|pair| pair[0] != pair[1])
            .count();
        if changes >= 2 {
            found.push(finding(
                FindingKind::FlakyAlternating,
                test,
                format!(
                    "flaky: `{}` changed between passed and failed {changes} times in its last {} runs ({})",
                    test.full_name(),
                    statuses.len(),
                    statuses.join(", ")
                ),
            ));
        }
    }
    found
}

/// Milliseconds as a load summary shows them: `450µs`, `102.5ms`, `1.25s`.
fn shown(millis: f64) -> String {
    short_duration(Duration::from_secs_f64(millis.max(0.0) / 1000.0))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

fn regressions(test: &TestEntry, history: &[&TestEntry]) -> Vec<Finding> {
    let mut found = Vec::new();
    // A retried test's time includes its failed attempts: not comparable.
    if !test.passed() || test.attempts > 1 {
        return found;
    }
    // Green runs: passed at the first attempt.
    let green: Vec<&&TestEntry> = history
        .iter()
        .filter(|earlier| earlier.passed() && earlier.attempts == 1)
        .collect();
    if green.len() < MIN_GREEN_RUNS {
        return found;
    }
    let typical = median(green.iter().map(|earlier| earlier.duration_ms).collect());
    if test.duration_ms > REGRESSION_FACTOR * typical
        && test.duration_ms - typical >= MIN_TEST_SLOWDOWN_MS
    {
        found.push(finding(
            FindingKind::SlowerTest,
            test,
            format!(
                "regression: `{}` took {}, {:.1}× the median of its last {} green runs ({})",
                test.full_name(),
                shown(test.duration_ms),
                test.duration_ms / typical,
                green.len(),
                shown(typical),
            ),
        ));
    }
    for (index, load) in test.loads.iter().enumerate() {
        let earlier: Vec<_> = green
            .iter()
            .filter_map(|entry| entry.loads.get(index))
            .collect();
        if earlier.len() < MIN_GREEN_RUNS {
            continue;
        }
        let which = if test.loads.len() == 1 {
            format!("the load of `{}`", test.full_name())
        } else {
            format!("load {} of `{}`", index + 1, test.full_name())
        };
        let p99 = median(earlier.iter().map(|load| load.p99_ms).collect());
        if load.p99_ms > REGRESSION_FACTOR * p99 && load.p99_ms - p99 >= MIN_P99_SLOWDOWN_MS {
            found.push(finding(
                FindingKind::SlowerLoad,
                test,
                format!(
                    "regression: {which} had a p99 of {}, {:.1}× the median of its last {} green runs ({})",
                    shown(load.p99_ms),
                    load.p99_ms / p99,
                    earlier.len(),
                    shown(p99),
                ),
            ));
        }
        let throughput = median(earlier.iter().map(|load| load.throughput).collect());
        if load.throughput * REGRESSION_FACTOR < throughput {
            found.push(finding(
                FindingKind::LowerThroughput,
                test,
                format!(
                    "regression: {which} reached {:.0} req/s, {:.2}× the median of its last {} green runs ({:.0} req/s)",
                    load.throughput,
                    load.throughput / throughput,
                    earlier.len(),
                    throughput,
                ),
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::LoadEntry;

    fn test(status: &str, attempts: u32, duration_ms: f64) -> TestEntry {
        TestEntry {
            suite: "S".to_string(),
            name: "T".to_string(),
            file: "s.rit".to_string(),
            status: status.to_string(),
            attempts,
            duration_ms,
            loads: Vec::new(),
        }
    }

    fn run(tests: Vec<TestEntry>) -> RunEntry {
        let mut run = RunEntry::new(0, vec!["s.rit".to_string()]);
        run.tests = tests;
        run
    }

    fn kinds(earlier: &[RunEntry], current: &RunEntry) -> Vec<FindingKind> {
        findings(earlier, current)
            .into_iter()
            .map(|finding| finding.kind)
            .collect()
    }

    #[test]
    fn a_steady_history_gives_nothing() {
        let earlier: Vec<RunEntry> = (0..6)
            .map(|_| run(vec![test("passed", 1, 100.0)]))
            .collect();
        assert!(kinds(&earlier, &run(vec![test("passed", 1, 120.0)])).is_empty());
        // The first run of a test has nothing to be compared with.
        assert!(kinds(&[], &run(vec![test("failed", 1, 100.0)])).is_empty());
    }

    #[test]
    fn failures_are_new_or_known() {
        let passed = vec![run(vec![test("passed", 1, 10.0)]); 3];
        let found = findings(&passed, &run(vec![test("failed", 1, 10.0)]));
        assert_eq!(found[0].kind, FindingKind::NewFailure);
        assert_eq!(
            found[0].message,
            "new failure: `S / T` failed; it passed in its last 3 runs"
        );
        let failed = vec![run(vec![test("failed", 1, 10.0)])];
        let found = findings(&failed, &run(vec![test("failed", 1, 10.0)]));
        assert_eq!(
            found[0].message,
            "known failure: `S / T` failed in its previous run too"
        );
    }

    #[test]
    fn an_alternation_is_flaky_and_a_retry_is_not_a_finding() {
        // Every run's report already says a test passed only after retries.
        assert!(kinds(&[], &run(vec![test("passed", 2, 10.0)])).is_empty());
        let earlier = vec![
            run(vec![test("passed", 1, 10.0)]),
            run(vec![test("failed", 1, 10.0)]),
        ];
        let found = findings(&earlier, &run(vec![test("passed", 1, 10.0)]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].message,
            "flaky: `S / T` changed between passed and failed 2 times in its last 3 runs (passed, failed, passed)"
        );
    }

    #[test]
    fn slower_tests_and_loads_are_regressions_beyond_noise() {
        let earlier: Vec<RunEntry> = [100.0, 110.0, 90.0, 105.0]
            .into_iter()
            .map(|ms| {
                let mut entry = test("passed", 1, ms);
                entry.loads = vec![LoadEntry {
                    p99_ms: 20.0,
                    throughput: 1000.0,
                }];
                run(vec![entry])
            })
            .collect();
        let mut slow = test("passed", 1, 330.0);
        slow.loads = vec![LoadEntry {
            p99_ms: 61.0,
            throughput: 400.0,
        }];
        let found = findings(&earlier, &run(vec![slow]));
        let messages: Vec<&str> = found
            .iter()
            .map(|finding| finding.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "regression: `S / T` took 330ms, 3.2× the median of its last 4 green runs (102.5ms)",
                "regression: the load of `S / T` had a p99 of 61ms, 3.0× the median of its last 4 green runs (20ms)",
                "regression: the load of `S / T` reached 400 req/s, 0.40× the median of its last 4 green runs (1000 req/s)",
            ]
        );
        // Twice as slow but only 30ms slower: noise.
        let quick: Vec<RunEntry> = (0..4).map(|_| run(vec![test("passed", 1, 20.0)])).collect();
        assert!(kinds(&quick, &run(vec![test("passed", 1, 50.0)])).is_empty());
        // Fewer than three green runs: no median to speak of.
        assert!(kinds(&quick[..2], &run(vec![test("passed", 1, 900.0)])).is_empty());
    }
}
