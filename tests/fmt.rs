//! `ritc fmt`: a fixed point on every `.rit` file of the repository (STYLE.md habit
//! 11), idempotent, and meaning-preserving: the tree (spans aside) and the comments
//! are the same before and after, on every file here, every golden input and two
//! hundred generated programs laid out at random.
//!
//! Golden files: `tests/fmt/NAME.before` is formatted and compared with
//! `tests/fmt/NAME.rit`; `RITC_BLESS=1 cargo test --test fmt` rewrites the `.rit`
//! side (review the diff by eye). The inputs are not `.rit` files on purpose: they
//! are not in the canonical layout, and every `.rit` file must be.

use ritc::fmt::{MAX_WIDTH, format_source};
use ritc::source::span::FileId;
use ritc::syntax;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rit_files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_string();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                rit_files_under(&path, found);
            }
        } else if name.ends_with(".rit") {
            found.push(path);
        }
    }
}

/// Every `.rit` file of the repository, and the normative examples beside it.
fn repository_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    rit_files_under(&root(), &mut files);
    rit_files_under(&root().join("../shared/spec/examples"), &mut files);
    files.sort();
    files
}

/// The tree without its spans, as text: two trees are the same when these are.
fn tree_without_spans(source: &str) -> String {
    let parsed = syntax::parse(FileId(0), source);
    let rendered = format!("{:?}", parsed.file.items);
    let span = regex::Regex::new(
        r"Span \{ file: FileId\(\d+\), start: \d+, end: \d+, synthetic: (true|false) \}",
    )
    .expect("the span pattern is valid");
    span.replace_all(&rendered, "Span").into_owned()
}

fn comment_texts(source: &str) -> Vec<String> {
    syntax::parse(FileId(0), source)
        .file
        .comments
        .iter()
        .map(|comment| comment.text.trim_end().to_string())
        .collect()
}

fn parses_cleanly(source: &str) -> bool {
    !syntax::parse(FileId(0), source)
        .diagnostics
        .iter()
        .any(|d| d.is_error())
}

/// Formats and checks the three properties; returns the formatted text.
fn assert_formats_faithfully(name: &str, source: &str) -> String {
    let formatted = format_source(FileId(0), source).unwrap_or_else(|diagnostics| {
        panic!("{name}: not formatted: {diagnostics:?}");
    });
    assert!(
        parses_cleanly(&formatted),
        "{name}: the formatted text does not parse:\n{formatted}"
    );
    let again = format_source(FileId(0), &formatted).unwrap_or_default();
    assert_eq!(
        again, formatted,
        "{name}: formatting is not idempotent; first pass:\n{formatted}"
    );
    assert_eq!(
        tree_without_spans(&formatted),
        tree_without_spans(source),
        "{name}: formatting changed the tree; formatted:\n{formatted}"
    );
    assert_eq!(
        comment_texts(&formatted),
        comment_texts(source),
        "{name}: comments were lost or reordered; formatted:\n{formatted}"
    );
    formatted
}

#[test]
fn every_rit_file_in_the_repository_is_a_fixed_point() {
    let files = repository_files();
    assert!(files.len() > 20, "too few .rit files found: {files:?}");
    let mut checked = 0;
    let mut not_fixed = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap_or_default();
        if !parses_cleanly(&source) {
            // Files with syntax errors on purpose: the golden diagnostics of tests/ui
            // and the editors' highlighting tests. fmt refuses them.
            let on_purpose = ["tests/ui", "editors"]
                .iter()
                .any(|dir| file.starts_with(root().join(dir)));
            assert!(on_purpose, "{} does not parse", file.display());
            continue;
        }
        let formatted = assert_formats_faithfully(&file.display().to_string(), &source);
        if formatted != source {
            not_fixed.push(file.display().to_string());
        }
        checked += 1;
    }
    assert!(checked > 20);
    assert!(
        not_fixed.is_empty(),
        "not in the canonical layout: {not_fixed:#?}"
    );
}

