//! The core functions, one table: each one's name, parameters, result type, the
//! line hover and docs/language.md show, and whether what it returns from a secret
//! is a secret too. The checker, the language server and the runtime all read it;
//! the runtime's implementation is an exhaustive match on `BuiltinId`
//! (`run::functions`), so a function in the table cannot lack one. A test below
//! checks that docs/language.md names every function. Pure data: imports only
//! `types`, and the registry of step kinds for the functions that make
//! connection values (each kind's `ConnectionSpec`).

// A vocabulary (an enum the phases share) is matched arm by arm, so a new
// variant is a compile error wherever it needs a decision; a wildcard that is
// right is allowed where it stands, with its reason.
#![deny(clippy::wildcard_enum_match_arm)]

use crate::types::{ConnectionKind, Type};
use std::sync::LazyLock;

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
    /// Where a server listens: a connection value (`nats(url)`), a URL or
    /// `host:port` (`reachable`).
    Address,
    /// A string written in a small language of its own (a regex, a JSONPath…),
    /// checked by `ritc check` when it is a literal (`Syntax::check`).
    Pattern(Syntax),
}

/// The small languages a core function's argument is written in. A literal
/// argument is compiled by the checker with the same code the runtime uses, so
/// both refuse the same texts with the same words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// Rust `regex` syntax, as `matches` reads it.
    Regex,
    /// RFC 9535 JSONPath (`$.items[?@.id == 'x'].name`).
    JsonPath,
    /// XPath 1.0 (`//title/text()`, `count(//li)`).
    XPath,
    /// A `time` format description (`[year]-[month]-[day]`).
    DateFormat,
    /// A WHATWG encoding label (`utf-8`, `latin1`, `shift_jis`).
    Encoding,
}

