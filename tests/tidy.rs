//! Tidy: the words of the language agree in every place that lists them. The step
//! kinds of `ritc::steps::registry()` and the rules of grammar/rit.pest are the
//! sources; the grammar's `keyword` rule, its `step` rule, its hand-written
//! `statement_keyword` and `item_keyword` tries, the language server's keywords
//! (src/lsp/keywords.rs), the importer's reserved words (src/import/rit.rs) and the
//! editor grammars (editors/vscode, editors/vim) are checked against them. One test
//! names every word missing where, so a new step kind learns all its places at once.

use pest::Parser as _;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The grammar itself, so the tries are asked what they accept rather than read.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/rit.pest"]
struct Grammar;

fn read(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Whether `rule` matches all of `word`.
fn accepts(rule: Rule, word: &str) -> bool {
    Grammar::parse(rule, word).is_ok_and(|pairs| pairs.as_str() == word)
}

/// The quoted words between `start` and the first `end` after it.
fn quoted_words(text: &str, start: &str, end: &str, place: &str) -> Vec<String> {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` not found in {place}"));
    let rest = &text[from + start.len()..];
    let to = rest
        .find(end)
        .unwrap_or_else(|| panic!("the end of `{start}` not found in {place}"));
    rest[..to]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn words_of(text: &str) -> BTreeSet<String> {
    text.split(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect()
}

/// The words a trie's comment says it accepts (`// name, the words:` and the
/// comment lines after it).
fn trie_comment_words(grammar: &str, rule: &str) -> BTreeSet<String> {
    let heading = format!("// {rule}, the words:");
    let from = grammar
        .find(&heading)
        .unwrap_or_else(|| panic!("grammar/rit.pest: no `{heading}` comment"));
    grammar[from + heading.len()..]
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with("//   "))
        .flat_map(|line| line.trim_start_matches('/').split_whitespace())
        .map(str::to_string)
        .collect()
}

/// The language server's keywords and their roles: each `keyword("word", Role::X`
/// of its `KEYWORDS` (not the words that are keywords only inside their form).
fn lsp_keywords() -> BTreeMap<String, String> {
    let source = read("src/lsp/keywords.rs");
    let start = "pub const KEYWORDS: &[Keyword] = &[";
    let from = source
        .find(start)
        .expect("src/lsp/keywords.rs: `pub const KEYWORDS`");
    let list = &source[from..];
    let list = &list[..list.find("\n];").expect("the end of KEYWORDS")];
    let mut keywords = BTreeMap::new();
    for call in list.split("keyword(").skip(1) {
        let call = call.trim_start();
        let Some(quoted) = call.strip_prefix('"') else {
            continue;
        };
        let Some((word, after)) = quoted.split_once('"') else {
            continue;
        };
        let role = after
            .trim_start_matches(|character: char| character == ',' || character.is_whitespace())
            .strip_prefix("Role::")
            .and_then(|rest| rest.split(',').next())
            .unwrap_or("?");
        keywords.insert(word.to_string(), role.to_string());
    }
    keywords
}

/// Every `match` and `begin` regex of a TextMate grammar, split into words.
fn textmate_words(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if let (Value::String(pattern), "match" | "begin") = (value, key.as_str()) {
                    out.extend(words_of(pattern));
                }
                textmate_words(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| textmate_words(item, out)),
        _ => {}
    }
}

/// The words of the vim syntax's `syn keyword` lines.
fn vim_words() -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for line in read("editors/vim/syntax/rit.vim").lines() {
        let mut parts = line.split_whitespace();
        if parts.next() == Some("syn") && parts.next() == Some("keyword") {
            let _group = parts.next();
            words.extend(
                parts
                    .filter(|word| !["contained", "transparent", "skipwhite"].contains(word))
                    .map(str::to_string),
            );
        }
    }
    words
}

/// The places a keyword must be listed, besides the grammar's `keyword` rule.
struct Places {
    lsp: BTreeMap<String, String>,
    importer: BTreeSet<String>,
    textmate: BTreeSet<String>,
    vim: BTreeSet<String>,
}

