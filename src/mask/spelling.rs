//! The spellings one secret takes on the wire and in what is printed about it, and
//! finding them in a text. Escapes that work a character at a time (percent- and
//! form-encoding, JSON escapes once or twice, `\uXXXX`, shell and HTML quoting) are
//! tried for each character of the secret, so any mix of them is found: an encoder
//! that leaves `@` alone and one that writes `%40` both lose. Encodings of the
//! whole (base64, hex) are matched as they are; base64 also at the two other
//! alignments a secret has inside a longer encoded text (`user:secret`).

use base64::Engine as _;
use std::ops::Range;

/// A base64 piece shorter than this could be found by chance in any token.
const SHORTEST_BASE64_CORE: usize = 6;

/// The start of a secret left before a cut is masked from this many characters:
/// one or two could be the start of anything.
const SHORTEST_CUT_PIECE: usize = 3;

/// The longest spelling of one character (`\\\\u00e9`-like escapes and four
/// percent-encoded bytes), which bounds how far before a cut a secret can start.
const LONGEST_CHARACTER_SPELLING: usize = 14;

pub struct Spellings {
    /// For each character of the secret (when it is text): every way to write it.
    characters: Vec<Vec<String>>,
    /// The bytes a spelling of the first character starts with: elsewhere no
    /// match is tried.
    starts: [bool; 256],
    /// Encodings of the whole secret, each with whether it is base64 (a match then
    /// also takes the base64 characters around it, which carry bits of the secret).
    whole: Vec<(String, bool)>,
}

impl Spellings {
    pub fn of_text(text: &str) -> Spellings {
        let characters: Vec<Vec<String>> = text.chars().map(character_spellings).collect();
        let mut starts = [false; 256];
        for spelling in characters.first().into_iter().flatten() {
            if let Some(&byte) = spelling.as_bytes().first() {
                starts[usize::from(byte)] = true;
            }
        }
        Spellings {
            characters,
            starts,
            whole: whole_spellings(text.as_bytes()),
        }
    }

    /// Bytes that are not text (an HMAC) are only ever shown encoded.
    pub fn of_bytes(bytes: &[u8]) -> Spellings {
        match std::str::from_utf8(bytes) {
            Ok(text) => Spellings::of_text(text),
            Err(_) => Spellings {
                characters: Vec::new(),
                starts: [false; 256],
                whole: whole_spellings(bytes),
            },
        }
    }

    /// Appends the byte range of every spelling of the secret found in `text`.
    pub fn find(&self, text: &str, found: &mut Vec<Range<usize>>) {
        let bytes = text.as_bytes();
        if !self.characters.is_empty() {
            let mut start = 0;
            while start < bytes.len() {
                let matched = self
                    .could_start(bytes, start)
                    .then(|| self.match_at(bytes, start))
                    .flatten();
                match matched {
                    Some(end) => {
                        found.push(start..end);
                        start = end;
                    }
                    None => start += 1,
                }
            }
        }
        for (spelling, is_base64) in &self.whole {
            for (start, _) in text.match_indices(spelling.as_str()) {
                let mut range = start..start + spelling.len();
                if *is_base64 {
                    range = widen_over_base64(bytes, range);
                }
                found.push(range);
            }
        }
    }

    /// Appends the range of the start of the secret that ends right at `cut`
    /// (where a long text was cut short, before its `…`), if at least
    /// `SHORTEST_CUT_PIECE` characters of it are there.
    pub fn find_cut_piece(&self, text: &str, cut: usize, found: &mut Vec<Range<usize>>) {
        let bytes = text.as_bytes();
        let reach = self.characters.len() * LONGEST_CHARACTER_SPELLING;
        for start in cut.saturating_sub(reach)..cut {
            if !self.could_start(bytes, start) {
                continue;
            }
            let mut positions = vec![start];
            for (index, spellings) in self.characters.iter().enumerate() {
                positions = step(bytes, &positions, spellings);
                positions.retain(|&position| position <= cut);
                if positions.is_empty() {
                    break;
                }
                if index + 1 >= SHORTEST_CUT_PIECE && positions.contains(&cut) {
                    found.push(start..cut);
                    return;
                }
            }
        }
    }

