//! A `ws` step: the connection opened with the step's clauses, the block's
//! statements run by the interpreter while it is open, then closed.

use super::WsConnection;
use crate::steps::context::{Halt, StepContext, StepPart};
use crate::value::{Value, to_text};

pub async fn drive(context: &mut dyn StepContext) -> Result<Value, Halt> {
    let url = match context.target().await? {
        Value::String(url) => url,
        other => to_text(&other).unwrap_or_default(),
    };
    let mut headers = Vec::new();
    let mut timeout = context.settings().default_timeout;
    let mut insecure = false;
    for (name, value) in context.options().await? {
        match (name.as_str(), value) {
            ("headers", Some(Value::Object(entries))) => {
                for (name, value) in entries {
                    let text = to_text(&value)
                        .map_err(|error| context.fail_at(StepPart::Option("headers"), error.0))?;
                    headers.push((name, text));
                }
            }
            ("timeout", Some(value)) => match value {
                Value::Duration(duration) => timeout = duration,
                other => {
                    let message = format!(
                        "expected a duration, found {}",
                        crate::value::describe(&other)
                    );
                    return Err(context.fail_at(StepPart::Option("timeout"), message));
                }
            },
            ("insecure", _) => insecure = true,
            _ => {}
        }
    }
    context.step_started(format!("ws {url}"));
    let connection = WsConnection::connect(&url, &headers, insecure, timeout).await;
    if let Err(error) = &connection {
        context.step_finished(Err(error));
    }
    let connection = connection.map_err(Halt::Step)?;
    context.websockets().push(connection);
    context.set_fields(Vec::new());
    let result = context.run_block().await;
    if let Some(mut connection) = context.websockets().pop() {
        let _ = connection.close(1000).await;
    }
    context.set_fields(Vec::new());
    // A failure inside the block ends the `ws` step with it.
    match &result {
        Ok(()) => context.block_finished(None),
        Err(Halt::Failed(failed)) => context.block_finished(Some(failed)),
        Err(Halt::Step(error)) => context.step_finished(Err(error)),
    }
    result?;
    Ok(Value::Null)
}
