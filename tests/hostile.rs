//! Hostile input from the suite's own files and values (issue 16,
//! docs/reliability.md §4): imports confined to the suite's folder and refused
//! without printing what they point at, control characters shown escaped, and
//! values in `run` commands that stay one word and never become code.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::suite::{ritc, text};

/// A value that must never appear in any output: it stands for a CI token.
const MARKER: &str = "HOSTILE_TOKEN_5f3a9c";

/// `ritc SUBCOMMAND ARGS` in `dir`, with the marker in the environment (as a
/// CI token would be).
fn ritc_in(dir: &Path, subcommand: &str, args: &[&str]) -> Output {
    Command::new(ritc())
        .arg(subcommand)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HOSTILE_TOKEN", MARKER)
        .output()
        .unwrap()
}

/// `outer/suite/` holds the suite; `outer/outside/` a file that is not a module
/// and holds the marker, and a module that would be fine if it were inside.
fn outer_with_suite() -> (tempfile::TempDir, std::path::PathBuf) {
    let outer = tempfile::tempdir().unwrap();
    let outside = outer.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secrets.rit"), format!("TOKEN={MARKER}\n")).unwrap();
    std::fs::write(outside.join("env"), format!("TOKEN={MARKER}\n")).unwrap();
    std::fs::write(
        outside.join("helpers.rit"),
        "fn twice(n: int) -> int { return n * 2 }\n",
    )
    .unwrap();
    let suite = outer.path().join("suite");
    std::fs::create_dir(&suite).unwrap();
    (outer, suite)
}

#[test]
fn imports_outside_the_suite_folder_are_refused_without_their_content() {
    let (_outer, suite) = outer_with_suite();
    let depth = suite.components().count();
    let environ = format!("{}proc/self/environ", "../".repeat(depth));
    std::os::unix::fs::symlink("../outside/secrets.rit", suite.join("linked.rit")).unwrap();
    let cases = [
        ("dots.rit", "../outside/secrets.rit".to_string()),
        ("environ.rit", environ),
        ("symlink.rit", "./linked.rit".to_string()),
    ];
    for (name, import) in &cases {
        std::fs::write(
            suite.join(name),
            format!(
                "import \"{import}\"\ntest \"t\" {{\n  run \"touch ran\"\n  expect exit == 0\n}}\n"
            ),
        )
        .unwrap();
        // `ritc check` exits 1 on errors, `ritc run` 2 (nothing was run).
        for (subcommand, code) in [("check", 1), ("run", 2)] {
            let output = ritc_in(&suite, subcommand, &[name]);
            let all = text(&output);
            assert_eq!(
                output.status.code(),
                Some(code),
                "{subcommand} {name}: {all}"
            );
            assert!(all.contains("error[E0206]"), "{subcommand} {name}: {all}");
            assert!(
                all.contains("is outside the suite's folder"),
                "{subcommand} {name}: {all}"
            );
            assert!(all.contains("--allow-read"), "{subcommand} {name}: {all}");
            assert!(!all.contains(MARKER), "{subcommand} {name} leaked: {all}");
            assert!(!suite.join("ran").exists(), "{subcommand} {name}: {all}");
        }
    }
    // An absolute path is refused whatever the flags.
    std::fs::write(
        suite.join("absolute.rit"),
        format!(
            "import \"{}\"\n",
            suite.join("../outside/secrets.rit").display()
        ),
    )
    .unwrap();
    for flags in [&["absolute.rit"][..], &["--allow-read", "absolute.rit"]] {
        let output = ritc_in(&suite, "check", flags);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(1), "{all}");
        assert!(all.contains("a URL or an absolute path"), "{all}");
        assert!(!all.contains(MARKER), "{all}");
    }
}

