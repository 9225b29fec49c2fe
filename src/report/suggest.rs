//! The wording of suggestions and recommendations, in one place. A suggestion
//! comes from the cause of one failure and the values it saw (docs/reports.md,
//! "Suggestions"); the recommendations of a run are derived from the kinds and
//! causes of all its failures and warnings. Matched on data (`failure::Cause`,
//! decided where the failure happened), never on the wording of a message, so a
//! backend may reword its errors freely. Pure functions of report data, so `ritc
//! merge` derives them the same way as a run does.

// Each cause is a decision here: a new one is a compile error until it has its
// suggestion (or says it has none).
#![deny(clippy::wildcard_enum_match_arm)]

use super::model::{FailureRecord, RunReport, TestRecord, TestResult};
use crate::failure::{Cause, FailureKind, ProblemCause, StepErrorKind};
use crate::watch::ResourceKind;
use serde_json::Value as Json;

/// What to look at first, from the cause of a failure and the values it saw.
pub fn for_failure(
    failure: &FailureRecord,
    service_log: &[String],
    loads: &[Json],
) -> Option<String> {
    Some(match failure.cause {
        Cause::HostNotFound => "the host name does not resolve: check the host in the URL (a typo, or a name that exists only inside a container network) and the `base` param".to_string(),
        Cause::ConnectionRefused => "nothing listens at that address: the service is not up or listens on another port — look at its `ready` probe, the port in the URL and the service log tail".to_string(),
        Cause::ConnectionFailed | Cause::ConnectionLost => "the connection could not be made: check that the service is up and reachable from here (host, port, firewall) and read its log tail".to_string(),
        Cause::StepTimeout => "no answer within the step's timeout: look at the service's health and log tail; raise the step's `timeout` (or --timeout) only if the work is legitimately slow".to_string(),
        Cause::TestTimeout => "the test ran out of its own `timeout`: the last step in flight is the slow one — look at the service's health, or raise the test's `timeout` if the work is legitimately slow".to_string(),
        Cause::TlsHandshake => "the TLS handshake failed, most often an untrusted, expired or wrong-host certificate: fix the certificate, or add `insecure` to this step if that is intended for this environment".to_string(),
        Cause::BodyTooLarge => "the response body is past what ritc reads (--max-body, 64MB unless raised; docs/reliability.md): ask for less (a page, a range, a filter), check the endpoint does not stream without end, or raise --max-body if the whole body is needed".to_string(),
        Cause::ClosedBeforeAnswer => "the server closed the connection before answering: a crash (read the service log tail), or a kept-alive connection it closed as the request went out — ritc sends GET, HEAD, PUT, DELETE and OPTIONS again once on a fresh connection, never POST or PATCH; have the server send `Connection: close`, or keep idle connections open longer".to_string(),
        Cause::ProtocolError => "the exchange broke off or was not what the protocol expects: check the URL's scheme and port (http vs https, ws vs wss) and the service log tail for a crash".to_string(),
        Cause::SqlConnectionException => "the database connection failed: check the URL, that the server is up and accepts connections from here".to_string(),
        Cause::SqlInvalidAuthorization => "the database refused the credentials: check the user and password in the database URL".to_string(),
        Cause::SqlIntegrityConstraint => "a constraint was violated (unique, foreign key, not null): data from an earlier run may still be there — use unique values (uuid()) and clean up in teardown".to_string(),
        Cause::SqlDataException => "a value does not fit its column (type, length or range): check the values bound into the statement".to_string(),
        Cause::SqlSyntaxOrAccess => "the statement is wrong, names a missing table or column, or the user lacks the privilege: check that the migrations ran and the statement".to_string(),
        Cause::SqlTransactionRollback => "a deadlock or serialization failure: tests touching the same rows ran at once — retry the test or run them with --jobs 1".to_string(),
        Cause::SqlInsufficientResources => "the database server is out of resources (connections, disk or memory): check max_connections and the pool sizes".to_string(),
        Cause::SqlOperatorIntervention => "the statement was cancelled or the server is shutting down: look at the statement timeout and the server's log".to_string(),
        Cause::DatabaseError => "check the database URL, that the server is up, and the statement".to_string(),
        Cause::ProcessExit | Cause::ProcessSpawn | Cause::OutputTooLarge | Cause::CommandFailed => {
            "the command failed: read its output in the details; add `expect exit == N` after it if a non-zero exit is expected".to_string()
        }
        Cause::InvalidStep => "the step could not be built from its values (a URL, header or option): check the values it was given".to_string(),
        Cause::ServiceNotReady => "the service never became ready: read its log tail; check the readiness probe's URL, port or log line, and raise `within` if it starts slowly".to_string(),
        Cause::ServiceFailed => "the service stopped while the test ran: read its log tail for the crash".to_string(),
        Cause::NotJson => "the body is not JSON: look at the response's `content-type` and body (run with -v) — an HTML error page or an empty body is the usual cause".to_string(),
        Cause::MissingValue => "a value is missing from the response: the API's shape changed or the request did not do what was expected — compare with the body (run with -v)".to_string(),
        Cause::StatusMismatch => return status_of(failure).and_then(|status| for_status(status, service_log)),
        Cause::TooSlow => return too_slow(service_log, loads),
        Cause::RequestsFailed => {
            let errors = load_errors(loads);
            let seen = if errors.is_empty() {
                String::new()
            } else {
                format!(" (seen: {errors})")
            };
            format!(
                "requests failed under load{seen}: look at the load result's `errors` and `statuses`, connection limits (pool sizes, ulimit -n) and 5xx in the service log"
            )
        }
        Cause::ThroughputLow => "the service did not keep pace: check its CPU and connection pool saturation, and that the client machine is not the bottleneck".to_string(),
        Cause::SchemaMismatch => "the response does not match the schema: the violations are listed by JSON pointer — update the API or the schema".to_string(),
        Cause::NoBody
        | Cause::ExpectationFailed
        | Cause::EvaluationError
        | Cause::Interrupted
        | Cause::Other => return None,
    })
}

