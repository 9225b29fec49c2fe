//! Drives the real `ritc lsp` over stdio the way an editor does: the initialize
//! handshake, didOpen with an error, diagnostics (codes, UTF-16 ranges, related
//! labels), hover, go to definition (here and into an imported module),
//! completion after a step, didChange introducing and fixing errors, and a clean
//! shutdown and exit. Then the server agreeing with the checker (issue 17): answers
//! inside a test with a syntax error, statement keywords by context, the last
//! step's fields, expressions after `{{`, operators after an operand, the tests
//! after `is`, after `json.` a schema's keys and those read above, and a
//! half-typed `json.` an error at its own line.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ritc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ritc lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            messages,
            next_id: 0,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its response, skipping notifications.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self
                .messages
                .recv_timeout(WAIT)
                .expect("a response in time");
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{method} failed: {message}");
                return message["result"].clone();
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let message = self
                .messages
                .recv_timeout(WAIT)
                .expect("diagnostics in time");
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return message["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
        }
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length:") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn position(line: u32, character: u32) -> Value {
    json!({ "line": line, "character": character })
}

fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position(line, character) })
}

fn change(client: &mut Client, uri: &str, version: i32, text: &str) {
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": version },
            "contentChanges": [{ "text": text }],
        }),
    );
}

fn labels(items: &Value) -> Vec<String> {
    let items = items.get("items").unwrap_or(items);
    items
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["label"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

const HELPERS: &str =
    "let greeting = \"hi\"\nfn shout(text: string) -> string {\n  return upper(text)\n}\n";

// Line 7 has an unknown name after non-ASCII text: `é` is one UTF-16 unit (two
// bytes), `😀` two units (four bytes).
const WITH_ERROR: &str = r#"import "./helpers.rit"
let base = "http://127.0.0.1:3000"
test "health" {
  GET "{{base}}/health"

  expect status == 200
  let code = status
  expect code == 200 and "é😀" != emial
  expect shout(greeting) == "HI"
}
"#;

#[test]
fn serves_an_editor_over_stdio() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("helpers.rit"), HELPERS).unwrap();
    // The main file exists only in the editor's buffer.
    let main_path = folder.path().join("main.rit");
    let uri = format!("file://{}", main_path.display());
    let helpers_uri = format!(
        "file://{}",
        folder
            .path()
            .join("helpers.rit")
            .canonicalize()
            .unwrap()
            .display()
    );

    let mut client = Client::start();
    let initialized = client.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    );
    let capabilities = &initialized["capabilities"];
    assert_eq!(capabilities["hoverProvider"], json!(true));
    assert_eq!(capabilities["definitionProvider"], json!(true));
    assert!(capabilities["completionProvider"].is_object());
    client.notify("initialized", json!({}));

    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rit", "version": 1, "text": WITH_ERROR } }),
    );
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let unknown = &diagnostics[0];
    assert_eq!(unknown["code"], "E0201");
    assert_eq!(unknown["severity"], 1);
    assert_eq!(unknown["range"]["start"], position(7, 34));
    assert_eq!(unknown["range"]["end"], position(7, 39));
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("unknown name `emial`")
    );

    // Hover: a capture's type, a field's type, a core function's signature.
    let hover = client.request("textDocument/hover", at(&uri, 7, 10));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("code: int"), "{text}");
    let hover = client.request("textDocument/hover", at(&uri, 5, 10));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("status: int")
    );
    let hover = client.request("textDocument/hover", at(&uri, 8, 10));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("fn shout(text: string) -> string")
    );

    // Definition: a `let` use goes to its name; an imported name into its module.
    let definition = client.request("textDocument/definition", at(&uri, 3, 10));
    assert_eq!(definition["uri"], uri.as_str());
    assert_eq!(definition["range"]["start"], position(1, 4));
    assert_eq!(definition["range"]["end"], position(1, 8));
    let definition = client.request("textDocument/definition", at(&uri, 7, 10));
    assert_eq!(definition["range"]["start"], position(6, 6));
    let definition = client.request("textDocument/definition", at(&uri, 8, 18));
    assert_eq!(definition["uri"], helpers_uri.as_str());
    assert_eq!(definition["range"]["start"], position(0, 4));
    let definition = client.request("textDocument/definition", at(&uri, 0, 12));
    assert_eq!(definition["uri"], helpers_uri.as_str());

    // Completion on the empty line after the step: statement keywords, the
    // step's clauses and its result fields.
    let completion = client.request("textDocument/completion", at(&uri, 4, 2));
    let offered = labels(&completion);
    for wanted in [
        "expect", "let", "status", "headers", "query", "code", "base", "len", "shout",
    ] {
        if wanted == "code" {
            // Declared below the cursor: not in scope yet.
            assert!(!offered.iter().any(|label| label == wanted), "{offered:?}");
            continue;
        }
        assert!(
            offered.iter().any(|label| label == wanted),
            "no `{wanted}` in {offered:?}"
        );
    }
    // Half-typed: after `expect ` on a new line, and after `x.` of a module's value.
    let typing = WITH_ERROR.replace("\n\n  expect status", "\n  expect \n  expect status");
    change(&mut client, &uri, 2, &typing);
    assert!(!client.diagnostics(&uri).is_empty());
    let offered = labels(&client.request("textDocument/completion", at(&uri, 4, 9)));
    assert!(offered.iter().any(|label| label == "status"), "{offered:?}");
    assert!(offered.iter().any(|label| label == "base"), "{offered:?}");

    // Fixing the error clears the diagnostics.
    let fixed = WITH_ERROR.replace(" and \"é😀\" != emial", "");
    change(&mut client, &uri, 3, &fixed);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());

    // A type error with a second label: related information.
    let mismatched = fixed.replace("expect status == 200", "expect status == \"200\"");
    change(&mut client, &uri, 4, &mismatched);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "E0301");
    assert_eq!(diagnostics[0]["range"]["start"], position(5, 19));
    let related = diagnostics[0]["relatedInformation"].as_array().unwrap();
    assert_eq!(related[0]["location"]["range"]["start"], position(5, 9));
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("help:")
    );

    change(&mut client, &uri, 5, &fixed);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());

    // The outline, and formatting through `ritc fmt`'s layout.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|symbol| symbol["name"].as_str())
        .collect();
    assert_eq!(names, ["base", "test \"health\""]);
    change(
        &mut client,
        &uri,
        6,
        "let   base =  \"http://127.0.0.1:3000\"\n",
    );
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(
        edits[0]["newText"],
        "let base = \"http://127.0.0.1:3000\"\n"
    );

    // Nonsense never stops the server.
    change(
        &mut client,
        &uri,
        7,
        "test \"x\" { GET \"{{ ]] }} é\n  expect ((( \n",
    );
    assert!(!client.diagnostics(&uri).is_empty());
    for (line, character) in [(0, 0), (0, 20), (1, 10), (9, 99)] {
        client.request("textDocument/hover", at(&uri, line, character));
        client.request("textDocument/completion", at(&uri, line, character));
        client.request("textDocument/definition", at(&uri, line, character));
    }

    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    client.notify("exit", Value::Null);
    let status = wait_for_exit(&mut client.child);
    assert_eq!(status, Some(0));
}

