//! What the text of a test says about the JSON bodies of its steps, for the keys
//! to offer after `json.` (or an alias of it). The checker types `json` as
//! dynamic, but a test often shows a body's shape before the cursor: paths it
//! reads (`expect json.user.email exists`, `let x = json.items`), object literals
//! it compares a path with (`expect json == { id: 1, user: { name: "a" } }`), and
//! names bound to a path (`let data = json`, `let user = json.user`,
//! `for item in json.items`), whose reads count for that path. Each step (and
//! each `receive`) starts a new body: what is known belongs to the step it was
//! read after. Only what stands before the cursor counts, in the item around it.
//! Reads the untyped AST only.

use super::walk;
use crate::syntax::ast::*;
use std::collections::HashMap;

/// One step of a path after `json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Item,
}

/// A path into the body of one step: `body` counts the steps (and `receive`s)
/// before it in its item, so the body of the third step is 3.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyPath {
    pub body: usize,
    pub segments: Vec<Segment>,
}

/// The schema a path was held to (`expect json conforms schema("user.json")`).
#[derive(Clone, Debug)]
pub struct HeldTo {
    pub path: BodyPath,
    /// The schema file, as written (relative to the document).
    pub file: String,
}

/// What is known before an offset.
#[derive(Debug, Default)]
pub struct Known {
    /// The body `json` means at the offset.
    pub current_body: usize,
    /// The names bound to a path, as they stand at the offset.
    pub aliases: HashMap<String, BodyPath>,
    /// Every path the text reads or compares with a literal, in order.
    pub paths: Vec<BodyPath>,
    /// Every `conforms` of a path to a schema, in order.
    pub schemas: Vec<HeldTo>,
}

impl Known {
    /// The path that `root.segments…` denotes (`json` or an alias), if known.
    pub fn resolve(&self, root: &str, segments: Vec<Segment>) -> Option<BodyPath> {
        let mut path = if root == "json" {
            BodyPath {
                body: self.current_body,
                segments: Vec::new(),
            }
        } else {
            self.aliases.get(root)?.clone()
        };
        path.segments.extend(segments);
        Some(path)
    }

    /// The keys read below `path`, in the order the text first shows them.
    pub fn keys_below(&self, path: &BodyPath) -> Vec<String> {
        let depth = path.segments.len();
        let mut keys: Vec<String> = Vec::new();
        for known in &self.paths {
            if known.body != path.body || !known.segments.starts_with(&path.segments) {
                continue;
            }
            if let Some(Segment::Key(key)) = known.segments.get(depth)
                && !keys.contains(key)
            {
                keys.push(key.clone());
            }
        }
        keys
    }

    /// The last schema held to `path` or to a path above it, with the segments
    /// that lead from there to `path`.
    pub fn schema_for<'a>(&'a self, path: &'a BodyPath) -> Option<(&'a str, &'a [Segment])> {
        self.schemas.iter().rev().find_map(|held| {
            (held.path.body == path.body && path.segments.starts_with(&held.path.segments)).then(
                || {
                    (
                        held.file.as_str(),
                        &path.segments[held.path.segments.len()..],
                    )
                },
            )
        })
    }
}

/// `json.a.b[0].` → `("json", [a, b, item])`: the root word and the path of the
/// member access being typed, read from the text before the dot at `dot`.
pub fn path_before(text: &str, dot: usize) -> Option<(&str, Vec<Segment>)> {
    let bytes = text.as_bytes();
    let mut end = dot;
    let mut segments = Vec::new();
    loop {
        if end > 0 && bytes.get(end - 1) == Some(&b']') {
            let open = text[..end].rfind('[')?;
            let inside = text.get(open + 1..end - 1)?.trim();
            segments.push(match quoted(inside) {
                Some(key) => Segment::Key(key.to_string()),
                None => Segment::Item,
            });
            end = open;
            continue;
        }
        let start = super::cursor::word_start(text, end);
        let word = text.get(start..end)?;
        if word.is_empty() {
            return None;
        }
        if start > 0 && bytes.get(start - 1) == Some(&b'.') {
            segments.push(Segment::Key(word.to_string()));
            end = start - 1;
            continue;
        }
        segments.reverse();
        return Some((word, segments));
    }
}

/// `"name"` → `name`, for a plain string with no escape or interpolation.
fn quoted(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains(['"', '\\', '{'])).then_some(inner)
}

/// What the item around `offset` shows before it.
pub fn known_before(file: &SourceFile, offset: usize) -> Known {
    let mut known = Known::default();
    let Some(item) = file.items.iter().find(|item| {
        walk::item_blocks(item)
            .iter()
            .any(|block| walk::contains(block.span, offset))
    }) else {
        return known;
    };
    let top_level: HashMap<&str, &Expr> = file
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Binding(Binding {
                name,
                value: Some(BindingValue::Expr(value)),
                ..
            }) => Some((name.name.as_str(), value)),
            _ => None,
        })
        .collect();
    let mut reader = Reader {
        known: &mut known,
        offset,
        top_level: &top_level,
    };
    // One test of a checkpoint knows nothing of another's bodies or names.
    for block in walk::item_blocks(item)
        .into_iter()
        .filter(|block| walk::contains(block.span, offset))
    {
        walk::each_statement_in_block(block, &mut |statement| reader.statement(statement));
    }
    known
}

