//! Characters that do not show as themselves in a source file: the parser refuses
//! them (E0109, E0110) and diagnostics print them escaped. One definition, so the
//! two cannot disagree. Imports nothing.

/// A control character other than tab and the line endings (E0109).
pub fn is_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// A bidirectional embedding, override or isolate (U+202A–U+202E,
/// U+2066–U+2069; E0110): it makes an editor show the text around it in another
/// order than the one ritc reads ("Trojan Source").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_and_line_endings_are_text_and_overrides_are_not() {
        assert!(!is_control('\t') && !is_control('\n') && !is_control('\r'));
        assert!(is_control('\0') && is_control('\u{1b}') && is_control('\u{85}'));
        for c in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            assert!(is_bidi_control(c), "{}", c.escape_unicode());
        }
        for c in ['\u{2029}', '\u{206A}', 'a', 'é', '\u{200F}'] {
            assert!(!is_bidi_control(c), "{}", c.escape_unicode());
        }
    }
}
