//! The core functions that take text apart or read bytes as text: `capture`
//! (a regex's first group), `split`, `decode` (bytes in a named encoding),
//! `url_decode`, `base64_decode` and `hex_decode`. Values in, a value or an `EvalError` out;
//! a failure quotes the text it was given, cut as `describe` cuts it.

use base64::Engine as _;

use crate::builtins;
use crate::value::{EvalError, Value, compile_regex, describe};

/// The first group `pattern` captures in `text`, or the whole match when the
/// pattern has no group (Hurl's `regex` filter). No match is an error that
/// shows the text: a capture that found nothing has no value to compare.
pub(super) fn capture(text: &str, pattern: &str) -> Result<Value, EvalError> {
    let regex =
        compile_regex(pattern).map_err(|error| EvalError(format!("capture: {}", error.0)))?;
    let Some(found) = regex.captures(text) else {
        return Err(EvalError(format!(
            "capture: {} does not match {}",
            describe(&Value::String(pattern.to_string())),
            describe(&Value::String(text.to_string()))
        )));
    };
    let group = if regex.captures_len() > 1 {
        found.get(1)
    } else {
        found.get(0)
    };
    match group {
        Some(group) => Ok(Value::String(group.as_str().to_string())),
        None => Err(EvalError(format!(
            "capture: {} matched {} but its first group took no part in the match",
            describe(&Value::String(pattern.to_string())),
            describe(&Value::String(text.to_string()))
        ))),
    }
}

/// The parts of `text` between the separators (Hurl's `split`); an empty
/// separator is refused rather than splitting between every character.
pub(super) fn split(text: &str, separator: &str) -> Result<Value, EvalError> {
    if separator.is_empty() {
        return Err(EvalError::new("split: the separator is empty"));
    }
    Ok(Value::List(
        text.split(separator)
            .map(|part| Value::String(part.to_string()))
            .collect(),
    ))
}

/// `bytes` read as text in the encoding `label` names (Hurl's `decode`).
/// Bytes that the encoding cannot read are an error, not U+FFFD: a test that
/// decodes wants to know the body was not what it said.
pub(super) fn decode(bytes: &[u8], label: &str) -> Result<Value, EvalError> {
    let encoding = builtins::encoding_of_label(label)
        .map_err(|error| EvalError(format!("decode: {error}")))?;
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(Value::String(text.into_owned())),
        None => Err(EvalError(format!(
            "decode: {} is not valid {}",
            describe(&Value::Bytes(bytes.to_vec())),
            encoding.name()
        ))),
    }
}

/// `%XX` escapes decoded; what they spell must be UTF-8. `+` stays `+`: a form
/// body's `+` for a space is the form's rule, not the URL's (Hurl's
/// `urlDecode` does the same).
pub(super) fn url_decode(text: &str) -> Result<Value, EvalError> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|decoded| Value::String(decoded.into_owned()))
        .map_err(|_| {
            EvalError(format!(
                "url_decode: {} decodes to bytes that are not UTF-8 text",
                describe(&Value::String(text.to_string()))
            ))
        })
}

/// The bytes standard base64 text encodes, with or without its `=` padding
/// (Hurl's `base64Decode`); surrounding whitespace is ignored.
pub(super) fn base64_decode(text: &str) -> Result<Value, EvalError> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine
        .decode(text.trim())
        .map(Value::Bytes)
        .map_err(|error| {
            EvalError(format!(
                "base64_decode: {} is not base64: {error}",
                describe(&Value::String(text.to_string()))
            ))
        })
}

/// The bytes hex text encodes (`hex`'s inverse; a `hex,…;` body of Hurl),
/// in either case; whitespace between the digits is ignored.
pub(super) fn hex_decode(text: &str) -> Result<Value, EvalError> {
    let digits: String = text.split_whitespace().collect();
    hex::decode(&digits).map(Value::Bytes).map_err(|error| {
        EvalError(format!(
            "hex_decode: {} is not hex: {error}",
            describe(&Value::String(text.to_string()))
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: Result<Value, EvalError>) -> String {
        match value {
            Ok(Value::String(text)) => text,
            other => panic!("expected a string, found {other:?}"),
        }
    }

    fn message(value: Result<Value, EvalError>) -> String {
        match value {
            Err(error) => error.0,
            Ok(value) => panic!("expected an error, found {value:?}"),
        }
    }

    #[test]
    fn capture_gives_the_first_group_or_the_match() {
        assert_eq!(text(capture("order id=42 ok", r"id=(\d+)")), "42");
        assert_eq!(text(capture("order id=42 ok", r"\d+")), "42");
        assert_eq!(text(capture("a-b", r"(?<first>\w)-(\w)")), "a");
        assert_eq!(
            message(capture("no number", r"id=(\d+)")),
            r#"capture: "id=(\\d+)" does not match "no number""#
        );
        assert_eq!(
            message(capture("b", r"(a)?b")),
            r#"capture: "(a)?b" matched "b" but its first group took no part in the match"#
        );
        assert!(message(capture("x", "(")).starts_with("capture: "));
    }

    #[test]
    fn split_on_a_separator() {
        assert_eq!(
            format!("{:?}", split("a, b,,c", ",")),
            r#"Ok(List([String("a"), String(" b"), String(""), String("c")]))"#
        );
        assert_eq!(message(split("abc", "")), "split: the separator is empty");
    }

    #[test]
    fn decode_by_label() {
        assert_eq!(text(decode(b"caf\xe9", "latin1")), "café");
        assert_eq!(text(decode("café".as_bytes(), "utf-8")), "café");
        assert_eq!(
            message(decode(b"caf\xe9", "utf-8")),
            "decode: bytes(4) 636166e9 is not valid UTF-8"
        );
        assert_eq!(
            message(decode(b"x", "latin-99")),
            "decode: `latin-99` is not an encoding label ritc knows"
        );
    }

    #[test]
    fn url_and_base64_decoding() {
        assert_eq!(text(url_decode("a%20b%2Bc+d%C3%A9")), "a b+c+dé");
        assert_eq!(
            message(url_decode("%FF")),
            r#"url_decode: "%FF" decodes to bytes that are not UTF-8 text"#
        );
        for padded_or_not in ["aGk=", "aGk", " aGk=\n"] {
            assert_eq!(
                format!("{:?}", base64_decode(padded_or_not)),
                "Ok(Bytes([104, 105]))"
            );
        }
        assert!(
            message(base64_decode("a*b")).starts_with(r#"base64_decode: "a*b" is not base64: "#)
        );
    }

    #[test]
    fn hex_decoding_takes_either_case_and_spaces() {
        assert_eq!(
            format!("{:?}", hex_decode("89 50\n4E47")),
            format!(
                "{:?}",
                Ok::<Value, EvalError>(Value::Bytes(vec![0x89, 0x50, 0x4e, 0x47]))
            )
        );
        let error = hex_decode("8g").map(|_| ()).unwrap_err();
        assert!(
            error.0.starts_with(r#"hex_decode: "8g" is not hex: "#),
            "{}",
            error.0
        );
    }
}