impl Syntax {
    /// What the text is, in a message: "a JSONPath".
    pub fn describe(self) -> &'static str {
        match self {
            Syntax::Regex => "a regular expression",
            Syntax::JsonPath => "a JSONPath",
            Syntax::XPath => "an XPath expression",
            Syntax::DateFormat => "a date format",
            Syntax::Encoding => "an encoding label",
        }
    }

    /// Compiles `text` only to learn whether it is valid: the checker's side.
    /// `Err` is the problem in plain words (one line), and the byte offset in
    /// `text` where it was found when the parser says.
    pub fn check(self, text: &str) -> Result<(), (String, Option<usize>)> {
        match self {
            Syntax::Regex => regex::Regex::new(text).map(drop).map_err(|error| {
                let detail = error.to_string();
                let last = detail.lines().last().unwrap_or("invalid pattern").trim();
                (last.to_string(), None)
            }),
            Syntax::JsonPath => json_path_of_text(text).map(drop),
            Syntax::XPath => xpath_of_text(text).map(drop).map_err(|error| (error, None)),
            Syntax::DateFormat => date_format_of_text(text)
                .map(drop)
                .map_err(|error| (error, None)),
            Syntax::Encoding => encoding_of_label(text)
                .map(drop)
                .map_err(|error| (error, None)),
        }
    }
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
            Accepts::Address => matches!(ty, Type::String | Type::Connection(_)),
            Accepts::Pattern(_) => ty == &Type::String,
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
            Accepts::Address => "a connection value, a URL or `host:port`",
            Accepts::Pattern(syntax) => match syntax {
                Syntax::Regex => "a regular expression (a string)",
                Syntax::JsonPath => "a JSONPath (a string)",
                Syntax::XPath => "an XPath expression (a string)",
                Syntax::DateFormat => "a date format (a string)",
                Syntax::Encoding => "an encoding label (a string)",
            },
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
    /// A connection value of this kind (`database(url)`).
    Connection(ConnectionKind),
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
    AsSecret,
    TempDir,
    Base64,
    Hex,
    HmacSha256,
    HmacSha1,
    File,
    Read,
    Schema,
    /// A connection value's function (`database(url)`, `nats(url)`): one
    /// implementation for all, reading the kind's `ConnectionSpec`.
    Connection(ConnectionKind),
    Logs,
    Reachable,
    Capture,
    Split,
    Date,
    FormatDate,
    DaysAfterNow,
    DaysBeforeNow,
    Sha256,
    Md5,
    Bytes,
    Decode,
    UrlDecode,
    HtmlUnescape,
    Base64Decode,
    HexDecode,
    JsonPath,
    Collapse,
    XPath,
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
        id: BuiltinId::AsSecret,
        name: "as_secret",
        parameters: &[required("value", Accepts::Any)],
        returns: Returns::FirstArgument,
        summary: "the value, from then on masked in every output like a `secret` (a token a step returned)",
        derives_secret: true,
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
        id: BuiltinId::Logs,
        name: "logs",
        parameters: &[required("service", Accepts::Service)],
        returns: fixed!(Type::String),
        summary: "what a service has written to its log so far",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Reachable,
        name: "reachable",
        parameters: &[
            required("address", Accepts::Address),
            optional("within", Accepts::Duration),
        ],
        returns: fixed!(Type::Bool),
        summary: "whether a TCP connection to the server opens within the time (2s unless given): for `if not reachable(bus) { skip \"…\" }`",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Capture,
        name: "capture",
        parameters: &[
            required("text", Accepts::String),
            required("pattern", Accepts::Pattern(Syntax::Regex)),
        ],
        returns: fixed!(Type::String),
        summary: "the first group the pattern captures in the text (the whole match when it has no group); an error when it does not match",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Split,
        name: "split",
        parameters: &[
            required("text", Accepts::String),
            required("separator", Accepts::String),
        ],
        returns: fixed!(Type::list(Type::String)),
        summary: "the parts of the text between the separators",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Date,
        name: "date",
        parameters: &[
            required("text", Accepts::String),
            optional("format", Accepts::Pattern(Syntax::DateFormat)),
        ],
        returns: fixed!(Type::Int),
        summary: "a date read as Unix seconds: RFC 3339 or an HTTP date (RFC 2822) without a format, else by the format (`[year]-[month]-[day]`; no offset means UTC)",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::FormatDate,
        name: "format_date",
        parameters: &[
            required("seconds", Accepts::Int),
            required("format", Accepts::Pattern(Syntax::DateFormat)),
        ],
        returns: fixed!(Type::String),
        summary: "Unix seconds written in the format, in UTC (`[year]-[month]-[day]`)",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::DaysAfterNow,
        name: "days_after_now",
        parameters: &[required("seconds", Accepts::Int)],
        returns: fixed!(Type::Int),
        summary: "whole days from now until a date in Unix seconds (negative when it is past)",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::DaysBeforeNow,
        name: "days_before_now",
        parameters: &[required("seconds", Accepts::Int)],
        returns: fixed!(Type::Int),
        summary: "whole days from a date in Unix seconds until now (negative when it is ahead)",
        derives_secret: false,
    },
    Builtin {
        id: BuiltinId::Sha256,
        name: "sha256",
        parameters: &[required("value", Accepts::StringOrBytes)],
        returns: fixed!(Type::Bytes),
        summary: "the SHA-256 digest of a string (its UTF-8) or bytes",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Md5,
        name: "md5",
        parameters: &[required("value", Accepts::StringOrBytes)],
        returns: fixed!(Type::Bytes),
        summary: "the MD5 digest of a string (its UTF-8) or bytes",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Bytes,
        name: "bytes",
        parameters: &[required("text", Accepts::StringOrBytes)],
        returns: fixed!(Type::Bytes),
        summary: "the UTF-8 bytes of a string (bytes as they are)",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Decode,
        name: "decode",
        parameters: &[
            required("bytes", Accepts::StringOrBytes),
            required("encoding", Accepts::Pattern(Syntax::Encoding)),
        ],
        returns: fixed!(Type::String),
        summary: "bytes read as text in an encoding (WHATWG labels: `utf-8`, `latin1`, `shift_jis`…); what it cannot read is an error",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::UrlDecode,
        name: "url_decode",
        parameters: &[required("text", Accepts::String)],
        returns: fixed!(Type::String),
        summary: "the text with its `%XX` escapes decoded (`+` stays `+`)",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::HtmlUnescape,
        name: "html_unescape",
        parameters: &[required("text", Accepts::String)],
        returns: fixed!(Type::String),
        summary: "the text with its HTML character references decoded (`&amp;`, `&#39;`, `&eacute;`)",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Base64Decode,
        name: "base64_decode",
        parameters: &[required("text", Accepts::String)],
        returns: fixed!(Type::Bytes),
        summary: "the bytes standard base64 text encodes (padding optional)",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::HexDecode,
        name: "hex_decode",
        parameters: &[required("text", Accepts::String)],
        returns: fixed!(Type::Bytes),
        summary: "the bytes hex text encodes (either case; spaces and line breaks ignored)",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::JsonPath,
        name: "jsonpath",
        parameters: &[
            required("value", Accepts::Any),
            required("path", Accepts::Pattern(Syntax::JsonPath)),
        ],
        returns: fixed!(Type::list(Type::Json)),
        summary: "every node an RFC 9535 JSONPath selects (`$.items[*].id`, `$..name`, `$.items[?@.id == 'x']`), as a list; a string is read as JSON first",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::Collapse,
        name: "collapse",
        parameters: &[required("list", Accepts::List)],
        returns: fixed!(Type::Json),
        summary: "the item of a one-item list, the list itself when it has more, and missing when it is empty (`exists` is false, `??` gives its default): a JSONPath's nodes as Hurl reads them, `collapse(jsonpath(json, \"$..id\"))`",
        derives_secret: true,
    },
    Builtin {
        id: BuiltinId::XPath,
        name: "xpath",
        parameters: &[
            required("document", Accepts::String),
            required("expression", Accepts::Pattern(Syntax::XPath)),
        ],
        returns: fixed!(Type::Json),
        summary: "an XPath 1.0 expression on an XML or HTML document: a node set as a list of its nodes' texts, or a string, number or bool",
        derives_secret: true,
    },
];

