//! The HTTP client under the `http` step and the `load` step: turns an [`HttpRequest`]
//! into bytes on the wire and the answer into an [`HttpResponse`], keeps one cookie jar
//! per test ([`HttpSession`]) and renders an exchange for `-v`. It knows nothing of the
//! `.rit` syntax or the checker; it must not import `syntax` or `check`.
//!
//! Choices the spec leaves open, written down here:
//! - Query pairs are form-urlencoded (a space becomes `+`), as browsers, `requests`
//!   and k6 do, and are appended after the URL's own query.
//! - A `content-type` given in `headers` wins over the one a `json` or `form` body
//!   implies; with `multipart` it is dropped, because the boundary must be ours.
//! - A step sends `accept-encoding: gzip, deflate, br, zstd` unless the script gives
//!   its own; whatever coding the answer has is undone (`content_coding`) before
//!   anything reads the body, within `--max-body`.
//! - A redirect chain longer than 10 fails the step with the `Redirect` kind.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url, redirect};

use super::transport::Transport;
use crate::failure::Cause;
use crate::mask::Masker;
use crate::steps::shown_body::{describe_bytes, push_body};
use crate::value::FilePart;

/// The `user-agent` sent unless the script gives its own.
pub const USER_AGENT: &str = concat!("ritc/", env!("CARGO_PKG_VERSION"));

/// How many redirects `follow redirects` follows before it gives up.
pub const MAX_REDIRECTS: usize = 10;

