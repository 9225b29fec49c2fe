//! A body's `json` field, parsed when it is first read, and a path into it read
//! from the text without building the tree (`JsonBody::at`). Most tests read one
//! or two paths of a response (`json[0].sku`): building the whole order-preserving
//! tree of every body for that, and dropping it at the next step, was a fifth of
//! the instructions of a 1,000-GET run (callgrind, docs/performance.md).
//!
//! `at` answers only when it finds the value, and then it is exactly the value the
//! tree would give: the whole text is read through serde_json's own parser (every
//! number, string and escape checked as the tree's parse checks them, the text
//! after the value too), a key given twice counts its last value, and a key found
//! only by its ASCII case is the first such key, as `value::Read::member` reads the
//! tree. Anything else (no such key, an index out of range, a value of another
//! shape, a body that is not JSON) is `None`, and the caller reads the tree, whose
//! answer (missing, an error) it always was. Pure: it must not import `run`.

use super::exec::{FieldError, FieldValue};
use crate::value::Value;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

/// One step of a path into a json value: `.name` (or `["name"]`), or `[i]` with
/// `i` counted from the start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum JsonKey<'a> {
    Member(&'a str),
    Index(usize),
}

/// After this many paths read from the text, the next read builds the tree: a
/// test that reads many paths of one body pays for one parse, not one walk each.
const WALKS_BEFORE_THE_TREE: u8 = 2;

/// Why a text is not JSON, in the words of the kind that read it.
type NotJson = Box<dyn Fn(&str, serde_json::Error) -> FieldError + Send + Sync>;

/// The `json` field of a body: its text, and the tree once something read it whole.
pub struct JsonBody {
    text: String,
    tree: OnceLock<FieldValue>,
    walks: AtomicU8,
    not_json: NotJson,
}

impl JsonBody {
    /// `not_json` words the failure of a text that is not JSON (the parse error
    /// given), when the field is read.
    pub fn new(
        text: String,
        not_json: impl Fn(&str, serde_json::Error) -> FieldError + Send + Sync + 'static,
    ) -> JsonBody {
        JsonBody {
            text,
            tree: OnceLock::new(),
            walks: AtomicU8::new(0),
            not_json: Box::new(not_json),
        }
    }

    /// The text the field is read from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The field: the whole tree, parsed at the first read.
    pub fn field(&self) -> &FieldValue {
        self.tree.get_or_init(|| parse(&self.text, &self.not_json))
    }

    /// The field, owned: the tree if something read it already, else parsed now.
    pub fn into_field(self) -> FieldValue {
        let JsonBody {
            text,
            tree,
            not_json,
            ..
        } = self;
        match tree.into_inner() {
            Some(field) => field,
            None => parse(&text, &not_json),
        }
    }

    /// The value at `path`, read from the text, when it is there (see the module's
    /// comment); `None` also once the tree is built or after
    /// `WALKS_BEFORE_THE_TREE` reads, when reading the tree is cheaper.
    pub fn at(&self, path: &[JsonKey]) -> Option<serde_json::Value> {
        if self.tree.get().is_some() {
            return None;
        }
        let walks = self.walks.load(Ordering::Relaxed);
        if walks >= WALKS_BEFORE_THE_TREE {
            return None;
        }
        self.walks.store(walks + 1, Ordering::Relaxed);
        let mut deserializer = serde_json::Deserializer::from_str(&self.text);
        let found = Walk { path }.deserialize(&mut deserializer).ok()?;
        deserializer.end().ok()?;
        found
    }
}

fn parse(text: &str, not_json: &NotJson) -> FieldValue {
    serde_json::from_str::<serde_json::Value>(text)
        .map(Value::Json)
        .map_err(|error| not_json(text, error))
}

/// Reads a value, keeping what is at `path` in it.
struct Walk<'p, 'k> {
    path: &'p [JsonKey<'k>],
}

