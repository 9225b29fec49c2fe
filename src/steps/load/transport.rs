//! How a load's requests reach the server: the lean HTTP/1.1 client of `raw_http.rs`
//! for plain `http://` (the common case, and the one measured against wrk), reqwest
//! for the rest (`https://`, `follow redirects`, multipart bodies), or the sender of
//! another kind's messages (`steps::message_load`, shared by every worker). Also the kinds of
//! failure a request can meet, named as the `errors` map names them. It must not
//! import the stats or the engine.

use std::io;
use std::sync::Arc;

use super::raw_http::{Answer, RawClient, RawRequest};
use crate::steps::exec::{StepError, StepErrorKind};
use crate::steps::http::client::{self, HttpErrorKind, HttpRequest, HttpResponse};
use crate::steps::http::content_coding::{DecodeError, decode_response};
use crate::steps::message_load::{MessageFailure, MessageSender};

/// Why a request got no answer; `label` is its key in the `errors` map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Failure {
    /// The connection could not be made (refused, unreachable, unknown host).
    Connect,
    /// The step's timeout ran out before the whole answer was read.
    Timeout,
    /// The connection was closed or reset before the whole answer was read.
    Reset,
    /// The answer was not HTTP as a client can read it.
    Protocol,
    Tls,
    Redirect,
    /// A `check` needed the body and it was past `--max-body`: ritc stops
    /// reading there, as an HTTP step does, so memory stays bounded.
    BodyTooLarge,
    /// A `check` needed the body and its `content-encoding` could not be undone
    /// (corrupt bytes, a coding ritc does not know).
    Undecodable,
    /// The request could not be built (a bad header, say): every request fails so.
    InvalidRequest,
    /// A broker refused a message (a negative acknowledgement, no stream or no
    /// responder for its subject).
    Refused,
    Other,
}

impl Failure {
    pub fn label(self) -> &'static str {
        match self {
            Failure::Connect => "connect",
            Failure::Timeout => "timeout",
            Failure::Reset => "reset",
            Failure::Protocol => "protocol",
            Failure::Tls => "tls",
            Failure::Redirect => "redirect",
            Failure::BodyTooLarge => "body too large",
            Failure::Undecodable => "undecodable body",
            Failure::InvalidRequest => "invalid request",
            Failure::Refused => "refused",
            Failure::Other => "other",
        }
    }

    pub fn from_io(error: &io::Error) -> Failure {
        match error.kind() {
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof => Failure::Reset,
            io::ErrorKind::TimedOut => Failure::Timeout,
            io::ErrorKind::ConnectionRefused | io::ErrorKind::NotConnected => Failure::Connect,
            _ => Failure::Other,
        }
    }

    /// A message that was not confirmed: a connection that broke under it counts
    /// as `reset`, as an HTTP connection that broke before its answer does.
    fn from_message(failure: MessageFailure) -> Failure {
        match failure {
            MessageFailure::Connection => Failure::Reset,
            MessageFailure::Refused => Failure::Refused,
            MessageFailure::Timeout => Failure::Timeout,
            MessageFailure::Other => Failure::Other,
        }
    }

    fn from_http(kind: HttpErrorKind) -> Failure {
        match kind {
            HttpErrorKind::Connect => Failure::Connect,
            HttpErrorKind::Timeout => Failure::Timeout,
            HttpErrorKind::Tls => Failure::Tls,
            HttpErrorKind::Redirect => Failure::Redirect,
            HttpErrorKind::Body => Failure::Reset,
            HttpErrorKind::InvalidRequest => Failure::InvalidRequest,
            HttpErrorKind::Other => Failure::Other,
        }
    }
}

/// What every worker of one load shares: the request, prepared once.
pub enum Transport {
    Raw(Arc<RawRequest>),
    Reqwest(Arc<ReqwestRequest>),
    Messages(Arc<dyn MessageSender>),
}

/// A message has no status: its answer's, kept out of `statuses`.
pub const NO_STATUS: u16 = 0;

pub struct ReqwestRequest {
    client: reqwest::Client,
    /// Cloned for each send; `None` when the body is a stream (multipart), which
    /// cannot be cloned and is built anew each time from `request`.
    prepared: Option<reqwest::Request>,
    request: HttpRequest,
}