/// One HTTP request as the interpreter has evaluated it.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpRequest {
    /// `GET`, `POST`, … as written in the script.
    pub method: String,
    pub url: String,
    /// Sent in order; a name given twice is sent twice.
    pub headers: Vec<(String, String)>,
    /// Appended to the URL's own query, form-urlencoded.
    pub query: Vec<(String, String)>,
    pub body: RequestBody,
    /// Bounds the whole exchange: connecting, sending and reading the body.
    pub timeout: Duration,
    pub follow_redirects: bool,
    /// Accept invalid certificates and host names.
    pub insecure: bool,
    /// The most of the response body that is read: past it the step fails.
    pub max_body: usize,
    /// Redirect limit, HTTP version, proxy, `resolve`, certificates.
    pub transport: Transport,
    /// `path as is`: the URL's path goes out as written, its `.` and `..`
    /// segments kept (only the plain path can: reqwest normalises it).
    pub path_as_is: bool,
    /// `limit rate`: the body is read at most this many bytes a second
    /// (only the full client paces its reads).
    pub limit_rate: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RequestBody {
    None,
    /// Sent compact, with `content-type: application/json` unless one is given.
    Json(serde_json::Value),
    /// Sent as `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// Sent as `multipart/form-data`.
    Multipart(Vec<MultipartField>),
    /// Sent as is; a content type only if the script gives one in `headers`.
    Raw(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum MultipartField {
    Text { name: String, value: String },
    File { name: String, part: FilePart },
}

/// What came back, with the body read in full.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    /// Names lowercased, one entry per value received (a header received several
    /// times appears that many times), grouped by name in the order first received.
    pub headers: Vec<(String, String)>,
    /// The body as a script reads it: its `content-encoding` undone.
    pub body: Vec<u8>,
    /// The body's bytes as they came, when a content coding was undone
    /// (`content_coding`); `None` when `body` is those bytes.
    pub encoded: Option<Vec<u8>>,
    /// From the moment the request is sent until the body has been read.
    pub duration: Duration,
    /// From the moment the request is sent until the response's head arrived
    /// (`None` where it was not measured: a load's responses).
    pub head_after: Option<Duration>,
    /// Whether the request opened its connection (and how long that took) or
    /// reused a kept-alive one (both clients: `timed_connector`); `None` where
    /// it is not measured (a load's responses).
    pub connecting: Option<crate::evidence::Connecting>,
    /// The URL that answered, after any redirect followed.
    pub url: String,
    /// The cookies the session's jar would send to `url` after this response.
    pub cookies: Vec<(String, String)>,
    /// The HTTP version the response came in (`HTTP/1.1`, `HTTP/2`).
    pub version: &'static str,
}

impl HttpResponse {
    /// The value of a header by case-insensitive name; a header received several
    /// times gives its values joined with `", "` (what `headers[name]` reads).
    pub fn header(&self, name: &str) -> Option<String> {
        let mut values = self
            .headers
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str());
        let first = values.next()?;
        Some(values.fold(first.to_owned(), |joined, value| joined + ", " + value))
    }

    /// Each header name once, in the order first received, with its values.
    pub fn header_lists(&self) -> Vec<(String, Vec<String>)> {
        let mut lists: Vec<(String, Vec<String>)> = Vec::new();
        for (name, value) in &self.headers {
            match lists.iter_mut().find(|(known, _)| known == name) {
                Some((_, values)) => values.push(value.clone()),
                None => lists.push((name.clone(), vec![value.clone()])),
            }
        }
        lists
    }

    /// Each header name once, its values joined with `", "`: `headers`.
    pub fn joined_headers(&self) -> Vec<(String, String)> {
        self.header_lists()
            .into_iter()
            .map(|(name, values)| (name, values.join(", ")))
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpErrorKind {
    /// The TCP connection could not be made (refused, unreachable, name not resolved).
    Connect,
    /// The step's timeout ran out before the body was read.
    Timeout,
    /// The TLS handshake failed, most often because the certificate was not trusted.
    Tls,
    /// More than [`MAX_REDIRECTS`] redirects, or a redirect that could not be followed.
    Redirect,
    /// The connection broke while the body was sent or read.
    Body,
    /// The request could not be built: a bad URL, method or header.
    InvalidRequest,
    Other,
}

impl HttpErrorKind {
    /// The cause an error of this kind has unless its producer knows more.
    pub fn general_cause(self) -> Cause {
        match self {
            HttpErrorKind::Connect => Cause::ConnectionFailed,
            HttpErrorKind::Timeout => Cause::StepTimeout,
            HttpErrorKind::Tls => Cause::TlsHandshake,
            HttpErrorKind::Redirect | HttpErrorKind::Body => Cause::ProtocolError,
            HttpErrorKind::InvalidRequest => Cause::InvalidStep,
            HttpErrorKind::Other => Cause::Other,
        }
    }

    /// A short lowercase name, used as a key of the `load` step's `errors` map.
    pub fn label(self) -> &'static str {
        match self {
            HttpErrorKind::Connect => "connect",
            HttpErrorKind::Timeout => "timeout",
            HttpErrorKind::Tls => "tls",
            HttpErrorKind::Redirect => "redirect",
            HttpErrorKind::Body => "body",
            HttpErrorKind::InvalidRequest => "invalid request",
            HttpErrorKind::Other => "other",
        }
    }
}

/// The most of a response body ritc reads unless `--max-body` says otherwise
/// (64MB, docs/reliability.md): past it the step fails with [`body_too_large`]
/// and memory stays bounded.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The failure of a step whose response body passed `limit` bytes.
pub fn body_too_large(url: &str, limit: usize) -> HttpError {
    HttpError {
        kind: HttpErrorKind::Body,
        cause: Cause::BodyTooLarge,
        message: format!(
            "the response body is larger than {} (--max-body); ritc stops reading there ({url})",
            crate::units::literal_size(limit as u64)
        ),
    }
}

/// Why no response could be had. The message is plain words for a user and names
/// the URL, e.g. `connection refused (http://127.0.0.1:1/x)`.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpError {
    pub kind: HttpErrorKind,
    /// Why, as data for the report (decided here, where the error is known).
    pub cause: Cause,
    pub message: String,
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for HttpError {}

impl HttpError {
    fn invalid_request(message: impl Into<String>) -> HttpError {
        HttpError {
            kind: HttpErrorKind::InvalidRequest,
            cause: Cause::InvalidStep,
            message: message.into(),
        }
    }

    fn timed_out(timeout: Duration, url: &str) -> HttpError {
        HttpError {
            kind: HttpErrorKind::Timeout,
            cause: Cause::StepTimeout,
            message: format!(
                "timed out after {} ({url})",
                crate::units::measured_duration(timeout)
            ),
        }
    }

    /// Maps an error of reqwest to a kind and a plain message naming `url` (the
    /// URL that was asked for; reqwest's own, if it has one, is the redirect target).
    pub fn from_reqwest(error: &reqwest::Error, url: &str, timeout: Duration) -> HttpError {
        let url = error.url().map_or_else(|| url.to_owned(), Url::to_string);
        let causes = cause_chain(error, &url);
        let kind = classify(error, &causes);
        let cause_text = causes.join(": ");
        let refused = io_error_kind(error) == Some(std::io::ErrorKind::ConnectionRefused);
        let cause = match kind {
            HttpErrorKind::Connect if error.is_dns() => Cause::HostNotFound,
            HttpErrorKind::Connect if refused => Cause::ConnectionRefused,
            HttpErrorKind::Body if incomplete_message(error) => Cause::ClosedBeforeAnswer,
            _ => kind.general_cause(),
        };
        let message = match kind {
            HttpErrorKind::Timeout => return HttpError::timed_out(timeout, &url),
            HttpErrorKind::Connect if error.is_dns() => {
                // The resolver's own words are the innermost cause; the layers above
                // only repeat "dns error".
                let reason = causes.last().map_or("unknown host", String::as_str);
                format!("could not resolve the host name: {reason} ({url})")
            }
            HttpErrorKind::Connect if refused => format!("connection refused ({url})"),
            HttpErrorKind::Connect => format!("could not connect: {cause_text} ({url})"),
            HttpErrorKind::Tls => format!("TLS handshake failed: {cause_text} ({url})"),
            HttpErrorKind::Redirect if cause_text == "too many redirects" => {
                format!("too many redirects: more than {MAX_REDIRECTS} ({url})")
            }
            HttpErrorKind::Redirect => format!("could not follow a redirect: {cause_text} ({url})"),
            HttpErrorKind::Body => {
                format!("the connection broke during the exchange: {cause_text} ({url})")
            }
            HttpErrorKind::InvalidRequest => format!("invalid request: {cause_text} ({url})"),
            HttpErrorKind::Other if cause_text.is_empty() => format!("request failed ({url})"),
            HttpErrorKind::Other => format!("request failed: {cause_text} ({url})"),
        };
        HttpError {
            kind,
            cause,
            message,
        }
    }
}

/// Whether hyper, somewhere in `error`'s sources, saw the connection close before
/// the response was complete ("connection closed before message completed"): the
/// cause `closed_before_answer` of the report. Narrower than
/// [`closed_before_answer`], which also counts a reset for its one retry.
pub(crate) fn incomplete_message(error: &(dyn StdError + 'static)) -> bool {
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(cause) = source {
        if cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return true;
        }
        source = cause.source();
    }
    false
}

fn classify(error: &reqwest::Error, causes: &[String]) -> HttpErrorKind {
    if error.is_builder() {
        HttpErrorKind::InvalidRequest
    } else if error.is_timeout() {
        HttpErrorKind::Timeout
    } else if error.is_redirect() {
        HttpErrorKind::Redirect
    } else if causes.iter().any(|cause| mentions_tls(cause)) {
        // native-tls wraps OpenSSL's errors in its own type, which this crate cannot
        // name, so TLS failures are recognised by the words OpenSSL, Secure Transport
        // and SChannel use. This is checked before `is_connect`, which is also true for
        // a handshake that failed.
        HttpErrorKind::Tls
    } else if error.is_connect() {
        HttpErrorKind::Connect
    } else if error.is_body() || error.is_decode() || error.is_request() {
        HttpErrorKind::Body
    } else {
        HttpErrorKind::Other
    }
}

fn mentions_tls(cause: &str) -> bool {
    let lower = cause.to_ascii_lowercase();
    ["ssl", "tls", "certificate", "handshake", "x509"]
        .iter()
        .any(|word| lower.contains(word))
}

/// The messages of an error's sources, innermost last, without reqwest's and hyper's
/// generic wrappers, without the URL (the caller adds it once) and without repeats.
fn cause_chain(error: &reqwest::Error, url: &str) -> Vec<String> {
    const GENERIC: [&str; 4] = [
        "client error (Connect)",
        "client error (SendRequest)",
        "error sending request",
        "request or response body error",
    ];
    let mut causes: Vec<String> = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause
            .to_string()
            .replace(&format!(" for url ({url})"), "")
            .replace(url, "");
        let text = text.trim().to_owned();
        let is_repeat = causes.iter().any(|earlier| earlier.contains(&text));
        if !text.is_empty() && !GENERIC.contains(&text.as_str()) && !is_repeat {
            causes.push(text);
        }
        source = cause.source();
    }
    causes
}