#[test]
fn allow_read_lets_imports_out_but_only_of_rit_text() {
    let (_outer, suite) = outer_with_suite();
    std::fs::write(
        suite.join("uses.rit"),
        "import \"../outside/helpers.rit\"\ntest \"t\" {\n  expect twice(2) == 4\n}\n",
    )
    .unwrap();
    let refused = ritc_in(&suite, "run", &["uses.rit"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    let allowed = ritc_in(&suite, "run", &["--allow-read", "uses.rit"]);
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed));
    let checked = ritc_in(&suite, "check", &["--allow-read", "uses.rit"]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked));

    // Even when allowed out, what is not a `.rit` file is never read, and a
    // `.rit` file that is not text (the environment's NULs) is refused with its
    // control characters escaped, the line cut short, the marker not printed.
    std::fs::write(suite.join("data.rit"), "import \"../outside/env\"\n").unwrap();
    let output = ritc_in(&suite, "check", &["--allow-read", "data.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("only `.rit` files can be imported"), "{all}");
    assert!(!all.contains(MARKER), "{all}");

    let long_line = format!("{}\0TOKEN={MARKER}\n", "x".repeat(400));
    std::fs::write(suite.join("../outside/binary.rit"), long_line).unwrap();
    std::fs::write(suite.join("bin.rit"), "import \"../outside/binary.rit\"\n").unwrap();
    let output = ritc_in(&suite, "check", &["--allow-read", "bin.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("error[E0109]"), "{all}");
    assert!(all.contains("\\u{0}"), "{all}");
    assert!(!all.contains('\0'), "{all}");
    assert!(all.contains("binary.rit:1:401"), "{all}");
    assert!(
        all.lines().all(|line| line.chars().count() < 200),
        "a line longer than the excerpt: {all}"
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bom.rit"),
        "\u{FEFF}test \"t\" {\n  run \"true\"\n  expect exit == 0\n}\n",
    )
    .unwrap();
    let output = ritc_in(dir.path(), "run", &["bom.rit"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let output = ritc_in(dir.path(), "check", &["bom.rit"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

/// Values that would be code if they ended a quote: both quote kinds, `$( )`,
/// backticks, a newline, a `;` and a glob. Each runs `touch pwned` if it is read
/// as code.
const INJECTIONS: [&str; 6] = [
    "'; touch pwned; echo '",
    "\"; touch pwned; echo \"",
    "$(touch pwned)",
    "`touch pwned`",
    "x\ntouch pwned\n",
    "a b; touch pwned *",
];

/// The `.rit` text of a string literal holding `value`.
fn rit_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '{' => out.push_str("\\{"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn interpolations_inside_quotes_the_author_wrote_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let commands = [
        "echo '{{x}}'",
        "echo \\\"{{x}}\\\"",
        "echo `echo {{x}}`",
        "echo $(echo \\\"{{x}}\\\")",
        "echo hi # {{x}}",
        // bash reads `$'…'` with backslash escapes, where `\'` does not end it.
        "echo ${{x}}",
    ];
    for command in commands {
        std::fs::write(
            dir.path().join("quoted.rit"),
            format!(
                "param x = \"; touch pwned\"\ntest \"t\" {{\n  run \"{command}\"\n  expect exit == 0\n}}\n"
            ),
        )
        .unwrap();
        let output = ritc_in(dir.path(), "run", &["quoted.rit"]);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(2), "{command}: {all}");
        assert!(all.contains("error[E0317]"), "{command}: {all}");
        assert!(all.contains("quoted.rit:3:"), "{command}: {all}");
        assert!(all.contains("help: "), "{command}: {all}");
        assert!(!dir.path().join("pwned").exists(), "{command}: {all}");
    }
    // A service's command is checked the same way.
    std::fs::write(
        dir.path().join("service.rit"),
        "param x = \"; touch pwned\"\nservice s = \"sleep '{{x}}'\" {\n  ready tcp \"127.0.0.1:1\" within 1s\n}\ntest \"t\" {\n  run \"true\"\n}\n",
    )
    .unwrap();
    let output = ritc_in(dir.path(), "run", &["service.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("error[E0317]"), "{all}");
    assert!(!dir.path().join("pwned").exists(), "{all}");
}

#[test]
fn hostile_values_in_bare_words_arrive_verbatim_and_run_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut rit = String::new();
    for (index, value) in INJECTIONS.iter().enumerate() {
        rit.push_str(&format!(
            "test \"value {index}\" {{\n  let x = {}\n  run \"printf %s {{{{x}}}}; printf '|%s|' --{{{{x}}}}-\"\n  expect stdout == x + \"|--\" + x + \"-|\"\n}}\n",
            rit_string(value)
        ));
    }
    std::fs::write(dir.path().join("bare.rit"), &rit).unwrap();
    let output = ritc_in(dir.path(), "run", &["bare.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{rit}\n{all}");
    assert!(!dir.path().join("pwned").exists(), "{all}");
}

/// A server that records the head of every request it gets (lowercased) and
/// its body (as sent), and answers 200 `ok`, or a 302 to `/final` for
/// `/redirect`.
struct Recorder {
    port: u16,
    heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Recorder {
    fn start() -> Recorder {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let recorded = std::sync::Arc::clone(&heads);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_lowercase();
                let length = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length: "))
                    .and_then(|value| value.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                let mut body = vec![0u8; length];
                let _ = stream.read_exact(&mut body);
                let head = format!("{head}{}", String::from_utf8_lossy(&body));
                let answer: &[u8] = if head.starts_with("get /redirect") {
                    b"HTTP/1.1 302 Found\r\nLocation: /final\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                } else {
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                };
                recorded.lock().unwrap().push(head);
                let _ = stream.write_all(answer);
            }
        });
        Recorder { port, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

#[test]
fn url_credentials_are_sent_as_basic_auth_on_every_path() {
    let recorder = Recorder::start();
    let port = recorder.port;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("upload.txt"), "x").unwrap();
    std::fs::write(
        dir.path().join("creds.rit"),
        format!(
            r#"let base = "http://user:p%40ss@127.0.0.1:{port}"
test "hyper" {{
  GET "{{{{base}}}}/hyper"
  expect status == 200
}}
test "reqwest" {{
  POST "{{{{base}}}}/reqwest" multipart {{ f: file("upload.txt") }}
  expect status == 200
}}
test "redirects" {{
  GET "{{{{base}}}}/redirect" follow redirects
  expect status == 200
}}
test "load" {{
  load GET "{{{{base}}}}/load" {{
    concurrency 1
    requests 2
  }}
  expect requests == 2
}}
test "ws" {{
  ws "ws://user:p%40ss@127.0.0.1:{port}/ws" {{
    close
  }}
}}
"#
        ),
    )
    .unwrap();
    let output = ritc_in(dir.path(), "run", &["creds.rit"]);
    let all = text(&output);
    // The recorder is no WebSocket server: that test fails after its handshake.
    assert!(all.contains("✓ creds / hyper"), "{all}");
    assert!(all.contains("✓ creds / reqwest"), "{all}");
    assert!(all.contains("✓ creds / redirects"), "{all}");
    assert!(all.contains("✓ creds / load"), "{all}");
    let heads = recorder.heads();
    // base64("user:p@ss"): the password percent-decoded, as a browser sends it.
    let basic = "authorization: basic dxnlcjpwqhnz\r\n";
    for path in [
        "/hyper ",
        "/reqwest ",
        "/redirect ",
        "/final ",
        "/load ",
        "/ws ",
    ] {
        let matching: Vec<&String> = heads
            .iter()
            .filter(|head| {
                head.split(' ')
                    .nth(1)
                    .is_some_and(|p| format!("{p} ") == path)
            })
            .collect();
        assert!(!matching.is_empty(), "no request for {path}: {heads:?}");
        for head in matching {
            assert!(head.contains(basic), "{path} without Basic auth: {head}");
            assert!(!head.contains("p%40ss"), "{path} sent the userinfo: {head}");
        }
    }
}

#[test]
fn values_in_urls_are_encoded_for_their_part_and_header_line_breaks_are_refused() {
    let recorder = Recorder::start();
    let port = recorder.port;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("urls.rit"),
        format!(
            r#"let base = "http://127.0.0.1:{port}"
let hostile = "a/../b?c=d&e#f g+é"
test "path and query" {{
  GET "{{{{base}}}}/users/{{{{hostile}}}}?q={{{{hostile}}}}&n=1"
  expect status == 200
  load GET "{{{{base}}}}/load/{{{{hostile}}}}?q={{{{hostile}}}}" {{
    concurrency 1
    requests 1
  }}
  expect requests == 1
}}
test "header" {{
  GET "{{{{base}}}}/header" headers {{ X: "a\nInjected: yes" }}
  expect status == 200
}}
"#
        ),
    )
    .unwrap();
    let output = ritc_in(dir.path(), "run", &["urls.rit"]);
    let all = text(&output);
    assert!(all.contains("✓ urls / path and query"), "{all}");
    assert!(all.contains("✗ urls / header"), "{all}");
    assert!(all.contains("holds a line break (CR or LF)"), "{all}");
    assert!(all.contains("urls.rit:13"), "{all}");
    let heads = recorder.heads();
    let lines: Vec<&str> = heads
        .iter()
        .filter_map(|head| head.lines().next())
        .collect();
    // Lowercased by the recorder: %2f is %2F.
    let path = "a%2f..%2fb%3fc=d&e%23f%20g+%c3%a9";
    let query = "a/../b?c%3dd%26e%23f%20g%2b%c3%a9";
    assert!(
        lines.contains(&format!("get /users/{path}?q={query}&n=1 http/1.1").as_str()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&format!("get /load/{path}?q={query} http/1.1").as_str()),
        "{lines:?}"
    );
    assert!(
        !heads.iter().any(|head| head.contains("injected")),
        "{heads:?}"
    );
    assert!(
        !heads.iter().any(|head| head.contains("/header")),
        "{heads:?}"
    );
}

#[test]
fn values_in_bodies_are_encoded_and_raw_json_with_a_value_is_refused() {
    let recorder = Recorder::start();
    let port = recorder.port;
    let dir = tempfile::tempdir().unwrap();
    let hostile = r#"x", "admin": true, "y": "&role=admin"#;
    std::fs::write(
        dir.path().join("bodies.rit"),
        format!(
            "let hostile = {}\ntest \"structured\" {{\n  POST \"http://127.0.0.1:{port}/json\" json {{ name: hostile }}\n  expect status == 200\n  POST \"http://127.0.0.1:{port}/form\" form {{ name: hostile }}\n  expect status == 200\n}}\n",
            rit_string(hostile)
        ),
    )
    .unwrap();
    let output = ritc_in(dir.path(), "run", &["bodies.rit"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let heads = recorder.heads();
    let json = heads
        .iter()
        .find(|head| head.starts_with("post /json"))
        .unwrap();
    let sent: serde_json::Value =
        serde_json::from_str(json.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(sent, serde_json::json!({ "name": hostile.to_lowercase() }));
    let form = heads
        .iter()
        .find(|head| head.starts_with("post /form"))
        .unwrap();
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(form.split("\r\n\r\n").nth(1).unwrap().as_bytes())
            .into_owned()
            .collect();
    assert_eq!(pairs, [("name".to_string(), hostile.to_lowercase())]);

    std::fs::write(
        dir.path().join("raw.rit"),
        format!(
            "let hostile = {}\ntest \"raw\" {{\n  POST \"http://127.0.0.1:{port}/raw\" body \"{{\\\"name\\\": \\\"{{{{hostile}}}}\\\"}}\"\n  expect status == 200\n}}\n",
            rit_string(hostile)
        ),
    )
    .unwrap();
    let output = ritc_in(dir.path(), "run", &["raw.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("error[E0318]"), "{all}");
    assert!(
        !recorder
            .heads()
            .iter()
            .any(|head| head.starts_with("post /raw"))
    );
}

/// The shell scan (`check::shell_context`) against the real `sh`: random
/// commands built from the shell's quoting tokens, a hostile value written as
/// ritc writes it wherever the scan says a bare word stands (and a harmless
/// word elsewhere), run by `sh -c`. Wherever the scan is wrong about a bare
/// word, the value's `$( )`, backticks or its new line run `touch pwned`.
#[test]
fn the_shell_scan_never_calls_a_quoted_place_bare() {
    use ritc::check::shell_context::{Piece, interpolation_places};
    use ritc::os::process::shell_quote;
    const TOKENS: [&str; 22] = [
        "echo ", " ", "'", "\"", "`", "$(", ")", "${", "}", "#", "\\", "\n", ";", "<<", "a", "X",
        "X", "$", "((", "|", "(", "=",
    ];
    let value = "v'w\"x$(touch pwned)`touch pwned`\ntouch pwned\n#\\";
    let dir = tempfile::tempdir().unwrap();
    let mut seed: u64 = 0x5eed_1234_abcd_0001;
    let mut next = |bound: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % bound
    };
    let mut bare_runs = 0;
    for _ in 0..1500 {
        let length = 2 + next(10);
        let command: String = (0..length).map(|_| TOKENS[next(TOKENS.len())]).collect();
        let texts: Vec<&str> = command.split('X').collect();
        let mut pieces = Vec::new();
        for (index, text) in texts.iter().enumerate() {
            if index > 0 {
                pieces.push(Piece::Value);
            }
            pieces.push(Piece::Text(text));
        }
        let places = interpolation_places(&pieces);
        if places.iter().all(Option::is_some) {
            continue;
        }
        let mut written = String::new();
        for (index, text) in texts.iter().enumerate() {
            if index > 0 {
                match places[index - 1] {
                    None => written.push_str(&shell_quote(value)),
                    Some(_) => written.push('z'),
                }
            }
            written.push_str(text);
        }
        bare_runs += 1;
        let status = Command::new("timeout")
            .args(["2", "sh", "-c", &written])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        let _ = status;
        assert!(
            !dir.path().join("pwned").exists(),
            "the scan called a place bare that is not: {command:?} ran as {written:?}"
        );
    }
    assert!(
        bare_runs > 300,
        "too few commands with a bare word: {bare_runs}"
    );
}

/// An environment variable that is not UTF-8 (a Latin-1 value left by some CI
/// image) is no reason to panic: the run goes on, and a command still inherits it.
#[test]
fn a_variable_that_is_not_utf8_neither_stops_the_run_nor_is_lost() {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("env.rit"),
        "test \"inherits\" {\n  run \"printf %s \\\"$LATIN\\\" | od -An -tx1\"\n  expect stdout contains \"e9\"\n}\n",
    )
    .unwrap();
    let output = Command::new(ritc())
        .args(["run", "env.rit"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("LATIN", std::ffi::OsStr::from_bytes(b"caf\xe9"))
        .output()
        .unwrap();
    let shown = text(&output);
    assert!(!shown.contains("panicked"), "{shown}");
    assert_eq!(output.status.code(), Some(0), "{shown}");
}
