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

use super::logged_error::logged_error;
use super::model::{FailureRecord, RunReport, TestRecord, TestResult};
use crate::evidence::{Evidence, Readiness};
use crate::failure::{Cause, FailureKind, ProblemCause, StepErrorKind};
use crate::history::{Finding, FindingKind};
use crate::run::outcome::ServiceLogLine;
use crate::watch::ResourceKind;
use serde_json::Value as Json;

/// What to look at first, from the cause of a failure and what was seen:
/// each suggestion names its evidence (the command and its exit, the
/// response's status and body, the timing, the load's figures, the error the
/// service logged around the request), or there is none (docs/reports.md,
/// "Suggestions"). A cause that by itself says what to fix (connection
/// refused, a name that does not resolve, TLS, a SQLSTATE class, a status
/// code) is itself what was seen.
pub fn for_failure(
    failure: &FailureRecord,
    service_log: &[ServiceLogLine],
    loads: &[Json],
) -> Option<String> {
    let seen = Seen {
        failure,
        service_log,
        loads,
    };
    let explained = |meaning: &str| Some(seen.with_logged_error(meaning.to_string(), false));
    match failure.cause {
        Cause::HostNotFound => explained(
            "the host name does not resolve: check the host in the URL (a typo, or a name that exists only inside a container network) and the `base` param",
        ),
        Cause::ConnectionRefused => explained(
            "nothing listens at that address: the service is not up or listens on another port — look at its `ready` probe and the port in the URL",
        ),
        Cause::TlsHandshake => explained(
            "the TLS handshake failed, most often an untrusted, expired or wrong-host certificate: fix the certificate, or add `insecure` to this step if that is intended for this environment",
        ),
        Cause::BodyTooLarge => explained(
            "the response body is past what ritc reads (--max-body, 64MB unless raised; docs/reliability.md): ask for less (a page, a range, a filter), check the endpoint does not stream without end, or raise --max-body if the whole body is needed",
        ),
        Cause::ClosedBeforeAnswer => explained(
            "the server closed the connection before answering: a crash, or a kept-alive connection it closed as the request went out — ritc sends GET, HEAD, PUT, DELETE and OPTIONS again once on a fresh connection, never POST or PATCH; have the server send `Connection: close`, or keep idle connections open longer",
        ),
        Cause::ProtocolError => explained(
            "the exchange broke off or was not what the protocol expects: check the URL's scheme and port (http vs https, ws vs wss)",
        ),
        Cause::SqlConnectionException => explained(
            "the database connection failed (SQLSTATE class 08): check the URL, that the server is up and accepts connections from here",
        ),
        Cause::SqlInvalidAuthorization => explained(
            "the database refused the credentials (SQLSTATE class 28): check the user and password in the database URL",
        ),
        Cause::SqlIntegrityConstraint => explained(
            "a constraint was violated (unique, foreign key, not null): data from an earlier run may still be there — use unique values (uuid()) and clean up in teardown",
        ),
        Cause::SqlDataException => explained(
            "a value was refused (SQLSTATE class 22: of the wrong form for its type, too long, out of range, or a division by zero): check the values bound into the statement and what it computes from them",
        ),
        Cause::SqlSyntaxOrAccess => explained(
            "the statement is wrong, names a missing table or column, or the user lacks the privilege (SQLSTATE class 42): check that the migrations ran and the statement",
        ),
        Cause::SqlTransactionRollback => explained(
            "a deadlock or serialization failure (SQLSTATE class 40): tests touching the same rows ran at once — retry the test or run them with --jobs 1",
        ),
        Cause::SqlInsufficientResources => explained(
            "the database server is out of resources (SQLSTATE class 53: connections, disk or memory): check max_connections and the pool sizes",
        ),
        Cause::SqlOperatorIntervention => explained(
            "the statement was cancelled or the server is shutting down (SQLSTATE class 57): look at the statement timeout and the server's log",
        ),
        Cause::OutputTooLarge => explained(
            "the command writes more than ritc reads: send its output to a file (`> out.log`) and read what is needed from there",
        ),
        // Catch-all causes and waits: only what was seen says anything. A
        // service that could not start (`ServiceFailed`) is a problem of the
        // run, told by `for_problem`; no test's failure has that cause.
        Cause::ServiceFailed
        | Cause::ConnectionFailed
        | Cause::ConnectionLost
        | Cause::DatabaseError
        | Cause::ServiceNotReady
        | Cause::TestTimeout
        // What the service logged while the load ran; the condition and its
        // values are in the message already.
        | Cause::LoadAborted => seen.logged_error_only(),
        Cause::StepTimeout => seen.command().or_else(|| seen.logged_error_only()),
        Cause::ProcessExit => seen.command(),
        Cause::StatusMismatch => seen.status(),
        Cause::TooSlow => seen.too_slow(),
        Cause::RequestsFailed => seen.requests_failed(),
        Cause::ThroughputLow => seen
            .load_percentiles()
            .map(|shape| format!("the load did not keep pace: {shape}")),
        Cause::NotJson => seen.response_then("not the JSON the test reads"),
        Cause::NoBody => seen.response_then("no body for the test to read"),
        Cause::MissingValue => seen.response_then("the value read is not in it"),
        Cause::SchemaMismatch => seen.response_then("the violations are listed by JSON pointer"),
        Cause::ExpectationFailed => seen.command().or_else(|| seen.response()),
        Cause::ProcessSpawn
        | Cause::CommandFailed
        | Cause::InvalidStep
        | Cause::EvaluationError
        | Cause::Interrupted
        | Cause::Other => None,
    }
}

/// What a failure's suggestion may cite: its evidence, the service-log lines
/// of its test and the results of its loads.
struct Seen<'a> {
    failure: &'a FailureRecord,
    service_log: &'a [ServiceLogLine],
    loads: &'a [Json],
}

