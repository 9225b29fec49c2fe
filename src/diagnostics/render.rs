//! Renders diagnostics for people (codespan-reporting: source snippet, carets,
//! labels, help) and for machines (JSON, GitHub workflow annotations).

use super::excerpt::{PlainFiles, ShownFiles, bounded_text};
use super::{Diagnostic, Severity};
use crate::source::source_map::SourceMap;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;

fn to_codespan(diagnostic: &Diagnostic) -> cs::Diagnostic<usize> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let mut labels = vec![
        cs::Label::primary(
            diagnostic.primary.span.file.0 as usize,
            diagnostic.primary.span.range(),
        )
        .with_message(bounded_text(&diagnostic.primary.message)),
    ];
    labels.extend(diagnostic.secondary.iter().map(|label| {
        cs::Label::secondary(label.span.file.0 as usize, label.span.range())
            .with_message(bounded_text(&label.message))
    }));
    let mut notes = Vec::new();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {}", bounded_text(help)));
    }
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code.id)
        .with_message(bounded_text(&diagnostic.message))
        .with_labels(labels)
        .with_notes(notes)
}

fn config() -> term::Config {
    term::Config {
        chars: term::Chars::ascii(),
        ..term::Config::default()
    }
}

/// Plain text, as golden tests and non-terminals see it.
pub fn human(map: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    let mut plain = PlainFiles::default();
    for diagnostic in diagnostics {
        let (files, shown) = ShownFiles::for_diagnostic(map, &to_codespan(diagnostic), &mut plain);
        match term::emit_into_string(&config(), &files, &shown) {
            Ok(text) => out.push_str(&text),
            Err(_) => out.push_str(&fallback(map, diagnostic)),
        }
    }
    out
}

/// Renders a codespan diagnostic under its source lines, as `excerpt` shows
/// them: control characters escaped, long lines cut around the labels. Every
/// snippet of a `.rit` file (compile diagnostics and run failures) goes through
/// here or `human_to_stderr`.
pub fn snippet_into_string(
    map: &SourceMap,
    config: &term::Config,
    diagnostic: &cs::Diagnostic<usize>,
) -> Result<String, codespan_reporting::files::Error> {
    let (files, shown) = ShownFiles::for_diagnostic(map, diagnostic, &mut PlainFiles::default());
    term::emit_into_string(config, &files, &shown)
}

/// Coloured, straight to standard error.
pub fn human_to_stderr(map: &SourceMap, diagnostics: &[Diagnostic], color: bool) {
    use term::termcolor::{ColorChoice, StandardStream};
    let choice = if color {
        ColorChoice::Always
    } else {
        ColorChoice::Never
    };
    let stream = StandardStream::stderr(choice);
    let mut lock = stream.lock();
    let mut plain = PlainFiles::default();
    for diagnostic in diagnostics {
        let (files, shown) = ShownFiles::for_diagnostic(map, &to_codespan(diagnostic), &mut plain);
        if term::emit_to_write_style(&mut lock, &config(), &files, &shown).is_err() {
            eprint!("{}", fallback(map, diagnostic));
        }
    }
}

fn fallback(map: &SourceMap, diagnostic: &Diagnostic) -> String {
    let start = map.start(diagnostic.primary.span);
    format!(
        "{}[{}]: {}\n  --> {}:{}:{}\n",
        severity_word(diagnostic.severity),
        diagnostic.code.id,
        bounded_text(&diagnostic.message),
        map.name(diagnostic.primary.span.file),
        start.line,
        start.column
    )
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// One JSON object per diagnostic, in an array.
pub fn json(map: &SourceMap, diagnostics: &[Diagnostic]) -> serde_json::Value {
    let location = |span: crate::source::span::Span| {
        let start = map.start(span);
        let end = map.end(span);
        serde_json::json!({
            "file": map.name(span.file),
            "line": start.line,
            "column": start.column,
            "end_line": end.line,
            "end_column": end.column,
            "start_byte": span.start,
            "end_byte": span.end,
        })
    };
    serde_json::Value::Array(
        diagnostics
            .iter()
            .map(|diagnostic| {
                serde_json::json!({
                    "code": diagnostic.code.id,
                    "severity": severity_word(diagnostic.severity),
                    "message": bounded_text(&diagnostic.message),
                    "location": location(diagnostic.primary.span),
                    "label": bounded_text(&diagnostic.primary.message),
                    "labels": diagnostic.secondary.iter().map(|label| serde_json::json!({
                        "message": bounded_text(&label.message),
                        "location": location(label.span),
                    })).collect::<Vec<_>>(),
                    "help": diagnostic.help.as_deref().map(bounded_text),
                })
            })
            .collect(),
    )
}

/// GitHub Actions workflow commands: `::error file=…,line=…,col=…::message`.
pub fn github(map: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let start = map.start(diagnostic.primary.span);
        let end = map.end(diagnostic.primary.span);
        let mut message = format!(
            "{}: {}",
            diagnostic.code.id,
            bounded_text(&diagnostic.message)
        );
        if let Some(help) = &diagnostic.help {
            message.push_str(&format!("\nhelp: {}", bounded_text(help)));
        }
        out.push_str(&format!(
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            severity_word(diagnostic.severity),
            escape_property(map.name(diagnostic.primary.span.file)),
            start.line,
            start.column,
            end.line,
            end.column,
            diagnostic.code.id,
            escape_data(&message)
        ));
    }
    out
}

// GitHub's escaping rules for workflow command data and properties.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
