//! A lean HTTP/1.1 client for the load engine's plain `http://` requests: the request
//! is serialized to bytes once, each worker owns one keep-alive connection, writes
//! those bytes and reads the response into a buffer it reuses, so the hot path makes
//! no allocation (unless a `check` needs the headers and the body). It parses what a
//! client must (status line, `content-length`, `transfer-encoding: chunked`,
//! `connection`, 1xx interim answers, bodiless answers to `HEAD`, 204 and 304) and no
//! more. TLS, redirects and streamed bodies go through reqwest instead
//! (`transport.rs`). It must not import the stats or the engine.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::header::{ACCEPT, CONNECTION, CONTENT_LENGTH, HOST, USER_AGENT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::transport::{Failure, keep_body};
use crate::steps::http::client::{HttpResponse, USER_AGENT as RITC_USER_AGENT};

/// A response head longer than this is refused (servers cap theirs at 8–64 KiB).
const MAX_HEAD: usize = 64 * 1024;
/// The read buffer each connection starts with, as wrk's.
const INITIAL_BUFFER: usize = 8 * 1024;
/// A chunk-size line or a trailer longer than this is refused.
const MAX_LINE: usize = 8 * 1024;

/// One request, ready to be written as many times as the load asks.
#[derive(Debug)]
pub struct RawRequest {
    bytes: Vec<u8>,
    addresses: Vec<SocketAddr>,
    /// A `HEAD` answer has no body, whatever its `content-length` says.
    head_only: bool,
    /// The script asked for `connection: close`.
    closes: bool,
    /// The most of a body kept for a `check` (`--max-body`).
    max_body: usize,
    /// GET, PUT, … (RFC 9110): may be sent again when the server closed the
    /// connection without a word of answer.
    idempotent: bool,
}

impl RawRequest {
    /// Serializes a request that reqwest has built (so the body, the query and the
    /// content type are exactly what the `http` step would send) and resolves its
    /// host once. Returns `None` when the request is not plain HTTP/1.1 material: a
    /// scheme other than `http`, or a streamed (multipart) body.
    pub async fn from_reqwest(request: &reqwest::Request, max_body: usize) -> Option<RawRequest> {
        let url = request.url();
        if url.scheme() != "http" {
            return None;
        }
        let body: &[u8] = match request.body() {
            Some(body) => body.as_bytes()?,
            None => &[],
        };
        let host = url.host_str()?;
        let mut bytes = Vec::with_capacity(256 + body.len());
        bytes.extend_from_slice(request.method().as_str().as_bytes());
        bytes.push(b' ');
        bytes.extend_from_slice(url.path().as_bytes());
        if let Some(query) = url.query() {
            bytes.push(b'?');
            bytes.extend_from_slice(query.as_bytes());
        }
        bytes.extend_from_slice(b" HTTP/1.1\r\n");
        let headers = request.headers();
        let mut push_header = |name: &[u8], value: &[u8]| {
            bytes.extend_from_slice(name);
            bytes.extend_from_slice(b": ");
            bytes.extend_from_slice(value);
            bytes.extend_from_slice(b"\r\n");
        };
        if !headers.contains_key(HOST) {
            let authority = match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            };
            push_header(b"host", authority.as_bytes());
        }
        for (name, value) in headers {
            push_header(name.as_str().as_bytes(), value.as_bytes());
        }
        // What reqwest adds when it sends, so both transports send the same request.
        if !headers.contains_key(USER_AGENT) {
            push_header(b"user-agent", RITC_USER_AGENT.as_bytes());
        }
        if !headers.contains_key(ACCEPT) {
            push_header(b"accept", b"*/*");
        }
        if request.body().is_some() && !headers.contains_key(CONTENT_LENGTH) {
            push_header(b"content-length", body.len().to_string().as_bytes());
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(body);
        let closes = headers
            .get_all(CONNECTION)
            .iter()
            .any(|value| has_token(value.as_bytes(), b"close"));
        let addresses = resolve(url).await;
        Some(RawRequest {
            bytes,
            addresses,
            head_only: request.method() == reqwest::Method::HEAD,
            closes,
            max_body,
            idempotent: crate::steps::http::client::is_idempotent(request.method().as_str()),
        })
    }
}