impl Seen<'_> {
    /// `text`, then the error the service logged, if it logged one (`recent`:
    /// only from the request on, for a failure the request itself caused).
    fn with_logged_error(&self, text: String, recent: bool) -> String {
        match self.logged_error(recent) {
            Some(quoted) => format!("{text}; the service logged {quoted}"),
            None => text,
        }
    }

    fn logged_error(&self, recent: bool) -> Option<String> {
        let request = self.failure.evidence.started_unix_ms;
        logged_error(
            self.service_log,
            request,
            if recent { request } else { None },
        )
    }

    /// The error the service logged since the test started, as the whole
    /// suggestion: for a cause that says nothing by itself, a line an earlier
    /// test caused would be taken for this failure's explanation.
    fn logged_error_only(&self) -> Option<String> {
        let evidence = &self.failure.evidence;
        logged_error(
            self.service_log,
            evidence.started_unix_ms,
            evidence.test_started_unix_ms,
        )
        .map(|quoted| format!("the service logged {quoted}"))
    }

    /// A command that failed: as run, its exit, its last stderr lines; nothing
    /// for one that exited 0.
    fn command(&self) -> Option<String> {
        let command = self.failure.evidence.command.as_ref()?;
        let ended = match command.exit {
            Some(0) => return None,
            Some(exit) => format!("`{}` exited with status {exit}", command.command),
            None => format!("`{}` did not exit and was ended", command.command),
        };
        let output = match (&command.stderr_tail[..], &command.stdout_tail[..]) {
            ([], []) => "; it wrote nothing".to_string(),
            ([], stdout) => format!(
                "; stderr was empty, stdout ended with \"{}\"",
                stdout.join(" | ")
            ),
            (stderr, _) => format!("; stderr ended with \"{}\"", stderr.join(" | ")),
        };
        let hint = match (self.failure.cause, command.exit) {
            (Cause::ProcessExit, Some(exit)) => {
                format!(" — if that exit is intended, say so with `expect exit == {exit}` after it")
            }
            _ => String::new(),
        };
        Some(format!("{ended}{output}{hint}"))
    }

    /// The response the failure read: "GET http://…/x answered 404
    /// (application/json, 58 bytes): "{…}"".
    fn response(&self) -> Option<String> {
        let response = self.failure.evidence.response.as_ref()?;
        let kind = match &response.content_type {
            Some(content_type) => format!("{content_type}, "),
            None => String::new(),
        };
        let body = if response.body_bytes == 0 {
            " with an empty body".to_string()
        } else {
            format!(
                " ({kind}{} bytes): \"{}\"",
                response.body_bytes, response.body_excerpt
            )
        };
        Some(format!(
            "{} {} answered {}{body}",
            response.method, response.url, response.status
        ))
    }

    /// The response, then what it means for the failure.
    fn response_then(&self, meaning: &str) -> Option<String> {
        self.response()
            .map(|response| format!("{response}: {meaning}"))
    }

    /// A status expectation: the response (or the status read), what the code
    /// says, and for a 5xx the error the service logged after the request.
    fn status(&self) -> Option<String> {
        let status = status_of(self.failure)?;
        let meaning = status_meaning(status)?;
        let seen = self
            .response()
            .unwrap_or_else(|| format!("the status was {status}"));
        let text = format!("{seen} — {meaning}");
        Some(if status >= 500 {
            self.with_logged_error(text, true)
        } else {
            text
        })
    }

    /// A latency over its bound, told only from what was seen: the step's
    /// timing, a load's percentiles, the error the service logged. A bound
    /// alone is no reason for advice (never "add caching" to a health check
    /// 0.8 ms over 1 ms).
    fn too_slow(&self) -> Option<String> {
        let mut seen = Vec::new();
        if let Some(timing) = self.timing() {
            seen.push(timing);
        }
        if let Some(shape) = self.load_percentiles() {
            seen.push(shape);
        }
        if let Some(quoted) = self.logged_error(true) {
            seen.push(format!("the service logged {quoted}"));
        }
        (!seen.is_empty()).then(|| format!("too slow: {}", seen.join("; ")))
    }

    /// "GET http://… took 301ms: connecting took 0.2ms, then the service took
    /// 299.8ms to send its response head (waiting) and its body took 1ms"; where
    /// the client does not tell connecting apart, "its response head came after
    /// 300ms (the service's time to answer, connecting included)".
    fn timing(&self) -> Option<String> {
        let timing = self.failure.evidence.timing.as_ref()?;
        let what = match (
            &self.failure.evidence.response,
            &self.failure.evidence.command,
        ) {
            (Some(response), _) => format!("{} {}", response.method, response.url),
            (None, Some(command)) => format!("`{}`", command.command),
            (None, None) => "the step".to_string(),
        };
        let total = format!("{what} took {}", shown_ms(timing.total_ms));
        let Some(head) = timing.first_byte_ms else {
            return Some(total);
        };
        let body = shown_ms((timing.total_ms - head).max(0.0));
        Some(match timing.connect_ms {
            Some(_) if timing.reused_connection => format!(
                "{total} on a kept-alive connection (no connecting): the service took {} to send its response head (waiting) and its body took {body}",
                shown_ms(head)
            ),
            Some(connect) => {
                let waiting = (head - connect).max(0.0);
                let most = if connect > waiting {
                    " — most of it connecting, before the service saw the request"
                } else {
                    ""
                };
                format!(
                    "{total}: connecting took {}, then the service took {} to send its response head (waiting) and its body took {body}{most}",
                    shown_ms(connect),
                    shown_ms(waiting)
                )
            }
            None => format!(
                "{total}: its response head came after {} (the service's time to answer, connecting included) and its body took {body}",
                shown_ms(head)
            ),
        })
    }

    /// A load's latency shape, with the figures: a p99 far above its p50 is
    /// queueing, a p50 near it a path slow for every request.
    fn load_percentiles(&self) -> Option<String> {
        let (p50_text, p50, p99_text, p99) = self.loads.iter().find_map(|load| {
            let latency = load.get("latency")?;
            let p50 = latency.get("p50")?.as_str()?;
            let p99 = latency.get("p99")?.as_str()?;
            Some((
                p50.to_string(),
                crate::history::millis_of(p50)?,
                p99.to_string(),
                crate::history::millis_of(p99)?,
            ))
        })?;
        Some(
            if p50 > 0.0 && p99 >= QUEUEING_RATIO * p50 && p99 - p50 >= 10.0 {
                format!(
                    "the load's p99 ({p99_text}) is {:.0}× its p50 ({p50_text}): most requests are fast and some wait — queueing or contention (connection pool, locks, a single worker), not a path slow for every request",
                    p99 / p50
                )
            } else {
                format!(
                    "the load's p50 ({p50_text}) is near its p99 ({p99_text}): every request takes the slow path — profile the endpoint (query plans, N+1 queries, work repeated per request)"
                )
            },
        )
    }

    /// The errors and statuses of the loads' requests, or nothing.
    fn requests_failed(&self) -> Option<String> {
        // Every request a load counts as failed has its `errors` entry; a load
        // whose answers were all fine (`statuses 200: 20` and no error) saw no
        // failure, whatever count the expectation wanted.
        if !loads_saw_failures(self.loads) {
            return None;
        }
        let errors = load_counts(self.loads, "errors");
        let statuses = load_counts(self.loads, "statuses");
        let dropped = load_dropped(self.loads);
        let mut seen = Vec::new();
        if !errors.is_empty() {
            seen.push(format!("errors {errors}"));
        }
        if !statuses.is_empty() {
            seen.push(format!("statuses {statuses}"));
        }
        if dropped > 0 {
            seen.push(format!("{dropped} dropped: not sent on time"));
        }
        Some(self.with_logged_error(
            format!(
                "requests failed under load ({}): connection limits (pool sizes, ulimit -n) for connection errors, the service for 5xx",
                seen.join("; ")
            ),
            true,
        ))
    }
}

