//! How an HTTP step reaches its server when the script says more than the URL:
//! at most how many redirects, which HTTP version, through which proxy, at which
//! address for a host (`resolve`), to which other host and port (`connect to`,
//! applied before the client is chosen), trusting which certificate authority and
//! showing which client certificate. A [`Transport`] is part of the client's
//! identity (a client is built once per distinct one and reused); the default
//! one asks for nothing, and only then may a plain `http://` request take the
//! fast path (`plain`). It must not import `syntax` or `check`.

use std::net::{IpAddr, SocketAddr};

use reqwest::{Certificate, Identity, Proxy};

use super::client::{HttpError, HttpErrorKind};
use super::connect_to::ConnectTo;
use crate::failure::Cause;

/// The HTTP version a step asks for (`version "HTTP/2"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpVersion {
    /// HTTP/1.0: the request line says `HTTP/1.0` (no keep-alive unless the
    /// server offers it), as curl's and Hurl's `--http1.0`.
    Http10,
    /// HTTP/1.1 only.
    Http1,
    /// HTTP/2 only: over TLS as negotiated, over plain `http://` with prior
    /// knowledge (h2c, no `Upgrade`).
    Http2,
}

impl HttpVersion {
    /// The version a `version` clause names; the words it takes otherwise.
    pub fn named(text: &str) -> Result<HttpVersion, String> {
        match text.trim().to_ascii_uppercase().as_str() {
            "HTTP/1.0" => Ok(HttpVersion::Http10),
            "HTTP/1.1" | "HTTP/1" => Ok(HttpVersion::Http1),
            "HTTP/2" | "HTTP/2.0" => Ok(HttpVersion::Http2),
            _ => Err(format!(
                "`version` takes \"HTTP/1.0\", \"HTTP/1.1\" or \"HTTP/2\", not {text:?}"
            )),
        }
    }
}

/// One `resolve "host:port:address"`: requests to `host` on `port` connect to
/// `address` (the name is still the one sent in `Host` and checked in TLS).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Resolve {
    pub host: String,
    pub port: u16,
    pub address: IpAddr,
}

impl Resolve {
    /// Reads `host:port:address` (an IPv6 address may stand in brackets).
    pub fn parse(text: &str) -> Result<Resolve, String> {
        let wrong = || {
            format!(
                "`resolve` takes \"host:port:address\" (e.g. \"api.test:443:127.0.0.1\"), not {text:?}"
            )
        };
        let (host, rest) = text.split_once(':').ok_or_else(wrong)?;
        let (port, address) = rest.split_once(':').ok_or_else(wrong)?;
        let address = address.trim_start_matches('[').trim_end_matches(']');
        Ok(Resolve {
            host: host.to_ascii_lowercase(),
            port: port.parse().map_err(|_| wrong())?,
            address: address.parse().map_err(|_| wrong())?,
        })
    }
}

/// A client certificate and its key, both PEM (`cert` and `key`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientIdentity {
    pub certificate: Vec<u8>,
    pub key: Vec<u8>,
}

impl ClientIdentity {
    /// A certificate and its key from one PEM file (`cert` without `key`, as
    /// curl's `--cert` takes one): the `PRIVATE KEY` block is the key, the other
    /// blocks the certificate and its chain. TLS wants them apart.
    pub fn from_one_file(pem: &[u8]) -> Result<ClientIdentity, String> {
        let text = String::from_utf8_lossy(pem);
        let mut certificate = String::new();
        let mut key = String::new();
        let mut rest = text.as_ref();
        while let Some(start) = rest.find("-----BEGIN ") {
            let block = &rest[start..];
            let label_end = block["-----BEGIN ".len()..]
                .find("-----")
                .map_or(block.len(), |end| end + "-----BEGIN ".len());
            let label = &block["-----BEGIN ".len()..label_end];
            let end_marker = format!("-----END {label}-----");
            let Some(end) = block.find(&end_marker) else {
                break;
            };
            let whole = &block[..end + end_marker.len()];
            let into = if label.contains("PRIVATE KEY") {
                &mut key
            } else {
                &mut certificate
            };
            into.push_str(whole);
            into.push('\n');
            rest = &block[end + end_marker.len()..];
        }
        if certificate.is_empty() {
            return Err("`cert` holds no PEM certificate".to_string());
        }
        if key.is_empty() {
            return Err(
                "`cert` holds no private key: give it in the same file or with `key \"client.key\"`"
                    .to_string(),
            );
        }
        Ok(ClientIdentity {
            certificate: certificate.into_bytes(),
            key: key.into_bytes(),
        })
    }
}

/// What a step asks of the connection beyond its URL; `Default`: nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Transport {
    /// With `follow redirects`: follow at most this many (`None`: `MAX_REDIRECTS`).
    pub max_redirects: Option<usize>,
    pub version: Option<HttpVersion>,
    /// Every request goes through this proxy (`http://`, `https://` or `socks5://`).
    pub proxy: Option<String>,
    pub resolve: Vec<Resolve>,
    /// `connect to` entries: applied (and emptied) before the client is
    /// chosen (`connect_to::reroute`), so no client is built for them.
    pub connect_to: Vec<ConnectTo>,
    /// A certificate authority (PEM) trusted besides the system's.
    pub certificate_authority: Option<Vec<u8>>,
    pub identity: Option<ClientIdentity>,
}

