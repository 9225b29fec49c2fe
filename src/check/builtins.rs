//! The signatures of the core functions (docs/language.md), for the checker.
//! Their behaviour lives in `run::functions`.

use crate::types::Type;

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

pub struct Builtin {
    pub name: &'static str,
    pub parameters: &'static [Parameter],
    pub returns: Returns,
    /// One line for hover and `ritc explain`.
    pub summary: &'static str,
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
        name: "len",
        parameters: &[required("value", Accepts::Sized)],
        returns: fixed!(Type::Int),
        summary: "the length of a string (characters), bytes, a list or an object",
    },
    Builtin {
        name: "lower",
        parameters: &[required("text", Accepts::String)],
        returns: fixed!(Type::String),
        summary: "the text in lower case",
    },
    Builtin {
        name: "upper",
        parameters: &[required("text", Accepts::String)],
        returns: fixed!(Type::String),
        summary: "the text in upper case",
    },
    Builtin {
        name: "trim",
        parameters: &[required("text", Accepts::String)],
        returns: fixed!(Type::String),
        summary: "the text without leading and trailing whitespace",
    },
    Builtin {
        name: "replace",
        parameters: &[
            required("text", Accepts::String),
            required("old", Accepts::String),
            required("new", Accepts::String),
        ],
        returns: fixed!(Type::String),
        summary: "every occurrence of `old` replaced by `new`",
    },
    Builtin {
        name: "keys",
        parameters: &[required("object", Accepts::Object)],
        returns: fixed!(Type::list(Type::String)),
        summary: "the keys of an object, in order",
    },
    Builtin {
        name: "sort",
        parameters: &[required("list", Accepts::List)],
        returns: Returns::FirstArgument,
        summary: "a list of numbers or strings, ascending",
    },
    Builtin {
        name: "join",
        parameters: &[
            required("list", Accepts::List),
            required("separator", Accepts::String),
        ],
        returns: fixed!(Type::String),
        summary: "the items of a list as text, joined by the separator",
    },
    Builtin {
        name: "int",
        parameters: &[required("value", Accepts::Any)],
        returns: fixed!(Type::Int),
        summary: "a number or numeric string as an int (floats truncate)",
    },
    Builtin {
        name: "float",
        parameters: &[required("value", Accepts::Any)],
        returns: fixed!(Type::Float),
        summary: "a number or numeric string as a float",
    },
    Builtin {
        name: "string",
        parameters: &[required("value", Accepts::Any)],
        returns: fixed!(Type::String),
        summary: "the value as `{{ }}` writes it",
    },
    Builtin {
        name: "json",
        parameters: &[required("text", Accepts::String)],
        returns: fixed!(Type::Json),
        summary: "the text parsed as JSON",
    },
    Builtin {
        name: "env",
        parameters: &[
            required("name", Accepts::String),
            optional("default", Accepts::String),
        ],
        returns: fixed!(Type::String),
        summary: "an environment variable; without a default, the run stops when it is unset",
    },
    Builtin {
        name: "uuid",
        parameters: &[],
        returns: fixed!(Type::String),
        summary: "a new random UUID (v4) at each call",
    },
    Builtin {
        name: "now",
        parameters: &[],
        returns: fixed!(Type::Int),
        summary: "the current Unix time in seconds",
    },
    Builtin {
        name: "temp_dir",
        parameters: &[],
        returns: fixed!(Type::String),
        summary: "this run's own directory, removed afterwards",
    },
    Builtin {
        name: "base64",
        parameters: &[required("value", Accepts::StringOrBytes)],
        returns: fixed!(Type::String),
        summary: "standard base64 of a string or bytes",
    },
    Builtin {
        name: "hex",
        parameters: &[required("value", Accepts::StringOrBytes)],
        returns: fixed!(Type::String),
        summary: "lower-case hex of a string or bytes",
    },
    Builtin {
        name: "hmac_sha256",
        parameters: &[
            required("key", Accepts::StringOrBytes),
            required("data", Accepts::StringOrBytes),
        ],
        returns: fixed!(Type::Bytes),
        summary: "HMAC-SHA256 of data under key",
    },
    Builtin {
        name: "hmac_sha1",
        parameters: &[
            required("key", Accepts::StringOrBytes),
            required("data", Accepts::StringOrBytes),
        ],
        returns: fixed!(Type::Bytes),
        summary: "HMAC-SHA1 of data under key",
    },
    Builtin {
        name: "file",
        parameters: &[
            optional("path", Accepts::String),
            optional("type", Accepts::String),
            optional("name", Accepts::String),
            optional("content", Accepts::StringOrBytes),
        ],
        returns: fixed!(Type::File),
        summary: "a multipart file part: file(path, type: T, name: N) or file(name: N, content: C, type: T)",
    },
    Builtin {
        name: "read",
        parameters: &[required("path", Accepts::String)],
        returns: fixed!(Type::String),
        summary: "the UTF-8 text of a file",
    },
    Builtin {
        name: "schema",
        parameters: &[required("path", Accepts::String)],
        returns: fixed!(Type::Schema),
        summary: "a JSON Schema read from a file",
    },
    Builtin {
        name: "database",
        parameters: &[required("url", Accepts::String)],
        returns: fixed!(Type::Database),
        summary: "a database: postgres://, mysql://, mariadb:// or sqlite: URL",
    },
    Builtin {
        name: "redis",
        parameters: &[required("url", Accepts::String)],
        returns: fixed!(Type::Redis),
        summary: "a Redis connection: redis:// or rediss:// URL",
    },
    Builtin {
        name: "logs",
        parameters: &[required("service", Accepts::Service)],
        returns: fixed!(Type::String),
        summary: "what a service has written to its log so far",
    },
];

pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|builtin| builtin.name == name)
}