fn io_error_kind(error: &reqwest::Error) -> Option<std::io::ErrorKind> {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io_error) = cause.downcast_ref::<std::io::Error>() {
            return Some(io_error.kind());
        }
        source = cause.source();
    }
    None
}

/// One per test: the cookie jar lives as long as the session, so cookies last for
/// one test. A client is built on first use for each combination of
/// `follow redirects` and `insecure`; all of them share the jar and keep their
/// connections open for the next request.
pub struct HttpSession {
    jar: Arc<Jar>,
    clients: Mutex<HashMap<ClientOptions, reqwest::Client>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ClientOptions {
    follow_redirects: bool,
    insecure: bool,
    transport: Transport,
}

impl Default for HttpSession {
    fn default() -> HttpSession {
        HttpSession::new()
    }
}

impl std::fmt::Debug for HttpSession {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("HttpSession")
            .field("jar", &self.jar)
            .finish_non_exhaustive()
    }
}

impl HttpSession {
    pub fn new() -> HttpSession {
        HttpSession {
            jar: Arc::new(Jar::default()),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Sends one request and reads the whole response.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let rerouted = super::connect_to::reroute(request).await?;
        let response = self.send_rerouted(rerouted.request).await?;
        // The answer is the URL's the script asked for, not the port it went to.
        Ok(match rerouted.urls {
            Some((sent, shown)) if response.url == sent => HttpResponse {
                url: shown,
                ..response
            },
            _ => response,
        })
    }

    async fn send_rerouted(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let port = request_url(&request)?
            .port_or_known_default()
            .unwrap_or_default();
        let options = ClientOptions {
            follow_redirects: request.follow_redirects,
            insecure: request.insecure,
            transport: request.transport.for_port(port),
        };
        // Without redirects, a client shared by the whole process serves every
        // session (building one loads the system's certificates, which costs tens
        // of milliseconds) and this session's jar is applied by hand. A redirect
        // chain needs the jar inside the client to see cookies set on the way.
        if super::plain::handles(&request) {
            return self.send_plain(request).await;
        }
        if request.path_as_is && super::raw_path::has_dot_segments(&request.url) {
            return Err(HttpError::invalid_request(format!(
                "`path as is` keeps `.` and `..` only on a plain http:// request without `follow redirects` or connection clauses (the HTTPS client normalises the path) ({})",
                request.url
            )));
        }
        let (client, manual_jar) = if options.follow_redirects {
            (self.client(options)?, None)
        } else {
            let plain_http = request
                .url
                .get(..7)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"));
            (shared_client(options, plain_http)?, Some(self.jar.as_ref()))
        };
        let timeout = request.timeout;
        let url_text = request.url.clone();
        // reqwest's timeout already covers the body; the outer one makes sure that no
        // step outlives its timeout whatever happens inside.
        let exchange = exchange(&client, &request, manual_jar);
        let response = match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result.map_err(|error| redirect_limit(error, &request))?,
            Err(_elapsed) => return Err(HttpError::timed_out(timeout, &url_text)),
        };
        Ok(self.with_jar_cookies(response))
    }

