//! What a kind declares about the connection value its steps take as their
//! target (`database(url)`, `nats(url)`), in its schema
//! (`StepSchema::connection`): the type and the core function that makes one,
//! the URL schemes the function takes, how a URL of them is read, and the words
//! of its help. Read from the registry by the core functions' table
//! (`builtins`), the checker (a literal URL, E0409 and E0407), the runtime (the
//! function's one implementation, `ConnectionSpec::open`), the language server
//! and the docs; the watcher reads `ConnectionKind::watch`. Pure: a URL is read,
//! never connected to.

use crate::types::ConnectionKind;
use crate::value::{Value, hide_password, type_name_with_article};
use std::path::Path;

/// A connection value and the core function that makes it, as a kind declares
/// them (`static CONNECTION: ConnectionSpec` in its folder).
#[derive(Debug)]
pub struct ConnectionSpec {
    /// Its type and the name of the function (`nats`), how a runtime message
    /// names a value ("NATS connection"), which sampler watches its server.
    pub kind: ConnectionKind,
    /// How a refused URL names the server, with its article ("a NATS", "an
    /// AMQP"): "is not a NATS URL".
    pub server: &'static str,
    /// The URL schemes the function takes, in lower case, without `:`.
    pub schemes: &'static [&'static str],
    /// How the run tells to write a URL of another scheme: "nats://host:4222 or
    /// tls://…".
    pub write: &'static str,
    /// Whole URLs the checker's help shows for a refused literal, joined by "or".
    pub examples: &'static [&'static str],
    /// One line for the hover and docs/language.md.
    pub summary: &'static str,
    /// The kind's own reading of a URL whose scheme is one of `schemes`: the URL
    /// the value keeps (`database`: a relative SQLite path made absolute against
    /// `base_dir`, the folder of the calling file), or what is wrong with it, in
    /// words that follow the URL ("is not a valid URL: …", "names no host").
    /// `with_host` and `any_url` are the common readings.
    pub read: fn(url: &str, base_dir: &Path) -> Result<String, String>,
}

impl ConnectionSpec {
    /// The name of the function and of the type (`nats`).
    pub fn function(&self) -> &'static str {
        self.kind.type_name()
    }

    /// Whether `scheme` (as `scheme` gives it) is one the function takes.
    pub fn takes(&self, scheme: &str) -> bool {
        self.schemes.contains(&scheme)
    }

    /// The URL of a step's target when it is a connection of this kind, else
    /// what the step needed: "a `nats` step needs a NATS connection
    /// (`nats(url)`), found a string" (the step word takes the server's article).
    pub fn url_in(&self, target: &Value) -> Result<String, String> {
        match target {
            Value::Connection(connection) if connection.kind == self.kind => {
                Ok(connection.url.to_string())
            }
            other => {
                let function = self.function();
                let article = self.server.split_whitespace().next().unwrap_or("a");
                Err(format!(
                    "{article} `{function}` step needs {} connection (`{function}(url)`), found {}",
                    self.server,
                    type_name_with_article(other)
                ))
            }
        }
    }

    /// `function(url)` at run time, and the checker's reading of a literal URL:
    /// the URL the value keeps, or why it cannot be used, with the URL's
    /// password hidden ("nats: nats://u:***@host:99999 is not a valid URL: …").
    pub fn open(&self, url: &str, base_dir: &Path) -> Result<String, String> {
        let function = self.function();
        if !scheme(url).is_some_and(|scheme| self.takes(&scheme)) {
            return Err(format!(
                "{function}: {} is not {} URL: write {}",
                hide_password(url),
                self.server,
                self.write
            ));
        }
        (self.read)(url, base_dir)
            .map_err(|problem| format!("{function}: {} {problem}", hide_password(url)))
    }

    /// The help of a refused literal: "for example `a` or `b`".
    pub fn example_help(&self) -> String {
        let quoted: Vec<String> = self
            .examples
            .iter()
            .map(|example| format!("`{example}`"))
            .collect();
        format!("for example {}", quoted.join(" or "))
    }
}

/// The scheme of a URL, in lower case (`Postgres://…` → `postgres`); `None`
/// when the text before the first `:` is no scheme.
pub fn scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// A URL that parses and names a host (the brokers): kept as written.
pub fn with_host(url: &str, _base_dir: &Path) -> Result<String, String> {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.host_str().is_some_and(|host| !host.is_empty()) => Ok(url.to_string()),
        Ok(_) => Err("names no host".to_string()),
        Err(error) => Err(format!("is not a valid URL: {error}")),
    }
}

/// A URL that parses (`redis`): kept as written.
pub fn any_url(url: &str, _base_dir: &Path) -> Result<String, String> {
    url::Url::parse(url)
        .map(|_| url.to_string())
        .map_err(|error| format!("is not a valid URL: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ServerWatch;

    static BUS: ConnectionSpec = ConnectionSpec {
        kind: ConnectionKind::new("bus", "bus connection", ServerWatch::Nothing),
        server: "a bus",
        schemes: &["bus", "tls"],
        write: "bus://host:1 or tls://…",
        examples: &["bus://127.0.0.1:1", "bus://user:pass@host:1"],
        summary: "a bus",
        read: with_host,
    };

    #[test]
    fn a_url_is_read_by_its_scheme_then_by_the_kind() {
        let here = Path::new("/suite");
        assert_eq!(BUS.open("bus://h:1", here), Ok("bus://h:1".to_string()));
        assert_eq!(BUS.open("TLS://h:1", here), Ok("TLS://h:1".to_string()));
        assert_eq!(
            BUS.open("http://u:hunter2@h:1", here),
            Err("bus: http://u:***@h:1/ is not a bus URL: write bus://host:1 or tls://…".into())
        );
        assert_eq!(
            BUS.open("bus://u:hunter2@h:99999", here),
            Err("bus: bus://***@h:99999 is not a valid URL: invalid port number".into())
        );
        assert_eq!(
            BUS.open("bus:only", here),
            Err("bus: bus:only names no host".into())
        );
        assert_eq!(
            BUS.example_help(),
            "for example `bus://127.0.0.1:1` or `bus://user:pass@host:1`"
        );
        assert_eq!(scheme("Postgres://x"), Some("postgres".to_string()));
        assert_eq!(scheme("demo.db"), None);
        assert_eq!(scheme("1a:b"), None);
        assert_eq!(any_url("redis://", here), Ok("redis://".to_string()));
    }

    #[test]
    fn a_step_reads_the_url_of_its_own_kind_of_connection_only() {
        let own = Value::Connection(crate::value::Connection::new(BUS.kind, "bus://h:1"));
        assert_eq!(BUS.url_in(&own), Ok("bus://h:1".to_string()));
        let other = ConnectionKind::new("car", "car connection", ServerWatch::Nothing);
        let foreign = Value::Connection(crate::value::Connection::new(other, "car://h:1"));
        assert!(BUS.url_in(&foreign).is_err());
        assert_eq!(
            BUS.url_in(&Value::String("bus://h:1".into())),
            Err("a `bus` step needs a bus connection (`bus(url)`), found a string".into())
        );
    }
}
