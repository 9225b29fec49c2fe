//! The checker's rules one at a time, in the Gleam compiler's style: a small
//! source next to the diagnostics it must produce. Each test names one rule; its
//! snapshot `tests/checker/NAME.snap` holds the source and the rendered
//! diagnostics (`(none)` for a program that must check clean). `RITC_BLESS=1`
//! rewrites the snapshots; review their diff by eye.
//!
//! Where `tests/ui` keeps one golden per diagnostic code, read from disk, these go
//! rule by rule (a code family has several rules, and the programs that must *not*
//! be refused matter as much) and check from memory, through the same
//! `check::check_files` the CLI uses.

use ritc::check::{self, program::SourceLoader};
use ritc::diagnostics::render;
use std::path::{Path, PathBuf};

/// One file, from memory.
struct OneFile {
    name: PathBuf,
    source: String,
}

impl SourceLoader for OneFile {
    fn read(&mut self, path: &Path) -> Result<String, String> {
        if path == self.name {
            Ok(self.source.clone())
        } else {
            Err("no such file".to_string())
        }
    }
}

/// Checks `source` as `NAME.rit` and compares the source and its rendered
/// diagnostics with `tests/checker/NAME.snap`, or writes that file under
/// `RITC_BLESS=1`.
fn snapshot(name: &str, source: &str) {
    let file = PathBuf::from(format!("{name}.rit"));
    let mut loader = OneFile {
        name: file.clone(),
        source: source.to_string(),
    };
    let (program, diagnostics) = check::check_files(&[file], &mut loader)
        .unwrap_or_else(|error| panic!("{}: {}", error.path.display(), error.reason));
    let rendered = if diagnostics.is_empty() {
        "(none)\n".to_string()
    } else {
        render::human(&program.sources, &diagnostics)
    };
    let actual = format!("---- source\n{source}---- diagnostics\n{rendered}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/checker")
        .join(format!("{name}.snap"));
    if std::env::var_os("RITC_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("tests/checker");
        std::fs::write(&path, &actual).expect("write the snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{} differs (RITC_BLESS=1 to rewrite, then review):\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// One `#[test]` per rule: `name: "source";`.
macro_rules! rules {
    ($($name:ident: $source:expr;)*) => {
        $(
            #[test]
            fn $name() {
                snapshot(stringify!($name), $source);
            }
        )*
    };
}

// ---- names (E02xx) ----

rules! {
    unknown_name_suggests_the_nearest: "let email = \"a@example.com\"\ntest \"a\" {\n  run \"true\"\n  expect emial == \"x\"\n}\n";
    unknown_name_without_a_near_one_lists_no_guess: "test \"a\" {\n  run \"true\"\n  expect zzzzzz == 1\n}\n";
    a_let_is_not_visible_before_it: "test \"a\" {\n  run \"printf %s {{late}}\"\n  let late = \"x\"\n  expect stdout == late\n}\n";
    a_let_in_one_test_is_not_visible_in_another: "test \"a\" {\n  let mine = 1\n  run \"true\"\n  expect mine == 1\n}\ntest \"b\" {\n  run \"true\"\n  expect mine == 1\n}\n";
    setup_values_are_visible_in_tests: "let token = \"none\"\nsetup {\n  run \"printf t\"\n  token = stdout\n}\ntest \"a\" {\n  run \"printf %s {{token}}\"\n  expect stdout == token\n}\n";
    a_top_level_name_is_defined_once: "let base = \"http://127.0.0.1:3000\"\nparam base = \"http://127.0.0.1:4000\"\ntest \"a\" {\n  GET base\n  expect status == 200\n}\n";
    a_test_name_is_used_once_per_suite: "test \"health\" {\n  run \"true\"\n  expect exit == 0\n}\ntest \"health\" {\n  run \"true\"\n  expect exit == 0\n}\n";
    a_param_cannot_be_assigned: "param base = \"http://127.0.0.1:3000\"\ntest \"a\" {\n  base = \"x\"\n  run \"true\"\n  expect exit == 0\n}\n";
    a_response_field_cannot_be_assigned: "test \"a\" {\n  run \"true\"\n  exit = 1\n  expect exit == 0\n}\n";
    return_only_inside_a_function: "test \"a\" {\n  run \"true\"\n  expect exit == 0\n  return 1\n}\n";
    skip_stands_only_in_a_test: "fn guard() {\n  skip \"no\"\n}\nsetup {\n  skip \"not here\"\n}\ntest \"a\" {\n  ws \"ws://127.0.0.1:1/chat\" {\n    skip \"nor here\"\n  }\n  expect true\n}\n";
    skip_takes_a_text_reason: "test \"a\" {\n  if true { skip 3 }\n  run \"true\"\n  expect exit == 0\n}\n";
    skip_under_if_with_reachable_checks_clean: "let bus = nats(\"nats://127.0.0.1:4222\")\ntest \"a\" {\n  if not reachable(bus, within: 1s) {\n    skip \"NATS is not running\"\n  }\n  for x in [1] {\n    if not reachable(\"127.0.0.1:4222\") { skip \"{{x}}\" }\n  }\n  run \"true\"\n  expect exit == 0\n}\n";
    reachable_takes_an_address: "test \"a\" {\n  if not reachable(4222) { skip \"x\" }\n  run \"true\"\n  expect exit == 0\n}\n";
    websocket_statements_only_inside_ws: "test \"a\" {\n  send \"hello\"\n  receive timeout 1s\n  expect message == \"hello\"\n}\n";
    an_unknown_function_is_refused_at_its_name: "test \"a\" {\n  run \"echo hi\"\n  expect lenght(stdout) > 0\n}\n";
    a_keyword_is_not_a_name: "test \"a\" {\n  let json = 3\n  expect json == 3\n}\n";
}

// ---- types (E03xx) ----

rules! {
    comparison_needs_one_type: "test \"a\" {\n  run \"true\"\n  expect exit == \"0\"\n}\n";
    durations_do_not_mix_with_plain_numbers: "test \"a\" {\n  GET \"http://127.0.0.1:3000/health\"\n  expect duration < 200\n}\n";
    response_fields_need_a_step_first: "test \"a\" {\n  expect status == 200\n  GET \"http://127.0.0.1:3000/health\"\n}\n";
    a_publish_yields_no_message_fields: "let bus = nats(\"nats://127.0.0.1:4222\")\ntest \"a\" {\n  nats publish bus \"orders.created\" body \"x\"\n  expect subject == \"orders.created\"\n  expect body == \"x\"\n  let sent = nats publish bus \"orders.created\" body \"y\"\n  expect sent.json.id == 1\n}\n";
    a_function_takes_its_arguments_count: "fn twice(n: int) -> int {\n  return n * 2\n}\ntest \"a\" {\n  run \"true\"\n  expect twice(1, 2) == 2\n}\n";
    a_function_takes_its_arguments_types: "fn twice(n: int) -> int {\n  return n * 2\n}\ntest \"a\" {\n  run \"true\"\n  expect twice(\"2\") == 4\n}\n";
    a_function_returns_its_declared_type: "fn token() -> string {\n  return 1\n}\ntest \"a\" {\n  run \"true\"\n  expect token() == \"x\"\n}\n";
    an_expectation_needs_a_bool: "test \"a\" {\n  run \"true\"\n  expect exit\n}\n";
    an_assignment_keeps_the_type: "test \"a\" {\n  let seen = 0\n  seen = \"many\"\n  run \"true\"\n  expect exit == seen\n}\n";
    for_needs_a_list: "test \"a\" {\n  for x in 5 {\n    run \"true\"\n    expect exit == x\n  }\n}\n";
    a_well_typed_program_checks_clean: "fn twice(n: int) -> int {\n  return n * 2\n}\nlet names = [\"a\", \"b\"]\ntest \"a\" {\n  for name in names {\n    run \"printf %s {{name}}\"\n    expect stdout == name\n  }\n  expect twice(2) == 4\n  expect len(names) == 2\n}\n";
}

// ---- steps and clauses (E04xx) ----

rules! {
    an_unknown_clause_suggests_the_nearest: "test \"a\" {\n  GET \"http://127.0.0.1:3000/health\" header { Accept: \"application/json\" }\n  expect status == 200\n}\n";
    a_clause_is_given_once: "test \"a\" {\n  GET \"http://127.0.0.1:3000/health\" timeout 1s timeout 2s\n  expect status == 200\n}\n";
    one_body_per_request: "test \"a\" {\n  POST \"http://127.0.0.1:3000/api/users\" json { name: \"x\" } form { name: \"x\" }\n  expect status == 201\n}\n";
    an_unknown_test_option_suggests_the_nearest: "test \"a\" retries 3 {\n  run \"true\"\n  expect exit == 0\n}\n";
    a_literal_url_must_parse: "test \"a\" {\n  GET \"htp//127.0.0.1:3000/health\"\n  expect status == 200\n}\n";
    a_literal_regex_must_compile: "test \"a\" {\n  run \"echo hi\"\n  expect stdout matches \"[a-\"\n}\n";
    a_header_name_must_be_a_token: "test \"a\" {\n  GET \"http://127.0.0.1:3000/health\" headers { \"Content Type\": \"text/plain\" }\n  expect status == 200\n}\n";
    no_step_in_a_top_level_initializer: "let health = GET \"http://127.0.0.1:3000/health\"\ntest \"a\" {\n  expect health.status == 200\n}\n";
    a_bare_expression_is_not_a_statement: "test \"a\" {\n  run \"echo hi\"\n  expect exit == 0\n  len(stdout) + 1\n}\n";
    shell_values_go_outside_quotes: "let name = \"x\"\ntest \"a\" {\n  run \"echo '{{name}}'\"\n  expect exit == 0\n}\n";
}

// ---- warnings (W000x) ----

rules! {
    an_unused_capture_warns: "test \"a\" {\n  run \"echo hi\"\n  let said = stdout\n  expect exit == 0\n}\n";
    a_test_without_an_expectation_warns: "test \"a\" {\n  run \"true\"\n}\n";
    a_literal_expectation_warns: "test \"a\" {\n  run \"true\"\n  expect exit == 0\n  expect 1 == 1\n}\n";
    a_secret_in_a_query_string_warns: "secret api_key = env(\"API_KEY\", \"dev-key-long-enough-1234\")\ntest \"a\" {\n  GET \"http://127.0.0.1:3000/health?key={{api_key}}\"\n  expect status == 200\n}\n";
}
