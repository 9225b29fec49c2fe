//! Steps and their clauses: each clause against the kind's schema (with a
//! did-you-mean), URL literals, header names, raw bodies, shell commands, and the
//! warnings about secrets sent where they show.

use super::*;

impl<'c, 'a> BodyChecker<'c, 'a> {
    pub(super) fn step(&mut self, step: &Step) -> Type {
        // A kind's own statement the grammar read as a step (`WORD OPERAND`).
        if let Some((owner, spec)) = steps::own_statement(step) {
            self.own_statement(step, owner, spec);
            return Type::Unknown;
        }
        let kind = steps::of_step(&step.kind);
        let Some(schema) = kind.map(steps::schema::of) else {
            if let StepKind::Named(word) = &step.kind {
                self.unknown_step_kind(word, step.keyword_span);
            }
            return Type::Unknown;
        };
        // A step whose schema is not its kind's for every step (`load nats
        // publish …`: the broker's target and clauses, a load's record).
        let own_schema = kind.and_then(|kind| kind.schema_of_step(step));
        let schema = own_schema.as_ref().unwrap_or(schema);
        if self.top_level_initializer {
            return Type::Unknown;
        }
        // The step's own target and clauses still see the previous step's fields.
        self.context = match schema.target_text {
            TargetText::Shell => InterpolationContext::Shell,
            TargetText::Plain | TargetText::Url => InterpolationContext::Text,
        };
        self.expect_type(&step.target, &schema.target, "the step's target");
        self.context = InterpolationContext::Text;
        if schema.target_text == TargetText::Shell {
            self.shell_command(&step.target);
        }
        match step.kind {
            StepKind::Http(_) | StepKind::Load(LoadOf::Http(_)) => {
                self.check_url_literal(&step.target, &["http", "https"]);
                self.check_secret_in_query(&step.target);
            }
            StepKind::WebSocket => self.check_url_literal(&step.target, &["ws", "wss"]),
            _ => {}
        }
        self.options(
            &step.clauses,
            &schema.clauses,
            &format!("`{}` steps", schema.name),
        );
        // The kind's own rules (a SQL or Redis command, the load model) live with
        // the kind, in `crate::steps`.
        if let Some(kind) = kind {
            kind.check(step, self);
        }
        if matches!(
            step.kind,
            StepKind::Http(_) | StepKind::Load(LoadOf::Http(_))
        ) {
            self.raw_body(&step.clauses);
        }
        if let Some(kind) = kind {
            self.shape(step, kind, schema);
        }
        let operation = step.operation.as_ref().map(|word| word.name.as_str());
        let Some(block) = &step.block else {
            self.set_fields(schema, operation, step.span);
            return schema.result_type_of(operation);
        };
        // The block's statements, its kind's own among them, see no step's
        // fields at first; a `ws` step yields none after its block (each
        // `receive` does, inside it), another kind its result.
        self.clear_fields(NoFieldsReason::NoStep);
        self.block_kinds.push(schema.name);
        self.block_in_new_scope(block);
        self.block_kinds.pop();
        if matches!(step.kind, StepKind::WebSocket) {
            self.clear_fields(NoFieldsReason::AfterWs);
            return Type::Unknown;
        }
        self.set_fields(schema, operation, step.span);
        schema.result_type_of(operation)
    }

    /// A step whose word (`StepKind::Named`) begins no kind of the registry.
    fn unknown_step_kind(&mut self, word: &str, span: Span) {
        let words: Vec<&str> = steps::registry()
            .iter()
            .flat_map(|kind| kind.keywords().iter().copied())
            .collect();
        let diagnostic = Diagnostic::error(
            codes::UNKNOWN_STEP_KIND,
            format!("unknown step kind `{word}`"),
            span,
            "no kind of step begins with this word",
        );
        let help = match did_you_mean(word, words.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => {
                // The kinds users have: a test-only kind (`test-kinds`) is left out
                // so that the message is the same in every build.
                let listed: Vec<&str> = steps::registry()
                    .iter()
                    .filter(|kind| !kind.for_tests_only())
                    .flat_map(|kind| kind.keywords().iter().copied())
                    .collect();
                format!("a step begins with one of: {}", listed.join(" "))
            }
        };
        self.report(diagnostic.with_help(help));
    }