/// The status an expectation read (an operand `status` or `….status`), if any.
fn status_of(failure: &FailureRecord) -> Option<u64> {
    failure
        .actual
        .iter()
        .find(|(operand, _)| *operand == "status" || operand.ends_with(".status"))
        .and_then(|(_, value)| {
            value
                .as_u64()
                .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
        })
}

fn for_status(status: u64, service_log: &[String]) -> Option<String> {
    Some(match status {
        400 => "the request was rejected as malformed: compare its body and headers with what the endpoint expects (run with -v to see both)".to_string(),
        401 => "not authenticated: the token or credentials are missing, expired or from another environment — check how the test obtains them".to_string(),
        403 => "authenticated but not allowed: check the user's role and permissions, or the request's signature".to_string(),
        404 => "not found: check the URL's path and that the resource was created first (by this test, not another)".to_string(),
        405 => "method not allowed: check the HTTP method of the step for this route".to_string(),
        408 => "the service timed out reading the request: check the body and the service's request timeout".to_string(),
        409 => "a conflict: data from an earlier run is probably still there — make the test idempotent (unique values with uuid(), clean-up in teardown)".to_string(),
        413 => "the request body is too large for the service: send less, or raise its body limit".to_string(),
        415 => "unsupported media type: send the body the endpoint expects (`json`, `form`, `multipart`) and its content-type".to_string(),
        422 => "the body failed the service's validation: the response body names the field".to_string(),
        429 => "rate limited: slow the test down, or raise the limit for the test environment".to_string(),
        _ if (400..500).contains(&status) => format!("the service refused the request ({status}): compare the request with the API's contract (run with -v)"),
        502..=504 => format!("a gateway answered {status}: the service behind it is down or too slow — read the service log tail"),
        _ if (500..600).contains(&status) => match logged_error(service_log) {
            Some(quoted) => format!("the service failed with {status} and logged: {quoted}"),
            None => format!("the service failed with {status}: read the service log tail"),
        },
        _ => return None,
    })
}

