//! The keys to offer after `json.` (or `json.a.b[0].`, or an alias of a path of
//! `json`): the checker types `json` as dynamic, but the test may already show the
//! body's shape (`json_paths`): the keys it read or compared with a literal, and
//! the schema it held the body to (`expect json conforms schema("user.json")`,
//! directly or through a top-level `let s = schema("…")`), whose properties the
//! path has. The schema file is read here, at the server's edge: an open buffer
//! first, else the disk, relative to the document like the runtime reads it. Only
//! local `$ref`s (`#/…`) are followed; `properties`, `items` and the members of
//! `allOf`/`anyOf`/`oneOf` are read, nothing else of JSON Schema.

use super::analysis::Analysis;
use super::json_paths::{self, Segment};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where a key offered after `json.` is known from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Schema,
    Text,
}

/// A key to offer: its name, its declared `type` (from a schema), and whence.
pub struct Key {
    pub name: String,
    pub ty: Option<String>,
    pub origin: Origin,
}

/// The keys known for the path that ends at `dot`: the schema's properties
/// first, then the keys the test's text shows; nothing when neither is known.
pub fn keys_after(
    analysis: &Analysis,
    text: &str,
    dot: usize,
    document: &Path,
    buffers: &HashMap<PathBuf, String>,
) -> Vec<Key> {
    let Some((root, segments)) = json_paths::path_before(text, dot) else {
        return Vec::new();
    };
    let known = json_paths::known_before(analysis.entry_ast(), dot);
    let Some(path) = known.resolve(root, segments) else {
        return Vec::new();
    };
    let mut keys: Vec<Key> = known
        .schema_for(&path)
        .map(|(file, below)| schema_keys(file, below, document, buffers))
        .unwrap_or_default();
    for name in known.keys_below(&path) {
        if keys.iter().all(|key| key.name != name) {
            keys.push(Key {
                name,
                ty: None,
                origin: Origin::Text,
            });
        }
    }
    keys
}

/// The properties `schema_file` gives the node at `path` below its root.
fn schema_keys(
    schema_file: &str,
    path: &[Segment],
    document: &Path,
    buffers: &HashMap<PathBuf, String>,
) -> Vec<Key> {
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
    for segment in path {
        nodes = nodes
            .into_iter()
            .flat_map(|node| alternatives(&root, node))
            .filter_map(|node| match segment {
                Segment::Key(key) => node.get("properties").and_then(|map| map.get(key)),
                Segment::Item => node.get("items"),
            })
            .collect();
    }
    let mut keys: Vec<Key> = Vec::new();
    for node in nodes.into_iter().flat_map(|node| alternatives(&root, node)) {
        let Some(Json::Object(properties)) = node.get("properties") else {
            continue;
        };
        for (name, property) in properties {
            if keys.iter().all(|key| key.name != *name) {
                let ty = resolve(&root, property).get("type").map(|ty| match ty {
                    Json::String(name) => name.clone(),
                    other => other.to_string(),
                });
                keys.push(Key {
                    name: name.clone(),
                    ty,
                    origin: Origin::Schema,
                });
            }
        }
    }
    keys
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