/// The addresses of the URL's host, resolved once for the whole load. A name that
/// does not resolve leaves none, and every request then fails as `connect`.
async fn resolve(url: &reqwest::Url) -> Vec<SocketAddr> {
    let port = url.port_or_known_default().unwrap_or(80);
    match url.host() {
        Some(url::Host::Ipv4(address)) => vec![SocketAddr::from((address, port))],
        Some(url::Host::Ipv6(address)) => vec![SocketAddr::from((address, port))],
        Some(url::Host::Domain(domain)) => tokio::net::lookup_host((domain, port))
            .await
            .map(Iterator::collect)
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

/// What the load needs to know of one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The body's length, after chunked decoding.
    pub body_bytes: u64,
}

/// One worker's client: its connection (opened on first use and whenever the last
/// one was closed) and its read buffer.
pub struct RawClient {
    request: Arc<RawRequest>,
    connection: Option<TcpStream>,
    buffer: ReadBuffer,
}

impl RawClient {
    pub fn new(request: Arc<RawRequest>) -> RawClient {
        RawClient {
            request,
            connection: None,
            buffer: ReadBuffer::new(),
        }
    }

    /// The most of a body kept for a `check` (`--max-body`).
    pub fn max_body(&self) -> usize {
        self.request.max_body
    }

    /// Forgets the connection (after a timeout left it in an unknown state).
    pub fn discard_connection(&mut self) {
        self.connection = None;
    }

    /// Sends the request and reads the whole answer. With `capture`, its headers and
    /// body are written there (the vectors are reused). A kept-alive connection
    /// that the server had closed is replaced once, transparently: always when the
    /// request could not even be written (it never reached the server), and for an
    /// idempotent method when the connection closed before any of the answer came
    /// (the server may have read it: a POST is never sent twice, as in HTTP steps).
    pub async fn send(
        &mut self,
        mut capture: Option<&mut HttpResponse>,
    ) -> Result<Answer, Failure> {
        for attempt in 0..2 {
            let reused = self.connection.is_some();
            if let Some(response) = capture.as_deref_mut() {
                response.headers.clear();
                response.body.clear();
            }
            let stream = match &mut self.connection {
                Some(stream) => stream,
                None => {
                    let stream = connect(&self.request.addresses).await?;
                    self.buffer.clear();
                    self.connection.insert(stream)
                }
            };
            match exchange(
                stream,
                &mut self.buffer,
                &self.request,
                capture.as_deref_mut(),
            )
            .await
            {
                Ok((answer, keep_alive)) => {
                    if !keep_alive || self.request.closes || !self.buffer.is_empty() {
                        self.connection = None;
                    }
                    return Ok(answer);
                }
                Err(ExchangeError::Unsent) if reused && attempt == 0 => {
                    self.connection = None;
                }
                Err(ExchangeError::Stale) if reused && attempt == 0 && self.request.idempotent => {
                    self.connection = None;
                }
                Err(error) => {
                    self.connection = None;
                    return Err(error.failure());
                }
            }
        }
        Err(Failure::Reset)
    }
}

async fn connect(addresses: &[SocketAddr]) -> Result<TcpStream, Failure> {
    for address in addresses {
        if let Ok(stream) = TcpStream::connect(address).await {
            // Requests are one write each; do not let Nagle hold the next one back.
            let _ = stream.set_nodelay(true);
            return Ok(stream);
        }
    }
    Err(Failure::Connect)
}

#[derive(Debug)]
enum ExchangeError {
    /// Writing the request failed (the peer had reset the connection): it never
    /// reached the server.
    Unsent,
    /// The connection was closed before a byte of the answer came: on a reused
    /// connection, the server had most likely closed it while idle.
    Stale,
    Io(io::Error),
    /// The connection ended in the middle of the answer.
    Truncated,
    /// The answer is not HTTP/1.x as a client can read it.
    Protocol,
    /// A failure decided on this side (a body past the limit).
    Failed(Failure),
}

impl ExchangeError {
    fn failure(&self) -> Failure {
        match self {
            ExchangeError::Unsent | ExchangeError::Stale | ExchangeError::Truncated => {
                Failure::Reset
            }
            ExchangeError::Io(error) => Failure::from_io(error),
            ExchangeError::Protocol => Failure::Protocol,
            ExchangeError::Failed(failure) => *failure,
        }
    }
}

impl From<io::Error> for ExchangeError {
    fn from(error: io::Error) -> ExchangeError {
        ExchangeError::Io(error)
    }
}

/// Writes the request and reads one final answer; also says whether the
/// connection may carry another request.
async fn exchange(
    stream: &mut TcpStream,
    buffer: &mut ReadBuffer,
    request: &RawRequest,
    mut capture: Option<&mut HttpResponse>,
) -> Result<(Answer, bool), ExchangeError> {
    if let Err(error) = stream.write_all(&request.bytes).await {
        return Err(match error.kind() {
            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset => ExchangeError::Unsent,
            _ => ExchangeError::Io(error),
        });
    }
    let mut received_any = false;
    let head = loop {
        let (head_length, known) =
            read_head(stream, buffer, capture.is_none(), &mut received_any).await?;
        let head = match known {
            Some(head) => head,
            None => LAST_HEAD.with_borrow_mut(|heads| {
                heads.parse(
                    buffer.unread().get(..head_length).unwrap_or_default(),
                    capture.as_deref_mut(),
                )
            })?,
        };
        buffer.consume(head_length);
        // 1xx answers are interim (101 switches protocols: nothing more to read).
        if (100..200).contains(&head.status) && head.status != 101 {
            if let Some(response) = capture.as_deref_mut() {
                response.headers.clear();
            }
            continue;
        }
        break head;
    };
    let bodiless =
        request.head_only || head.status == 204 || head.status == 304 || head.status < 200;
    let mut keep_alive = head.keep_alive && head.status != 101;
    let body = capture.map(|response| &mut response.body);
    let body_bytes = if bodiless {
        0
    } else if head.chunked {
        read_chunked(stream, buffer, body, request.max_body).await?
    } else if let Some(length) = head.content_length {
        read_exact_body(stream, buffer, length, body, request.max_body).await?;
        length
    } else {
        keep_alive = false;
        read_to_end(stream, buffer, body, request.max_body).await?
    };
    Ok((
        Answer {
            status: head.status,
            body_bytes,
        },
        keep_alive,
    ))
}

/// Reads until the buffer holds a whole head; returns its length (with the blank
/// line), and what it says when it is the thread's last head ([`LAST_HEAD`]) and
/// `use_known`: where the buffer starts with that head, its end is known without
/// looking for it, and it need not be parsed.
async fn read_head(
    stream: &mut TcpStream,
    buffer: &mut ReadBuffer,
    use_known: bool,
    received_any: &mut bool,
) -> Result<(usize, Option<Head>), ExchangeError> {
    let mut searched = 0;
    loop {
        let unread = buffer.unread();
        if use_known
            && let Some((length, head)) = LAST_HEAD.with_borrow(|heads| heads.starting(unread))
        {
            return Ok((length, Some(head)));
        }
        if let Some(position) = find_head_end(unread, searched) {
            return Ok((position + 4, None));
        }
        searched = unread.len().saturating_sub(3);
        if unread.len() > MAX_HEAD {
            return Err(ExchangeError::Protocol);
        }
        match buffer.fill(stream).await {
            Ok(0) if !*received_any => return Err(ExchangeError::Stale),
            Ok(0) => return Err(ExchangeError::Truncated),
            Ok(_) => *received_any = true,
            Err(error) if !*received_any && is_reset(&error) => return Err(ExchangeError::Stale),
            Err(error) => return Err(ExchangeError::Io(error)),
        }
    }
}

fn is_reset(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Head {
    status: u16,
    content_length: Option<u64>,
    chunked: bool,
    keep_alive: bool,
}

/// The last head parsed, and what it said. A load's answers are alike to the byte
/// (nginx's change once a second, with their `date`), and a head's framing depends
/// on its bytes alone, so a head equal to the last one is not parsed again:
/// comparing nginx's 240 bytes costs a few dozen instructions, where parsing its
/// nine lines cost about 2,100, a third of a request's (callgrind,
/// docs/performance.md); and a buffer that starts with the last head needs no search
/// for its end either ([`read_head`]). Not used when a `check` needs the headers
/// themselves.
#[derive(Default)]
struct HeadCache {
    bytes: Vec<u8>,
    head: Option<Head>,
}

thread_local! {
    /// One per thread, shared by the connections that run there, rather than one
    /// per connection: every connection's answers are alike, and one copy stays in
    /// the processor's cache, where a copy per connection (1,000 of them) was read
    /// from memory at every answer: 6 of a request's 31 misses of a 512 KiB cache
    /// (callgrind's cache simulation).
    static LAST_HEAD: std::cell::RefCell<HeadCache> = std::cell::RefCell::new(HeadCache::default());
}

/// Heads longer than this are parsed every time.
const MAX_CACHED_HEAD: usize = 1024;

impl HeadCache {
    /// The length of the last head and what it said, when `buffer` starts with it.
    /// The last head ends with its first blank line, so a buffer that starts with it
    /// has its first blank line there too.
    fn starting(&self, buffer: &[u8]) -> Option<(usize, Head)> {
        let head = self.head?;
        buffer
            .starts_with(&self.bytes)
            .then_some((self.bytes.len(), head))
    }

    /// Parses a head that [`HeadCache::starting`] did not know, and remembers it.
    fn parse(
        &mut self,
        head: &[u8],
        capture: Option<&mut HttpResponse>,
    ) -> Result<Head, ExchangeError> {
        let parsed = parse_head(head, capture)?;
        if head.len() <= MAX_CACHED_HEAD {
            self.bytes.clear();
            self.bytes.extend_from_slice(head);
            self.head = Some(parsed);
        }
        Ok(parsed)
    }
}

/// Parses a status line and headers; with `capture`, keeps the headers as the
/// `http` step's clients do (lowercase names, one entry per value).
///
/// This runs once per answer of a load, so it is written for speed (profiled with
/// callgrind, docs/performance.md): lines are found with `memchr`, and a header's
/// value is looked at only when its name has the length of one the framing needs.
fn parse_head(head: &[u8], mut capture: Option<&mut HttpResponse>) -> Result<Head, ExchangeError> {
    let (status_line, mut rest) = next_line(head);
    let (minor, status) = match status_line {
        [
            b'H',
            b'T',
            b'T',
            b'P',
            b'/',
            b'1',
            b'.',
            minor,
            b' ',
            a,
            b,
            c,
            ..,
        ] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            let digit = |byte: &u8| u16::from(byte - b'0');
            (*minor, digit(a) * 100 + digit(b) * 10 + digit(c))
        }
        _ => return Err(ExchangeError::Protocol),
    };
    let mut parsed = Head {
        status,
        content_length: None,
        chunked: false,
        // HTTP/1.1 keeps the connection unless told otherwise; 1.0 closes it.
        keep_alive: minor != b'0',
    };
    while !rest.is_empty() {
        let (line, after) = next_line(rest);
        rest = after;
        if line.is_empty() {
            continue;
        }
        let colon = find_byte(line, b':').ok_or(ExchangeError::Protocol)?;
        let (name, value) = line.split_at(colon);
        let name = name.trim_ascii();
        let value = value.get(1..).unwrap_or_default();
        // The length first: most headers are none of these three.
        match name.len() {
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                let length = std::str::from_utf8(value.trim_ascii())
                    .ok()
                    .and_then(|text| text.parse::<u64>().ok())
                    .ok_or(ExchangeError::Protocol)?;
                parsed.content_length = Some(length);
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                parsed.chunked = value
                    .rsplit(|byte| *byte == b',')
                    .next()
                    .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
            }
            10 if name.eq_ignore_ascii_case(b"connection") => {
                let value = value.trim_ascii();
                if value.eq_ignore_ascii_case(b"keep-alive") {
                    parsed.keep_alive = true;
                } else if has_token(value, b"close") {
                    parsed.keep_alive = false;
                } else if has_token(value, b"keep-alive") {
                    parsed.keep_alive = true;
                }
            }
            _ => {}
        }
        if let Some(response) = capture.as_deref_mut() {
            let name = String::from_utf8_lossy(name).to_ascii_lowercase();
            let value = String::from_utf8_lossy(value.trim_ascii()).into_owned();
            // Grouped by name, as the `http` step's clients give them.
            match response
                .headers
                .iter()
                .rposition(|(known, _)| *known == name)
            {
                Some(last) => response.headers.insert(last + 1, (name, value)),
                None => response.headers.push((name, value)),
            }
        }
    }
    Ok(parsed)
}

