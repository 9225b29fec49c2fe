//! The runtime side of a step kind: the one trait its executor implements, what
//! the interpreter hands it and what it gives back. An executor knows nothing of the
//! interpreter: it gets evaluated values and returns its result record.

use super::http::client::HttpSession;
use crate::mask::Masker;
use crate::value::{Connection, Value};
use futures_util::future::BoxFuture;
use std::any::Any;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A piece of the string after a step's target (a `sql` or `redis` command, a
/// kind's `Shape::string`): literal text, or a value to bind or insert.
#[derive(Clone, Debug)]
pub enum CommandPart {
    Text(String),
    Value(Value),
}

impl CommandPart {
    /// The string as text: its values written in (a subject, a topic, a separator).
    pub fn joined(parts: &[CommandPart]) -> String {
        parts
            .iter()
            .map(|part| match part {
                CommandPart::Text(text) => text.clone(),
                CommandPart::Value(value) => crate::value::to_text(value).unwrap_or_default(),
            })
            .collect()
    }
}

/// One step, its expressions evaluated.
pub struct StepInput {
    /// `GET`, `POST`, … for HTTP steps; the operation word of a kind that
    /// declares them (`StepSchema::operations`).
    pub method: Option<&'static str>,
    /// The URL, the shell command (interpolations already quoted), the database or
    /// the Redis connection.
    pub target: Value,
    /// The string after the target (the command of `sql` and `redis`), in parts,
    /// so the executor binds values its own way.
    pub command: Option<Vec<CommandPart>>,
    /// Clauses by name; `None` for flags. Each kind reads them once, into its
    /// typed config (`HttpConfig::read`, …), and never by name elsewhere.
    pub options: Vec<(String, Option<Value>)>,
    /// The run's step timeout (`--timeout`): a step's `timeout` clause, in its
    /// config, wins.
    pub default_timeout: Duration,
    /// The folder of the file that holds the step.
    pub base_dir: PathBuf,
    /// An expectation right after the step reads its status field (`exit`), so a
    /// failing status is not an error by itself.
    pub status_checked: bool,
    /// The most of a response body an HTTP step reads (`--max-body`).
    pub max_body: usize,
    /// The run shows exchanges (`-v`): only then does an executor describe its
    /// request and response in `StepOutput::exchange` (text no one reads otherwise
    /// costs a copy of every body).
    pub verbose: bool,
    /// The run's secrets, for what the step describes (`-v`).
    pub secrets: Masker,
    /// The run's environment (ritc's own and `--env-file`), which a command sees.
    pub environment: Arc<HashMap<String, String>>,
}

/// A field of a result: its value, or why reading it fails (a body that is not
/// JSON fails only when `json` is read).
pub type FieldValue = Result<Value, FieldError>;

/// Why a field of a result cannot be read, and the cause a failure to read it has.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub cause: Cause,
    pub message: String,
}

impl FieldError {
    /// A `json` field of something that is not JSON.
    pub fn not_json(message: impl Into<String>) -> FieldError {
        FieldError {
            cause: Cause::NotJson,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)
    }
}

pub struct StepOutput {
    /// The step's result: a list of fields made already (`Box::new(fields)`), or a
    /// record that makes each when first read (an HTTP response's).
    pub record: Box<dyn Record>,
    /// For `-v` (`StepInput::verbose`), `None` otherwise: the request and response
    /// (masked again by each reporter, which may know of secrets registered later).
    pub exchange: Option<String>,
    /// What the step saw, for the suggestion of an expectation that reads its
    /// fields (`report::suggest`).
    pub evidence: Option<Evidence>,
}

pub use super::json_body::{JsonBody, JsonKey};
pub use super::record::Record;
pub use crate::evidence::Evidence;
pub use crate::failure::{Cause, StepErrorKind};

/// Why a step could not be carried out: its kind, its cause (decided here, where
/// the error is known, for the report and its suggestion), and words for the user.
#[derive(Clone, Debug)]
pub struct StepError {
    pub kind: StepErrorKind,
    pub cause: Cause,
    pub message: String,
    /// Extra lines (a command's output, the frames that did arrive).
    pub detail: Option<String>,
    /// What the step saw, for the suggestion (a command's exit and stderr);
    /// boxed, so that an error stays small on the path that has none.
    pub evidence: Option<Box<Evidence>>,
}