fn wait_for_exit(child: &mut Child) -> Option<i32> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn exit_without_shutdown_is_an_error() {
    let mut client = Client::start();
    client.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    );
    client.notify("initialized", json!({}));
    client.notify("exit", Value::Null);
    assert_eq!(wait_for_exit(&mut client.child), Some(1));
}

// ----------------------------------------------------------------------------
// The language server agrees with the checker (issue 17, requirement 8).

/// A started server, initialized, with one document open.
fn open_document(folder: &std::path::Path, name: &str, text: &str) -> (Client, String) {
    let (client, uri, _) = open_document_with_diagnostics(folder, name, text);
    (client, uri)
}

/// `open_document`, with the diagnostics first published for the document.
fn open_document_with_diagnostics(
    folder: &std::path::Path,
    name: &str,
    text: &str,
) -> (Client, String, Vec<Value>) {
    let path = folder.join(name);
    let uri = format!("file://{}", path.display());
    let mut client = Client::start();
    client.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rit", "version": 1, "text": text } }),
    );
    let diagnostics = client.diagnostics(&uri);
    (client, uri, diagnostics)
}

/// The position (line, character) of the `nth` occurrence of `needle` in `text`,
/// `shift` characters into it (ASCII text: characters are bytes).
fn find(text: &str, needle: &str, nth: usize, shift: usize) -> (u32, u32) {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {needle:?} #{nth}"))
        .0
        + shift;
    let line = text[..start].matches('\n').count();
    let column = start - text[..start].rfind('\n').map_or(0, |index| index + 1);
    (line as u32, column as u32)
}

