//! The wording of suggestions and recommendations, in one place. A suggestion
//! comes from the kind of one failure and the values it saw (docs/reports.md, "Suggestions"); the
//! recommendations of a run are derived from the kinds of all its failures and
//! warnings. Pure functions of report data, so `ritc merge` derives them the
//! same way as a run does.

use super::model::{FailureRecord, RunReport, TestRecord, TestResult};
use serde_json::Value as Json;

/// What to look at first, from the kind of a failure and the values it saw.
pub fn for_failure(
    failure: &FailureRecord,
    service_log: &[String],
    loads: &[Json],
) -> Option<String> {
    let message = failure.message.to_lowercase();
    let expected = failure.expected.as_deref().unwrap_or("").to_lowercase();
    Some(match failure.kind.as_str() {
        "connection" if message.contains("resolve") || message.contains("dns") => {
            "the host name does not resolve: check the host in the URL (a typo, or a name that exists only inside a container network) and the `base` param".to_string()
        }
        "connection" if message.contains("refused") => {
            "nothing listens at that address: the service is not up or listens on another port — look at its `ready` probe, the port in the URL and the service log tail".to_string()
        }
        "connection" => "the connection could not be made: check that the service is up and reachable from here (host, port, firewall) and read its log tail".to_string(),
        "timeout" => "no answer within the step's timeout: look at the service's health and log tail; raise the step's `timeout` (or --timeout) only if the work is legitimately slow".to_string(),
        "test_timeout" => "the test ran out of its own `timeout`: the last step in flight is the slow one — look at the service's health, or raise the test's `timeout` if the work is legitimately slow".to_string(),
        "tls" => "the TLS handshake failed, most often an untrusted, expired or wrong-host certificate: fix the certificate, or add `insecure` to this step if that is intended for this environment".to_string(),
        "protocol" if message.contains("ritc stops reading there") => {
            "the response body is past what ritc reads (--max-body, 64MB unless raised; docs/reliability.md): ask for less (a page, a range, a filter), check the endpoint does not stream without end, or raise --max-body if the whole body is needed".to_string()
        }
        "protocol" if message.contains("closed before message completed") => {
            "the server closed the connection before answering: a crash (read the service log tail), or a kept-alive connection it closed as the request went out — ritc sends GET, HEAD, PUT, DELETE and OPTIONS again once on a fresh connection, never POST or PATCH; have the server send `Connection: close`, or keep idle connections open longer".to_string()
        }
        "protocol" => "the exchange broke off or was not what the protocol expects: check the URL's scheme and port (http vs https, ws vs wss) and the service log tail for a crash".to_string(),
        "database" => database(&failure.message),
        "command" => "the command failed: read its output in the details; add `expect exit == N` after it if a non-zero exit is expected".to_string(),
        "usage" => "the step could not be built from its values (a URL, header or option): check the values it was given".to_string(),
        "service" if message.contains("ready") => {
            "the service never became ready: read its log tail; check the readiness probe's URL, port or log line, and raise `within` if it starts slowly".to_string()
        }
        "service" => "the service stopped while the test ran: read its log tail for the crash".to_string(),
        "evaluation" if message.contains("json") && (message.contains("not json") || message.contains("not valid json")) => {
            "the body is not JSON: look at the response's `content-type` and body (run with -v) — an HTML error page or an empty body is the usual cause".to_string()
        }
        "evaluation" if message.contains("missing") || message.contains("no field") => {
            "a value is missing from the response: the API's shape changed or the request did not do what was expected — compare with the body (run with -v)".to_string()
        }
        "expectation" => return for_expectation(failure, &expected, service_log, loads),
        _ => return None,
    })
}