/// A latency over its bound, told only from what was seen: the load's
/// percentiles (a p99 far above the p50 is queueing, a p50 near it a slow path)
/// and the errors the service logged. A single request over its bound with a
/// quiet log has no evidence to go on: no suggestion (never "add caching" to a
/// health check 0.8 ms over 1 ms).
fn too_slow(service_log: &[String], loads: &[Json]) -> Option<String> {
    let mut seen = Vec::new();
    let percentiles = loads.iter().find_map(|load| {
        let latency = load.get("latency")?;
        let p50 = latency.get("p50")?.as_str()?;
        let p99 = latency.get("p99")?.as_str()?;
        Some((
            p50.to_string(),
            crate::history::millis_of(p50)?,
            p99.to_string(),
            crate::history::millis_of(p99)?,
        ))
    });
    if let Some((p50_text, p50, p99_text, p99)) = percentiles {
        if p50 > 0.0 && p99 >= QUEUEING_RATIO * p50 && p99 - p50 >= 10.0 {
            seen.push(format!(
                "the load's p99 ({p99_text}) is {:.0}× its p50 ({p50_text}): most requests are fast and some wait — queueing or contention (connection pool, locks, a single worker), not a path slow for every request",
                p99 / p50
            ));
        } else {
            seen.push(format!(
                "the load's p50 ({p50_text}) is near its p99 ({p99_text}): every request takes the slow path — profile the endpoint (query plans, N+1 queries, work repeated per request)"
            ));
        }
    }
    if let Some(quoted) = logged_error(service_log) {
        seen.push(format!("the service logged: {quoted}"));
    }
    (!seen.is_empty()).then(|| format!("too slow: {}", seen.join("; ")))
}

/// A p99 this many times the p50 is queueing rather than a slow path.
const QUEUEING_RATIO: f64 = 5.0;

/// The last error the service log shows, with the stack-trace lines that follow
/// it (up to 3), quoted: recognised by common patterns (`ERROR`, `panicked`,
/// `Exception`, `Traceback`, `FATAL`, `level=error`), never by position alone.
pub fn logged_error(service_log: &[String]) -> Option<String> {
    let start = service_log.iter().rposition(|line| is_error_line(line))?;
    let mut quoted: Vec<&str> = vec![service_log.get(start)?.trim()];
    quoted.extend(
        service_log
            .iter()
            .skip(start + 1)
            .take_while(|line| is_stack_line(line))
            .take(3)
            .map(|line| without_service_prefix(line).trim()),
    );
    Some(format!("\"{}\"", quoted.join(" | ")))
}

