//! The editor files: the VS Code extension's JSON files parse and point at files
//! that exist, the vim plugin links its groups and sets its options. Where the
//! tools are installed, the TextMate grammar's annotated samples run under
//! vscode-tmgrammar-test (`npm install` in editors/vscode) and vim highlights a
//! sample as expected. That both highlight every keyword is tests/tidy.rs's.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn parse_json(path: &str) -> Value {
    serde_json::from_str(&read(path))
        .unwrap_or_else(|error| panic!("{path} is not valid JSON: {error}"))
}

#[test]
fn the_vim_plugin_is_complete() {
    let syntax = read("editors/vim/syntax/rit.vim");
    assert!(
        syntax.contains("hi def link"),
        "link groups with `hi def link`"
    );
    let ftplugin = read("editors/vim/ftplugin/rit.vim");
    assert!(ftplugin.contains("setlocal commentstring=#\\ %s"));
    assert!(read("editors/vim/ftdetect/rit.vim").contains("*.rit"));
}

#[test]
fn the_vscode_extension_is_complete() {
    let manifest = parse_json("editors/vscode/package.json");
    for path in [
        "editors/vscode/language-configuration.json",
        "editors/vscode/snippets/rit.json",
        "editors/vscode/syntaxes/rit.tmLanguage.json",
    ] {
        parse_json(path);
    }
    let folder = root().join("editors/vscode");
    let exists = |relative: &Value| {
        folder
            .join(relative.as_str().unwrap_or("<missing>"))
            .is_file()
    };
    assert!(exists(&manifest["main"]), "the extension's main file");
    let contributes = &manifest["contributes"];
    assert_eq!(contributes["languages"][0]["id"], "rit");
    assert_eq!(contributes["languages"][0]["extensions"][0], ".rit");
    assert!(exists(&contributes["languages"][0]["configuration"]));
    assert!(exists(&contributes["grammars"][0]["path"]));
    assert!(exists(&contributes["snippets"][0]["path"]));
    let extension = read("editors/vscode/src/extension.js");
    assert!(
        extension.contains("\"lsp\""),
        "the client starts `ritc lsp`"
    );
    let snippets = parse_json("editors/vscode/snippets/rit.json");
    for name in ["test", "checkpoint", "service", "fn"] {
        assert!(snippets.get(name).is_some(), "a `{name}` snippet");
    }
    let configuration = parse_json("editors/vscode/language-configuration.json");
    assert_eq!(configuration["comments"]["lineComment"], "#");
}

