//! `ritc publish`: the checkpoint definitions of a set of files (and, when
//! given, the results of their last run) as a Markdown comment for an issue
//! tracker, so an agent or a person can run them again after a context reset
//! (the seed's "Linear Persistence Requirements"). Pure: `definitions` reads a
//! checked program and its plan, `markdown` renders, `linear` builds the
//! GraphQL request and reads the answer; the CLI (`cli/publish.rs`) does the IO.

pub mod linear;
pub mod markdown;

use crate::check::program::Program;
use crate::plan::{
    BindingKind, Block, Callee, ExprKind, FailureAction, Plan, Statement, StatementKind,
    TemplatePart, TestPlan,
};
use crate::source::span::Span;
use crate::syntax::ast;

/// The title of the comment: the seed's "🚦 Runtime Integration Checkpoints".
pub const TITLE: &str = "🚦 Runtime Integration Checkpoints";

/// Everything the comment says about the files, in file order.
#[derive(Clone, Debug, Default)]
pub struct Definitions {
    /// The files the user named, as given.
    pub files: Vec<String>,
    pub suites: Vec<SuiteDefinition>,
    /// Services of every module the files load (what a run starts).
    pub services: Vec<ServiceDefinition>,
    /// `param` and `secret` declarations (secrets without their value).
    pub params: Vec<ParamDefinition>,
}

#[derive(Clone, Debug)]
pub struct SuiteDefinition {
    pub name: String,
    pub file: String,
    pub has_setup: bool,
    pub has_teardown: bool,
    pub checkpoints: Vec<CheckpointDefinition>,
    /// Tests that belong to no checkpoint.
    pub tests: Vec<TestDefinition>,
}

#[derive(Clone, Debug)]
pub struct CheckpointDefinition {
    pub name: String,
    pub stage: Option<String>,
    pub on_failure: FailureAction,
    pub file: String,
    pub line: usize,
    pub tests: Vec<TestDefinition>,
}

#[derive(Clone, Debug)]
pub struct TestDefinition {
    pub name: String,
    pub file: String,
    pub line: usize,
    /// As written (`5s`), when the test has a `timeout`.
    pub timeout: Option<String>,
    /// As written (`3`): attempts after the first.
    pub retry: Option<String>,
    pub retry_every: Option<String>,
    pub tags: Vec<String>,
    pub skip: Option<String>,
    /// What the test checks, in order.
    pub behaviours: Vec<Behaviour>,
    /// Timeouts and retries inside the body: `eventually`, `retry` blocks,
    /// step `timeout`s.
    pub inner_timing: Vec<String>,
    /// The test's source, `test "…" … { … }`, dedented.
    pub source: String,
}

