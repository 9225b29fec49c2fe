//! The keys to offer after `json.` (or `json.a.b[0].`): the checker types `json`
//! as dynamic, but when the test has already held the last step's body to a
//! schema (`expect json conforms schema("user.json")`, directly or through a
//! top-level `let s = schema("…")`, after that step) the schema says which
//! properties the path has. The schema file is read here, at the server's edge:
//! an open buffer first, else the disk, relative to the document like the runtime
//! reads it. Only local `$ref`s (`#/…`) are followed; `properties`, `items` and
//! the members of `allOf`/`anyOf`/`oneOf` are read, nothing else of JSON Schema.

use super::analysis::Analysis;
use super::walk;
use crate::syntax::ast::*;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One step of a path after `json`.
#[derive(Debug, PartialEq)]
enum Segment {
    Key(String),
    Item,
}

/// The properties the schema gives the path that ends at `dot` (names and their
/// declared `type`), or nothing when no schema is known for it.
pub fn keys_after(
    analysis: &Analysis,
    text: &str,
    dot: usize,
    document: &Path,
    buffers: &HashMap<PathBuf, String>,
) -> Vec<(String, Option<String>)> {
    let Some(path) = path_before(text, dot) else {
        return Vec::new();
    };
    let Some(schema_file) = schema_known_at(analysis, dot) else {
        return Vec::new();
    };
    let Some(folder) = document.parent() else {
        return Vec::new();
    };
    let file = folder.join(schema_file);
    let read = match buffers.get(&super::analysis::canonical_path(&file)) {
        Some(text) => Some(text.clone()),
        None => std::fs::read_to_string(&file).ok(),
    };
    let Some(root) = read.and_then(|text| serde_json::from_str::<Json>(&text).ok()) else {
        return Vec::new();
    };
    let mut nodes = vec![&root];
    for segment in &path {
        nodes = nodes
            .into_iter()
            .flat_map(|node| alternatives(&root, node))
            .filter_map(|node| match segment {
                Segment::Key(key) => node.get("properties").and_then(|map| map.get(key)),
                Segment::Item => node.get("items"),
            })
            .collect();
    }
    let mut keys: Vec<(String, Option<String>)> = Vec::new();
    for node in nodes.into_iter().flat_map(|node| alternatives(&root, node)) {
        let Some(Json::Object(properties)) = node.get("properties") else {
            continue;
        };
        for (name, property) in properties {
            if keys.iter().all(|(known, _)| known != name) {
                let ty = resolve(&root, property).get("type").map(|ty| match ty {
                    Json::String(name) => name.clone(),
                    other => other.to_string(),
                });
                keys.push((name.clone(), ty));
            }
        }
    }
    keys
}

/// `json.a.b[0].` → `[a, b, item]`: the path after `json` of the member access
/// being typed, read from the text before the dot.
fn path_before(text: &str, dot: usize) -> Option<Vec<Segment>> {
    let bytes = text.as_bytes();
    let mut end = dot;
    let mut segments = Vec::new();
    loop {
        if end > 0 && bytes.get(end - 1) == Some(&b']') {
            let open = text[..end].rfind('[')?;
            segments.push(Segment::Item);
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
        if word != "json" {
            return None;
        }
        segments.reverse();
        return Some(segments);
    }
}

/// The schema file of the last `expect json conforms …` before `offset`, after
/// the last step before it, in the item around `offset`.
fn schema_known_at(analysis: &Analysis, offset: usize) -> Option<String> {
    let ast = analysis.entry_ast();
    let item = ast.items.iter().find(|item| {
        walk::item_blocks(item)
            .iter()
            .any(|block| walk::contains(block.span, offset))
    })?;
    let mut last_step = 0;
    let mut found: Vec<(usize, String)> = Vec::new();
    for block in walk::item_blocks(item) {
        walk::each_statement_in_block(block, &mut |statement| {
            if statement.span.end as usize > offset {
                return;
            }
            if walk::statement_step(statement).is_some()
                || matches!(statement.kind, StatementKind::Receive { .. })
            {
                last_step = last_step.max(statement.span.end as usize);
            }
            if let StatementKind::Expect { condition, .. } = &statement.kind
                && let Some(file) = conformed_schema(ast, condition)
            {
                found.push((statement.span.start as usize, file));
            }
        });
    }
    found
        .into_iter()
        .filter(|(start, _)| *start >= last_step)
        .max_by_key(|(start, _)| *start)
        .map(|(_, file)| file)
}

/// `json conforms schema("f.json")` (or `… conforms s`, `let s = schema("f.json")`
/// at the top level): `f.json`.
fn conformed_schema(ast: &SourceFile, condition: &Expr) -> Option<String> {
    let ExprKind::Binary {
        operator: BinaryOperator::Conforms,
        left,
        right,
        ..
    } = &condition.kind
    else {
        return None;
    };
    if !matches!(&left.kind, ExprKind::Name(name) if name.name == "json") {
        return None;
    }
    let call = match &right.kind {
        ExprKind::Name(name) => ast.items.iter().find_map(|item| match item {
            Item::Binding(Binding {
                name: bound,
                value: Some(BindingValue::Expr(value)),
                ..
            }) if bound.name == name.name => Some(value),
            _ => None,
        })?,
        _ => right,
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

/// `node` with its local `$ref` followed.
fn resolve<'a>(root: &'a Json, node: &'a Json) -> &'a Json {
    let mut node = node;
    for _ in 0..16 {
        let Some(pointer) = node
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(|reference| reference.strip_prefix('#'))
        else {
            break;
        };
        match root.pointer(pointer) {
            Some(target) => node = target,
            None => break,
        }
    }
    node
}

/// A node and the members of its `allOf`, `anyOf` and `oneOf` (one level), each
/// with its `$ref` followed: where its properties may be declared.
fn alternatives<'a>(root: &'a Json, node: &'a Json) -> Vec<&'a Json> {
    let node = resolve(root, node);
    let mut out = vec![node];
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(Json::Array(members)) = node.get(combinator) {
            out.extend(members.iter().map(|member| resolve(root, member)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_path_before_the_dot() {
        let text = "expect json.user.tags[0].";
        let path = path_before(text, text.len() - 1);
        assert_eq!(
            path,
            Some(vec![
                Segment::Key("user".to_string()),
                Segment::Key("tags".to_string()),
                Segment::Item
            ])
        );
        assert_eq!(path_before("expect json.", 11), Some(Vec::new()));
        assert_eq!(path_before("expect body.", 11), None);
    }
}
