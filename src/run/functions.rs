//! The implementations of the core functions of `crate::builtins` (`len`, `env`,
//! `file`, `hmac_sha256`…), one arm per `BuiltinId`, as the interpreter calls them:
//! values in, a value or an `EvalError` out. Their names, parameters and secret
//! rule come from that table. The
//! only IO is through the `FunctionContext`: files under the suite folder, the
//! run's environment, its temporary folder and service logs. Must not import
//! `syntax::ast` or `check`.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value as Json;

mod arguments;
mod dates;
mod json_path;
mod reachable;
mod text_functions;
mod xpath;

use crate::builtins::{self, BuiltinId};
use crate::mask::Masker;
use crate::value::{Connection, FilePart, Value};
use crate::value::{
    EvalError, Number, number_of, string_of, to_json, to_text, type_name_with_article,
};
use arguments::Arguments;

/// What a call may reach outside its arguments.
pub struct FunctionContext<'a> {
    /// The folder of the `.rit` file that names the call; relative paths resolve here.
    pub base_dir: &'a Path,
    /// Reads outside this folder are refused unless `allow_read`.
    pub suite_root: &'a Path,
    /// `--allow-read`: files anywhere may be read.
    pub allow_read: bool,
    /// What `temp_dir()` returns (the run creates and removes it).
    pub temp_dir: &'a Path,
    /// The run's environment: the process environment and `--env-file`.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// `logs(service)`: what the service has written so far, `None` for no such service.
    pub logs: &'a dyn Fn(&str) -> Option<String>,
    /// The run's secrets: what a function makes from one is registered as one.
    pub secrets: &'a Masker,
}

pub fn is_core_function(name: &str) -> bool {
    builtins::lookup(name).is_some()
}

/// Calls core function `name`. `None` is a missing value, as a path that does
/// not resolve: only `collapse` of an empty list gives one.
pub fn call(
    name: &str,
    positional: Vec<Value>,
    named: Vec<(String, Value)>,
    context: &FunctionContext,
) -> Result<Option<Value>, EvalError> {
    let Some(builtin) = builtins::lookup(name) else {
        return Err(EvalError(format!("unknown function `{name}`")));
    };
    let derives_secret = builtin.derives_secret
        && !context.secrets.is_empty()
        && positional
            .iter()
            .chain(named.iter().map(|(_, value)| value))
            .any(|value| value.holds_secret(context.secrets));
    let mut arguments = Arguments::bind(builtin.name, builtin.parameters, positional, named)?;
    let result = match builtin.id {
        BuiltinId::Collapse => json_path::collapse(arguments.required("list")?)?,
        id => Some(call_function(id, &mut arguments, context)?),
    };
    if derives_secret && let Some(result) = &result {
        result.register_as_secret(context.secrets);
    }
    Ok(result)
}

