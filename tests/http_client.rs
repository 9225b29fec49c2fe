//! The HTTP client of the `http` step against real local servers: an axum app on
//! 127.0.0.1 for plain HTTP and a native-tls listener with a self-signed certificate
//! for HTTPS.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use ritc::mask::Masker;
use ritc::steps::http::client::{
    HttpErrorKind, HttpRequest, HttpResponse, HttpSession, MultipartField, RequestBody,
    describe_exchange, load_client,
};
use ritc::value::FilePart;
use serde_json::{Value, json};

mod common;

// ---------------------------------------------------------------- the test server

/// Echoes the request as JSON: method, path, raw query, headers (each name with all
/// its values) and body (as text and as hex). Also answers with `x-method`, so that a
/// HEAD request can be checked.
async fn echo(request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &parts.headers {
        headers
            .entry(name.as_str().to_owned())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    let echoed = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&bytes),
        "body_hex": hex::encode(&bytes),
    });
    let mut response = axum::Json(echoed).into_response();
    if let Ok(method) = HeaderValue::from_str(parts.method.as_str()) {
        response.headers_mut().insert("x-method", method);
    }
    response
}

async fn repeated_header() -> Response {
    let mut headers = HeaderMap::new();
    headers.append("x-multi", HeaderValue::from_static("one"));
    headers.append("x-multi", HeaderValue::from_static("two"));
    headers.append("x-multi", HeaderValue::from_static("three"));
    headers.insert("x-single", HeaderValue::from_static("alone"));
    (headers, "ok").into_response()
}

/// Echoes each part: name, file name, content type and bytes.
async fn multipart_echo(mut multipart: Multipart) -> Response {
    let mut parts = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().map(str::to_owned);
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let bytes = field.bytes().await.unwrap_or_default();
        parts.push(json!({
            "name": name,
            "filename": file_name,
            "content_type": content_type,
            "bytes": bytes.to_vec(),
        }));
    }
    axum::Json(Value::Array(parts)).into_response()
}

fn redirect_to(location: &'static str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location)], "moved").into_response()
}

async fn slow_headers() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "late"
}

/// Sends the headers at once and the body only after 10 s.
async fn slow_body() -> Response {
    let chunks = futures_util::stream::unfold(0, |sent| async move {
        if sent == 0 {
            Some((
                Ok::<Bytes, std::io::Error>(Bytes::from_static(b"start ")),
                1,
            ))
        } else if sent == 1 {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Some((Ok(Bytes::from_static(b"end")), 2))
        } else {
            None
        }
    });
    Response::new(Body::from_stream(chunks))
}

async fn set_cookie() -> Response {
    let mut headers = HeaderMap::new();
    headers.append(
        header::SET_COOKIE,
        HeaderValue::from_static("session=abc123; Path=/"),
    );
    headers.append(
        header::SET_COOKIE,
        HeaderValue::from_static("theme=dark; Path=/"),
    );
    (headers, "cookies set").into_response()
}

async fn show_cookies(headers: HeaderMap) -> String {
    headers
        .get(header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

fn app() -> Router {
    Router::new()
        .route("/echo", any(echo))
        .route("/repeated-header", get(repeated_header))
        .route("/multipart", post(multipart_echo))
        .route("/redirect", get(|| async { redirect_to("/echo") }))
        .route(
            "/redirect-loop",
            get(|| async { redirect_to("/redirect-loop") }),
        )
        .route("/slow-headers", get(slow_headers))
        .route("/slow-body", get(slow_body))
        .route("/set-cookie", get(set_cookie))
        .route("/cookies", get(show_cookies))
}

/// Starts the app on a free port of 127.0.0.1 and returns its base URL.
async fn start_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app()).await.unwrap() });
    format!("http://{address}")
}

fn request(method: &str, url: String) -> HttpRequest {
    HttpRequest {
        method: method.to_owned(),
        url,
        headers: Vec::new(),
        query: Vec::new(),
        body: RequestBody::None,
        timeout: Duration::from_secs(10),
        follow_redirects: false,
        insecure: false,
        max_body: ritc::steps::http::client::DEFAULT_MAX_BODY_BYTES,
        transport: Default::default(),
        path_as_is: false,
        limit_rate: None,
    }
}

