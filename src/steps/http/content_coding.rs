//! Undoing a response's `Content-Encoding` (gzip, deflate, br, zstd), the same
//! for every HTTP path: the `http` step's two clients (`client`, `plain`) and the
//! bodies a `load` check reads. The body a script reads is the decoded one, never
//! longer than `--max-body` (a small gzip bomb stops there); the bytes as they came
//! stay in [`HttpResponse::encoded`] for the `raw` field, and `headers` keeps
//! `content-encoding`. It must not import `syntax`, `check` or `run`.
//!
//! Why not reqwest's own `gzip`/`brotli`/`deflate`/`zstd` features: reqwest drops
//! `content-encoding` and `content-length` from the headers it hands back and
//! never shows the undecoded bytes, and the hyper path (`plain`) and the load
//! engine's own HTTP/1.1 client (`load/raw_http.rs`) would still need a decoder of
//! their own. One decoder over the bytes read keeps the three paths alike.

use std::io::Read;

use super::client::{HttpError, HttpErrorKind, HttpResponse};
use crate::failure::Cause;

/// What a step's request says it accepts unless the script gives its own
/// `accept-encoding` (`identity` asks for the bytes as they are).
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// One content coding ritc can undo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Coding {
    Gzip,
    Deflate,
    Brotli,
    Zstd,
}