fn complete(client: &mut Client, uri: &str, (line, character): (u32, u32)) -> Vec<String> {
    labels(&client.request("textDocument/completion", at(uri, line, character)))
}

fn shut_down(mut client: Client) {
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(wait_for_exit(&mut client.child), Some(0));
}

const HALF_TYPED: &str = r#"let base = "http://127.0.0.1:3000"
test "first" {
  GET "{{base}}/users/1"
  let id = json.id
  expect id >
  expect status == 200
}
test "second" {
  GET "{{base}}/health"
}
"#;

/// Inside a test with a half-typed line, the parts that parse still answer:
/// hover gives a capture's type (not a keyword's help), definition finds the
/// `let`, and the test stays in the outline.
#[test]
fn recovers_inside_a_test_with_a_syntax_error() {
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", HALF_TYPED);
    let (line, character) = find(HALF_TYPED, "id = json", 0, 0);
    let hover = client.request("textDocument/hover", at(&uri, line, character));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("(let) id: json"), "{hover}");
    let (line, character) = find(HALF_TYPED, "status == 200", 0, 1);
    let hover = client.request("textDocument/hover", at(&uri, line, character));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("status: int"), "{hover}");

    let (line, character) = find(HALF_TYPED, "{{base}}/users", 0, 3);
    let definition = client.request("textDocument/definition", at(&uri, line, character));
    assert_eq!(definition["range"]["start"], position(0, 4), "{definition}");

    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|symbol| symbol["name"].as_str())
        .collect();
    assert_eq!(names, ["base", "test \"first\"", "test \"second\""]);
    shut_down(client);
}

const CONTEXTS: &str = r#"let base = "http://127.0.0.1:3000"
fn ping() -> int {
  GET "{{base}}/health"
  
}
test "socket" {
  ws "ws://127.0.0.1:3000/echo" {
    
  }
  
}
"#;

/// Statement keywords by context: `return` only in a `fn`, `send`, `receive`
/// and `close` only in a `ws` block.
#[test]
fn completion_offers_statement_keywords_by_context() {
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", CONTEXTS);
    let in_fn = complete(&mut client, &uri, (3, 2));
    let in_ws = complete(&mut client, &uri, (7, 4));
    let in_test = complete(&mut client, &uri, (9, 2));
    let has = |offered: &[String], word: &str| offered.iter().any(|label| label == word);
    assert!(has(&in_fn, "return") && has(&in_fn, "expect"), "{in_fn:?}");
    assert!(!has(&in_fn, "send"), "{in_fn:?}");
    for word in ["send", "receive", "close", "expect"] {
        assert!(has(&in_ws, word), "no `{word}` in {in_ws:?}");
    }
    assert!(!has(&in_ws, "return"), "{in_ws:?}");
    for word in ["return", "send", "receive", "close"] {
        assert!(!has(&in_test, word), "`{word}` in {in_test:?}");
    }
    assert!(has(&in_test, "expect"), "{in_test:?}");
    shut_down(client);
}

const AFTER_A_CALL: &str = r#"let base = "http://127.0.0.1:3000"
fn login() {
  POST "{{base}}/login"
}
test "t" {
  GET "{{base}}/health"
  
  login()
  
}
"#;

/// The fields of the last step: after a call to a `fn` that performs a step,
/// the earlier step's fields are gone, as the checker says (E0303).
#[test]
fn completion_offers_the_last_steps_fields_only() {
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", AFTER_A_CALL);
    // Fields are items of kind 5 (`json` is also a core function).
    let fields = |client: &mut Client, line| {
        let items = client.request("textDocument/completion", at(&uri, line, 2));
        let items = items.as_array().cloned().unwrap_or_default();
        items
            .iter()
            .filter(|item| item["kind"] == 5)
            .filter_map(|item| item["label"].as_str().map(str::to_string))
            .collect::<Vec<String>>()
    };
    let after_get = fields(&mut client, 6);
    assert!(
        after_get.iter().any(|label| label == "status"),
        "{after_get:?}"
    );
    assert!(
        after_get.iter().any(|label| label == "duration"),
        "{after_get:?}"
    );
    let after_call = fields(&mut client, 8);
    assert_eq!(after_call, Vec::<String>::new());
    assert!(
        complete(&mut client, &uri, (8, 2))
            .iter()
            .any(|label| label == "login")
    );
    shut_down(client);
}