    /// A plain `http://` request without redirects, through `plain_http`.
    async fn send_plain(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let timeout = request.timeout;
        let response =
            match tokio::time::timeout(timeout, super::plain::send(&request, &self.jar)).await {
                Ok(result) => result?,
                Err(_elapsed) => return Err(HttpError::timed_out(timeout, &request.url)),
            };
        Ok(self.with_jar_cookies(response))
    }

    /// The response with `cookies` filled: what the session's jar holds for its
    /// final URL, after its own `Set-Cookie` headers were stored.
    fn with_jar_cookies(&self, response: HttpResponse) -> HttpResponse {
        let cookies = Url::parse(&response.url)
            .ok()
            .and_then(|final_url| self.jar.cookies(&final_url))
            .map(|header| parse_cookie_header(&header))
            .unwrap_or_default();
        HttpResponse {
            cookies,
            ..response
        }
    }

    fn client(&self, options: ClientOptions) -> Result<reqwest::Client, HttpError> {
        // A panic elsewhere while the lock was held leaves the map consistent.
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = clients.get(&options) {
            return Ok(client.clone());
        }
        let client = client_builder(&options)?
            .cookie_provider(Arc::clone(&self.jar))
            .build()
            .map_err(|error| client_build_error(&error))?;
        clients.insert(options, client.clone());
        Ok(client)
    }
}

/// One shared client per combination of options, for the whole process.
///
/// `plain_http`: the URL is `http://` and redirects are not followed, so no TLS
/// will happen; that client skips loading the system's root certificates, which
/// costs tens of milliseconds at the first request of a run.
fn shared_client(options: ClientOptions, plain_http: bool) -> Result<reqwest::Client, HttpError> {
    type Clients = HashMap<(ClientOptions, bool), reqwest::Client>;
    static CLIENTS: std::sync::OnceLock<Mutex<Clients>> = std::sync::OnceLock::new();
    let mut clients = CLIENTS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let key = (options, plain_http);
    if let Some(client) = clients.get(&key) {
        return Ok(client.clone());
    }
    let builder = client_builder(&key.0)?;
    let builder = if plain_http {
        builder.tls_certs_only(std::iter::empty())
    } else {
        builder
    };
    let client = builder
        .build()
        .map_err(|error| client_build_error(&error))?;
    clients.insert(key, client.clone());
    Ok(client)
}