/// The one parameter of a connection's function.
static URL: [Parameter; 1] = [required("url", Accepts::String)];

/// The functions that make connection values: one row per connection a step
/// kind declares (`StepSchema::connection`, from the registry), made once.
static CONNECTIONS: LazyLock<Vec<Builtin>> = LazyLock::new(|| {
    crate::steps::connections()
        .iter()
        .map(|(spec, _)| Builtin {
            id: BuiltinId::Connection(spec.kind),
            name: spec.function(),
            parameters: &URL,
            returns: Returns::Connection(spec.kind),
            summary: spec.summary,
            derives_secret: false,
        })
        .collect()
});

/// Every core function: the table above, then each connection's function.
pub fn all() -> impl Iterator<Item = &'static Builtin> {
    BUILTINS.iter().chain(CONNECTIONS.iter())
}

pub fn lookup(name: &str) -> Option<&'static Builtin> {
    all().find(|builtin| builtin.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/language.md is where users learn the functions: it names each one of
    /// the table as a call (`name(`).
    #[test]
    fn the_language_guide_names_every_core_function() {
        let guide = include_str!("../docs/language.md");
        let for_tests: Vec<&str> = crate::steps::connections()
            .iter()
            .filter(|(_, kind)| kind.for_tests_only())
            .map(|(spec, _)| spec.function())
            .collect();
        let missing: Vec<&str> = all()
            .map(|builtin| builtin.name)
            .filter(|name| !for_tests.contains(name))
            .filter(|name| !guide.contains(&format!("`{name}(")))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/language.md does not name {missing:?}"
        );
    }

    #[test]
    fn names_are_unique_and_found() {
        for builtin in all() {
            let found = lookup(builtin.name).map(|found| found.id);
            assert_eq!(found, Some(builtin.id), "{}", builtin.name);
        }
        assert!(lookup("login").is_none());
        for name in ["database", "redis", "nats", "mqtt"] {
            let found = lookup(name).map(|builtin| builtin.returns);
            assert!(
                matches!(found, Some(Returns::Connection(kind)) if kind.type_name() == name),
                "{name}"
            );
        }
    }

    /// What the checker refuses in a literal, and where.
    #[test]
    fn each_syntax_refuses_what_its_runtime_would() {
        let refused = |syntax: Syntax, text: &str| syntax.check(text).unwrap_err();
        assert!(Syntax::Regex.check(r"id=(\d+)").is_ok());
        assert_eq!(refused(Syntax::Regex, "(").0, "error: unclosed group");

        assert!(Syntax::JsonPath.check("$.items[?@.id == 'x'].name").is_ok());
        assert!(Syntax::JsonPath.check("$..id").is_ok());
        assert_eq!(
            refused(Syntax::JsonPath, "items[*]"),
            (
                "not a JSONPath: a path starts with `$`, the whole document".to_string(),
                Some(0)
            )
        );
        assert_eq!(
            refused(Syntax::JsonPath, "$.items[?@.id = 'x']").1,
            Some(14)
        );

        assert!(Syntax::XPath.check("count(//li[@class='x'])").is_ok());
        assert_eq!(
            refused(Syntax::XPath, "//book[@id='1'").0,
            "not an XPath expression: ran out of input"
        );
        assert_eq!(
            refused(Syntax::XPath, "").0,
            "not an XPath expression: it is empty"
        );

        assert!(Syntax::DateFormat.check("[year]-[month]-[day]").is_ok());
        assert!(
            refused(Syntax::DateFormat, "%Y-%m-%d")
                .0
                .starts_with("`%Y-%m-%d` is a strftime format")
        );
        assert!(Syntax::DateFormat.check("100%").is_ok());
        assert!(
            refused(Syntax::DateFormat, "[mnth]")
                .0
                .contains("invalid component name `mnth`")
        );

        assert!(Syntax::Encoding.check("latin1").is_ok());
        assert!(Syntax::Encoding.check("Shift_JIS").is_ok());
        assert_eq!(
            refused(Syntax::Encoding, "latin-1x").0,
            "`latin-1x` is not an encoding label ritc knows"
        );
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

/// A JSONPath (RFC 9535) compiled, or why the text is not one and the byte
/// offset where its parser stopped. `jsonpath()` compiles its path with it, and
/// the checker a literal path (E0323).
pub fn json_path_of_text(text: &str) -> Result<serde_json_path::JsonPath, (String, Option<usize>)> {
    if !text.starts_with('$') {
        return Err((
            "not a JSONPath: a path starts with `$`, the whole document".to_string(),
            Some(0),
        ));
    }
    serde_json_path::JsonPath::parse(text).map_err(|error| {
        let position = error.position();
        (
            format!("not a JSONPath: {}", error.message()),
            Some(position),
        )
    })
}

/// An XPath 1.0 expression compiled, or why the text is not one. `xpath()`
/// compiles its expression with it, and the checker a literal one (E0324).
pub fn xpath_of_text(text: &str) -> Result<sxd_xpath::XPath, String> {
    match sxd_xpath::Factory::new().build(text) {
        Ok(Some(xpath)) => Ok(xpath),
        Ok(None) => Err("not an XPath expression: it is empty".to_string()),
        Err(error) => Err(format!(
            "not an XPath expression: {}",
            plain_words(&error.to_string())
        )),
    }
}

/// sxd-xpath names some errors by their variant (`RanOutOfInput`): those in
/// plain words (`ran out of input`); any other message as it is.
fn plain_words(message: &str) -> String {
    if message.is_empty() || !message.chars().all(|c| c.is_ascii_alphabetic()) {
        return message.to_string();
    }
    let mut words = String::new();
    for (index, c) in message.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            words.push(' ');
        }
        words.push(c.to_ascii_lowercase());
    }
    words
}