impl StepError {
    /// An error with the general cause of its kind.
    pub fn new(kind: StepErrorKind, message: impl Into<String>) -> StepError {
        StepError {
            kind,
            cause: kind.general_cause(),
            message: message.into(),
            detail: None,
            evidence: None,
        }
    }

    /// The same error with a more precise cause.
    pub fn because(mut self, cause: Cause) -> StepError {
        self.cause = cause;
        self
    }

    pub fn with_detail(mut self, detail: Option<String>) -> StepError {
        self.detail = detail;
        self
    }
}

/// What lives as long as one test: the cookie jar, and whatever an executor keeps
/// per test (the SQL connection of a test, …) under its own key.
#[derive(Default)]
pub struct TestResources {
    pub http: HttpSession,
    extensions: Mutex<HashMap<&'static str, Arc<dyn Any + Send + Sync>>>,
}

impl TestResources {
    /// The value an executor keeps under `key` for this test, made on first use.
    pub fn extension<T: Any + Send + Sync>(
        &self,
        key: &'static str,
        make: impl FnOnce() -> T,
    ) -> Arc<T> {
        let mut extensions = match self.extensions.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(existing) = extensions
            .get(key)
            .and_then(|value| Arc::clone(value).downcast::<T>().ok())
        {
            return existing;
        }
        let made = Arc::new(make());
        extensions.insert(key, made.clone());
        made
    }
}

/// What runs the steps of one kind, made by its `StepKind::executor` once per run
/// (it may keep pools and connections until `shutdown`).
pub trait StepExecutor: Send + Sync {
    fn execute<'a>(
        &'a self,
        input: StepInput,
        test: &'a TestResources,
    ) -> BoxFuture<'a, Result<StepOutput, StepError>>;
    /// Called once at the end of a run (close pools and connections).
    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// The executors of one run, by kind name, made from `steps::registry()`.
#[derive(Clone, Default)]
pub struct Executors {
    by_kind: HashMap<&'static str, Arc<dyn StepExecutor>>,
    /// Every connection value a step ran against (`sql db …`, `redis cache …`),
    /// once each: what the run's resource watcher samples (`watch`). Kept by the
    /// executors' wrapper, so no kind and no caller has to remember it.
    used_connections: Arc<Mutex<Vec<Connection>>>,
}

impl Executors {
    /// A fresh executor for every kind of the registry that has one.
    pub fn for_run() -> Executors {
        let used_connections: Arc<Mutex<Vec<Connection>>> = Arc::default();
        let by_kind = super::registry()
            .iter()
            .filter_map(|kind| {
                let inner = kind.executor()?;
                let noting: Arc<dyn StepExecutor> = Arc::new(NotingConnections {
                    inner,
                    used: Arc::clone(&used_connections),
                });
                Some((kind.name(), noting))
            })
            .collect();
        Executors {
            by_kind,
            used_connections,
        }
    }

    /// Every connection a step of this run ran against so far, in first use order.
    pub fn used_connections(&self) -> Vec<Connection> {
        match self.used_connections.lock() {
            Ok(used) => used.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The executor of the kind called `name` for this run.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn StepExecutor>> {
        self.by_kind.get(name)
    }

    pub async fn shutdown(&self) {
        for executor in self.by_kind.values() {
            executor.shutdown().await;
        }
    }
}

/// An executor that notes the connection value each step runs against before
/// the kind's own executor runs it.
struct NotingConnections {
    inner: Arc<dyn StepExecutor>,
    used: Arc<Mutex<Vec<Connection>>>,
}

impl StepExecutor for NotingConnections {
    fn execute<'a>(
        &'a self,
        input: StepInput,
        test: &'a TestResources,
    ) -> BoxFuture<'a, Result<StepOutput, StepError>> {
        if let Value::Connection(connection) = &input.target {
            let mut used = match self.used.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            if !used.contains(connection) {
                used.push(connection.clone());
            }
        }
        self.inner.execute(input, test)
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        self.inner.shutdown()
    }
}