const INTERPOLATION: &str = r#"let base = "http://127.0.0.1:3000"
test "t" {
  GET "{{base}}/health"
  expect body == "{{  }}"
  expect body == "{{ base  }}"
}
"#;

/// After `{{`, what begins an expression (names, fields, core functions), never
/// an operator such as `in` or `is`; after an operand, the operators.
#[test]
fn completion_after_an_interpolation_opens_offers_expressions() {
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", INTERPOLATION);
    let opened = complete(&mut client, &uri, find(INTERPOLATION, "{{  }}", 0, 3));
    for wanted in ["base", "status", "len", "true"] {
        assert!(
            opened.iter().any(|label| label == wanted),
            "no `{wanted}` in {opened:?}"
        );
    }
    for operator in ["in", "is", "and", "contains"] {
        assert!(
            !opened.iter().any(|label| label == operator),
            "`{operator}` in {opened:?}"
        );
    }
    let after = complete(&mut client, &uri, find(INTERPOLATION, "base  }}", 0, 5));
    assert!(after.iter().any(|label| label == "in"), "{after:?}");
    assert!(!after.iter().any(|label| label == "base"), "{after:?}");
    shut_down(client);
}

const USER_SCHEMA: &str = r##"{
  "type": "object",
  "properties": {
    "id": { "type": "integer" },
    "address": { "$ref": "#/definitions/address" }
  },
  "definitions": {
    "address": { "type": "object", "properties": { "city": { "type": "string" } } }
  }
}"##;

// Each half-typed line ends its test, so that the one being completed is the
// only syntax error of its test (a half-typed line before a statement: below).
const KEYS: &str = r#"let base = "http://127.0.0.1:3000"
let user = schema("user.json")
test "t" {
  GET "{{base}}/users/1"
  expect json conforms user
  expect json.
}
test "u" {
  GET "{{base}}/users/1"
  expect json.address.
}
test "v" {
  GET "{{base}}/users/1"
  expect json conforms schema("user.json")
  expect json.address.
}
test "w" {
  let sent = { name: "a", tags: [] }
  expect sent.
}
test "x" {
  GET "{{base}}/users/1"
  expect json conforms user
  GET "{{base}}/health"
  expect json.
}
"#;

/// After `json.`, the keys of the schema the body was held to (through a `let`
/// or directly, nested through a `$ref`); none when nothing is known about this
/// step's body; after a value of an object literal, its keys.
#[test]
fn completion_after_json_offers_the_schemas_keys() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("user.json"), USER_SCHEMA).unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", KEYS);
    let root = complete(&mut client, &uri, find(KEYS, "json.\n", 0, 5));
    assert_eq!(root, ["id", "address"]);
    let unknown = complete(&mut client, &uri, find(KEYS, "json.address.", 0, 13));
    assert_eq!(unknown, Vec::<String>::new());
    let nested = complete(&mut client, &uri, find(KEYS, "json.address.", 1, 13));
    assert_eq!(nested, ["city"]);
    let literal = complete(&mut client, &uri, find(KEYS, "sent.", 0, 5));
    assert_eq!(literal, ["name", "tags"]);
    let after_another_step = complete(&mut client, &uri, find(KEYS, "json.\n", 1, 5));
    assert_eq!(after_another_step, Vec::<String>::new());
    shut_down(client);
}

const MEMBER_BEFORE_A_STATEMENT: &str = r#"let base = "http://127.0.0.1:3000"
test "t" {
  GET "{{base}}/users/1"
  expect json conforms schema("user.json")
  expect json.
  let x = 1
  expect x == 1
}
"#;