struct Reader<'a, 'k> {
    known: &'k mut Known,
    offset: usize,
    /// The top-level `let`s, for `conforms s` with `let s = schema("…")`.
    top_level: &'k HashMap<&'a str, &'a Expr>,
}

impl Reader<'_, '_> {
    fn before(&self, span: crate::source::span::Span) -> bool {
        span.end as usize <= self.offset
    }

    fn statement(&mut self, statement: &Statement) {
        if statement.span.start as usize > self.offset {
            return;
        }
        match &statement.kind {
            StatementKind::Expect { condition, .. } => self.expression(condition),
            StatementKind::Let {
                name,
                value: BindingValue::Expr(value),
                ..
            } => {
                self.expression(value);
                let path = self.before(value.span).then(|| self.path_of(value));
                self.bind(name, path.flatten());
            }
            StatementKind::Assign { name, value } => {
                self.expression(value);
                self.bind(name, None);
            }
            StatementKind::For {
                variable, iterable, ..
            } => {
                self.expression(iterable);
                let path = self.path_of(iterable).map(|mut path| {
                    path.segments.push(Segment::Item);
                    path
                });
                // The loop's body, where the variable is bound, is after its header.
                self.bind(variable, path.filter(|_| self.before(iterable.span)));
            }
            StatementKind::If { condition, .. } => self.expression(condition),
            StatementKind::Send(value)
            | StatementKind::Call(value)
            | StatementKind::Skip(value) => self.expression(value),
            StatementKind::Return(value) | StatementKind::Close(value) => {
                value.iter().for_each(|value| self.expression(value));
            }
            StatementKind::Receive { .. } if self.before(statement.span) => {
                self.known.current_body += 1;
            }
            _ => {}
        }
        if let Some(step) = statement.step() {
            // A step's own target and clauses read the body before it.
            self.expression(&step.target);
            for clause in &step.clauses {
                if let ClauseArguments::Value(value) = &clause.arguments {
                    self.expression(value);
                }
            }
            let inside_its_block = step
                .block
                .as_ref()
                .is_some_and(|block| walk::contains(block.span, self.offset));
            if self.before(statement.span) || inside_its_block {
                self.known.current_body += 1;
            }
            if let StatementKind::Let { name, .. } = &statement.kind {
                self.bind(name, None);
            }
        }
    }

    fn bind(&mut self, name: &Ident, path: Option<BodyPath>) {
        match path {
            Some(path) => {
                self.known.aliases.insert(name.name.clone(), path);
            }
            None => {
                self.known.aliases.remove(&name.name);
            }
        }
    }

    /// The paths in `expr`, what literals compared with a path show, and the
    /// schemas a path is held to; only parts that end before the offset.
    fn expression(&mut self, expr: &Expr) {
        let mut found: Vec<BodyPath> = Vec::new();
        crate::syntax::visit::visit_expr(expr, &mut |node| {
            if !self.before(node.span) {
                return;
            }
            if let Some(path) = self.path_of(node) {
                found.push(path);
            }
            let ExprKind::Binary {
                operator,
                left,
                right,
                ..
            } = &node.kind
            else {
                return;
            };
            match operator {
                BinaryOperator::Equal => {
                    for (side, other) in [(left, right), (right, left)] {
                        if let Some(path) = self.path_of(side) {
                            literal_paths(&path, other, &mut found, 0);
                        }
                    }
                }
                BinaryOperator::Conforms => {
                    if let (Some(path), Some(file)) = (self.path_of(left), self.schema_file(right))
                    {
                        self.known.schemas.push(HeldTo { path, file });
                    }
                }
                _ => {}
            }
        });
        self.known.paths.extend(found);
    }

    /// The body path an expression denotes: `json`, an alias, and members and
    /// indexes of those.
    fn path_of(&self, expr: &Expr) -> Option<BodyPath> {
        match &expr.kind {
            ExprKind::Name(name) if name.name == "json" => Some(BodyPath {
                body: self.known.current_body,
                segments: Vec::new(),
            }),
            ExprKind::Name(name) => self.known.aliases.get(&name.name).cloned(),
            ExprKind::Member { target, name } => {
                let mut path = self.path_of(target)?;
                path.segments.push(Segment::Key(name.name.clone()));
                Some(path)
            }
            ExprKind::Index { target, index } => {
                let mut path = self.path_of(target)?;
                path.segments.push(match &index.kind {
                    ExprKind::String(key) => Segment::Key(key.as_plain_text()?),
                    _ => Segment::Item,
                });
                Some(path)
            }
            ExprKind::Paren(inner) => self.path_of(inner),
            _ => None,
        }
    }

