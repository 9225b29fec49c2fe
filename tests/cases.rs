//! Runtime golden cases: each `tests/cases/X.rit` is one test that runs `ritc run
//! X.rit` in a fresh folder and compares what it printed with `X.out` and its exit
//! code with `X.exit`. Run with `RITC_BLESS=1` to rewrite the expected files, then
//! review them by eye.
//!
//! A case that declares `param base` or `param port` runs against one `rit-demo
//! serve` that the harness starts for the whole binary, and gets its address as
//! `--param base=http://127.0.0.1:P` / `--param port=P`. The volatile parts of the
//! output are normalised so that the goldens hold on every machine: that port
//! (`PORT`), the case's folder (`$DIR`), and durations (`(TIME)`, `in TIME`). Files
//! the run left in its folder are listed after the output, so a side effect (or
//! its absence) is part of the golden too. The files and folders of `X.files/`, when
//! there is one, are copied next to `X.rit` first (data the case reads).

use libtest_mimic::{Arguments, Failed, Trial};
use regex::Regex;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

mod common;
use common::demo::DemoProcess;
use common::suite::ritc;

/// The demo service and the folder of its database, started by the first case
/// that needs it and stopped after the last.
struct Demo {
    process: DemoProcess,
    _database: tempfile::TempDir,
}

type SharedDemo = Arc<Mutex<Option<Demo>>>;

fn main() {
    let cases_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&cases_dir)
        .expect("tests/cases")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "rit"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases under tests/cases");
    let demo: SharedDemo = Arc::new(Mutex::new(None));
    let trials = cases
        .into_iter()
        .map(|case| {
            let name = case
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let demo = Arc::clone(&demo);
            Trial::test(name, move || run_case(&case, &demo))
        })
        .collect();
    let conclusion = libtest_mimic::run(&Arguments::from_args(), trials);
    // Statics are never dropped: stop the demo here, before the process exits.
    drop(
        demo.lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take(),
    );
    conclusion.exit();
}

fn run_case(case: &Path, demo: &SharedDemo) -> Result<(), Failed> {
    let source = std::fs::read_to_string(case).map_err(|error| error.to_string())?;
    let file_name = case.file_name().unwrap_or_default();
    let folder = tempfile::tempdir().map_err(|error| error.to_string())?;
    std::fs::write(folder.path().join(file_name), &source).map_err(|error| error.to_string())?;
    let fixtures = case.with_extension("files");
    if fixtures.is_dir() {
        copy_tree(&fixtures, folder.path()).map_err(|error| error.to_string())?;
    }
    let before = names_in(folder.path());

    let mut command = Command::new(ritc());
    command
        .arg("run")
        .arg(file_name)
        .current_dir(folder.path())
        .env("NO_COLOR", "1");
    let declares = |param: &str| {
        source
            .lines()
            .any(|line| line.starts_with(&format!("param {param} ")))
    };
    let mut port = None;
    if declares("base") || declares("port") {
        let demo_port = demo_port(demo);
        if declares("base") {
            command
                .arg("--param")
                .arg(format!("base=http://127.0.0.1:{demo_port}"));
        }
        if declares("port") {
            command.arg("--param").arg(format!("port={demo_port}"));
        }
        port = Some(demo_port);
    }
    let output = command.output().map_err(|error| error.to_string())?;

    let mut printed = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.is_empty() {
        printed.push_str("--- stderr\n");
        printed.push_str(&stderr);
    }
    let left: Vec<String> = names_in(folder.path())
        .into_iter()
        .filter(|name| !before.contains(name))
        .collect();
    if !left.is_empty() {
        printed.push_str("--- files left\n");
        for name in left {
            printed.push_str(&name);
            printed.push('\n');
        }
    }
    let actual_out = normalise(&printed, folder.path(), port);
    let actual_exit = match output.status.code() {
        Some(code) => format!("{code}\n"),
        None => format!("{:?}\n", output.status),
    };

    let out_path = case.with_extension("out");
    let exit_path = case.with_extension("exit");
    if std::env::var_os("RITC_BLESS").is_some() {
        std::fs::write(&out_path, &actual_out).map_err(|error| error.to_string())?;
        std::fs::write(&exit_path, &actual_exit).map_err(|error| error.to_string())?;
        return Ok(());
    }
    let expected_out = std::fs::read_to_string(&out_path).unwrap_or_default();
    let expected_exit = std::fs::read_to_string(&exit_path).unwrap_or_default();
    if actual_out == expected_out && actual_exit == expected_exit {
        return Ok(());
    }
    Err(format!(
        "{} differs from its goldens (RITC_BLESS=1 to rewrite, then review):\n\
         --- expected exit {expected_exit}--- actual exit {actual_exit}\
         --- expected output\n{expected_out}\n--- actual output\n{actual_out}",
        case.display()
    )
    .into())
}

/// The port of the shared demo service, started on first use.
fn demo_port(demo: &SharedDemo) -> u16 {
    let mut demo = demo.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    demo.get_or_insert_with(|| {
        let database = tempfile::tempdir().expect("a folder for the demo's database");
        Demo {
            process: DemoProcess::serve(database.path()),
            _database: database,
        }
    })
    .process
    .port
}

/// The names of the files and folders directly in `folder`, sorted.
fn names_in(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Copies the files and folders of `from` into `to`.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The output with what changes from run to run replaced by a fixed word.
fn normalise(printed: &str, folder: &Path, port: Option<u16>) -> String {
    let mut text = printed.to_string();
    for shown in [
        std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf()),
        folder.to_path_buf(),
    ] {
        text = text.replace(&shown.display().to_string(), "$DIR");
    }
    if let Some(port) = port {
        text = text.replace(&format!("127.0.0.1:{port}"), "127.0.0.1:PORT");
    }
    let duration = r"\d+(?:\.\d+)?(?:ns|µs|us|ms|s|m)";
    let in_parentheses = Regex::new(&format!(r"\({duration}\)")).expect("a valid pattern");
    let total = Regex::new(&format!(r"(warnings?) in {duration}")).expect("a valid pattern");
    let text = in_parentheses.replace_all(&text, "(TIME)");
    total.replace_all(&text, "$1 in TIME").into_owned()
}