/// Sends the request on `client` and reads the body; `cookies` is left empty.
/// With `manual_jar`, the jar's cookies are sent (unless the script set a
/// `Cookie` header) and the response's `Set-Cookie` headers stored in it.
async fn exchange(
    client: &reqwest::Client,
    request: &HttpRequest,
    manual_jar: Option<&Jar>,
) -> Result<HttpResponse, HttpError> {
    let mut prepared = prepare_request(client, request)?;
    if !request
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("accept-encoding"))
    {
        prepared = prepared.header(
            reqwest::header::ACCEPT_ENCODING,
            super::content_coding::ACCEPT_ENCODING,
        );
    }
    if let Some(jar) = manual_jar {
        let has_cookie_header = request
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("cookie"));
        if !has_cookie_header
            && let Ok(url) = request_url(request)
            && let Some(cookies) = jar.cookies(&url)
        {
            prepared = prepared.header(reqwest::header::COOKIE, cookies);
        }
    }
    let sent_at = Instant::now();
    // A copy to send again if a reused connection was closed under the request
    // (`closed_before_answer`); none for a streamed (multipart) body.
    let second_try = if is_idempotent(&request.method) {
        prepared.try_clone()
    } else {
        None
    };
    // How the request got its connection (both tries, all hops of a redirect),
    // for the timing of the step's evidence.
    let (response, connecting) = super::timed_connector::timed_request(async {
        match (prepared.send().await, second_try) {
            (Ok(response), _) => Ok(response),
            // If the second try fails too, the first error is the one that
            // says what happened (the second is often only "connection
            // refused" after a crash).
            (Err(error), Some(second_try)) if closed_before_answer(&error) => second_try
                .send()
                .await
                .map_err(|_| HttpError::from_reqwest(&error, &request.url, request.timeout)),
            (Err(error), _) => Err(HttpError::from_reqwest(
                &error,
                &request.url,
                request.timeout,
            )),
        }
    })
    .await;
    let response = response?;
    if let Some(jar) = manual_jar {
        let mut set_cookies = response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter();
        jar.set_cookies(&mut set_cookies, response.url());
    }
    let head_after = sent_at.elapsed();
    let status = response.status().as_u16();
    let version = super::transport::version_text(response.version());
    let headers = header_pairs(response.headers());
    let final_url = response.url().to_string();
    let body = read_bounded_body(response, &final_url, request).await?;
    let duration = sent_at.elapsed();
    let mut response = HttpResponse {
        status,
        headers,
        body,
        encoded: None,
        duration,
        head_after: Some(head_after),
        connecting: Some(connecting),
        url: final_url,
        cookies: Vec::new(),
        version,
    };
    super::content_coding::decode_response(&mut response, request.max_body)
        .map_err(|error| error.into_http_error(&response.url))?;
    Ok(response)
}

/// Reads the body chunk by chunk and stops past the request's `max_body`: the
/// step fails with [`body_too_large`] and at most one chunk more than the limit
/// is held.
async fn read_bounded_body(
    mut response: reqwest::Response,
    url: &str,
    request: &HttpRequest,
) -> Result<Vec<u8>, HttpError> {
    let limit = request.max_body;
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(body_too_large(url, limit));
    }
    let mut body = Vec::new();
    let started = Instant::now();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| HttpError::from_reqwest(&error, url, request.timeout))?
    {
        if body.len() + chunk.len() > limit {
            return Err(body_too_large(url, limit));
        }
        body.extend_from_slice(&chunk);
        // `limit rate`: a read that came early waits until the bytes so far are
        // due; what the server sends meanwhile waits in the socket's buffers,
        // so it is slowed down too (TCP's flow control).
        if let Some(rate) = request.limit_rate {
            let due = due_after(body.len(), rate);
            if let Some(early) = due.checked_sub(started.elapsed()) {
                tokio::time::sleep(early).await;
            }
        }
    }
    Ok(body)
}

/// How long reading `bytes` at `rate` bytes a second takes.
pub(crate) fn due_after(bytes: usize, rate: u64) -> Duration {
    Duration::from_secs_f64(bytes as f64 / rate.max(1) as f64)
}