/// A half-typed `expect json.` before a statement: the one error is at the end
/// of its line (not `json.let` with `x` undeclared below), and completion there
/// still offers the schema's keys.
#[test]
fn a_half_typed_member_is_an_error_at_its_line_and_still_completes() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("user.json"), USER_SCHEMA).unwrap();
    let (mut client, uri, diagnostics) =
        open_document_with_diagnostics(folder.path(), "main.rit", MEMBER_BEFORE_A_STATEMENT);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "E0101", "{diagnostics:?}");
    let (line, character) = find(MEMBER_BEFORE_A_STATEMENT, "json.\n", 0, 5);
    assert_eq!(
        diagnostics[0]["range"]["start"],
        position(line, character),
        "{diagnostics:?}"
    );
    let keys = complete(&mut client, &uri, (line, character));
    assert_eq!(keys, ["id", "address"]);
    shut_down(client);
}

const READ_ABOVE: &str = r#"let base = "http://127.0.0.1:3000"
test "t" {
  GET "{{base}}/users/1"
  expect json == { id: 1, user: { name: "a" } }
  expect json.user.email exists
  let items = json.items
  let data = json
  expect json.
  expect json.user.
  expect data.
  for item in json.items {
    expect item.sku != ""
  }
  expect json.items[0].
  GET "{{base}}/health"
  expect json.
  expect data.
}
test "u" {
  GET "{{base}}/users/1"
  expect json conforms schema("user.json")
  expect json.nickname exists
  expect json.
}
"#;

/// After `json.`, the keys the test has read the same step's body with or
/// compared it to above: nested (`json.user.`), through a name bound to the body
/// (`data.`) or to its items, none for the next step's body while the name keeps
/// the old one's; after a schema's properties, the keys read beyond them.
#[test]
fn completion_after_json_offers_the_keys_read_above() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("user.json"), USER_SCHEMA).unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", READ_ABOVE);
    let at = |needle: &str, nth: usize| {
        find(READ_ABOVE, needle, nth, needle.trim_end_matches('\n').len())
    };
    let root = complete(&mut client, &uri, at("json.\n", 0));
    assert_eq!(root, ["id", "user", "items"]);
    let user = complete(&mut client, &uri, at("json.user.\n", 0));
    assert_eq!(user, ["name", "email"]);
    let alias = complete(&mut client, &uri, at("data.\n", 0));
    assert_eq!(alias, ["id", "user", "items"]);
    let item = complete(&mut client, &uri, at("json.items[0].", 0));
    assert_eq!(item, ["sku"]);
    let next_step = complete(&mut client, &uri, at("json.\n", 1));
    assert_eq!(next_step, Vec::<String>::new());
    let alias_after = complete(&mut client, &uri, at("data.\n", 1));
    assert_eq!(alias_after, ["id", "user", "items"]);
    let with_schema = complete(&mut client, &uri, at("json.\n", 2));
    assert_eq!(with_schema, ["id", "address", "nickname"]);
    shut_down(client);
}

const AFTER_OPERANDS: &str = r#"let base = "http://127.0.0.1:3000"
test "t" {
  GET "{{base}}/users/1"
  expect status 
  expect status == 200 
  let id = json.id 
  expect id is 
  expect id is i
  
}
"#;

/// After the operand that ends an `expect` or a `let` on its line, the operators
/// (never a statement keyword, which could not begin a statement there); on a
/// new line, statements again.
#[test]
fn completion_after_an_operand_offers_operators() {
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", AFTER_OPERANDS);
    let has = |offered: &[String], word: &str| offered.iter().any(|label| label == word);
    for needle in ["status ", "200 ", "json.id "] {
        let offered = complete(
            &mut client,
            &uri,
            find(AFTER_OPERANDS, needle, 0, needle.len()),
        );
        for operator in ["and", "in", "is", "contains"] {
            assert!(
                has(&offered, operator),
                "no `{operator}` after {needle:?}: {offered:?}"
            );
        }
        for word in ["expect", "let", "GET", "status", "len"] {
            assert!(
                !has(&offered, word),
                "`{word}` after {needle:?}: {offered:?}"
            );
        }
    }
    let new_line = complete(&mut client, &uri, find(AFTER_OPERANDS, "i\n  \n", 0, 4));
    assert!(has(&new_line, "expect"), "{new_line:?}");
    shut_down(client);
}

