//! How `-v` shows a body of what a step sent or received (an HTTP request or
//! response, a broker's message): masked first, then cut at 8 KiB, so that a cut
//! never leaves the first half of a secret in view; bytes that are not UTF-8 as
//! a count. Shared by every kind that describes an exchange; names no kind.

use crate::mask::Masker;
use std::fmt::Write as _;

/// Bodies longer than this are cut in `-v` output.
pub const SHOWN_BODY_LIMIT: usize = 8 * 1024;

/// Appends a body after a bare `marker` line, masked and then cut to the limit.
pub fn push_body(described: &mut String, marker: &str, body: &str, mask: &Masker) {
    if body.is_empty() {
        return;
    }
    let masked = mask.mask(body);
    described.push_str(marker);
    described.push('\n');
    if masked.len() > SHOWN_BODY_LIMIT {
        let mut cut = SHOWN_BODY_LIMIT;
        while !masked.is_char_boundary(cut) {
            cut -= 1;
        }
        described.push_str(masked.get(..cut).unwrap_or_default());
        let _ = writeln!(described, "\n[… {} more bytes]", masked.len() - cut);
    } else {
        described.push_str(&masked);
        if !masked.ends_with('\n') {
            described.push('\n');
        }
    }
}

/// A body as text, or how many bytes of binary data it holds.
pub fn describe_bytes(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => format!("[{} bytes of binary data]", bytes.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_body_is_cut_after_masking_and_says_how_much_is_left() {
        let mask = Masker::default();
        let mut described = String::new();
        push_body(
            &mut described,
            ">",
            &"a".repeat(SHOWN_BODY_LIMIT + 10),
            &mask,
        );
        assert!(described.starts_with(">\naaa"), "{described}");
        assert!(described.ends_with("\n[… 10 more bytes]\n"), "{described}");
        assert_eq!(describe_bytes(&[0xff, 0xfe]), "[2 bytes of binary data]");
    }
}
