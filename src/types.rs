//! The static types of `.rit` (docs/language.md, "Types and values"), shared by the
//! checker and by the step kinds' declared schemas. Pure data.

// A vocabulary (an enum the phases share) is matched arm by arm, so a new
// variant is a compile error wherever it needs a decision; a wildcard that is
// right is allowed where it stands, with its reason.
#![deny(clippy::wildcard_enum_match_arm)]

use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    String,
    Int,
    Float,
    /// int or float (only in `fn` signatures).
    Number,
    Bool,
    Null,
    Duration,
    Percent,
    Size,
    Bytes,
    /// Dynamic: checked where it is used, when the test runs.
    Json,
    List(Box<Type>),
    /// An object with string keys and values of one type (`map`, `object`).
    Map(Box<Type>),
    /// An object with known fields (a step's result, `latency`, an object literal).
    Record(Vec<(String, Type)>),
    /// A handle made by `database(url)`, `redis(url)`, …: one type per kind of
    /// server, named as its kind (`database`, `redis`), declared by a step kind.
    Connection(ConnectionKind),
    File,
    Schema,
    Service,
    /// A module imported with `as`.
    Module,
    Function,
    /// The type of something already reported as an error: accepted everywhere so
    /// that one mistake gives one diagnostic.
    Unknown,
}

impl Type {
    pub fn list(item: Type) -> Type {
        Type::List(Box::new(item))
    }

    pub fn map(value: Type) -> Type {
        Type::Map(Box::new(value))
    }

    pub fn record(fields: &[(&str, Type)]) -> Type {
        Type::Record(
            fields
                .iter()
                .map(|(name, ty)| (name.to_string(), ty.clone()))
                .collect(),
        )
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Float | Type::Number)
    }

    pub fn is_dynamic(&self) -> bool {
        matches!(self, Type::Json | Type::Unknown)
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Type::Map(_) | Type::Record(_))
    }

    /// Whether a value of type `self` may stand where `expected` is wanted.
    pub fn fits(&self, expected: &Type) -> bool {
        if self.is_dynamic() || expected.is_dynamic() || self == expected {
            return true;
        }
        match (self, expected) {
            (Type::Int | Type::Float, Type::Number) => true,
            (Type::Int, Type::Float) => true,
            (Type::Number, Type::Int | Type::Float) => true,
            (Type::List(item), Type::List(wanted)) => item.fits(wanted),
            (Type::Map(value), Type::Map(wanted)) => value.fits(wanted),
            (Type::Record(fields), Type::Map(wanted)) => {
                fields.iter().all(|(_, ty)| ty.fits(wanted))
            }
            (Type::Map(value), Type::Record(_)) => value.is_dynamic(),
            (Type::Record(fields), Type::Record(wanted)) => wanted.iter().all(|(name, ty)| {
                fields
                    .iter()
                    .any(|(have, have_ty)| have == name && have_ty.fits(ty))
            }),
            _ => false,
        }
    }

    /// The common type of two values (list items, `??` branches).
    pub fn join(&self, other: &Type) -> Type {
        if self == other || other == &Type::Unknown {
            return self.clone();
        }
        match (self, other) {
            (Type::Unknown, _) => other.clone(),
            (Type::Int, Type::Float) | (Type::Float, Type::Int) => Type::Float,
            (Type::Null, other) | (other, Type::Null) => other.clone(),
            (a, b) if a.is_object() && b.is_object() => Type::map(Type::Json),
            _ => Type::Json,
        }
    }

    /// A type of the language named in a signature or `let x: T`
    /// (`list<string>`); a connection's type (`database`) is its kind's, found
    /// through the registry (`steps::type_named`, which asks here for the rest).
    pub fn from_name(name: &str, arguments: &[Type]) -> Option<Type> {
        Some(match (name, arguments) {
            ("string", []) => Type::String,
            ("int", []) => Type::Int,
            ("float", []) => Type::Float,
            ("number", []) => Type::Number,
            ("bool", []) => Type::Bool,
            ("null", []) => Type::Null,
            ("duration", []) => Type::Duration,
            ("percent", []) => Type::Percent,
            ("size", []) => Type::Size,
            ("bytes", []) => Type::Bytes,
            ("json", []) => Type::Json,
            ("list" | "array", []) => Type::list(Type::Json),
            ("list" | "array", [item]) => Type::list(item.clone()),
            ("object" | "map" | "record", []) => Type::map(Type::Json),
            ("map", [value]) => Type::map(value.clone()),
            ("file", []) => Type::File,
            ("schema", []) => Type::Schema,
            ("service", []) => Type::Service,
            _ => return None,
        })
    }

    /// Whether text (`--param`, `RIT_PARAM_…`) can give a value of this type: a
    /// scalar written as in a script (`5s`, `99%`, `64KB`), or json, a list or a
    /// map of those written as JSON. The checker refuses a `param` of any other
    /// type (E0320) and the runner reads `--param` only as one of these.
    pub fn comes_from_text(&self) -> bool {
        match self {
            Type::String
            | Type::Int
            | Type::Float
            | Type::Number
            | Type::Bool
            | Type::Duration
            | Type::Percent
            | Type::Size
            | Type::Json
            | Type::Unknown => true,
            Type::List(item) | Type::Map(item) => item.comes_from_text(),
            Type::Record(fields) => fields.iter().all(|(_, ty)| ty.comes_from_text()),
            Type::Null
            | Type::Bytes
            | Type::Connection(_)
            | Type::File
            | Type::Schema
            | Type::Service
            | Type::Module
            | Type::Function => false,
        }
    }

    /// The article-and-name form used in messages: "an int", "a string".
    pub fn with_article(&self) -> String {
        let name = self.to_string();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
    }
}