/// After `is`, the tests it knows (never a value such as a name or `len`).
#[test]
fn completion_after_is_offers_the_tests_it_knows() {
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", AFTER_OPERANDS);
    let tests = [
        "string",
        "int",
        "float",
        "number",
        "bool",
        "null",
        "object",
        "array",
        "iso_date",
        "empty",
        "collection",
    ];
    let after_is = complete(&mut client, &uri, find(AFTER_OPERANDS, "is \n", 0, 3));
    assert_eq!(after_is, tests);
    let typed = complete(&mut client, &uri, find(AFTER_OPERANDS, "is i", 0, 4));
    assert_eq!(typed, tests);
    shut_down(client);
}

/// A step kind with no keyword of its own (`echo`, registered for the tests by the
/// `test-kinds` feature: tests/echo_kind.rs) is known to the server through the
/// registry alone: its word is offered where a statement begins, hover describes
/// it from its schema, and its fields are offered after it.
#[test]
fn a_kind_known_only_to_the_registry_is_offered_and_described() {
    let text = "test \"t\" {\n  echo \"hi\" timeout 1s\n  \n}\n";
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", text);
    let (line, character) = find(text, "echo", 0, 1);
    let hover = client.request("textDocument/hover", at(&uri, line, character));
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(shown.contains("**echo** step"), "{shown}");
    assert!(
        shown.contains("`delay`") && shown.contains("`timeout`"),
        "{shown}"
    );
    assert!(
        shown.contains("text: string") && shown.contains("length: int"),
        "{shown}"
    );
    let offered = complete(&mut client, &uri, (2, 2));
    for word in ["echo", "expect", "text", "length"] {
        assert!(
            offered.iter().any(|label| label == word),
            "no `{word}` in {offered:?}"
        );
    }
    shut_down(client);
}

const HTTP_OPTIONS: &str = r#"test "t" {
  GET "http://127.0.0.1:3000/me" proxy "http://127.0.0.1:3128" max redirects 2
  expect version == "HTTP/1.1"
  GET "http://127.0.0.1:3000/me" connect to "a.test:1:127.0.0.1:2" path as is limit rate 4KB
}
"#;

/// An HTTP step's options come from its kind's schema: completion offers each
/// with its line, and hover over one says what it does.
#[test]
fn http_options_are_completed_and_hovered_from_the_schema() {
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", HTTP_OPTIONS);
    let hover = client.request("textDocument/hover", at(&uri, 1, 34));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("**proxy**"), "{hover}");
    assert!(text.contains("through this proxy"), "{hover}");
    let hover = client.request("textDocument/hover", at(&uri, 1, 65));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("**max redirects**"), "{hover}");
    let items = client.request("textDocument/completion", at(&uri, 1, 80));
    let offered = items
        .as_array()
        .or_else(|| items["items"].as_array())
        .cloned()
        .unwrap_or_default();
    let user = offered
        .iter()
        .find(|item| item["label"] == "user")
        .unwrap_or_else(|| panic!("no `user` in {items}"));
    assert!(
        user["documentation"]["value"]
            .as_str()
            .is_some_and(|text| text.contains("basic auth")),
        "{user}"
    );
    for clause in [
        "max redirects",
        "connect to",
        "path as is",
        "limit rate",
        "sigv4",
    ] {
        assert!(
            offered.iter().any(|item| item["label"] == clause),
            "no `{clause}` in {items}"
        );
    }
    // A clause of several words is hovered from any of them.
    for (column, name) in [
        (34, "**connect to**"),
        (42, "**connect to**"),
        (68, "**path as is**"),
        (76, "**path as is**"),
        (86, "**limit rate**"),
    ] {
        let hover = client.request("textDocument/hover", at(&uri, 3, column));
        let text = hover["contents"]["value"].as_str().unwrap_or_default();
        assert!(text.contains(name), "{column}: {hover}");
    }
    shut_down(client);
}

const DEFAULTS: &str = r#"let token = "t0k3n"
defaults {
  proxy "http://127.0.0.1:3128"
  max redirects 3
  
  timeout 
}
test "t" {
  GET "http://127.0.0.1:3000/me"
  expect body starts with "{" and body ends with "}"
  expect status 
}
"#;

