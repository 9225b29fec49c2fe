//! What a step saw, kept with a failure so that its suggestion can name it
//! (issue 24, "suggestions from evidence, or none"): the command a `run` step ran
//! with its exit code and last stderr lines, the HTTP response an expectation
//! read (status, an excerpt of the body), the step's timing (connecting apart
//! where the client tells), and when it
//! started (service-log lines are timed from it). Made by the step executors,
//! carried by `run::outcome::Failure` into the JSON report's `failure.evidence`,
//! read by `report::suggest`. Bounded here, once, so no report carries a whole
//! body or output; masked with the rest of the report. Imports nothing of the
//! crate.

use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How many characters of a response body an excerpt keeps.
pub const BODY_EXCERPT_CHARS: usize = 200;

/// How many of a command's last output lines are kept.
pub const OUTPUT_TAIL_LINES: usize = 5;

/// How many characters one kept output line keeps.
const OUTPUT_LINE_CHARS: usize = 200;

/// Everything a failure's suggestion may cite. Empty parts are left out of the
/// report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandEvidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseEvidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
    /// When the step started, in milliseconds since the Unix epoch: service-log
    /// lines around the failure are timed from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_unix_ms: Option<u64>,
    /// When the failed test started (before its first attempt), in milliseconds
    /// since the Unix epoch: a suggestion that only the service's log can give
    /// quotes no line read before it, as an error an earlier test caused is not
    /// this test's evidence (the report's service log still shows every line).
    /// Not in the report: a report read back has untimed log lines, which it
    /// could not narrow.
    #[serde(skip)]
    pub test_started_unix_ms: Option<u64>,
    /// How a service's readiness probe went, for a service that never became
    /// ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Readiness>,
}

/// The history of a readiness probe that never held.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Readiness {
    /// The probe as written: `ready http "http://127.0.0.1:8080/health"`.
    pub probe: String,
    /// How many times it was tried.
    pub attempts: u32,
    /// What the last attempt saw ("connection refused", "answered 503 …");
    /// none when the service exited before one was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_problem: Option<String>,
    /// From the start of the service to the end of the wait.
    pub elapsed_ms: f64,
    /// Its `within`.
    pub within_ms: f64,
    /// The status the service exited with before it was ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
}

impl Readiness {
    pub fn new(
        probe: String,
        attempts: u32,
        last_problem: Option<String>,
        elapsed: Duration,
        within: Duration,
        exit: Option<i32>,
    ) -> Readiness {
        Readiness {
            probe,
            attempts,
            last_problem,
            elapsed_ms: millis(elapsed),
            within_ms: millis(within),
            exit,
        }
    }
}

impl Evidence {
    /// Nothing the report would show (`test_started_unix_ms` is not in it).
    pub fn is_empty(&self) -> bool {
        let shown = Evidence {
            test_started_unix_ms: None,
            ..self.clone()
        };
        shown == Evidence::default()
    }
}

/// A command a `run` step ran, as run (interpolated; masked in reports).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandEvidence {
    pub command: String,
    /// `None` when it did not exit (it timed out and was ended).
    pub exit: Option<i32>,
    /// Its last stderr lines (at most `OUTPUT_TAIL_LINES`, each cut at 200
    /// characters).
    pub stderr_tail: Vec<String>,
    /// Its last stdout lines, kept only when stderr was empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stdout_tail: Vec<String>,
}

impl CommandEvidence {
    pub fn new(command: &str, exit: Option<i32>, stdout: &[u8], stderr: &[u8]) -> CommandEvidence {
        let stderr_tail = last_lines(stderr);
        CommandEvidence {
            command: command.to_string(),
            exit,
            stdout_tail: if stderr_tail.is_empty() {
                last_lines(stdout)
            } else {
                Vec::new()
            },
            stderr_tail,
        }
    }
}

/// The HTTP response a step received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResponseEvidence {
    pub method: String,
    /// The URL that answered.
    pub url: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The body's length in bytes (as read, its content coding undone).
    pub body_bytes: usize,
    /// Its first `BODY_EXCERPT_CHARS` characters, on one line.
    pub body_excerpt: String,
}

impl ResponseEvidence {
    pub fn new(
        method: &str,
        url: &str,
        status: u16,
        content_type: Option<String>,
        body: &[u8],
    ) -> ResponseEvidence {
        ResponseEvidence {
            method: method.to_string(),
            url: url.to_string(),
            status,
            content_type,
            body_bytes: body.len(),
            body_excerpt: match std::str::from_utf8(body) {
                // Valid UTF-8 (nearly every body) is checked word by word and not
                // copied; `from_utf8_lossy` walks it a byte at a time (callgrind).
                Ok(text) => excerpt(text, BODY_EXCERPT_CHARS),
                Err(_) => excerpt(&String::from_utf8_lossy(body), BODY_EXCERPT_CHARS),
            },
        }
    }
}

