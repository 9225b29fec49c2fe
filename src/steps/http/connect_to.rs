//! `connect to "host1:port1:host2:port2"` (curl's and Hurl's `--connect-to`):
//! a request for `host1` on `port1` connects to `host2` on `port2` instead,
//! while `Host`, TLS (the name sent and the certificate checked) and cookies
//! stay the URL's. It must not import `syntax` or `check`.
//!
//! reqwest has no such hook: its resolver may change an address but not an
//! explicit port of the URL, and its connector layer cannot change the URI it
//! connects. So a matching request is rerouted before it is sent: its URL
//! keeps the host but takes `port2`, a `resolve` entry maps the host on `port2`
//! to `host2`'s address, and `Host` says what the URL said. The host name stays
//! in the URL, so TLS checks the certificate for it, as curl does.

use std::net::IpAddr;

use reqwest::Url;

use super::client::{HttpError, HttpErrorKind, HttpRequest, request_url};
use super::transport::Resolve;
use crate::failure::Cause;

/// One `connect to` entry; an empty part of the text (`"::backend:8080"`)
/// matches any host or port, or keeps the URL's, as in curl.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConnectTo {
    /// The URL's host it applies to (lowercase); `None`: any.
    pub host: Option<String>,
    /// The URL's port it applies to; `None`: any.
    pub port: Option<u16>,
    /// Where to connect; `None`: the URL's host.
    pub to_host: Option<String>,
    /// On which port; `None`: the URL's port.
    pub to_port: Option<u16>,
}

impl ConnectTo {
    /// Reads `host1:port1:host2:port2` (an IPv6 address stands in brackets).
    pub fn parse(text: &str) -> Result<ConnectTo, String> {
        let wrong = || {
            format!(
                "`connect to` takes \"host:port:other-host:other-port\" (e.g. \"api.test:443:127.0.0.1:8443\"), not {text:?}"
            )
        };
        let parts = split_outside_brackets(text);
        let [host, port, to_host, to_port] = parts.as_slice() else {
            return Err(wrong());
        };
        let port_of = |part: &str| -> Result<Option<u16>, String> {
            if part.is_empty() {
                Ok(None)
            } else {
                part.parse().map(Some).map_err(|_| wrong())
            }
        };
        let host_of = |part: &str| {
            let bare = part.trim_start_matches('[').trim_end_matches(']');
            (!bare.is_empty()).then(|| bare.to_ascii_lowercase())
        };
        Ok(ConnectTo {
            host: host_of(host),
            port: port_of(port)?,
            to_host: host_of(to_host),
            to_port: port_of(to_port)?,
        })
    }

    fn applies_to(&self, host: &str, port: u16) -> bool {
        self.host.as_deref().is_none_or(|wanted| wanted == host)
            && self.port.is_none_or(|wanted| wanted == port)
    }
}

