//! Large files: two halves parsed on two threads, each a part at a time. A split
//! falls where a top-level item starts, so a part parses exactly when the whole file
//! does there; any part that does not parse sends the file to the whole parse.

use super::{Lowerer, RitGrammar, Rule, next_item_line};
use crate::diagnostics::Diagnostic;
use crate::source::span::FileId;
use crate::syntax::ast::Item;
use pest::Parser as _;
use std::cell::RefCell;

/// Files at least this large are parsed in two halves at once.
const PARALLEL_THRESHOLD: usize = 64 * 1024;

/// Each half of a large file is parsed a part of about this size at a time.
const PART_SIZE: usize = 32 * 1024;

type Parsed = (Vec<Item>, Vec<Diagnostic>);

/// Parses a large file as two halves on two threads, split where a top-level item
/// starts. Both halves parse exactly when the whole file does at that split (a
/// statement never continues into a line that starts with an item keyword); when
/// either fails (say, the split fell inside a block string), `None` sends the
/// caller to the ordinary whole-file parse, which also reports the errors.
pub(super) fn parse_in_halves(file: FileId, source: &str) -> Option<Parsed> {
    if source.len() < PARALLEL_THRESHOLD {
        return None;
    }
    let split = next_item_line(source, source.len() / 2);
    if split >= source.len() {
        return None;
    }
    let (first, second) = source.split_at(split);
    std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .stack_size(64 * 1024 * 1024)
            .spawn_scoped(scope, || parse_in_parts(file, first, 0))
            .ok()?;
        let second = parse_in_parts(file, second, split);
        let first = other.join().ok()??;
        let (mut items, mut diagnostics) = first;
        let (more_items, more_diagnostics) = second?;
        items.extend(more_items);
        diagnostics.extend(more_diagnostics);
        Some((items, diagnostics))
    })
}

/// Parses `text` (at `base` in the file) a part of about `PART_SIZE` at a time, each
/// split where a top-level item starts, as `parse_in_halves` splits the file: the
/// pairs of one part are lowered and freed before the next part is parsed, and the
/// allocator reuses their memory for the next. pest keeps all the pairs of what it
/// parsed until they are lowered: for the 1 MB file of benches/flows.sh, `ritc
/// check` in two halves took 108–122 MB of RSS and 28 ms of system time (its page
/// faults), and a part at a time 79–100 MB and 8 ms (docs/performance.md). `None`
/// when a part does not parse.
fn parse_in_parts(file: FileId, text: &str, base: usize) -> Option<Parsed> {
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let end = if text.len() - start > 2 * PART_SIZE {
            next_item_line(text, start + PART_SIZE)
        } else {
            text.len()
        };
        let (part_items, part_diagnostics) = parse_part(file, &text[start..end], base + start)?;
        items.extend(part_items);
        diagnostics.extend(part_diagnostics);
        start = end;
    }
    Some((items, diagnostics))
}

fn parse_part(file: FileId, text: &str, base: usize) -> Option<Parsed> {
    let lowerer = Lowerer {
        file,
        base,
        diagnostics: RefCell::new(Vec::new()),
    };
    let pairs = RitGrammar::parse(Rule::file, text).ok()?;
    let items = lowerer.file(pairs);
    Some((items, lowerer.diagnostics.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::super::{parse, parse_with_recovery};
    use super::*;

    fn big_source(middle: &str) -> String {
        source_of_size(middle, PARALLEL_THRESHOLD * 2)
    }

    fn source_of_size(middle: &str, size: usize) -> String {
        let mut source = String::from("let base = \"http://127.0.0.1:3000\"\n");
        let mut index = 0;
        while source.len() < size {
            if index == 400 {
                source.push_str(middle);
            }
            source.push_str(&format!(
                "test \"t{index}\" timeout 5s {{\n  GET \"{{{{base}}}}/x/{index}\" headers {{ A: \"b\" }}\n  expect status == 200 # c\n}}\n\n"
            ));
            index += 1;
        }
        source
    }

    fn whole(file: FileId, source: &str) -> String {
        let lowerer = Lowerer {
            file,
            base: 0,
            diagnostics: RefCell::new(Vec::new()),
        };
        let items = match RitGrammar::parse(Rule::file, source) {
            Ok(pairs) => lowerer.file(pairs),
            Err(_) => parse_with_recovery(&lowerer, source),
        };
        format!("{items:?}")
    }

    #[test]
    fn a_large_file_parses_the_same_in_halves() {
        let source = big_source("");
        let halves = parse_in_halves(FileId(0), &source).map(|(items, _)| format!("{items:?}"));
        assert_eq!(halves, Some(whole(FileId(0), &source)));
        assert!(parse(FileId(0), &source).diagnostics.is_empty());
    }

    /// A test whose block string holds 1,500 lines that look like items.
    fn block_string_of_item_lines() -> String {
        let lines: String = (0..1500)
            .map(|index| format!("test \"inside {index}\" {{\n"))
            .collect();
        format!(
            "test \"holder\" {{\n  let text = \"\"\"\n{lines}\"\"\"\n  expect text contains \"inside\"\n}}\n"
        )
    }

    /// The parts fail, and `parse` gives the tree of the whole-file parse, clean.
    fn assert_falls_back_to_one_parse(source: &str) {
        assert!(parse_in_halves(FileId(0), source).is_none());
        let parsed = parse(FileId(0), source);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        assert_eq!(format!("{:?}", parsed.file.items), whole(FileId(0), source));
    }

    /// Each half is parsed a part at a time (`parse_in_parts`): the parts lowered
    /// one after the other make the tree of the whole file.
    #[test]
    fn a_file_of_many_parts_parses_the_same_as_a_whole() {
        let source = source_of_size("", PART_SIZE * 9);
        let half = next_item_line(&source, source.len() / 2);
        let first_part_end = next_item_line(&source, PART_SIZE);
        assert!(
            first_part_end < half && half - first_part_end > PART_SIZE,
            "several parts a half"
        );
        let parts = parse_in_halves(FileId(0), &source).map(|(items, _)| format!("{items:?}"));
        assert_eq!(parts, Some(whole(FileId(0), &source)));
    }

    /// A block string across the end of a part (not of a half): that part does not
    /// parse, and the whole parse is used, as for a split between the halves.
    #[test]
    fn a_part_that_ends_inside_a_block_string_falls_back_to_one_parse() {
        let holder = block_string_of_item_lines();
        let mut source = source_of_size("", PART_SIZE * 9);
        let at = source[PART_SIZE - 10_000..]
            .find("\ntest ")
            .map_or(PART_SIZE, |offset| PART_SIZE - 10_000 + offset + 1);
        source.insert_str(at, &holder);
        let part_end = next_item_line(&source, PART_SIZE);
        assert!(
            at < part_end && part_end < at + holder.len(),
            "the first part must end inside the block string"
        );
        assert_falls_back_to_one_parse(&source);
    }

    #[test]
    fn a_split_inside_a_block_string_falls_back_to_one_parse() {
        // A line that starts with `test` inside a block string must not be taken
        // for an item: the halves fail, and the whole parse is used.
        let holder = block_string_of_item_lines();
        let mut source = big_source("");
        let at = source[60_000..]
            .find("\ntest ")
            .map_or(60_000, |offset| 60_000 + offset + 1);
        source.insert_str(at, &holder);
        let split = next_item_line(&source, source.len() / 2);
        assert!(
            source[..split]
                .rfind("\"\"\"")
                .is_some_and(|open| open > at),
            "the split must fall inside the block string"
        );
        assert_falls_back_to_one_parse(&source);
    }
}
