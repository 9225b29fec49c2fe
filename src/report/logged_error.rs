//! The error a service logged around a failure, read from the service-log
//! lines a failed test carries: recognised by common patterns (`ERROR`,
//! `panicked`, `Exception`, `FATAL`, `level=error`, …) with the stack lines that
//! follow it (Java's `at …`, Rust's numbered frames, Go's `goroutine`), or a
//! Python traceback (`Traceback (most recent call last):`, its frames, then the
//! exception line), and timed from the request ("0.2 s after the request").
//! Never chosen by position alone: a quiet log gives nothing. Pure; used by
//! `suggest`.

use crate::run::outcome::ServiceLogLine;

/// How many stack lines after a Java/Rust/Go error line are quoted.
const FOLLOWING_STACK_LINES: usize = 3;

/// How many lines before a Python exception line (its innermost frames) are
/// quoted after the `Traceback` line.
const INNERMOST_TRACEBACK_LINES: usize = 2;

/// A line read this long before the request is still taken for one of the
/// request's: only the rounding of both times to whole milliseconds. A line is
/// timed when ritc read it, after it was written, so a line read before the
/// request was written before it too — with more slack, the error an earlier
/// test caused, read a few milliseconds before the next test's step started,
/// was quoted as that step's.
const BEFORE_REQUEST_SLACK_MS: u64 = 1;

/// The error quoted, with its time relative to the request when both are known:
/// `"[api] RuntimeError: pool exhausted" (0.2 s after the request)`.
/// `since_unix_ms`: only lines logged from then on count (the request's start,
/// for a failure that the request itself caused); `None`: any line, and its
/// time relative to `request_unix_ms` is said.
pub fn logged_error(
    service_log: &[ServiceLogLine],
    request_unix_ms: Option<u64>,
    since_unix_ms: Option<u64>,
) -> Option<String> {
    let tracebacks = python_tracebacks(service_log);
    let in_traceback_body = |index: usize| {
        tracebacks
            .iter()
            .any(|(header, exception)| (*header..*exception).contains(&index))
    };
    let recent = |line: &ServiceLogLine| match (since_unix_ms, line.unix_ms) {
        (Some(since), Some(at)) => !line.before_test && at + BEFORE_REQUEST_SLACK_MS >= since,
        _ => true,
    };
    let error = service_log.iter().enumerate().rposition(|(index, line)| {
        recent(line)
            && (tracebacks.iter().any(|(_, exception)| *exception == index)
                || (!in_traceback_body(index) && is_error_line(&line.text)))
    })?;
    let quoted: Vec<&str> = match tracebacks.iter().find(|(_, exception)| *exception == error) {
        Some((header, exception)) => {
            let frames_start = exception
                .saturating_sub(INNERMOST_TRACEBACK_LINES)
                .max(header + 1);
            let mut quoted = vec![service_log.get(*header)?.text.trim()];
            if frames_start > header + 1 {
                quoted.push("…");
            }
            quoted.extend(
                service_log
                    .get(frames_start..=*exception)?
                    .iter()
                    .map(|line| without_service_prefix(&line.text).trim()),
            );
            quoted
        }
        None => std::iter::once(service_log.get(error)?.text.trim())
            .chain(
                service_log
                    .iter()
                    .skip(error + 1)
                    .take_while(|line| is_stack_line(&line.text))
                    .take(FOLLOWING_STACK_LINES)
                    .map(|line| without_service_prefix(&line.text).trim()),
            )
            .collect(),
    };
    let when = match (service_log.get(error)?.unix_ms, request_unix_ms) {
        (Some(at), Some(request)) => format!(" ({})", relative_to_request(at, request)),
        _ => String::new(),
    };
    Some(format!("\"{}\"{when}", quoted.join(" | ")))
}

/// "0.2 s after the request", "35 ms after the request", "3.1 s before the
/// request".
pub fn relative_to_request(at_unix_ms: u64, request_unix_ms: u64) -> String {
    let (gap, side) = if at_unix_ms >= request_unix_ms {
        (at_unix_ms - request_unix_ms, "after")
    } else {
        (request_unix_ms - at_unix_ms, "before")
    };
    if gap < 100 {
        format!("{gap} ms {side} the request")
    } else {
        format!("{:.1} s {side} the request", gap as f64 / 1000.0)
    }
}

/// Each Python traceback of the log: the index of its `Traceback (most recent
/// call last):` line and of its exception line (the first line after it that
/// is not an indented frame or code line).
fn python_tracebacks(service_log: &[ServiceLogLine]) -> Vec<(usize, usize)> {
    let mut tracebacks = Vec::new();
    for (header, line) in service_log.iter().enumerate() {
        if !without_service_prefix(&line.text)
            .trim_start()
            .starts_with("Traceback (most recent call last)")
        {
            continue;
        }
        let exception = service_log
            .iter()
            .enumerate()
            .skip(header + 1)
            .find(|(_, line)| {
                let text = without_service_prefix(&line.text);
                !text.trim().is_empty() && !text.starts_with(char::is_whitespace)
            })
            .map(|(index, _)| index);
        if let Some(exception) = exception {
            tracebacks.push((header, exception));
        }
    }
    tracebacks
}