/// Runs one core function on its bound arguments. Exhaustive over `BuiltinId`:
/// a function added to the table does not compile until it is implemented here.
fn call_function(
    id: BuiltinId,
    arguments: &mut Arguments,
    context: &FunctionContext,
) -> Result<Value, EvalError> {
    match id {
        BuiltinId::Len => len(&arguments.required("value")?),
        BuiltinId::Lower => Ok(Value::String(arguments.text("text")?.to_lowercase())),
        BuiltinId::Upper => Ok(Value::String(arguments.text("text")?.to_uppercase())),
        BuiltinId::Trim => Ok(Value::String(arguments.text("text")?.trim().to_string())),
        BuiltinId::Replace => {
            let text = arguments.text("text")?;
            let old = arguments.text("old")?;
            let new = arguments.text("new")?;
            if old.is_empty() {
                return Err(EvalError::new("replace: the text to replace is empty"));
            }
            Ok(Value::String(text.replace(&old, &new)))
        }
        BuiltinId::Keys => keys(&arguments.required("object")?),
        BuiltinId::Sort => sort(arguments.required("list")?),
        BuiltinId::Join => {
            let list = arguments.required("list")?;
            let separator = arguments.text("separator")?;
            join(&list, &separator)
        }
        BuiltinId::Int => int(&arguments.required("value")?),
        BuiltinId::Float => float(&arguments.required("value")?),
        BuiltinId::String => to_text(&arguments.required("value")?).map(Value::String),
        BuiltinId::Json => parse_json(&arguments.required("text")?),
        BuiltinId::Env => {
            let variable = arguments.text("name")?;
            match (context.env)(&variable) {
                Some(value) => Ok(Value::String(value)),
                None => match arguments.take("default") {
                    Some(default) => to_text(&default).map(Value::String),
                    None => Err(EvalError(format!(
                        "environment variable {variable} is not set"
                    ))),
                },
            }
        }
        BuiltinId::Uuid => Ok(Value::String(uuid::Uuid::new_v4().to_string())),
        BuiltinId::AsSecret => {
            let value = arguments.required("value")?;
            value.register_as_secret(context.secrets);
            Ok(value)
        }
        BuiltinId::Now => {
            let seconds = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs());
            Ok(Value::Int(i64::try_from(seconds).unwrap_or(i64::MAX)))
        }
        BuiltinId::TempDir => path_text(context.temp_dir).map(Value::String),
        BuiltinId::Base64 => {
            let bytes = arguments.bytes("value")?;
            Ok(Value::String(
                base64::engine::general_purpose::STANDARD.encode(bytes),
            ))
        }
        BuiltinId::Hex => Ok(Value::String(hex::encode(arguments.bytes("value")?))),
        BuiltinId::HmacSha256 => {
            let key = arguments.bytes("key")?;
            let data = arguments.bytes("data")?;
            hmac_bytes::<Hmac<sha2::Sha256>>(&key, &data).map(Value::Bytes)
        }
        BuiltinId::HmacSha1 => {
            let key = arguments.bytes("key")?;
            let data = arguments.bytes("data")?;
            hmac_bytes::<Hmac<sha1::Sha1>>(&key, &data).map(Value::Bytes)
        }
        BuiltinId::File => file(arguments, context),
        BuiltinId::Read => {
            let path = arguments.text("path")?;
            let bytes = read_file("read", &path, context)?;
            String::from_utf8(bytes).map(Value::String).map_err(|_| {
                EvalError(format!(
                    "read: {path} is not UTF-8 text (use file(…) to send bytes)"
                ))
            })
        }
        BuiltinId::Schema => {
            let path = arguments.text("path")?;
            load_schema(&path, context)
        }
        BuiltinId::Connection(kind) => {
            let url = arguments.text("url")?;
            let spec = crate::steps::connection_of(kind).ok_or_else(|| {
                EvalError(format!("{}: no step kind declares it", kind.type_name()))
            })?;
            let kept = spec.open(&url, context.base_dir).map_err(EvalError)?;
            Ok(Value::Connection(Connection::new(kind, kept)))
        }
        BuiltinId::Reachable => {
            let address = arguments.required("address")?;
            let within = match arguments.take("within") {
                Some(Value::Duration(within)) => within,
                Some(other) => {
                    return Err(EvalError(format!(
                        "reachable: `within` needs a duration, found {}",
                        type_name_with_article(&other)
                    )));
                }
                None => reachable::DEFAULT_WITHIN,
            };
            // A connection attempt blocks, as a file read does.
            blocking_file_io(|| reachable::reachable(&address, within)).map(Value::Bool)
        }
        BuiltinId::Logs => {
            let service = match arguments.required("service")? {
                Value::Service(name) => name.to_string(),
                other => match string_of(&other) {
                    Some(name) => name.to_string(),
                    None => {
                        return Err(EvalError(format!(
                            "logs needs a service, found {}",
                            type_name_with_article(&other)
                        )));
                    }
                },
            };
            (context.logs)(&service)
                .map(Value::String)
                .ok_or_else(|| EvalError(format!("logs: no service named {service}")))
        }
        BuiltinId::Capture => {
            let text = arguments.text("text")?;
            let pattern = arguments.text("pattern")?;
            text_functions::capture(&text, &pattern)
        }
        BuiltinId::Split => {
            let text = arguments.text("text")?;
            let separator = arguments.text("separator")?;
            text_functions::split(&text, &separator)
        }
        BuiltinId::Date => {
            let text = arguments.text("text")?;
            let format = arguments.optional_text("format")?;
            dates::date(&text, format.as_deref())
        }
        BuiltinId::FormatDate => {
            let seconds = arguments.int("seconds")?;
            let format = arguments.text("format")?;
            dates::format_date(seconds, &format)
        }
        BuiltinId::DaysAfterNow => dates::days_after_now(arguments.int("seconds")?),
        BuiltinId::DaysBeforeNow => {
            dates::days_after_now(arguments.int("seconds")?).map(|days| match days {
                Value::Int(days) => Value::Int(-days),
                other => other,
            })
        }
        BuiltinId::Sha256 => {
            use sha2::Digest as _;
            Ok(Value::Bytes(
                sha2::Sha256::digest(arguments.bytes("value")?).to_vec(),
            ))
        }
        BuiltinId::Md5 => {
            use md5::Digest as _;
            Ok(Value::Bytes(
                md5::Md5::digest(arguments.bytes("value")?).to_vec(),
            ))
        }
        BuiltinId::Bytes => Ok(Value::Bytes(arguments.bytes("text")?)),
        BuiltinId::Decode => {
            let bytes = arguments.bytes("bytes")?;
            let label = arguments.text("encoding")?;
            text_functions::decode(&bytes, &label)
        }
        BuiltinId::UrlDecode => text_functions::url_decode(&arguments.text("text")?),
        BuiltinId::HtmlUnescape => Ok(Value::String(
            html_escape::decode_html_entities(&arguments.text("text")?).into_owned(),
        )),
        BuiltinId::Base64Decode => text_functions::base64_decode(&arguments.text("text")?),
        BuiltinId::HexDecode => text_functions::hex_decode(&arguments.text("text")?),
        BuiltinId::JsonPath => {
            let value = arguments.required("value")?;
            let path = arguments.text("path")?;
            json_path::select(value, &path)
        }
        // The one function whose result may be missing, so `call` runs it.
        BuiltinId::Collapse => Err(EvalError::new("collapse: called here (internal error)")),
        BuiltinId::XPath => {
            let document = arguments.text("document")?;
            let expression = arguments.text("expression")?;
            xpath::evaluate(&document, &expression)
        }
    }
}

// ---------------------------------------------------------------------------
// Strings, lists and conversions

fn count(length: usize) -> Value {
    Value::Int(i64::try_from(length).unwrap_or(i64::MAX))
}

fn len(value: &Value) -> Result<Value, EvalError> {
    match value {
        Value::String(text) | Value::Json(Json::String(text)) => Ok(count(text.chars().count())),
        Value::Bytes(bytes) => Ok(count(bytes.len())),
        Value::List(items) => Ok(count(items.len())),
        Value::Json(Json::Array(items)) => Ok(count(items.len())),
        Value::Object(entries) => Ok(count(entries.len())),
        Value::Json(Json::Object(entries)) => Ok(count(entries.len())),
        other => Err(EvalError(format!(
            "len needs a string, bytes, a list or an object, found {}",
            type_name_with_article(other)
        ))),
    }
}