impl Coding {
    fn named(token: &str) -> Option<Option<Coding>> {
        let token = token.trim().to_ascii_lowercase();
        Some(match token.as_str() {
            "" | "identity" => None,
            "gzip" | "x-gzip" => Some(Coding::Gzip),
            "deflate" => Some(Coding::Deflate),
            "br" => Some(Coding::Brotli),
            "zstd" => Some(Coding::Zstd),
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }
}

/// Why a body could not be decoded.
#[derive(Debug, PartialEq)]
pub enum DecodeError {
    /// The decoded body passed the limit (`--max-body`).
    TooLarge { coding: &'static str, limit: usize },
    /// The bytes are not what the coding says.
    Corrupt {
        coding: &'static str,
        reason: String,
    },
    /// A coding ritc does not know (`compress`, a typo).
    Unknown { coding: String },
}

impl DecodeError {
    /// The step's failure, naming the URL.
    pub fn into_http_error(self, url: &str) -> HttpError {
        let cause = match self {
            DecodeError::TooLarge { .. } => Cause::BodyTooLarge,
            DecodeError::Corrupt { .. } | DecodeError::Unknown { .. } => Cause::ProtocolError,
        };
        let message = match self {
            DecodeError::TooLarge { coding, limit } => format!(
                "the response body, decoded from {coding}, is larger than {} (--max-body); \
                 ritc stops decoding there ({url})",
                crate::units::literal_size(limit as u64)
            ),
            DecodeError::Corrupt { coding, reason } => format!(
                "the response body is not valid {coding} (content-encoding: {coding}): \
                 {reason} ({url})"
            ),
            DecodeError::Unknown { coding } => format!(
                "the response's content-encoding \"{coding}\" is not one ritc decodes \
                 (gzip, deflate, br, zstd); send `accept-encoding: identity` to ask for \
                 the plain body ({url})"
            ),
        };
        HttpError {
            kind: HttpErrorKind::Body,
            cause,
            message,
        }
    }
}

/// Decodes `response.body` as its `content-encoding` says, in place: the bytes as
/// they came move to `encoded`. A body with no coding (or an empty one: a `HEAD`,
/// a 204) is left alone.
pub fn decode_response(response: &mut HttpResponse, limit: usize) -> Result<(), DecodeError> {
    if response.body.is_empty() {
        return Ok(());
    }
    let Some(header) = response.header("content-encoding") else {
        return Ok(());
    };
    let codings = codings(&header)?;
    if codings.is_empty() {
        return Ok(());
    }
    let decoded = decode(&codings, &response.body, limit)?;
    response.encoded = Some(std::mem::replace(&mut response.body, decoded));
    Ok(())
}

/// The codings of a `content-encoding` value, in the order they were applied.
fn codings(header: &str) -> Result<Vec<Coding>, DecodeError> {
    let mut codings = Vec::new();
    for token in header.split(',') {
        match Coding::named(token) {
            Some(Some(coding)) => codings.push(coding),
            Some(None) => {}
            None => {
                return Err(DecodeError::Unknown {
                    coding: token.trim().to_owned(),
                });
            }
        }
    }
    Ok(codings)
}

/// Undoes `codings` (the last applied first); no result is longer than `limit`.
fn decode(codings: &[Coding], bytes: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let mut current: Option<Vec<u8>> = None;
    for coding in codings.iter().rev() {
        let input = current.as_deref().unwrap_or(bytes);
        current = Some(decode_one(*coding, input, limit)?);
    }
    Ok(current.unwrap_or_else(|| bytes.to_vec()))
}

fn decode_one(coding: Coding, bytes: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let reader: Box<dyn Read + '_> = match coding {
        // Several gzip members one after the other are one body (RFC 1952 §2.2).
        Coding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(bytes)),
        // HTTP's `deflate` is the zlib format (RFC 9110 §8.4.1.2), but some servers
        // send the bare deflate stream: told apart by the zlib header's checksum.
        Coding::Deflate if has_zlib_header(bytes) => {
            Box::new(flate2::read::ZlibDecoder::new(bytes))
        }
        Coding::Deflate => Box::new(flate2::read::DeflateDecoder::new(bytes)),
        Coding::Brotli => Box::new(brotli_decompressor::Decompressor::new(bytes, 4096)),
        Coding::Zstd => Box::new(ruzstd::decoding::StreamingDecoder::new(bytes).map_err(
            |error| DecodeError::Corrupt {
                coding: coding.name(),
                reason: error.to_string(),
            },
        )?),
    };
    read_bounded(reader, coding, limit)
}

/// Reads at most `limit` bytes and one more: that one more says the body is over.
fn read_bounded(reader: impl Read, coding: Coding, limit: usize) -> Result<Vec<u8>, DecodeError> {
    let mut decoded = Vec::new();
    let mut bounded = reader.take(limit as u64 + 1);
    bounded
        .read_to_end(&mut decoded)
        .map_err(|error| DecodeError::Corrupt {
            coding: coding.name(),
            reason: error.to_string(),
        })?;
    if decoded.len() > limit {
        return Err(DecodeError::TooLarge {
            coding: coding.name(),
            limit,
        });
    }
    Ok(decoded)
}

/// Whether `bytes` open with a zlib header (RFC 1950 §2.2): method 8 and a
/// header checksum that divides by 31.
fn has_zlib_header(bytes: &[u8]) -> bool {
    match bytes {
        [method, flags, ..] => {
            method & 0x0f == 8 && (u16::from(*method) * 256 + u16::from(*flags)) % 31 == 0
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn response(encoding: &str, body: Vec<u8>) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![("content-encoding".to_string(), encoding.to_string())],
            body,
            encoded: None,
            duration: std::time::Duration::ZERO,
            head_after: None,
            connecting: None,
            url: "http://x/".to_string(),
            cookies: Vec::new(),
            version: "HTTP/1.1",
        }
    }

    #[test]
    fn gzip_is_decoded_and_the_wire_bytes_kept() {
        let wire = gzip(b"{\"a\":1}");
        let mut answer = response("gzip", wire.clone());
        decode_response(&mut answer, 1024).unwrap();
        assert_eq!(answer.body, b"{\"a\":1}");
        assert_eq!(answer.encoded, Some(wire));
    }

    #[test]
    fn deflate_is_read_with_or_without_the_zlib_wrapper() {
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zlib.write_all(b"hello").unwrap();
        let mut bare = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        bare.write_all(b"hello").unwrap();
        for wire in [zlib.finish().unwrap(), bare.finish().unwrap()] {
            let mut answer = response("deflate", wire);
            decode_response(&mut answer, 1024).unwrap();
            assert_eq!(answer.body, b"hello");
        }
    }

    #[test]
    fn brotli_and_zstd_are_decoded() {
        // Made by Python's `brotli` and the `zstd` command from the same JSON.
        let brotli =
            hex::decode("0b0c807b22636f64696e67223a226272222c226f6b223a747275657d03").unwrap();
        let zstd = hex::decode(
            "28b52ffd0458d900007b22636f64696e67223a227a737464222c226f6b223a747275657d57748dbe",
        )
        .unwrap();
        for (coding, wire, plain) in [
            ("br", brotli, &br#"{"coding":"br","ok":true}"#[..]),
            ("zstd", zstd, &br#"{"coding":"zstd","ok":true}"#[..]),
        ] {
            let mut answer = response(coding, wire);
            decode_response(&mut answer, 1024).unwrap();
            assert_eq!(answer.body, plain, "{coding}");
        }
    }

    #[test]
    fn codings_are_undone_last_first() {
        let twice = gzip(&gzip(b"inner"));
        let mut answer = response("gzip, identity, gzip", twice);
        decode_response(&mut answer, 1024).unwrap();
        assert_eq!(answer.body, b"inner");
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let wire = gzip(&vec![0u8; 10 * 1024 * 1024]);
        assert!(wire.len() < 64 * 1024);
        let mut answer = response("gzip", wire);
        assert_eq!(
            decode_response(&mut answer, 1024 * 1024),
            Err(DecodeError::TooLarge {
                coding: "gzip",
                limit: 1024 * 1024
            })
        );
    }

    #[test]
    fn corrupt_and_unknown_codings_are_errors() {
        let mut answer = response("gzip", b"not gzip".to_vec());
        assert!(matches!(
            decode_response(&mut answer, 1024),
            Err(DecodeError::Corrupt { coding: "gzip", .. })
        ));
        let mut answer = response("compress", b"x".to_vec());
        assert!(matches!(
            decode_response(&mut answer, 1024),
            Err(DecodeError::Unknown { .. })
        ));
    }

    #[test]
    fn an_empty_body_or_identity_is_left_alone() {
        let mut answer = response("gzip", Vec::new());
        decode_response(&mut answer, 1024).unwrap();
        assert_eq!(answer.encoded, None);
        let mut answer = response("identity", b"plain".to_vec());
        decode_response(&mut answer, 1024).unwrap();
        assert_eq!(
            (answer.body.as_slice(), answer.encoded),
            (&b"plain"[..], None)
        );
    }
}