/// How long a step took, and its parts where the client tells them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub total_ms: f64,
    /// From sending the request until the response's head arrived: connecting
    /// (`connect_ms`, when it is known) and then the server's time to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_byte_ms: Option<f64>,
    /// How long opening the request's connection took (resolving the name,
    /// TCP connect, and on HTTPS the TLS handshake; every hop of a redirect
    /// that opened one, added up): 0 on a kept-alive connection it reused
    /// (`reused_connection`). Left out where it is not measured (a `load`'s
    /// requests), and `first_byte_ms` then includes connecting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<f64>,
    /// The request went on a kept-alive connection: no connecting at all.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reused_connection: bool,
}

/// How a request got its connection, where the client tells.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Connecting {
    /// It opened one, in this long.
    Opened(Duration),
    /// It reused a kept-alive one.
    Reused,
}

impl Timing {
    pub fn new(total: Duration, first_byte: Option<Duration>) -> Timing {
        Timing {
            total_ms: millis(total),
            first_byte_ms: first_byte.map(millis),
            connect_ms: None,
            reused_connection: false,
        }
    }

    /// The same, with how the connection was had.
    pub fn connecting(self, connecting: Option<Connecting>) -> Timing {
        match connecting {
            Some(Connecting::Opened(took)) => Timing {
                connect_ms: Some(millis(took)),
                ..self
            },
            Some(Connecting::Reused) => Timing {
                connect_ms: Some(0.0),
                reused_connection: true,
                ..self
            },
            None => self,
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// `text` on one line (line breaks and runs of blanks as one space), cut at
/// `chars` characters with `…`.
pub fn excerpt(text: &str, chars: usize) -> String {
    // Only as much of `text` as the excerpt shows is read: every HTTP step keeps
    // an excerpt of its body, and joining a whole body's words first cost more
    // than parsing it (callgrind, docs/performance.md).
    let mut cut = String::new();
    let mut count = 0;
    for word in text.split_whitespace() {
        for character in (!cut.is_empty())
            .then_some(' ')
            .into_iter()
            .chain(word.chars())
        {
            if count == chars {
                cut.push('…');
                return cut;
            }
            cut.push(character);
            count += 1;
        }
    }
    cut
}

/// The last `OUTPUT_TAIL_LINES` non-blank lines of an output, each cut, read
/// from at most its last 16 KiB (an output of millions of lines is not split
/// whole to show its end).
fn last_lines(bytes: &[u8]) -> Vec<String> {
    let start = bytes.len().saturating_sub(16 * 1024);
    let text = String::from_utf8_lossy(bytes.get(start..).unwrap_or_default());
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(OUTPUT_TAIL_LINES)..]
        .iter()
        .map(|line| excerpt(line, OUTPUT_LINE_CHARS))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_one_bounded_line() {
        assert_eq!(excerpt("{\n  \"a\": 1\n}", 200), "{ \"a\": 1 }");
        assert_eq!(excerpt("abcdef", 3), "abc…");
        assert_eq!(excerpt("ééé", 3), "ééé");
        // The same as joining every word and cutting, read only as far as needed.
        let joined_and_cut = |text: &str, chars: usize| {
            let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if one_line.chars().count() <= chars {
                one_line
            } else {
                format!("{}…", one_line.chars().take(chars).collect::<String>())
            }
        };
        for text in ["", "  ", "ab cd", " ab  cd ", "abc", "ab\n\tcd ef", "é é é"] {
            for chars in 0..8 {
                assert_eq!(
                    excerpt(text, chars),
                    joined_and_cut(text, chars),
                    "{text:?} {chars}"
                );
            }
        }
    }

    #[test]
    fn a_command_keeps_its_last_stderr_lines_or_else_its_stdout() {
        let noisy: String = (1..=8).map(|line| format!("line {line}\n")).collect();
        let command = CommandEvidence::new("make", Some(2), b"out\n", noisy.as_bytes());
        assert_eq!(
            command.stderr_tail,
            ["line 4", "line 5", "line 6", "line 7", "line 8"]
        );
        assert!(command.stdout_tail.is_empty());
        let quiet = CommandEvidence::new("make", Some(2), b"only out\n\n", b"");
        assert_eq!(quiet.stdout_tail, ["only out"]);
        assert!(quiet.stderr_tail.is_empty());
    }
}