/// A step and the expectations that follow it, or expectations alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Behaviour {
    /// The step's first line as written (`GET "{{base}}/health"`), if any.
    pub step: Option<String>,
    pub line: usize,
    /// Each expectation as written, without `expect`; `warn expect` ones end
    /// with " (warn only)"; a `load` step's `check`s are here too.
    pub expectations: Vec<String>,
    /// Where the statements are: `eventually within 10s every 1s`, `for url in …`.
    pub context: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ServiceDefinition {
    pub name: String,
    pub file: String,
    pub line: usize,
    /// The command as written, `{{ }}` included.
    pub command: String,
    /// `ready http "…" within 60s` as written, when there is a probe.
    pub ready: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ParamDefinition {
    pub name: String,
    pub secret: bool,
    /// The default as written; `None` for a secret (never shown) or a param
    /// without a default.
    pub default: Option<String>,
    pub required: bool,
    pub file: String,
    pub line: usize,
}

/// Reads the definitions out of a checked program and the plan lowered from it.
pub fn definitions(program: &Program, plan: &Plan) -> Definitions {
    let reader = Reader { program };
    let mut definitions = Definitions::default();
    for suite in &plan.suites {
        let Some(module) = program.modules.get(suite.module) else {
            continue;
        };
        definitions.files.push(module.name.clone());
        let mut suite_definition = SuiteDefinition {
            name: suite.name.clone(),
            file: module.name.clone(),
            has_setup: suite.setup.is_some(),
            has_teardown: suite.teardown.is_some(),
            checkpoints: Vec::new(),
            tests: Vec::new(),
        };
        for test in &suite.tests {
            let (ast_test, ast_checkpoint) = find_test(&module.ast, test.span);
            let definition = reader.test(test, ast_test);
            match &test.checkpoint {
                Some(checkpoint) => {
                    let known = suite_definition
                        .checkpoints
                        .iter_mut()
                        .find(|known| known.name == checkpoint.name);
                    match known {
                        Some(known) => known.tests.push(definition),
                        None => {
                            let span =
                                ast_checkpoint.map_or(test.span, |checkpoint| checkpoint.span);
                            suite_definition.checkpoints.push(CheckpointDefinition {
                                name: checkpoint.name.clone(),
                                stage: checkpoint.stage.clone(),
                                on_failure: checkpoint.on_failure,
                                file: reader.file(span),
                                line: reader.line(span),
                                tests: vec![definition],
                            });
                        }
                    }
                }
                None => suite_definition.tests.push(definition),
            }
        }
        definitions.suites.push(suite_definition);
    }
    for id in program.dependency_order() {
        let module = program.module(id);
        // The stdlib declares no services or params of the user's.
        if module.dir.is_none() {
            continue;
        }
        let Some(module_plan) = plan.modules.get(id.0) else {
            continue;
        };
        for service in &module_plan.services {
            let ready = service.ready.as_ref().map(|ready| {
                let within = ready
                    .within
                    .as_ref()
                    .map(|within| format!(" within {}", reader.text(within.span)))
                    .unwrap_or_default();
                format!(
                    "ready {} {}{within}",
                    ready.probe,
                    reader.text(ready.target.span)
                )
            });
            definitions.services.push(ServiceDefinition {
                name: service.name.clone(),
                file: reader.file(service.span),
                line: reader.line(service.span),
                command: unquote(reader.text(service.command.span)),
                ready,
            });
        }
        for binding in &module_plan.bindings {
            if binding.kind == BindingKind::Let {
                continue;
            }
            let secret = binding.kind == BindingKind::Secret;
            definitions.params.push(ParamDefinition {
                name: binding.name.clone(),
                secret,
                default: if secret {
                    None
                } else {
                    binding
                        .value
                        .as_ref()
                        .map(|value| reader.text(value.span).to_string())
                },
                required: binding.value.is_none(),
                file: reader.file(binding.span),
                line: reader.line(binding.span),
            });
        }
    }
    definitions
}

/// The values of the `secret`s that can be known without running: string
/// literals, and `env("NAME")` read through `env` (its default literal too), so
/// that they can be masked wherever they appear.
pub fn secret_values(plan: &Plan, env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let literal = |expr: &crate::plan::Expr| match &expr.kind {
        ExprKind::String(template) => plain_template(&template.parts),
        _ => None,
    };
    let mut secrets = Vec::new();
    for binding in plan
        .modules
        .iter()
        .flat_map(|module| module.bindings.iter())
    {
        if binding.kind != BindingKind::Secret {
            continue;
        }
        let Some(value) = &binding.value else {
            continue;
        };
        match &value.kind {
            ExprKind::Call {
                callee: Callee::Core(function),
                positional,
                named,
            } if function == "env" => {
                let argument = |index: usize, name: &str| {
                    positional.get(index).or_else(|| {
                        named
                            .iter()
                            .find(|(key, _)| key == name)
                            .map(|(_, expr)| expr)
                    })
                };
                if let Some(name) = argument(0, "name").and_then(literal)
                    && let Some(value) = env(&name)
                {
                    secrets.push(value);
                }
                if let Some(default) = argument(1, "default").and_then(literal) {
                    secrets.push(default);
                }
            }
            _ => secrets.extend(literal(value)),
        }
    }
    secrets.retain(|secret| !secret.is_empty());
    secrets
}

fn plain_template(parts: &[TemplatePart]) -> Option<String> {
    let mut text = String::new();
    for part in parts {
        match part {
            TemplatePart::Text(piece) => text.push_str(piece),
            TemplatePart::Value(_) => return None,
        }
    }
    Some(text)
}

/// The AST of the test whose name is at `name_span`, and its checkpoint.
fn find_test(
    file: &ast::SourceFile,
    name_span: Span,
) -> (Option<&ast::TestDef>, Option<&ast::CheckpointDef>) {
    for item in &file.items {
        match item {
            ast::Item::Test(test) if test.name.span == name_span => return (Some(test), None),
            ast::Item::Checkpoint(checkpoint) => {
                if let Some(test) = checkpoint
                    .tests
                    .iter()
                    .find(|test| test.name.span == name_span)
                {
                    return (Some(test), Some(checkpoint));
                }
            }
            _ => {}
        }
    }
    (None, None)
}

/// A string literal's inside; anything else as it is.
fn unquote(text: &str) -> String {
    for delimiter in ["\"\"\"", "\""] {
        if let Some(inner) = text
            .strip_prefix(delimiter)
            .and_then(|rest| rest.strip_suffix(delimiter))
        {
            return inner.to_string();
        }
    }
    text.to_string()
}

/// One line: runs of whitespace (line breaks included) become one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Reader<'a> {
    program: &'a Program,
}

