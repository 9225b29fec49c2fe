//! The canonical layout of `.rit`, one function per kind of node: which tokens go
//! on which line. The tokens themselves are never changed (literals are copied from
//! the source), so the formatted file parses to the same tree. Pure: no IO. Must
//! not import `check`, `plan` or `run`.
//!
//! Where the layout follows the source rather than a width (a step's clauses on
//! later lines, an object spread over lines, a `load` block on one line), it does
//! so because the normative examples make both choices at similar widths: one rule
//! by width alone could not leave all of them as they are.

use super::printer::Printer;
use crate::source::span::Span;
use crate::syntax::ast::*;

/// A step whose clauses would make a line longer than this puts each clause on a
/// line of its own.
pub const MAX_WIDTH: usize = 120;

/// Lays out a parsed file. `source` is the text it was parsed from.
pub fn format_file(file: &SourceFile, source: &str) -> String {
    let mut layout = Layout {
        printer: Printer::new(source, &file.comments),
    };
    for item in &file.items {
        let start = layout.item_start(item);
        layout.printer.start_line_at(start);
        layout.item(item);
    }
    layout.printer.finish()
}

struct Layout<'a> {
    printer: Printer<'a>,
}

/// A clause named by a word with no value after it (`insecure`, `follow
/// redirects` and `path as is` end in keywords and take none).
fn is_valueless_named(clause: &Clause) -> bool {
    matches!(clause.arguments, ClauseArguments::None)
        && !matches!(
            clause.name.name.as_str(),
            "insecure" | "follow redirects" | "path as is"
        )
}

/// A statement that, on the line after a step, a clause of that step would take:
/// a step of a kind with no word of the grammar's own (the checker rejects the
/// kind; the formatter still keeps the tree). See `Layout::end_before_clause_like`.
fn could_be_a_clause(statement: &Statement) -> bool {
    let StatementKind::Step(step) = &statement.kind else {
        return false;
    };
    matches!(&step.kind, StepKind::Named(word) if !crate::syntax::parser::begins_statement(word))
}

fn start(span: Span) -> usize {
    span.start as usize
}

fn end(span: Span) -> usize {
    span.end as usize
}