/// "301ms", "1.2s": a figure as the report shows durations.
fn shown_ms(ms: f64) -> String {
    crate::units::summary_duration(std::time::Duration::from_secs_f64(ms.max(0.0) / 1000.0))
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

/// What an error status says to look at; nothing for a status that is not one.
fn status_meaning(status: u64) -> Option<String> {
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
        502..=504 => format!("a gateway answered {status}: the service behind it is down or too slow"),
        _ if (500..600).contains(&status) => format!("the service failed with {status}"),
        _ => return None,
    })
}

/// A p99 this many times the p50 is queueing rather than a slow path.
const QUEUEING_RATIO: f64 = 5.0;

/// "connect: 3, timeout: 1" from the `errors` (or `statuses`) maps of load
/// results.
/// Whether a load saw a request fail (an `errors` entry) or dropped one.
fn loads_saw_failures(loads: &[Json]) -> bool {
    load_dropped(loads) > 0
        || loads.iter().any(|load| {
            load.get("errors")
                .and_then(Json::as_object)
                .is_some_and(|errors| !errors.is_empty())
        })
}

/// The requests the loads dropped (an open model's, not sent on time).
fn load_dropped(loads: &[Json]) -> u64 {
    loads
        .iter()
        .filter_map(|load| load.get("dropped").and_then(Json::as_u64))
        .sum()
}

fn load_counts(loads: &[Json], field: &str) -> String {
    let mut seen: Vec<String> = Vec::new();
    for load in loads {
        if let Some(counts) = load.get(field).and_then(Json::as_object) {
            for (kind, count) in counts {
                seen.push(format!("{kind}: {count}"));
            }
        }
    }
    seen.join(", ")
}

/// A problem outside any test (a service, setup, teardown), from what was
/// seen: a readiness probe's history, the error in the service's log tail
/// (`detail` holds it). Nothing when nothing was seen beyond the message.
pub fn for_problem(
    cause: ProblemCause,
    evidence: &Evidence,
    detail: Option<&str>,
) -> Option<String> {
    let log: Vec<ServiceLogLine> = detail
        .unwrap_or_default()
        .lines()
        .map(ServiceLogLine::untimed)
        .collect();
    let logged = logged_error(&log, None, None).map(|quoted| format!("it logged {quoted}"));
    match cause {
        ProblemCause::ServiceNotReady => {
            let history = evidence.readiness.as_ref().map(readiness_history);
            let seen: Vec<String> = history.into_iter().chain(logged).collect();
            (!seen.is_empty()).then(|| seen.join("; "))
        }
        ProblemCause::ServiceExited => {
            logged.map(|logged| format!("the service stopped on its own; {logged}"))
        }
        ProblemCause::ServiceStartFailed
        | ProblemCause::TeardownFailed
        | ProblemCause::ServicesKilled
        | ProblemCause::SetupFailed
        | ProblemCause::SecretNotMasked
        | ProblemCause::LeftoverProcesses
        | ProblemCause::HistoryNotRecorded
        | ProblemCause::Other => None,
    }
}

/// "`ready http "…/health"` was tried 13 times in 1.0s (within 1s), the last
/// attempt: connection refused" — or how soon it exited.
fn readiness_history(readiness: &Readiness) -> String {
    let elapsed = shown_ms(readiness.elapsed_ms);
    let tries = match readiness.attempts {
        1 => "once".to_string(),
        attempts => format!("{attempts} times"),
    };
    match readiness.exit {
        Some(exit) => {
            let tried = match readiness.attempts {
                0 => "before its probe was tried".to_string(),
                _ => format!("after its probe `{}` was tried {tries}", readiness.probe),
            };
            let last = readiness
                .last_problem
                .as_ref()
                .map(|problem| format!(" (the last attempt: {problem})"))
                .unwrap_or_default();
            format!(
                "the service exited with status {exit} {elapsed} after it started, {tried}{last}"
            )
        }
        None => format!(
            "`{}` was tried {tries} in {elapsed} (within {}) and never held; the last attempt: {}",
            readiness.probe,
            crate::units::limit_duration(std::time::Duration::from_secs_f64(
                readiness.within_ms.max(0.0) / 1000.0
            )),
            readiness.last_problem.as_deref().unwrap_or("nothing seen")
        ),
    }
}

