//! A `load` step: its block options and clauses evaluated by the interpreter
//! and read into a `LoadConfig` (a `LoadSpec` and a request), its `check { }`
//! made a function of each response's fields, its progress shown as a line, then
//! run (`run_load`).

use super::{CheckFn, LoadConfig, LoadProgress, ProgressHook, run_load, schema, text};
use crate::steps::config::ClauseReader;
use crate::steps::context::{FieldsCheck, Halt, ProgressLine, StepContext, StepPart};
use crate::steps::http::client::HttpResponse;
use crate::steps::http::exec::{build_request, response_fields};
use crate::value::Value;
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
    context.step_started(format!("load {} {}", request.method, request.url));
    spec.progress = Some(progress_hook(context.progress()));
    let fields = run_load(spec, request, check).await;
    context.step_finished(fields.as_ref().map(drop));
    let fields = fields.map_err(Halt::Step)?;
    let record = Value::Object(
        fields
            .iter()
            .map(|(name, value)| (name.clone(), value.clone().unwrap_or(Value::Null)))
            .collect(),
    );
    context.keep_record(&record);
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

/// The step's `check { }` as a function of each response: its HTTP fields.
fn of_each_response(check: FieldsCheck) -> CheckFn {
    Arc::new(move |response: &HttpResponse| check(&response_fields(response)))
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
    }
}