async fn send(session: &HttpSession, request: HttpRequest) -> HttpResponse {
    match session.send(request).await {
        Ok(response) => response,
        Err(error) => panic!("request failed: {error:?}"),
    }
}

fn body_json(response: &HttpResponse) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

fn header<'a>(response: &'a HttpResponse, name: &str) -> Option<&'a str> {
    response
        .headers
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

// ---------------------------------------------------------------- methods and headers

#[tokio::test]
async fn every_method_reaches_the_server() {
    let base = start_server().await;
    let session = HttpSession::new();
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] {
        let response = send(&session, request(method, format!("{base}/echo"))).await;
        assert_eq!(response.status, 200, "{method}");
        assert_eq!(header(&response, "x-method"), Some(method));
        if method == "HEAD" {
            assert!(response.body.is_empty());
        } else {
            assert_eq!(body_json(&response)["method"], method);
        }
        assert_eq!(response.url, format!("{base}/echo"));
        assert!(response.duration > Duration::ZERO);
    }
}

#[tokio::test]
async fn headers_are_sent_with_a_default_user_agent() {
    let base = start_server().await;
    let session = HttpSession::new();
    let mut sent = request("GET", format!("{base}/echo"));
    sent.headers = vec![
        ("X-Custom".to_owned(), "value 1".to_owned()),
        ("x-twice".to_owned(), "a".to_owned()),
        ("x-twice".to_owned(), "b".to_owned()),
    ];
    let echoed = body_json(&send(&session, sent).await);
    assert_eq!(echoed["headers"]["x-custom"], json!(["value 1"]));
    assert_eq!(echoed["headers"]["x-twice"], json!(["a", "b"]));
    let user_agent = format!("ritc/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(echoed["headers"]["user-agent"], json!([user_agent]));

    let mut own_agent = request("GET", format!("{base}/echo"));
    own_agent.headers = vec![("User-Agent".to_owned(), "mine/1.0".to_owned())];
    let echoed = body_json(&send(&session, own_agent).await);
    assert_eq!(echoed["headers"]["user-agent"], json!(["mine/1.0"]));
}

#[tokio::test]
async fn a_repeated_response_header_keeps_each_value_and_reads_as_them_joined() {
    let base = start_server().await;
    let response = send(
        &HttpSession::new(),
        request("GET", format!("{base}/repeated-header")),
    )
    .await;
    assert_eq!(header(&response, "x-single"), Some("alone"));
    assert_eq!(
        response.header("X-Multi").as_deref(),
        Some("one, two, three")
    );
    assert_eq!(
        response
            .headers
            .iter()
            .filter(|(name, _)| name == "x-multi")
            .map(|(_, value)| value.as_str())
            .collect::<Vec<_>>(),
        ["one", "two", "three"]
    );
    assert!(
        response
            .headers
            .iter()
            .all(|(name, _)| *name == name.to_ascii_lowercase())
    );
    assert_eq!(response.body, b"ok");
}

#[tokio::test]
async fn query_pairs_are_encoded_and_appended() {
    let base = start_server().await;
    let mut sent = request("GET", format!("{base}/echo?a=1"));
    sent.query = vec![
        ("q".to_owned(), "hello world".to_owned()),
        ("sym".to_owned(), "a&b=c/é".to_owned()),
        ("a".to_owned(), "2".to_owned()),
    ];
    let response = send(&HttpSession::new(), sent).await;
    let query = body_json(&response)["query"].as_str().unwrap().to_owned();
    assert_eq!(query, "a=1&q=hello+world&sym=a%26b%3Dc%2F%C3%A9&a=2");
    assert_eq!(response.url, format!("{base}/echo?{query}"));
}

// ---------------------------------------------------------------- bodies

#[tokio::test]
async fn a_json_body_is_sent_with_its_content_type() {
    let base = start_server().await;
    let session = HttpSession::new();
    let document = json!({ "email": "a@example.com", "tags": [1, 2], "nested": { "ok": true } });
    let mut sent = request("POST", format!("{base}/echo"));
    sent.body = RequestBody::Json(document.clone());
    let echoed = body_json(&send(&session, sent).await);
    assert_eq!(
        echoed["headers"]["content-type"],
        json!(["application/json"])
    );
    let received: Value = serde_json::from_str(echoed["body"].as_str().unwrap()).unwrap();
    assert_eq!(received, document);

    // A content type given in `headers` wins, and is sent once.
    let mut own_type = request("POST", format!("{base}/echo"));
    own_type.headers = vec![(
        "Content-Type".to_owned(),
        "application/vnd.api+json".to_owned(),
    )];
    own_type.body = RequestBody::Json(document);
    let echoed = body_json(&send(&session, own_type).await);
    assert_eq!(
        echoed["headers"]["content-type"],
        json!(["application/vnd.api+json"])
    );
}

#[tokio::test]
async fn a_form_body_is_urlencoded() {
    let base = start_server().await;
    let mut sent = request("POST", format!("{base}/echo"));
    sent.body = RequestBody::Form(vec![
        ("user".to_owned(), "ann lee".to_owned()),
        ("note".to_owned(), "a&b=c".to_owned()),
    ]);
    let echoed = body_json(&send(&HttpSession::new(), sent).await);
    assert_eq!(
        echoed["headers"]["content-type"],
        json!(["application/x-www-form-urlencoded"])
    );
    assert_eq!(echoed["body"], "user=ann+lee&note=a%26b%3Dc");
}

#[tokio::test]
async fn a_raw_body_is_sent_as_is() {
    let base = start_server().await;
    let session = HttpSession::new();
    let bytes = vec![0u8, 1, 2, 0xff, b'a'];
    let mut sent = request("PUT", format!("{base}/echo"));
    sent.body = RequestBody::Raw(bytes.clone());
    let echoed = body_json(&send(&session, sent).await);
    assert_eq!(echoed["body_hex"], hex::encode(&bytes));
    assert!(echoed["headers"].get("content-type").is_none());

    let mut typed = request("POST", format!("{base}/echo"));
    typed.headers = vec![("content-type".to_owned(), "text/csv".to_owned())];
    typed.body = RequestBody::Raw(b"a,b\n1,2\n".to_vec());
    let echoed = body_json(&send(&session, typed).await);
    assert_eq!(echoed["headers"]["content-type"], json!(["text/csv"]));
    assert_eq!(echoed["body"], "a,b\n1,2\n");
}

#[tokio::test]
async fn multipart_parts_carry_names_file_names_types_and_bytes() {
    let base = start_server().await;
    let mut sent = request("POST", format!("{base}/multipart"));
    sent.body = RequestBody::Multipart(vec![
        MultipartField::Text {
            name: "title".to_owned(),
            value: "Quarterly report".to_owned(),
        },
        MultipartField::File {
            name: "upload".to_owned(),
            part: FilePart {
                name: "data.bin".to_owned(),
                content_type: "application/octet-stream".to_owned(),
                content: vec![0, 1, 2, 255],
            },
        },
        MultipartField::File {
            name: "notes".to_owned(),
            part: FilePart {
                name: "notes.txt".to_owned(),
                content_type: "text/plain".to_owned(),
                content: b"hello".to_vec(),
            },
        },
    ]);
    let response = send(&HttpSession::new(), sent).await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(
        body_json(&response),
        json!([
            { "name": "title", "filename": null, "content_type": null,
              "bytes": b"Quarterly report".to_vec() },
            { "name": "upload", "filename": "data.bin",
              "content_type": "application/octet-stream", "bytes": [0, 1, 2, 255] },
            { "name": "notes", "filename": "notes.txt", "content_type": "text/plain",
              "bytes": b"hello".to_vec() },
        ])
    );
}

// ---------------------------------------------------------------- redirects

#[tokio::test]
async fn redirects_are_not_followed_unless_asked() {
    let base = start_server().await;
    let session = HttpSession::new();
    let response = send(&session, request("GET", format!("{base}/redirect"))).await;
    assert_eq!(response.status, 302);
    assert_eq!(header(&response, "location"), Some("/echo"));
    assert_eq!(response.url, format!("{base}/redirect"));

    let mut follow = request("GET", format!("{base}/redirect"));
    follow.follow_redirects = true;
    let response = send(&session, follow).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.url, format!("{base}/echo"));
    assert_eq!(body_json(&response)["path"], "/echo");
}

