//! `fmt` of any UTF-8 input: never a panic, a refusal always has an error
//! diagnostic inside the text, and formatted text formats to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ritc::fmt::format_source;
use ritc::syntax::span::FileId;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    match format_source(FileId(0), source) {
        Ok(formatted) => {
            let again = format_source(FileId(0), &formatted);
            assert!(
                again.as_ref().is_ok_and(|text| *text == formatted),
                "formatting is not a fixed point"
            );
        }
        Err(diagnostics) => {
            assert!(diagnostics.iter().any(|diagnostic| diagnostic.is_error()));
            for diagnostic in &diagnostics {
                assert!(diagnostic.primary.span.end as usize <= source.len());
            }
        }
    }
});