impl Layout<'_> {
    fn write(&mut self, text: &str) {
        self.printer.write(text);
    }

    fn source(&self) -> &str {
        self.printer.source()
    }

    /// True when the source has a line break between two offsets.
    fn breaks_between(&self, from: usize, to: usize) -> bool {
        self.source()
            .get(from..to)
            .is_some_and(|gap| gap.contains('\n'))
    }

    fn semicolon_between(&self, from: usize, to: usize) -> bool {
        self.source()
            .get(from..to)
            .is_some_and(|gap| gap.contains(';'))
    }

    /// The start of the keyword right before `position` (`setup`, `suite`), so that
    /// comments and blank lines are placed before the keyword, not after it.
    fn keyword_start_before(&self, position: usize) -> usize {
        let before = self.source().get(..position).unwrap_or_default().trim_end();
        let word_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |index| index + 1);
        if word_start < before.len() {
            word_start
        } else {
            position
        }
    }

    /// The offset of the first `{` at or after `position`, past spaces and comments.
    fn brace_at_or_after(&self, position: usize) -> usize {
        let source = self.source();
        let mut offset = position;
        let bytes = source.as_bytes();
        while offset < bytes.len() {
            match bytes[offset] {
                b'{' => return offset,
                b'#' => {
                    offset = source[offset..]
                        .find('\n')
                        .map_or(source.len(), |index| offset + index)
                }
                _ => offset += 1,
            }
        }
        position
    }

    // ------------------------------------------------------------ items

    fn item_start(&self, item: &Item) -> usize {
        match item {
            Item::Suite(name) => self.keyword_start_before(start(name.span)),
            Item::Setup(block) | Item::Teardown(block) => {
                self.keyword_start_before(start(block.span))
            }
            Item::Import(import) => start(import.span),
            Item::Binding(binding) => start(binding.span),
            Item::Fn(function) => start(function.span),
            Item::Service(service) => start(service.span),
            Item::Test(test) => start(test.span),
            Item::Checkpoint(checkpoint) => start(checkpoint.span),
            Item::Defaults(defaults) => start(defaults.span),
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Suite(name) => {
                self.write("suite ");
                self.string(name);
            }
            Item::Import(import) => {
                self.write("import ");
                self.string(&import.path);
                if let Some(alias) = &import.alias {
                    self.write(" as ");
                    self.write(&alias.name);
                }
            }
            Item::Binding(binding) => {
                self.write(binding.kind.keyword());
                self.write(" ");
                self.write(&binding.name.name);
                if let Some(declared_type) = &binding.declared_type {
                    self.write(": ");
                    self.type_expr(declared_type);
                }
                if let Some(value) = &binding.value {
                    self.write(" = ");
                    self.binding_value(value);
                }
            }
            Item::Fn(function) => self.function(function),
            Item::Service(service) => self.service(service),
            Item::Defaults(defaults) => {
                self.write("defaults ");
                let open = self.brace_at_or_after(start(defaults.span));
                self.option_block(
                    &defaults.options,
                    open,
                    end(defaults.span).saturating_sub(1),
                );
            }
            Item::Setup(block) => {
                self.write("setup ");
                self.block(block);
            }
            Item::Teardown(block) => {
                self.write("teardown ");
                self.block(block);
            }
            Item::Test(test) => self.test(test),
            Item::Checkpoint(checkpoint) => self.checkpoint(checkpoint),
        }
    }

    fn binding_value(&mut self, value: &BindingValue) {
        match value {
            BindingValue::Expr(expr) => self.expr(expr),
            BindingValue::Step(step) => self.step(step),
        }
    }

    fn function(&mut self, function: &FnDef) {
        self.write("fn ");
        self.write(&function.name.name);
        self.write("(");
        for (index, param) in function.params.iter().enumerate() {
            if index > 0 {
                self.write(", ");
            }
            self.write(&param.name.name);
            self.write(": ");
            self.type_expr(&param.declared_type);
        }
        self.write(")");
        if let Some(return_type) = &function.return_type {
            self.write(" -> ");
            self.type_expr(return_type);
        }
        self.write(" ");
        self.block(&function.body);
    }

    fn type_expr(&mut self, declared_type: &TypeExpr) {
        self.write(&declared_type.name.name);
        if !declared_type.arguments.is_empty() {
            self.write("<");
            for (index, argument) in declared_type.arguments.iter().enumerate() {
                if index > 0 {
                    self.write(", ");
                }
                self.type_expr(argument);
            }
            self.write(">");
        }
    }

    fn service(&mut self, service: &ServiceDef) {
        self.write("service ");
        self.write(&service.name.name);
        self.write(" = ");
        self.expr(&service.command);
        // `options` is empty both without a block and with `{}`: the span tells.
        if end(service.span) > end(service.command.span) {
            let open = self.brace_at_or_after(end(service.command.span));
            self.write(" ");
            self.option_block(&service.options, open, end(service.span).saturating_sub(1));
        }
    }

    fn test(&mut self, test: &TestDef) {
        self.write("test ");
        self.string(&test.name);
        for attribute in &test.attributes {
            self.write(" ");
            self.write(&attribute.name.name);
            if let Some(value) = &attribute.value {
                self.write(" ");
                self.expr(value);
            }
            if let Some(every) = &attribute.every {
                self.write(" every ");
                self.expr(every);
            }
        }
        self.write(" ");
        self.block(&test.body);
    }

    fn checkpoint(&mut self, checkpoint: &CheckpointDef) {
        self.write("checkpoint ");
        self.string(&checkpoint.name);
        if let Some(stage) = &checkpoint.stage {
            self.write(" stage ");
            self.expr(stage);
        }
        if let Some(action) = &checkpoint.on_failure {
            self.write(" on failure ");
            self.write(&action.name);
        }
        let close = end(checkpoint.span).saturating_sub(1);
        if checkpoint.tests.is_empty() && !self.printer.has_comment_before(close) {
            self.write(" {}");
            return;
        }
        self.write(" {");
        self.printer.indent();
        self.printer.open_block();
        for test in &checkpoint.tests {
            self.printer.start_line_at(start(test.span));
            self.test(test);
        }
        self.printer.close_block_at(close);
        self.write("}");
    }

    // ------------------------------------------------------------ statements

    fn block(&mut self, block: &Block) {
        let close = end(block.span).saturating_sub(1);
        if block.statements.is_empty() && !self.printer.has_comment_before(close) {
            self.write("{}");
            return;
        }
        self.write("{");
        self.printer.indent();
        self.printer.open_block();
        for (index, statement) in block.statements.iter().enumerate() {
            self.printer.start_line_at(start(statement.span));
            self.statement(statement);
            if block
                .statements
                .get(index + 1)
                .is_some_and(could_be_a_clause)
            {
                self.end_before_clause_like(statement);
            }
        }
        self.printer.close_block_at(close);
        self.write("}");
    }

    fn statement(&mut self, statement: &Statement) {
        match &statement.kind {
            StatementKind::Expect {
                condition,
                warn_only,
            } => {
                self.write(if *warn_only {
                    "warn expect "
                } else {
                    "expect "
                });
                self.expr(condition);
            }
            StatementKind::Let {
                name,
                declared_type,
                value,
            } => {
                self.write("let ");
                self.write(&name.name);
                if let Some(declared_type) = declared_type {
                    self.write(": ");
                    self.type_expr(declared_type);
                }
                self.write(" = ");
                self.binding_value(value);
            }
            StatementKind::Assign { name, value } => {
                self.write(&name.name);
                self.write(" = ");
                self.expr(value);
            }
            StatementKind::Step(step) => self.step(step),
            StatementKind::For {
                variable,
                iterable,
                body,
            } => {
                self.write("for ");
                self.write(&variable.name);
                self.write(" in ");
                self.expr(iterable);
                self.write(" ");
                self.block(body);
            }
            StatementKind::If {
                condition,
                then_block,
                else_branch,
            } => self.if_statement(condition, then_block, else_branch.as_ref()),
            StatementKind::Eventually {
                within,
                every,
                body,
            } => {
                self.write("eventually within ");
                self.expr(within);
                self.write(" every ");
                self.expr(every);
                self.write(" ");
                self.block(body);
            }
            StatementKind::Retry {
                attempts,
                every,
                body,
            } => {
                self.write("retry ");
                self.expr(attempts);
                if let Some(every) = every {
                    self.write(" every ");
                    self.expr(every);
                }
                self.write(" ");
                self.block(body);
            }
            // The operands of `return` and `close` must start on the keyword's line:
            // they always do here.
            StatementKind::Return(value) => {
                self.write("return");
                if let Some(value) = value {
                    self.write(" ");
                    self.expr(value);
                }
            }
            StatementKind::Skip(reason) => {
                self.write("skip ");
                self.expr(reason);
            }
            StatementKind::Close(code) => {
                self.write("close");
                if let Some(code) = code {
                    self.write(" ");
                    self.expr(code);
                }
            }
            StatementKind::Send(value) => {
                self.write("send ");
                self.expr(value);
            }
            StatementKind::Receive { until, timeout } => {
                self.write("receive");
                if let Some(until) = until {
                    self.write(" until ");
                    self.expr(until);
                }
                if let Some(timeout) = timeout {
                    self.write(" timeout ");
                    self.expr(timeout);
                }
            }
            StatementKind::Call(call) => self.expr(call),
        }
    }

    fn if_statement(
        &mut self,
        condition: &Expr,
        then_block: &Block,
        else_branch: Option<&ElseBranch>,
    ) {
        self.write("if ");
        self.expr(condition);
        self.write(" ");
        self.block(then_block);
        match else_branch {
            None => {}
            Some(ElseBranch::Block(block)) => {
                self.write(" else ");
                self.block(block);
            }
            Some(ElseBranch::If(statement)) => {
                self.write(" else ");
                match &statement.kind {
                    StatementKind::If {
                        condition,
                        then_block,
                        else_branch,
                    } => self.if_statement(condition, then_block, else_branch.as_ref()),
                    _ => self.statement(statement),
                }
            }
        }
    }

    // ------------------------------------------------------------ steps

    fn step(&mut self, step: &Step) {
        match &step.kind {
            StepKind::Http(method) => {
                self.write(method.as_str());
                self.write(" ");
                self.expr(&step.target);
            }
            StepKind::Run => {
                self.write("run ");
                self.expr(&step.target);
            }
            StepKind::Sql | StepKind::Redis => {
                self.write(if step.kind == StepKind::Sql {
                    "sql "
                } else {
                    "redis "
                });
                self.expr(&step.target);
            }
            StepKind::WebSocket => {
                self.write("ws ");
                self.expr(&step.target);
            }
            StepKind::Load(LoadOf::Http(method)) => {
                self.write("load ");
                self.write(method.as_str());
                self.write(" ");
                self.expr(&step.target);
            }
            StepKind::Load(LoadOf::Messages { kind, .. }) => {
                self.write("load ");
                self.write(kind);
                if let Some(operation) = &step.operation {
                    self.write(" ");
                    self.write(&operation.name);
                }
                self.write(" ");
                self.expr(&step.target);
            }
            // A kind with no grammar rule of its own: its word, its operation,
            // its target, then the string, clauses and block every step may have.
            StepKind::Named(word) => {
                self.write(word);
                if let Some(operation) = &step.operation {
                    self.write(" ");
                    self.write(&operation.name);
                }
                self.write(" ");
                self.expr(&step.target);
            }
        }
        if let Some(command) = &step.command {
            self.write(" ");
            self.string(command);
        }
        let head_end = step
            .command
            .as_ref()
            .map_or(end(step.target.span), |command| end(command.span));
        self.clauses(&step.clauses, head_end);
        let after_clauses = step
            .clauses
            .last()
            .map_or(head_end, |clause| end(clause.span));
        if let Some(block) = &step.block {
            self.write(" ");
            self.block(block);
        }
        if matches!(step.kind, StepKind::Load(_)) {
            let open = self.brace_at_or_after(after_clauses);
            self.write(" ");
            self.option_block(&step.options, open, end(step.span).saturating_sub(1));
        }
    }

    /// A step's clauses stay on its line when the source has them there and the line
    /// fits in `MAX_WIDTH`; otherwise each goes on a line of its own, one level in.
    fn clauses(&mut self, clauses: &[Clause], head_end: usize) {
        if clauses.is_empty() {
            return;
        }
        let mut previous_end = head_end;
        let mut broken_in_source = false;
        for clause in clauses {
            broken_in_source |= self.breaks_between(previous_end, start(clause.span));
            previous_end = end(clause.span);
        }
        if !broken_in_source {
            let snapshot = self.printer.snapshot();
            for clause in clauses {
                self.write(" ");
                self.clause(clause);
                self.end_valueless(clause);
            }
            if self.printer.widest_line_since(&snapshot) <= MAX_WIDTH {
                return;
            }
            self.printer.restore(snapshot);
        }
        self.printer.indent();
        for clause in clauses {
            self.printer.start_line_at(start(clause.span));
            self.clause(clause);
            self.end_valueless(clause);
        }
        self.printer.dedent();
    }

    /// Ends `statement` so that the statement after it, which a clause could take
    /// (`could_be_a_clause`), stays a statement of its own. Something kept the two
    /// apart in the source (a `;` on either line); on two lines they would become
    /// one step, unless the first is a step that a block ends. A step's last clause
    /// takes a `;` of its own (`clause_body ~ ";"?`) and goes on to the next clause,
    /// so after a clause it takes two: the clause's and the statement's.
    fn end_before_clause_like(&mut self, statement: &Statement) {
        let Some(step) = statement.step() else {
            return;
        };
        if step.block.is_some() || matches!(step.kind, StepKind::Load(_)) {
            return;
        }
        if !step.clauses.is_empty() && !self.printer.line_ends_with(';') {
            self.write(";");
        }
        self.write(";");
    }

    /// A named clause without a value (a kind's flag, as `nats`'s `jetstream`, or
    /// a clause missing its value, which the checker rejects) would take a name
    /// that follows it on the next line as its value: it keeps the `;` that ended
    /// it in the source, so the tree stays the same. Without one there, what
    /// followed was not read as its value (the next clause, a keyword, a `}`),
    /// and is not after formatting either: the words keep their order.
    fn end_valueless(&mut self, clause: &Clause) {
        if is_valueless_named(clause) && self.ends_with_semicolon(clause.span) {
            self.write(";");
        }
    }

    /// Whether the source has a `;` at the end of `span` or right after it.
    fn ends_with_semicolon(&self, span: Span) -> bool {
        let source = self.source();
        let written = source.get(start(span)..end(span)).unwrap_or_default();
        written.trim_end().ends_with(';')
            || source
                .get(end(span)..)
                .unwrap_or_default()
                .trim_start_matches([' ', '\t'])
                .starts_with(';')
    }

    fn clause(&mut self, clause: &Clause) {
        self.write(&clause.name.name);
        match &clause.arguments {
            ClauseArguments::None => {}
            ClauseArguments::Value(value) => {
                self.write(" ");
                self.expr(value);
            }
            ClauseArguments::Rate { count, period } => {
                self.write(" ");
                self.expr(count);
                self.write(" per ");
                self.expr(period);
            }
            ClauseArguments::Ramp { from, to, over } => {
                self.write(" from ");
                self.expr(from);
                self.write(" to ");
                self.expr(to);
                self.write(" over ");
                self.expr(over);
            }
            ClauseArguments::Check(conditions) => self.check_block(clause, conditions),
            ClauseArguments::Stages(stages) => self.stages_block(clause, stages),
            ClauseArguments::Abort { condition, after } => {
                self.write(" when ");
                self.expr(condition);
                if let Some(after) = after {
                    self.write(" after ");
                    self.expr(after);
                }
            }
            ClauseArguments::Ready {
                probe,
                target,
                within,
            } => {
                self.write(" ");
                self.write(&probe.name);
                self.write(" ");
                self.expr(target);
                if let Some(within) = within {
                    self.write(" within ");
                    self.expr(within);
                }
            }
        }
    }

    /// The `{ … }` of `load` and `service`: on one line when the source has it on
    /// one line without `;`, else one option per line.
    fn option_block(&mut self, options: &[Clause], open: usize, close: usize) {
        if options.is_empty() && !self.printer.has_comment_before(close) {
            self.write("{}");
            return;
        }
        let mut gaps = Vec::with_capacity(options.len() + 1);
        let mut previous_end = open + 1;
        for option in options {
            gaps.push((previous_end, start(option.span)));
            previous_end = end(option.span);
        }
        gaps.push((previous_end, close));
        let one_line = !options.is_empty()
            && !self.breaks_between(open, close)
            && !gaps
                .iter()
                .any(|(from, to)| self.semicolon_between(*from, *to));
        if one_line {
            self.write("{ ");
            for (index, option) in options.iter().enumerate() {
                if index > 0 {
                    self.write(" ");
                }
                self.clause(option);
            }
            self.write(" }");
            return;
        }
        self.write("{");
        self.printer.indent();
        self.printer.open_block();
        for (index, option) in options.iter().enumerate() {
            self.printer.start_line_at(start(option.span));
            self.clause(option);
            // On one line there was no `;` to keep: the next option was not taken
            // as a value there, and it is not here either. The last is before `}`.
            if index + 1 < options.len() {
                self.end_valueless(option);
            }
        }
        self.printer.close_block_at(close);
        self.write("}");
    }

    /// `check { … }`: conditions keep the `expect` they were written with.
    fn check_block(&mut self, clause: &Clause, conditions: &[Expr]) {
        let close = end(clause.span).saturating_sub(1);
        let open = self.brace_at_or_after(end(clause.name.span));
        if conditions.is_empty() && !self.printer.has_comment_before(close) {
            self.write(" {}");
            return;
        }
        let mut previous_end = open + 1;
        let mut semicolons = false;
        for condition in conditions {
            semicolons |= self.semicolon_between(previous_end, start(condition.span));
            previous_end = end(condition.span);
        }
        semicolons |= self.semicolon_between(previous_end, close);
        let one_line = !conditions.is_empty() && !self.breaks_between(open, close) && !semicolons;
        if one_line {
            self.write(" { ");
            for (index, condition) in conditions.iter().enumerate() {
                if index > 0 {
                    self.write(" ");
                }
                self.check_condition(condition);
            }
            self.write(" }");
            return;
        }
        self.write(" {");
        self.printer.indent();
        self.printer.open_block();
        for condition in conditions {
            let condition_start = self
                .expect_start(condition)
                .unwrap_or(start(condition.span));
            self.printer.start_line_at(condition_start);
            self.check_condition(condition);
        }
        self.printer.close_block_at(close);
        self.write("}");
    }

    /// `stages { … }`: on one line when it holds one stage and was written on one
    /// line, else a stage a line.
    fn stages_block(&mut self, clause: &Clause, stages: &[LoadStage]) {
        let close = end(clause.span).saturating_sub(1);
        let open = self.brace_at_or_after(end(clause.name.span));
        if stages.is_empty() && !self.printer.has_comment_before(close) {
            self.write(" {}");
            return;
        }
        let one_line = stages.len() == 1
            && !self.breaks_between(open, close)
            && !self.semicolon_between(open + 1, close);
        if one_line {
            self.write(" { ");
            self.stage(&stages[0]);
            self.write(" }");
            return;
        }
        self.write(" {");
        self.printer.indent();
        self.printer.open_block();
        for stage in stages {
            self.printer.start_line_at(start(stage.span));
            self.stage(stage);
        }
        self.printer.close_block_at(close);
        self.write("}");
    }

    fn stage(&mut self, stage: &LoadStage) {
        self.expr(&stage.over);
        self.write(if stage.hold { " at " } else { " to " });
        self.expr(&stage.level);
    }

    fn check_condition(&mut self, condition: &Expr) {
        if self.expect_start(condition).is_some() {
            self.write("expect ");
        }
        self.expr(condition);
    }

    /// Where the `expect` keyword before a check condition starts, if it has one.
    fn expect_start(&self, condition: &Expr) -> Option<usize> {
        let before = self.source().get(..start(condition.span))?.trim_end();
        let keyword_start = before.strip_suffix("expect").map(str::len)?;
        let preceding = before[..keyword_start].chars().next_back();
        match preceding {
            Some(c) if c.is_ascii_alphanumeric() || c == '_' => None,
            _ => Some(keyword_start),
        }
    }

    // ------------------------------------------------------------ expressions

    fn string(&mut self, string: &StringLit) {
        self.printer.copy(string.span.range());
    }

    fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Duration(_)
            | ExprKind::Percent(_)
            | ExprKind::Size(_)
            | ExprKind::Invalid => self.printer.copy(expr.span.range()),
            ExprKind::Bool(value) => self.write(if *value { "true" } else { "false" }),
            ExprKind::Null => self.write("null"),
            ExprKind::String(string) => self.string(string),
            ExprKind::List(items) => self.list(expr.span, items),
            ExprKind::Object(entries) => self.object(expr.span, entries),
            ExprKind::Name(name) => self.write(&name.name),
            ExprKind::Member { target, name } => {
                self.expr(target);
                self.write(".");
                self.write(&name.name);
            }
            ExprKind::Index { target, index } => {
                self.expr(target);
                self.write("[");
                self.expr(index);
                self.write("]");
            }
            ExprKind::Call { callee, arguments } => {
                self.expr(callee);
                self.write("(");
                for (index, argument) in arguments.iter().enumerate() {
                    if index > 0 {
                        self.write(", ");
                    }
                    if let Some(name) = &argument.name {
                        self.write(&name.name);
                        self.write(": ");
                    }
                    self.expr(&argument.value);
                }
                self.write(")");
            }
            ExprKind::Unary { operator, operand } => {
                self.write(match operator {
                    UnaryOperator::Not => "not ",
                    UnaryOperator::Negate => "-",
                });
                self.expr(operand);
            }
            ExprKind::Binary {
                operator,
                left,
                right,
                ..
            } => {
                self.expr(left);
                self.write(" ");
                self.write(operator.symbol());
                self.write(" ");
                self.expr(right);
            }
            ExprKind::Is { operand, type_name } => {
                self.expr(operand);
                self.write(" is ");
                self.write(&type_name.name);
            }
            ExprKind::Exists(operand) => {
                self.expr(operand);
                self.write(" exists");
            }
            ExprKind::Paren(inner) => {
                self.write("(");
                self.expr(inner);
                self.write(")");
            }
        }
    }

    /// `[a, b]` on one line, or one item per line when the source breaks the line
    /// right after `[`.
    fn list(&mut self, span: Span, items: &[Expr]) {
        let close = end(span).saturating_sub(1);
        let spread = items
            .first()
            .is_some_and(|first| self.breaks_between(start(span) + 1, start(first.span)));
        if !spread {
            self.write("[");
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    self.write(", ");
                }
                self.expr(item);
            }
            self.write("]");
            return;
        }
        self.write("[");
        self.printer.indent();
        self.printer.open_block();
        for item in items {
            self.printer.start_line_at(start(item.span));
            self.expr(item);
            self.write(",");
        }
        self.printer.close_block_at(close);
        self.write("]");
    }

    /// `{ key: value, … }` on one line, or one entry per line when the source
    /// breaks the line right after `{`.
    fn object(&mut self, span: Span, entries: &[ObjectEntry]) {
        let close = end(span).saturating_sub(1);
        let spread = entries
            .first()
            .is_some_and(|first| self.breaks_between(start(span) + 1, start(first.key_span)));
        if entries.is_empty() {
            self.write("{}");
            return;
        }
        if !spread {
            self.write("{ ");
            for (index, entry) in entries.iter().enumerate() {
                if index > 0 {
                    self.write(", ");
                }
                self.object_entry(entry);
            }
            self.write(" }");
            return;
        }
        self.write("{");
        self.printer.indent();
        self.printer.open_block();
        for entry in entries {
            self.printer.start_line_at(start(entry.key_span));
            self.object_entry(entry);
            self.write(",");
        }
        self.printer.close_block_at(close);
        self.write("}");
    }

    fn object_entry(&mut self, entry: &ObjectEntry) {
        self.printer.copy(entry.key_span.range());
        self.write(": ");
        self.expr(&entry.value);
    }
}