/// The first line of `text` (without its `\r\n` or `\n`) and what follows it.
fn next_line(text: &[u8]) -> (&[u8], &[u8]) {
    let (line, rest) = match find_byte(text, b'\n') {
        Some(end) => (
            text.get(..end).unwrap_or_default(),
            text.get(end + 1..).unwrap_or_default(),
        ),
        None => (text, &[][..]),
    };
    (line.strip_suffix(b"\r").unwrap_or(line), rest)
}

/// Whether a comma-separated header value holds `token` (case-insensitive).
fn has_token(value: &[u8], token: &[u8]) -> bool {
    // Most values are the one token (`keep-alive`): no need to split them.
    let value = value.trim_ascii();
    value.eq_ignore_ascii_case(token)
        || (memchr::memchr(b',', value).is_some()
            && value
                .split(|byte| *byte == b',')
                .any(|part| part.trim_ascii().eq_ignore_ascii_case(token)))
}

async fn read_exact_body(
    stream: &mut TcpStream,
    buffer: &mut ReadBuffer,
    length: u64,
    mut body: Option<&mut Vec<u8>>,
    limit: usize,
) -> Result<(), ExchangeError> {
    let mut remaining = length;
    while remaining > 0 {
        if buffer.is_empty() && buffer.fill(stream).await? == 0 {
            return Err(ExchangeError::Truncated);
        }
        let unread = buffer.unread();
        let take = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(unread.len());
        if let Some(body) = body.as_deref_mut() {
            keep_body(body, unread.get(..take).unwrap_or_default(), limit)
                .map_err(ExchangeError::Failed)?;
        }
        buffer.consume(take);
        remaining -= take as u64;
    }
    Ok(())
}

