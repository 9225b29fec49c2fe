//! `sigv4 "aws:amz:REGION:SERVICE"` with `user "KEY:SECRET"` (curl's and
//! Hurl's `--aws-sigv4`): the request signed with AWS Signature Version 4
//! (docs.aws.amazon.com, "Create a signed AWS API request"), written here with
//! the `hmac` and `sha2` crates the `hmac_sha256()` function already uses; the
//! algorithm is a page of hashing and no crate for it is smaller or better
//! kept than these. Pure: the caller gives the time. It must not import
//! `syntax` or `check`.
//!
//! As curl: the provider's names make the algorithm (`AWS4-HMAC-SHA256`) and
//! the date header (`x-amz-date`); the signed headers are `host`, the date,
//! `x-amz-content-sha256` for the `s3` service, and every `x-amz-…` header the
//! script gives; a region or service left out is read from an
//! `SERVICE.REGION.amazonaws.com` host.

use std::fmt::Write as _;

use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;
use sha2::{Digest, Sha256};

/// What `sigv4` names: `provider1[:provider2[:region[:service]]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningScope {
    /// `aws`: the algorithm's and the key's prefix (`AWS4`).
    pub provider: String,
    /// `amz`: the headers' (`x-amz-date`).
    pub header_provider: String,
    pub region: Option<String>,
    pub service: Option<String>,
}

impl SigningScope {
    pub fn parse(text: &str) -> Result<SigningScope, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let valid = |part: &&str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if parts.len() > 4 || !parts.iter().all(valid) {
            return Err(format!(
                "`sigv4` takes \"provider:provider:region:service\" (e.g. \"aws:amz:eu-central-1:s3\"), not {text:?}"
            ));
        }
        let part = |index: usize| parts.get(index).map(|part| (*part).to_string());
        let provider = part(0).unwrap_or_default();
        Ok(SigningScope {
            header_provider: part(1).unwrap_or_else(|| provider.clone()),
            provider,
            region: part(2),
            service: part(3),
        })
    }
}

/// What `sign` needs of a request, as it will be sent.
pub struct Signable<'a> {
    pub method: &'a str,
    /// With the query the request appends, without user info.
    pub url: &'a Url,
    /// The script's headers (a `Host` one wins over the URL's authority).
    pub headers: &'a [(String, String)],
    /// The body's bytes as sent.
    pub body: &'a [u8],
}