fn is_error_line(line: &str) -> bool {
    let lower = line.to_lowercase();
    [
        "error",
        "panicked",
        "panic:",
        "exception",
        "traceback",
        "fatal",
        "critical",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// A line of a stack trace: Java's `at a.b(C.java:1)`, Python's `File "x", line
/// 3`, Rust's numbered frames, Go's `goroutine`/tab-indented frames.
fn is_stack_line(line: &str) -> bool {
    let trimmed = without_service_prefix(line).trim_start();
    trimmed.starts_with("at ")
        || trimmed.starts_with("File \"")
        || trimmed.starts_with("Caused by")
        || trimmed.starts_with("goroutine ")
        || trimmed.split_once(": ").is_some_and(|(number, _)| {
            !number.is_empty() && number.chars().all(|c| c.is_ascii_digit())
        })
}

/// A service-log line without the `[service] ` ritc puts before it.
fn without_service_prefix(line: &str) -> &str {
    match line.split_once("] ") {
        Some((name, rest)) if name.starts_with('[') => rest,
        _ => line,
    }
}

/// "connect: 3, timeout: 1" from the `errors` maps of load results.
fn load_errors(loads: &[Json]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for load in loads {
        if let Some(errors) = load.get("errors").and_then(Json::as_object) {
            for (kind, count) in errors {
                seen.push(format!("{kind}: {count}"));
            }
        }
    }
    seen.join(", ")
}

/// A problem outside any test (a service, setup, teardown).
pub fn for_problem(cause: ProblemCause) -> Option<String> {
    match cause {
        ProblemCause::ServiceNotReady | ProblemCause::ServiceExited => Some("the service never became ready: read its log tail; check the readiness probe's URL, port or log line, and raise `within` if it starts slowly".to_string()),
        ProblemCause::ServiceStartFailed => Some("the service could not be started: check its command, working directory and environment, and read its log tail".to_string()),
        ProblemCause::TeardownFailed => Some("teardown failed: later runs may find this run's data — make teardown tolerate what is already gone".to_string()),
        ProblemCause::ServicesKilled
        | ProblemCause::SetupFailed
        | ProblemCause::SecretNotMasked
        | ProblemCause::LeftoverProcesses
        | ProblemCause::HistoryNotRecorded
        | ProblemCause::Other => None,
    }
}

/// What to do about the run as a whole, from the kinds of its failures and
/// warnings; each recommendation names the tests it comes from.
pub fn recommendations(report: &RunReport, shards_missing: bool) -> Vec<String> {
    let mut recommendations = Vec::new();
    let failed: Vec<&TestRecord> = report
        .tests
        .iter()
        .filter(|test| matches!(test.status, TestResult::Failed | TestResult::Warned))
        .collect();
    let names = |pick: &dyn Fn(&TestRecord, &FailureRecord) -> bool| -> Vec<String> {
        failed
            .iter()
            .filter(|test| {
                test.failure.as_ref().is_some_and(|failure| {
                    std::iter::once(failure)
                        .chain(failure.also.iter())
                        .any(|one| pick(test, one))
                })
            })
            .map(|test| test.full_name())
            .collect()
    };
    let mut add = |tests: Vec<String>, text: &str| {
        if !tests.is_empty() {
            recommendations.push(format!("{text} ({})", tests.join(", ")));
        }
    };
    let unreachable = names(&|_, failure| {
        matches!(
            failure.kind,
            FailureKind::Step(StepErrorKind::Connection) | FailureKind::Service
        )
    });
    let service_problem = report.problems.iter().any(|problem| {
        matches!(
            problem.cause,
            ProblemCause::ServiceNotReady
                | ProblemCause::ServiceStartFailed
                | ProblemCause::ServiceExited
        )
    });
    if !unreachable.is_empty() || service_problem {
        let mut tests = unreachable;
        if service_problem && tests.is_empty() {
            tests.push("service start".to_string());
        }
        add(
            tests,
            "Give every service a readiness probe (`ready http|tcp|log … within D`) so tests start only once it answers",
        );
    }
    add(
        names(&|_, failure| {
            matches!(
                failure.kind,
                FailureKind::Step(StepErrorKind::Timeout) | FailureKind::TestTimeout
            )
        }),
        "Find why these steps hang (service health, locks, slow queries) before raising timeouts",
    );
    // Only where the suggestion had evidence (a load's percentiles, a logged
    // error): a request a little over its bound is no reason to add caching.
    add(
        names(&|_, failure| failure.cause == Cause::TooSlow && failure.suggestion.is_some()),
        "Find the slow path behind these endpoints from what their suggestions name (queueing under load, or a path slow for every request) before adding capacity",
    );
    add(
        names(&|_, failure| failure.cause == Cause::RequestsFailed),
        "Add connection pooling or capacity where requests failed under load",
    );
    add(
        names(&|_, failure| status_of(failure).is_some_and(|status| status >= 500)),
        "Fix the server errors shown in the service logs and add a test for the input that caused them",
    );
    add(
        names(&|_, failure| {
            status_of(failure).is_some_and(|status| status == 401 || status == 403)
        }),
        "Obtain credentials in one `fn` shared by the tests, from `secret`s read from the environment",
    );
    add(
        names(&|_, failure| {
            status_of(failure) == Some(409) || failure.cause == Cause::SqlIntegrityConstraint
        }),
        "Make tests idempotent: unique data per run (uuid()) and clean-up in teardown",
    );
    add(
        names(&|_, failure| {
            matches!(
                failure.cause,
                Cause::NotJson | Cause::NoBody | Cause::MissingValue
            )
        }),
        "Check the content type and error pages of the endpoints whose bodies were not the JSON expected",
    );
    add(
        names(&|_, failure| failure.kind == FailureKind::Step(StepErrorKind::Tls)),
        "Use certificates the test machine trusts, or mark the steps `insecure` deliberately",
    );
    add(
        names(&|_, failure| {
            failure.kind == FailureKind::Step(StepErrorKind::Database)
                && failure.cause != Cause::SqlIntegrityConstraint
        }),
        "Check the database's migrations, URL and privileges for the tests that reached it",
    );
    // Servers the steps used that came near a limit: after the failures, before
    // what only held barely, one recommendation per kind naming the servers.
    for kind in [
        ResourceKind::DatabaseConnections,
        ResourceKind::RedisMemory,
        ResourceKind::RedisEvictions,
        ResourceKind::RedisClients,
        ResourceKind::DatabaseLockWaits,
    ] {
        let servers: Vec<String> = report
            .resources
            .iter()
            .filter(|resource| resource.kind == kind)
            .map(|resource| match resource.percent {
                Some(percent) => format!("{} at {}%", resource.target, percent.floor()),
                None => resource.target.clone(),
            })
            .collect();
        add(servers, resource_recommendation(kind));
    }
    let warned: Vec<String> = report
        .tests
        .iter()
        .filter(|test| test.status == TestResult::Warned)
        .map(TestRecord::full_name)
        .collect();
    add(
        warned,
        "Fix the failures of `on failure warn` checkpoints before they are made blocking",
    );
    let soft: Vec<String> = report
        .tests
        .iter()
        .filter(|test| !test.warnings.is_empty())
        .map(TestRecord::full_name)
        .collect();
    add(
        soft,
        "Review each `warn expect` that did not hold: improve the service or change the limit deliberately",
    );
    let close: Vec<String> = report
        .tests
        .iter()
        .filter(|test| !test.close_to_limit.is_empty())
        .map(TestRecord::full_name)
        .collect();
    add(
        close,
        "Latencies within 10% of their limits will fail on a slower day: find the slow path now, or raise the limit deliberately",
    );
    let flaky: Vec<String> = report
        .tests
        .iter()
        .filter(|test| test.attempts > 1 && test.status == TestResult::Passed)
        .map(TestRecord::full_name)
        .collect();
    add(
        flaky,
        "These tests passed only after retries: find the race or readiness gap instead of relying on `retry`",
    );
    let busy: Vec<String> = report
        .services
        .iter()
        .filter(|service| service.high_cpu())
        .map(|service| format!("service `{}`", service.name))
        .collect();
    add(
        busy,
        "A service kept a CPU core busy while the tests ran: profile it (busy loops, polling, missing indexes, work repeated per request) or give it more CPU, or latency and load results measure a saturated machine",
    );
    let heavy: Vec<String> = report
        .services
        .iter()
        .filter(|service| service.high_memory())
        .map(|service| format!("service `{}`", service.name))
        .collect();
    add(
        heavy,
        "A service's memory peaked high while the tests ran: look for leaks and unbounded caches or buffers (does it grow with each run?), or set its memory limit deliberately",
    );
    // Tests skipped by their `skip` attribute; not those the run skipped
    // because it stopped (their reason is the stop's).
    let skipped = report
        .tests
        .iter()
        .filter(|test| {
            test.status == TestResult::Skipped
                && test.skip_reason != report.test_run.stop_reason
                && !test
                    .skip_reason
                    .as_deref()
                    .is_some_and(|reason| reason.starts_with("the setup of "))
        })
        .count();
    if skipped > 0 {
        recommendations.push(format!(
            "{skipped} test{} skipped: re-enable or delete {}",
            if skipped == 1 { " is" } else { "s are" },
            if skipped == 1 { "it" } else { "them" }
        ));
    }
    if report.test_run.interrupted {
        recommendations
            .push("The run was interrupted: run it again to see every result".to_string());
    } else if report.test_run.stopped_early {
        recommendations.push(match &report.test_run.stop_reason {
            Some(reason) => format!(
                "The run stopped before every test ran ({reason}): fix the first failure and run again"
            ),
            None => "The run stopped before every test ran (--fail-fast or an `on failure stop` checkpoint): fix the first failure and run again".to_string(),
        });
    }
    if shards_missing {
        recommendations.push("Merge the reports of every shard to see the whole run".to_string());
    }
    // Each once, at its first (most important) place.
    let mut seen = std::collections::HashSet::new();
    recommendations.retain(|recommendation| seen.insert(recommendation.clone()));
    recommendations
}

/// What to do about a server that came near a limit (the seed's "Add
/// connection pooling for database"), from the kind of what was seen.
fn resource_recommendation(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::DatabaseConnections => {
            "Add connection pooling for database: bound the pools of the service and the suite (--jobs) below the connection limit they came near, or raise the limit deliberately"
        }
        ResourceKind::RedisMemory => {
            "Give Redis memory room: expire or clean up what the tests write (TTLs, teardown), or raise maxmemory deliberately before writes are refused or keys evicted"
        }
        ResourceKind::RedisEvictions => {
            "Redis evicted keys while the tests ran: tests may read data that is gone — keep test data small or raise maxmemory"
        }
        ResourceKind::RedisClients => {
            "Share Redis connections (a pool or one multiplexed connection per process): clients came near maxclients"
        }
        ResourceKind::DatabaseLockWaits => {
            "Find the locks statements waited on (long transactions, tests touching the same rows at once); a run with --jobs 1 tells tests from the service"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    /// A failure built from data only: its message is nonsense on purpose, so a
    /// suggestion that still read the wording would be wrong.
    fn failure(kind: FailureKind, cause: Cause, actual: &[(&str, Json)]) -> FailureRecord {
        FailureRecord {
            kind,
            cause,
            message: "words that mean nothing to the suggester".to_string(),
            file: "a.rit".to_string(),
            line: 3,
            column: 3,
            source: String::new(),
            expected: None,
            actual: actual
                .iter()
                .map(|(name, value)| (name.to_string(), value.clone()))
                .collect::<Map<_, _>>(),
            detail: None,
            suggestion: None,
            also: Vec::new(),
        }
    }

    fn suggest(kind: FailureKind, cause: Cause) -> Option<String> {
        for_failure(
            &failure(kind, cause, &[]),
            &["[api] ERROR pool exhausted".to_string()],
            &[],
        )
    }

    const CONNECTION: FailureKind = FailureKind::Step(StepErrorKind::Connection);
    const DATABASE: FailureKind = FailureKind::Step(StepErrorKind::Database);

    /// Every cause, the kind it comes with, and words its suggestion must hold
    /// (`None`: it has none).
    const EVERY_CAUSE: &[(Cause, FailureKind, Option<&str>)] = &[
        (
            Cause::ConnectionRefused,
            CONNECTION,
            Some("nothing listens"),
        ),
        (Cause::HostNotFound, CONNECTION, Some("does not resolve")),
        (
            Cause::ConnectionFailed,
            CONNECTION,
            Some("could not be made"),
        ),
        (Cause::ConnectionLost, CONNECTION, Some("could not be made")),
        (
            Cause::TlsHandshake,
            FailureKind::Step(StepErrorKind::Tls),
            Some("`insecure`"),
        ),
        (
            Cause::StepTimeout,
            FailureKind::Step(StepErrorKind::Timeout),
            Some("step's timeout"),
        ),
        (
            Cause::ClosedBeforeAnswer,
            FailureKind::Step(StepErrorKind::Protocol),
            Some("closed the connection before answering"),
        ),
        (
            Cause::BodyTooLarge,
            FailureKind::Step(StepErrorKind::Protocol),
            Some("--max-body"),
        ),
        (
            Cause::ProtocolError,
            FailureKind::Step(StepErrorKind::Protocol),
            Some("http vs https"),
        ),
        (
            Cause::SqlConnectionException,
            DATABASE,
            Some("database connection failed"),
        ),
        (
            Cause::SqlInvalidAuthorization,
            CONNECTION,
            Some("refused the credentials"),
        ),
        (Cause::SqlIntegrityConstraint, DATABASE, Some("constraint")),
        (
            Cause::SqlDataException,
            DATABASE,
            Some("does not fit its column"),
        ),
        (Cause::SqlSyntaxOrAccess, DATABASE, Some("migrations")),
        (Cause::SqlTransactionRollback, DATABASE, Some("deadlock")),
        (
            Cause::SqlInsufficientResources,
            DATABASE,
            Some("max_connections"),
        ),
        (Cause::SqlOperatorIntervention, DATABASE, Some("cancelled")),
        (Cause::DatabaseError, DATABASE, Some("database URL")),
        (
            Cause::ProcessExit,
            FailureKind::Step(StepErrorKind::Command),
            Some("expect exit == N"),
        ),
        (
            Cause::ProcessSpawn,
            FailureKind::Step(StepErrorKind::Command),
            Some("the command failed"),
        ),
        (
            Cause::OutputTooLarge,
            FailureKind::Step(StepErrorKind::Command),
            Some("the command failed"),
        ),
        (
            Cause::CommandFailed,
            FailureKind::Step(StepErrorKind::Command),
            Some("the command failed"),
        ),
        (
            Cause::InvalidStep,
            FailureKind::Step(StepErrorKind::Usage),
            Some("could not be built"),
        ),
        (Cause::StatusMismatch, FailureKind::Expectation, None),
        (
            Cause::TooSlow,
            FailureKind::Expectation,
            Some("the service logged: \"[api] ERROR pool exhausted\""),
        ),
        (
            Cause::RequestsFailed,
            FailureKind::Expectation,
            Some("failed under load"),
        ),
        (
            Cause::ThroughputLow,
            FailureKind::Expectation,
            Some("keep pace"),
        ),
        (
            Cause::SchemaMismatch,
            FailureKind::Expectation,
            Some("JSON pointer"),
        ),
        (Cause::ExpectationFailed, FailureKind::Expectation, None),
        (Cause::NotJson, FailureKind::Evaluation, Some("not JSON")),
        (Cause::NoBody, FailureKind::Evaluation, None),
        (
            Cause::MissingValue,
            FailureKind::Evaluation,
            Some("missing from the response"),
        ),
        (Cause::EvaluationError, FailureKind::Evaluation, None),
        (
            Cause::TestTimeout,
            FailureKind::TestTimeout,
            Some("its own `timeout`"),
        ),
        (
            Cause::ServiceNotReady,
            FailureKind::Service,
            Some("never became ready"),
        ),
        (
            Cause::ServiceFailed,
            FailureKind::Service,
            Some("stopped while the test ran"),
        ),
        (Cause::Interrupted, FailureKind::Interrupted, None),
        (Cause::Other, FailureKind::Step(StepErrorKind::Other), None),
    ];

    #[test]
    fn each_cause_has_its_suggestion() {
        for (cause, kind, words) in EVERY_CAUSE {
            let suggestion = suggest(*kind, *cause);
            match words {
                Some(words) => assert!(
                    suggestion
                        .as_deref()
                        .is_some_and(|text| text.contains(words)),
                    "{cause:?}: {suggestion:?} does not say {words:?}"
                ),
                None => assert_eq!(suggestion, None, "{cause:?}"),
            }
        }
    }

    #[test]
    fn every_cause_is_in_the_table() {
        // A new cause fails here until its suggestion is tested.
        for cause in Cause::ALL {
            assert!(
                EVERY_CAUSE.iter().any(|(known, _, _)| *known == cause),
                "{cause:?} is not in EVERY_CAUSE"
            );
        }
        assert_eq!(EVERY_CAUSE.len(), Cause::ALL.len());
    }

    #[test]
    fn a_suggestion_follows_the_cause_not_the_words() {
        // The message says "refused"; the cause says the name did not resolve.
        let mut record = failure(CONNECTION, Cause::HostNotFound, &[]);
        record.message = "connection refused (http://127.0.0.1:1/)".to_string();
        let text = for_failure(&record, &[], &[]).unwrap_or_default();
        assert!(text.contains("does not resolve"), "{text}");
    }

    #[test]
    fn statuses_by_code() {
        let with_status = |status: Json| {
            for_failure(
                &failure(
                    FailureKind::Expectation,
                    Cause::StatusMismatch,
                    &[("status", status)],
                ),
                &["[api] ERROR pool exhausted".to_string()],
                &[],
            )
            .unwrap_or_default()
        };
        assert!(with_status(Json::from(401)).contains("not authenticated"));
        assert!(with_status(Json::from(403)).contains("not allowed"));
        assert!(with_status(Json::from(404)).contains("not found"));
        assert!(with_status(Json::from(409)).contains("idempotent"));
        assert!(with_status(Json::from(422)).contains("validation"));
        assert!(with_status(Json::from(429)).contains("rate limited"));
        assert!(with_status(Json::from(418)).contains("refused the request (418)"));
        assert!(with_status(Json::from("404")).contains("not found"));
        let server = with_status(Json::from(500));
        assert!(
            server.contains("logged: ") && server.contains("pool exhausted"),
            "{server}"
        );
        assert_eq!(with_status(Json::from(200)), "");
    }

    #[test]
    fn a_request_over_its_bound_with_a_quiet_log_has_no_suggestion() {
        // /health at 1.8ms against `latency < 1ms`: nothing seen, nothing said.
        let slow = failure(
            FailureKind::Expectation,
            Cause::TooSlow,
            &[("latency", Json::from("1.8ms"))],
        );
        let quiet = ["[api] GET /health 200".to_string()];
        assert_eq!(for_failure(&slow, &quiet, &[]), None);
    }

    #[test]
    fn a_slow_load_is_told_by_its_percentiles() {
        let slow = failure(FailureKind::Expectation, Cause::TooSlow, &[]);
        let queueing = [serde_json::json!({"latency": {"p50": "4ms", "p99": "180ms"}})];
        let text = for_failure(&slow, &[], &queueing).unwrap_or_default();
        assert!(
            text.contains("p99 (180ms) is 45× its p50 (4ms)") && text.contains("queueing"),
            "{text}"
        );
        let uniform = [serde_json::json!({"latency": {"p50": "150ms", "p99": "190ms"}})];
        let text = for_failure(&slow, &[], &uniform).unwrap_or_default();
        assert!(text.contains("every request takes the slow path"), "{text}");
        assert!(!text.contains("caching"), "{text}");
    }

    #[test]
    fn a_logged_error_is_quoted_with_its_stack() {
        let log: Vec<String> = [
            "[api] GET /orders 200",
            "[api] Exception in thread \"main\" java.lang.IllegalStateException: pool exhausted",
            "[api]     at com.shop.Pool.take(Pool.java:42)",
            "[api]     at com.shop.Orders.list(Orders.java:17)",
            "[api] GET /health 200",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            logged_error(&log).as_deref(),
            Some(
                "\"[api] Exception in thread \"main\" java.lang.IllegalStateException: pool exhausted | at com.shop.Pool.take(Pool.java:42) | at com.shop.Orders.list(Orders.java:17)\""
            )
        );
        let quiet = [
            "[api] GET /health 200".to_string(),
            "[api] listening".to_string(),
        ];
        assert_eq!(logged_error(&quiet), None);
        // A 500 with a quiet log points at the log, quoting nothing.
        let server = failure(
            FailureKind::Expectation,
            Cause::StatusMismatch,
            &[("status", Json::from(500))],
        );
        let text = for_failure(&server, &quiet, &[]).unwrap_or_default();
        assert_eq!(
            text,
            "the service failed with 500: read the service log tail"
        );
        let text = for_failure(&server, &log, &[]).unwrap_or_default();
        assert!(
            text.contains("logged: \"[api] Exception in thread"),
            "{text}"
        );
    }

    #[test]
    fn load_errors_are_named() {
        let rate = failure(FailureKind::Expectation, Cause::RequestsFailed, &[]);
        let loads = [serde_json::json!({"errors": {"timeout": 3}})];
        let text = for_failure(&rate, &[], &loads).unwrap_or_default();
        assert!(
            text.contains("failed under load") && text.contains("timeout: 3"),
            "{text}"
        );
    }

    #[test]
    fn resource_warnings_give_one_recommendation_per_kind_and_none_twice() {
        let report: RunReport = serde_json::from_value(serde_json::json!({
            "format": "ritc-report/1",
            "test_run": {"timestamp": "2026-12-06T00:00:00Z", "duration": "1s", "status": "PASSED", "files": []},
            "summary": {"total_tests": 0, "passed": 0, "failed": 0, "skipped": 0, "warnings": 2},
            "resources": [
                {"kind": "redis_memory", "target": "redis://a:6379", "percent": 86.2, "at_ms": 10.0, "message": "m1"},
                {"kind": "redis_memory", "target": "redis://b:6379", "percent": 91.0, "at_ms": 20.0, "message": "m2"},
                {"kind": "database_lock_waits", "target": "postgres://db/test", "percent": null, "at_ms": 30.0, "message": "m3"}
            ]
        }))
        .unwrap();
        let recommendations = recommendations(&report, false);
        assert_eq!(recommendations.len(), 2, "{recommendations:?}");
        assert!(
            recommendations[0].starts_with("Give Redis memory room")
                && recommendations[0].ends_with("(redis://a:6379 at 86%, redis://b:6379 at 91%)"),
            "{recommendations:?}"
        );
        assert!(
            recommendations[1].ends_with("(postgres://db/test)"),
            "{recommendations:?}"
        );
        // A run with no warning recommends nothing of the kind.
        let mut quiet = report.clone();
        quiet.resources.clear();
        assert_eq!(super::recommendations(&quiet, false), Vec::<String>::new());
    }

    #[test]
    fn problems_by_cause() {
        assert!(
            for_problem(ProblemCause::ServiceNotReady)
                .is_some_and(|text| text.contains("never became ready"))
        );
        assert!(
            for_problem(ProblemCause::ServiceStartFailed)
                .is_some_and(|text| text.contains("could not be started"))
        );
        assert!(
            for_problem(ProblemCause::TeardownFailed).is_some_and(|text| text.contains("teardown"))
        );
        assert_eq!(for_problem(ProblemCause::LeftoverProcesses), None);
        assert_eq!(for_problem(ProblemCause::ServicesKilled), None);
    }
}