async fn read_to_end(
    stream: &mut TcpStream,
    buffer: &mut ReadBuffer,
    mut body: Option<&mut Vec<u8>>,
    limit: usize,
) -> Result<u64, ExchangeError> {
    let mut total = 0u64;
    loop {
        let unread = buffer.unread();
        total += unread.len() as u64;
        if let Some(body) = body.as_deref_mut() {
            keep_body(body, unread, limit).map_err(ExchangeError::Failed)?;
        }
        let length = unread.len();
        buffer.consume(length);
        if buffer.fill(stream).await? == 0 {
            return Ok(total);
        }
    }
}

async fn read_chunked(
    stream: &mut TcpStream,
    buffer: &mut ReadBuffer,
    mut body: Option<&mut Vec<u8>>,
    limit: usize,
) -> Result<u64, ExchangeError> {
    let mut total = 0u64;
    loop {
        let line = read_line(stream, buffer).await?;
        let size = chunk_size(buffer.unread().get(..line).unwrap_or_default())?;
        buffer.consume(line + 2);
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                let line = read_line(stream, buffer).await?;
                buffer.consume(line + 2);
                if line == 0 {
                    return Ok(total);
                }
            }
        }
        read_exact_body(stream, buffer, size, body.as_deref_mut(), limit).await?;
        total += size;
        let end_of_chunk = read_line(stream, buffer).await?;
        if end_of_chunk != 0 {
            return Err(ExchangeError::Protocol);
        }
        buffer.consume(2);
    }
}