/// The headers to add: the date, the payload hash for S3, `Authorization`.
/// `now` is `YYYYMMDDTHHMMSSZ` (UTC).
pub fn sign(
    request: &Signable<'_>,
    scope: &SigningScope,
    access_key: &str,
    secret: &str,
    now: &str,
) -> Result<Vec<(String, String)>, String> {
    let host_name = request.url.host_str().unwrap_or_default();
    let (service, region) = match (&scope.service, &scope.region) {
        (Some(service), Some(region)) => (service.clone(), region.clone()),
        (service, region) => {
            let labels: Vec<&str> = host_name.split('.').collect();
            let from_host = match labels.as_slice() {
                [service, region, "amazonaws", "com"] => Some((*service, *region)),
                _ => None,
            };
            match (service, region, from_host) {
                (Some(service), None, Some((_, region))) => (service.clone(), region.to_string()),
                (None, None, Some((service, region))) => (service.to_string(), region.to_string()),
                _ => {
                    return Err(format!(
                        "`sigv4` names no region and service, and the host {host_name:?} is not SERVICE.REGION.amazonaws.com: write \"{}:{}:REGION:SERVICE\"",
                        scope.provider, scope.header_provider
                    ));
                }
            }
        }
    };
    let date_header = format!("x-{}-date", scope.header_provider.to_ascii_lowercase());
    let day = now.get(..8).unwrap_or_default();
    let payload_hash = hex::encode(Sha256::digest(request.body));
    let host = request
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("host"))
        .map_or_else(
            || match request.url.port() {
                Some(port) => format!("{host_name}:{port}"),
                None => host_name.to_string(),
            },
            |(_, value)| value.trim().to_string(),
        );
    let mut added = vec![(date_header.clone(), now.to_string())];
    if service == "s3" {
        let content_header = format!(
            "x-{}-content-sha256",
            scope.header_provider.to_ascii_lowercase()
        );
        added.push((content_header, payload_hash.clone()));
    }
    let own_prefix = format!("x-{}-", scope.header_provider.to_ascii_lowercase());
    let mut signed: Vec<(String, String)> = vec![("host".to_string(), host)];
    signed.extend(added.iter().cloned());
    for (name, value) in request.headers {
        let lower = name.to_ascii_lowercase();
        if lower.starts_with(&own_prefix) && !signed.iter().any(|(known, _)| *known == lower) {
            signed.push((
                lower,
                value.split_whitespace().collect::<Vec<_>>().join(" "),
            ));
        }
    }
    signed.sort();
    let signed_names = signed
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let mut canonical = format!(
        "{}\n{}\n{}\n",
        request.method.to_ascii_uppercase(),
        canonical_path(request.url, &service),
        canonical_query(request.url)
    );
    for (name, value) in &signed {
        let _ = writeln!(canonical, "{name}:{value}");
    }
    let _ = write!(canonical, "\n{signed_names}\n{payload_hash}");
    let algorithm = format!("{}4-HMAC-SHA256", scope.provider.to_ascii_uppercase());
    let request_kind = format!("{}4_request", scope.provider.to_ascii_lowercase());
    let credential_scope = format!("{day}/{region}/{service}/{request_kind}");
    let to_sign = format!(
        "{algorithm}\n{now}\n{credential_scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let key_start = format!("{}4{secret}", scope.provider.to_ascii_uppercase());
    let mut key = hmac(key_start.as_bytes(), day.as_bytes());
    for part in [region.as_str(), service.as_str(), request_kind.as_str()] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
    added.push((
        "Authorization".to_string(),
        format!(
            "{algorithm} Credential={access_key}/{credential_scope}, SignedHeaders={signed_names}, Signature={signature}"
        ),
    ));
    Ok(added)
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length: `new_from_slice` cannot fail.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// RFC 3986's unreserved characters stay; everything else is `%XX`.
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The path as sent (already percent-encoded by the URL); every service but
/// S3 encodes each segment once more, as AWS's reference says.
fn canonical_path(url: &Url, service: &str) -> String {
    let path = url.path();
    let path = if path.is_empty() { "/" } else { path };
    if service == "s3" {
        return path.to_string();
    }
    path.split('/')
        .map(|segment| utf8_percent_encode(segment, RESERVED).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// The query's pairs, each name and value encoded alike, sorted.
fn canonical_query(url: &Url) -> String {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(name, value)| {
            (
                utf8_percent_encode(&name, RESERVED).to_string(),
                utf8_percent_encode(&value, RESERVED).to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `YYYYMMDDTHHMMSSZ` for a UTC time.
pub fn amz_date(now: time::OffsetDateTime) -> String {
    let now = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's Signature Version 4 test suite, `get-vanilla` and
    /// `get-vanilla-query-order-key-case`: the documented signatures.
    #[test]
    fn signs_the_aws_test_suite_requests_as_documented() {
        let scope = SigningScope::parse("aws:amz:us-east-1:service").unwrap();
        let sign_get = |url: &str| {
            let url = Url::parse(url).unwrap();
            let headers = sign(
                &Signable {
                    method: "GET",
                    url: &url,
                    headers: &[],
                    body: b"",
                },
                &scope,
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "20150830T123600Z",
            )
            .unwrap();
            headers
                .into_iter()
                .find(|(name, _)| name == "Authorization")
                .unwrap()
                .1
        };
        assert_eq!(
            sign_get("https://example.amazonaws.com/"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(
            sign_get("https://example.amazonaws.com/?Param2=value2&Param1=value1"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
    }

    #[test]
    fn reads_scopes_and_finds_region_and_service_in_the_host() {
        let scope = SigningScope::parse("aws:amz:eu-central-1:s3").unwrap();
        assert_eq!(scope.provider, "aws");
        assert_eq!(scope.header_provider, "amz");
        assert_eq!(scope.region.as_deref(), Some("eu-central-1"));
        assert!(SigningScope::parse("aws:amz:a:b:c").is_err());
        assert!(SigningScope::parse("aws::x").is_err());
        let bare = SigningScope::parse("aws:amz").unwrap();
        let url = Url::parse("https://sts.eu-west-1.amazonaws.com/?Action=x").unwrap();
        let request = Signable {
            method: "GET",
            url: &url,
            headers: &[],
            body: b"",
        };
        let headers = sign(&request, &bare, "K", "S", "20260101T000000Z").unwrap();
        assert!(
            headers[1]
                .1
                .contains("/20260101/eu-west-1/sts/aws4_request")
        );
        let elsewhere = Url::parse("http://127.0.0.1:9000/").unwrap();
        let request = Signable {
            url: &elsewhere,
            ..request
        };
        assert!(sign(&request, &bare, "K", "S", "20260101T000000Z").is_err());
    }

    #[test]
    fn formats_the_date() {
        let at = time::macros::datetime!(2015-08-30 12:36:00 UTC);
        assert_eq!(amz_date(at), "20150830T123600Z");
    }
}
