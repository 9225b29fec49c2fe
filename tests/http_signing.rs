//! `sigv4` against a real server, through `ritc run`: a local axum server that
//! checks AWS Signature Version 4 the way AWS does, from the request it
//! received (method, path, query, the headers the signature names, the body's
//! hash) and the secret it knows, and answers 403 when the signature does not
//! hold. The checker is written here, apart from ritc's signer, and is itself
//! held to AWS's documented example. Red cases: a wrong secret is refused by
//! the server, `sigv4` without `user` fails the step, a constant scope that
//! cannot sign is E0417.

mod common;

use std::sync::OnceLock;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use common::suite::{Suite, text};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 encoding of a query name or value (unreserved characters kept).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// The signature AWS would compute for this canonical request.
fn signature(canonical: &str, date: &str, scope: &str, secret: &str) -> String {
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in scope.split('/') {
        key = hmac(&key, part);
    }
    hex::encode(hmac(&key, &to_sign))
}

/// The canonical request of what arrived, for the headers `signed` names.
fn canonical(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> String {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (encode(&name), encode(&value)))
        .collect();
    pairs.sort();
    let query = pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut text = format!("{method}\n{path}\n{query}\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}:{}\n", value.trim()));
    }
    let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
    text.push_str(&format!(
        "\n{}\n{}",
        names.join(";"),
        hex::encode(Sha256::digest(body))
    ));
    text
}

/// 200 when the request's `Authorization` holds for `SECRET`, else 403 and why.
async fn verify(request: Request) -> impl IntoResponse {
    let (parts, body) = request.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    };
    let Some(authorization) = header("authorization") else {
        return (StatusCode::FORBIDDEN, "no authorization".to_string());
    };
    let field = |name: &str| {
        authorization
            .split([' ', ','])
            .find_map(|part| part.strip_prefix(&format!("{name}=")))
            .unwrap_or_default()
            .to_string()
    };
    let credential = field("Credential");
    let Some((key, scope)) = credential.split_once('/') else {
        return (StatusCode::FORBIDDEN, "no credential".to_string());
    };
    if key != ACCESS_KEY {
        return (StatusCode::FORBIDDEN, format!("unknown key {key}"));
    }
    let signed: Vec<(String, String)> = field("SignedHeaders")
        .split(';')
        .map(|name| (name.to_string(), header(name).unwrap_or_default()))
        .collect();
    let date = header("x-amz-date").unwrap_or_default();
    let canonical = canonical(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or_default(),
        &signed,
        &body,
    );
    let expected = signature(&canonical, &date, scope, SECRET);
    if field("Signature") == expected {
        (StatusCode::OK, format!("signed for {scope}"))
    } else {
        (
            StatusCode::FORBIDDEN,
            "signature does not match".to_string(),
        )
    }
}

fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| common::http_server::serve_in_background(Router::new().fallback(verify)))
}

fn run(source: &str, extra: &[&str]) -> (i32, String) {
    let suite = Suite::new();
    suite.file("t.rit", source);
    let base_param = format!("base={}", base());
    let mut args = vec!["t.rit"];
    if source.contains("param base") {
        args.extend(["--param", &base_param]);
    }
    args.extend_from_slice(extra);
    let output = suite.run(&args);
    (output.status.code().unwrap_or(-1), text(&output))
}

#[test]
fn the_servers_checker_agrees_with_aws_documented_example() {
    // AWS's Signature Version 4 test suite, `get-vanilla`.
    let canonical = canonical(
        "GET",
        "/",
        "",
        &[
            ("host".to_string(), "example.amazonaws.com".to_string()),
            ("x-amz-date".to_string(), "20150830T123600Z".to_string()),
        ],
        b"",
    );
    assert_eq!(
        signature(
            &canonical,
            "20150830T123600Z",
            "20150830/us-east-1/service/aws4_request",
            SECRET
        ),
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
}

#[test]
fn sigv4_signs_what_is_sent_and_hides_the_secret() {
    let source = format!(
        r#"param base = "http://127.0.0.1:1"
test "signed" {{
  GET "{{{{base}}}}/bucket/a b.txt?list-type=2&prefix=x y" sigv4 "aws:amz:eu-central-1:s3" user "{ACCESS_KEY}:{SECRET}"
  expect status == 200
  expect body contains "/eu-central-1/s3/aws4_request"
  POST "{{{{base}}}}/queue" sigv4 "aws:amz:us-east-1:sqs" user "{ACCESS_KEY}:{SECRET}" headers {{ "X-Amz-Target": "q.Send" }} json {{ body: "hello" }} query {{ Action: "Send" }}
  expect status == 200
}}
"#
    );
    let (code, output) = run(&source, &["-v"]);
    assert_eq!(code, 0, "{output}");
    assert!(!output.contains(SECRET), "{output}");
    // A wrong secret, or a scope the server does not sign for, is refused.
    let wrong = source.replace(SECRET, "not-the-secret");
    let (code, output) = run(&wrong, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("t.rit:4"), "{output}");
    assert!(output.contains("403"), "{output}");
    // Without `user` there is nothing to sign with: the step says so.
    let (code, output) = run(
        r#"test "no user" {
  GET "http://127.0.0.1:1/" sigv4 "aws:amz:eu-central-1:s3"
  expect status == 200
}
"#,
        &[],
    );
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("give `user`"), "{output}");
}

#[test]
fn a_constant_scope_that_cannot_sign_is_a_compile_error() {
    let (code, output) = run(
        r#"test "wrong" {
  GET "http://127.0.0.1:1/" sigv4 "aws:amz:eu-central-1:s3:extra" user "k:s"
  expect status == 200
}
"#,
        &[],
    );
    assert_eq!(code, 2, "{output}");
    assert!(output.contains("E0417"), "{output}");
    assert!(output.contains("`sigv4` takes"), "{output}");
}