/// The parts of `text` between colons, a colon inside `[…]` (an IPv6
/// address) not counting.
fn split_outside_brackets(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0_u32;
    let mut start = 0;
    for (at, character) in text.char_indices() {
        match character {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => {
                parts.push(text.get(start..at).unwrap_or_default());
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(text.get(start..).unwrap_or_default());
    parts
}

/// A request rerouted by its `connect to` entries, and the URL it answers
/// for (what the response's `url` says when no redirect was followed).
pub struct Rerouted {
    pub request: HttpRequest,
    /// `(sent, shown)`: the URL as sent and as the script asked for it.
    pub urls: Option<(String, String)>,
}

/// `request` with its first matching `connect to` entry applied (its
/// `connect_to` list emptied either way, so a request no entry applies to is
/// sent as if it had none, on the fast path when it can).
pub async fn reroute(mut request: HttpRequest) -> Result<Rerouted, HttpError> {
    let entries = std::mem::take(&mut request.transport.connect_to);
    if entries.is_empty() {
        return Ok(Rerouted {
            request,
            urls: None,
        });
    }
    let url = request_url(&request)?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let bare_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().unwrap_or_default();
    let Some(entry) = entries
        .iter()
        .find(|entry| entry.applies_to(&bare_host, port))
    else {
        return Ok(Rerouted {
            request,
            urls: None,
        });
    };
    let to_host = entry.to_host.clone().unwrap_or_else(|| bare_host.clone());
    let to_port = entry.to_port.unwrap_or(port);
    if to_host == bare_host && to_port == port {
        return Ok(Rerouted {
            request,
            urls: None,
        });
    }
    if bare_host.parse::<IpAddr>().is_ok() && to_host != bare_host {
        // An address in the URL is connected to as it is (no lookup that a
        // `resolve` entry could replace).
        return Err(failure(
            HttpErrorKind::InvalidRequest,
            Cause::InvalidStep,
            format!(
                "`connect to` can move a request for the address {bare_host} to another port, not to another host: name the host in the URL ({url})"
            ),
        ));
    }
    let address = address_of(&to_host, to_port, &url).await?;
    let shown = url.to_string();
    // The authority the URL gave (host, and port if written), for `Host`.
    let authority = match url.port() {
        Some(written) => format!("{host}:{written}"),
        None => host.clone(),
    };
    let mut moved = Url::parse(&request.url).map_err(|error| {
        failure(
            HttpErrorKind::InvalidRequest,
            Cause::InvalidStep,
            format!("invalid URL \"{}\": {error}", request.url),
        )
    })?;
    if moved.set_port(Some(to_port)).is_err() {
        return Err(failure(
            HttpErrorKind::InvalidRequest,
            Cause::InvalidStep,
            format!("`connect to` cannot move this URL to port {to_port} ({url})"),
        ));
    }
    request.url = moved.to_string();
    if !request
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        request.headers.push(("Host".to_string(), authority));
    }
    request
        .transport
        .resolve
        .retain(|known| known.host != bare_host);
    request.transport.resolve.push(Resolve {
        host: bare_host,
        port: to_port,
        address,
    });
    let sent = request_url(&request)?.to_string();
    Ok(Rerouted {
        request,
        urls: Some((sent, shown)),
    })
}

/// The address `host` has (the first the system's resolver gives).
async fn address_of(host: &str, port: u16, url: &Url) -> Result<IpAddr, HttpError> {
    if let Ok(address) = host.parse::<IpAddr>() {
        return Ok(address);
    }
    let not_found = |reason: String| {
        failure(
            HttpErrorKind::Connect,
            Cause::HostNotFound,
            format!("could not resolve the host name {host} of `connect to`: {reason} ({url})"),
        )
    };
    let mut addresses = tokio::net::lookup_host((host, port))
        .await
        .map_err(|error| not_found(error.to_string()))?;
    addresses
        .next()
        .map(|address| address.ip())
        .ok_or_else(|| not_found("no address".to_string()))
}

fn failure(kind: HttpErrorKind, cause: Cause, message: String) -> HttpError {
    HttpError {
        kind,
        cause,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries_with_empty_parts_and_ipv6_addresses() {
        assert_eq!(
            ConnectTo::parse("API.test:443:127.0.0.1:8443").unwrap(),
            ConnectTo {
                host: Some("api.test".to_string()),
                port: Some(443),
                to_host: Some("127.0.0.1".to_string()),
                to_port: Some(8443),
            }
        );
        let any = ConnectTo::parse("::[::1]:").unwrap();
        assert_eq!(any.host, None);
        assert_eq!(any.port, None);
        assert_eq!(any.to_host.as_deref(), Some("::1"));
        assert_eq!(any.to_port, None);
        for wrong in ["h", "h:80:x", "h:x:a:1", "h:1:a:99999", "a:1:b:2:c"] {
            assert!(ConnectTo::parse(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn an_entry_applies_to_its_host_and_port_only() {
        let entry = ConnectTo::parse("a.test:80:b.test:81").unwrap();
        assert!(entry.applies_to("a.test", 80));
        assert!(!entry.applies_to("a.test", 81));
        assert!(!entry.applies_to("c.test", 80));
        assert!(
            ConnectTo::parse(":80:b.test:81")
                .unwrap()
                .applies_to("c.test", 80)
        );
    }
}
