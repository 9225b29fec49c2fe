//! A `ws` step: the connection opened with the step's clauses and kept in the
//! kind's session, the block's statements run by the interpreter (its `send`,
//! `receive` and `close` by `session`) while it is open, then closed.

use super::session::WsSession;
use super::{WsConfig, WsConnection};
use crate::steps::context::{Halt, StepContext};
use crate::value::{Value, to_text};

pub async fn drive(context: &mut dyn StepContext) -> Result<Value, Halt> {
    let url = match context.target().await? {
        Value::String(url) => url,
        other => to_text(&other).unwrap_or_default(),
    };
    let clauses = context.options().await?;
    let config = WsConfig::from_clauses(&clauses)
        .map_err(|error| context.fail_at(error.part, error.message))?;
    let timeout = config.timeout.unwrap_or(context.settings().default_timeout);
    context.step_started(format!("ws {url}"));
    let connection = WsConnection::connect(&url, &config.headers, config.insecure, timeout).await;
    if let Err(error) = &connection {
        context.step_finished(Err(error));
    }
    let connection = connection.map_err(Halt::Step)?;
    WsSession::of(context.sessions()).push(connection);
    context.set_fields(Vec::new());
    let result = context.run_block().await;
    if let Some(mut connection) = WsSession::of(context.sessions()).pop() {
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