/// What `value is NAME` tests: the checker accepts these names only (E0312), the
/// plan carries the variant, and the runtime matches on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsTest {
    String,
    Int,
    Float,
    Number,
    Bool,
    Null,
    Object,
    Array,
    /// A string (or json string) that is an RFC 3339 date and time
    /// (`2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.5+02:00`): Hurl's `isIsoDate`.
    IsoDate,
    /// An empty string, bytes, list or object (json too); false for anything else.
    Empty,
    /// A list or an object (json array or object too): Hurl's `isCollection`.
    Collection,
}

impl IsTest {
    pub const ALL: [IsTest; 11] = [
        IsTest::String,
        IsTest::Int,
        IsTest::Float,
        IsTest::Number,
        IsTest::Bool,
        IsTest::Null,
        IsTest::Object,
        IsTest::Array,
        IsTest::IsoDate,
        IsTest::Empty,
        IsTest::Collection,
    ];

    /// The word after `is`.
    pub fn name(self) -> &'static str {
        match self {
            IsTest::String => "string",
            IsTest::Int => "int",
            IsTest::Float => "float",
            IsTest::Number => "number",
            IsTest::Bool => "bool",
            IsTest::Null => "null",
            IsTest::Object => "object",
            IsTest::Array => "array",
            IsTest::IsoDate => "iso_date",
            IsTest::Empty => "empty",
            IsTest::Collection => "collection",
        }
    }

    pub fn named(name: &str) -> Option<IsTest> {
        IsTest::ALL.into_iter().find(|test| test.name() == name)
    }
}

/// What a connection value (`Type::Connection`, `value::Connection`) connects
/// to. Each is declared by the step kind whose steps take it
/// (`steps::schema::ConnectionSpec`, read from the registry): a new broker is
/// one more declaration in its kind's folder, not a type, a value or a variant
/// here. Two are the same kind when they have the same name.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionKind {
    name: &'static str,
    value_name: &'static str,
    watch: ServerWatch,
}

/// Which of the watcher's samplers reads the load of the server a connection
/// value names (`watch`), if any: the samplers are the watcher's code, a
/// connection kind only says which one fits its server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerWatch {
    /// No sampler reads this server's load (the brokers, so far).
    Nothing,
    /// Redis `INFO`: clients and memory against their limits.
    RedisInfo,
    /// PostgreSQL or MySQL: connections against the limit, lock waits.
    DatabaseConnections,
}

impl ConnectionKind {
    /// `name`: its type in `.rit` (`let bus: nats`) and in diagnostics, also the
    /// core function that makes one (`nats(url)`); `value_name`: how a runtime
    /// message names such a value ("a NATS connection").
    pub const fn new(
        name: &'static str,
        value_name: &'static str,
        watch: ServerWatch,
    ) -> ConnectionKind {
        ConnectionKind {
            name,
            value_name,
            watch,
        }
    }

    /// The name of its type in `.rit` (`let db: database`) and in diagnostics;
    /// also the core function that makes one.
    pub fn type_name(self) -> &'static str {
        self.name
    }

    /// How a runtime message names such a value ("a redis connection").
    pub fn value_name(self) -> &'static str {
        self.value_name
    }

    /// Which sampler of the watcher reads its server's load.
    pub fn watch(self) -> ServerWatch {
        self.watch
    }
}

