//! A `load` step: its block options and clauses evaluated by the interpreter
//! and read into a `LoadConfig` (a `LoadSpec` and a request), its `check { }`
//! made a function of each response's fields, its progress shown as a line, then
//! run (`run_load`). A load of messages (its target a connection value) hands
//! the step's clauses to the kind that declares the connection.

use super::stats::ABORTED;
use super::{
    CheckFn, LoadConfig, LoadProgress, PartialHook, ProgressHook, Sends, run_load, schema, text,
};
use crate::steps::config::{ClauseReader, TIMEOUT};
use crate::steps::context::{
    FieldsCheck, Halt, PartialRecord, ProgressLine, StepContext, StepPart,
};
use crate::steps::exec::{CommandPart, FieldValue, StepError, StepErrorKind};
use crate::steps::http::client::HttpResponse;
use crate::steps::http::exec::{ResponseRecord, build_request};
use crate::steps::message_load::LoadTarget;
use crate::types::ConnectionKind;
use crate::value::Value;
use crate::value::hide_password;
use std::sync::Arc;

pub async fn drive(context: &mut dyn StepContext) -> Result<Value, Halt> {
    let settings = context.settings();
    let schema = schema();
    // The block's own options (the interpreter has none of a clause's name or of
    // `check`), evaluated in the order the schema lists them.
    let mut block = Vec::new();
    for spec in &schema.block_options {
        if let Some(values) = context.block_option(spec.name).await? {
            block.push((spec.name, values));
        }
    }
    let target = context.target().await?;
    // `load nats publish BUS …`: the target is a connection value (the checker
    // let none but a kind's that offers a load through).
    if let Value::Connection(connection) = &target {
        let kind = connection.kind;
        return drive_messages(context, &block, kind, target).await;
    }
    let clauses = context.options().await?;
    let reader = ClauseReader::with_block(&clauses, &block);
    let LoadConfig { mut spec, request } = LoadConfig::read(&reader, settings.default_timeout)
        .map_err(|error| match error.part {
            // A block option's value is reported where it stands; the request's
            // clauses fail the step, as an `http` step's do.
            StepPart::BlockOption(..) => context.fail_at(error.part, error.message),
            StepPart::Option(_) => Halt::Step(error.into_step_error()),
        })?;
    let request = build_request(
        settings.method,
        &target,
        request,
        spec.timeout,
        settings.max_body,
    )
    .map_err(Halt::Step)?;
    let check = context.check_function().map(of_each_response);
    spec.thresholds = context.thresholds().await?;
    context.step_started(format!("load {} {}", request.method, request.url));
    spec.progress = Some(progress_hook(context.progress()));
    spec.partial = Some(partial_hook(context.partial_record()));
    let fields = run_load(spec, Sends::Http(Box::new(request)), check).await;
    finished(context, fields)
}

