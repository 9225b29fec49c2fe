//! Lowering a checked program into the plan. Assumes the checker found no error:
//! anything it cannot make sense of becomes a `null` literal rather than a panic.

use super::*;
use crate::check::program::Program;
use crate::check::resolved::{Resolved, ResolvedNames};
use crate::syntax::ast;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub fn lower(program: &Program) -> Plan {
    // The functions each module can call by bare name, and by alias.
    let own_functions: Vec<HashMap<String, usize>> = program
        .modules
        .iter()
        .map(|module| {
            module
                .ast
                .items
                .iter()
                .filter_map(|item| match item {
                    ast::Item::Fn(function) => Some(function.name.name.clone()),
                    _ => None,
                })
                .enumerate()
                .map(|(index, name)| (name, index))
                .collect()
        })
        .collect();
    let top_level: Vec<HashMap<String, TopLevel>> = program
        .modules
        .iter()
        .map(|module| {
            module
                .ast
                .items
                .iter()
                .filter_map(|item| match item {
                    ast::Item::Binding(binding) => {
                        Some((binding.name.name.clone(), TopLevel::Binding))
                    }
                    ast::Item::Service(service) => {
                        Some((service.name.name.clone(), TopLevel::Service))
                    }
                    _ => None,
                })
                .collect()
        })
        .collect();
    let modules = program
        .modules
        .iter()
        .map(|module| {
            let open_imports: Vec<ModuleIndex> = module
                .imports
                .iter()
                .filter(|import| import.import.alias.is_none())
                .filter_map(|import| import.module.map(|id| id.0))
                .collect();
            let aliased_imports: Vec<(String, ModuleIndex)> = module
                .imports
                .iter()
                .filter_map(|import| {
                    Some((import.import.alias.as_ref()?.name.clone(), import.module?.0))
                })
                .collect();
            let mut visible: HashMap<String, (ModuleIndex, usize)> = HashMap::new();
            for imported in &open_imports {
                for (name, index) in &own_functions[*imported] {
                    visible.insert(name.clone(), (*imported, *index));
                }
            }
            for (name, index) in &own_functions[module.id.0] {
                visible.insert(name.clone(), (module.id.0, *index));
            }
            let lowerer = Lowerer {
                functions: &visible,
                aliases: &aliased_imports,
                own_functions: &own_functions,
                returns: None,
                param_types: &program.param_types,
                names: &program.names,
                module: module.id.0,
                open_imports: &open_imports,
                top_level: &top_level,
                defaults: module_defaults(&module.ast),
                slots: Rc::default(),
            };
            lowerer.module(module, open_imports.clone(), aliased_imports.clone())
        })
        .collect();
    let suites = program
        .entries
        .iter()
        .map(|id| {
            let module = program.module(*id);
            let aliased: Vec<(String, ModuleIndex)> = module
                .imports
                .iter()
                .filter_map(|import| {
                    Some((import.import.alias.as_ref()?.name.clone(), import.module?.0))
                })
                .collect();
            let open_imports: Vec<ModuleIndex> = module
                .imports
                .iter()
                .filter(|import| import.import.alias.is_none())
                .filter_map(|import| import.module.map(|id| id.0))
                .collect();
            let mut visible: HashMap<String, (ModuleIndex, usize)> = HashMap::new();
            for imported in &open_imports {
                for (name, index) in &own_functions[*imported] {
                    visible.insert(name.clone(), (*imported, *index));
                }
            }
            for (name, index) in &own_functions[id.0] {
                visible.insert(name.clone(), (id.0, *index));
            }
            let lowerer = Lowerer {
                functions: &visible,
                aliases: &aliased,
                own_functions: &own_functions,
                returns: None,
                param_types: &program.param_types,
                names: &program.names,
                module: id.0,
                open_imports: &open_imports,
                top_level: &top_level,
                defaults: module_defaults(&module.ast),
                slots: Rc::default(),
            };
            lowerer.suite(id.0, module)
        })
        .collect();
    Plan { modules, suites }
}

