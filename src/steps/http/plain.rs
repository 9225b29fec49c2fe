//! The fast path for plain `http://` requests that follow no redirects: hyper's
//! pooled client with no TLS at all. Building a TLS-capable client loads the
//! system's certificates (tens of milliseconds per run) and reqwest's layers cost
//! per request; a flow of many sequential requests against a local service should
//! pay neither. Anything this path does not handle (multipart bodies) goes
//! through reqwest as before; both build the same request and read the same
//! response (`http_client` owns the shared pieces).

use super::client::{
    HttpError, HttpErrorKind, HttpRequest, HttpResponse, RequestBody, USER_AGENT, body_too_large,
    closed_before_answer, encoded_body, header_pairs, incomplete_message, is_idempotent,
    request_url, script_headers,
};
use super::timed_connector::{Timed, timed_request};
use crate::failure::Cause;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE, USER_AGENT as USER_AGENT_HEADER};
use std::sync::OnceLock;
use std::time::Instant;

type PlainClient = Client<Timed<HttpConnector>, Full<Bytes>>;

fn client() -> &'static PlainClient {
    static CLIENT: OnceLock<PlainClient> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Client::builder(TokioExecutor::new()).build(Timed(connector))
    })
}

/// Whether `request` can take this path.
pub fn handles(request: &HttpRequest) -> bool {
    !request.follow_redirects
        && request.transport.is_default()
        && request.limit_rate.is_none()
        && !matches!(request.body, RequestBody::Multipart(_))
        && request
            .url
            .get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
}

/// Sends `request` (which `handles` accepted); the jar's cookies are sent and the
/// response's stored. `cookies` of the response is left for the caller to fill.
pub async fn send(request: &HttpRequest, jar: &Jar) -> Result<HttpResponse, HttpError> {
    let url = request_url(request)?;
    let invalid = |message: String| HttpError {
        kind: HttpErrorKind::InvalidRequest,
        cause: Cause::InvalidStep,
        message,
    };
    let method = hyper::Method::from_bytes(request.method.as_bytes())
        .map_err(|_| invalid(format!("invalid HTTP method \"{}\"", request.method)))?;
    let Some((body, implied_type)) = encoded_body(&request.body) else {
        return Err(invalid(
            "multipart bodies go through the full client".to_string(),
        ));
    };
    // `path as is`: the path as written, which `Url` would have normalised.
    let target = if request.path_as_is {
        super::raw_path::with_written_path(&request.url, &url)
    } else {
        url.to_string()
    };
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(target.as_str());
    let given = |name: &str| {
        request
            .headers
            .iter()
            .any(|(header, _)| header.eq_ignore_ascii_case(name))
    };
    for (header_name, header_value) in script_headers(request, &url)? {
        builder = builder.header(header_name, header_value);
    }
    if !given("user-agent") {
        builder = builder.header(USER_AGENT_HEADER, USER_AGENT);
    }
    if let Some(content_type) = implied_type
        && !given("content-type")
    {
        builder = builder.header(CONTENT_TYPE, content_type);
    }
    if !given("cookie")
        && let Some(cookies) = jar.cookies(&url)
    {
        builder = builder.header(COOKIE, cookies);
    }
    if !given("accept") {
        builder = builder.header(reqwest::header::ACCEPT, "*/*");
    }
    if !given("accept-encoding") {
        builder = builder.header(
            reqwest::header::ACCEPT_ENCODING,
            super::content_coding::ACCEPT_ENCODING,
        );
    }
    let outgoing = builder
        .body(Full::new(Bytes::from(body)))
        .map_err(|error| invalid(format!("cannot build the request ({url}): {error}")))?;
    // A copy to send again if a reused connection was closed under the request.
    let second_try = is_idempotent(&request.method).then(|| duplicate(&outgoing));
    let sent_at = Instant::now();
    // How the request got its connection (both tries), for the timing of the
    // step's evidence.
    let (response, connecting) = timed_request(async {
        match (client().request(outgoing).await, second_try) {
            (Ok(response), _) => Ok(response),
            // If the second try fails too, the first error is the one that
            // says what happened (the second is often only "connection
            // refused" after a crash).
            (Err(error), Some(second_try)) if closed_before_answer(&error) => client()
                .request(second_try)
                .await
                .map_err(|_| connect_error(&error, url.as_str())),
            (Err(error), _) => Err(connect_error(&error, url.as_str())),
        }
    })
    .await;
    let response = response?;
    let head_after = sent_at.elapsed();
    let status = response.status().as_u16();
    let version = super::transport::version_text(response.version());
    let headers = header_pairs(response.headers());
    let mut set_cookies = response.headers().get_all(SET_COOKIE).iter();
    jar.set_cookies(&mut set_cookies, &url);
    // Bounded: a body past `max_body` fails the step instead of filling memory.
    let body = Limited::new(response.into_body(), request.max_body)
        .collect()
        .await
        .map_err(|error| {
            if error.downcast_ref::<LengthLimitError>().is_some() {
                body_too_large(url.as_str(), request.max_body)
            } else {
                // hyper's own words are "error reading a body from connection";
                // its causes say why (end of file, a reset).
                let mut words = error.to_string();
                let mut cause = std::error::Error::source(&*error);
                while let Some(next) = cause {
                    words = format!("{words}: {next}");
                    cause = next.source();
                }
                HttpError {
                    kind: HttpErrorKind::Body,
                    cause: if incomplete_message(&*error) {
                        Cause::ClosedBeforeAnswer
                    } else {
                        Cause::ProtocolError
                    },
                    message: format!(
                        "the connection broke while reading the body: {words} ({url})"
                    ),
                }
            }
        })?
        .to_bytes();
    let mut response = HttpResponse {
        status,
        headers,
        body: body.to_vec(),
        encoded: None,
        duration: sent_at.elapsed(),
        head_after: Some(head_after),
        connecting: Some(connecting),
        url: target,
        cookies: Vec::new(),
        version,
    };
    super::content_coding::decode_response(&mut response, request.max_body)
        .map_err(|error| error.into_http_error(url.as_str()))?;
    Ok(response)
}

