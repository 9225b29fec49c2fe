//! Parsing and checking never panic, whatever the input: random token soups and
//! mutations of every `.rit` file in the repository, for a bounded time (set
//! `RITC_FUZZ_SECONDS` to fuzz longer). A failing input is printed so that it can be
//! turned into a golden test.

use ritc::check::program::{self, SourceLoader};
use ritc::source::source_map::SourceMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// xorshift64*: deterministic, so a failure can be replayed from its seed.
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
    "redis",
    "expect",
    "warn",
    "let",
    "x",
    "=",
    "==",
    "<",
    ">=",
    "status",
    "json",
    ".",
    "a",
    "1",
    "2.5",
    "150ms",
    "99%",
    "64KB",
    "5sec",
    "\"{{",
    "}}\"",
    "\"\"\"",
    "\n",
    " ",
    ";",
    ",",
    ":",
    "fn",
    "->",
    "return",
    "if",
    "else",
    "for",
    "in",
    "eventually",
    "within",
    "every",
    "retry",
    "send",
    "receive",
    "until",
    "close",
    "service",
    "ready",
    "http",
    "setup",
    "teardown",
    "checkpoint",
    "stage",
    "on",
    "failure",
    "stop",
    "import",
    "\"std/http\"",
    "as",
    "param",
    "secret",
    "headers",
    "query",
    "timeout",
    "insecure",
    "follow",
    "redirects",
    "concurrency",
    "requests",
    "rate",
    "per",
    "ramp",
    "from",
    "to",
    "over",
    "check",
    "and",
    "or",
    "not",
    "is",
    "string",
    "exists",
    "contains",
    "matches",
    "conforms",
    "??",
    "#",
    "-",
    "+",
    "*",
    "/",
    "\\",
    "\"",
    "null",
    "true",
    "é",
    "\u{0}",
    "\t",
    "tags",
    "skip",
];

fn repository_sources() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["examples", "stdlib", "tests/ui"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|extension| extension == "rit") {
                    files.push(std::fs::read_to_string(path).unwrap_or_default());
                }
            }
        }
    }
    files
}

fn mutate(rng: &mut Rng, source: &str) -> String {
    let mut bytes = source.as_bytes().to_vec();
    for _ in 0..=rng.below(8) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(4) {
            0 => {
                bytes.remove(at);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                bytes.splice(at..at, token.bytes());
            }
            2 => {
                let other = rng.below(bytes.len());
                bytes.swap(at, other);
            }
            _ => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn soup(rng: &mut Rng) -> String {
    (0..rng.below(120))
        .map(|_| TOKENS[rng.below(TOKENS.len())])
        .collect::<Vec<_>>()
        .join(if rng.below(2) == 0 { " " } else { "" })
}

/// Serves one in-memory file and refuses imports of anything else.
struct OneFile(String);

impl SourceLoader for OneFile {
    fn read(&mut self, path: &Path) -> Result<String, String> {
        if path == Path::new("fuzz.rit") {
            Ok(self.0.clone())
        } else {
            Err("no such file".to_string())
        }
    }
}

fn check_does_not_panic(source: &str) {
    let mut sources = SourceMap::default();
    let file = sources.add("fuzz.rit".to_string(), source.to_string());
    let parsed = ritc::syntax::parse(file, source);
    for diagnostic in &parsed.diagnostics {
        assert!(
            diagnostic.primary.span.end as usize <= source.len(),
            "span past the end for {source:?}"
        );
    }
    let _ = ritc::diagnostics::render::human(&sources, &parsed.diagnostics);
    let mut loader = OneFile(source.to_string());
    if let Ok((program, diagnostics)) =
        ritc::check::check_files(&[PathBuf::from("fuzz.rit")], &mut loader)
    {
        let _ = ritc::diagnostics::render::human(&program.sources, &diagnostics);
        if !diagnostics.iter().any(|diagnostic| diagnostic.is_error()) {
            let _ = ritc::plan::lower(&program);
        }
    }
    let _ = program::normalize(Path::new("a/../b"));
}

#[test]
fn parsing_and_checking_never_panic() {
    let seconds = std::env::var("RITC_FUZZ_SECONDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(10);
    let budget = Duration::from_secs(seconds);
    let sources = repository_sources();
    assert!(!sources.is_empty());
    let started = Instant::now();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut cases = 0;
    while started.elapsed() < budget {
        let input = if rng.below(3) == 0 {
            soup(&mut rng)
        } else {
            let base = &sources[rng.below(sources.len())];
            mutate(&mut rng, base)
        };
        let result = std::panic::catch_unwind(|| check_does_not_panic(&input));
        assert!(result.is_ok(), "panicked on input:\n{input:?}");
        cases += 1;
    }
    assert!(cases > 100, "only {cases} cases in {seconds}s");
}

#[test]
fn pathological_inputs_are_diagnostics_not_crashes() {
    let deep_brackets = "let x = ".to_string() + &"[".repeat(100_000);
    let deep_parens =
        "test \"x\" { expect ".to_string() + &"(".repeat(200) + "1" + &")".repeat(200) + " == 1 }";
    let long_chain = "test \"x\" { expect 1".to_string() + &" + 1".repeat(5_000) + " == 1 }";
    let many_nots = "test \"x\" { expect ".to_string() + &"not ".repeat(2_000) + "true }";
    let unterminated = "test \"x\" { run \"".to_string() + &"a".repeat(10_000);
    for input in [
        deep_brackets,
        deep_parens,
        long_chain,
        many_nots,
        unterminated,
        "\u{feff}".to_string(),
        "\0\0".to_string(),
    ] {
        check_does_not_panic(&input);
    }
}

/// Found by `fuzz/run.sh` (cargo fuzz, target `check`, a 1 s timeout): two functions
/// of one name, only one of them with an expectation, sent the checker's effect
/// analysis round its fixed-point loop forever. Both orders; each must be checked
/// (E0202) well within the time limit.
#[test]
fn a_function_defined_twice_with_different_effects_is_checked_in_bounded_time() {
    let with_expectation = "fn f() {\n  expect 1 == 1\n}\n";
    let without = "fn f() {\n}\n";
    for source in [
        format!("{without}\n{with_expectation}"),
        format!("{with_expectation}\n{without}"),
        format!("{without}\nfn f() {{\n  GET \"http://127.0.0.1:1\"\n}}\n"),
    ] {
        let (sender, receiver) = std::sync::mpsc::channel();
        let input = source.clone();
        std::thread::spawn(move || {
            let mut loader = OneFile(input);
            let checked = ritc::check::check_files(&[PathBuf::from("fuzz.rit")], &mut loader);
            let codes: Vec<&str> = checked
                .map(|(_, diagnostics)| {
                    diagnostics
                        .iter()
                        .filter(|diagnostic| diagnostic.is_error())
                        .map(|diagnostic| diagnostic.code.id)
                        .collect()
                })
                .unwrap_or_default();
            sender.send(codes).ok();
        });
        let codes = receiver
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("checking did not finish in 10 s:\n{source}"));
        assert!(
            codes.contains(&"E0202"),
            "no E0202 for:\n{source}\n{codes:?}"
        );
    }
}