/// Builds the request on `client`: method, URL with the query, headers, body and
/// timeout. The `load` step sends the same requests through this.
pub fn prepare_request(
    client: &reqwest::Client,
    request: &HttpRequest,
) -> Result<reqwest::RequestBuilder, HttpError> {
    let (method, url, headers) = request_head(request)?;
    // Headers go first so that `json` and `form` keep a content type the script gave.
    let mut builder = client
        .request(method, url)
        .headers(headers)
        .timeout(request.timeout);
    if request.transport.version == Some(super::transport::HttpVersion::Http10) {
        builder = builder.version(reqwest::Version::HTTP_10);
    }
    let builder = match &request.body {
        RequestBody::None => builder,
        RequestBody::Json(value) => builder.json(value),
        RequestBody::Form(pairs) => builder.form(pairs),
        RequestBody::Raw(bytes) => builder.body(bytes.clone()),
        RequestBody::Multipart(fields) => builder.multipart(multipart_form(fields)?),
    };
    Ok(builder)
}

/// The method, URL and script headers of a request, as both ways of preparing
/// it send them (a multipart body brings its own content type, with its boundary).
fn request_head(request: &HttpRequest) -> Result<(Method, Url, HeaderMap), HttpError> {
    let method = Method::from_bytes(request.method.as_bytes()).map_err(|_| {
        HttpError::invalid_request(format!("invalid HTTP method \"{}\"", request.method))
    })?;
    let url = request_url(request)?;
    let is_multipart = matches!(request.body, RequestBody::Multipart(_));
    let mut headers = HeaderMap::new();
    for (header_name, header_value) in script_headers(request, &url)? {
        if is_multipart && header_name == CONTENT_TYPE {
            continue;
        }
        headers.append(header_name, header_value);
    }
    Ok((method, url, headers))
}

/// A body's bytes and the content type it implies (sent when the script gives
/// none), as reqwest's `json` and `form` make them; `None` for a multipart body,
/// which only reqwest's builder makes.
pub(crate) fn encoded_body(body: &RequestBody) -> Option<(Vec<u8>, Option<&'static str>)> {
    Some(match body {
        RequestBody::None => (Vec::new(), None),
        RequestBody::Json(value) => (
            serde_json::to_vec(value).unwrap_or_default(),
            Some("application/json"),
        ),
        RequestBody::Form(pairs) => (
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
                .into_bytes(),
            Some("application/x-www-form-urlencoded"),
        ),
        RequestBody::Raw(bytes) => (bytes.clone(), None),
        RequestBody::Multipart(_) => return None,
    })
}

/// The request `prepare_request` builds, made without a client, for a body that
/// is not multipart (`None` then). A load's lean client only reads it; making any
/// reqwest client loads the system's certificates (about 40 ms of CPU and 5 MB of
/// a load's memory), which a load that never speaks TLS should not pay.
pub(crate) fn request_without_client(
    request: &HttpRequest,
) -> Result<Option<reqwest::Request>, HttpError> {
    let Some((body, implied_type)) = encoded_body(&request.body) else {
        return Ok(None);
    };
    let (method, url, mut headers) = request_head(request)?;
    if let Some(content_type) = implied_type
        && !headers.contains_key(CONTENT_TYPE)
    {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    let mut prepared = reqwest::Request::new(method, url);
    *prepared.headers_mut() = headers;
    *prepared.timeout_mut() = Some(request.timeout);
    if request.transport.version == Some(super::transport::HttpVersion::Http10) {
        *prepared.version_mut() = reqwest::Version::HTTP_10;
    }
    if !matches!(request.body, RequestBody::None) {
        *prepared.body_mut() = Some(body.into());
    }
    Ok(Some(prepared))
}

fn multipart_form(fields: &[MultipartField]) -> Result<reqwest::multipart::Form, HttpError> {
    let mut form = reqwest::multipart::Form::new();
    for field in fields {
        form = match field {
            MultipartField::Text { name, value } => form.text(name.clone(), value.clone()),
            MultipartField::File { name, part } => {
                let file_part = reqwest::multipart::Part::bytes(part.content.clone())
                    .file_name(part.name.clone())
                    .mime_str(&part.content_type)
                    .map_err(|_| {
                        HttpError::invalid_request(format!(
                            "invalid content type \"{}\" for the file part \"{name}\"",
                            part.content_type
                        ))
                    })?;
                form.part(name.clone(), file_part)
            }
        };
    }
    Ok(form)
}

/// Whether a request with this method may be sent a second time: the methods
/// HTTP calls idempotent (RFC 9110 §9.2.2).
pub(crate) fn is_idempotent(method: &str) -> bool {
    ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"]
        .iter()
        .any(|idempotent| method.eq_ignore_ascii_case(idempotent))
}

/// Whether the connection closed (or was reset) before the answer's head was
/// complete: what a client sees when it reuses a kept-alive connection that the
/// server closed at the same moment without saying `Connection: close`. Such a
/// request is sent again once on a fresh connection, if it is idempotent (RFC 9110
/// allows that). hyper does not say whether the connection was a reused one, so a
/// fresh connection that breaks the same way (a server that crashes on the
/// request) also gets the one retry; when that fails too, the first error is
/// reported.
pub(crate) fn closed_before_answer(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(hyper_error) = current.downcast_ref::<hyper::Error>() {
            if hyper_error.is_incomplete_message() {
                return true;
            }
            let reset = std::error::Error::source(hyper_error)
                .and_then(|inner| inner.downcast_ref::<std::io::Error>())
                .is_some_and(|io| {
                    matches!(
                        io.kind(),
                        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
                    )
                });
            if reset {
                return true;
            }
        }
        cause = current.source();
    }
    false
}