/// A load of the messages of the kind that declares the connection `kind`
/// (`steps::message_load`): the load model from the block, the kind's clauses
/// handed to it unread (the kind reads them into its own config).
async fn drive_messages(
    context: &mut dyn StepContext,
    block: &[(&'static str, Vec<Value>)],
    kind: ConnectionKind,
    connection: Value,
) -> Result<Value, Halt> {
    let default_timeout = context.settings().default_timeout;
    let sender = crate::steps::connections()
        .iter()
        .find(|(spec, _)| spec.kind == kind)
        .map(|(_, sender)| *sender);
    let (Some(sender), Some(load), Some(operation)) = (
        sender,
        sender.and_then(|sender| sender.message_load()),
        context.operation(),
    ) else {
        return Err(Halt::Step(StepError::new(
            StepErrorKind::Usage,
            format!("a load cannot send to a {}", kind.value_name()),
        )));
    };
    let address = CommandPart::joined(&context.string().await?.unwrap_or_default());
    let clauses = context.options().await?;
    let LoadConfig { mut spec, .. } =
        LoadConfig::read(&ClauseReader::with_block(&[], block), default_timeout)
            .map_err(|error| context.fail_at(error.part, error.message))?;
    spec.timeout = ClauseReader::new(&clauses)
        .duration(TIMEOUT)
        .map_err(|error| context.fail_at(error.part, error.message))?
        .unwrap_or(default_timeout);
    spec.thresholds = context.thresholds().await?;
    let url = match &connection {
        Value::Connection(connection) => hide_password(&connection.url),
        _ => String::new(),
    };
    context.step_started(format!(
        "load {} {operation} {url} {address}",
        sender.name()
    ));
    spec.progress = Some(progress_hook(context.progress()));
    spec.partial = Some(partial_hook(context.partial_record()));
    let target = LoadTarget {
        operation,
        connection,
        address,
        clauses,
        timeout: spec.timeout,
    };
    let fields = run_load(spec, Sends::Messages { load, target }, None).await;
    finished(context, fields)
}

/// The load's record kept for reports, and its declared fields set.
fn finished(
    context: &mut dyn StepContext,
    fields: Result<Vec<(String, FieldValue)>, StepError>,
) -> Result<Value, Halt> {
    let schema = schema();
    // The whole record follows (or the step failed): the one so far is done with.
    (context.partial_record())(None);
    let aborted = fields
        .as_ref()
        .ok()
        .and_then(|fields| aborted_error(fields));
    context.step_finished(match (&fields, &aborted) {
        (Err(error), _) | (Ok(_), Some(error)) => Err(error),
        (Ok(_), None) => Ok(()),
    });
    let fields = fields.map_err(Halt::Step)?;
    let record = record_of(&fields);
    context.keep_record(&record);
    // Stopped by its `abort when`: the step fails, its record kept for the reports.
    if let Some(error) = aborted {
        return Err(Halt::Step(error));
    }
    // Reports also get `histogram` and `timeline`; as bare names, only the declared
    // fields, so that those two never shadow a script's own names.
    let declared = schema.result;
    context.set_fields(
        fields
            .into_iter()
            .filter(|(name, _)| declared.iter().any(|(field, _)| field == name))
            .collect(),
    );
    Ok(record)
}

/// The failure of a load its `abort when` stopped (its record's `aborted`:
/// `{condition, at, values}`), naming the condition, when it held and what it read.
fn aborted_error(fields: &[(String, FieldValue)]) -> Option<StepError> {
    let (_, Ok(Value::Object(aborted))) = fields.iter().find(|(name, _)| name == ABORTED)? else {
        return None;
    };
    let part = |name: &str| {
        aborted
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    };
    let condition = match part("condition") {
        Some(Value::String(condition)) => condition.as_str(),
        _ => "",
    };
    let at = match part("at") {
        Some(Value::Duration(at)) => crate::units::short_duration(*at),
        _ => String::new(),
    };
    let read: Vec<String> = match part("values") {
        Some(Value::Object(values)) => values
            .iter()
            .map(|(operand, value)| match value {
                Value::String(text) => format!("{operand} = {text}"),
                other => format!("{operand} = {}", crate::value::describe(other)),
            })
            .collect(),
        _ => Vec::new(),
    };
    let read = if read.is_empty() {
        String::new()
    } else {
        format!(" ({})", read.join(", "))
    };
    let message = if matches!(part("stopped"), Some(Value::Bool(false))) {
        format!(
            "`abort when {condition}` held on the whole load, read as it ended {at} into its measured part{read}"
        )
    } else {
        format!(
            "the load was stopped {at} into its measured part: `abort when {condition}` held{read}"
        )
    };
    Some(StepError::new(StepErrorKind::Other, message).because(crate::failure::Cause::LoadAborted))
}

/// The step's `check { }` as a function of each response: its HTTP fields.
fn of_each_response(check: FieldsCheck) -> CheckFn {
    Arc::new(move |response: &HttpResponse| check(&ResponseRecord::new(response)))
}

/// The load's record as reports keep it: its fields, one that failed as null.
fn record_of(fields: &[(String, FieldValue)]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(name, value)| (name.clone(), value.clone().unwrap_or(Value::Null)))
            .collect(),
    )
}

/// The load's record so far, kept where an interrupted test finds it.
fn partial_hook(keep: PartialRecord) -> PartialHook {
    PartialHook(Arc::new(move |fields| keep(Some(&record_of(&fields)))))
}

/// The load's figures so far as the live line shows them.
fn progress_hook(line: ProgressLine) -> ProgressHook {
    ProgressHook(Arc::new(move |progress: &LoadProgress| {
        line(progress_text(progress));
    }))
}

/// The live line of a running load, after the test's name.
fn progress_text(progress: &LoadProgress) -> String {
    format!("load  {}", text::progress_line(progress))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_live_line_names_the_kind_and_reads_the_load_so_far() {
        let progress = LoadProgress {
            elapsed: Duration::from_millis(1_520),
            total: Some(Duration::from_secs(5)),
            requests: 600,
            failed: 0,
            throughput: 400.0,
            p99: Duration::from_micros(2_500),
            ..LoadProgress::default()
        };
        assert_eq!(
            progress_text(&progress),
            "load  1.5s / 5s  600 requests  400 req/s  p99 2.5ms  0 errors"
        );
        // A load whose level moves (`stages`) says where it stands.
        let staged = |level| {
            progress_text(&LoadProgress {
                level: Some(level),
                ..progress.clone()
            })
        };
        assert_eq!(
            staged(crate::steps::load::Level::Workers(12)),
            "load  1.5s / 5s  12 workers  600 requests  400 req/s  p99 2.5ms  0 errors"
        );
        assert_eq!(
            staged(crate::steps::load::Level::Rate(80.0)),
            "load  1.5s / 5s  80.0 req/s due  600 requests  400 req/s  p99 2.5ms  0 errors"
        );
    }
}