fn keys(value: &Value) -> Result<Value, EvalError> {
    let names: Vec<Value> = match value {
        Value::Object(entries) => entries
            .iter()
            .map(|(key, _)| Value::String(key.clone()))
            .collect(),
        Value::Json(Json::Object(entries)) => entries
            .keys()
            .map(|key| Value::String(key.clone()))
            .collect(),
        other => {
            return Err(EvalError(format!(
                "keys needs an object, found {}",
                type_name_with_article(other)
            )));
        }
    };
    Ok(Value::List(names))
}

/// The items of a list or json array; `true` when they came from json.
fn list_items(function: &str, value: Value) -> Result<(Vec<Value>, bool), EvalError> {
    match value {
        Value::List(items) => Ok((items, false)),
        Value::Json(Json::Array(items)) => Ok((items.into_iter().map(Value::Json).collect(), true)),
        other => Err(EvalError(format!(
            "{function} needs a list, found {}",
            type_name_with_article(&other)
        ))),
    }
}

/// What `sort` orders a list by: all numbers or all strings (or one unit kind).
#[derive(Clone, Copy, PartialEq)]
enum SortKind {
    Number,
    Text,
    Duration,
    Size,
    Percent,
}

fn sort_kind(value: &Value) -> Option<SortKind> {
    match value {
        Value::Float(float) if float.is_nan() => None,
        Value::Percent(fraction) if fraction.is_nan() => None,
        _ if number_of(value).is_some() => Some(SortKind::Number),
        _ if string_of(value).is_some() => Some(SortKind::Text),
        Value::Duration(_) => Some(SortKind::Duration),
        Value::Size(_) => Some(SortKind::Size),
        Value::Percent(_) => Some(SortKind::Percent),
        _ => None,
    }
}

fn sort(list: Value) -> Result<Value, EvalError> {
    let (mut items, from_json) = list_items("sort", list)?;
    // Check the kinds first: the comparison below must be a total order.
    let mut kind = None;
    for (position, item) in items.iter().enumerate() {
        let Some(item_kind) = sort_kind(item) else {
            return Err(EvalError(format!(
                "sort orders numbers or strings, but item {position} is {}",
                type_name_with_article(item)
            )));
        };
        match kind {
            None => kind = Some(item_kind),
            Some(first) if first != item_kind => {
                return Err(EvalError(format!(
                    "sort cannot order {} with {} (items 0 and {position})",
                    items
                        .first()
                        .map_or_else(String::new, type_name_with_article),
                    type_name_with_article(item)
                )));
            }
            Some(_) => {}
        }
    }
    items.sort_by(|a, b| crate::value::compare(a, b).unwrap_or(Ordering::Equal));
    if from_json {
        Ok(Value::Json(Json::Array(
            items.iter().map(to_json).collect(),
        )))
    } else {
        Ok(Value::List(items))
    }
}

fn join(list: &Value, separator: &str) -> Result<Value, EvalError> {
    let (items, _) = list_items("join", list.clone())?;
    let mut texts = Vec::with_capacity(items.len());
    for (position, item) in items.iter().enumerate() {
        let text = to_text(item)
            .map_err(|EvalError(message)| EvalError(format!("join: item {position}: {message}")))?;
        texts.push(text);
    }
    Ok(Value::String(texts.join(separator)))
}

fn float_to_int(float: f64) -> Result<i64, EvalError> {
    // Every f64 in this range truncates to an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let whole = float.trunc();
    if whole.is_finite() && (-LIMIT..LIMIT).contains(&whole) {
        Ok(whole as i64)
    } else {
        Err(EvalError(format!("int: {float} does not fit in an int")))
    }
}

/// A number read from text, by the rule the checker applies to constants too
/// (`builtins::number_of_text`).
fn parse_number_text(function: &str, text: &str) -> Result<Number, EvalError> {
    match crate::builtins::number_of_text(function, text) {
        Ok(crate::builtins::TextNumber::Int(int)) => Ok(Number::Int(int)),
        Ok(crate::builtins::TextNumber::Float(float)) => Ok(Number::Float(float)),
        Err(message) => Err(EvalError(message)),
    }
}

fn int(value: &Value) -> Result<Value, EvalError> {
    let number = match value {
        Value::String(text) | Value::Json(Json::String(text)) => parse_number_text("int", text)?,
        other => number_of(other).ok_or_else(|| {
            EvalError(format!(
                "int needs a number or a string, found {}",
                type_name_with_article(other)
            ))
        })?,
    };
    match number {
        Number::Int(int) => Ok(Value::Int(int)),
        Number::Float(float) => float_to_int(float).map(Value::Int),
    }
}

fn float(value: &Value) -> Result<Value, EvalError> {
    let number = match value {
        Value::String(text) | Value::Json(Json::String(text)) => parse_number_text("float", text)?,
        other => number_of(other).ok_or_else(|| {
            EvalError(format!(
                "float needs a number or a string, found {}",
                type_name_with_article(other)
            ))
        })?,
    };
    Ok(Value::Float(match number {
        Number::Int(int) => int as f64,
        Number::Float(float) => float,
    }))
}

fn parse_json(value: &Value) -> Result<Value, EvalError> {
    let parsed = match value {
        Value::String(text) | Value::Json(Json::String(text)) => builtins::json_of_text(text),
        Value::Bytes(bytes) => {
            serde_json::from_slice(bytes).map_err(|error| format!("json: not valid JSON: {error}"))
        }
        other => {
            return Err(EvalError(format!(
                "json needs a string, found {}",
                type_name_with_article(other)
            )));
        }
    };
    parsed.map(Value::Json).map_err(EvalError)
}

fn hmac_bytes<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, EvalError> {
    // HMAC takes a key of any length; the error cannot happen but is not a panic.
    let mut mac = <M as KeyInit>::new_from_slice(key)
        .map_err(|_| EvalError::new("the HMAC key is not usable"))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

// ---------------------------------------------------------------------------
// Files

fn path_text(path: &Path) -> Result<String, EvalError> {
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| EvalError(format!("the path {} is not UTF-8", path.display())))
}