/// The annotated samples in editors/vscode/test, when vscode-tmgrammar-test is
/// installed (`npm install` in editors/vscode).
#[test]
fn the_textmate_grammar_passes_its_annotated_samples() {
    let folder = root().join("editors/vscode");
    let runner = folder.join("node_modules/.bin/vscode-tmgrammar-test");
    if !runner.exists() {
        eprintln!("skipped: run `npm install` in editors/vscode to test the grammar's samples");
        return;
    }
    let output = Command::new(&runner)
        .current_dir(&folder)
        .args(["-g", "syntaxes/rit.tmLanguage.json", "test/*.rit"])
        .stdin(Stdio::null())
        .output()
        .expect("run vscode-tmgrammar-test");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The extension packages as a `.vsix` (`@vscode/vsce package`, installed by
/// `npm install` in editors/vscode) holding the manifest, the grammar, the client
/// and its runtime dependency, and not the grammar's test samples.
#[test]
fn the_vscode_extension_packages_as_a_vsix() {
    let folder = root().join("editors/vscode");
    let vsce = folder.join("node_modules/.bin/vsce");
    if !vsce.exists() {
        eprintln!("skipped: run `npm install` in editors/vscode to package the extension");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let vsix = out.path().join("rit.vsix");
    let output = Command::new(&vsce)
        .current_dir(&folder)
        .args([
            "package",
            "--allow-missing-repository",
            "--skip-license",
            "--out",
        ])
        .arg(&vsix)
        .stdin(Stdio::null())
        .output()
        .expect("run vsce");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // A .vsix is a zip; python3's zipfile lists it.
    let listing = Command::new("python3")
        .args(["-m", "zipfile", "-l"])
        .arg(&vsix)
        .output()
        .expect("python3 -m zipfile");
    let names = String::from_utf8_lossy(&listing.stdout);
    for part in [
        "extension/package.json",
        "extension/syntaxes/rit.tmLanguage.json",
        "extension/src/extension.js",
        "extension/node_modules/vscode-languageclient/package.json",
    ] {
        assert!(names.contains(part), "the vsix lacks {part}:\n{names}");
    }
    assert!(
        !names.contains("extension/test/"),
        "the samples are packaged:\n{names}"
    );
}

const VIM_SAMPLE: &str = r#"fn login(email: string) -> string {
  GET "{{base}}/x/{{ headers["x-id"] }}" json { a: 150ms }
  expect json.a is string and 99% > 5sec
  let s = """
    {{ len("a") }} # no
  """ # yes
  amqp subscribe mq "k" exchange "x" within 1s
}
"#;

/// (line, column, the innermost highlight group) in VIM_SAMPLE.
const VIM_EXPECTED: &[(u32, u32, &str)] = &[
    (1, 1, "ritDeclaration"),
    (1, 4, "ritFunctionName"),
    (2, 3, "ritMethod"),
    (2, 7, "ritString"),
    (2, 9, "ritInterpolationDelimiter"),
    (2, 11, "ritInterpolation"),
    (2, 28, "ritClause"),
    (2, 30, "ritString"),
    (2, 42, "ritClause"),
    (2, 52, "ritDuration"),
    (3, 3, "ritStatement"),
    (3, 17, "ritOperatorWord"),
    (3, 20, "ritIsType"),
    (3, 31, "ritPercent"),
    (3, 35, "ritOperator"),
    (3, 37, "ritBadUnit"),
    (4, 11, "ritBlockString"),
    (5, 8, "ritBuiltin"),
    (5, 20, "ritBlockString"),
    (6, 9, "ritComment"),
    (7, 3, "ritStep"),
    (7, 8, "ritContextual"),
    (7, 25, "ritContextual"),
];

fn vim() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("vim"))
        .find(|candidate| candidate.is_file())
}

/// Vim highlights a sample as expected, when vim is installed.
#[test]
fn vim_highlights_a_sample() {
    let Some(vim) = vim() else {
        eprintln!("skipped: no vim on PATH");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let sample = work.path().join("sample.rit");
    let out = work.path().join("groups.txt");
    std::fs::write(&sample, VIM_SAMPLE).unwrap();
    let positions: Vec<String> = VIM_EXPECTED
        .iter()
        .map(|(line, column, _)| format!("[{line},{column}]"))
        .collect();
    let probe = format!(
        "let s:out = []\n\
         for [l, c] in [{}]\n\
         \x20 let s:stack = synstack(l, c)\n\
         \x20 call add(s:out, empty(s:stack) ? '' : synIDattr(s:stack[-1], 'name'))\n\
         endfor\n\
         call add(s:out, &l:commentstring)\n\
         call writefile(s:out, '{}')\n\
         qa!\n",
        positions.join(","),
        out.display()
    );
    let probe_path = work.path().join("probe.vim");
    std::fs::write(&probe_path, probe).unwrap();
    let runtime = root().join("editors/vim");
    let status = Command::new(vim)
        .args(["-u", "NONE", "-N", "-es", "-i", "NONE"])
        .arg("--cmd")
        .arg(format!("set rtp^={}", runtime.display()))
        .args(["-c", "filetype plugin indent on", "-c", "syntax on", "-c"])
        .arg(format!("edit {}", sample.display()))
        .arg("-c")
        .arg(format!("source {}", probe_path.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("run vim");
    assert!(status.success() || out.exists(), "vim failed: {status}");
    let groups = std::fs::read_to_string(&out).expect("vim wrote the groups");
    let groups: Vec<&str> = groups.lines().collect();
    let mut wrong = Vec::new();
    for ((line, column, expected), actual) in VIM_EXPECTED.iter().zip(&groups) {
        if expected != actual {
            wrong.push(format!(
                "{line}:{column}: expected {expected}, got {actual:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(groups.last(), Some(&"# %s"), "the ftplugin's commentstring");
}