impl Reader<'_> {
    fn text(&self, span: Span) -> &str {
        self.program.sources.text(span)
    }

    fn line(&self, span: Span) -> usize {
        self.program.sources.start(span).line
    }

    fn file(&self, span: Span) -> String {
        self.program.sources.name(span.file).to_string()
    }

    fn test(&self, test: &TestPlan, ast_test: Option<&ast::TestDef>) -> TestDefinition {
        let written = |expr: &Option<crate::plan::Expr>| {
            expr.as_ref().map(|expr| one_line(self.text(expr.span)))
        };
        let mut walk = Walk {
            reader: self,
            behaviours: Vec::new(),
            timing: Vec::new(),
        };
        walk.block(&test.body, None);
        TestDefinition {
            name: test.name.clone(),
            file: self.file(test.span),
            line: self.line(test.span),
            timeout: written(&test.timeout),
            retry: written(&test.retry),
            retry_every: written(&test.retry_every),
            tags: test.tags.clone(),
            skip: test.skip.clone(),
            behaviours: walk.behaviours,
            inner_timing: walk.timing,
            source: ast_test.map_or_else(String::new, |ast_test| self.source(ast_test.span)),
        }
    }

    /// The text of a span as a block: its first line indented as in the file,
    /// then the common indentation removed.
    fn source(&self, span: Span) -> String {
        let column = self.program.sources.start(span).column;
        let text = format!(
            "{}{}",
            " ".repeat(column.saturating_sub(1)),
            self.text(span)
        );
        let indent = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| line.len() - line.trim_start().len())
            .min()
            .unwrap_or(0);
        text.lines()
            .map(|line| {
                line.get(indent..)
                    .unwrap_or_else(|| line.trim_start())
                    .trim_end()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Collects behaviours and inner timing from a test's statements.
struct Walk<'a, 'b> {
    reader: &'a Reader<'b>,
    behaviours: Vec<Behaviour>,
    timing: Vec<String>,
}

impl Walk<'_, '_> {
    fn block(&mut self, block: &Block, context: Option<&str>) {
        for statement in &block.statements {
            self.statement(statement, context);
        }
    }

    fn written(&self, span: Span) -> String {
        one_line(self.reader.text(span))
    }

    fn first_line(&self, span: Span) -> String {
        let text = self.reader.text(span);
        let mut lines = text.lines();
        let first = lines
            .next()
            .unwrap_or("")
            .trim()
            .trim_end_matches('{')
            .trim_end();
        if lines.next().is_some() && !first.is_empty() {
            format!("{first} …")
        } else {
            first.to_string()
        }
    }

    fn statement(&mut self, statement: &Statement, context: Option<&str>) {
        let line = self.reader.line(statement.span);
        match &statement.kind {
            StatementKind::Expect {
                condition,
                warn_only,
            } => {
                let mut text = self.written(condition.span);
                if *warn_only {
                    text.push_str(" (warn only)");
                }
                match self.behaviours.last_mut() {
                    Some(last) if last.context.as_deref() == context => {
                        last.expectations.push(text)
                    }
                    _ => self.behaviours.push(Behaviour {
                        step: None,
                        line,
                        expectations: vec![text],
                        context: context.map(str::to_string),
                    }),
                }
            }
            StatementKind::Step { step, .. } => {
                let description = self.first_line(step.span);
                let mut expectations = Vec::new();
                for check in &step.checks {
                    expectations.push(format!("check {}", self.written(check.span)));
                }
                for option in &step.options {
                    if option.name == "timeout"
                        && let Some(value) = &option.value
                    {
                        self.timing.push(format!(
                            "step `{description}` (line {line}): timeout {}",
                            self.written(value.span)
                        ));
                    }
                }
                self.behaviours.push(Behaviour {
                    step: Some(description),
                    line,
                    expectations,
                    context: context.map(str::to_string),
                });
                if let Some(block) = &step.block {
                    let inner = format!("in `{}` (line {line})", self.first_line(step.span));
                    self.block(block, Some(&inner));
                }
            }
            StatementKind::For {
                variable,
                iterable,
                body,
                ..
            } => {
                let inner = format!("for each `{variable}` in `{}`", self.written(iterable.span));
                self.block(body, Some(&inner));
            }
            StatementKind::If {
                condition,
                then_block,
                else_block,
            } => {
                let condition = self.written(condition.span);
                self.block(then_block, Some(&format!("if `{condition}`")));
                if let Some(else_block) = else_block {
                    self.block(else_block, Some(&format!("unless `{condition}`")));
                }
            }
            StatementKind::Eventually {
                within,
                every,
                body,
            } => {
                let header = format!(
                    "eventually within {} every {}",
                    self.written(within.span),
                    self.written(every.span)
                );
                self.timing.push(format!(
                    "`{header}` (line {line}): its block runs again until every expectation in it holds"
                ));
                self.block(body, Some(&format!("`{header}`")));
            }
            StatementKind::Retry {
                attempts,
                every,
                body,
            } => {
                let every = every
                    .as_ref()
                    .map(|every| format!(" every {}", self.written(every.span)))
                    .unwrap_or_default();
                let header = format!("retry {}{every}", self.written(attempts.span));
                self.timing.push(format!(
                    "`{header}` (line {line}): its block runs again after a failure"
                ));
                self.block(body, Some(&format!("`{header}`")));
            }
            // A kind's own statement (`send`, `receive` of a `ws` block): listed as
            // its first line when its kind lists it, its `timeout` among the timings.
            StatementKind::Kind(own) => {
                if let Some(timeout) = own.part("timeout") {
                    self.timing.push(format!(
                        "`{}` (line {line}): timeout {}",
                        own.word,
                        self.written(timeout.span)
                    ));
                }
                if own.listed {
                    self.behaviours.push(Behaviour {
                        step: Some(self.first_line(statement.span)),
                        line,
                        expectations: Vec::new(),
                        context: context.map(str::to_string),
                    });
                }
            }
            StatementKind::Let { .. }
            | StatementKind::Assign { .. }
            | StatementKind::Return { .. }
            | StatementKind::Skip { .. }
            | StatementKind::Evaluate(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::program::SourceLoader;
    use std::path::{Path, PathBuf};

    struct Memory(Vec<(PathBuf, String)>);

    impl SourceLoader for Memory {
        fn read(&mut self, path: &Path) -> Result<String, String> {
            self.0
                .iter()
                .find(|(known, _)| known == path)
                .map(|(_, text)| text.clone())
                .ok_or_else(|| "not found".to_string())
        }
    }

    pub(super) fn definitions_of(text: &str) -> (Definitions, Plan) {
        let path = PathBuf::from("/suite/main.rit");
        let mut loader = Memory(vec![(path.clone(), text.to_string())]);
        let (program, diagnostics) = crate::check::check_files(&[path], &mut loader)
            .unwrap_or_else(|_| panic!("unreadable"));
        let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        let plan = crate::plan::lower(&program);
        (definitions(&program, &plan), plan)
    }

    pub(super) const SUITE: &str = r#"suite "Pipeline"

param base = "http://127.0.0.1:3000"
secret token = "s3cret-Token-123"
secret key = env("PUBLISH_TEST_KEY")

service api = "demo serve --port 3000" {
  ready http "{{base}}/health" within 30s
}

checkpoint "API Ready" stage "post-backend" on failure stop {
  test "Health" timeout 5s retry 3 every 1s {
    GET "{{base}}/health" timeout 2s
    expect status == 200
    warn expect json.status == "healthy"
  }
}

test "Eventually consistent" tags ["slow"] {
  eventually within 10s every 500ms {
    GET "{{base}}/items"
    expect status == 200
  }
}
"#;

    #[test]
    fn checkpoints_tests_timing_and_sources_are_read() {
        let (definitions, _) = definitions_of(SUITE);
        assert_eq!(definitions.files, ["/suite/main.rit"]);
        let suite = &definitions.suites[0];
        assert_eq!(suite.name, "Pipeline");
        let checkpoint = &suite.checkpoints[0];
        assert_eq!(checkpoint.name, "API Ready");
        assert_eq!(checkpoint.stage.as_deref(), Some("post-backend"));
        assert_eq!(checkpoint.on_failure, FailureAction::Stop);
        assert_eq!(checkpoint.line, 11);
        let health = &checkpoint.tests[0];
        assert_eq!(health.timeout.as_deref(), Some("5s"));
        assert_eq!(health.retry.as_deref(), Some("3"));
        assert_eq!(health.retry_every.as_deref(), Some("1s"));
        assert_eq!(
            health.behaviours,
            [Behaviour {
                step: Some("GET \"{{base}}/health\" timeout 2s".to_string()),
                line: 13,
                expectations: vec![
                    "status == 200".to_string(),
                    "json.status == \"healthy\" (warn only)".to_string()
                ],
                context: None,
            }]
        );
        assert_eq!(
            health.inner_timing,
            ["step `GET \"{{base}}/health\" timeout 2s` (line 13): timeout 2s"]
        );
        assert!(
            health
                .source
                .starts_with("test \"Health\" timeout 5s retry 3 every 1s {\n  GET")
        );
        assert!(health.source.ends_with("\n}"), "{}", health.source);

        let eventually = &suite.tests[0];
        assert_eq!(eventually.tags, ["slow"]);
        assert_eq!(eventually.timeout, None);
        assert_eq!(
            eventually.behaviours[0].context.as_deref(),
            Some("`eventually within 10s every 500ms`")
        );
        assert!(
            eventually.inner_timing[0].starts_with("`eventually within 10s every 500ms` (line 20)")
        );

        assert_eq!(definitions.services[0].name, "api");
        assert_eq!(definitions.services[0].command, "demo serve --port 3000");
        assert_eq!(
            definitions.services[0].ready.as_deref(),
            Some("ready http \"{{base}}/health\" within 30s")
        );
        let token = definitions
            .params
            .iter()
            .find(|param| param.name == "token")
            .unwrap();
        assert!(token.secret && token.default.is_none());
    }

    /// The statements of a `ws` block are what the test does: `send` and
    /// `receive` listed in the block's context, `close` left out, and a
    /// `receive`'s timeout among the timings.
    #[test]
    fn the_statements_of_a_ws_block_are_listed_as_written() {
        let (definitions, _) = definitions_of(
            r#"test "Chat" {
  ws "ws://127.0.0.1:1/chat" {
    send { type: "ping" }
    receive until json.type == "pong" timeout 2s
    expect json.type == "pong"
    close 1000
  }
}
"#,
        );
        let chat = &definitions.suites[0].tests[0];
        // A step with a block is named by its first line, cut.
        let context = Some("in `ws \"ws://127.0.0.1:1/chat\" …` (line 2)".to_string());
        let steps: Vec<(Option<&str>, usize, Option<&str>)> = chat
            .behaviours
            .iter()
            .map(|behaviour| {
                (
                    behaviour.step.as_deref(),
                    behaviour.line,
                    behaviour.context.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            steps,
            [
                (Some("ws \"ws://127.0.0.1:1/chat\" …"), 2, None),
                (Some("send { type: \"ping\" }"), 3, context.as_deref()),
                (
                    Some("receive until json.type == \"pong\" timeout 2s"),
                    4,
                    context.as_deref()
                ),
            ]
        );
        assert_eq!(chat.behaviours[2].expectations, ["json.type == \"pong\""]);
        assert_eq!(chat.inner_timing, ["`receive` (line 4): timeout 2s"]);
    }

    #[test]
    fn secrets_are_known_from_literals_and_the_environment() {
        let (_, plan) = definitions_of(SUITE);
        let env = |name: &str| (name == "PUBLISH_TEST_KEY").then(|| "from-env-456".to_string());
        let mut secrets = secret_values(&plan, &env);
        secrets.sort();
        assert_eq!(secrets, ["from-env-456", "s3cret-Token-123"]);
    }
}