fn io_words(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a folder".to_string(),
        _ => error.to_string(),
    }
}

/// The file `path` names, relative to the calling file's folder, after checking it
/// lies inside the suite folder (`..` and links resolved) unless `--allow-read`.
pub fn resolve_readable(
    function: &str,
    path: &str,
    context: &FunctionContext,
) -> Result<PathBuf, EvalError> {
    let joined = context.base_dir.join(path);
    let canonical = joined.canonicalize().map_err(|error| {
        EvalError(format!(
            "{function}: cannot read {path}: {}",
            io_words(&error)
        ))
    })?;
    if !context.allow_read {
        let root = context
            .suite_root
            .canonicalize()
            .unwrap_or_else(|_| context.suite_root.to_path_buf());
        if !canonical.starts_with(&root) {
            return Err(EvalError(format!(
                "{function}: {path} is outside the suite folder {}: pass --allow-read to read it",
                root.display()
            )));
        }
    }
    Ok(canonical)
}

/// Runs `read` (file IO of `read()`, `file()` and `schema()`) where it may block.
///
/// The evaluator is synchronous and runs inside a test's task, so a slow disk would
/// stall every other task of that worker thread. On the multi-thread runtime that
/// `ritc run --jobs N` builds, `block_in_place` hands those tasks to another worker
/// first. It panics on a current-thread runtime (`--jobs 1`, `#[tokio::test]`, a
/// caller's own), which has no other worker: there, and outside any runtime, the
/// read happens in place (with one test at a time, only the reporters wait).
fn blocking_file_io<T>(read: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(read)
        }
        Ok(_) | Err(_) => read(),
    }
}

fn read_file(function: &str, path: &str, context: &FunctionContext) -> Result<Vec<u8>, EvalError> {
    blocking_file_io(|| {
        let resolved = resolve_readable(function, path, context)?;
        std::fs::read(&resolved).map_err(|error| {
            EvalError(format!(
                "{function}: cannot read {path}: {}",
                io_words(&error)
            ))
        })
    })
}

fn guess_type(name: &str) -> String {
    mime_guess::from_path(name)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_string()
}

/// `file(path, type: T, name: N)` reads a file; `file(name: N, content: C, type: T)`
/// makes a part from C (a string's UTF-8 or bytes as they are).
fn file(arguments: &mut Arguments, context: &FunctionContext) -> Result<Value, EvalError> {
    let path = arguments.optional_text("path")?;
    let name = arguments.optional_text("name")?;
    let content_type = arguments.optional_text("type")?;
    let content = arguments.take("content");
    let (name, content) = match (path, content) {
        (Some(_), Some(_)) => {
            return Err(EvalError::new("file takes a path or `content:`, not both"));
        }
        (Some(path), None) => {
            let bytes = read_file("file", &path, context)?;
            let name = match name {
                Some(name) => name,
                None => Path::new(&path)
                    .file_name()
                    .and_then(|file_name| file_name.to_str())
                    .unwrap_or("file")
                    .to_string(),
            };
            (name, bytes)
        }
        (None, Some(content)) => {
            let Some(name) = name else {
                return Err(EvalError::new(
                    "file with `content:` needs `name:` too, the file name sent in the part",
                ));
            };
            let bytes = match content {
                Value::Bytes(bytes) => bytes,
                other => to_text(&other)?.into_bytes(),
            };
            (name, bytes)
        }
        (None, None) => {
            return Err(EvalError::new(
                "file needs a path, or `name:` and `content:`",
            ));
        }
    };
    let content_type = content_type.unwrap_or_else(|| guess_type(&name));
    Ok(Value::File(Arc::new(FilePart {
        name,
        content_type,
        content,
    })))
}

/// `schema(path)`: the JSON Schema in the file, compiled once here so that a bad
/// schema fails where it is named. A schema without an id gets the file's URL as
/// its `$id`, so that relative `$ref`s resolve beside it.
fn load_schema(path: &str, context: &FunctionContext) -> Result<Value, EvalError> {
    // Compiling reads the files its `$ref`s name, so all of it is file IO.
    blocking_file_io(|| load_schema_in_place(path, context))
}

fn load_schema_in_place(path: &str, context: &FunctionContext) -> Result<Value, EvalError> {
    let resolved = resolve_readable("schema", path, context)?;
    let bytes = std::fs::read(&resolved)
        .map_err(|error| EvalError(format!("schema: cannot read {path}: {}", io_words(&error))))?;
    let mut schema: Json = serde_json::from_slice(&bytes)
        .map_err(|error| EvalError(format!("schema: {path} is not valid JSON: {error}")))?;
    if let Json::Object(entries) = &mut schema {
        let draft_4 = entries
            .get("$schema")
            .and_then(Json::as_str)
            .is_some_and(|uri| uri.contains("draft-04"));
        let id_keyword = if draft_4 { "id" } else { "$id" };
        if !entries.contains_key(id_keyword)
            && let Ok(url) = url::Url::from_file_path(&resolved)
        {
            entries.insert(id_keyword.to_string(), Json::String(url.to_string()));
        }
    }
    super::schema::compile(&schema)
        .map_err(|EvalError(message)| EvalError(format!("schema: {path} is {message}")))?;
    Ok(Value::Schema(Arc::new(schema)))
}