/// The URL that will be requested: the script's URL with the query pairs appended.
pub(crate) fn request_url(request: &HttpRequest) -> Result<Url, HttpError> {
    let mut url = Url::parse(&request.url).map_err(|error| {
        HttpError::invalid_request(format!("invalid URL \"{}\": {error}", request.url))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(HttpError::invalid_request(format!(
            "unsupported URL scheme \"{}\", expected http or https ({})",
            url.scheme(),
            request.url
        )));
    }
    if !request.query.is_empty() {
        url.query_pairs_mut().extend_pairs(request.query.iter());
    }
    // The userinfo goes as an `Authorization` header (`url_credentials`), never in
    // the URL that is sent.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(url)
}

/// The headers a request sends of its own: the script's, each refused if it has
/// a line break, and the URL's userinfo as Basic auth unless the script gave an
/// `Authorization`. Both HTTP paths (and `load`, through `prepare_request`) use it.
pub(crate) fn script_headers(
    request: &HttpRequest,
    url: &Url,
) -> Result<Vec<(HeaderName, HeaderValue)>, HttpError> {
    let mut headers = Vec::with_capacity(request.headers.len() + 1);
    for (name, value) in &request.headers {
        let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            HttpError::invalid_request(format!("invalid header name \"{name}\" ({url})"))
        })?;
        let header_value = super::url_credentials::header_value(name, value)
            .map_err(|message| HttpError::invalid_request(format!("{message} ({url})")))?;
        headers.push((header_name, header_value));
    }
    if !super::url_credentials::has_authorization(&request.headers)
        && let (_, Some(authorization)) = super::url_credentials::take_credentials(&request.url)
    {
        let value = HeaderValue::from_str(&authorization).map_err(|_| {
            HttpError::invalid_request(format!(
                "the URL's user name or password cannot be sent ({url})"
            ))
        })?;
        headers.push((reqwest::header::AUTHORIZATION, value));
    }
    Ok(headers)
}

/// Every header value received, one entry each, grouped by name.
pub(crate) fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Splits a `cookie` request header (`a=1; b=2`) into pairs.
fn parse_cookie_header(header: &HeaderValue) -> Vec<(String, String)> {
    String::from_utf8_lossy(header.as_bytes())
        .split(';')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => (pair.to_owned(), String::new()),
        })
        .collect()
}

fn client_builder(options: &ClientOptions) -> Result<reqwest::ClientBuilder, HttpError> {
    let policy = if options.follow_redirects {
        redirect::Policy::limited(options.transport.max_redirects.unwrap_or(MAX_REDIRECTS))
    } else {
        redirect::Policy::none()
    };
    // A run must reach the services it names, not a proxy set for the shell.
    let builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .no_proxy()
        .redirect(policy)
        .tcp_nodelay(true)
        .connector_layer(super::timed_connector::TimedLayer);
    let builder = if options.insecure {
        builder
            .tls_danger_accept_invalid_certs(true)
            .tls_danger_accept_invalid_hostnames(true)
    } else {
        builder
    };
    options.transport.apply(builder)
}

/// A redirect chain past a `max redirects` limit says that limit, not the default.
fn redirect_limit(error: HttpError, request: &HttpRequest) -> HttpError {
    match request.transport.max_redirects {
        Some(limit) if error.kind == HttpErrorKind::Redirect => HttpError {
            message: error.message.replace(
                &format!("more than {MAX_REDIRECTS} "),
                &format!("more than {limit} (max redirects) "),
            ),
            ..error
        },
        _ => error,
    }
}