#[tokio::test]
async fn a_redirect_loop_fails_with_the_redirect_kind() {
    let base = start_server().await;
    let mut looping = request("GET", format!("{base}/redirect-loop"));
    looping.follow_redirects = true;
    let error = HttpSession::new().send(looping).await.unwrap_err();
    assert_eq!(error.kind, HttpErrorKind::Redirect, "{error:?}");
    assert_eq!(
        error.message,
        format!("too many redirects: more than 10 ({base}/redirect-loop)")
    );
}

// ---------------------------------------------------------------- failures

#[tokio::test]
async fn waiting_for_headers_past_the_timeout_is_a_timeout() {
    let base = start_server().await;
    let mut slow = request("GET", format!("{base}/slow-headers"));
    slow.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let error = HttpSession::new().send(slow).await.unwrap_err();
    assert_eq!(error.kind, HttpErrorKind::Timeout, "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(
        error.message,
        format!("timed out after 300ms ({base}/slow-headers)")
    );
}

#[tokio::test]
async fn the_timeout_covers_reading_the_body() {
    let base = start_server().await;
    let mut slow = request("GET", format!("{base}/slow-body"));
    slow.timeout = Duration::from_millis(500);
    let started = Instant::now();
    let error = HttpSession::new().send(slow).await.unwrap_err();
    assert_eq!(error.kind, HttpErrorKind::Timeout, "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error() {
    // Bind a port and free it again, so that nothing listens there.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/x");
    let error = HttpSession::new()
        .send(request("GET", url.clone()))
        .await
        .unwrap_err();
    assert_eq!(error.kind, HttpErrorKind::Connect, "{error:?}");
    assert_eq!(error.message, format!("connection refused ({url})"));
}

#[tokio::test]
async fn a_bad_url_method_or_header_is_an_invalid_request() {
    let session = HttpSession::new();
    let error = session
        .send(request("GET", "not a url".to_owned()))
        .await
        .unwrap_err();
    assert_eq!(error.kind, HttpErrorKind::InvalidRequest, "{error:?}");
    let error = session
        .send(request("GET", "ftp://127.0.0.1/x".to_owned()))
        .await
        .unwrap_err();
    assert_eq!(error.kind, HttpErrorKind::InvalidRequest, "{error:?}");
    let error = session
        .send(request("GE T", "http://127.0.0.1:1/".to_owned()))
        .await
        .unwrap_err();
    assert_eq!(error.kind, HttpErrorKind::InvalidRequest, "{error:?}");
    let mut bad_header = request("GET", "http://127.0.0.1:1/".to_owned());
    bad_header.headers = vec![("bad name".to_owned(), "v".to_owned())];
    let error = session.send(bad_header).await.unwrap_err();
    assert_eq!(error.kind, HttpErrorKind::InvalidRequest, "{error:?}");
    assert!(error.message.contains("bad name"), "{}", error.message);
}

// ---------------------------------------------------------------- cookies

#[tokio::test]
async fn cookies_last_for_one_session() {
    let base = start_server().await;
    let session = HttpSession::new();
    let response = send(&session, request("GET", format!("{base}/set-cookie"))).await;
    assert_eq!(
        response.header("set-cookie").as_deref(),
        Some("session=abc123; Path=/, theme=dark; Path=/")
    );
    let mut cookies = response.cookies.clone();
    cookies.sort();
    assert_eq!(
        cookies,
        vec![
            ("session".to_owned(), "abc123".to_owned()),
            ("theme".to_owned(), "dark".to_owned())
        ]
    );

    let response = send(&session, request("GET", format!("{base}/cookies"))).await;
    let sent = String::from_utf8(response.body.clone()).unwrap();
    assert!(sent.contains("session=abc123"), "{sent}");
    assert!(sent.contains("theme=dark"), "{sent}");

    // Another client option of the same session shares the jar.
    let mut following = request("GET", format!("{base}/cookies"));
    following.follow_redirects = true;
    let response = send(&session, following).await;
    assert!(String::from_utf8_lossy(&response.body).contains("session=abc123"));

    let fresh = HttpSession::new();
    let response = send(&fresh, request("GET", format!("{base}/cookies"))).await;
    assert!(
        response.body.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    assert!(response.cookies.is_empty());
}

// ---------------------------------------------------------------- -v output

#[tokio::test]
async fn describe_exchange_masks_secrets_everywhere() {
    let base = start_server().await;
    let secret = "s3cr3t p@ss/word".to_owned();
    let token = "tok_123456".to_owned();
    let mut sent = request("POST", format!("{base}/echo?key={token}"));
    sent.query = vec![("password".to_owned(), secret.clone())];
    sent.headers = vec![("Authorization".to_owned(), format!("Bearer {token}"))];
    sent.body = RequestBody::Json(json!({ "password": secret, "quote": "say \"hi\"" }));
    let response = send(&HttpSession::new(), sent.clone()).await;

    let text = describe_exchange(
        &sent,
        Some(&response),
        &Masker::new(vec![secret.clone(), token.clone()]),
    );
    assert!(!text.contains(&token), "{text}");
    assert!(!text.contains(&secret), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(text.contains("> POST "), "{text}");
    assert!(text.contains("key=***"), "{text}");
    assert!(text.contains("password=***"), "{text}");
    assert!(text.contains("> authorization: Bearer ***"), "{text}");
    assert!(text.contains("\"password\":\"***\""), "{text}");
    assert!(text.contains("< 200 ("), "{text}");
    assert!(text.contains("< content-type: application/json"), "{text}");

    let mut form = request("POST", format!("{base}/echo"));
    form.body = RequestBody::Form(vec![("password".to_owned(), secret.clone())]);
    let text = describe_exchange(&form, None, &Masker::new(vec![secret.clone()]));
    assert!(text.contains("password=***"), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(!text.contains("< "), "{text}");

    let mut multipart = request("POST", format!("{base}/multipart"));
    multipart.body = RequestBody::Multipart(vec![MultipartField::Text {
        name: "pin".to_owned(),
        value: secret.clone(),
    }]);
    let text = describe_exchange(&multipart, None, &Masker::new(vec![secret.clone()]));
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(text.contains("[part \"pin\"]\n***"), "{text}");
}

// ---------------------------------------------------------------- load client

#[tokio::test]
async fn the_load_client_sends_without_cookies() {
    let base = start_server().await;
    let client = load_client(false, false, 16).unwrap();
    let response = client
        .get(format!("{base}/set-cookie"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = client.get(format!("{base}/cookies")).send().await.unwrap();
    assert_eq!(response.text().await.unwrap(), "");
    let response = client.get(format!("{base}/redirect")).send().await.unwrap();
    assert_eq!(response.status(), 302);
}

// ---------------------------------------------------------------- TLS

mod tls {
    use super::*;
    use crate::common::tls::self_signed_certificate;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_native_tls::native_tls;

    /// An HTTPS server that answers every request with `200 secure`; returns its base URL.
    async fn start_tls_server() -> String {
        let (certificate, key) = self_signed_certificate();
        let identity = native_tls::Identity::from_pkcs8(&certificate, &key).unwrap();
        let acceptor = native_tls::TlsAcceptor::new(identity).unwrap();
        let acceptor = tokio_native_tls::TlsAcceptor::from(acceptor);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that rejects the certificate ends the handshake here.
                    let Ok(mut stream) = acceptor.accept(stream).await else {
                        return;
                    };
                    let mut received = Vec::new();
                    let mut buffer = [0u8; 1024];
                    while !received.windows(4).any(|window| window == b"\r\n\r\n") {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(read) => received.extend_from_slice(&buffer[..read]),
                        }
                    }
                    let answer =
                        "HTTP/1.1 200 OK\r\ncontent-length: 6\r\nconnection: close\r\n\r\nsecure";
                    let _ = stream.write_all(answer.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        format!("https://127.0.0.1:{}", address.port())
    }

    #[tokio::test]
    async fn an_untrusted_certificate_fails_unless_insecure() {
        let base = start_tls_server().await;
        let session = HttpSession::new();
        let error = session
            .send(request("GET", format!("{base}/x")))
            .await
            .unwrap_err();
        assert_eq!(error.kind, HttpErrorKind::Tls, "{error:?}");
        assert!(
            error.message.starts_with("TLS handshake failed"),
            "{}",
            error.message
        );
        assert!(
            error.message.ends_with(&format!("({base}/x)")),
            "{}",
            error.message
        );

        let mut insecure = request("GET", format!("{base}/x"));
        insecure.insecure = true;
        let response = send(&session, insecure).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.body, b"secure");

        let client = load_client(true, false, 4).unwrap();
        let response = client.get(format!("{base}/y")).send().await.unwrap();
        assert_eq!(response.text().await.unwrap(), "secure");
    }
}
