//! `echo join TEXT "SEPARATOR" { … }`, the shape a step with a string and a block
//! of statements takes: the block runs through the interpreter (its steps, its
//! expectations and this kind's `say`), then the step yields the text and what
//! each `say` said, joined by the separator. What a `join` collects is kept in the
//! kind's session of the test, innermost `join` last, as a broker's subscription
//! would keep its consumer open around its block.

use crate::steps::context::{Halt, Sessions, StatementContext, StepContext};
use crate::steps::exec::CommandPart;
use crate::value::{Value, to_text};
use futures_util::future::BoxFuture;

/// `say TEXT`: one piece more for the innermost `join`.
pub const SAY: &str = "say";
/// The part of `say`: what it says.
pub const TEXT: &str = "text";

/// The pieces of the `join` steps whose blocks are running, innermost last.
#[derive(Default)]
pub struct Joins {
    open: Vec<Vec<String>>,
}

impl Joins {
    fn of(sessions: &mut Sessions) -> &mut Joins {
        sessions.of(super::kind::NAME)
    }
}

pub async fn drive(context: &mut dyn StepContext) -> Result<Value, Halt> {
    let text = to_text(&context.target().await?).unwrap_or_default();
    let separator = CommandPart::joined(&context.string().await?.unwrap_or_default());
    context.step_started(format!(
        "{} {} {text}",
        super::kind::NAME,
        super::kind::JOIN
    ));
    Joins::of(context.sessions()).open.push(vec![text]);
    context.set_fields(Vec::new());
    let result = context.run_block().await;
    let pieces = Joins::of(context.sessions()).open.pop().unwrap_or_default();
    match &result {
        Ok(()) => context.block_finished(None),
        Err(Halt::Failed(failed)) => context.block_finished(Some(failed)),
        Err(Halt::Step(error)) => context.step_finished(Err(error)),
    }
    result?;
    let joined = pieces.join(&separator);
    let fields = super::exec::fields(&joined);
    let record = Value::Object(
        fields
            .iter()
            .map(|(name, value)| (name.clone(), value.clone().unwrap_or(Value::Null)))
            .collect(),
    );
    context.set_fields(fields);
    Ok(record)
}

/// Runs the statement that begins with `word`; `None` for a word not of `echo`.
pub fn run<'a>(
    word: &'a str,
    context: &'a mut dyn StatementContext,
) -> Option<BoxFuture<'a, Result<(), Halt>>> {
    (word == SAY).then(|| Box::pin(say(context)) as BoxFuture<'a, Result<(), Halt>>)
}

async fn say(context: &mut dyn StatementContext) -> Result<(), Halt> {
    let value = context.part(TEXT).await?.unwrap_or(Value::Null);
    let text = to_text(&value).map_err(|error| context.fail_at(Some(TEXT), error.0))?;
    match Joins::of(context.sessions()).open.last_mut() {
        Some(pieces) => {
            pieces.push(text);
            Ok(())
        }
        None => Err(context.fail_at(None, "no `join` block is open here".to_string())),
    }
}
