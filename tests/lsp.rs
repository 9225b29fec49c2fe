//! Drives the real `ritc lsp` over stdio the way an editor does: the initialize
//! handshake, didOpen with an error, diagnostics (codes, UTF-16 ranges, related
//! labels), hover, go to definition (here and into an imported module),
//! completion after a step, didChange introducing and fixing errors, and a clean
//! shutdown and exit.

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