fn is_error_line(line: &str) -> bool {
    let lower = line.to_lowercase();
    [
        "error",
        "panicked",
        "panic:",
        "exception",
        "fatal",
        "critical",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// A line of a stack trace after its error line: Java's `at a.b(C.java:1)` and
/// `Caused by`, Python's `File "x", line 3`, Rust's numbered frames, Go's
/// `goroutine`.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn untimed(lines: &[&str]) -> Vec<ServiceLogLine> {
        lines
            .iter()
            .map(|line| ServiceLogLine::untimed(*line))
            .collect()
    }

    #[test]
    fn a_java_error_is_quoted_with_the_stack_lines_after_it() {
        let log = untimed(&[
            "[api] GET /orders 200",
            "[api] Exception in thread \"main\" java.lang.IllegalStateException: pool exhausted",
            "[api]     at com.shop.Pool.take(Pool.java:42)",
            "[api]     at com.shop.Orders.list(Orders.java:17)",
            "[api] GET /health 200",
        ]);
        assert_eq!(
            logged_error(&log, None, None).as_deref(),
            Some(
                "\"[api] Exception in thread \"main\" java.lang.IllegalStateException: pool exhausted | at com.shop.Pool.take(Pool.java:42) | at com.shop.Orders.list(Orders.java:17)\""
            )
        );
    }

    #[test]
    fn a_python_traceback_is_quoted_from_its_first_line_to_its_exception() {
        let log = untimed(&[
            "[api] GET /health 200",
            "[api] Traceback (most recent call last):",
            "[api]   File \"/srv/app.py\", line 40, in handle",
            "[api]     self.orders()",
            "[api]   File \"/srv/app.py\", line 21, in orders",
            "[api]     raise PoolExhausted(\"10 of 10 in use\")",
            "[api] app.PoolExhausted: 10 of 10 in use",
        ]);
        // The exception's words hold neither "error" nor "exception": the
        // traceback says what it is.
        assert_eq!(
            logged_error(&log, None, None).as_deref(),
            Some(
                "\"[api] Traceback (most recent call last): | … | File \"/srv/app.py\", line 21, in orders | raise PoolExhausted(\"10 of 10 in use\") | app.PoolExhausted: 10 of 10 in use\""
            )
        );
    }

    #[test]
    fn a_quiet_log_quotes_nothing() {
        let quiet = untimed(&["[api] GET /health 200", "[api] listening"]);
        assert_eq!(logged_error(&quiet, None, None), None);
    }

    /// The failed test started at 10 s, in the same millisecond as the line was
    /// read: whether the line came before the test is known to the clock's
    /// precision, not from the rounded milliseconds.
    #[test]
    fn a_line_read_before_the_test_started_is_never_its_own_however_close() {
        let line = |before_test| ServiceLogLine {
            text: "[api] ERROR order 7 not saved".to_string(),
            unix_ms: Some(10_000),
            before_test,
        };
        assert_eq!(
            logged_error(&[line(true)], Some(10_001), Some(10_000)),
            None
        );
        assert_eq!(
            logged_error(&[line(false)], Some(10_001), Some(10_000)).as_deref(),
            Some("\"[api] ERROR order 7 not saved\" (1 ms before the request)")
        );
        // Asked for any line (no `since`), an earlier test's is still quoted.
        assert!(logged_error(&[line(true)], Some(10_001), None).is_some());
    }

    #[test]
    fn lines_are_timed_from_the_request_and_older_ones_left_out_when_asked() {
        let log = vec![
            ServiceLogLine {
                text: "[api] ERROR cache warm-up failed".to_string(),
                unix_ms: Some(1_000),
                before_test: false,
            },
            ServiceLogLine {
                text: "[api] GET /orders".to_string(),
                unix_ms: Some(9_990),
                before_test: false,
            },
        ];
        // The request went out at 10 s: the warm-up error is 9 s older.
        assert_eq!(logged_error(&log, Some(10_000), Some(10_000)), None);
        assert_eq!(
            logged_error(&log, Some(10_000), None).as_deref(),
            Some("\"[api] ERROR cache warm-up failed\" (9.0 s before the request)")
        );
        let after = vec![ServiceLogLine {
            text: "[api] ERROR pool exhausted".to_string(),
            unix_ms: Some(10_210),
            before_test: false,
        }];
        assert_eq!(
            logged_error(&after, Some(10_000), Some(10_000)).as_deref(),
            Some("\"[api] ERROR pool exhausted\" (0.2 s after the request)")
        );
        assert_eq!(
            relative_to_request(10_035, 10_000),
            "35 ms after the request"
        );
    }
}