#[test]
fn golden_files() {
    let dir = root().join("tests/fmt");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
        .unwrap_or_default();
    inputs.retain(|path| {
        path.extension()
            .is_some_and(|extension| extension == "before")
    });
    inputs.sort();
    assert!(
        inputs.len() >= 4,
        "golden inputs missing in {}",
        dir.display()
    );
    let bless = std::env::var_os("RITC_BLESS").is_some();
    for input in inputs {
        let source = std::fs::read_to_string(&input).unwrap_or_default();
        let formatted = assert_formats_faithfully(&input.display().to_string(), &source);
        let expected_path = input.with_extension("rit");
        if bless {
            std::fs::write(&expected_path, &formatted).unwrap_or_else(|error| panic!("{error}"));
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        assert_eq!(
            formatted,
            expected,
            "{} formats differently from {} (RITC_BLESS=1 rewrites it)",
            input.display(),
            expected_path.display()
        );
    }
}

#[test]
fn own_line_and_trailing_comments_stay_where_they_were() {
    let source = "# file\ntest \"a\" {   # after the brace\n  # before GET\n  GET \"http://x\"    # trailing\n\n  # alone\n  expect status == 200\n  # last\n}\n";
    let formatted = assert_formats_faithfully("comments", source);
    assert_eq!(formatted, source);
}

#[test]
fn semicolons_become_line_breaks_and_blank_lines_collapse() {
    let source = "test \"a\" { GET \"http://x\"; expect status == 200; expect body contains \"ok\" }\n\n\n\nlet a = 1;let b = 2\n";
    let formatted = assert_formats_faithfully("semicolons", source);
    assert_eq!(
        formatted,
        "test \"a\" {\n  GET \"http://x\"\n  expect status == 200\n  expect body contains \"ok\"\n}\n\nlet a = 1\nlet b = 2\n"
    );
}

#[test]
fn long_steps_put_each_clause_on_its_own_line() {
    let long = "x".repeat(MAX_WIDTH);
    let source = format!(
        "test \"a\" {{\n  GET \"http://{long}\" timeout 5s headers {{ A: \"b\" }}\n  expect status == 200\n}}\n"
    );
    let formatted = assert_formats_faithfully("long", &source);
    assert!(
        formatted.contains(&format!(
            "  GET \"http://{long}\"\n    timeout 5s\n    headers {{ A: \"b\" }}\n"
        )),
        "{formatted}"
    );
}

/// Found by `fuzz/run.sh` (cargo fuzz, target `fmt`): a clause without a value (an
/// error for the checker, but the file parses) took what followed as its value once
/// `fmt` had dropped the `;` after it: `GET u a; b` became `GET u a b`, one clause
/// instead of two, and past `MAX_WIDTH` the output was not a fixed point. Such a
/// clause keeps the `;` the source gave it (the next clause or line could be its
/// value); without one there, what followed was not its value, and the words keep
/// their order, so none is added (a kind's flag, `nats`'s `jetstream`, reads as
/// written: tests/nats.rs).
#[test]
fn a_clause_without_a_value_keeps_its_semicolon() {
    let long = "x".repeat(MAX_WIDTH);
    let cases = [
        (
            "test \"a\" {\n  GET \"http://x\" a; b\n}\n".to_string(),
            "test \"a\" {\n  GET \"http://x\" a; b\n}\n".to_string(),
        ),
        (
            format!("test \"a\" {{\n  GET \"http://x\" {long};y\n}}\n"),
            format!("test \"a\" {{\n  GET \"http://x\"\n    {long};\n    y\n}}\n"),
        ),
        (
            "test \"a\" {\n  GET \"http://x\" a; x = 1\n}\n".to_string(),
            "test \"a\" {\n  GET \"http://x\" a;\n  x = 1\n}\n".to_string(),
        ),
        (
            "test \"a\" {\n  GET \"http://x\" a; f()\n}\n".to_string(),
            "test \"a\" {\n  GET \"http://x\" a;\n  f()\n}\n".to_string(),
        ),
        (
            "test \"a\" {\n  GET \"http://x\" insecure\n}\n".to_string(),
            "test \"a\" {\n  GET \"http://x\" insecure\n}\n".to_string(),
        ),
        (
            "test \"a\" {\n  load GET \"http://x\" { a; b }\n}\n".to_string(),
            "test \"a\" {\n  load GET \"http://x\" {\n    a;\n    b\n  }\n}\n".to_string(),
        ),
        (
            "test \"a\" {\n  load GET \"http://x\" { a insecure }\n}\n".to_string(),
            "test \"a\" {\n  load GET \"http://x\" { a insecure }\n}\n".to_string(),
        ),
    ];
    for (source, expected) in cases {
        let formatted = assert_formats_faithfully("valueless clause", &source);
        assert_eq!(formatted, expected, "from:\n{source}");
    }
}

/// Found by the fmt fuzz target: `bE Te ;xpect 0` is two statements (`;` ends the
/// first), but fmt wrote them on two lines without the `;`, and the second line
/// became a clause of the first step. A statement a clause could take (a step of
/// a word the grammar does not know) now keeps a `;` before it.
#[test]
fn a_step_a_clause_could_take_keeps_the_semicolon_before_it() {
    let cases = [
        ("bE Te ;xpect 0", "bE Te;\n  xpect 0"),
        ("bE Te\n  ;xpect status == 0", "bE Te;\n  xpect status == 0"),
        ("let r = bE Te; xp 0", "let r = bE Te;\n  xp 0"),
        // After a clause, the clause's `;` and the statement's.
        (
            "GET \"http://x\" timeout 5s;; bE Te",
            "GET \"http://x\" timeout 5s;;\n  bE Te",
        ),
        (
            "GET \"http://x\" a; ; bE Te",
            "GET \"http://x\" a;;\n  bE Te",
        ),
        // One `;` after a clause is the clause's: `bE Te` is a clause here too.
        (
            "GET \"http://x\" timeout 5s; bE Te",
            "GET \"http://x\" timeout 5s bE Te",
        ),
        // A block ends the step; a statement, or a word the grammar reads as the
        // start of one, is never a clause: no `;`.
        ("bE Te {}\n  xp 0", "bE Te {}\n  xp 0"),
        ("expect 1 == 1; bE Te", "expect 1 == 1\n  bE Te"),
        ("bE Te; expect 1 == 1", "bE Te\n  expect 1 == 1"),
        ("bE Te; echo say \"x\"", "bE Te\n  echo say \"x\""),
    ];
    for (body, expected) in cases {
        let source = format!("test \"a\" {{\n  {body}\n}}\n");
        let formatted = assert_formats_faithfully("step before a clause-like step", &source);
        assert_eq!(
            formatted,
            format!("test \"a\" {{\n  {expected}\n}}\n"),
            "from:\n{source}"
        );
    }
}

/// Found by tests/fuzz_corpus.rs once the corpus changed: a block string whose last
/// line has a `#` and the closing quotes (`a # b """`) lost its end in the tree, so
/// `fmt` printed it cut at the `#`, without its closing quotes.
#[test]
fn a_hash_on_the_last_line_of_a_block_string_is_kept() {
    let source = "let q = \"\"\"\n    a # b \"\"\"\ntest \"t\" {\n  run \"\"\"\n    x # y \"\"\" # a comment\n}\n";
    let formatted = assert_formats_faithfully("block string", source);
    assert_eq!(formatted, source);
}

/// Found by the fmt fuzz target: `echo upper", "` read `upper` as the target
/// (no space before the string), and fmt's `echo upper ", "` read it as the
/// operation `upper`. The operation reading no longer needs the space.
#[test]
fn an_operation_word_right_before_its_string_reads_as_fmt_writes_it() {
    let source = "test \"a\" {\n  echo upper\", \"\n  expect text == \"a\"\n}\n";
    let formatted = assert_formats_faithfully("operation before a string", source);
    assert_eq!(formatted, source.replace("upper\"", "upper \""));
}

#[test]
fn literals_keep_their_spelling() {
    let source = "let a = 1.50s\nlet b = 0.5\nlet c = 99.5%\nlet d = 64KB\nlet e = \"\\{{not}} \\t {{ a }}\"\nlet f = \"\"\"\n    kept\n      as is   \n    \"\"\"\n";
    let formatted = assert_formats_faithfully("literals", source);
    assert_eq!(formatted, source);
}

#[test]
fn a_file_with_syntax_errors_is_refused() {
    assert!(format_source(FileId(0), "test \"a\" {\n  let x =\n}\n").is_err());
}

#[test]
fn generated_programs_format_faithfully() {
    let mut generator = Generator::new(0x5eed_f00d);
    for index in 0..200 {
        let program = generator.program();
        assert!(
            parses_cleanly(&program),
            "generated program {index} does not parse (a bug in the generator):\n{program}\n{:?}",
            syntax::parse(FileId(0), &program).diagnostics
        );
        assert_formats_faithfully(&format!("generated program {index}"), &program);
    }
}

// ---------------------------------------------------------------- the CLI

fn ritc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ritc"))
}

