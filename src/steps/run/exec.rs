//! Running `run` steps: a shell command.

use super::RunConfig;
use crate::evidence::{CommandEvidence, Evidence, Timing};
use crate::os::process::{CommandError, CommandSpec, run_command};
use crate::steps::config::ConfigError;
use crate::steps::exec::{
    Cause, StepError, StepErrorKind, StepExecutor, StepInput, StepOutput, TestResources,
};
use crate::value::{Value, to_text};
use futures_util::future::BoxFuture;

pub struct RunExecutor;

impl StepExecutor for RunExecutor {
    fn execute<'a>(
        &'a self,
        input: StepInput,
        _test: &'a TestResources,
    ) -> BoxFuture<'a, Result<StepOutput, StepError>> {
        Box::pin(async move {
            let usage = |message: String| StepError::new(StepErrorKind::Usage, message);
            let command = to_text(&input.target).map_err(|error| usage(error.0))?;
            let config =
                RunConfig::from_clauses(&input.options).map_err(ConfigError::into_step_error)?;
            // The run's environment first (it holds `--env-file`), so the step's own
            // `env` wins.
            let env = input
                .environment
                .iter()
                .map(|(key, value)| (key.clone(), value.clone()))
                .chain(config.env)
                .collect();
            let cwd = match &config.cwd {
                Some(cwd) => input.base_dir.join(cwd),
                None => input.base_dir.clone(),
            };
            let timeout = config.timeout.unwrap_or(input.default_timeout);
            let spec = CommandSpec {
                command: command.clone(),
                env,
                cwd,
                stdin: config.stdin,
                timeout,
            };
            let output = run_command(&spec).await.map_err(|error| match error {
                CommandError::Spawn(message) => StepError::new(
                    StepErrorKind::Command,
                    format!("cannot run `{command}`: {message}"),
                )
                .because(Cause::ProcessSpawn),
                CommandError::TimedOut {
                    after,
                    stdout,
                    stderr,
                } => StepError {
                    kind: StepErrorKind::Timeout,
                    cause: Cause::StepTimeout,
                    message: format!(
                        "`{command}` did not finish within {}; its process group was ended",
                        crate::units::literal_duration(after)
                    ),
                    detail: Some(output_tail(&stdout, &stderr)),
                    evidence: Some(Box::new(command_evidence(
                        &command, None, &stdout, &stderr, after,
                    ))),
                },
                CommandError::OutputTooLarge {
                    stream,
                    stdout,
                    stderr,
                } => StepError {
                    kind: StepErrorKind::Command,
                    cause: Cause::OutputTooLarge,
                    message: format!(
                        "`{command}` wrote more than 64 MiB to its {stream}; ritc stops reading there and ended its process group"
                    ),
                    detail: Some(output_tail(&stdout, &stderr)),
                    evidence: Some(Box::new(Evidence {
                        command: Some(CommandEvidence::new(&command, None, &stdout, &stderr)),
                        ..Evidence::default()
                    })),
                },
            })?;
            let evidence = command_evidence(
                &command,
                Some(output.exit),
                &output.stdout,
                &output.stderr,
                output.duration,
            );
            if output.exit != 0 && !input.status_checked {
                return Err(StepError {
                    kind: StepErrorKind::Command,
                    cause: Cause::ProcessExit,
                    message: format!("`{command}` exited with status {}", output.exit),
                    detail: Some(output_tail(&output.stdout, &output.stderr)),
                    evidence: Some(Box::new(evidence)),
                });
            }
            let exchange = input.verbose.then(|| {
                format!(
                    "$ {command}\nexit {}\n{}",
                    output.exit,
                    output_tail(&output.stdout, &output.stderr)
                )
            });
            Ok(StepOutput {
                record: Box::new(vec![
                    ("exit".to_string(), Ok(Value::Int(i64::from(output.exit)))),
                    (
                        "stdout".to_string(),
                        Ok(Value::String(
                            String::from_utf8_lossy(&output.stdout).into_owned(),
                        )),
                    ),
                    (
                        "stderr".to_string(),
                        Ok(Value::String(
                            String::from_utf8_lossy(&output.stderr).into_owned(),
                        )),
                    ),
                    ("duration".to_string(), Ok(Value::Duration(output.duration))),
                ]),
                exchange,
                evidence: Some(evidence),
            })
        })
    }
}

/// What a suggestion may cite of a command: as run, its exit, its last lines.
fn command_evidence(
    command: &str,
    exit: Option<i32>,
    stdout: &[u8],
    stderr: &[u8],
    took: std::time::Duration,
) -> Evidence {
    Evidence {
        command: Some(CommandEvidence::new(command, exit, stdout, stderr)),
        timing: Some(Timing::new(took, None)),
        ..Evidence::default()
    }
}

/// The last lines of a command's output, for a failure.
fn output_tail(stdout: &[u8], stderr: &[u8]) -> String {
    // The last 10 lines, from at most the last 16 KiB: an output of millions of
    // lines must not be split whole to show its end.
    let tail = |bytes: &[u8]| {
        let start = bytes.len().saturating_sub(16 * 1024);
        let text = String::from_utf8_lossy(bytes.get(start..).unwrap_or_default());
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    };
    let mut out = String::new();
    if !stdout.is_empty() {
        out.push_str(&format!("stdout:\n{}\n", tail(stdout)));
    }
    if !stderr.is_empty() {
        out.push_str(&format!("stderr:\n{}\n", tail(stderr)));
    }
    if out.is_empty() {
        out.push_str("(no output)");
    }
    out
}