    /// Whether a spelling of the secret's first character starts at `position`.
    fn could_start(&self, bytes: &[u8], position: usize) -> bool {
        bytes
            .get(position)
            .and_then(|&byte| self.starts.get(usize::from(byte)))
            .copied()
            .unwrap_or(false)
    }

    /// The end of the longest run of spellings, one per character, from `start`.
    fn match_at(&self, bytes: &[u8], start: usize) -> Option<usize> {
        let mut positions = vec![start];
        for spellings in &self.characters {
            positions = step(bytes, &positions, spellings);
            if positions.is_empty() {
                return None;
            }
        }
        positions.last().copied()
    }
}

/// Where each of `positions` goes on when one of `spellings` follows it.
fn step(bytes: &[u8], positions: &[usize], spellings: &[String]) -> Vec<usize> {
    let mut next: Vec<usize> = positions
        .iter()
        .flat_map(|&position| {
            spellings.iter().filter_map(move |spelling| {
                bytes
                    .get(position..)
                    .filter(|rest| rest.starts_with(spelling.as_bytes()))
                    .map(|_| position + spelling.len())
            })
        })
        .collect();
    next.sort_unstable();
    next.dedup();
    next
}

/// Every way one character is written by the encoders and quoters ritc and servers
/// use: itself, percent-encoded (either case of hex), `+` for a space, JSON escapes
/// and `\uXXXX` (either case), the same escaped a second time (JSON inside a JSON
/// string), a backslash before punctuation (shell, JSON), the shell's `'\''`, and
/// HTML entities.
fn character_spellings(character: char) -> Vec<String> {
    let mut spellings = vec![character.to_string()];
    let mut utf8 = [0; 4];
    let encoded = character.encode_utf8(&mut utf8);
    let percent: String = encoded.bytes().map(|byte| format!("%{byte:02X}")).collect();
    spellings.push(percent.to_ascii_lowercase());
    spellings.push(percent);
    if character == ' ' {
        spellings.push("+".to_string());
    }
    let mut json = match character {
        '"' => vec!["\\\"".to_string()],
        '\\' => vec!["\\\\".to_string()],
        '/' => vec!["\\/".to_string()],
        '\n' => vec!["\\n".to_string()],
        '\r' => vec!["\\r".to_string()],
        '\t' => vec!["\\t".to_string()],
        '\u{8}' => vec!["\\b".to_string()],
        '\u{c}' => vec!["\\f".to_string()],
        _ => Vec::new(),
    };
    let mut units = [0; 2];
    let unicode: String = character
        .encode_utf16(&mut units)
        .iter()
        .map(|unit| format!("\\u{unit:04x}"))
        .collect();
    json.push(unicode.to_ascii_uppercase().replace("\\U", "\\u"));
    json.push(unicode);
    let twice: Vec<String> = json
        .iter()
        .map(|escaped| escaped.replace('\\', "\\\\").replace('"', "\\\""))
        .collect();
    spellings.extend(json);
    spellings.extend(twice);
    if character.is_ascii_punctuation() || character == ' ' {
        spellings.push(format!("\\{character}"));
    }
    let html: &[&str] = match character {
        '&' => &["&amp;", "&#38;"],
        '<' => &["&lt;", "&#60;"],
        '>' => &["&gt;", "&#62;"],
        '"' => &["&quot;", "&#34;"],
        '\'' => &["'\\''", "'\"'\"'", "&#39;", "&#x27;", "&apos;"],
        _ => &[],
    };
    spellings.extend(html.iter().map(|spelling| spelling.to_string()));
    spellings.sort();
    spellings.dedup();
    spellings
}