impl Transport {
    /// Whether this asks for nothing at all: the fast plain path may serve it.
    pub fn is_default(&self) -> bool {
        *self == Transport::default()
    }

    /// `builder` set up as this transport says (after [`Transport::for_port`]).
    pub fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, HttpError> {
        match self.version {
            Some(HttpVersion::Http10 | HttpVersion::Http1) => builder = builder.http1_only(),
            Some(HttpVersion::Http2) => builder = builder.http2_prior_knowledge(),
            None => {}
        }
        if let Some(proxy) = &self.proxy {
            let proxy = Proxy::all(proxy.as_str()).map_err(|error| {
                // A proxy URL may carry its user's password; a refused one is shown without it.
                let shown = crate::value::hide_password(proxy);
                setup_error(format!("the proxy {shown:?} cannot be used: {error}"))
            })?;
            builder = builder.proxy(proxy);
        }
        for entry in &self.resolve {
            builder = builder.resolve(&entry.host, SocketAddr::new(entry.address, entry.port));
        }
        if let Some(pem) = &self.certificate_authority {
            let certificates = Certificate::from_pem_bundle(pem).map_err(|error| {
                setup_error(format!(
                    "`cacert` is not a PEM certificate (or bundle): {error}"
                ))
            })?;
            if certificates.is_empty() {
                return Err(setup_error("`cacert` holds no PEM certificate".to_string()));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        if let Some(identity) = &self.identity {
            let identity = Identity::from_pkcs8_pem(&identity.certificate, &identity.key).map_err(
                |error| {
                    setup_error(format!(
                        "`cert` and `key` are not a PEM certificate and its PKCS#8 PEM key: {error}"
                    ))
                },
            )?;
            builder = builder.identity(identity);
        }
        Ok(builder)
    }

    /// This transport for a request to `port`: reqwest maps a host for every
    /// port, so a `resolve` entry for another port is left out.
    pub fn for_port(&self, port: u16) -> Transport {
        Transport {
            resolve: self
                .resolve
                .iter()
                .filter(|entry| entry.port == port)
                .cloned()
                .collect(),
            ..self.clone()
        }
    }
}

fn setup_error(message: String) -> HttpError {
    HttpError {
        kind: HttpErrorKind::InvalidRequest,
        cause: Cause::InvalidStep,
        message,
    }
}

/// The version a response came in, as `version` reads it (`HTTP/1.1`, `HTTP/2`).
pub fn version_text(version: reqwest::Version) -> &'static str {
    match version {
        reqwest::Version::HTTP_09 => "HTTP/0.9",
        reqwest::Version::HTTP_10 => "HTTP/1.0",
        reqwest::Version::HTTP_2 => "HTTP/2",
        reqwest::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_resolve_entries_and_refuses_others() {
        assert_eq!(
            Resolve::parse("API.test:8080:127.0.0.1").unwrap(),
            Resolve {
                host: "api.test".to_string(),
                port: 8080,
                address: "127.0.0.1".parse().unwrap(),
            }
        );
        assert_eq!(
            Resolve::parse("h:443:[::1]").unwrap().address,
            "::1".parse::<IpAddr>().unwrap()
        );
        for wrong in ["h", "h:80", "h:x:127.0.0.1", "h:80:not-an-ip"] {
            assert!(Resolve::parse(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn a_refused_proxy_is_named_without_its_password() {
        let transport = Transport {
            proxy: Some("http://ops:s3cret@proxy host:8080".to_string()),
            ..Transport::default()
        };
        let Err(error) = transport.apply(reqwest::Client::builder()) else {
            panic!("a proxy URL with a space in its host was accepted");
        };
        assert!(
            error.message.contains("cannot be used"),
            "{}",
            error.message
        );
        assert!(!error.message.contains("s3cret"), "{}", error.message);
    }

    #[test]
    fn one_file_splits_into_the_certificate_and_its_key() {
        let pem = "junk\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n\
                   -----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n";
        let identity = ClientIdentity::from_one_file(pem.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(identity.certificate).unwrap(),
            "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n"
        );
        assert_eq!(
            String::from_utf8(identity.key).unwrap(),
            "-----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n"
        );
        let certificate_only = "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n";
        let error = ClientIdentity::from_one_file(certificate_only.as_bytes()).unwrap_err();
        assert!(error.contains("holds no private key"), "{error}");
        assert!(ClientIdentity::from_one_file(b"nothing").is_err());
    }

    #[test]
    fn reads_version_names() {
        assert_eq!(HttpVersion::named("HTTP/2"), Ok(HttpVersion::Http2));
        assert_eq!(HttpVersion::named("http/1.1"), Ok(HttpVersion::Http1));
        assert_eq!(HttpVersion::named("HTTP/1.0"), Ok(HttpVersion::Http10));
        assert!(HttpVersion::named("HTTP/3").is_err());
    }
}