fn for_expectation(
    failure: &FailureRecord,
    expected: &str,
    service_log: &[String],
    loads: &[Json],
) -> Option<String> {
    let status = failure
        .actual
        .iter()
        .find(|(operand, _)| *operand == "status" || operand.ends_with(".status"))
        .and_then(|(_, value)| {
            value
                .as_u64()
                .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
        });
    if let Some(status) = status
        && expected.contains("status")
        && let Some(suggestion) = for_status(status, service_log)
    {
        return Some(suggestion);
    }
    if expected.contains("latency") || expected.contains("duration") {
        return Some("too slow: look at caching, query plans (EXPLAIN, missing indexes, N+1 queries) and connection pool sizes; compare p50 with p99 to tell a slow path from queueing".to_string());
    }
    if expected.contains("success_rate")
        || expected.contains("failed")
        || expected.contains("succeeded")
        || expected.contains("dropped")
    {
        let errors = load_errors(loads);
        let seen = if errors.is_empty() {
            String::new()
        } else {
            format!(" (seen: {errors})")
        };
        return Some(format!(
            "requests failed under load{seen}: look at the load result's `errors` and `statuses`, connection limits (pool sizes, ulimit -n) and 5xx in the service log"
        ));
    }
    if expected.contains("throughput") {
        return Some("the service did not keep pace: check its CPU and connection pool saturation, and that the client machine is not the bottleneck".to_string());
    }
    if expected.contains("conforms") {
        return Some("the response does not match the schema: the violations are listed by JSON pointer — update the API or the schema".to_string());
    }
    None
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
        _ if (500..600).contains(&status) => {
            let clue = service_log
                .iter()
                .rev()
                .find(|line| {
                    let lower = line.to_lowercase();
                    ["error", "panic", "exception", "fatal", "traceback"].iter().any(|word| lower.contains(word))
                })
                .map(|line| format!("; it says: {}", line.trim()))
                .unwrap_or_default();
            format!("the service failed with {status}: read the service log tail{clue}")
        }
        _ => return None,
    })
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

/// A database error by its SQLSTATE class, when the message carries the code.
fn database(message: &str) -> String {
    let class = sqlstate(message).map(|code| code[..2].to_string());
    match class.as_deref() {
        Some("08") => "the database connection failed: check the URL, that the server is up and accepts connections from here".to_string(),
        Some("28") => "the database refused the credentials: check the user and password in the database URL".to_string(),
        Some("23") => "a constraint was violated (unique, foreign key, not null): data from an earlier run may still be there — use unique values (uuid()) and clean up in teardown".to_string(),
        Some("22") => "a value does not fit its column (type, length or range): check the values bound into the statement".to_string(),
        Some("42") => "the statement is wrong, names a missing table or column, or the user lacks the privilege: check that the migrations ran and the statement".to_string(),
        Some("40") => "a deadlock or serialization failure: tests touching the same rows ran at once — retry the test or run them with --jobs 1".to_string(),
        Some("53") => "the database server is out of resources (connections, disk or memory): check max_connections and the pool sizes".to_string(),
        Some("57") => "the statement was cancelled or the server is shutting down: look at the statement timeout and the server's log".to_string(),
        _ => "check the database URL, that the server is up, and the statement".to_string(),
    }
}

/// The first five-character SQLSTATE code named in a message: `SQLSTATE 23505`,
/// `(code 23505)`, `[23505]`.
pub fn sqlstate(message: &str) -> Option<&str> {
    let bytes = message.as_bytes();
    let lower = message.to_ascii_lowercase();
    for marker in ["sqlstate", "code", "["] {
        let mut from = 0;
        while let Some(found) = lower.get(from..).and_then(|rest| rest.find(marker)) {
            let mut start = from + found + marker.len();
            while start < bytes.len() && matches!(bytes[start], b' ' | b':' | b'=' | b'"') {
                start += 1;
            }
            let candidate = message.get(start..start + 5);
            let after = bytes.get(start + 5).copied();
            if let Some(candidate) = candidate
                && candidate
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || byte.is_ascii_uppercase())
                && candidate
                    .bytes()
                    .take(2)
                    .all(|byte| byte.is_ascii_digit() || byte.is_ascii_uppercase())
                && !after.is_some_and(|byte| byte.is_ascii_alphanumeric())
            {
                return Some(candidate);
            }
            from = start;
        }
    }
    None
}