/// The recommendation that a merge misses shards (`model::add_history` keeps
/// it when it derives the recommendations again).
pub const MERGE_EVERY_SHARD: &str = "Merge the reports of every shard to see the whole run";

/// How important a recommendation is: the order of `recommendations`, most
/// important first (docs/reports.md, "Warnings and recommendations").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// A service the tests need never became ready or stopped: every test
    /// after it was skipped or failed for it.
    ServiceStart,
    /// Tests failed.
    Failures,
    /// The history says the run changed: new failures, flaky tests,
    /// regressions.
    History,
    /// A server or service came near a limit.
    Limits,
    /// What held only partly: `warn` checkpoints, `warn expect`, latencies near
    /// their limits.
    Partial,
    /// What did not run: skipped tests, a run stopped early, missing shards.
    Coverage,
}

/// What to do about the run as a whole, derived from its failures, warnings
/// and history findings, each naming the tests (or servers) it comes from;
/// none twice. Ordered by `Tier`, then by how many tests each names (more
/// first), then in the order written here.
pub fn recommendations(
    report: &RunReport,
    shards_missing: bool,
    history: &[Finding],
) -> Vec<String> {
    let mut found: Vec<(Tier, usize, String)> = Vec::new();
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
    let mut add = |tier: Tier, tests: Vec<String>, text: &str| {
        if !tests.is_empty() {
            found.push((tier, tests.len(), format!("{text} ({})", tests.join(", "))));
        }
    };
    let not_ready: Vec<String> = report
        .problems
        .iter()
        .filter(|problem| {
            matches!(
                problem.cause,
                ProblemCause::ServiceNotReady
                    | ProblemCause::ServiceStartFailed
                    | ProblemCause::ServiceExited
            )
        })
        .map(|problem| problem.message.clone())
        .collect();
    add(
        Tier::ServiceStart,
        not_ready,
        "Fix the service first: the tests after it could not run or lost it (its suggestion gives what its probe and log showed)",
    );
    add(
        Tier::Failures,
        names(&|_, failure| {
            matches!(
                failure.kind,
                FailureKind::Step(StepErrorKind::Connection) | FailureKind::Service
            )
        }),
        "Check that what these tests connect to is up and reachable where they look (host, port, credentials) before reading their other failures",
    );
    add(
        Tier::Failures,
        names(&|_, failure| {
            matches!(
                failure.kind,
                FailureKind::Step(StepErrorKind::Timeout) | FailureKind::TestTimeout
            )
        }),
        "Find why these steps hang (service health, locks, slow queries) before raising timeouts",
    );
    // Only where a load measured the latency's shape: one request a little
    // over its bound is no reason to look for a slow path (its suggestion
    // gives its timing).
    add(
        Tier::Failures,
        names(&|test, failure| failure.cause == Cause::TooSlow && !test.loads.is_empty()),
        "Find the slow path behind these endpoints from what their suggestions name (queueing under load, or a path slow for every request) before adding capacity",
    );
    add(
        Tier::Failures,
        // Only where requests did fail: a load that got fewer answers than its
        // expectation counted, all of them fine, is no case for pooling.
        names(&|test, failure| {
            failure.cause == Cause::RequestsFailed && loads_saw_failures(&test.loads)
        }),
        "Add connection pooling or capacity where requests failed under load",
    );
    add(
        Tier::Failures,
        names(&|_, failure| status_of(failure).is_some_and(|status| status >= 500)),
        "Fix the server errors shown in the service logs and add a test for the input that caused them",
    );
    add(
        Tier::Failures,
        names(&|_, failure| {
            status_of(failure).is_some_and(|status| status == 401 || status == 403)
        }),
        "Obtain credentials in one `fn` shared by the tests, from `secret`s read from the environment",
    );
    add(
        Tier::Failures,
        names(&|_, failure| {
            status_of(failure) == Some(409) || failure.cause == Cause::SqlIntegrityConstraint
        }),
        "Make tests idempotent: unique data per run (uuid()) and clean-up in teardown",
    );
    add(
        Tier::Failures,
        // Only where a response was read: a value missing from a command's
        // stdout is no endpoint's error page.
        names(&|_, failure| {
            matches!(
                failure.cause,
                Cause::NotJson | Cause::NoBody | Cause::MissingValue
            ) && failure.evidence.response.is_some()
        }),
        "Check the content type and error pages of the endpoints whose bodies were not the JSON expected",
    );
    add(
        Tier::Failures,
        names(&|_, failure| failure.kind == FailureKind::Step(StepErrorKind::Tls)),
        "Use certificates the test machine trusts, or mark the steps `insecure` deliberately",
    );
    add(
        Tier::Failures,
        names(&|_, failure| {
            failure.kind == FailureKind::Step(StepErrorKind::Database)
                && failure.cause != Cause::SqlIntegrityConstraint
        }),
        "Check the database's migrations, URL and privileges for the tests that reached it",
    );
    // The history, and retries, which say the same of a test as alternating
    // results do: one recommendation per finding kind, a test named once.
    let findings_of = |kinds: &[FindingKind]| -> Vec<String> {
        let mut tests: Vec<String> = Vec::new();
        for finding in history
            .iter()
            .filter(|finding| kinds.contains(&finding.kind))
        {
            if !tests.contains(&finding.test) {
                tests.push(finding.test.clone());
            }
        }
        tests
    };
    add(
        Tier::History,
        findings_of(&[FindingKind::NewFailure]),
        "These tests passed the previous time they ran: look at what changed since (the service, the test, the data it reads)",
    );
    let mut flaky: Vec<String> = report
        .tests
        .iter()
        .filter(|test| test.attempts > 1 && test.status == TestResult::Passed)
        .map(TestRecord::full_name)
        .collect();
    for test in findings_of(&[FindingKind::FlakyAlternating]) {
        if !flaky.contains(&test) {
            flaky.push(test);
        }
    }
    add(
        Tier::History,
        flaky,
        "These tests are flaky (they passed only after a retry, or alternated between passing and failing in recent runs): find the race, the shared data or the readiness gap instead of relying on `retry`",
    );
    add(
        Tier::History,
        findings_of(&[
            FindingKind::SlowerTest,
            FindingKind::SlowerLoad,
            FindingKind::LowerThroughput,
        ]),
        "Find what made these slower than their recent green runs (the history warnings give the figures) before a limit fails them",
    );
    // Servers the steps used that came near a limit, one recommendation per
    // kind naming the servers.
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
        add(Tier::Limits, servers, resource_recommendation(kind));
    }
    let busy: Vec<String> = report
        .services
        .iter()
        .filter(|service| service.high_cpu())
        .map(|service| format!("service `{}`", service.name))
        .collect();
    add(
        Tier::Limits,
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
        Tier::Limits,
        heavy,
        "A service's memory peaked high while the tests ran: look for leaks and unbounded caches or buffers (does it grow with each run?), or set its memory limit deliberately",
    );
    let warned: Vec<String> = report
        .tests
        .iter()
        .filter(|test| test.status == TestResult::Warned)
        .map(TestRecord::full_name)
        .collect();
    add(
        Tier::Partial,
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
        Tier::Partial,
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
        Tier::Partial,
        close,
        "Latencies within 10% of their limits will fail on a slower day: find the slow path now, or raise the limit deliberately",
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
        found.push((
            Tier::Coverage,
            skipped,
            format!(
                "{skipped} test{} skipped: re-enable or delete {}",
                if skipped == 1 { " is" } else { "s are" },
                if skipped == 1 { "it" } else { "them" }
            ),
        ));
    }
    if report.test_run.interrupted {
        found.push((
            Tier::Coverage,
            0,
            "The run was interrupted: run it again to see every result".to_string(),
        ));
    } else if report.test_run.stopped_early {
        found.push((
            Tier::Coverage,
            0,
            match &report.test_run.stop_reason {
                Some(reason) => format!(
                    "The run stopped before every test ran ({reason}): fix the first failure and run again"
                ),
                None => "The run stopped before every test ran (--fail-fast or an `on failure stop` checkpoint): fix the first failure and run again".to_string(),
            },
        ));
    }
    if shards_missing {
        found.push((Tier::Coverage, 0, MERGE_EVERY_SHARD.to_string()));
    }
    // Stable: within a tier and a count, the order written above.
    found.sort_by_key(|(tier, tests, _)| (*tier, std::cmp::Reverse(*tests)));
    let mut seen = std::collections::HashSet::new();
    found
        .into_iter()
        .map(|(_, _, text)| text)
        .filter(|text| seen.insert(text.clone()))
        .collect()
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
    use crate::evidence::{CommandEvidence, Connecting, Evidence, ResponseEvidence, Timing};
    use serde_json::Map;
    use std::time::Duration;

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
            evidence: Evidence::default(),
        }
    }

    fn log(lines: &[&str]) -> Vec<ServiceLogLine> {
        lines
            .iter()
            .map(|line| ServiceLogLine::untimed(*line))
            .collect()
    }

    const CONNECTION: FailureKind = FailureKind::Step(StepErrorKind::Connection);
    const DATABASE: FailureKind = FailureKind::Step(StepErrorKind::Database);
    const COMMAND: FailureKind = FailureKind::Step(StepErrorKind::Command);
    const LOGGED: Option<&str> = Some("the service logged \"[api] ERROR pool exhausted\"");

    /// Every cause, the kind it comes with, and words its suggestion must hold
    /// when the service logged an error, and when its log is quiet (`None`:
    /// no suggestion). No evidence of a step here: what a cause says alone.
    const EVERY_CAUSE: &[(Cause, FailureKind, Option<&str>, Option<&str>)] = &[
        (
            Cause::ConnectionRefused,
            CONNECTION,
            Some("nothing listens"),
            Some("nothing listens"),
        ),
        (
            Cause::HostNotFound,
            CONNECTION,
            Some("does not resolve"),
            Some("does not resolve"),
        ),
        (Cause::ConnectionFailed, CONNECTION, LOGGED, None),
        (Cause::ConnectionLost, CONNECTION, LOGGED, None),
        (
            Cause::TlsHandshake,
            FailureKind::Step(StepErrorKind::Tls),
            Some("`insecure`"),
            Some("`insecure`"),
        ),
        (
            Cause::StepTimeout,
            FailureKind::Step(StepErrorKind::Timeout),
            LOGGED,
            None,
        ),
        (
            Cause::ClosedBeforeAnswer,
            FailureKind::Step(StepErrorKind::Protocol),
            Some("closed the connection before answering"),
            Some("closed the connection before answering"),
        ),
        (
            Cause::BodyTooLarge,
            FailureKind::Step(StepErrorKind::Protocol),
            Some("--max-body"),
            Some("--max-body"),
        ),
        (
            Cause::ProtocolError,
            FailureKind::Step(StepErrorKind::Protocol),
            Some("http vs https"),
            Some("http vs https"),
        ),
        (
            Cause::SqlConnectionException,
            DATABASE,
            Some("database connection failed"),
            Some("database connection failed"),
        ),
        (
            Cause::SqlInvalidAuthorization,
            CONNECTION,
            Some("refused the credentials"),
            Some("refused the credentials"),
        ),
        (
            Cause::SqlIntegrityConstraint,
            DATABASE,
            Some("constraint"),
            Some("constraint"),
        ),
        (
            Cause::SqlDataException,
            DATABASE,
            Some("SQLSTATE class 22"),
            Some("SQLSTATE class 22"),
        ),
        (
            Cause::SqlSyntaxOrAccess,
            DATABASE,
            Some("migrations"),
            Some("migrations"),
        ),
        (
            Cause::SqlTransactionRollback,
            DATABASE,
            Some("deadlock"),
            Some("deadlock"),
        ),
        (
            Cause::SqlInsufficientResources,
            DATABASE,
            Some("max_connections"),
            Some("max_connections"),
        ),
        (
            Cause::SqlOperatorIntervention,
            DATABASE,
            Some("cancelled"),
            Some("cancelled"),
        ),
        // Any other database error: nothing seen but the message itself.
        (Cause::DatabaseError, DATABASE, LOGGED, None),
        // A command's suggestions come from its evidence (below).
        (Cause::ProcessExit, COMMAND, None, None),
        (Cause::ProcessSpawn, COMMAND, None, None),
        (
            Cause::OutputTooLarge,
            COMMAND,
            Some("more than ritc reads"),
            Some("more than ritc reads"),
        ),
        (Cause::CommandFailed, COMMAND, None, None),
        (
            Cause::InvalidStep,
            FailureKind::Step(StepErrorKind::Usage),
            None,
            None,
        ),
        // No status read, no response seen: nothing to say.
        (Cause::StatusMismatch, FailureKind::Expectation, None, None),
        (Cause::TooSlow, FailureKind::Expectation, LOGGED, None),
        (Cause::RequestsFailed, FailureKind::Expectation, None, None),
        (Cause::ThroughputLow, FailureKind::Expectation, None, None),
        (
            Cause::LoadAborted,
            FailureKind::Step(StepErrorKind::Other),
            LOGGED,
            None,
        ),
        (Cause::SchemaMismatch, FailureKind::Expectation, None, None),
        (
            Cause::ExpectationFailed,
            FailureKind::Expectation,
            None,
            None,
        ),
        (Cause::NotJson, FailureKind::Evaluation, None, None),
        (Cause::NoBody, FailureKind::Evaluation, None, None),
        (Cause::MissingValue, FailureKind::Evaluation, None, None),
        (Cause::EvaluationError, FailureKind::Evaluation, None, None),
        (Cause::TestTimeout, FailureKind::TestTimeout, LOGGED, None),
        (Cause::ServiceNotReady, FailureKind::Service, LOGGED, None),
        (Cause::ServiceFailed, FailureKind::Service, LOGGED, None),
        (Cause::Interrupted, FailureKind::Interrupted, None, None),
        (
            Cause::Other,
            FailureKind::Step(StepErrorKind::Other),
            None,
            None,
        ),
    ];

    #[test]
    fn each_cause_says_what_was_seen_or_nothing() {
        let error_log = log(&["[api] GET /orders", "[api] ERROR pool exhausted"]);
        let quiet_log = log(&["[api] GET /orders", "[api] listening"]);
        for (cause, kind, with_error, quiet) in EVERY_CAUSE {
            for (service_log, words) in [(&error_log, with_error), (&quiet_log, quiet)] {
                let suggestion = for_failure(&failure(*kind, *cause, &[]), service_log, &[]);
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
    }

    #[test]
    fn every_cause_is_in_the_table() {
        // A new cause fails here until its suggestion is tested.
        for cause in Cause::ALL {
            assert!(
                EVERY_CAUSE.iter().any(|(known, _, _, _)| *known == cause),
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

    fn with_command(cause: Cause, exit: Option<i32>, stderr: &[u8]) -> FailureRecord {
        let mut record = failure(COMMAND, cause, &[]);
        record.evidence.command = Some(CommandEvidence::new(
            "./migrate --to 42",
            exit,
            b"applying 41\n",
            stderr,
        ));
        record
    }

    #[test]
    fn a_failed_command_is_named_with_its_exit_and_stderr() {
        let failed = with_command(Cause::ProcessExit, Some(3), b"error: table users exists\n");
        assert_eq!(
            for_failure(&failed, &[], &[]).as_deref(),
            Some(
                "`./migrate --to 42` exited with status 3; stderr ended with \"error: table users exists\" — if that exit is intended, say so with `expect exit == 3` after it"
            )
        );
        // `expect exit == 0` read the exit: the same evidence, no hint.
        let expected = with_command(Cause::ExpectationFailed, Some(3), b"");
        assert_eq!(
            for_failure(&expected, &[], &[]).as_deref(),
            Some(
                "`./migrate --to 42` exited with status 3; stderr was empty, stdout ended with \"applying 41\""
            )
        );
        // A command that exited 0 and whose output did not hold: nothing failed
        // in the command, so nothing is said of it.
        let passed = with_command(Cause::ExpectationFailed, Some(0), b"");
        assert_eq!(for_failure(&passed, &[], &[]), None);
        // Ended at its timeout: no exit status to name.
        let hung = with_command(Cause::StepTimeout, None, b"waiting for lock\n");
        assert_eq!(
            for_failure(&hung, &[], &[]).as_deref(),
            Some(
                "`./migrate --to 42` did not exit and was ended; stderr ended with \"waiting for lock\""
            )
        );
    }

    fn with_response(cause: Cause, status: u16, body: &[u8]) -> FailureRecord {
        let mut record = failure(
            FailureKind::Expectation,
            cause,
            &[("status", Json::from(status))],
        );
        record.evidence.response = Some(ResponseEvidence::new(
            "GET",
            "http://127.0.0.1:8080/users/42",
            status,
            Some("application/json".to_string()),
            body,
        ));
        record
    }

    #[test]
    fn a_status_is_quoted_with_the_body() {
        let missing = with_response(Cause::StatusMismatch, 404, b"{\"error\": \"no user 42\"}");
        assert_eq!(
            for_failure(&missing, &[], &[]).as_deref(),
            Some(
                "GET http://127.0.0.1:8080/users/42 answered 404 (application/json, 23 bytes): \"{\"error\": \"no user 42\"}\" — not found: check the URL's path and that the resource was created first (by this test, not another)"
            )
        );
        // A body is cut at 200 characters.
        let long = with_response(Cause::StatusMismatch, 422, "x".repeat(5000).as_bytes());
        let text = for_failure(&long, &[], &[]).unwrap_or_default();
        assert!(
            text.contains(&format!("5000 bytes): \"{}…\"", "x".repeat(200))),
            "{text}"
        );
        // A status kept in a variable (`r.status`): no response to quote.
        let kept = failure(
            FailureKind::Expectation,
            Cause::StatusMismatch,
            &[("r.status", Json::from("409"))],
        );
        assert!(
            for_failure(&kept, &[], &[])
                .is_some_and(|text| text.starts_with("the status was 409 — a conflict")),
        );
        // A 2xx that was not the one expected is no error to explain.
        let created = with_response(Cause::StatusMismatch, 200, b"{}");
        assert_eq!(for_failure(&created, &[], &[]), None);
    }

    #[test]
    fn a_server_error_quotes_what_the_service_logged_after_the_request() {
        let mut server = with_response(Cause::StatusMismatch, 500, b"{\"error\":\"internal\"}");
        server.evidence.started_unix_ms = Some(10_000);
        let before = ServiceLogLine {
            text: "[api] ERROR warm-up failed".to_string(),
            unix_ms: Some(2_000),
            before_test: false,
        };
        let after = ServiceLogLine {
            text: "[api] ERROR pool exhausted".to_string(),
            unix_ms: Some(10_200),
            before_test: false,
        };
        let text = for_failure(&server, &[before.clone(), after], &[]).unwrap_or_default();
        assert!(
            text.ends_with(
                "the service failed with 500; the service logged \"[api] ERROR pool exhausted\" (0.2 s after the request)"
            ),
            "{text}"
        );
        // What it logged 8 s before the request is not this request's error.
        let text = for_failure(&server, &[before], &[]).unwrap_or_default();
        assert!(text.ends_with("the service failed with 500"), "{text}");
    }

    #[test]
    fn a_body_expectation_quotes_the_response() {
        let wrong = with_response(Cause::ExpectationFailed, 200, b"{\"name\": \"alice\"}");
        assert_eq!(
            for_failure(&wrong, &[], &[]).as_deref(),
            Some(
                "GET http://127.0.0.1:8080/users/42 answered 200 (application/json, 17 bytes): \"{\"name\": \"alice\"}\""
            )
        );
        let html = with_response(Cause::NotJson, 502, b"<html>Bad Gateway</html>");
        assert!(for_failure(&html, &[], &[]).is_some_and(|text| {
            text.ends_with("\"<html>Bad Gateway</html>\": not the JSON the test reads")
        }),);
    }

    #[test]
    fn a_slow_request_is_told_by_its_timing_and_nothing_else() {
        // /health at 1.8ms against `latency < 1ms`: the figures, no advice.
        let mut slow = with_response(Cause::TooSlow, 200, b"{}");
        slow.evidence.timing = Some(Timing::new(
            Duration::from_micros(1800),
            Some(Duration::from_micros(1500)),
        ));
        let text = for_failure(&slow, &log(&["[api] GET /health 200"]), &[]).unwrap_or_default();
        assert_eq!(
            text,
            "too slow: GET http://127.0.0.1:8080/users/42 took 1.8ms: its response head came after 1.5ms (the service's time to answer, connecting included) and its body took 0.3ms"
        );
        // Where the client told connecting apart: the waiting time on its own.
        slow.evidence.timing = Some(
            Timing::new(
                Duration::from_micros(301_500),
                Some(Duration::from_micros(300_500)),
            )
            .connecting(Some(Connecting::Opened(Duration::from_micros(500)))),
        );
        assert_eq!(
            for_failure(&slow, &[], &[]).as_deref(),
            Some(
                "too slow: GET http://127.0.0.1:8080/users/42 took 302ms: connecting took 0.5ms, then the service took 300ms to send its response head (waiting) and its body took 1.0ms"
            )
        );
        slow.evidence.timing = Some(
            Timing::new(
                Duration::from_micros(1_300_000),
                Some(Duration::from_micros(1_290_000)),
            )
            .connecting(Some(Connecting::Opened(Duration::from_micros(1_200_000)))),
        );
        assert!(
            for_failure(&slow, &[], &[]).is_some_and(|text| text.ends_with(
                "connecting took 1.2s, then the service took 90ms to send its response head (waiting) and its body took 10ms — most of it connecting, before the service saw the request"
            )),
            "{:?}",
            for_failure(&slow, &[], &[])
        );
        slow.evidence.timing = Some(
            Timing::new(Duration::from_millis(40), Some(Duration::from_millis(39)))
                .connecting(Some(Connecting::Reused)),
        );
        assert_eq!(
            for_failure(&slow, &[], &[]).as_deref(),
            Some(
                "too slow: GET http://127.0.0.1:8080/users/42 took 40ms on a kept-alive connection (no connecting): the service took 39ms to send its response head (waiting) and its body took 1.0ms"
            )
        );
        // Nothing seen at all: nothing said.
        let bare = failure(FailureKind::Expectation, Cause::TooSlow, &[]);
        assert_eq!(
            for_failure(&bare, &log(&["[api] GET /health 200"]), &[]),
            None
        );
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
    fn load_errors_are_named() {
        let rate = failure(FailureKind::Expectation, Cause::RequestsFailed, &[]);
        let loads = [serde_json::json!({"errors": {"timeout": 3}, "statuses": {"200": 97}})];
        let text = for_failure(&rate, &[], &loads).unwrap_or_default();
        assert!(
            text.contains("requests failed under load (errors timeout: 3; statuses 200: 97)"),
            "{text}"
        );
        let clean = [serde_json::json!({"errors": {}, "statuses": {}})];
        assert_eq!(for_failure(&rate, &[], &clean), None);
        // All answered fine: no request failed, whatever the count expected.
        let fine = [serde_json::json!({"errors": {}, "statuses": {"200": 20}, "dropped": 0})];
        assert_eq!(for_failure(&rate, &[], &fine), None);
        let dropped = [serde_json::json!({"errors": {}, "statuses": {"200": 90}, "dropped": 10})];
        assert!(
            for_failure(&rate, &[], &dropped).is_some_and(|text| text.starts_with(
                "requests failed under load (statuses 200: 90; 10 dropped: not sent on time)"
            )),
            "{:?}",
            for_failure(&rate, &[], &dropped)
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
        let recommendations = recommendations(&report, false, &[]);
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
        assert_eq!(
            super::recommendations(&quiet, false, &[]),
            Vec::<String>::new()
        );
    }

    fn test_json(name: &str, status: &str, attempts: u32, failure: Json) -> Json {
        serde_json::json!({
            "suite": "S", "name": name, "file": "a.rit", "line": 1, "status": status,
            "duration": "1ms", "duration_ms": 1.0, "attempts": attempts, "failure": failure,
            "warnings": if name == "soft" { vec!["a.rit:3: latency < 1ms"] } else { vec![] },
        })
    }

    #[test]
    fn recommendations_come_most_important_first_with_history_once_per_test() {
        let server_error = serde_json::json!({
            "kind": "expectation", "cause": "status_mismatch", "message": "m", "file": "a.rit",
            "line": 2, "column": 3, "source": "", "expected": null,
            "actual": {"status": 500}, "detail": null, "suggestion": null,
        });
        let report: RunReport = serde_json::from_value(serde_json::json!({
            "format": "ritc-report/1",
            "test_run": {"timestamp": "2026-12-06T00:00:00Z", "duration": "1s", "status": "FAILED", "files": ["a.rit"]},
            "summary": {"total_tests": 4, "passed": 3, "failed": 1, "skipped": 0, "warnings": 0},
            "tests": [
                test_json("soft", "passed", 1, Json::Null),
                test_json("retried", "passed", 2, Json::Null),
                test_json("orders", "failed", 1, server_error),
                test_json("steady", "passed", 1, Json::Null),
            ],
            "resources": [
                {"kind": "redis_memory", "target": "redis://a:6379", "percent": 86.2, "at_ms": 10.0, "message": "m1"}
            ]
        }))
        .unwrap();
        let finding = |kind: FindingKind, test: &str| Finding {
            kind,
            test: format!("S / {test}"),
            message: String::new(),
        };
        let history = [
            finding(FindingKind::NewFailure, "orders"),
            // Flaky by its history and by its retry: named once.
            finding(FindingKind::FlakyAlternating, "retried"),
            finding(FindingKind::FlakyAlternating, "steady"),
            finding(FindingKind::SlowerTest, "steady"),
            finding(FindingKind::SlowerLoad, "steady"),
        ];
        let recommendations = recommendations(&report, false, &history);
        let starts: Vec<&str> = recommendations
            .iter()
            .map(|text| text.split([':', '(']).next().unwrap_or_default())
            .collect();
        assert_eq!(
            starts,
            [
                // A failure, then what the history says, then a limit, then
                // what held only partly.
                "Fix the server errors shown in the service logs and add a test for the input that caused them ",
                "These tests are flaky ",
                "These tests passed the previous time they ran",
                "Find what made these slower than their recent green runs ",
                "Give Redis memory room",
                "Review each `warn expect` that did not hold",
            ],
            "{recommendations:#?}"
        );
        // Within a tier, the one that names more tests first.
        assert!(
            recommendations[1].ends_with("(S / retried, S / steady)"),
            "{recommendations:#?}"
        );
        assert!(
            recommendations[3].ends_with("(S / steady)"),
            "{recommendations:#?}"
        );
        // Without the history, only what the run itself says.
        let alone = super::recommendations(&report, false, &[]);
        assert_eq!(alone.len(), 4, "{alone:#?}");
        assert!(alone[1].ends_with("(S / retried)"), "{alone:#?}");
    }

    #[test]
    fn problems_by_what_was_seen() {
        let nothing = Evidence::default();
        let probe = Evidence {
            readiness: Some(Readiness::new(
                "ready http \"http://127.0.0.1:9/health\"".to_string(),
                13,
                Some("connection refused".to_string()),
                Duration::from_millis(1010),
                Duration::from_secs(1),
                None,
            )),
            ..Evidence::default()
        };
        let tail = Some("last lines of its log:\nbooting\nERROR cannot bind 0.0.0.0:9");
        assert_eq!(
            for_problem(ProblemCause::ServiceNotReady, &probe, tail).as_deref(),
            Some(
                "`ready http \"http://127.0.0.1:9/health\"` was tried 13 times in 1.0s (within 1s) and never held; the last attempt: connection refused; it logged \"ERROR cannot bind 0.0.0.0:9\""
            )
        );
        let exited = Evidence {
            readiness: Some(Readiness::new(
                "ready tcp \"127.0.0.1:9\"".to_string(),
                0,
                None,
                Duration::from_millis(40),
                Duration::from_secs(60),
                Some(2),
            )),
            ..Evidence::default()
        };
        assert_eq!(
            for_problem(ProblemCause::ServiceNotReady, &exited, None).as_deref(),
            Some(
                "the service exited with status 2 40ms after it started, before its probe was tried"
            )
        );
        // Nothing seen: nothing said.
        assert_eq!(
            for_problem(ProblemCause::ServiceNotReady, &nothing, Some("booting")),
            None
        );
        assert_eq!(
            for_problem(ProblemCause::ServiceExited, &nothing, tail).as_deref(),
            Some("the service stopped on its own; it logged \"ERROR cannot bind 0.0.0.0:9\"")
        );
        assert_eq!(
            for_problem(ProblemCause::ServiceExited, &nothing, Some("bye")),
            None
        );
        assert_eq!(
            for_problem(ProblemCause::TeardownFailed, &nothing, tail),
            None
        );
        assert_eq!(
            for_problem(ProblemCause::LeftoverProcesses, &nothing, None),
            None
        );
    }
}