impl Transport {
    /// Prepares the request once. `connections` is how many the load may open.
    pub async fn prepare(
        request: &HttpRequest,
        connections: usize,
    ) -> Result<Transport, StepError> {
        // The lean client's request is made without a reqwest client: making one
        // loads the system's certificates (tens of milliseconds, and a few megabytes of a
        // load's memory), which only a load that reqwest sends needs.
        let usage = |error: client::HttpError| StepError::new(StepErrorKind::Usage, error.message);
        if !request.follow_redirects
            && let Some(prepared) = client::request_without_client(request).map_err(usage)?
            && let Some(raw) = RawRequest::from_reqwest(&prepared, request.max_body).await
        {
            return Ok(Transport::Raw(Arc::new(raw)));
        }
        let client = client::load_client(request.insecure, request.follow_redirects, connections)
            .map_err(|error| StepError::new(StepErrorKind::Other, error.message))?;
        let prepared = client::prepare_request(&client, request)
            .and_then(|builder| {
                builder.build().map_err(|error| {
                    client::HttpError::from_reqwest(&error, &request.url, request.timeout)
                })
            })
            .map_err(usage)?;
        Ok(Transport::Reqwest(Arc::new(ReqwestRequest {
            client,
            prepared: prepared.try_clone(),
            request: request.clone(),
        })))
    }

    /// A client for one worker.
    pub fn client(&self) -> WorkerClient {
        match self {
            Transport::Raw(request) => WorkerClient::Raw(RawClient::new(Arc::clone(request))),
            Transport::Reqwest(request) => WorkerClient::Reqwest(Arc::clone(request)),
            Transport::Messages(sender) => WorkerClient::Messages(Arc::clone(sender)),
        }
    }
}

pub enum WorkerClient {
    Raw(RawClient),
    Reqwest(Arc<ReqwestRequest>),
    Messages(Arc<dyn MessageSender>),
}

impl WorkerClient {
    /// Sends the request once and reads the whole answer (into `capture` too, when
    /// given). The caller bounds it with the step's timeout.
    pub async fn send(
        &mut self,
        mut capture: Option<&mut HttpResponse>,
    ) -> Result<Answer, Failure> {
        let (answer, max_body) = match self {
            WorkerClient::Raw(client) => (
                client.send(capture.as_deref_mut()).await?,
                client.max_body(),
            ),
            WorkerClient::Reqwest(request) => (
                send_with_reqwest(request, capture.as_deref_mut()).await?,
                request.request.max_body,
            ),
            // A message has no response for a `check` to read (the checker refuses one).
            WorkerClient::Messages(sender) => {
                let body_bytes = sender.send().await.map_err(Failure::from_message)?;
                return Ok(Answer {
                    status: NO_STATUS,
                    body_bytes,
                });
            }
        };
        // A check reads the body as an `http` step would: its coding undone.
        if let Some(response) = capture {
            response.encoded = None;
            decode_response(response, max_body).map_err(|error| match error {
                DecodeError::TooLarge { .. } => Failure::BodyTooLarge,
                _ => Failure::Undecodable,
            })?;
        }
        Ok(answer)
    }

    /// After a timeout: the connection is in an unknown state.
    pub fn discard_connection(&mut self) {
        if let WorkerClient::Raw(client) = self {
            client.discard_connection();
        }
    }
}

async fn send_with_reqwest(
    shared: &ReqwestRequest,
    mut capture: Option<&mut HttpResponse>,
) -> Result<Answer, Failure> {
    let timeout = shared.request.timeout;
    let url = &shared.request.url;
    let to_failure = |error: &reqwest::Error| {
        Failure::from_http(client::HttpError::from_reqwest(error, url, timeout).kind)
    };
    let request = match shared
        .prepared
        .as_ref()
        .and_then(reqwest::Request::try_clone)
    {
        Some(request) => request,
        None => client::prepare_request(&shared.client, &shared.request)
            .map_err(|error| Failure::from_http(error.kind))?
            .build()
            .map_err(|error| to_failure(&error))?,
    };
    let mut response = shared
        .client
        .execute(request)
        .await
        .map_err(|error| to_failure(&error))?;
    let status = response.status().as_u16();
    if let Some(captured) = capture.as_deref_mut() {
        captured.headers.clear();
        captured.body.clear();
        for (name, value) in response.headers() {
            captured.headers.push((
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            ));
        }
    }
    let mut body_bytes = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(|error| to_failure(&error))? {
        body_bytes += chunk.len() as u64;
        if let Some(captured) = capture.as_deref_mut() {
            keep_body(&mut captured.body, &chunk, shared.request.max_body)?;
        }
    }
    Ok(Answer { status, body_bytes })
}

/// Appends to a body a `check` will read, up to `limit` (`--max-body`): past it
/// the request fails instead of holding whatever the server sends.
pub(super) fn keep_body(body: &mut Vec<u8>, bytes: &[u8], limit: usize) -> Result<(), Failure> {
    if body.len() + bytes.len() > limit {
        return Err(Failure::BodyTooLarge);
    }
    body.extend_from_slice(bytes);
    Ok(())
}