impl Places {
    fn read() -> Places {
        let textmate_json: Value =
            serde_json::from_str(&read("editors/vscode/syntaxes/rit.tmLanguage.json"))
                .expect("editors/vscode/syntaxes/rit.tmLanguage.json is JSON");
        let mut textmate = BTreeSet::new();
        textmate_words(&textmate_json, &mut textmate);
        Places {
            lsp: lsp_keywords(),
            importer: quoted_words(
                &read("src/import/rit.rs"),
                "const KEYWORDS: &[&str] = &[",
                "];",
                "src/import/rit.rs",
            )
            .into_iter()
            .collect(),
            textmate,
            vim: vim_words(),
        }
    }

    /// Where a contextual word (a keyword only in its form) is missing.
    fn check_contextual(&self, word: &str, why: &str, findings: &mut Vec<String>) {
        for (place, listed) in [
            (
                "editors/vscode/syntaxes/rit.tmLanguage.json",
                self.textmate.contains(word),
            ),
            ("editors/vim/syntax/rit.vim", self.vim.contains(word)),
        ] {
            if !listed {
                findings.push(format!(
                    "`{word}` ({why}, contextual): missing from {place}"
                ));
            }
        }
    }

    /// Where a keyword the grammar knows is missing.
    fn check_keyword(&self, word: &str, why: &str, findings: &mut Vec<String>) {
        if !accepts(Rule::keyword, word) {
            findings.push(format!(
                "`{word}` ({why}): missing from the `keyword` rule of grammar/rit.pest"
            ));
        }
        let places = [
            (
                "src/lsp/keywords.rs (KEYWORDS)",
                self.lsp.contains_key(word),
            ),
            ("src/import/rit.rs (KEYWORDS)", self.importer.contains(word)),
            (
                "editors/vscode/syntaxes/rit.tmLanguage.json",
                self.textmate.contains(word),
            ),
            ("editors/vim/syntax/rit.vim", self.vim.contains(word)),
        ];
        for (place, listed) in places {
            if !listed {
                findings.push(format!("`{word}` ({why}): missing from {place}"));
            }
        }
    }
}