#[derive(Clone)]
struct Lowerer<'a> {
    functions: &'a HashMap<String, (ModuleIndex, usize)>,
    aliases: &'a [(String, ModuleIndex)],
    own_functions: &'a [HashMap<String, usize>],
    /// Inside a `fn` with a declared return type: its name and that type, for
    /// each `return` of its body.
    returns: Option<(String, Type)>,
    /// The checker's type of each `param`, by the span of its name.
    param_types: &'a HashMap<Span, Type>,
    /// What the checker resolved each name to.
    names: &'a ResolvedNames,
    /// The module being lowered, and those it imports without `as`.
    module: ModuleIndex,
    open_imports: &'a [ModuleIndex],
    /// Each module's top-level bindings and services, by name.
    top_level: &'a [HashMap<String, TopLevel>],
    /// The module's `defaults { … }`: clauses each of its HTTP steps takes after
    /// its own (a clause read once takes the step's; `headers` add up).
    defaults: &'a [ast::Clause],
    /// The slots of the body being lowered (a test, `setup`, `teardown`, a `fn`).
    slots: Rc<RefCell<Slots>>,
}

/// The options of a module's `defaults { … }` items, in file order.
fn module_defaults(file: &ast::SourceFile) -> &[ast::Clause] {
    file.items
        .iter()
        .find_map(|item| match item {
            ast::Item::Defaults(defaults) => Some(defaults.options.as_slice()),
            _ => None,
        })
        .unwrap_or_default()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TopLevel {
    Binding,
    Service,
}

/// The locals of one body: each declaration (by the span of its name) gets the
/// next slot. A slot is never reused within a body, so a shadowed name keeps its
/// value for the uses the checker resolved to it.
#[derive(Default)]
struct Slots {
    by_definition: HashMap<Span, Slot>,
}

impl Slots {
    fn declare(&mut self, definition: Span) -> Slot {
        let next = self.by_definition.len();
        *self.by_definition.entry(definition).or_insert(next)
    }
}

/// A type as written (`list<int>`); a name the checker refused (E0312) is
/// `json`, which a lowered plan never meets.
fn declared_type(ty: &ast::TypeExpr) -> Type {
    let arguments: Vec<Type> = ty.arguments.iter().map(declared_type).collect();
    crate::steps::type_named(&ty.name.name, &arguments).unwrap_or(Type::Json)
}

impl<'a> Lowerer<'a> {
    fn module(
        &self,
        module: &crate::check::program::Module,
        open_imports: Vec<ModuleIndex>,
        aliased_imports: Vec<(String, ModuleIndex)>,
    ) -> ModulePlan {
        let mut bindings = Vec::new();
        let mut functions = Vec::new();
        let mut services = Vec::new();
        for item in &module.ast.items {
            match item {
                ast::Item::Binding(binding) => bindings.push(GlobalBinding {
                    kind: match binding.kind {
                        ast::BindingKind::Param => BindingKind::Param,
                        ast::BindingKind::Let => BindingKind::Let,
                        ast::BindingKind::Secret => BindingKind::Secret,
                    },
                    name: binding.name.name.clone(),
                    value: match &binding.value {
                        Some(ast::BindingValue::Expr(expr)) => Some(self.expr(expr)),
                        _ => None,
                    },
                    ty: match (&binding.declared_type, binding.kind) {
                        (_, ast::BindingKind::Param) => self
                            .param_types
                            .get(&binding.name.span)
                            .cloned()
                            .unwrap_or(Type::Json),
                        (Some(declared), _) => declared_type(declared),
                        (None, _) => Type::Json,
                    },
                    span: binding.span,
                }),
                ast::Item::Fn(function) => {
                    let lowerer = Lowerer {
                        returns: function
                            .return_type
                            .as_ref()
                            .map(|ty| (function.name.name.clone(), declared_type(ty))),
                        ..self.body()
                    };
                    for param in &function.params {
                        lowerer.declare(param.name.span);
                    }
                    let body = lowerer.block(&function.body);
                    functions.push(Function {
                        name: function.name.name.clone(),
                        parameters: function
                            .params
                            .iter()
                            .map(|param| param.name.name.clone())
                            .collect(),
                        parameter_types: function
                            .params
                            .iter()
                            .map(|param| declared_type(&param.declared_type))
                            .collect(),
                        body,
                        span: function.span,
                    })
                }
                ast::Item::Service(service) => {
                    let option = |name: &str| {
                        service
                            .options
                            .iter()
                            .find(|option| option.name.name == name)
                    };
                    let value = |name: &str| match option(name).map(|option| &option.arguments) {
                        Some(ast::ClauseArguments::Value(expr)) => Some(self.expr(expr)),
                        _ => None,
                    };
                    let ready = match option("ready").map(|option| &option.arguments) {
                        Some(ast::ClauseArguments::Ready {
                            probe,
                            target,
                            within,
                        }) => Some(ReadyPlan {
                            // The checker refused any other word (E0404), so a
                            // lowered plan never meets one; `http` was the default.
                            probe: ProbeKind::named(&probe.name).unwrap_or(ProbeKind::Http),
                            target: self.expr(target),
                            within: within.as_ref().map(|within| self.expr(within)),
                        }),
                        _ => None,
                    };
                    services.push(ServicePlan {
                        name: service.name.name.clone(),
                        command: self.template_of(&service.command),
                        env: value("env"),
                        cwd: value("cwd"),
                        ready,
                        span: service.span,
                    });
                }
                _ => {}
            }
        }
        ModulePlan {
            name: module.name.clone(),
            dir: module.dir.clone(),
            bindings,
            functions,
            services,
            open_imports,
            aliased_imports,
        }
    }

    fn suite(&self, module_index: ModuleIndex, module: &crate::check::program::Module) -> Suite {
        let mut suite = Suite {
            module: module_index,
            name: std::path::Path::new(&module.name)
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_else(|| module.name.clone()),
            setup: None,
            teardown: None,
            tests: Vec::new(),
        };
        for item in &module.ast.items {
            match item {
                ast::Item::Suite(name) => suite.name = plain(name),
                ast::Item::Setup(block) => suite.setup = Some(self.body().block(block)),
                ast::Item::Teardown(block) => suite.teardown = Some(self.body().block(block)),
                ast::Item::Test(test) => suite.tests.push(self.test(test, None)),
                ast::Item::Checkpoint(checkpoint) => {
                    let info = CheckpointInfo {
                        name: plain(&checkpoint.name),
                        stage: checkpoint
                            .stage
                            .as_ref()
                            .and_then(|stage| match &stage.kind {
                                ast::ExprKind::String(text) => text.as_plain_text(),
                                _ => None,
                            }),
                        on_failure: match checkpoint
                            .on_failure
                            .as_ref()
                            .map(|action| action.name.as_str())
                        {
                            Some("stop") => FailureAction::Stop,
                            Some("warn") => FailureAction::Warn,
                            _ => FailureAction::Continue,
                        },
                    };
                    for test in &checkpoint.tests {
                        suite.tests.push(self.test(test, Some(info.clone())));
                    }
                }
                _ => {}
            }
        }
        suite
    }

    fn test(&self, test: &ast::TestDef, checkpoint: Option<CheckpointInfo>) -> TestPlan {
        let attribute = |name: &str| {
            test.attributes
                .iter()
                .find(|attribute| attribute.name.name == name)
        };
        let tags = match attribute("tags")
            .and_then(|attribute| attribute.value.as_ref())
            .map(|value| &value.kind)
        {
            Some(ast::ExprKind::List(items)) => items
                .iter()
                .filter_map(|item| match &item.kind {
                    ast::ExprKind::String(text) => text.as_plain_text(),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let skip = attribute("skip").map(|attribute| {
            match attribute.value.as_ref().map(|value| &value.kind) {
                Some(ast::ExprKind::String(text)) => text.as_plain_text().unwrap_or_default(),
                _ => String::new(),
            }
        });
        TestPlan {
            name: plain(&test.name),
            span: test.name.span,
            checkpoint,
            timeout: attribute("timeout")
                .and_then(|a| a.value.as_ref())
                .map(|value| self.expr(value)),
            retry: attribute("retry")
                .and_then(|a| a.value.as_ref())
                .map(|value| self.expr(value)),
            retry_every: attribute("retry")
                .and_then(|a| a.every.as_ref())
                .map(|value| self.expr(value)),
            tags,
            skip,
            body: self.body().block(&test.body),
        }
    }

    fn block(&self, block: &ast::Block) -> Block {
        let statements = &block.statements;
        Block {
            statements: statements
                .iter()
                .enumerate()
                .map(|(index, statement)| self.statement(statement, &statements[index + 1..]))
                .collect(),
        }
    }

    /// `following` are the statements after this one, to see whether a `run`
    /// step's exit status is checked.
    fn statement(&self, statement: &ast::Statement, following: &[ast::Statement]) -> Statement {
        let kind = match &statement.kind {
            ast::StatementKind::Expect {
                condition,
                warn_only,
            } => StatementKind::Expect {
                condition: self.expr(condition),
                warn_only: *warn_only,
            },
            ast::StatementKind::Let {
                name,
                value,
                declared_type: declared,
            } => match value {
                // The value first: it reads the names visible before this `let`.
                ast::BindingValue::Expr(expr) => {
                    let value = self.expr(expr);
                    StatementKind::Let {
                        name: name.name.clone(),
                        slot: self.declare(name.span),
                        declared: declared.as_ref().map(declared_type),
                        value,
                    }
                }
                ast::BindingValue::Step(step) => {
                    let step = Box::new(self.step(step, following));
                    StatementKind::Step {
                        step,
                        bind: Some(self.declare(name.span)),
                    }
                }
            },
            ast::StatementKind::Assign { name, value } => StatementKind::Assign {
                name: name.name.clone(),
                target: match self.names.get(name.span) {
                    Some(Resolved::Local { definition }) => Place::Local(self.declare(definition)),
                    _ => Place::Global {
                        module: self.global_module(&name.name),
                        name: name.name.clone(),
                    },
                },
                value: self.expr(value),
            },
            ast::StatementKind::Step(step) => match crate::steps::own_statement(step) {
                // A kind's own statement the grammar read as a step (`WORD OPERAND`).
                Some((_, spec)) => self.kind_statement(spec.word, &[Some(&step.target)]),
                None => StatementKind::Step {
                    step: Box::new(self.step(step, following)),
                    bind: None,
                },
            },
            ast::StatementKind::For {
                variable,
                iterable,
                body,
            } => {
                let iterable = self.expr(iterable);
                StatementKind::For {
                    variable: variable.name.clone(),
                    slot: self.declare(variable.span),
                    iterable,
                    body: self.block(body),
                }
            }
            ast::StatementKind::If {
                condition,
                then_block,
                else_branch,
            } => StatementKind::If {
                condition: self.expr(condition),
                then_block: self.block(then_block),
                else_block: else_branch.as_ref().map(|branch| match branch {
                    ast::ElseBranch::Block(block) => self.block(block),
                    ast::ElseBranch::If(statement) => Block {
                        statements: vec![self.statement(statement, &[])],
                    },
                }),
            },
            ast::StatementKind::Eventually {
                within,
                every,
                body,
            } => StatementKind::Eventually {
                within: self.expr(within),
                every: self.expr(every),
                body: self.block(body),
            },
            ast::StatementKind::Retry {
                attempts,
                every,
                body,
            } => StatementKind::Retry {
                attempts: self.expr(attempts),
                every: every.as_ref().map(|every| self.expr(every)),
                body: self.block(body),
            },
            ast::StatementKind::Return(value) => StatementKind::Return {
                value: value.as_ref().map(|v| self.expr(v)),
                declared: self.returns.clone(),
            },
            ast::StatementKind::Skip(reason) => StatementKind::Skip {
                reason: self.expr(reason),
            },
            // The statements with rules of their own in the grammar, by its words;
            // their parts are named by the kind that holds them (`StatementSpec::parts`).
            ast::StatementKind::Send(value) => self.kind_statement("send", &[Some(value)]),
            ast::StatementKind::Receive { until, timeout } => {
                self.kind_statement("receive", &[until.as_ref(), timeout.as_ref()])
            }
            ast::StatementKind::Close(code) => self.kind_statement("close", &[code.as_ref()]),
            ast::StatementKind::Call(expr) => StatementKind::Evaluate(self.expr(expr)),
        };
        Statement {
            kind,
            span: statement.span,
        }
    }

    /// A statement of a kind's own, handed at run time to the kind the registry
    /// says holds `word` (none: the interpreter says this build cannot run it);
    /// `values` in the order of the parts its kind names (`StatementSpec::parts`).
    fn kind_statement(&self, word: &'static str, values: &[Option<&ast::Expr>]) -> StatementKind {
        let owner = crate::steps::statement_owner(word);
        let parts = owner.map_or(&[][..], |(_, spec)| spec.parts);
        StatementKind::Kind(KindStatement {
            kind: owner.map(|(kind, _)| kind),
            word,
            parts: parts
                .iter()
                .zip(values)
                .filter_map(|(name, expr)| Some((*name, self.expr((*expr)?))))
                .collect(),
            listed: owner.is_some_and(|(_, spec)| spec.listed),
        })
    }

    fn step(&self, step: &ast::Step, following: &[ast::Statement]) -> StepPlan {
        // A block option that is also one of the kind's clauses (a `load`'s
        // `headers`) is one of its options; the others are the block's own.
        let kind = crate::steps::of_step(&step.kind);
        let clause_names: Vec<&str> = kind
            .map(|kind| {
                crate::steps::schema::of(kind)
                    .clauses
                    .iter()
                    .map(|spec| spec.name)
                    .collect()
            })
            .unwrap_or_default();
        let (block_clauses, block_options): (Vec<&ast::Clause>, Vec<&ast::Clause>) = step
            .options
            .iter()
            .partition(|option| clause_names.contains(&option.name.name.as_str()));
        let defaults: &[ast::Clause] = match kind {
            Some(kind) if kind.takes_defaults() => self.defaults,
            _ => &[],
        };
        let options = step
            .clauses
            .iter()
            .chain(block_clauses)
            .chain(defaults)
            .map(|clause| StepOption {
                name: clause.name.name.clone(),
                value: match &clause.arguments {
                    ast::ClauseArguments::Value(value) => Some(self.expr(value)),
                    _ => None,
                },
            })
            .collect();
        let mut plan_options = Vec::new();
        let mut checks = Vec::new();
        let mut thresholds = Vec::new();
        for option in block_options {
            let values = match &option.arguments {
                ast::ClauseArguments::Value(value) => vec![self.expr(value)],
                ast::ClauseArguments::Rate { count, period } => {
                    vec![self.expr(count), self.expr(period)]
                }
                ast::ClauseArguments::Ramp { from, to, over } => {
                    vec![self.expr(from), self.expr(to), self.expr(over)]
                }
                ast::ClauseArguments::Check(conditions) => {
                    checks.extend(conditions.iter().map(|condition| self.expr(condition)));
                    continue;
                }
                // Three values a stage: its length, its level, whether it holds
                // (`at`, a literal made here).
                ast::ClauseArguments::Stages(stages) => stages
                    .iter()
                    .flat_map(|stage| {
                        [
                            self.expr(&stage.over),
                            self.expr(&stage.level),
                            Expr {
                                kind: ExprKind::Literal(Literal::Bool(stage.hold)),
                                span: stage.span,
                            },
                        ]
                    })
                    .collect(),
                ast::ClauseArguments::Abort { condition, after } => {
                    thresholds.push(ThresholdPlan {
                        condition: self.expr(condition),
                        after: after.as_ref().map(|after| self.expr(after)),
                    });
                    continue;
                }
                ast::ClauseArguments::None | ast::ClauseArguments::Ready { .. } => continue,
            };
            plan_options.push(BlockOption {
                name: option.name.name.clone(),
                values,
            });
        }
        StepPlan {
            // A step of no known kind never gets here: the checker refused it (E0416).
            kind,
            method: match &step.kind {
                ast::StepKind::Http(method) | ast::StepKind::Load(ast::LoadOf::Http(method)) => {
                    Some(method.as_str())
                }
                // The operation of the kind whose messages a load sends
                // (`load nats publish …`): the checker refused one it does not offer.
                ast::StepKind::Load(ast::LoadOf::Messages { kind: word, .. }) => {
                    step.operation.as_ref().and_then(|operation| {
                        let sender = crate::steps::of_step(&ast::StepKind::Named(word.clone()))?;
                        Some(
                            crate::steps::schema::of(sender)
                                .operation(&operation.name)?
                                .word,
                        )
                    })
                }
                // The checker refused an operation its kind does not declare.
                _ => step.operation.as_ref().and_then(|operation| {
                    let schema = crate::steps::schema::of(kind?);
                    Some(schema.operation(&operation.name)?.word)
                }),
            },
            target: self.expr(&step.target),
            target_text: kind.map_or(TargetText::Plain, |kind| {
                kind.schema_of_step(step)
                    .map_or(crate::steps::schema::of(kind).target_text, |schema| {
                        schema.target_text
                    })
            }),
            command: step.command.as_ref().map(|command| self.template(command)),
            block: step.block.as_ref().map(|block| self.block(block)),
            options,
            block_options: plan_options,
            checks,
            thresholds,
            status_checked: kind
                .and_then(|kind| kind.status_field())
                .is_some_and(|field| reads_after(following, field)),
            span: step.span,
        }
    }

    fn template(&self, string: &ast::StringLit) -> Template {
        Template {
            parts: string
                .parts
                .iter()
                .map(|part| match part {
                    ast::StringPart::Text(text) => TemplatePart::Text(text.clone()),
                    ast::StringPart::Interpolation(expr) => TemplatePart::Value(self.expr(expr)),
                })
                .collect(),
            span: string.span,
        }
    }

    /// A template from an expression that is usually a string literal; anything
    /// else becomes one interpolated value.
    fn template_of(&self, expr: &ast::Expr) -> Template {
        match &expr.kind {
            ast::ExprKind::String(string) => self.template(string),
            _ => Template {
                parts: vec![TemplatePart::Value(self.expr(expr))],
                span: expr.span,
            },
        }
    }

    fn expr(&self, expr: &ast::Expr) -> Expr {
        use ast::ExprKind as A;
        let kind = match &expr.kind {
            A::Int(value) => ExprKind::Literal(Literal::Int(*value)),
            A::Float(value) => ExprKind::Literal(Literal::Float(*value)),
            A::Duration(value) => ExprKind::Literal(Literal::Duration(*value)),
            A::Percent(value) => ExprKind::Literal(Literal::Percent(*value)),
            A::Size(value) => ExprKind::Literal(Literal::Size(*value)),
            A::Bool(value) => ExprKind::Literal(Literal::Bool(*value)),
            A::Null | A::Invalid => ExprKind::Literal(Literal::Null),
            A::String(string) => ExprKind::String(self.template(string)),
            A::List(items) => ExprKind::List(items.iter().map(|item| self.expr(item)).collect()),
            A::Object(entries) => ExprKind::Object(
                entries
                    .iter()
                    .map(|entry| (entry.key.clone(), self.expr(&entry.value)))
                    .collect(),
            ),
            A::Name(name) => self.name(name),
            A::Member { target, name } => match &target.kind {
                A::Name(module)
                    if self.alias(&module.name).is_some()
                        && self.names.get(module.span).is_none() =>
                {
                    let module = self.alias(&module.name).unwrap_or_default();
                    match self.top_level.get(module).and_then(|m| m.get(&name.name)) {
                        Some(TopLevel::Service) => ExprKind::Service(name.name.clone()),
                        _ => ExprKind::Global {
                            module,
                            name: name.name.clone(),
                        },
                    }
                }
                _ => ExprKind::Member(Box::new(self.expr(target)), name.name.clone()),
            },
            A::Index { target, index } => {
                ExprKind::Index(Box::new(self.expr(target)), Box::new(self.expr(index)))
            }
            A::Call { callee, arguments } => {
                let callee = match &callee.kind {
                    A::Name(name) => match self.functions.get(&name.name) {
                        Some((module, index)) => Callee::Function {
                            module: *module,
                            index: *index,
                        },
                        None => Callee::Core(name.name.clone()),
                    },
                    A::Member { target, name } => match &target.kind {
                        A::Name(module) => match self.alias(&module.name).and_then(|module| {
                            Some((module, *self.own_functions.get(module)?.get(&name.name)?))
                        }) {
                            Some((module, index)) => Callee::Function { module, index },
                            None => Callee::Core(name.name.clone()),
                        },
                        _ => Callee::Core(String::new()),
                    },
                    _ => Callee::Core(String::new()),
                };
                ExprKind::Call {
                    callee,
                    positional: arguments
                        .iter()
                        .filter(|argument| argument.name.is_none())
                        .map(|argument| self.expr(&argument.value))
                        .collect(),
                    named: arguments
                        .iter()
                        .filter_map(|argument| {
                            Some((
                                argument.name.as_ref()?.name.clone(),
                                self.expr(&argument.value),
                            ))
                        })
                        .collect(),
                }
            }
            A::Unary { operator, operand } => match operator {
                ast::UnaryOperator::Not => ExprKind::Not(Box::new(self.expr(operand))),
                ast::UnaryOperator::Negate => ExprKind::Negate(Box::new(self.expr(operand))),
            },
            A::Binary {
                operator,
                left,
                right,
                ..
            } => ExprKind::Binary {
                operator: binary(*operator),
                left: Box::new(self.expr(left)),
                right: Box::new(self.expr(right)),
            },
            A::Is { operand, type_name } => {
                ExprKind::Is(Box::new(self.expr(operand)), IsTest::named(&type_name.name))
            }
            A::Exists(operand) => ExprKind::Exists(Box::new(self.expr(operand))),
            A::Paren(inner) => return self.expr(inner),
        };
        Expr {
            kind,
            span: expr.span,
        }
    }

    /// A lowerer for a new body: the same module, no slots yet.
    fn body(&self) -> Lowerer<'a> {
        Lowerer {
            slots: Rc::default(),
            ..self.clone()
        }
    }

    /// The slot of the local declared at `definition` (the span of its name).
    fn declare(&self, definition: Span) -> Slot {
        self.slots.borrow_mut().declare(definition)
    }

    /// A name, as the checker resolved it: a local's slot, a field, a global of
    /// the module that holds it, a service.
    fn name(&self, name: &ast::Ident) -> ExprKind {
        match self.names.get(name.span) {
            Some(Resolved::Local { definition }) => ExprKind::Local {
                slot: self.declare(definition),
                name: name.name.clone(),
            },
            Some(Resolved::Field) => ExprKind::Field(name.name.clone()),
            Some(Resolved::Service) => ExprKind::Service(name.name.clone()),
            Some(Resolved::Global) | None => {
                let module = self.global_module(&name.name);
                match self.top_level.get(module).and_then(|m| m.get(&name.name)) {
                    Some(TopLevel::Service) => ExprKind::Service(name.name.clone()),
                    Some(TopLevel::Binding) => ExprKind::Global {
                        module,
                        name: name.name.clone(),
                    },
                    // Never in a checked program: read as a field, which is
                    // missing when the last step has none of that name.
                    None => ExprKind::Field(name.name.clone()),
                }
            }
        }
    }

    /// The module whose top-level item `name` is: this one, else the first one
    /// imported without `as` that declares it.
    fn global_module(&self, name: &str) -> ModuleIndex {
        std::iter::once(self.module)
            .chain(self.open_imports.iter().copied())
            .find(|module| {
                self.top_level
                    .get(*module)
                    .is_some_and(|items| items.contains_key(name))
            })
            .unwrap_or(self.module)
    }

    fn alias(&self, name: &str) -> Option<ModuleIndex> {
        self.aliases
            .iter()
            .find(|(alias, _)| alias == name)
            .map(|(_, module)| *module)
    }
}

fn binary(operator: ast::BinaryOperator) -> BinaryOperator {
    use ast::BinaryOperator as A;
    match operator {
        A::Coalesce => BinaryOperator::Coalesce,
        A::Or => BinaryOperator::Or,
        A::And => BinaryOperator::And,
        A::Equal => BinaryOperator::Equal,
        A::NotEqual => BinaryOperator::NotEqual,
        A::Less => BinaryOperator::Less,
        A::LessOrEqual => BinaryOperator::LessOrEqual,
        A::Greater => BinaryOperator::Greater,
        A::GreaterOrEqual => BinaryOperator::GreaterOrEqual,
        A::Contains => BinaryOperator::Contains,
        A::Matches => BinaryOperator::Matches,
        A::StartsWith => BinaryOperator::StartsWith,
        A::EndsWith => BinaryOperator::EndsWith,
        A::In => BinaryOperator::In,
        A::Conforms => BinaryOperator::Conforms,
        A::Add => BinaryOperator::Add,
        A::Subtract => BinaryOperator::Subtract,
        A::Multiply => BinaryOperator::Multiply,
        A::Divide => BinaryOperator::Divide,
    }
}

fn plain(string: &ast::StringLit) -> String {
    string.as_plain_text().unwrap_or_default()
}

/// Whether an expectation right after a `run` step reads its `exit`.
/// Whether an expectation right after a step (before any other statement) reads
/// the field called `field`.
fn reads_after(following: &[ast::Statement], field: &str) -> bool {
    following
        .iter()
        .take_while(|statement| matches!(statement.kind, ast::StatementKind::Expect { .. }))
        .any(|statement| match &statement.kind {
            ast::StatementKind::Expect { condition, .. } => reads_name(condition, field),
            _ => false,
        })
}

fn reads_name(expr: &ast::Expr, wanted: &str) -> bool {
    let mut found = false;
    crate::syntax::visit::visit_expr(expr, &mut |node| {
        if let ast::ExprKind::Name(name) = &node.kind {
            found |= name.name == wanted;
        }
    });
    found
}
