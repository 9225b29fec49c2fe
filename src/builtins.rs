//! The core functions, one table: each one's name, parameters, result type, the
//! line hover and docs/language.md show, and whether what it returns from a secret
//! is a secret too. The checker, the language server and the runtime all read it;
//! the runtime's implementation is an exhaustive match on `BuiltinId`
//! (`run::functions`), so a function in the table cannot lack one. A test below
//! checks that docs/language.md names every function. Pure data: imports only
//! `types`.

// A vocabulary (an enum the phases share) is matched arm by arm, so a new
// variant is a compile error wherever it needs a decision; a wildcard that is
// right is allowed where it stands, with its reason.
#![deny(clippy::wildcard_enum_match_arm)]

use crate::types::{ConnectionKind, Type};

/// What a parameter accepts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Accepts {
    Any,
    String,
    StringOrBytes,
    Int,
    Duration,
    List,
    Object,
    /// `len`: string, bytes, list or object.
    Sized,
    Service,
}

impl Accepts {
    pub fn admits(self, ty: &Type) -> bool {
        if ty.is_dynamic() {
            return true;
        }
        match self {
            Accepts::Any => true,
            Accepts::String => ty == &Type::String,
            Accepts::StringOrBytes => matches!(ty, Type::String | Type::Bytes),
            Accepts::Int => matches!(ty, Type::Int),
            Accepts::Duration => matches!(ty, Type::Duration),
            Accepts::List => matches!(ty, Type::List(_)),
            Accepts::Object => ty.is_object(),
            Accepts::Sized => {
                matches!(ty, Type::String | Type::Bytes | Type::List(_)) || ty.is_object()
            }
            Accepts::Service => matches!(ty, Type::Service),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Accepts::Any => "any value",
            Accepts::String => "a string",
            Accepts::StringOrBytes => "a string or bytes",
            Accepts::Int => "an int",
            Accepts::Duration => "a duration",
            Accepts::List => "a list",
            Accepts::Object => "an object",
            Accepts::Sized => "a string, bytes, a list or an object",
            Accepts::Service => "a service name",
        }
    }
}

pub struct Parameter {
    pub name: &'static str,
    pub accepts: Accepts,
    pub required: bool,
}

/// What a call gives back.
#[derive(Clone, Copy, Debug)]
pub enum Returns {
    Fixed(fn() -> Type),
    /// The type of the first argument (`sort`).
    FirstArgument,
}

/// Which core function: what the runtime matches on to run it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinId {
    Len,
    Lower,
    Upper,
    Trim,
    Replace,
    Keys,
    Sort,
    Join,
    Int,
    Float,
    String,
    Json,
    Env,
    Uuid,
    Now,
    TempDir,
    Base64,
    Hex,
    HmacSha256,
    HmacSha1,
    File,
    Read,
    Schema,
    Database,
    Redis,
    Logs,
}

pub struct Builtin {
    pub id: BuiltinId,
    pub name: &'static str,
    pub parameters: &'static [Parameter],
    pub returns: Returns,
    /// One line for hover and docs/language.md.
    pub summary: &'static str,
    /// Its result is made from its arguments' content: given a secret, what it
    /// returns is a secret too (`base64("user:" + pw)`, `upper(pw)`, each text of
    /// `json(creds)`).
    pub derives_secret: bool,
}

const fn required(name: &'static str, accepts: Accepts) -> Parameter {
    Parameter {
        name,
        accepts,
        required: true,
    }
}

const fn optional(name: &'static str, accepts: Accepts) -> Parameter {
    Parameter {
        name,
        accepts,
        required: false,
    }
}

macro_rules! fixed {
    ($ty:expr) => {
        Returns::Fixed(|| $ty)
    };
}