#[test]
fn the_step_words_agree_everywhere() {
    let grammar = read("grammar/rit.pest");
    let places = Places::read();
    let mut findings = Vec::new();

    // A kind has a rule of its own in the grammar's `step` rule (`<name>_step`), or
    // its steps are read by `named_step`; every `<name>_step` rule has a kind.
    let step_rules: BTreeSet<String> = words_of(
        grammar
            .lines()
            .find(|line| line.starts_with("step = {"))
            .expect("grammar/rit.pest: a `step = { … }` rule"),
    )
    .into_iter()
    .filter_map(|word| word.strip_suffix("_step").map(str::to_string))
    .filter(|name| name != "named")
    .collect();
    let kinds = ritc::steps::registry();
    let names: BTreeSet<String> = kinds.iter().map(|kind| kind.name().to_string()).collect();
    for name in step_rules.difference(&names) {
        findings.push(format!(
            "`{name}_step` of grammar/rit.pest: no step kind `{name}` in src/steps/registry.rs"
        ));
    }

    // A step's words begin a statement, so a clause never eats them.
    let statement_words = trie_comment_words(&grammar, "statement_keyword");
    for kind in kinds {
        let own_rule = step_rules.contains(kind.name());
        for word in kind.keywords() {
            let why = format!("begins a `{}` step", kind.name());
            if !statement_words.contains(*word) {
                findings.push(format!(
                    "`{word}` ({why}): missing from the words of `statement_keyword` in grammar/rit.pest"
                ));
            }
            if !accepts(Rule::statement_keyword, word) {
                findings.push(format!(
                    "`{word}` ({why}): not accepted by the `statement_keyword` trie of grammar/rit.pest"
                ));
            }
            if own_rule {
                // A word of the grammar's own rules: a keyword, listed everywhere.
                places.check_keyword(word, &why, &mut findings);
                if places
                    .lsp
                    .get(*word)
                    .is_some_and(|role| role != "Statement")
                {
                    findings.push(format!(
                        "`{word}` ({why}): src/lsp/keywords.rs must give it Role::Statement"
                    ));
                }
                continue;
            }
            // Read by `named_step`, which takes a name: never a keyword. The
            // language server offers it from the registry; the editors colour it,
            // unless the kind exists for tests only.
            if accepts(Rule::keyword, word) || !accepts(Rule::ident, word) {
                findings.push(format!(
                    "`{word}` ({why}, with no `{}_step` rule): a keyword, which `named_step` of grammar/rit.pest cannot read; take it out of the `keyword` rule",
                    kind.name()
                ));
            }
            if !kind.for_tests_only() {
                for (place, listed) in [
                    (
                        "editors/vscode/syntaxes/rit.tmLanguage.json",
                        places.textmate.contains(*word),
                    ),
                    ("editors/vim/syntax/rit.vim", places.vim.contains(*word)),
                ] {
                    if !listed {
                        findings.push(format!("`{word}` ({why}): missing from {place}"));
                    }
                }
            }
        }
        // The names of its clauses and block options are keywords too (the
        // `keyword` rule of grammar/rit.pest), except a test-only kind's, which
        // users never see, and the contextual words of a clause that its schema
        // describes (`user`, `key`, `version`, `max` of `max redirects`): the
        // language server describes those from the schema, and reserving such
        // common words would break every file that names a value so
        // (`let key = …`); only the editors must colour them.
        if kind.for_tests_only() {
            continue;
        }
        let schema = kind.schema();
        for option in schema.clauses.iter().chain(&schema.block_options) {
            for word in option.name.split_whitespace() {
                let why = format!("a clause or option of `{}`", kind.name());
                if option.summary.is_empty() || accepts(Rule::keyword, word) {
                    places.check_keyword(word, &why, &mut findings);
                } else {
                    places.check_contextual(word, &why, &mut findings);
                }
            }
        }
        // Its operation words (`nats publish`) are names elsewhere (`let
        // publish = …`): the editors colour them as contextual words.
        for operation in schema.operations {
            let why = format!("an operation word of `{}`", kind.name());
            places.check_contextual(operation.word, &why, &mut findings);
        }
    }

    // A kind that declares operation words is in `operation_kind` (so the word
    // after its own reads as the operation), and no other kind is.
    let operation_words = trie_comment_words(&grammar, "operation_kind");
    for kind in kinds {
        let takes_operations = !kind.schema().operations.is_empty();
        for word in kind.keywords() {
            let listed = operation_words.contains(*word);
            let accepted = accepts(Rule::operation_kind, word);
            if takes_operations && !(listed && accepted) {
                findings.push(format!(
                    "`{word}` (begins a `{}` step, which declares operation words): missing from `operation_kind` in grammar/rit.pest (its trie and its comment)",
                    kind.name()
                ));
            }
            if !takes_operations && (listed || accepted) {
                findings.push(format!(
                    "`{word}` (begins a `{}` step, which declares no operation word): in `operation_kind` of grammar/rit.pest; take it out",
                    kind.name()
                ));
            }
        }
        // A statement of the kind's own that `named_step` reads (`WORD OPERAND`)
        // begins a statement, so that a step's clauses never eat it, and is a
        // name, which `named_step` reads.
        for statement in kind.statements() {
            if statement.operand.is_none() {
                continue;
            }
            let word = statement.word;
            let why = format!("a statement of `{}` blocks", kind.name());
            if !statement_words.contains(word) || !accepts(Rule::statement_keyword, word) {
                findings.push(format!(
                    "`{word}` ({why}): missing from `statement_keyword` in grammar/rit.pest (its trie and its comment)"
                ));
            }
            if accepts(Rule::keyword, word) || !accepts(Rule::ident, word) {
                findings.push(format!(
                    "`{word}` ({why}, read by `named_step`): a keyword; take it out of the `keyword` rule"
                ));
            }
        }
    }
    for word in &operation_words {
        if !kinds
            .iter()
            .any(|kind| kind.keywords().contains(&word.as_str()))
        {
            findings.push(format!(
                "`{word}`: listed for `operation_kind` in grammar/rit.pest but no step kind begins with it"
            ));
        }
        if !accepts(Rule::operation_kind, word) {
            findings.push(format!(
                "`{word}`: listed for `operation_kind` but its trie in grammar/rit.pest does not accept it"
            ));
        }
    }

    // The hand-written tries accept exactly the words their comments list. Every
    // start of a keyword and each keyword with a letter more are asked too, so a
    // trie that accepts a longer or shorter word than it lists is found.
    let keywords: Vec<String> = trie_comment_words(&grammar, "keyword")
        .into_iter()
        .collect();
    let near_misses: BTreeSet<String> = keywords
        .iter()
        .flat_map(|word| {
            (1..word.len())
                .map(|end| word[..end].to_string())
                .chain([format!("{word}s"), format!("{word}_")])
        })
        .collect();
    for (rule, name) in [
        (Rule::keyword, "keyword"),
        (Rule::statement_keyword, "statement_keyword"),
        (Rule::item_keyword, "item_keyword"),
    ] {
        let listed = trie_comment_words(&grammar, name);
        let candidates: BTreeSet<&String> =
            keywords.iter().chain(&listed).chain(&near_misses).collect();
        for word in candidates {
            match (listed.contains(word), accepts(rule, word)) {
                (true, false) => findings.push(format!(
                    "`{word}`: listed for `{name}` but its trie in grammar/rit.pest does not accept it"
                )),
                (false, true) => findings.push(format!(
                    "`{word}`: accepted by the `{name}` trie of grammar/rit.pest but not listed in its comment"
                )),
                _ => {}
            }
        }
    }

    // Every keyword of the grammar is listed everywhere, and nothing else is.
    for word in &keywords {
        places.check_keyword(word, "a keyword of the grammar", &mut findings);
    }
    for (place, words) in [
        (
            "src/lsp/keywords.rs (KEYWORDS)",
            places.lsp.keys().cloned().collect::<BTreeSet<_>>(),
        ),
        ("src/import/rit.rs (KEYWORDS)", places.importer.clone()),
    ] {
        for word in words.iter().filter(|word| !keywords.contains(word)) {
            findings.push(format!(
                "`{word}`: listed in {place} but not a keyword of grammar/rit.pest"
            ));
        }
    }
    // Words that are keywords only inside their form (the `keyword` rule of grammar/rit.pest).
    for word in ["until", "from", "to", "over"] {
        for (place, listed) in [
            (
                "editors/vscode/syntaxes/rit.tmLanguage.json",
                places.textmate.contains(word),
            ),
            ("editors/vim/syntax/rit.vim", places.vim.contains(word)),
        ] {
            if !listed {
                findings.push(format!(
                    "`{word}` (a word of its form): missing from {place}"
                ));
            }
        }
    }

    assert!(
        findings.is_empty(),
        "the step words disagree:\n  {}",
        findings.join("\n  ")
    );
}