#[test]
fn cli_check_lists_files_that_would_change_and_exits_1() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let tidy = dir.path().join("tidy.rit");
    let messy = dir.path().join("messy.rit");
    std::fs::write(&tidy, "let a = 1\n").expect("write");
    std::fs::write(&messy, "let a = 1;let b = 2\n").expect("write");
    let output = ritc()
        .args(["fmt", "--check"])
        .arg(dir.path())
        .output()
        .expect("ritc runs");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.trim(), messy.display().to_string());
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap_or_default(),
        "let a = 1;let b = 2\n"
    );

    let output = ritc()
        .arg("fmt")
        .arg(dir.path())
        .output()
        .expect("ritc runs");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap_or_default(),
        "let a = 1\nlet b = 2\n"
    );

    let output = ritc()
        .args(["fmt", "--check"])
        .arg(dir.path())
        .output()
        .expect("ritc runs");
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
}

#[test]
fn cli_refuses_syntax_errors_and_missing_files_with_exit_2() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let broken = dir.path().join("broken.rit");
    std::fs::write(&broken, "test \"a\" {\n  let x =\n}\n").expect("write");
    let output = ritc().arg("fmt").arg(&broken).output().expect("ritc runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("E0101"));
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap_or_default(),
        "test \"a\" {\n  let x =\n}\n"
    );

    let output = ritc()
        .arg("fmt")
        .arg(dir.path().join("missing.rit"))
        .output()
        .expect("ritc runs");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn cli_formats_standard_input_to_standard_output() {
    use std::io::Write;
    let mut child = ritc()
        .args(["fmt", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("ritc runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"test \"a\" { GET \"http://x\" expect status == 200 }")
        .expect("write");
    let output = child.wait_with_output().expect("ritc ends");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "test \"a\" {\n  GET \"http://x\"\n  expect status == 200\n}\n"
    );
}

// ---------------------------------------------------------------- generated programs

/// Random programs that parse, laid out at random: any space may be a line break, a
/// blank line, or a comment; statements may share a line or end with `;`. The
/// programs need not type-check: the formatter works on syntax.
struct Generator {
    state: u64,
    comments: usize,
    depth: usize,
}

impl Generator {
    fn new(seed: u64) -> Generator {
        Generator {
            state: seed,
            comments: 0,
            depth: 0,
        }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn choose<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.below(options.len())]
    }

    /// Space between two tokens.
    fn sep(&mut self) -> String {
        match self.below(20) {
            0..=11 => " ".to_string(),
            12 | 13 => "   ".to_string(),
            14 | 15 => "\n    ".to_string(),
            16 => "\n\n\n  ".to_string(),
            17 => "\n".to_string(),
            _ => {
                self.comments += 1;
                format!("  # note {}\n  ", self.comments)
            }
        }
    }

    fn name(&mut self) -> String {
        self.choose(&[
            "a", "base", "status", "json", "body", "token", "x_1", "headers", "duration",
        ])
        .to_string()
    }

    fn literal(&mut self) -> String {
        self.choose(&[
            "42",
            "0",
            "2.5",
            "1.50",
            "150ms",
            "1.5s",
            "2m",
            "99%",
            "99.5%",
            "64KB",
            "true",
            "false",
            "null",
            "\"text\"",
            "\"a # not a comment\"",
            "\"{{base}}/x?y={{ a.b }}\"",
            "\"\\{{escaped}} \\n\"",
            "\"\"\"\n      block # text\n        kept\n      \"\"\"",
        ])
        .to_string()
    }

    fn object(&mut self) -> String {
        let count = self.below(4);
        let mut text = "{".to_string();
        for index in 0..count {
            text += &self.sep();
            let key = self.choose(&["a", "type", "\"odd-key\"", "json", "Authorization"]);
            text += key;
            text += ":";
            text += &self.sep();
            let value = self.operand();
            text += &value;
            if index + 1 < count || self.chance(30) {
                text += ",";
            }
        }
        text += &self.sep();
        text + "}"
    }

    fn list(&mut self) -> String {
        let count = self.below(4);
        let mut text = "[".to_string();
        for index in 0..count {
            text += &self.sep();
            let value = self.operand();
            text += &value;
            if index + 1 < count || self.chance(30) {
                text += ",";
            }
        }
        text += &self.sep();
        text + "]"
    }

    /// A postfix expression: an atom and its `.name`, `[i]` and `(…)`.
    fn postfix(&mut self) -> String {
        self.depth += 1;
        let deep = self.depth > 2;
        let mut text = match if deep { self.below(2) } else { self.below(7) } {
            0 => self.literal(),
            1 => self.name(),
            2 => self.object(),
            3 => self.list(),
            4 => {
                let inner = self.expr();
                let (a, b) = (self.sep(), self.sep());
                format!("({a}{inner}{b})")
            }
            5 => {
                let operand = self.postfix();
                format!("-{operand}")
            }
            _ => {
                let function = self.choose(&["len", "env", "json", "file", "h.get"]);
                let first = self.operand();
                let named = if self.chance(40) {
                    let value = self.operand();
                    format!(", type: {value}")
                } else {
                    String::new()
                };
                format!("{function}({first}{named})")
            }
        };
        if !text.starts_with('-') && !text.starts_with('"') && !text.starts_with('{') {
            for _ in 0..self.below(3) {
                if self.chance(50) {
                    let member = self.choose(&["b", "json", "type", "id"]);
                    text += &format!(".{member}");
                } else {
                    let index = self.operand();
                    text += &format!("[{index}]");
                }
            }
        }
        self.depth -= 1;
        text
    }

    /// An operand of a comparison: arithmetic over postfix expressions.
    fn operand(&mut self) -> String {
        let mut text = self.postfix();
        for _ in 0..self.below(2) {
            // `??` binds tighter than comparisons, so it joins operands.
            let operator = self.choose(&["+", "-", "*", "/", "??"]);
            let (a, b) = (self.sep(), self.sep());
            let right = self.postfix();
            text = format!("{text}{a}{operator}{b}{right}");
        }
        text
    }

    fn comparison(&mut self) -> String {
        let left = self.operand();
        match self.below(4) {
            0 => left,
            1 => {
                let ty = self.choose(&["string", "int", "object"]);
                let a = self.sep();
                format!("{left}{a}is {ty}")
            }
            2 => {
                let a = self.sep();
                format!("{left}{a}exists")
            }
            _ => {
                let operator = self.choose(&[
                    "==", "!=", "<", "<=", ">", ">=", "contains", "matches", "in", "conforms",
                ]);
                let (a, b) = (self.sep(), self.sep());
                let right = self.operand();
                format!("{left}{a}{operator}{b}{right}")
            }
        }
    }

    fn expr(&mut self) -> String {
        let mut text = if self.chance(15) {
            let operand = self.comparison();
            let a = self.sep();
            format!("not{a}{operand}")
        } else {
            self.comparison()
        };
        for _ in 0..self.below(2) {
            let operator = self.choose(&["and", "or"]);
            let (a, b) = (self.sep(), self.sep());
            let right = self.comparison();
            text = format!("{text}{a}{operator}{b}{right}");
        }
        text
    }

    /// A condition that ends in a name or a literal, so that a `{` after it opens
    /// the block.
    fn condition(&mut self) -> String {
        let name = self.name();
        let literal = self.choose(&["200", "\"x\"", "1s", "true"]);
        let (a, b) = (self.sep(), self.sep());
        format!("{name}{a}=={b}{literal}")
    }

    fn clauses(&mut self, names: &[&str]) -> String {
        let mut text = String::new();
        let mut used: Vec<&str> = Vec::new();
        for _ in 0..self.below(4) {
            let name = self.choose(names);
            if used.contains(&name) {
                continue;
            }
            used.push(name);
            text += &self.sep();
            text += &match name {
                "headers" | "query" | "form" | "env" => {
                    let value = self.object();
                    format!("{name} {value}")
                }
                "timeout" => format!("timeout {}", self.choose(&["5s", "150ms"])),
                "insecure" => "insecure".to_string(),
                "follow" => {
                    let a = self.sep();
                    format!("follow{a}redirects")
                }
                "long" => format!(
                    "headers {{ \"X-Long\": \"{}\" }}",
                    "y".repeat(self.below(120))
                ),
                _ => {
                    // `stdin (…)` would read as a call of `stdin`, which is no function.
                    let value = self.operand();
                    let value = if value.starts_with('(') {
                        "x".to_string()
                    } else {
                        value
                    };
                    format!("{name} {value}")
                }
            };
        }
        text
    }

    fn step(&mut self) -> String {
        let a = self.sep();
        match self.below(6) {
            0 | 1 => {
                let method = self.choose(&["GET", "POST", "PUT", "DELETE"]);
                let url = self.choose(&[
                    "\"{{base}}/api/x\"",
                    "base",
                    "\"http://127.0.0.1:3000/health\"",
                ]);
                let clauses = self.clauses(&[
                    "headers", "query", "json", "timeout", "insecure", "follow", "long",
                ]);
                format!("{method}{a}{url}{clauses}")
            }
            2 => {
                let clauses = self.clauses(&["timeout", "env", "cwd", "stdin"]);
                format!("run{a}\"echo {{{{x}}}}\"{clauses}")
            }
            3 => {
                let b = self.sep();
                let command = self.choose(&[
                    "\"SELECT 1\"",
                    "\"\"\"\n    SELECT *\n      FROM t   \n    \"\"\"",
                ]);
                let clauses = self.clauses(&["timeout"]);
                format!(
                    "{}{a}db{b}{command}{clauses}",
                    self.choose(&["sql", "redis"])
                )
            }
            4 => {
                let clauses = self.clauses(&["headers", "timeout"]);
                let body = self.ws_block();
                format!("ws{a}\"ws://x/ws\"{clauses}{}{body}", self.sep())
            }
            _ => {
                let clauses = self.clauses(&["headers", "json", "timeout"]);
                let options = self.load_options();
                format!(
                    "load{a}GET \"{{{{base}}}}/x\"{clauses}{}{options}",
                    self.sep()
                )
            }
        }
    }

    fn ws_block(&mut self) -> String {
        let mut text = "{".to_string();
        for _ in 0..self.below(4) {
            text += &self.sep();
            text += &match self.below(4) {
                0 => {
                    let value = self.operand();
                    format!("send {value}")
                }
                1 => {
                    let until = if self.chance(50) {
                        let condition = self.condition();
                        format!(" until {condition}")
                    } else {
                        String::new()
                    };
                    format!("receive{until} timeout 5s")
                }
                2 => self
                    .choose(&["close\n", "close 1000\n", "close;"])
                    .to_string(),
                _ => {
                    let condition = self.expr();
                    format!("expect {condition}")
                }
            };
        }
        text += &self.sep();
        text + "}"
    }

    fn load_options(&mut self) -> String {
        let mut text = "{".to_string();
        let options = [
            "concurrency 5",
            "requests 10",
            "rate 10 per 1s",
            "ramp from 1 to 10 over 5s",
            "check",
            "duration 5s",
        ];
        for option in options {
            if !self.chance(50) {
                continue;
            }
            text += &self.sep();
            if option == "check" {
                text += "check {";
                for _ in 0..=self.below(2) {
                    text += &self.sep();
                    if self.chance(30) {
                        text += "expect ";
                    }
                    text += &self.condition();
                }
                text += &self.sep();
                text += "}";
            } else {
                text += option;
            }
            if self.chance(20) {
                text += ";";
            }
        }
        text += &self.sep();
        text + "}"
    }

    fn block(&mut self, budget: usize) -> String {
        let mut text = "{".to_string();
        for _ in 0..self.below(budget + 1) {
            text += &self.sep();
            text += &self.statement(budget.saturating_sub(2));
            if self.chance(15) {
                text += ";";
            }
        }
        text += &self.sep();
        text + "}"
    }

    fn statement(&mut self, budget: usize) -> String {
        let a = self.sep();
        let kind = if budget == 0 {
            self.below(6)
        } else {
            self.below(11)
        };
        match kind {
            0 | 1 => {
                let condition = self.expr();
                let warn = if self.chance(20) {
                    "warn expect"
                } else {
                    "expect"
                };
                format!("{warn}{a}{condition}")
            }
            2 => {
                let value = if self.chance(30) {
                    self.step()
                } else {
                    self.expr()
                };
                let name = self.choose(&["a", "token", "x_1", "r"]);
                let declared = if self.chance(20) {
                    ": list<string>"
                } else {
                    ""
                };
                format!("let {name}{declared}{a}={}{value}", self.sep())
            }
            3 => {
                let value = self.expr();
                format!("token{a}={}{value}", self.sep())
            }
            4 | 5 => self.step(),
            6 => {
                let iterable = self.list();
                let body = self.block(budget);
                format!("for x in{a}{iterable}{}{body}", self.sep())
            }
            7 => {
                let condition = self.condition();
                let then_block = self.block(budget);
                let mut text = format!("if{a}{condition}{}{then_block}", self.sep());
                if self.chance(50) {
                    let condition = self.condition();
                    let block = self.block(budget);
                    text += &format!("{}else if {condition} {block}", self.sep());
                }
                if self.chance(50) {
                    let block = self.block(budget);
                    text += &format!("{}else{}{block}", self.sep(), self.sep());
                }
                text
            }
            8 => {
                let body = self.block(budget);
                format!("eventually within 5s{a}every 100ms {body}")
            }
            9 => {
                let body = self.block(budget);
                let every = if self.chance(50) { " every 1s" } else { "" };
                format!("retry 3{every}{a}{body}")
            }
            _ => {
                let argument = self.operand();
                format!("h.check(x,{a}{argument})")
            }
        }
    }

    fn item(&mut self) -> String {
        let a = self.sep();
        match self.below(10) {
            0 => "suite \"Generated\"".to_string(),
            1 => format!("import{a}\"std/http\" as h"),
            2 => {
                let keyword = self.choose(&["param", "let", "secret"]);
                let value = self.expr();
                format!(
                    "{keyword} base{}{a}={}{value}",
                    if keyword == "param" && self.chance(30) {
                        ": string"
                    } else {
                        ""
                    },
                    self.sep()
                )
            }
            3 => "param required: int".to_string(),
            4 => {
                let body = self.block(4);
                let returns = if self.chance(50) {
                    let value = self.operand();
                    format!("\n  return {value}\n")
                } else {
                    "\n  return\n".to_string()
                };
                let body = format!("{}{returns}}}", body.trim_end_matches('}'));
                format!("fn helper(a: int,{a}b: list<string>) -> int {body}")
            }
            5 => {
                let options = if self.chance(70) {
                    let env = self.object();
                    format!(
                        " {{{a}ready http \"{{{{base}}}}/health\" within 60s{}env {env}{}}}",
                        self.sep(),
                        self.sep()
                    )
                } else {
                    String::new()
                };
                format!("service api = \"serve --port {{{{port}}}}\"{options}")
            }
            6 => {
                let block = self.block(3);
                format!("{}{a}{block}", self.choose(&["setup", "teardown"]))
            }
            7 => {
                let mut tests = String::new();
                for _ in 0..self.below(3) {
                    tests += &self.sep();
                    tests += &self.test();
                }
                format!(
                    "checkpoint \"c\"{a}stage \"post\" on failure {} {{{tests}{}}}",
                    self.choose(&["stop", "warn", "continue"]),
                    self.sep()
                )
            }
            _ => self.test(),
        }
    }

    fn test(&mut self) -> String {
        let mut attributes = String::new();
        for attribute in [
            "timeout 5s",
            "retry 2 every 1s",
            "tags [\"smoke\", \"auth\"]",
            "skip \"later\"",
        ] {
            if self.chance(25) {
                attributes += &self.sep();
                attributes += attribute;
            }
        }
        let body = self.block(6);
        format!(
            "test \"t{}\"{attributes}{}{body}",
            self.below(1000),
            self.sep()
        )
    }

    fn program(&mut self) -> String {
        let mut text = String::new();
        if self.chance(50) {
            text += "# a generated program\n\n";
        }
        for _ in 0..1 + self.below(5) {
            text += &self.item();
            text += if self.chance(20) { ";" } else { "" };
            text += &self.sep();
            text += "\n";
        }
        text
    }
}