/// Hex of the whole, and the base64 characters that only the secret's bits decide,
/// at each of the three offsets it can have in a longer encoded text, in the
/// standard and the URL alphabet.
fn whole_spellings(bytes: &[u8]) -> Vec<(String, bool)> {
    let mut spellings = Vec::new();
    if bytes.len() >= 4 {
        let hex = hex::encode(bytes);
        spellings.push((hex.to_ascii_uppercase(), false));
        spellings.push((hex, false));
    }
    for offset in 0..3 {
        let mut padded = vec![0; offset];
        padded.extend_from_slice(bytes);
        // Character j holds bits 6j..6j+6; the secret's are 8·offset..8·(offset+len).
        let first = (8 * offset).div_ceil(6);
        let end = (8 * (offset + bytes.len())) / 6;
        if end < first + SHORTEST_BASE64_CORE {
            continue;
        }
        for engine in [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::URL_SAFE,
        ] {
            let encoded = engine.encode(&padded);
            if let Some(core) = encoded.get(first..end) {
                spellings.push((core.to_string(), true));
            }
        }
    }
    spellings.sort();
    spellings.dedup();
    spellings
}

/// A base64 match taken out to the whole token: the characters at its edges mix
/// bits of the secret with bits of what surrounds it. `/` ends the token on both
/// sides so that a path around it stays readable.
fn widen_over_base64(bytes: &[u8], range: Range<usize>) -> Range<usize> {
    let inside = |byte: &u8| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'_');
    let mut start = range.start;
    while start > 0 && bytes.get(start - 1).is_some_and(inside) {
        start -= 1;
    }
    let mut end = range.end;
    while bytes
        .get(end)
        .is_some_and(|byte| inside(byte) || *byte == b'=')
    {
        end += 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(secret: &str, text: &str) -> Vec<String> {
        let mut ranges = Vec::new();
        Spellings::of_text(secret).find(text, &mut ranges);
        ranges.sort_by_key(|range| (range.start, range.end));
        ranges.dedup();
        ranges
            .into_iter()
            .map(|range| text[range].to_string())
            .collect()
    }

    #[test]
    fn every_percent_and_form_style_is_found() {
        let secret = "p@ss wörd!";
        for spelling in [
            "p%40ss%20w%C3%B6rd%21",
            "p@ss%20w%C3%B6rd!",
            "p@ss+w%c3%b6rd!",
            "p%40ss+wörd%21",
        ] {
            assert_eq!(found(secret, &format!("?a={spelling}&b=1")), [spelling]);
        }
    }

    #[test]
    fn json_escapes_once_twice_and_unicode_are_found() {
        let secret = "it's \"q\" é\\";
        for spelling in [
            r#"it's \"q\" é\\"#,
            r#"it's \\\"q\\\" \\u00e9\\\\"#,
            r#"it's \"q\" \u00e9\\"#,
            r#"it\u0027s \u0022q\u0022 \u00E9\u005c"#,
        ] {
            assert_eq!(found(secret, spelling), [spelling], "{spelling}");
        }
    }

    #[test]
    fn shell_and_html_quoting_are_found() {
        assert_eq!(found("it's a&b", "echo 'it'\\''s a&b'"), ["it'\\''s a&b"]);
        assert_eq!(
            found("it's a&b", "<td>it&#39;s a&amp;b</td>"),
            ["it&#39;s a&amp;b"]
        );
        assert_eq!(
            found("a \"b\"", "sh -c \"echo a \\\"b\\\"\""),
            ["a \\\"b\\\""]
        );
    }

    #[test]
    fn base64_is_found_at_every_offset_and_takes_the_whole_token() {
        use base64::engine::general_purpose::STANDARD;
        let secret = "s3cret-value";
        for prefix in ["", "a", "ab", "admin:"] {
            let token = STANDARD.encode(format!("{prefix}{secret}"));
            let text = format!("authorization: Basic {token}\nnext");
            assert_eq!(found(secret, &text), [token.as_str()], "{prefix}");
        }
        let bytes = [0xff, 0x00, 0x10, 0x80, 0x7f];
        let mut ranges = Vec::new();
        Spellings::of_bytes(&bytes).find("sig=ff0010807f x=FF0010807F", &mut ranges);
        ranges.sort_by_key(|range| range.start);
        assert_eq!(ranges, [4..14, 17..27]);
    }

    #[test]
    fn unrelated_text_is_left_alone() {
        assert!(found("p@ss word", "p@ss-word p%40ss pass word").is_empty());
    }
}