fn client_build_error(error: &reqwest::Error) -> HttpError {
    let mut message = String::from("could not set up the HTTP client");
    let mut source: Option<&dyn StdError> = Some(error);
    while let Some(cause) = source {
        let _ = write!(message, ": {cause}");
        source = cause.source();
    }
    HttpError {
        kind: HttpErrorKind::Other,
        cause: Cause::Other,
        message,
    }
}

/// A client for the `load` step: no cookie jar, and a pool that keeps up to
/// `max_connections` idle connections per host so the workers reuse them.
pub fn load_client(
    insecure: bool,
    follow_redirects: bool,
    max_connections: usize,
) -> Result<reqwest::Client, HttpError> {
    client_builder(&ClientOptions {
        follow_redirects,
        insecure,
        transport: Transport::default(),
    })?
    .pool_max_idle_per_host(max_connections)
    .build()
    .map_err(|error| client_build_error(&error))
}

/// Renders a request and its response for `-v`, in the style of `curl -v`: `>` lines
/// for what was sent, `<` lines for what came back, each body after a bare `>` or `<`
/// line. Every spelling of each secret reads `***` (`crate::mask`). Bodies longer
/// than 8 KiB are cut after masking (`steps::shown_body`).
pub fn describe_exchange(
    request: &HttpRequest,
    response: Option<&HttpResponse>,
    mask: &Masker,
) -> String {
    let mut text = String::new();
    let url = request_url(request).map_or_else(|_| request.url.clone(), |url| url.to_string());
    let _ = writeln!(text, "> {} {url}", request.method);
    for (name, value) in &request.headers {
        let _ = writeln!(text, "> {}: {value}", name.to_ascii_lowercase());
    }
    let has_content_type = request
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    let implied_content_type = match &request.body {
        RequestBody::Json(_) if !has_content_type => Some("application/json"),
        RequestBody::Form(_) if !has_content_type => Some("application/x-www-form-urlencoded"),
        RequestBody::Multipart(_) => Some("multipart/form-data"),
        _ => None,
    };
    if let Some(content_type) = implied_content_type {
        let _ = writeln!(text, "> content-type: {content_type}");
    }
    let mut described = mask.mask(&text);
    push_body(
        &mut described,
        ">",
        &describe_request_body(&request.body),
        mask,
    );
    if let Some(response) = response {
        let mut head = String::new();
        let _ = writeln!(
            head,
            "< {} ({})",
            response.status,
            crate::units::measured_duration(response.duration)
        );
        if response.url != url {
            let _ = writeln!(head, "< url: {}", response.url);
        }
        for (name, value) in &response.headers {
            let _ = writeln!(head, "< {name}: {value}");
        }
        if let Some(encoded) = &response.encoded {
            let _ = writeln!(
                head,
                "< [body decoded: {} bytes on the wire, {} decoded]",
                encoded.len(),
                response.body.len()
            );
        }
        described.push_str(&mask.mask(&head));
        push_body(&mut described, "<", &describe_bytes(&response.body), mask);
    }
    described
}

fn describe_request_body(body: &RequestBody) -> String {
    match body {
        RequestBody::None => String::new(),
        RequestBody::Json(value) => value.to_string(),
        RequestBody::Form(pairs) => url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter())
            .finish(),
        RequestBody::Raw(bytes) => describe_bytes(bytes),
        RequestBody::Multipart(fields) => {
            let mut text = String::new();
            for field in fields {
                match field {
                    MultipartField::Text { name, value } => {
                        let _ = writeln!(text, "[part \"{name}\"]\n{value}");
                    }
                    MultipartField::File { name, part } => {
                        let _ = writeln!(
                            text,
                            "[part \"{name}\": file \"{}\", {}, {} bytes]",
                            part.name,
                            part.content_type,
                            part.content.len()
                        );
                        if std::str::from_utf8(&part.content).is_ok() {
                            let _ = writeln!(text, "{}", describe_bytes(&part.content));
                        }
                    }
                }
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_rate_makes_bytes_due_at_their_share_of_a_second() {
        assert_eq!(due_after(0, 1000), Duration::ZERO);
        assert_eq!(due_after(500, 1000), Duration::from_millis(500));
        assert_eq!(due_after(3000, 1000), Duration::from_secs(3));
        // A rate of zero never reaches here (`limit rate` is at least 1).
        assert_eq!(due_after(2, 0), Duration::from_secs(2));
    }
}