// ---------------------------------------------------------------------------
// Connections

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::equals;
    use serde_json::json;

    struct Fixture {
        root: tempfile::TempDir,
        outside: tempfile::TempDir,
    }

    impl Fixture {
        fn new() -> Fixture {
            let root = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(root.path().join("suite/data")).unwrap();
            std::fs::write(root.path().join("suite/data/hello.txt"), "hello\n").unwrap();
            std::fs::write(
                root.path().join("suite/data/logo.png"),
                [0x89, b'P', b'N', b'G'],
            )
            .unwrap();
            std::fs::write(root.path().join("suite/data/latin1.txt"), [0xe9]).unwrap();
            std::fs::write(
                root.path().join("suite/user.json"),
                r#"{"type": "object", "required": ["id"], "properties": {"tag": {"$ref": "tag.json"}}}"#,
            )
            .unwrap();
            std::fs::write(root.path().join("suite/tag.json"), r#"{"type": "string"}"#).unwrap();
            std::fs::write(root.path().join("suite/broken.json"), r#"{"type": "#).unwrap();
            let outside = tempfile::tempdir().unwrap();
            std::fs::write(outside.path().join("secret.txt"), "top secret").unwrap();
            Fixture { root, outside }
        }

        fn suite(&self) -> PathBuf {
            self.root.path().join("suite")
        }
    }

    fn environment(name: &str) -> Option<String> {
        match name {
            "HOME_URL" => Some("http://localhost".to_string()),
            _ => None,
        }
    }

    fn service_logs(name: &str) -> Option<String> {
        (name == "api").then(|| "listening on 3000\n".to_string())
    }

    fn with_context<T>(allow_read: bool, body: impl FnOnce(&Fixture, &FunctionContext) -> T) -> T {
        let fixture = Fixture::new();
        let suite = fixture.suite();
        let temp = fixture.root.path().join("tmp");
        let secrets = Masker::default();
        let context = FunctionContext {
            base_dir: &suite,
            suite_root: &suite,
            allow_read,
            temp_dir: &temp,
            env: &environment,
            logs: &service_logs,
            secrets: &secrets,
        };
        body(&fixture, &context)
    }

    /// `super::call` of a function that always gives a value (all but `collapse`).
    fn call(
        name: &str,
        positional: Vec<Value>,
        named: Vec<(String, Value)>,
        context: &FunctionContext,
    ) -> Result<Value, EvalError> {
        super::call(name, positional, named, context)
            .map(|value| value.unwrap_or_else(|| panic!("{name} gave a missing value")))
    }

    fn run(name: &str, positional: Vec<Value>) -> Result<Value, EvalError> {
        with_context(false, |_, context| call(name, positional, vec![], context))
    }

    fn ok(name: &str, positional: Vec<Value>) -> Value {
        match run(name, positional) {
            Ok(value) => value,
            Err(error) => panic!("{name}: {error}"),
        }
    }

    fn text(s: &str) -> Value {
        Value::String(s.to_string())
    }

    fn assert_value(actual: Value, expected: Value) {
        assert!(
            std::mem::discriminant(&actual) == std::mem::discriminant(&expected)
                && equals(&actual, &expected),
            "{actual:?} != {expected:?}"
        );
    }

    fn message(result: Result<Value, EvalError>) -> String {
        match result {
            Err(EvalError(message)) => message,
            Ok(value) => panic!("expected an error, got {value:?}"),
        }
    }

    /// Every function of the table is known here and reaches its own arm: called
    /// with no arguments it runs or names a missing argument, never "unknown".
    #[test]
    fn every_function_of_the_table_is_known() {
        for builtin in builtins::all() {
            assert!(is_core_function(builtin.name), "{}", builtin.name);
            if let Err(EvalError(message)) = run(builtin.name, vec![]) {
                assert!(
                    !message.contains("unknown function"),
                    "{}: {message}",
                    builtin.name
                );
            }
        }
        assert!(!is_core_function("login"));
        assert!(message(run("nope", vec![])).contains("unknown function"));
    }

    #[test]
    fn arity_and_named_arguments() {
        assert_eq!(
            message(run("len", vec![text("a"), text("b")])),
            "len takes 1 argument, found 2"
        );
        assert_eq!(
            message(run("uuid", vec![text("a")])),
            "uuid takes no arguments, found 1"
        );
        assert_eq!(
            message(run("len", vec![])),
            "len needs its `value` argument"
        );
        with_context(false, |_, context| {
            let named = vec![("name".to_string(), text("HOME_URL"))];
            assert_value(
                call("env", vec![], named, context).unwrap(),
                text("http://localhost"),
            );
            let wrong = vec![("nam".to_string(), text("X"))];
            assert!(
                message(call("env", vec![], wrong, context)).contains("no argument named `nam`")
            );
            let twice = vec![("name".to_string(), text("X"))];
            assert!(message(call("env", vec![text("X")], twice, context)).contains("given twice"));
        });
    }

    #[test]
    fn strings() {
        assert_value(ok("len", vec![text("héllo")]), Value::Int(5));
        assert_value(ok("len", vec![Value::Bytes(vec![1, 2])]), Value::Int(2));
        assert_value(
            ok("len", vec![Value::Json(json!([1, 2, 3]))]),
            Value::Int(3),
        );
        assert_value(ok("len", vec![Value::Json(json!({"a": 1}))]), Value::Int(1));
        assert_value(ok("len", vec![Value::Json(json!("ab"))]), Value::Int(2));
        assert!(run("len", vec![Value::Int(3)]).is_err());
        assert_value(ok("lower", vec![text("ÀbC")]), text("àbc"));
        assert_value(ok("upper", vec![text("abc")]), text("ABC"));
        assert_value(ok("trim", vec![text("  a b\n")]), text("a b"));
        assert_value(
            ok("replace", vec![text("a.b.c"), text("."), text("-")]),
            text("a-b-c"),
        );
        assert_value(
            ok("replace", vec![text("a*b"), text("*"), text("")]),
            text("ab"),
        );
        assert!(run("replace", vec![text("a"), text(""), text("x")]).is_err());
        assert!(message(run("lower", vec![Value::Int(1)])).contains("`text` must be a string"));
        assert_value(ok("lower", vec![Value::Json(json!("ABC"))]), text("abc"));
    }

    #[test]
    fn keys_sort_and_join() {
        let object = Value::object([
            ("z".to_string(), Value::Int(1)),
            ("a".to_string(), Value::Int(2)),
        ]);
        assert_value(
            ok("keys", vec![object]),
            Value::List(vec![text("z"), text("a")]),
        );
        assert_value(
            ok("keys", vec![Value::Json(json!({"b": 1, "a": 2}))]),
            Value::List(vec![text("b"), text("a")]),
        );
        assert!(run("keys", vec![Value::List(vec![])]).is_err());

        let numbers = Value::List(vec![Value::Int(3), Value::Float(1.5), Value::Int(2)]);
        assert_value(
            ok("sort", vec![numbers]),
            Value::List(vec![Value::Float(1.5), Value::Int(2), Value::Int(3)]),
        );
        assert_value(
            ok(
                "sort",
                vec![Value::List(vec![text("b"), text("B"), text("a")])],
            ),
            Value::List(vec![text("B"), text("a"), text("b")]),
        );
        assert_value(
            ok("sort", vec![Value::Json(json!([3, 1, 2.5]))]),
            Value::Json(json!([1, 2.5, 3])),
        );
        assert_value(ok("sort", vec![Value::List(vec![])]), Value::List(vec![]));
        assert!(
            message(run(
                "sort",
                vec![Value::List(vec![Value::Int(1), text("a")])]
            ))
            .contains("cannot order")
        );
        assert!(
            run(
                "sort",
                vec![Value::List(vec![Value::Float(f64::NAN), Value::Float(1.0)])]
            )
            .is_err()
        );
        assert!(run("sort", vec![Value::Json(json!([1, null]))]).is_err());
        assert!(run("sort", vec![text("abc")]).is_err());

        let items = Value::List(vec![
            Value::Int(1),
            text("b"),
            Value::Duration(std::time::Duration::from_millis(5)),
        ]);
        assert_value(ok("join", vec![items, text(", ")]), text("1, b, 5ms"));
        assert_value(
            ok("join", vec![Value::Json(json!(["a", 2.5])), text("")]),
            text("a2.5"),
        );
        assert!(
            message(run("join", vec![Value::List(vec![Value::Null]), text(",")]))
                .contains("item 0")
        );
    }

    #[test]
    fn conversions() {
        assert_value(ok("int", vec![Value::Float(2.9)]), Value::Int(2));
        assert_value(ok("int", vec![Value::Float(-2.9)]), Value::Int(-2));
        assert_value(ok("int", vec![text("42")]), Value::Int(42));
        assert_value(ok("int", vec![text(" 42\n")]), Value::Int(42));
        assert_value(ok("int", vec![text("4.7")]), Value::Int(4));
        assert_value(ok("int", vec![Value::Json(json!("7"))]), Value::Int(7));
        assert_value(ok("int", vec![Value::Json(json!(7.5))]), Value::Int(7));
        assert_eq!(
            message(run("int", vec![text("x")])),
            "int: \"x\" is not a number"
        );
        assert!(run("int", vec![text("inf")]).is_err());
        assert!(run("int", vec![text("NaN")]).is_err());
        assert!(run("int", vec![text("")]).is_err());
        assert!(run("int", vec![text("99999999999999999999")]).is_err());
        assert!(run("int", vec![Value::Float(f64::NAN)]).is_err());
        assert!(run("int", vec![Value::Float(1e300)]).is_err());
        assert!(run("int", vec![Value::Bool(true)]).is_err());
        assert_value(ok("float", vec![Value::Int(2)]), Value::Float(2.0));
        assert_value(ok("float", vec![text("2.5")]), Value::Float(2.5));
        assert_value(ok("float", vec![text("1e3")]), Value::Float(1000.0));
        assert!(run("float", vec![text("abc")]).is_err());
        assert!(run("float", vec![text("infinity")]).is_err());
        assert_value(ok("string", vec![Value::Float(1.0)]), text("1.0"));
        assert_value(ok("string", vec![Value::Percent(0.99)]), text("99%"));
        assert!(run("string", vec![Value::Null]).is_err());
    }

    #[test]
    fn json_parsing() {
        assert_value(
            ok("json", vec![text(r#"{"status":"healthy"}"#)]),
            Value::Json(json!({"status": "healthy"})),
        );
        assert_value(
            ok("json", vec![Value::Json(json!("[1]"))]),
            Value::Json(json!([1])),
        );
        let error = message(run("json", vec![text("{\"a\": }")]));
        assert!(
            error.contains("not valid JSON") && error.contains("line 1 column 7"),
            "{error}"
        );
        assert!(run("json", vec![text("")]).is_err());
        assert!(run("json", vec![text(&"[".repeat(10_000))]).is_err());
    }

    #[test]
    fn environment_uuid_now_temp_dir() {
        assert_value(ok("env", vec![text("HOME_URL")]), text("http://localhost"));
        assert_value(
            ok("env", vec![text("UNSET"), text("fallback")]),
            text("fallback"),
        );
        assert_eq!(
            message(run("env", vec![text("UNSET")])),
            "environment variable UNSET is not set"
        );
        let Value::String(first) = ok("uuid", vec![]) else {
            panic!("uuid")
        };
        let Value::String(second) = ok("uuid", vec![]) else {
            panic!("uuid")
        };
        assert_ne!(first, second);
        assert_eq!(uuid::Uuid::parse_str(&first).unwrap().get_version_num(), 4);
        let Value::Int(now) = ok("now", vec![]) else {
            panic!("now")
        };
        assert!(now > 1_700_000_000);
        with_context(false, |fixture, context| {
            let expected = fixture
                .root
                .path()
                .join("tmp")
                .to_str()
                .unwrap()
                .to_string();
            assert_value(
                call("temp_dir", vec![], vec![], context).unwrap(),
                text(&expected),
            );
        });
    }

    #[test]
    fn what_a_function_makes_from_a_secret_is_a_secret() {
        with_context(false, |_, context| {
            context.secrets.register("s3cret-key");
            let call = |name: &str, positional: Vec<Value>| {
                super::call(name, positional, Vec::new(), context)
                    .unwrap()
                    .unwrap()
            };
            let basic = call("base64", vec![text("admin:s3cret-key")]);
            let shouted = call("upper", vec![text("s3cret-key")]);
            let signature = call("hmac_sha256", vec![text("s3cret-key"), text("body")]);
            let signature_hex = hex::encode(match &signature {
                Value::Bytes(bytes) => bytes.clone(),
                other => panic!("{other:?}"),
            });
            for derived in [basic, shouted] {
                let Value::String(derived) = derived else {
                    panic!("a string")
                };
                assert_eq!(context.secrets.mask(&format!("<{derived}>")), "<***>");
            }
            assert_eq!(context.secrets.mask(&signature_hex), "***");
            // Not made from the secret, or not text: nothing registered.
            let Value::String(other) = call("upper", vec![text("public-value")]) else {
                panic!("a string")
            };
            assert_eq!(context.secrets.mask(&other), "PUBLIC-VALUE");
            call("len", vec![text("s3cret-key")]);
            assert_eq!(context.secrets.mask("10"), "10");
        });
    }

    #[test]
    fn encodings_and_hmac() {
        assert_value(ok("base64", vec![text("hi")]), text("aGk="));
        assert_value(
            ok("base64", vec![Value::Bytes(vec![0xff, 0x00])]),
            text("/wA="),
        );
        assert_value(ok("hex", vec![text("hi")]), text("6869"));
        assert_value(
            ok("hex", vec![Value::Bytes(vec![0xde, 0xad])]),
            text("dead"),
        );
        assert!(run("hex", vec![Value::Int(1)]).is_err());
        // RFC 4231 test case 2 and its SHA-1 counterpart (RFC 2202 test case 2).
        let sha256 = ok(
            "hmac_sha256",
            vec![text("Jefe"), text("what do ya want for nothing?")],
        );
        assert_value(
            ok("hex", vec![sha256]),
            text("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        );
        let sha1 = ok(
            "hmac_sha1",
            vec![
                Value::Bytes(b"Jefe".to_vec()),
                text("what do ya want for nothing?"),
            ],
        );
        assert_value(
            ok("hex", vec![sha1]),
            text("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        );
        assert!(
            matches!(ok("hmac_sha256", vec![text(""), text("")]), Value::Bytes(bytes) if bytes.len() == 32)
        );
    }

    #[test]
    fn reading_files_inside_the_suite() {
        assert_value(ok("read", vec![text("data/hello.txt")]), text("hello\n"));
        assert_value(
            ok("read", vec![text("data/../data/hello.txt")]),
            text("hello\n"),
        );
        assert!(message(run("read", vec![text("data/none.txt")])).contains("no such file"));
        assert!(message(run("read", vec![text("data/latin1.txt")])).contains("not UTF-8"));
        assert!(message(run("read", vec![text("data")])).contains("cannot read data"));
    }

    #[test]
    fn reading_outside_the_suite_needs_allow_read() {
        with_context(false, |fixture, context| {
            let outside = fixture.outside.path().join("secret.txt");
            let outside = outside.to_str().unwrap();
            let refused = message(call("read", vec![text(outside)], vec![], context));
            assert!(refused.contains("--allow-read"), "{refused}");
            let by_dots = message(call(
                "read",
                vec![text("../../../../../../../../etc/hostname")],
                vec![],
                context,
            ));
            assert!(
                by_dots.contains("--allow-read") || by_dots.contains("no such file"),
                "{by_dots}"
            );
            let Value::File(_) =
                call("file", vec![text("data/hello.txt")], vec![], context).unwrap()
            else {
                panic!("file")
            };
            assert!(call("file", vec![text(outside)], vec![], context).is_err());
            assert!(call("schema", vec![text(outside)], vec![], context).is_err());
        });
        with_context(true, |fixture, context| {
            let outside = fixture.outside.path().join("secret.txt");
            let read = call(
                "read",
                vec![text(outside.to_str().unwrap())],
                vec![],
                context,
            )
            .unwrap();
            assert_value(read, text("top secret"));
        });
    }

    #[test]
    fn file_parts() {
        with_context(false, |_, context| {
            let Value::File(part) =
                call("file", vec![text("data/hello.txt")], vec![], context).unwrap()
            else {
                panic!("file")
            };
            assert_eq!(
                *part,
                FilePart {
                    name: "hello.txt".into(),
                    content_type: "text/plain".into(),
                    content: b"hello\n".to_vec()
                }
            );
            let named = vec![
                ("type".to_string(), text("image/x-test")),
                ("name".to_string(), text("a.bin")),
            ];
            let Value::File(part) =
                call("file", vec![text("data/logo.png")], named, context).unwrap()
            else {
                panic!("file")
            };
            assert_eq!(
                (part.name.as_str(), part.content_type.as_str()),
                ("a.bin", "image/x-test")
            );
            let Value::File(part) =
                call("file", vec![text("data/logo.png")], vec![], context).unwrap()
            else {
                panic!("file")
            };
            assert_eq!(part.content_type, "image/png");
            let inline = vec![
                ("name".to_string(), text("t.csv")),
                ("content".to_string(), text("a,b")),
            ];
            let Value::File(part) = call("file", vec![], inline, context).unwrap() else {
                panic!("file")
            };
            assert_eq!(part.content, b"a,b");
            assert_eq!(part.content_type, "text/csv");
            let unknown = vec![
                ("name".to_string(), text("blob")),
                ("content".to_string(), Value::Bytes(vec![1])),
            ];
            let Value::File(part) = call("file", vec![], unknown, context).unwrap() else {
                panic!("file")
            };
            assert_eq!(part.content_type, "application/octet-stream");
            let nameless = vec![("content".to_string(), text("x"))];
            assert!(message(call("file", vec![], nameless, context)).contains("needs `name:`"));
            let both = vec![("content".to_string(), text("x"))];
            assert!(
                message(call("file", vec![text("data/hello.txt")], both, context))
                    .contains("not both")
            );
            assert!(call("file", vec![], vec![], context).is_err());
        });
    }

    #[test]
    fn schemas_load_with_relative_refs() {
        with_context(false, |_, context| {
            let schema = call("schema", vec![text("user.json")], vec![], context).unwrap();
            let Value::Schema(json) = &schema else {
                panic!("schema")
            };
            assert!(
                json.get("$id")
                    .and_then(Json::as_str)
                    .is_some_and(|id| id.starts_with("file://"))
            );
            let good = Value::Json(json!({"id": 1, "tag": "x"}));
            assert_eq!(crate::run::schema::conforms(&good, &schema), Ok(vec![]));
            let bad = Value::Json(json!({"tag": 3}));
            let violations = crate::run::schema::conforms(&bad, &schema).unwrap();
            let mut pointers: Vec<_> = violations
                .iter()
                .map(|violation| violation.pointer.as_str())
                .collect();
            pointers.sort_unstable();
            assert_eq!(pointers, vec!["/", "/tag"]);
            let broken = message(call("schema", vec![text("broken.json")], vec![], context));
            assert!(
                broken.contains("not valid JSON") && broken.contains("line 1"),
                "{broken}"
            );
            assert!(call("schema", vec![text("missing.json")], vec![], context).is_err());
        });
    }

    /// The kind and URL of a connection value.
    fn connection(value: Value) -> (&'static str, String) {
        match value {
            Value::Connection(Connection { kind, url }) => (kind.type_name(), url.to_string()),
            other => panic!("expected a connection, got {other:?}"),
        }
    }

    #[test]
    fn connections() {
        assert_eq!(
            connection(ok(
                "database",
                vec![text("postgres://u:p@localhost:5432/app")]
            )),
            ("database", "postgres://u:p@localhost:5432/app".to_string())
        );
        for url in [
            "mysql://localhost/app",
            "mariadb://localhost/app",
            "postgresql://localhost/app",
        ] {
            assert_eq!(connection(ok("database", vec![text(url)])).0, "database");
        }
        assert!(
            message(run("database", vec![text("http://localhost")])).contains("not a database URL")
        );
        assert!(run("database", vec![text("demo.db")]).is_err());
        with_context(false, |fixture, context| {
            let made =
                |url: &str| connection(call("database", vec![text(url)], vec![], context).unwrap());
            let expected = format!(
                "sqlite://{}/demo.db?mode=rwc",
                fixture.suite().to_str().unwrap()
            );
            assert_eq!(made("sqlite://demo.db?mode=rwc").1, expected);
            assert_eq!(made("sqlite::memory:").1, "sqlite::memory:");
            assert_eq!(made("sqlite:///abs/x.db").1, "sqlite:///abs/x.db");
        });
        assert_eq!(
            connection(ok("redis", vec![text("redis://localhost:6379")])).0,
            "redis"
        );
        assert_eq!(
            connection(ok("redis", vec![text("rediss://localhost:6380/0")])).0,
            "redis"
        );
        assert!(message(run("redis", vec![text("http://localhost")])).contains("not a Redis URL"));
        assert_eq!(
            connection(ok("nats", vec![text("nats://127.0.0.1:4222")])),
            ("nats", "nats://127.0.0.1:4222".to_string())
        );
        // The password of a refused URL is not in the message.
        let refused = message(run("mqtt", vec![text("mqtt://u:hunter2@h:99999")]));
        assert_eq!(
            refused,
            "mqtt: mqtt://***@h:99999 is not a valid URL: invalid port number"
        );
    }

    #[test]
    fn service_logs_through_the_context() {
        assert_value(
            ok("logs", vec![Value::Service(Arc::from("api"))]),
            text("listening on 3000\n"),
        );
        assert_value(ok("logs", vec![text("api")]), text("listening on 3000\n"));
        assert!(message(run("logs", vec![text("db")])).contains("no service named db"));
        assert!(run("logs", vec![Value::Int(1)]).is_err());
    }
}

/// `blocking_file_io` on every kind of caller: block_in_place panics on a
/// current-thread runtime, so these fail if the flavour check is lost.
#[cfg(test)]
mod blocking_file_io_tests {
    use super::blocking_file_io;

    #[test]
    fn outside_a_runtime_the_read_happens_in_place() {
        assert_eq!(blocking_file_io(|| 7), 7);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn on_a_current_thread_runtime_the_read_happens_in_place() {
        assert_eq!(blocking_file_io(|| 7), 7);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_a_multi_thread_runtime_the_worker_is_handed_over() {
        let on_a_spawned_task = tokio::spawn(async { blocking_file_io(|| 7) });
        assert_eq!(on_a_spawned_task.await.ok(), Some(7));
        assert_eq!(blocking_file_io(|| 8), 8);
    }
}