/// A failure outside any test (a service, setup, teardown).
pub fn for_problem(message: &str) -> Option<String> {
    let lower = message.to_lowercase();
    if lower.contains("service") && (lower.contains("ready") || lower.contains("exited")) {
        Some("the service never became ready: read its log tail; check the readiness probe's URL, port or log line, and raise `within` if it starts slowly".to_string())
    } else if lower.contains("service") {
        Some("the service could not be started: check its command, working directory and environment, and read its log tail".to_string())
    } else if lower.contains("teardown") {
        Some("teardown failed: later runs may find this run's data — make teardown tolerate what is already gone".to_string())
    } else {
        None
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
    let expected =
        |failure: &FailureRecord| failure.expected.as_deref().unwrap_or("").to_lowercase();
    let status_of = |failure: &FailureRecord| {
        failure
            .actual
            .iter()
            .find(|(operand, _)| *operand == "status" || operand.ends_with(".status"))
            .and_then(|(_, value)| value.as_u64())
    };
    let mut add = |tests: Vec<String>, text: &str| {
        if !tests.is_empty() {
            recommendations.push(format!("{text} ({})", tests.join(", ")));
        }
    };
    let unreachable =
        names(&|_, failure| matches!(failure.kind.as_str(), "connection" | "service"));
    let service_problem = report
        .problems
        .iter()
        .any(|problem| problem.message.to_lowercase().contains("service"));
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
        names(&|_, failure| matches!(failure.kind.as_str(), "timeout" | "test_timeout")),
        "Find why these steps hang (service health, locks, slow queries) before raising timeouts",
    );
    add(
        names(&|_, failure| {
            failure.kind == "expectation"
                && (expected(failure).contains("latency") || expected(failure).contains("duration"))
        }),
        "Add response caching or optimize the database queries behind the slow endpoints",
    );
    add(
        names(&|_, failure| {
            failure.kind == "expectation"
                && ["success_rate", "failed", "dropped"]
                    .iter()
                    .any(|word| expected(failure).contains(word))
        }),
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
            status_of(failure) == Some(409)
                || (failure.kind == "database"
                    && super::suggest::sqlstate(&failure.message)
                        .is_some_and(|code| code.starts_with("23")))
        }),
        "Make tests idempotent: unique data per run (uuid()) and clean-up in teardown",
    );
    add(
        names(&|_, failure| {
            failure.kind == "evaluation" && failure.message.to_lowercase().contains("json")
        }),
        "Check the content type and error pages of the endpoints whose bodies were not the JSON expected",
    );
    add(
        names(&|_, failure| failure.kind == "tls"),
        "Use certificates the test machine trusts, or mark the steps `insecure` deliberately",
    );
    add(
        names(&|_, failure| {
            failure.kind == "database"
                && !sqlstate(&failure.message).is_some_and(|code| code.starts_with("23"))
        }),
        "Check the database's migrations, URL and privileges for the tests that reached it",
    );
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
    recommendations
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn failure(
        kind: &str,
        message: &str,
        expected: Option<&str>,
        actual: &[(&str, Json)],
    ) -> FailureRecord {
        FailureRecord {
            kind: kind.to_string(),
            message: message.to_string(),
            file: "a.rit".to_string(),
            line: 3,
            column: 3,
            source: String::new(),
            expected: expected.map(str::to_string),
            actual: actual
                .iter()
                .map(|(name, value)| (name.to_string(), value.clone()))
                .collect::<Map<_, _>>(),
            detail: None,
            suggestion: None,
            also: Vec::new(),
        }
    }

    fn suggest(failure: &FailureRecord) -> String {
        for_failure(failure, &["[api] ERROR pool exhausted".to_string()], &[]).unwrap_or_default()
    }

    #[test]
    fn connection_failures_by_cause() {
        let refused = failure(
            "connection",
            "connection refused (http://127.0.0.1:1/)",
            None,
            &[],
        );
        assert!(suggest(&refused).contains("nothing listens"));
        let dns = failure(
            "connection",
            "could not resolve the host name: no such host (http://nope/)",
            None,
            &[],
        );
        assert!(suggest(&dns).contains("does not resolve"));
        assert!(suggest(&failure("tls", "TLS handshake failed", None, &[])).contains("insecure"));
        assert!(suggest(&failure("timeout", "timed out after 1s", None, &[])).contains("timeout"));
        assert!(
            suggest(&failure(
                "test_timeout",
                "the test did not finish",
                None,
                &[]
            ))
            .contains("`timeout`")
        );
    }

    #[test]
    fn statuses_by_code() {
        let with_status = |status: u64| {
            failure(
                "expectation",
                "status == 200: …",
                Some("status == 200"),
                &[("status", Json::from(status))],
            )
        };
        assert!(suggest(&with_status(401)).contains("not authenticated"));
        assert!(suggest(&with_status(403)).contains("not allowed"));
        assert!(suggest(&with_status(404)).contains("not found"));
        assert!(suggest(&with_status(409)).contains("idempotent"));
        assert!(suggest(&with_status(422)).contains("validation"));
        assert!(suggest(&with_status(429)).contains("rate limited"));
        assert!(suggest(&with_status(418)).contains("refused the request (418)"));
        let server = suggest(&with_status(500));
        assert!(
            server.contains("log tail") && server.contains("pool exhausted"),
            "{server}"
        );
    }

    #[test]
    fn thresholds_json_and_readiness() {
        let latency = failure(
            "expectation",
            "latency.p99 < 200ms: latency.p99 was 250ms",
            Some("latency.p99 < 200ms"),
            &[],
        );
        assert!(suggest(&latency).contains("caching"));
        let rate = failure(
            "expectation",
            "success_rate >= 99%: …",
            Some("success_rate >= 99%"),
            &[],
        );
        let loads = [serde_json::json!({"errors": {"timeout": 3}})];
        let text = for_failure(&rate, &[], &loads).unwrap_or_default();
        assert!(
            text.contains("failed under load") && text.contains("timeout: 3"),
            "{text}"
        );
        let json = failure(
            "evaluation",
            "the response body is not JSON (expected value); it starts with \"<html>\"",
            None,
            &[],
        );
        assert!(suggest(&json).contains("not JSON"));
        let ready = failure(
            "service",
            "service `api` was not ready within 5s",
            None,
            &[],
        );
        assert!(suggest(&ready).contains("never became ready"));
        assert!(
            for_problem(
                "a.rit:3: service `api` was not ready within 5s (http: connection refused)"
            )
            .is_some()
        );
    }

    #[test]
    fn database_errors_by_sqlstate_class() {
        assert_eq!(
            sqlstate("error returned from database: duplicate key (SQLSTATE 23505)"),
            Some("23505")
        );
        assert_eq!(
            sqlstate("relation \"x\" does not exist (code: 42P01)"),
            Some("42P01")
        );
        assert_eq!(sqlstate("no code here"), None);
        let unique = failure(
            "database",
            "duplicate key value (SQLSTATE 23505)",
            None,
            &[],
        );
        assert!(suggest(&unique).contains("constraint"));
        let missing = failure(
            "database",
            "relation does not exist (SQLSTATE 42P01)",
            None,
            &[],
        );
        assert!(suggest(&missing).contains("migrations"));
        let down = failure("database", "connection refused (SQLSTATE 08001)", None, &[]);
        assert!(suggest(&down).contains("connection failed"));
        let plain = failure("database", "something else", None, &[]);
        assert!(suggest(&plain).contains("database URL"));
    }
}
