//! `reachable(address, within: 2s)`: whether a TCP connection to a server opens
//! in time, so that a test can skip with its reason when a server it needs is
//! not running (`if not reachable(bus) { skip "…" }`) rather than fail. The
//! address is a connection value (`nats(url)`: its URL), a URL or `host:port`;
//! a URL without a port takes its scheme's usual one. Only the TCP handshake is
//! made: the server's protocol is the steps' business, and a server that
//! accepts and then refuses the client fails at the step, as it should.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::value::{EvalError, Value, hide_password, type_name_with_article};

/// How long the connection may take when `within` is not given.
pub(super) const DEFAULT_WITHIN: Duration = Duration::from_secs(2);

/// The port a URL of these schemes means when it names none (the `url` crate
/// knows only the web's: http, https, ws, wss, ftp).
const USUAL_PORTS: &[(&str, u16)] = &[
    ("nats", 4222),
    ("tls", 4222),
    ("mqtt", 1883),
    ("tcp", 1883),
    ("mqtts", 8883),
    ("ssl", 8883),
    ("amqp", 5672),
    ("amqps", 5671),
    ("redis", 6379),
    ("rediss", 6379),
    ("postgres", 5432),
    ("postgresql", 5432),
    ("mysql", 3306),
    ("mariadb", 3306),
];

/// Whether `address` accepts a TCP connection within `within`. `Err` when the
/// address names no server (no host, no port, not a URL), with a URL's
/// password hidden.
pub(super) fn reachable(address: &Value, within: Duration) -> Result<bool, EvalError> {
    if within.is_zero() {
        return Err(EvalError::new("reachable: `within` must be more than 0s"));
    }
    let text = match address {
        Value::Connection(connection) => connection.url.to_string(),
        Value::String(text) => text.to_string(),
        other => {
            return Err(EvalError(format!(
                "reachable needs a connection value, a URL or host:port, found {}",
                type_name_with_article(other)
            )));
        }
    };
    let (host, port) = host_and_port(&text)?;
    let deadline = Instant::now() + within;
    // A name that does not resolve is a server that cannot be reached.
    let Ok(candidates) = (host.as_str(), port).to_socket_addrs() else {
        return Ok(false);
    };
    let candidates: Vec<SocketAddr> = candidates.collect();
    Ok(candidates.iter().any(|candidate| {
        let left = deadline.saturating_duration_since(Instant::now());
        !left.is_zero() && TcpStream::connect_timeout(candidate, left).is_ok()
    }))
}

/// The host and port `text` names: a URL's (its scheme's usual port when it
/// gives none) or `host:port`'s.
fn host_and_port(text: &str) -> Result<(String, u16), EvalError> {
    let refused = |problem: &str| {
        EvalError(format!(
            "reachable: {} {problem}: write a URL such as nats://127.0.0.1:4222, or host:port",
            hide_password(text)
        ))
    };
    if text.contains("://") {
        let url = url::Url::parse(text)
            .map_err(|error| refused(&format!("is not a valid URL ({error})")))?;
        let host = match url.host() {
            Some(url::Host::Domain(name)) if !name.is_empty() => name.to_string(),
            Some(url::Host::Ipv4(address)) => address.to_string(),
            Some(url::Host::Ipv6(address)) => address.to_string(),
            Some(url::Host::Domain(_)) | None => return Err(refused("names no host")),
        };
        let usual = USUAL_PORTS
            .iter()
            .find(|(scheme, _)| *scheme == url.scheme())
            .map(|(_, port)| *port);
        let port = url
            .port_or_known_default()
            .or(usual)
            .ok_or_else(|| refused("names no port"))?;
        return Ok((host, port));
    }
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| refused("names no port"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = port
        .parse::<u16>()
        .map_err(|_| refused("does not end in a port number"))?;
    if host.is_empty() {
        return Err(refused("names no host"));
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn text(value: &str) -> Value {
        Value::String(value.into())
    }

    #[test]
    fn a_listening_port_is_reachable_and_a_closed_one_is_not() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let within = Duration::from_secs(2);
        assert!(reachable(&text(&format!("127.0.0.1:{port}")), within).unwrap());
        assert!(reachable(&text(&format!("nats://u:p@127.0.0.1:{port}")), within).unwrap());
        drop(listener);
        // Nothing listens there any more: refused at once, not after `within`.
        assert!(!reachable(&text(&format!("127.0.0.1:{port}")), within).unwrap());
        assert!(!reachable(&text("no-such-host.invalid:4222"), within).unwrap());
    }

    #[test]
    fn a_url_without_a_port_takes_its_schemes_usual_one() {
        assert_eq!(
            host_and_port("amqp://guest:guest@rabbit").unwrap(),
            ("rabbit".to_string(), 5672)
        );
        assert_eq!(
            host_and_port("mqtt://127.0.0.1").unwrap(),
            ("127.0.0.1".to_string(), 1883)
        );
        assert_eq!(
            host_and_port("http://example.test/x").unwrap(),
            ("example.test".to_string(), 80)
        );
        assert_eq!(
            host_and_port("[::1]:4222").unwrap(),
            ("::1".to_string(), 4222)
        );
    }

    #[test]
    fn an_address_that_names_no_server_is_an_error_without_its_password() {
        let message = |address: &str| host_and_port(address).unwrap_err().0;
        assert!(message("localhost").contains("names no port"));
        assert!(message("gopher://h").contains("names no port"));
        assert!(message("sqlite:///tmp/x.db").contains("names no host"));
        let refused = message("nats://user:hunter2@h:99999");
        assert!(refused.contains("nats://***@h:99999"), "{refused}");
        assert!(!refused.contains("hunter2"));
        let zero = reachable(&text("127.0.0.1:1"), Duration::ZERO).unwrap_err();
        assert!(zero.0.contains("more than 0s"));
    }
}