impl<'de> DeserializeSeed<'de> for Walk<'_, '_> {
    type Value = Option<serde_json::Value>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        if self.path.is_empty() {
            return serde::Deserialize::deserialize(deserializer).map(Some);
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_, '_> {
    type Value = Option<serde_json::Value>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    // A scalar has no parts: what the path names is not there.
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Self::Value, A::Error> {
        let (wanted, rest) = match self.path.split_first() {
            Some((JsonKey::Index(wanted), rest)) => (Some(*wanted), rest),
            _ => (None, &[][..]),
        };
        let mut found = None;
        let mut position = 0;
        loop {
            if Some(position) == wanted {
                match items.next_element_seed(Walk { path: rest })? {
                    Some(value) => found = value,
                    None => break,
                }
            } else if items.next_element_seed(Skip)?.is_none() {
                break;
            }
            position += 1;
        }
        Ok(found)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Self::Value, A::Error> {
        let (name, rest) = match self.path.split_first() {
            Some((JsonKey::Member(name), rest)) => (Some(*name), rest),
            _ => (None, &[][..]),
        };
        // The last value of the exact key; else, the last value of the first key
        // that differs from it only in ASCII case.
        let mut exact: Option<Option<serde_json::Value>> = None;
        let mut folded_key: Option<String> = None;
        let mut folded = None;
        while let Some(key) = entries.next_key_seed(KeyMatch { name })? {
            match key {
                Matched::Exact => exact = Some(entries.next_value_seed(Walk { path: rest })?),
                Matched::Folded(key)
                    if exact.is_none() && folded_key.as_ref().is_none_or(|first| *first == key) =>
                {
                    folded_key = Some(key);
                    folded = entries.next_value_seed(Walk { path: rest })?;
                }
                Matched::Folded(_) | Matched::Other => entries.next_value_seed(Skip)?,
            }
        }
        Ok(match exact {
            Some(found) => found,
            None => folded,
        })
    }
}

/// How an object's key compares with the name a path looks for.
enum Matched {
    Exact,
    Folded(String),
    Other,
}

struct KeyMatch<'k> {
    name: Option<&'k str>,
}

impl<'de> DeserializeSeed<'de> for KeyMatch<'_> {
    type Value = Matched;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Matched, D::Error> {
        // As the tree reads a key (serde_json's `deserialize_str` on the key).
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyMatch<'_> {
    type Value = Matched;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Matched, E> {
        Ok(match self.name {
            Some(name) if key == name => Matched::Exact,
            Some(name) if key.eq_ignore_ascii_case(name) => Matched::Folded(key.to_string()),
            _ => Matched::Other,
        })
    }
}

/// Reads a value through the same parser as the tree (so it fails where the tree's
/// parse fails) and keeps nothing of it.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        while items.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<(), A::Error> {
        while entries.next_key_seed(Skip)?.is_some() {
            entries.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::exec::Cause;

    fn body(text: &str) -> JsonBody {
        JsonBody::new(text.to_string(), |_, error| FieldError {
            cause: Cause::NotJson,
            message: error.to_string(),
        })
    }

    /// What the tree gives for `path` (as `value::Read` walks it), `None` for
    /// missing or not JSON.
    fn from_the_tree(text: &str, path: &[JsonKey]) -> Option<serde_json::Value> {
        let mut value = serde_json::from_str::<serde_json::Value>(text).ok()?;
        for key in path {
            value = match (key, value) {
                (JsonKey::Index(at), serde_json::Value::Array(items)) => items.get(*at)?.clone(),
                (JsonKey::Member(name), serde_json::Value::Object(entries)) => entries
                    .get(*name)
                    .or_else(|| {
                        entries
                            .iter()
                            .find(|(key, _)| key.eq_ignore_ascii_case(name))
                            .map(|(_, found)| found)
                    })?
                    .clone(),
                _ => return None,
            };
        }
        Some(value)
    }

    #[test]
    fn a_path_read_from_the_text_is_the_trees_value_or_nothing() {
        use JsonKey::{Index, Member};
        let texts = [
            r#"[{"sku": "A", "n": 1}, {"sku": "B"}]"#,
            r#"{"a": 1, "a": {"b": 2}}"#,
            r#"{"a": {"b": 2}, "a": 3}"#,
            r#"{"SKU": 1, "Sku": 2, "SKU": 3}"#,
            r#"{"SKU": 1, "sku": 2}"#,
            r#"{"x": [1, 2, {"y": "\u00e9\n"}]}"#,
            r#"{"a": 1e400}"#,
            r#"{"a": 1, "b": 1e400}"#,
            r#"{"a": 1} trailing"#,
            r#"{"a": 1, "b": "\ud800"}"#,
            r#"{"a": 1, "b": [}"#,
            r#"{"a": null}"#,
            r#"[[], [1.5, -2]]"#,
            r#""text""#,
            "",
        ];
        let paths: [&[JsonKey]; 10] = [
            &[],
            &[Index(0)],
            &[Index(0), Member("sku")],
            &[Index(1), Member("SKU")],
            &[Member("a")],
            &[Member("a"), Member("b")],
            &[Member("sku")],
            &[Member("x"), Index(2), Member("y")],
            &[Index(1), Index(1)],
            &[Index(5)],
        ];
        for text in texts {
            for path in paths {
                let read = body(text).at(path);
                match &read {
                    Some(value) => assert_eq!(
                        Some(value),
                        from_the_tree(text, path).as_ref(),
                        "{text} {path:?}"
                    ),
                    // Nothing read from the text: the tree answers, and where it
                    // finds something, so must the walk.
                    None => assert_eq!(from_the_tree(text, path), None, "{text} {path:?}"),
                }
            }
        }
    }

    #[test]
    fn a_body_that_is_not_json_fails_when_read_and_no_path_is_read_from_it() {
        let broken = body(r#"[{"sku": "A"}, oops]"#);
        assert_eq!(
            broken.at(&[JsonKey::Index(0), JsonKey::Member("sku")]),
            None
        );
        let Err(error) = broken.field() else {
            panic!("a body that is not JSON has no json");
        };
        assert_eq!(error.cause, Cause::NotJson);
        assert!(error.message.contains("line 1"), "{}", error.message);
    }

    #[test]
    fn after_two_paths_the_tree_is_built_and_read() {
        let text = r#"{"a": 1}"#;
        let json = body(text);
        assert!(json.at(&[JsonKey::Member("a")]).is_some());
        assert!(json.at(&[JsonKey::Member("a")]).is_some());
        assert_eq!(json.at(&[JsonKey::Member("a")]), None);
        assert!(matches!(json.field(), Ok(Value::Json(_))));
        let fresh = body(text);
        assert!(fresh.field().is_ok());
        assert_eq!(fresh.at(&[JsonKey::Member("a")]), None, "the tree is there");
    }
}