/// `defaults { … }` is completed and hovered from the `http` schema: its
/// clauses (never a body, never a statement), a value after a clause name,
/// and the line on each clause.
#[test]
fn defaults_are_completed_and_hovered_from_the_http_schema() {
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", DEFAULTS);
    let offered = complete(&mut client, &uri, (4, 2));
    for clause in [
        "proxy",
        "headers",
        "timeout",
        "follow redirects",
        "limit rate",
        "user",
    ] {
        assert!(
            offered.iter().any(|label| label == clause),
            "no `{clause}` in {offered:?}"
        );
    }
    for refused in ["json", "body", "form", "variables", "expect", "GET", "let"] {
        assert!(
            !offered.iter().any(|label| label == refused),
            "`{refused}` in {offered:?}"
        );
    }
    let value = complete(&mut client, &uri, (5, 10));
    assert!(value.iter().any(|label| label == "token"), "{value:?}");
    assert!(!value.iter().any(|label| label == "proxy"), "{value:?}");
    for (line, column, name, words) in [
        (2, 3, "**proxy**", "through this proxy"),
        (3, 7, "**max redirects**", "redirect"),
    ] {
        let hover = client.request("textDocument/hover", at(&uri, line, column));
        let text = hover["contents"]["value"].as_str().unwrap_or_default();
        assert!(text.contains(name), "{hover}");
        assert!(text.contains(words), "{hover}");
    }
    shut_down(client);
}

/// `starts with` and `ends with` are offered after an operand and described on hover.
#[test]
fn starts_with_and_ends_with_are_offered_and_described() {
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", DEFAULTS);
    let offered = complete(&mut client, &uri, (10, 16));
    for operator in ["starts with", "ends with", "contains"] {
        assert!(
            offered.iter().any(|label| label == operator),
            "no `{operator}` in {offered:?}"
        );
    }
    for (column, words) in [(16, "starts with"), (23, "starts with"), (40, "ends with")] {
        let hover = client.request("textDocument/hover", at(&uri, 9, column));
        let text = hover["contents"]["value"].as_str().unwrap_or_default();
        assert!(text.contains(words), "{column}: {hover}");
    }
    shut_down(client);
}

/// The shapes a kind declares reach the server from its schema alone: the hover
/// of an operation word says what it does and how its steps read, the kind's
/// hover lists its operations, and a kind's own statement (`say`, echo's) is
/// offered inside a block of its kind and nowhere else.
#[test]
fn a_kinds_operations_and_its_own_statement_are_described_and_offered() {
    let text = "test \"t\" {\n  echo join \"a\" \", \" {\n    \n  }\n  \n}\n";
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", text);
    let (line, character) = find(text, "join", 0, 1);
    let hover = client.request("textDocument/hover", at(&uri, line, character));
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(shown.contains("**echo join**"), "{shown}");
    assert!(shown.contains("echo join TARGET \"…\" { … }"), "{shown}");
    let (line, character) = find(text, "echo", 0, 1);
    let hover = client.request("textDocument/hover", at(&uri, line, character));
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        shown.contains("operations: `upper`, `lower`, `join`"),
        "{shown}"
    );
    let inside = complete(&mut client, &uri, (2, 4));
    assert!(inside.iter().any(|label| label == "say"), "{inside:?}");
    let outside = complete(&mut client, &uri, (4, 2));
    assert!(!outside.iter().any(|label| label == "say"), "{outside:?}");
    assert!(outside.iter().any(|label| label == "echo"), "{outside:?}");
    shut_down(client);
}