impl PartialEq for ConnectionKind {
    fn eq(&self, other: &ConnectionKind) -> bool {
        self.name == other.name
    }
}

impl Eq for ConnectionKind {}

impl std::hash::Hash for ConnectionKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

/// How a service's readiness is probed (`ready http|tcp|log …`): the checker
/// accepts these words only, the plan carries the variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    /// A GET of the URL answers with a 2xx status.
    Http,
    /// A TCP connection to `host:port` is accepted.
    Tcp,
    /// A line of the service's output contains the text.
    Log,
}

impl ProbeKind {
    pub const ALL: [ProbeKind; 3] = [ProbeKind::Http, ProbeKind::Tcp, ProbeKind::Log];

    /// The word after `ready`.
    pub fn name(self) -> &'static str {
        match self {
            ProbeKind::Http => "http",
            ProbeKind::Tcp => "tcp",
            ProbeKind::Log => "log",
        }
    }

    pub fn named(name: &str) -> Option<ProbeKind> {
        ProbeKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

impl fmt::Display for ProbeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => write!(f, "string"),
            Type::Int => write!(f, "int"),
            Type::Float => write!(f, "float"),
            Type::Number => write!(f, "number"),
            Type::Bool => write!(f, "bool"),
            Type::Null => write!(f, "null"),
            Type::Duration => write!(f, "duration"),
            Type::Percent => write!(f, "percent"),
            Type::Size => write!(f, "size"),
            Type::Bytes => write!(f, "bytes"),
            Type::Json => write!(f, "json"),
            Type::List(item) => write!(f, "list<{item}>"),
            Type::Map(value) => write!(f, "map<{value}>"),
            Type::Record(fields) => {
                let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
                write!(f, "record {{{}}}", names.join(", "))
            }
            Type::Connection(kind) => f.write_str(kind.type_name()),
            Type::File => write!(f, "file"),
            Type::Schema => write!(f, "schema"),
            Type::Service => write!(f, "service"),
            Type::Module => write!(f, "module"),
            Type::Function => write!(f, "function"),
            Type::Unknown => write!(f, "unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text gives scalars and JSON shapes of them, never a handle or a file,
    /// however deep in a list.
    #[test]
    fn which_types_come_from_text() {
        assert!(Type::list(Type::map(Type::Duration)).comes_from_text());
        assert!(Type::record(&[("a", Type::Int), ("b", Type::Json)]).comes_from_text());
        let database = ConnectionKind::new("database", "database", ServerWatch::Nothing);
        assert!(!Type::list(Type::Connection(database)).comes_from_text());
        assert!(!Type::map(Type::File).comes_from_text());
        assert!(!Type::Schema.comes_from_text());
    }

    /// A connection's type is displayed by its kind's name, and two kinds are
    /// the same type only when they have the same name.
    #[test]
    fn a_connection_kind_is_a_type_by_its_name() {
        let database = ConnectionKind::new("database", "database", ServerWatch::Nothing);
        let redis = ConnectionKind::new("redis", "redis connection", ServerWatch::Nothing);
        assert_eq!(Type::Connection(database).to_string(), "database");
        assert_ne!(Type::Connection(database), Type::Connection(redis));
        let again = ConnectionKind::new("database", "a database", ServerWatch::RedisInfo);
        assert_eq!(Type::Connection(database), Type::Connection(again));
    }

    #[test]
    fn fitting() {
        assert!(Type::Int.fits(&Type::Number));
        assert!(Type::Json.fits(&Type::String));
        assert!(!Type::String.fits(&Type::Int));
        assert!(Type::list(Type::String).fits(&Type::list(Type::Json)));
        assert!(Type::record(&[("a", Type::Int)]).fits(&Type::map(Type::Json)));
        assert!(!Type::Duration.fits(&Type::Int));
    }

    #[test]
    fn names_and_articles() {
        assert_eq!(
            Type::from_name("list", &[Type::String]),
            Some(Type::list(Type::String))
        );
        assert_eq!(Type::from_name("strng", &[]), None);
        assert_eq!(Type::Int.with_article(), "an int");
        assert_eq!(Type::String.with_article(), "a string");
    }

    #[test]
    fn is_tests_and_probe_kinds_are_found_by_their_words() {
        for test in IsTest::ALL {
            assert_eq!(IsTest::named(test.name()), Some(test));
        }
        assert_eq!(IsTest::named("map"), None);
        for kind in ProbeKind::ALL {
            assert_eq!(ProbeKind::named(&kind.to_string()), Some(kind));
        }
        assert_eq!(ProbeKind::named("grpc"), None);
    }
}