/// Reads until the buffer holds a `\r\n`; returns the length of the line before it.
async fn read_line(
    stream: &mut TcpStream,
    buffer: &mut ReadBuffer,
) -> Result<usize, ExchangeError> {
    let mut searched = 0;
    loop {
        let unread = buffer.unread();
        if let Some(position) = find(unread, b"\r\n", searched) {
            return Ok(position);
        }
        searched = unread.len().saturating_sub(1);
        if unread.len() > MAX_LINE {
            return Err(ExchangeError::Protocol);
        }
        if buffer.fill(stream).await? == 0 {
            return Err(ExchangeError::Truncated);
        }
    }
}

/// The size on a chunk-size line: hex digits, then maybe `;extensions`.
fn chunk_size(line: &[u8]) -> Result<u64, ExchangeError> {
    let digits = line
        .split(|byte| *byte == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    if digits.is_empty() || digits.len() > 15 {
        return Err(ExchangeError::Protocol);
    }
    let mut size = 0u64;
    for digit in digits {
        let value = match digit {
            b'0'..=b'9' => digit - b'0',
            b'a'..=b'f' => digit - b'a' + 10,
            b'A'..=b'F' => digit - b'A' + 10,
            _ => return Err(ExchangeError::Protocol),
        };
        size = size * 16 + u64::from(value);
    }
    Ok(size)
}

/// Where `byte` first occurs in `haystack`, looked for eight bytes at a time. A
/// head's lines are short (20–50 bytes), where `memchr`'s set-up costs more than
/// the search: finding a line's end and its colon took about 135 instructions
/// with `memchr` and take about 100 so (callgrind, nginx's 9-line head).
fn find_byte(haystack: &[u8], byte: u8) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let pattern = ONES * u64::from(byte);
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        // A byte of `x` is zero where the chunk holds `byte`; the lowest high
        // bit left by the subtraction marks the first such byte (a borrow can
        // only mark bytes after it, which little-endian order puts higher).
        let x = u64::from_le_bytes(word) ^ pattern;
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|candidate| *candidate == byte)
        .map(|position| offset + position)
}