    /// Clauses and options, checked against what a backend (or form) declares.
    pub(super) fn options(&mut self, clauses: &[Clause], specs: &[OptionSpec], owner: &str) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut body: Option<&Clause> = None;
        for clause in clauses {
            let name = clause.name.name.as_str();
            let Some(spec) = specs.iter().find(|spec| spec.name == name) else {
                let names: Vec<&str> = specs.iter().map(|spec| spec.name).collect();
                let mut diagnostic = Diagnostic::error(
                    codes::UNKNOWN_CLAUSE,
                    format!("{owner} take no `{name}`"),
                    clause.name.span,
                    "unknown here",
                );
                diagnostic = match did_you_mean(name, names.iter().copied()) {
                    Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                    None => diagnostic.with_help(format!("{owner} take: {}", names.join(", "))),
                };
                self.report(diagnostic);
                self.clause_values(clause);
                continue;
            };
            // A load may have several `abort when`, each its own threshold.
            let repeats = matches!(spec.value, ValueSpec::Threshold);
            if let Some(first) = seen.insert(name, clause.name.span)
                && !repeats
            {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE_CLAUSE,
                        format!("`{name}` is given twice"),
                        clause.name.span,
                        "given again here",
                    )
                    .with_label(first, "first given here"),
                );
            }
            if spec.sets_body {
                if let Some(first) = body {
                    self.report(
                        Diagnostic::error(
                            codes::EXCLUSIVE_BODY,
                            format!(
                                "`{name}` and `{}` both set the request body",
                                first.name.name
                            ),
                            clause.name.span,
                            "a second body",
                        )
                        .with_label(first.name.span, "the first body")
                        .with_help("keep one of `json`, `form`, `multipart`, `body` and `graphql`"),
                    );
                } else {
                    body = Some(clause);
                }
            }
            self.clause_value(clause, spec);
        }
    }

    pub(super) fn clause_value(&mut self, clause: &Clause, spec: &OptionSpec) {
        let name = clause.name.name.as_str();
        match (&spec.value, &clause.arguments) {
            (ValueSpec::Flag, ClauseArguments::None) => {}
            (ValueSpec::Flag, ClauseArguments::Value(value)) => {
                self.report(Diagnostic::error(
                    codes::CLAUSE_TYPE,
                    format!("`{name}` takes no value"),
                    value.span,
                    "unexpected value",
                ));
            }
            (ValueSpec::OneOf(types), ClauseArguments::Value(value)) => {
                let ty = self.expr(value);
                if !types.iter().any(|wanted| ty.fits(wanted)) {
                    let wanted: Vec<String> = types.iter().map(Type::with_article).collect();
                    let mut diagnostic = mismatch_plain(
                        codes::CLAUSE_TYPE,
                        value.span,
                        &format!("`{name}` takes {}", wanted.join(" or ")),
                        &ty,
                    );
                    if matches!(types.first(), Some(Type::Duration)) && ty.is_numeric() {
                        diagnostic = diagnostic.with_help(format!(
                            "write a duration with its unit: `{}s`",
                            self.source_text(value)
                        ));
                    }
                    self.report(diagnostic);
                }
                self.constant_limit(name, value);
                if name == "headers" {
                    self.check_header_names(value);
                }
                if name == "query" {
                    self.check_secret_values(value);
                }
            }
            (ValueSpec::OneOf(types), _) => {
                let wanted: Vec<String> = types.iter().map(Type::with_article).collect();
                self.report(Diagnostic::error(
                    codes::CLAUSE_TYPE,
                    format!("`{name}` needs a value"),
                    clause.span,
                    format!("expected {} after it", wanted.join(" or ")),
                ));
            }
            (ValueSpec::Rate, ClauseArguments::Rate { count, period }) => {
                self.expect_type(count, &Type::Int, "`rate`");
                self.expect_type(period, &Type::Duration, "`per`");
                self.constant_limit("rate", count);
                self.constant_limit("rate per", period);
            }
            (ValueSpec::Ramp, ClauseArguments::Ramp { from, to, over }) => {
                self.expect_type(from, &Type::Int, "`from`");
                self.expect_type(to, &Type::Int, "`to`");
                self.expect_type(over, &Type::Duration, "`over`");
                self.constant_limit("ramp over", over);
            }
            (ValueSpec::Check, ClauseArguments::Check(conditions)) => {
                // Inside `check`, each response's HTTP fields are in scope.
                self.conditions_on_fields(
                    clause,
                    "http",
                    conditions,
                    "`check`",
                    ("a `load` check cannot perform a step".to_string(),
                    "check each response's fields here (`status == 200`); perform other steps before or after the `load`"),
                );
            }
            (ValueSpec::Condition(kind), ClauseArguments::Value(condition)) => {
                // A condition on each candidate result (a message): that kind's
                // fields are in scope.
                self.conditions_on_fields(
                    clause,
                    kind,
                    std::slice::from_ref(condition),
                    &format!("`{name}`"),
                    (format!("an `{name}` condition cannot perform a step"),
                    "read the candidate's fields here (`json.id == 3`); perform other steps in the block"),
                );
            }
            (ValueSpec::Stages, ClauseArguments::Stages(stages)) => {
                for stage in stages {
                    self.expect_type(&stage.over, &Type::Duration, "a stage");
                    self.expect_type(&stage.level, &Type::Int, "a stage's level");
                    self.constant_limit("stage", &stage.over);
                }
            }
            (ValueSpec::Threshold, ClauseArguments::Abort { condition, after }) => {
                // The step's own fields so far are in scope (`latency.p99`,
                // `success_rate`).
                self.conditions_on_fields(
                    clause,
                    "load",
                    std::slice::from_ref(condition),
                    "`abort when`",
                    ("an `abort when` condition cannot perform a step".to_string(),
                    "read the load's figures so far here (`latency.p99 > 500ms`); perform other steps before or after the `load`"),
                );
                if let Some(after) = after {
                    self.expect_type(after, &Type::Duration, "`after`");
                }
            }
            (
                ValueSpec::Ready,
                ClauseArguments::Ready {
                    probe,
                    target,
                    within,
                },
            ) => {
                if ProbeKind::named(&probe.name).is_none() {
                    self.report(
                        Diagnostic::error(
                            codes::UNKNOWN_OPTION,
                            format!("unknown readiness probe `{}`", probe.name),
                            probe.span,
                            "expected `http`, `tcp` or `log`",
                        )
                        .with_help(
                            "`ready http URL`, `ready tcp \"host:port\"` or `ready log \"text\"`",
                        ),
                    );
                }
                self.expect_type(target, &Type::String, "`ready`");
                if probe.name == "http" {
                    self.check_url_literal(target, &["http", "https"]);
                }
                if let Some(within) = within {
                    self.expect_type(within, &Type::Duration, "`within`");
                    self.constant_limit("within", within);
                }
            }
            (_, arguments) => {
                self.report(Diagnostic::error(
                    codes::CLAUSE_TYPE,
                    format!("`{name}` is not written this way"),
                    clause.span,
                    match spec.value {
                        ValueSpec::Rate => "expected `rate N per D`",
                        ValueSpec::Ramp => "expected `ramp from A to B over D`",
                        ValueSpec::Check => "expected `check { condition }`",
                        ValueSpec::Ready => "expected `ready http|tcp|log TARGET [within D]`",
                        ValueSpec::Condition(_) => "expected a condition after it",
                        ValueSpec::Threshold => "expected `abort when CONDITION [after D]`",
                        ValueSpec::Stages => "expected `stages { D to N … }`",
                        _ => "unexpected form",
                    },
                ));
                let _ = arguments;
                self.clause_values(clause);
            }
        }
    }

    /// Conditions read on other fields than the last step's (each response's in
    /// `check`, a candidate message's in `until`, the load's figures so far in
    /// `abort when`): the result fields of `kind` in scope, earlier fields
    /// hidden, and no step performed in them (E0415, with `refusal`'s message
    /// and help).
    fn conditions_on_fields(
        &mut self,
        clause: &Clause,
        kind: &str,
        conditions: &[Expr],
        what: &str,
        refusal: (String, &str),
    ) {
        let before = self.snapshot_fields();
        self.clear_fields(NoFieldsReason::NoStep);
        self.push_scope();
        if let Some(schema) = steps::schema_for(kind) {
            self.set_fields(schema, None, clause.span);
        }
        self.record_fields_from(clause.span.file, clause.span.start);
        for condition in conditions {
            self.condition(condition, what);
            if Effects::new(self.checker).expr_calls(condition, Effect::Step) {
                self.report(
                    Diagnostic::error(
                        codes::STEP_IN_LOAD_CHECK,
                        refusal.0.clone(),
                        condition.span,
                        "this calls a function that performs a step",
                    )
                    .with_help(refusal.1),
                );
            }
        }
        self.scopes.pop();
        self.restore_fields(&before);
        self.record_fields_from(clause.span.file, clause.span.end);
    }

    /// Checks the expressions inside a clause that was rejected, so that names in
    /// them are still resolved (and not reported as unused).
    pub(super) fn clause_values(&mut self, clause: &Clause) {
        match &clause.arguments {
            ClauseArguments::None => {}
            ClauseArguments::Value(value) => {
                self.expr(value);
            }
            ClauseArguments::Rate { count, period } => {
                self.expr(count);
                self.expr(period);
            }
            ClauseArguments::Ramp { from, to, over } => {
                self.expr(from);
                self.expr(to);
                self.expr(over);
            }
            ClauseArguments::Check(conditions) => {
                for condition in conditions {
                    self.expr(condition);
                }
            }
            ClauseArguments::Stages(stages) => {
                for stage in stages {
                    self.expr(&stage.over);
                    self.expr(&stage.level);
                }
            }
            ClauseArguments::Abort { condition, after } => {
                self.expr(condition);
                if let Some(after) = after {
                    self.expr(after);
                }
            }
            ClauseArguments::Ready { target, within, .. } => {
                self.expr(target);
                if let Some(within) = within {
                    self.expr(within);
                }
            }
        }
    }

    pub(super) fn source_text(&self, expr: &Expr) -> String {
        self.checker.program.sources.text(expr.span).to_string()
    }

    pub(super) fn check_url_literal(&mut self, target: &Expr, schemes: &[&str]) {
        let ExprKind::String(string) = &target.kind else {
            return;
        };
        let leading = match string.parts.first() {
            Some(StringPart::Text(text)) => text.clone(),
            _ => return,
        };
        let whole = string.as_plain_text();
        let problem = if let Some(text) = &whole {
            match url::Url::parse(text) {
                Ok(url) if !schemes.contains(&url.scheme()) => Some(format!(
                    "the scheme `{}` is not supported here",
                    url.scheme()
                )),
                Ok(url) if url.host().is_none() => Some("the URL has no host".to_string()),
                Ok(_) => None,
                Err(error) => Some(format!("{error}")),
            }
        } else {
            match leading.split_once("://") {
                Some((scheme, _)) if !schemes.contains(&scheme) => {
                    Some(format!("the scheme `{scheme}` is not supported here"))
                }
                _ => None,
            }
        };
        if let Some(problem) = problem {
            self.report(
                Diagnostic::error(codes::INVALID_URL, "invalid URL", target.span, problem)
                    .with_help(format!(
                        "write an absolute URL: `{}://host:port/path`",
                        schemes[0]
                    )),
            );
        }
    }

    pub(super) fn check_header_names(&mut self, value: &Expr) {
        let ExprKind::Object(entries) = &value.kind else {
            return;
        };
        for entry in entries {
            let valid = !entry.key.is_empty()
                && entry
                    .key
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte));
            if !valid {
                self.report(
                    Diagnostic::error(
                        codes::INVALID_HEADER_NAME,
                        format!("`{}` is not a valid header name", entry.key),
                        entry.key_span,
                        "header names cannot contain spaces, colons or other separators",
                    )
                    .with_help("use letters, digits and `-`, such as `X-Request-Id`"),
                );
            }
        }
    }

    pub(super) fn is_secret(&self, expr: &Expr) -> bool {
        let mut found = false;
        visit_expr(expr, &mut |node| {
            if let ExprKind::Name(name) = &node.kind {
                let shadowed = self
                    .scopes
                    .iter()
                    .any(|scope| scope.iter().any(|local| local.name == name.name));
                if !shadowed
                    && let Some(Global {
                        kind:
                            GlobalKind::Binding {
                                kind: BindingKind::Secret,
                                ..
                            },
                        ..
                    }) = self.checker.globals.get(&name.name)
                {
                    found = true;
                }
            }
        });
        found
    }

    pub(super) fn secret_warning(&mut self, span: Span) {
        self.report(
            Diagnostic::warning(
                codes::SECRET_IN_QUERY,
                "a secret is sent in the URL's query",
                span,
                "this secret ends up in access logs",
            )
            .with_help("send it in a header (`headers { Authorization: … }`) or in the body"),
        );
    }

    pub(super) fn check_secret_in_query(&mut self, target: &Expr) {
        let ExprKind::String(string) = &target.kind else {
            return;
        };
        let mut in_query = false;
        for part in &string.parts {
            match part {
                StringPart::Text(text) => in_query |= text.contains('?'),
                StringPart::Interpolation(expr) => {
                    if in_query && self.is_secret(expr) {
                        self.secret_warning(expr.span);
                    }
                }
            }
        }
    }

    pub(super) fn check_secret_values(&mut self, value: &Expr) {
        if let ExprKind::Object(entries) = &value.kind {
            for entry in entries {
                if self.is_secret(&entry.value) {
                    self.secret_warning(entry.value.span);
                }
            }
        }
    }

    /// E0318 for `{{ }}` in a raw `body` that is JSON or a form (its text, or the
    /// `Content-Type` a literal `headers` object gives).
    pub(super) fn raw_body(&mut self, clauses: &[Clause]) {
        let value = |name: &str| {
            clauses
                .iter()
                .find(|clause| clause.name.name == name)
                .and_then(|clause| match &clause.arguments {
                    ClauseArguments::Value(expr) => Some(expr),
                    _ => None,
                })
        };
        let Some(body) = value("body") else {
            return;
        };
        let declared = value("headers").and_then(|headers| match &headers.kind {
            ExprKind::Object(entries) => entries
                .iter()
                .find(|entry| entry.key.eq_ignore_ascii_case("content-type"))
                .and_then(|entry| match &entry.value.kind {
                    ExprKind::String(text) => text.as_plain_text(),
                    _ => None,
                })
                .map(|text| text.to_ascii_lowercase()),
            _ => None,
        });
        self.raw_text_body(body, declared.as_deref());
    }

    pub(super) fn raw_text_body(&mut self, body: &Expr, declared: Option<&str>) {
        let ExprKind::String(string) = &body.kind else {
            return;
        };
        let written: String = string
            .parts
            .iter()
            .map(|part| match part {
                StringPart::Text(text) => text.as_str(),
                StringPart::Interpolation(_) => "",
            })
            .collect();
        let looks_like_json = written.trim_start().starts_with(['{', '[']);
        let is_form = declared.is_some_and(|kind| kind.contains("x-www-form-urlencoded"));
        let is_json = declared.map_or(looks_like_json, |kind| kind.contains("json"));
        let (language, help) = if is_form {
            (
                "form",
                "send `form { key: value }`: ritc encodes each value as one field",
            )
        } else if is_json {
            (
                "JSON",
                "send `json { key: value }` (or `send { … }` in a `ws` block): ritc encodes each value",
            )
        } else {
            return;
        };
        for expr in string.interpolations() {
            self.report(
                Diagnostic::error(
                    codes::INTERPOLATION_IN_RAW_BODY,
                    format!("`{{{{ }}}}` inside a raw {language} body"),
                    expr.span,
                    format!("spliced into the {language} text as it is, where a quote or `&` in the value would change it"),
                )
                .with_help(help),
            );
        }
    }

    /// E0317 for each `{{ }}` of a shell command that is not a bare word.
    pub(super) fn shell_command(&mut self, command: &Expr) {
        use crate::check::shell_context::{Piece, QuotedPlace, interpolation_places};
        let ExprKind::String(string) = &command.kind else {
            return;
        };
        let pieces: Vec<Piece> = string
            .parts
            .iter()
            .map(|part| match part {
                StringPart::Text(text) => Piece::Text(text),
                StringPart::Interpolation(_) => Piece::Value,
            })
            .collect();
        let places = interpolation_places(&pieces);
        for (expr, place) in string.interpolations().zip(places) {
            let Some(place) = place else {
                continue;
            };
            let help = match place {
                QuotedPlace::SingleQuotes
                | QuotedPlace::DoubleQuotes
                | QuotedPlace::DollarQuotes => {
                    "remove the quotes: ritc quotes the value, which arrives as one word, verbatim (`echo {{x}}`)"
                }
                QuotedPlace::Backticks => "write `$( … )` instead of backticks",
                QuotedPlace::Parameter | QuotedPlace::Arithmetic => {
                    "give the value a name first: `run \"X={{x}}; echo ${X:-none}\"`"
                }
                QuotedPlace::Comment => "move it out of the comment, or remove it",
                QuotedPlace::AfterBackslash => "remove the backslash: ritc quotes the value",
                QuotedPlace::AfterDollar => "remove the `$`: ritc writes the value itself",
                QuotedPlace::HereDocument => {
                    "pass the text with `stdin`, or give it a name before the `<<`: `X={{x}}`"
                }
            };
            self.report(
                Diagnostic::error(
                    codes::SHELL_INTERPOLATION_IN_QUOTES,
                    "`{{ }}` inside shell quotes",
                    expr.span,
                    format!(
                        "{}, where the quoted value would not be one word",
                        place.words()
                    ),
                )
                .with_help(help),
            );
        }
    }

    // ------------------------------------------------------------ expressions

    /// Checks `expr` and reports when its type does not fit `expected`.
    pub(super) fn expect_type(&mut self, expr: &Expr, expected: &Type, what: &str) {
        let ty = self.expr(expr);
        if !ty.fits(expected) {
            let mut diagnostic = mismatch_plain(
                codes::CLAUSE_TYPE,
                expr.span,
                &format!("{what} takes {}", expected.with_article()),
                &ty,
            );
            if expected == &Type::Duration && ty.is_numeric() {
                diagnostic = diagnostic.with_help(format!(
                    "write a duration with its unit: `{}s`",
                    self.source_text(expr)
                ));
            }
            self.report(diagnostic);
        }
    }

    pub(super) fn reject_bytes_in_text(&mut self, ty: &Type, expr: &Expr) {
        if ty == &Type::Bytes {
            self.report(
                Diagnostic::error(
                    codes::BYTES_INTERPOLATION,
                    "bytes cannot be written into text",
                    expr.span,
                    "this is bytes",
                )
                .with_help("write `{{ hex(x) }}` or `{{ base64(x) }}`"),
            );
        }
    }
}
