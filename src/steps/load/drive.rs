//! A `load` step: its block options and clauses evaluated by the interpreter
//! into a `LoadSpec` and a request, its `check { }` made a function of each
//! response, its progress reported, then run (`run_load`).

use super::{LoadSpec, run_load, schema};
use crate::steps::context::{Halt, StepContext, StepPart};
use crate::steps::exec::StepInput;
use crate::value::{Value, describe};
use std::time::Duration;

pub async fn drive(context: &mut dyn StepContext) -> Result<Value, Halt> {
    let settings = context.settings();
    let mut spec = LoadSpec {
        timeout: settings.default_timeout,
        ..LoadSpec::default()
    };
    spec.concurrency = one(context, "concurrency", count).await?;
    spec.requests = one(context, "requests", count).await?;
    spec.duration = one(context, "duration", duration).await?;
    spec.warmup = one(context, "warmup", duration).await?;
    if let Some(values) = context.block_option("rate").await? {
        spec.rate = Some((
            nth(context, &values, ("rate", 0), count)?,
            nth(context, &values, ("rate", 1), duration)?,
        ));
    }
    if let Some(values) = context.block_option("ramp").await? {
        spec.ramp = Some((
            nth(context, &values, ("ramp", 0), count)?,
            nth(context, &values, ("ramp", 1), count)?,
            nth(context, &values, ("ramp", 2), duration)?,
        ));
    }
    let target = context.target().await?;
    let options = context.options().await?;
    for (name, value) in &options {
        if name == "timeout"
            && let Some(Value::Duration(timeout)) = value
        {
            spec.timeout = *timeout;
        }
    }
    let input = StepInput {
        method: settings.method,
        target,
        command: None,
        options,
        timeout: spec.timeout,
        base_dir: settings.base_dir,
        status_checked: false,
        max_body: settings.max_body,
        secrets: settings.secrets,
        environment: settings.environment,
    };
    let request = crate::steps::http::exec::build_request(&input).map_err(Halt::Step)?;
    let check = context.check_function();
    context.step_started(format!("load {} {}", request.method, request.url));
    spec.progress = Some(context.progress_hook());
    let fields = run_load(spec, request, check).await;
    context.step_finished(fields.as_ref().map(drop));
    let fields = fields.map_err(Halt::Step)?;
    let record = Value::Object(
        fields
            .iter()
            .map(|(name, value)| (name.clone(), value.clone().unwrap_or(Value::Null)))
            .collect(),
    );
    context.remember_load(&record);
    // Reports also get `histogram` and `timeline`; as bare names, only the declared
    // fields, so that those two never shadow a script's own names.
    let declared = schema().result;
    context.set_fields(
        fields
            .into_iter()
            .filter(|(name, _)| declared.iter().any(|(field, _)| field == name))
            .collect(),
    );
    Ok(record)
}

/// What one value of a block option must be, or the words of the failure.
type Reading<T> = fn(&Value) -> Result<T, String>;

fn count(value: &Value) -> Result<u64, String> {
    match value {
        Value::Int(count) if *count >= 0 => Ok(*count as u64),
        other => Err(format!("expected a count, found {}", describe(other))),
    }
}

fn duration(value: &Value) -> Result<Duration, String> {
    match value {
        Value::Duration(duration) => Ok(*duration),
        other => Err(format!("expected a duration, found {}", describe(other))),
    }
}

/// The block option called `name`, of one value, read as `read` says.
async fn one<T>(
    context: &mut dyn StepContext,
    name: &'static str,
    read: Reading<T>,
) -> Result<Option<T>, Halt> {
    match context.block_option(name).await? {
        Some(values) => nth(context, &values, (name, 0), read).map(Some),
        None => Ok(None),
    }
}

fn nth<T>(
    context: &mut dyn StepContext,
    values: &[Value],
    (name, index): (&'static str, usize),
    read: Reading<T>,
) -> Result<T, Halt> {
    let part = StepPart::BlockOption(name, index);
    let value = values
        .get(index)
        .ok_or_else(|| context.fail_at(part, format!("`{name}` without its value")))?;
    read(value).map_err(|message| context.fail_at(part, message))
}