/// `nats` is described and offered from its schema: the hover of the word lists
/// its operations, that of `subscribe` says what it does and how its steps read,
/// and after a `nats` step its message fields are offered.
#[test]
fn nats_steps_are_described_and_their_fields_offered() {
    let text = "let bus = nats(\"nats://127.0.0.1:4222\")\ntest \"t\" {\n  nats subscribe bus \"orders.*\" within 1s {\n  }\n  \n}\n";
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", text);
    let (line, character) = find(text, "nats subscribe", 0, 1);
    let hover = client.request("textDocument/hover", at(&uri, line, character));
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        shown.contains("operations: `publish`, `request`, `subscribe`, `silent`"),
        "{shown}"
    );
    assert!(
        shown.contains("`until`") && shown.contains("`within`"),
        "{shown}"
    );
    let (line, character) = find(text, "subscribe", 0, 1);
    let hover = client.request("textDocument/hover", at(&uri, line, character));
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(shown.contains("**nats subscribe**"), "{shown}");
    assert!(
        shown.contains("nats subscribe TARGET \"…\" [{ … }]"),
        "{shown}"
    );
    let offered = complete(&mut client, &uri, (4, 2));
    for word in ["nats", "json", "subject", "received"] {
        assert!(
            offered.iter().any(|label| label == word),
            "no `{word}` in {offered:?}"
        );
    }
    shut_down(client);
}

/// `mqtt` and `amqp` are described and offered from their schemas as `nats` is:
/// the hover of the kind's word lists its operations and clauses, the hover of a
/// clause says what it does, completion on the step's line offers the kind's
/// clauses (QoS and retain; exchange, properties and persistent), and after
/// the step its message fields are offered.
#[test]
fn mqtt_and_amqp_steps_are_described_and_their_clauses_and_fields_offered() {
    let text = "let broker = mqtt(\"mqtt://127.0.0.1:1883\")\nlet mq = amqp(\"amqp://127.0.0.1:5672/%2f\")\ntest \"mqtt\" {\n  mqtt publish broker \"orders/1\" body \"x\" qos 1 retain \n  \n}\ntest \"amqp\" {\n  amqp publish mq \"order.created\" exchange \"orders\" persistent \n  \n}\n";
    let folder = tempfile::tempdir().unwrap();
    let (mut client, uri) = open_document(folder.path(), "main.rit", text);
    let hover_at = |client: &mut Client, needle: &str| -> String {
        let (line, character) = find(text, needle, 0, 1);
        let hover = client.request("textDocument/hover", at(&uri, line, character));
        hover["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let mqtt = hover_at(&mut client, "mqtt publish");
    assert!(
        mqtt.contains("operations: `publish`, `subscribe`, `silent`"),
        "{mqtt}"
    );
    assert!(
        mqtt.contains("`qos`") && mqtt.contains("`retain`"),
        "{mqtt}"
    );
    let qos = hover_at(&mut client, "qos 1");
    assert!(qos.contains("**qos**"), "{qos}");
    let amqp = hover_at(&mut client, "amqp publish");
    assert!(
        amqp.contains("operations: `publish`, `request`, `subscribe`, `silent`"),
        "{amqp}"
    );
    for clause in ["`exchange`", "`properties`", "`persistent`"] {
        assert!(amqp.contains(clause), "no {clause} in {amqp}");
    }
    let exchange = hover_at(&mut client, "exchange \"orders\"");
    assert!(exchange.contains("**exchange**"), "{exchange}");
    let (line, end) = find(text, "retain \n", 0, 7);
    let offered = complete(&mut client, &uri, (line, end));
    for clause in ["qos", "within", "until", "json"] {
        assert!(
            offered.iter().any(|label| label == clause),
            "no `{clause}` after an mqtt step's clauses: {offered:?}"
        );
    }
    let (line, end) = find(text, "persistent \n", 0, 11);
    let offered = complete(&mut client, &uri, (line, end));
    for clause in ["properties", "headers", "mandatory", "exchange"] {
        assert!(
            offered.iter().any(|label| label == clause),
            "no `{clause}` after an amqp step's clauses: {offered:?}"
        );
    }
    let after_mqtt = complete(&mut client, &uri, (4, 2));
    for field in ["topic", "qos", "retain", "received"] {
        assert!(
            after_mqtt.iter().any(|label| label == field),
            "no `{field}` after an mqtt step: {after_mqtt:?}"
        );
    }
    let after_amqp = complete(&mut client, &uri, (8, 2));
    for field in ["routing_key", "properties", "redelivered", "headers"] {
        assert!(
            after_amqp.iter().any(|label| label == field),
            "no `{field}` after an amqp step: {after_amqp:?}"
        );
    }
    assert!(
        !after_amqp.iter().any(|label| label == "topic"),
        "an mqtt field after an amqp step: {after_amqp:?}"
    );
    shut_down(client);
}