pub const BUILTINS: &[Builtin] = &[
    Builtin {
        id: BuiltinId::Len,
        name: "len",
        parameters: &[required("value", Accepts::Sized)],
        returns: fixed!(Type::Int),
        summary: "the length of a string (characters), bytes, a list or an object",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Lower,
        name: "lower",
        parameters: &[required("text", Accepts::String)],
        returns: fixed!(Type::String),
        summary: "the text in lower case",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Upper,
        name: "upper",
        parameters: &[required("text", Accepts::String)],
        returns: fixed!(Type::String),
        summary: "the text in upper case",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Trim,
        name: "trim",
        parameters: &[required("text", Accepts::String)],
        returns: fixed!(Type::String),
        summary: "the text without leading and trailing whitespace",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Replace,
        name: "replace",
        parameters: &[
            required("text", Accepts::String),
            required("old", Accepts::String),
            required("new", Accepts::String),
        ],
        returns: fixed!(Type::String),
        summary: "every occurrence of `old` replaced by `new`",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Keys,
        name: "keys",
        parameters: &[required("object", Accepts::Object)],
        returns: fixed!(Type::list(Type::String)),
        summary: "the keys of an object, in order",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Sort,
        name: "sort",
        parameters: &[required("list", Accepts::List)],
        returns: Returns::FirstArgument,
        summary: "a list of numbers or strings, ascending",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Join,
        name: "join",
        parameters: &[
            required("list", Accepts::List),
            required("separator", Accepts::String),
        ],
        returns: fixed!(Type::String),
        summary: "the items of a list as text, joined by the separator",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Int,
        name: "int",
        parameters: &[required("value", Accepts::Any)],
        returns: fixed!(Type::Int),
        summary: "a number or numeric string as an int (floats truncate)",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Float,
        name: "float",
        parameters: &[required("value", Accepts::Any)],
        returns: fixed!(Type::Float),
        summary: "a number or numeric string as a float",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::String,
        name: "string",
        parameters: &[required("value", Accepts::Any)],
        returns: fixed!(Type::String),
        summary: "the value as `{{ }}` writes it",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Json,
        name: "json",
        parameters: &[required("text", Accepts::String)],
        returns: fixed!(Type::Json),
        summary: "the text parsed as JSON",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Env,
        name: "env",
        parameters: &[
            required("name", Accepts::String),
            optional("default", Accepts::String),
        ],
        returns: fixed!(Type::String),
        summary: "an environment variable; without a default, the run stops when it is unset",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Uuid,
        name: "uuid",
        parameters: &[],
        returns: fixed!(Type::String),
        summary: "a new random UUID (v4) at each call",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Now,
        name: "now",
        parameters: &[],
        returns: fixed!(Type::Int),
        summary: "the current Unix time in seconds",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::TempDir,
        name: "temp_dir",
        parameters: &[],
        returns: fixed!(Type::String),
        summary: "this run's own directory, removed afterwards",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Base64,
        name: "base64",
        parameters: &[required("value", Accepts::StringOrBytes)],
        returns: fixed!(Type::String),
        summary: "standard base64 of a string or bytes",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Hex,
        name: "hex",
        parameters: &[required("value", Accepts::StringOrBytes)],
        returns: fixed!(Type::String),
        summary: "lower-case hex of a string or bytes",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::HmacSha256,
        name: "hmac_sha256",
        parameters: &[
            required("key", Accepts::StringOrBytes),
            required("data", Accepts::StringOrBytes),
        ],
        returns: fixed!(Type::Bytes),
        summary: "HMAC-SHA256 of data under key",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::HmacSha1,
        name: "hmac_sha1",
        parameters: &[
            required("key", Accepts::StringOrBytes),
            required("data", Accepts::StringOrBytes),
        ],
        returns: fixed!(Type::Bytes),
        summary: "HMAC-SHA1 of data under key",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::File,
        name: "file",
        parameters: &[
            optional("path", Accepts::String),
            optional("type", Accepts::String),
            optional("name", Accepts::String),
            optional("content", Accepts::StringOrBytes),
        ],
        returns: fixed!(Type::File),
        summary: "a multipart file part: file(path, type: T, name: N) or file(name: N, content: C, type: T)",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Read,
        name: "read",
        parameters: &[required("path", Accepts::String)],
        returns: fixed!(Type::String),
        summary: "the UTF-8 text of a file",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Schema,
        name: "schema",
        parameters: &[required("path", Accepts::String)],
        returns: fixed!(Type::Schema),
        summary: "a JSON Schema read from a file",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Database,
        name: "database",
        parameters: &[required("url", Accepts::String)],
        returns: fixed!(Type::Connection(ConnectionKind::Database)),
        summary: "a database: postgres://, mysql://, mariadb:// or sqlite: URL",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Redis,
        name: "redis",
        parameters: &[required("url", Accepts::String)],
        returns: fixed!(Type::Connection(ConnectionKind::Redis)),
        summary: "a Redis connection: redis:// or rediss:// URL",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Logs,
        name: "logs",
        parameters: &[required("service", Accepts::Service)],
        returns: fixed!(Type::String),
        summary: "what a service has written to its log so far",
        derives_secret: false,
    },
];

pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|builtin| builtin.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/language.md is where users learn the functions: it names each one of
    /// the table as a call (`name(`).
    #[test]
    fn the_language_guide_names_every_core_function() {
        let guide = include_str!("../docs/language.md");
        let missing: Vec<&str> = BUILTINS
            .iter()
            .map(|builtin| builtin.name)
            .filter(|name| !guide.contains(&format!("`{name}(")))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/language.md does not name {missing:?}"
        );
    }

    #[test]
    fn names_are_unique_and_found() {
        for builtin in BUILTINS {
            let found = lookup(builtin.name).map(|found| found.id);
            assert_eq!(found, Some(builtin.id), "{}", builtin.name);
        }
        assert!(lookup("login").is_none());
    }
}

/// A number read from text by `int()` and `float()`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TextNumber {
    Int(i64),
    Float(f64),
}

/// Builds a JSON Schema validator the one way `schema()` and `conforms` do
/// (`format` asserted, not only annotated: a test that writes `"format":
/// "email"` expects a bad address to fail). The runtime reads the files the
/// schema's `$ref`s name (`read_references`); the checker, which must not read
/// files here, takes every external reference as the empty schema, so that it
/// refuses exactly the schemas whose own text breaks JSON Schema's rules.
pub fn json_schema_validator(
    schema: &serde_json::Value,
    read_references: bool,
) -> Result<jsonschema::Validator, String> {
    let options = jsonschema::options().should_validate_formats(true);
    let built = if read_references {
        options.build(schema)
    } else {
        options.with_retriever(AnyReference).build(schema)
    };
    built.map_err(|error| format!("not a valid JSON Schema: {error}"))
}

/// An external `$ref` seen by the checker: accepted, unread.
struct AnyReference;

impl jsonschema::Retrieve for AnyReference {
    fn retrieve(
        &self,
        _uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        Ok(serde_json::Value::Bool(true))
    }
}

/// The value a JSON text holds, or why it holds none. The runtime's `json()`
/// reads text with it, and the checker applies it to a constant argument, so
/// that both refuse the same texts with the same words.
pub fn json_of_text(text: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(text).map_err(|error| format!("json: not valid JSON: {error}"))
}

/// A number read from text: surrounding whitespace (a trailing newline of `stdout`)
/// is ignored; `inf` and `NaN` are not numbers. The runtime's `int()` and
/// `float()` read text with it, and the checker applies it to a constant argument,
/// so that both refuse the same texts with the same words.
pub fn number_of_text(function: &str, text: &str) -> Result<TextNumber, String> {
    let trimmed = text.trim();
    if let Ok(int) = trimmed.parse::<i64>() {
        return Ok(TextNumber::Int(int));
    }
    let looks_numeric = trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && trimmed.chars().any(|c| c.is_ascii_digit());
    match trimmed.parse::<f64>() {
        Ok(float) if looks_numeric && float.is_finite() => Ok(TextNumber::Float(float)),
        _ => Err(format!(
            "{function}: {} is not a number",
            serde_json::Value::String(text.to_string())
        )),
    }
}
