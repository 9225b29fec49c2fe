//! A `load` step: its block options and clauses evaluated by the interpreter
//! and read into a `LoadConfig` (a `LoadSpec` and a request), its `check { }`
//! made a function of each response, its progress reported, then run
//! (`run_load`).

use super::{LoadConfig, run_load, schema};
use crate::steps::config::ClauseReader;
use crate::steps::context::{Halt, StepContext, StepPart};
use crate::steps::http::exec::build_request;
use crate::value::Value;

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
    let declared = schema.result;
    context.set_fields(
        fields
            .into_iter()
            .filter(|(name, _)| declared.iter().any(|(field, _)| field == name))
            .collect(),
    );
    Ok(record)
}