/// Where the blank line that ends a head starts (`\r\n\r\n`), looking from `from`.
fn find_head_end(haystack: &[u8], from: usize) -> Option<usize> {
    static HEAD_END: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\r\n\r\n"));
    HEAD_END
        .find(haystack.get(from..)?)
        .map(|position| position + from)
}

/// Where `needle` first occurs in `haystack` at or after `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(haystack.get(from..)?, needle).map(|position| position + from)
}

/// Bytes read from a connection and not yet parsed: `data[start..end]`.
struct ReadBuffer {
    data: Vec<u8>,
    start: usize,
    end: usize,
}

impl ReadBuffer {
    fn new() -> ReadBuffer {
        ReadBuffer {
            data: vec![0; INITIAL_BUFFER],
            start: 0,
            end: 0,
        }
    }

    fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    fn is_empty(&self) -> bool {
        self.start == self.end
    }

    fn unread(&self) -> &[u8] {
        self.data.get(self.start..self.end).unwrap_or_default()
    }

    fn consume(&mut self, count: usize) {
        self.start = (self.start + count).min(self.end);
        if self.start == self.end {
            self.clear();
        }
    }

    /// Reads what the connection has into the free space (made by moving the
    /// unread bytes to the front, or by growing while a head does not fit);
    /// 0 at the end of the stream.
    async fn fill(&mut self, stream: &mut TcpStream) -> io::Result<usize> {
        if self.end == self.data.len() {
            if self.start > 0 {
                self.data.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else {
                let grown = (self.data.len() * 2).min(MAX_HEAD + INITIAL_BUFFER);
                if grown <= self.data.len() {
                    return Err(io::Error::other("the response head is too large"));
                }
                self.data.resize(grown, 0);
            }
        }
        let free = self.data.get_mut(self.end..).unwrap_or_default();
        let read = stream.read(free).await?;
        self.end += read;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_line_and_headers_are_read_with_their_framing() {
        let head = parse_head(
            b"HTTP/1.1 201 Created\r\nContent-Length: 12\r\nX-A: 1\r\nx-a: 2\r\n\r\n",
            None,
        )
        .unwrap();
        assert_eq!(
            head,
            Head {
                status: 201,
                content_length: Some(12),
                chunked: false,
                keep_alive: true
            }
        );
        let old = parse_head(b"HTTP/1.0 200 OK\r\n\r\n", None).unwrap();
        assert!(!old.keep_alive);
        let kept = parse_head(b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n", None).unwrap();
        assert!(kept.keep_alive);
        let chunked = parse_head(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n",
            None,
        )
        .unwrap();
        assert!(chunked.chunked && !chunked.keep_alive);
        // One token or a list, any case and spacing; lines may end in a bare `\n`.
        let listed =
            parse_head(b"HTTP/1.1 200 OK\nConnection: Upgrade ,CLOSE\r\n\r\n", None).unwrap();
        assert!(!listed.keep_alive);
        let spaced =
            parse_head(b"HTTP/1.0 200 OK\r\nconnection:  Keep-Alive \r\n\r\n", None).unwrap();
        assert!(spaced.keep_alive);
        let other = parse_head(b"HTTP/1.0 200 OK\r\nConnection: upgrade\r\n\r\n", None).unwrap();
        assert!(!other.keep_alive);
    }

    /// A response for `parse_head` to write captured headers into.
    fn unfilled_response() -> HttpResponse {
        HttpResponse {
            status: 0,
            headers: Vec::new(),
            body: Vec::new(),
            encoded: None,
            duration: std::time::Duration::ZERO,
            head_after: None,
            connecting: None,
            url: String::new(),
            cookies: Vec::new(),
            version: "HTTP/1.1",
        }
    }

    #[test]
    fn captured_headers_are_lowercase_one_per_value_grouped_by_name() {
        let mut response = unfilled_response();
        parse_head(
            b"HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Type: text/plain\r\nx-a: 2\r\n\r\n",
            Some(&mut response),
        )
        .unwrap();
        assert_eq!(
            response.headers,
            vec![
                ("x-a".to_string(), "1".to_string()),
                ("x-a".to_string(), "2".to_string()),
                ("content-type".to_string(), "text/plain".to_string())
            ]
        );
    }

    #[test]
    fn the_head_cache_answers_as_parsing_does_whatever_byte_changes() {
        let original: &[u8] = b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 21\r\nConnection: keep-alive\r\n\r\n";
        let mut heads = HeadCache::default();
        for at in 0..original.len() {
            for byte in [b'0', b'9', b'x', b' ', b':', b'\n', b'c'] {
                let mut changed = original.to_vec();
                changed[at] = byte;
                // The original first, so that the cache holds it when the changed
                // head comes, and again after, when it holds the changed one.
                for head in [original, &changed[..], &changed[..], original] {
                    // As `exchange` does: the known head, or else a parse.
                    let cached = match heads.starting(head) {
                        Some((_, known)) => Ok(known),
                        None => heads.parse(head, None),
                    }
                    .map_err(|error| format!("{error:?}"));
                    let parsed = parse_head(head, None).map_err(|error| format!("{error:?}"));
                    assert_eq!(cached, parsed, "{:?}", String::from_utf8_lossy(head));
                }
            }
        }
        // A buffer that starts with the last head: its end is known; a buffer that
        // holds only part of it, or differs in a byte, must be read as it is.
        heads.parse(original, None).unwrap();
        let mut buffer = original.to_vec();
        buffer.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
        let (length, head) = heads.starting(&buffer).unwrap();
        assert_eq!(length, original.len());
        assert_eq!(head, parse_head(original, None).unwrap());
        assert_eq!(heads.starting(&original[..original.len() - 1]), None);
        buffer[original.len() / 2] ^= 1;
        assert_eq!(heads.starting(&buffer), None);
        // A `check` gets the headers even of a head the cache knows.
        heads.parse(original, None).unwrap();
        let mut response = unfilled_response();
        heads.parse(original, Some(&mut response)).unwrap();
        assert_eq!(response.headers.len(), 3);
    }

    #[test]
    fn malformed_heads_and_chunk_sizes_are_protocol_errors() {
        assert!(matches!(
            parse_head(b"SSH-2.0-OpenSSH\r\n\r\n", None),
            Err(ExchangeError::Protocol)
        ));
        assert!(matches!(
            parse_head(b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", None),
            Err(ExchangeError::Protocol)
        ));
        assert_eq!(chunk_size(b"1f;name=value").unwrap(), 31);
        assert_eq!(chunk_size(b"0").unwrap(), 0);
        assert!(chunk_size(b"xyz").is_err());
        assert!(chunk_size(b"").is_err());
    }

    #[test]
    fn find_byte_finds_the_first_occurrence_at_any_offset() {
        for length in 0..40 {
            for at in 0..length {
                let mut haystack = vec![b'a'; length];
                // A byte one above the one looked for, and the one itself, after it:
                // neither may be taken for the first.
                haystack[at] = b':';
                for later in haystack.iter_mut().skip(at + 1).step_by(3) {
                    *later = b';';
                }
                if at + 2 < length {
                    haystack[at + 2] = b':';
                }
                assert_eq!(find_byte(&haystack, b':'), Some(at), "{length} {at}");
            }
            assert_eq!(find_byte(&vec![b'a'; length], b':'), None);
        }
        assert_eq!(find_byte(b"\x80\x81\xff\n", b'\n'), Some(3));
        assert_eq!(
            find_byte(b"\x00\x01\x00\x00\x00\x00\x00\x00\x00", 0),
            Some(0)
        );
        assert_eq!(
            find_byte(b"\x01\x01\x01\x01\x01\x01\x01\x01\x00", 0),
            Some(8)
        );
    }

    #[test]
    fn find_starts_where_it_is_told() {
        assert_eq!(find(b"ab\r\n\r\ncd", b"\r\n\r\n", 0), Some(2));
        assert_eq!(find(b"ab\r\n\r\ncd", b"\r\n", 3), Some(4));
        assert_eq!(find(b"ab", b"\r\n", 5), None);
        assert_eq!(find_head_end(b"ab\r\n\r\ncd", 0), Some(2));
        assert_eq!(find_head_end(b"ab\r\n\r\ncd\r\n\r\n", 3), Some(8));
        assert_eq!(find_head_end(b"ab\r\n\r", 0), None);
    }
}