/// The same request again (method, URL, version, headers and body).
fn duplicate(request: &hyper::Request<Full<Bytes>>) -> hyper::Request<Full<Bytes>> {
    let mut copy = hyper::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// Plain words for a failed exchange, in the same form as the full client's.
fn connect_error(error: &hyper_util::client::legacy::Error, url: &str) -> HttpError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(cause) = source {
        // hyper-util's connector wraps a failed lookup as "dns error"; the
        // resolver's own words are the innermost cause, as in the full client.
        if cause.to_string() == "dns error" {
            let mut reason = String::from("unknown host");
            let mut inner = cause.source();
            while let Some(next) = inner {
                reason = next.to_string();
                inner = next.source();
            }
            return HttpError {
                kind: HttpErrorKind::Connect,
                cause: Cause::HostNotFound,
                message: format!("could not resolve the host name: {reason} ({url})"),
            };
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            let (kind, cause, words) = match io.kind() {
                std::io::ErrorKind::ConnectionRefused => (
                    HttpErrorKind::Connect,
                    Cause::ConnectionRefused,
                    "connection refused".to_string(),
                ),
                std::io::ErrorKind::ConnectionReset => (
                    HttpErrorKind::Body,
                    Cause::ProtocolError,
                    "connection reset by the server".to_string(),
                ),
                std::io::ErrorKind::TimedOut => (
                    HttpErrorKind::Timeout,
                    Cause::StepTimeout,
                    "the connection timed out".to_string(),
                ),
                _ => (
                    HttpErrorKind::Connect,
                    Cause::ConnectionFailed,
                    format!("cannot connect: {io}"),
                ),
            };
            return HttpError {
                kind,
                cause,
                message: format!("{words} ({url})"),
            };
        }
        source = cause.source();
    }
    let kind = if error.is_connect() {
        HttpErrorKind::Connect
    } else {
        HttpErrorKind::Body
    };
    // hyper's own words ("client error (SendRequest)") say little; its causes say
    // what happened, e.g. "connection closed before message completed".
    let mut words = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(next) = cause {
        words = format!("{words}: {next}");
        cause = next.source();
    }
    HttpError {
        kind,
        cause: if incomplete_message(error) {
            Cause::ClosedBeforeAnswer
        } else {
            kind.general_cause()
        },
        message: format!("{words} ({url})"),
    }
}