/// A step kind added as docs/ARCHITECTURE.md says ("Adding a step kind") is its
/// folder, its `mod` line and its registry line: nothing else in src/ names it.
/// Checked on the kinds that exist for tests (`echo`, the `test-kinds` feature),
/// which no other code has a reason to know: no path into their module and no
/// string that is their name (a `match` on `"echo"` would be such a special case).
#[test]
fn a_test_only_kind_is_named_only_in_its_folder_and_its_lines() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let test_kinds: Vec<&str> = ritc::steps::registry()
        .iter()
        .filter(|kind| kind.for_tests_only())
        .map(|kind| kind.name())
        .collect();
    assert!(
        test_kinds.contains(&"echo"),
        "tests run with the `test-kinds` feature (the dev-dependency in Cargo.toml), which registers `echo`"
    );
    let mut findings = Vec::new();
    for name in test_kinds {
        let folder = src.join("steps").join(name);
        let module_path = format!("{name}::");
        let module_line = format!("mod {name};");
        let quoted = format!("\"{name}\"");
        let registry_line = format!("&super::{module_path}");
        for file in files.iter().filter(|file| !file.starts_with(&folder)) {
            let relative = file
                .strip_prefix(&src)
                .unwrap_or(file)
                .display()
                .to_string();
            let text = std::fs::read_to_string(file).unwrap();
            for (number, line) in text.lines().enumerate() {
                let allowed = match relative.as_str() {
                    "steps/registry.rs" => line.trim_start().starts_with(&registry_line),
                    "steps/mod.rs" => line.trim() == module_line,
                    _ => false,
                };
                if !allowed
                    && (line.contains(&module_path)
                        || line.contains(&module_line)
                        || line.contains(&quoted))
                {
                    findings.push(format!(
                        "src/{relative}:{}: names the test-only kind `{name}`: {}",
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

// ---------------------------------------------------------------- layers

/// The top-level modules of src/ and the modules each may import (`use crate::…`
/// and `crate::…` paths in code, space-separated), lowest first:
/// docs/ARCHITECTURE.md, "Layers". An entry `module::part` allows only that part of
/// a module. `cli` is the edge and
/// may import anything. The table itself must have no cycle.
const LAYERS: &[(&str, &str)] = &[
    ("units", ""),
    ("mask", ""),
    ("types", ""),
    ("failure", ""),
    ("evidence", ""),
    ("source", ""),
    ("os", "units"),
    ("history", "units"),
    ("value", "mask units types"),
    ("watch", "units types value"),
    ("diagnostics", "source"),
    ("syntax", "source diagnostics units"),
    ("fmt", "source diagnostics syntax"),
    ("import", "source units syntax fmt"),
    (
        "steps",
        "units mask types failure evidence source os value diagnostics syntax",
    ),
    // The functions that make connection values come from the kinds' schemas.
    ("builtins", "types steps::connections"),
    (
        "check",
        "units mask types builtins source diagnostics syntax steps",
    ),
    // `plan` reaches step kinds only through the registry and their schemas
    // (`the_runtime_names_no_step_kind`).
    (
        "plan",
        "units types source syntax steps::StepKind steps::of_step steps::own_statement steps::statement_owner steps::schema steps::type_named check::program check::resolved",
    ),
    // `run` reaches step kinds only through the registry and the generic parts
    // of `steps` (`the_runtime_names_no_step_kind`).
    (
        "run",
        "units mask types failure evidence builtins source os value diagnostics steps::StepKind steps::connection_of steps::context steps::exec steps::schema steps::limits plan history watch",
    ),
    (
        "report",
        "units mask types failure evidence source os value diagnostics steps plan run::outcome history watch",
    ),
    ("publish", "units mask source syntax check plan report"),
    (
        "lsp",
        "units types builtins source diagnostics syntax fmt steps check",
    ),
];

/// Imports that break the table, each with what removes it. The test fails when
/// one of them is gone too, so that this list only shrinks. Empty: every import
/// points down the table; an exception added here needs its reason and its way out.
const KNOWN_WRONG_WAYS: &[(&str, &str, &str)] = &[];

/// The top-level module a `src/` file belongs to.
fn top_module(path: &std::path::Path, src: &std::path::Path) -> Option<String> {
    let relative = path.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!["lib", "main"].contains(&name)).then(|| name.to_string())
}

fn rust_files(folder: &std::path::Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(folder)
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
        .map(|entry| entry.expect("a folder entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::a::b` path of a file's code (comments left out), as `a::b`
/// (`a` alone when nothing follows), including the paths inside
/// `use crate::{a::b, c}` groups.
fn crate_paths(source: &str) -> Vec<String> {
    let code: String = source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|character| character.is_ascii_alphanumeric() || character == '_') {
            continue; // `ritc_crate::` or similar: not this crate
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let part = part.trim();
                if !part.is_empty() {
                    paths.push(path_head(part));
                }
            }
        } else {
            paths.push(path_head(rest));
        }
    }
    paths
}

/// `a::b` of `a::b::c…`, or `a` of `a` followed by anything else.
fn path_head(text: &str) -> String {
    let word = |text: &str| -> String {
        text.chars()
            .take_while(|character| character.is_ascii_alphanumeric() || *character == '_')
            .collect()
    };
    let first = word(text);
    match text[first.len()..].strip_prefix("::") {
        Some(after) if !word(after).is_empty() => format!("{first}::{}", word(after)),
        _ => first,
    }
}

fn allowed(module: &str, path: &str) -> bool {
    let target = path.split("::").next().unwrap_or(path);
    if target == module || module == "cli" {
        return true;
    }
    let Some((_, allowed)) = LAYERS.iter().find(|(name, _)| *name == module) else {
        return false;
    };
    allowed
        .split_whitespace()
        .any(|entry| entry == target || entry == path)
}

#[test]
fn layers_point_one_way() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let top_level: BTreeSet<String> = files
        .iter()
        .filter_map(|path| top_module(path, &src))
        .collect();
    let mut problems = Vec::new();
    let mut exceptions_seen = BTreeSet::new();
    for module in &top_level {
        if module != "cli" && !LAYERS.iter().any(|(name, _)| name == module) {
            problems.push(format!(
                "src/{module}: a top-level module with no row in LAYERS (tests/tidy.rs) and docs/ARCHITECTURE.md"
            ));
        }
    }
    for path in &files {
        let Some(module) = top_module(path, &src) else {
            continue;
        };
        let source = std::fs::read_to_string(path).expect("a source file");
        let shown = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        for import in crate_paths(&source) {
            let target = import.split("::").next().unwrap_or(&import).to_string();
            if !top_level.contains(&target) || allowed(&module, &import) {
                continue;
            }
            let exception = KNOWN_WRONG_WAYS
                .iter()
                .find(|(from, to, _)| *from == module && (*to == target || *to == import));
            match exception {
                Some(known) => {
                    exceptions_seen.insert((known.0, known.1));
                }
                None => problems.push(format!(
                    "{shown}: `{module}` imports `crate::{import}`, which it may not (tests/tidy.rs LAYERS)"
                )),
            }
        }
    }
    for (from, to, why) in KNOWN_WRONG_WAYS {
        if !exceptions_seen.contains(&(*from, *to)) {
            problems.push(format!(
                "`{from}` no longer imports `{to}` ({why}): remove it from KNOWN_WRONG_WAYS"
            ));
        }
    }
    // The table has no cycle: every module's allowed imports come before it.
    for (index, (module, imports)) in LAYERS.iter().enumerate() {
        for import in imports.split_whitespace() {
            let target = import.split("::").next().unwrap_or(import);
            let position = LAYERS.iter().position(|(name, _)| *name == target);
            if position.is_none_or(|position| position >= index) {
                problems.push(format!(
                    "LAYERS: `{module}` may import `{import}`, which is not a module listed above it"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_import_scanner_reads_paths_and_groups() {
    let source = "use crate::value::{self, Value};\n// crate::report in a comment\nuse crate::{os::process, units};\nlet x = crate::check::program::Program::new();\n";
    assert_eq!(
        crate_paths(source),
        vec!["value::", "os::process", "units", "check::program"]
            .into_iter()
            .map(|path| path.trim_end_matches("::").to_string())
            .collect::<Vec<_>>()
    );
    assert!(allowed("run", "value::Value"));
    assert!(!allowed("value", "run::outcome"));
    assert!(allowed("plan", "check::program"));
    assert!(!allowed("plan", "check::checker"));
    assert!(allowed("run", "steps::context"));
    assert!(!allowed("run", "steps::ws"));
}

/// The interpreter runs every step kind, and the statements only a kind's block
/// holds, through `steps::registry()` and the context traits (`StepContext`,
/// `StatementContext`), and the planner lowers them from the registry and their
/// schemas: `run` and `plan` may import no kind's folder of `src/steps/`, nor all
/// of `steps`, so a new kind never needs an edit there.
#[test]
fn the_runtime_names_no_step_kind() {
    let steps = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/steps");
    let mut kinds: Vec<String> = std::fs::read_dir(&steps)
        .expect("src/steps")
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|path| path.is_dir())
        .filter_map(|path| Some(path.file_name()?.to_str()?.to_string()))
        .collect();
    kinds.sort();
    assert!(
        kinds.iter().any(|kind| kind == "ws") && kinds.iter().any(|kind| kind == "load"),
        "src/steps has a folder per kind: {kinds:?}"
    );
    for layer in ["run", "plan"] {
        assert!(
            !allowed(layer, "steps"),
            "`{layer}` may import all of `steps`"
        );
        for kind in &kinds {
            assert!(
                !allowed(layer, &format!("steps::{kind}")),
                "`{layer}` may import `steps::{kind}`, one step kind's folder"
            );
        }
    }
}

// ---------------------------------------------------------------- file sizes

/// No source file grows past this many lines: a file that does is two concerns.
const MOST_LINES: usize = 1500;

/// Files over the limit, each with who is splitting it (none today: keep it so).
const KNOWN_LONG_FILES: &[(&str, &str)] = &[];

#[test]
fn no_source_file_is_over_1500_lines() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut problems = Vec::new();
    let mut long_seen = BTreeSet::new();
    for path in &files {
        let shown = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let lines = std::fs::read_to_string(path)
            .expect("a source file")
            .lines()
            .count();
        if lines <= MOST_LINES {
            continue;
        }
        if KNOWN_LONG_FILES.iter().any(|(known, _)| *known == shown) {
            long_seen.insert(shown);
        } else {
            problems.push(format!(
                "{shown}: {lines} lines, more than {MOST_LINES}: split it by concern"
            ));
        }
    }
    for (known, why) in KNOWN_LONG_FILES {
        if !long_seen.contains(*known) {
            problems.push(format!("{known} is no longer over {MOST_LINES} lines ({why}): remove it from KNOWN_LONG_FILES"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------- citations

/// The original specification's files are not in this repository: the code, the
/// tests, the grammar, the editor files and the docs cite docs/ instead.
#[test]
fn only_the_projects_own_docs_are_cited() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for folder in [
        "src", "tests", "grammar", "editors", "docs", "benches", "stdlib",
    ] {
        collect_text_files(&root.join(folder), &mut files);
    }
    // Spelled in pieces so that this file does not cite them itself.
    let cited: Vec<String> = [
        ("GRAMMAR", "-NOTES"),
        ("LANGUAGE", ".md"),
        ("CLI", ".md"),
        ("DEMO", "-SERVICE"),
    ]
    .iter()
    .map(|(first, second)| format!("{first}{second}"))
    .collect();
    let mut problems = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue; // not text
        };
        let shown = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        for (number, line) in text.lines().enumerate() {
            for name in &cited {
                if line.contains(name.as_str()) {
                    problems.push(format!(
                        "{shown}:{}: cites {name}; cite docs/ instead",
                        number + 1
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn collect_text_files(folder: &std::path::Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_text_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// `ritc explain E0211` lists the reserved words: exactly those of the grammar's
/// `keyword` rule.
#[test]
fn explain_e0211_lists_every_keyword() {
    let grammar = read("grammar/rit.pest");
    let rule: BTreeSet<String> = trie_comment_words(&grammar, "keyword");
    let explanation = ritc::diagnostics::codes::lookup("E0211")
        .expect("E0211 is a code")
        .explanation;
    let listed = explanation
        .split_once("a test keeps this list equal to it):")
        .map(|(_, list)| words_of(list))
        .expect("E0211's explanation ends with the list of keywords");
    assert_eq!(
        listed, rule,
        "E0211's list of keywords differs from grammar/rit.pest"
    );
}