/// A date format (the `time` crate's format description: `[year]-[month]-[day]
/// [hour]:[minute]:[second]`) compiled, or why the text is not one. `date()` and
/// `format_date()` read their format with it, and the checker a literal one
/// (E0325).
pub fn date_format_of_text(
    text: &str,
) -> Result<time::format_description::OwnedFormatItem, String> {
    // A strftime format (`%Y-%m-%d`, Hurl's and C's) would be read as literal
    // text and match only itself: refused, with the words to write instead.
    let strftime = text
        .as_bytes()
        .windows(2)
        .any(|pair| pair[0] == b'%' && pair[1].is_ascii_alphabetic());
    if strftime && !text.contains('[') {
        return Err(format!(
            "`{text}` is a strftime format, which would be read as plain text"
        ));
    }
    time::format_description::parse_owned::<1>(text)
        .map_err(|error| format!("not a date format: {error}"))
}

/// The character encoding a WHATWG label names (`latin1` is windows-1252, as
/// browsers and response bodies read it), or why there is none. `decode()`
/// reads its label with it, and the checker a literal one (E0326).
pub fn encoding_of_label(label: &str) -> Result<&'static encoding_rs::Encoding, String> {
    encoding_rs::Encoding::for_label(label.trim().as_bytes())
        .ok_or_else(|| format!("`{label}` is not an encoding label ritc knows"))
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
