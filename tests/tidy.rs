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

    // Every kind has a rule in the grammar's `step` rule, and every such rule a kind.
    let step_rules: BTreeSet<String> = words_of(
        grammar
            .lines()
            .find(|line| line.starts_with("step = {"))
            .expect("grammar/rit.pest: a `step = { … }` rule"),
    )
    .into_iter()
    .filter_map(|word| word.strip_suffix("_step").map(str::to_string))
    .collect();
    let kinds = ritc::steps::registry();
    let names: BTreeSet<String> = kinds.iter().map(|kind| kind.name().to_string()).collect();
    for name in names.difference(&step_rules) {
        findings.push(format!(
            "step kind `{name}`: no `{name}_step` in the `step` rule of grammar/rit.pest"
        ));
    }
    for name in step_rules.difference(&names) {
        findings.push(format!(
            "`{name}_step` of grammar/rit.pest: no step kind `{name}` in src/steps/registry.rs"
        ));
    }

    // A step's words: keywords that begin a statement, so a clause never eats them.
    let statement_words = trie_comment_words(&grammar, "statement_keyword");
    for kind in kinds {
        for word in kind.keywords() {
            let why = format!("begins a `{}` step", kind.name());
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
        }
        // The names of its clauses and block options are keywords too (LANGUAGE.md §9).
        let schema = kind.schema();
        for option in schema.clauses.iter().chain(&schema.block_options) {
            for word in option.name.split_whitespace() {
                let why = format!("a clause or option of `{}`", kind.name());
                places.check_keyword(word, &why, &mut findings);
            }
        }
    }

    // The hand-written tries accept exactly the words their comments list.
    let keywords = quoted_words(
        &grammar,
        "\nkeyword = @{",
        ") ~ !ident_char",
        "grammar/rit.pest",
    );
    for (rule, name) in [
        (Rule::statement_keyword, "statement_keyword"),
        (Rule::item_keyword, "item_keyword"),
    ] {
        let listed = trie_comment_words(&grammar, name);
        let candidates: BTreeSet<&String> = keywords.iter().chain(&listed).collect();
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
    // Words that are keywords only inside their form (LANGUAGE.md §9).
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