    /// `schema("f.json")`, or a top-level `let` holding one: `f.json`.
    fn schema_file(&self, expr: &Expr) -> Option<String> {
        let call = match &expr.kind {
            ExprKind::Name(name) => self.top_level.get(name.name.as_str())?,
            _ => expr,
        };
        let ExprKind::Call { callee, arguments } = &call.kind else {
            return None;
        };
        if !matches!(&callee.kind, ExprKind::Name(name) if name.name == "schema") {
            return None;
        }
        match &arguments.first()?.value.kind {
            ExprKind::String(path) => path.as_plain_text(),
            _ => None,
        }
    }
}

/// The paths an object literal compared with `path` shows: its keys, and those
/// of the objects nested in it (in lists, as items).
fn literal_paths(path: &BodyPath, literal: &Expr, found: &mut Vec<BodyPath>, depth: usize) {
    // Literals nest as deep as the parser lets them; this bound is for a bad tree.
    if depth > 64 {
        return;
    }
    match &literal.kind {
        ExprKind::Object(entries) => {
            for entry in entries {
                let mut inner = path.clone();
                inner.segments.push(Segment::Key(entry.key.clone()));
                found.push(inner.clone());
                literal_paths(&inner, &entry.value, found, depth + 1);
            }
        }
        ExprKind::List(items) => {
            let mut inner = path.clone();
            inner.segments.push(Segment::Item);
            for item in items {
                literal_paths(&inner, item, found, depth + 1);
            }
        }
        ExprKind::Paren(inner) => literal_paths(path, inner, found, depth + 1),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::span::FileId;

    fn key(name: &str) -> Segment {
        Segment::Key(name.to_string())
    }

    #[test]
    fn reads_the_path_before_the_dot() {
        let text = "expect json.user.tags[0][\"a b\"].";
        let path = path_before(text, text.len() - 1);
        assert_eq!(
            path,
            Some((
                "json",
                vec![key("user"), key("tags"), Segment::Item, key("a b")]
            ))
        );
        assert_eq!(path_before("expect json.", 11), Some(("json", Vec::new())));
        assert_eq!(path_before("expect data.", 11), Some(("data", Vec::new())));
        assert_eq!(path_before("expect (json).", 13), None);
    }

    /// The keys known at the `|` of `text` below `json` followed by `segments`.
    fn keys_at(text: &str, root: &str, segments: Vec<Segment>) -> Vec<String> {
        let offset = text.find('|').unwrap_or_default();
        let source = text.replace('|', " ");
        let parsed = crate::syntax::parse(FileId(0), &source);
        let known = known_before(&parsed.file, offset);
        known
            .resolve(root, segments)
            .map(|path| known.keys_below(&path))
            .unwrap_or_default()
    }

    #[test]
    fn knows_the_keys_a_step_s_body_was_read_with_before_the_cursor() {
        let text = "test \"t\" {\n  GET \"u\"\n  expect json == { id: 1, user: { name: \"a\" } }\n  expect json.user.email exists\n  let x = json[\"items\"]\n  let later = 1\n  |\n  expect json.after == 1\n}\n";
        assert_eq!(keys_at(text, "json", vec![]), ["id", "user", "items"]);
        assert_eq!(keys_at(text, "json", vec![key("user")]), ["name", "email"]);
        assert_eq!(keys_at(text, "later", vec![]), Vec::<String>::new());
    }

    #[test]
    fn a_new_step_starts_a_new_body_and_aliases_keep_theirs() {
        let text = "test \"t\" {\n  GET \"u\"\n  let data = json\n  let first = json.items[0]\n  expect data.id == 1 and first.sku == \"a\"\n  for item in json.items {\n    expect item.price > 0\n  }\n  GET \"v\"\n  |\n}\n";
        assert_eq!(keys_at(text, "json", vec![]), Vec::<String>::new());
        assert_eq!(keys_at(text, "data", vec![]), ["items", "id"]);
        assert_eq!(keys_at(text, "first", vec![]), ["sku", "price"]);
        assert_eq!(
            keys_at(text, "data", vec![key("items"), Segment::Item]),
            ["sku", "price"]
        );
    }

    #[test]
    fn a_test_of_a_checkpoint_knows_nothing_of_another_s_bodies() {
        let text = "checkpoint \"c\" {\n  test \"a\" {\n    GET \"u\"\n    let data = json\n    expect data.id == 1\n  }\n  test \"b\" {\n    GET \"v\"\n    |\n  }\n}\n";
        assert_eq!(keys_at(text, "data", vec![]), Vec::<String>::new());
        assert_eq!(keys_at(text, "json", vec![]), Vec::<String>::new());
    }

    #[test]
    fn a_name_bound_again_is_no_longer_an_alias() {
        let text = "test \"t\" {\n  GET \"u\"\n  let data = json\n  expect data.id == 1\n  data = 3\n  |\n}\n";
        assert_eq!(keys_at(text, "data", vec![]), Vec::<String>::new());
    }
}
