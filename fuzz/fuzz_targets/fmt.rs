//! `fmt` of any UTF-8 input: never a panic, a refusal always has an error
//! diagnostic inside the text, and formatted text parses to the same tree (spans
//! aside), keeps every comment and formats to itself (the properties
//! tests/fmt.rs checks on generated programs).

#![no_main]

use libfuzzer_sys::fuzz_target;
use ritc::fmt::format_source;
use ritc::source::span::FileId;

/// The parsed tree with every `Span { … }` left out: what the nodes are, not where.
fn tree_without_spans(source: &str) -> String {
    let rendered = format!("{:?}", ritc::syntax::parse(FileId(0), source).file.items);
    let mut tree = String::with_capacity(rendered.len());
    let mut rest = rendered.as_str();
    while let Some(at) = rest.find("Span {") {
        tree.push_str(&rest[..at]);
        tree.push_str("Span");
        let after = &rest[at..];
        rest = &after[after.find('}').map_or(after.len(), |close| close + 1)..];
    }
    tree.push_str(rest);
    tree
}

fn comment_texts(source: &str) -> Vec<String> {
    ritc::syntax::parse(FileId(0), source)
        .file
        .comments
        .iter()
        .map(|comment| comment.text.trim_end().to_string())
        .collect()
}

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
            assert!(
                tree_without_spans(&formatted) == tree_without_spans(source),
                "formatting changed the tree"
            );
            assert!(
                comment_texts(&formatted) == comment_texts(source),
                "formatting lost or reordered a comment"
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
