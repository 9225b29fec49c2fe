//! The checker's diagnostics as the protocol's: code, severity, range (UTF-16
//! columns), the label and help in the message, secondary labels as related
//! information. Problems inside an imported module are summed up on its `import`.

use super::analysis::Analysis;
use super::position::LineIndex;
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::span::{FileId, Span};
use crate::syntax::ast::Item;
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Url};
use std::collections::HashMap;

pub fn diagnostics(analysis: &Analysis) -> Vec<lsp_types::Diagnostic> {
    let found: Vec<&Diagnostic> = analysis.diagnostics.iter().collect();
    convert_all(analysis, &found, analysis.source(analysis.entry_file()))
}

/// The diagnostics of `text`, which has a syntax error, from the analysis of
/// its recovered copy (`recovery`), so that the text is checked once: its
/// syntax errors from one parse of it as written, and what the checker found in
/// the copy outside the items those errors broke (inside them the copy's blanked
/// lines would make up problems, such as a `let` whose use was blanked, never
/// used). Ranges are counted in `text` (a blanked line has spaces for what may
/// have been wider characters).
pub fn diagnostics_as_written(analysis: &Analysis, text: &str) -> Vec<lsp_types::Diagnostic> {
    let entry = analysis.entry_file();
    let written = crate::syntax::parse(entry, text);
    let parsed_starts: Vec<u32> = written
        .file
        .items
        .iter()
        .filter_map(super::scope::item_span)
        .map(|span| span.start)
        .collect();
    let broken: Vec<Span> = analysis
        .entry_ast()
        .items
        .iter()
        .filter_map(super::scope::item_span)
        .filter(|span| !parsed_starts.contains(&span.start))
        .collect();
    let mut found: Vec<&Diagnostic> = written.diagnostics.iter().collect();
    for diagnostic in &analysis.diagnostics {
        let span = diagnostic.primary.span;
        let repeated = found
            .iter()
            .any(|known| known.code.id == diagnostic.code.id && known.primary.span == span);
        let in_broken_item = span.file == entry
            && broken
                .iter()
                .any(|item| item.start <= span.start && span.start < item.end);
        if !repeated && !in_broken_item {
            found.push(diagnostic);
        }
    }
    found.sort_by_key(|diagnostic| {
        (
            diagnostic.primary.span.file != entry,
            diagnostic.primary.span.start,
        )
    });
    convert_all(analysis, &found, text)
}

/// `found` as the protocol's diagnostics, ranges in the entry file counted in
/// `entry_text`.
fn convert_all<'a>(
    analysis: &'a Analysis,
    found: &[&Diagnostic],
    entry_text: &'a str,
) -> Vec<lsp_types::Diagnostic> {
    let entry = analysis.entry_file();
    let mut lines: HashMap<FileId, LineIndex<'a>> = HashMap::new();
    lines.insert(entry, LineIndex::new(entry_text));
    let mut out = Vec::new();
    let mut elsewhere: HashMap<FileId, Vec<&Diagnostic>> = HashMap::new();
    for diagnostic in found.iter().copied() {
        if diagnostic.primary.span.file == entry {
            out.push(convert(analysis, &mut lines, diagnostic));
        } else {
            elsewhere
                .entry(diagnostic.primary.span.file)
                .or_default()
                .push(diagnostic);
        }
    }
    out.extend(import_summaries(analysis, &mut lines, &elsewhere));
    out
}

fn range_of<'a>(
    analysis: &'a Analysis,
    lines: &mut HashMap<FileId, LineIndex<'a>>,
    span: Span,
) -> lsp_types::Range {
    lines
        .entry(span.file)
        .or_insert_with(|| LineIndex::new(analysis.source(span.file)))
        .range(span)
}

fn location<'a>(
    analysis: &'a Analysis,
    lines: &mut HashMap<FileId, LineIndex<'a>>,
    span: Span,
) -> Option<Location> {
    let path = analysis.paths.get(&span.file)?;
    let uri = Url::from_file_path(path).ok()?;
    Some(Location::new(uri, range_of(analysis, lines, span)))
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
    }
}

/// "unknown name `emial`" — "not found in this scope" — "help: did you mean `email`?"
pub fn message_of(diagnostic: &Diagnostic) -> String {
    let mut message = diagnostic.message.clone();
    if !diagnostic.primary.message.is_empty() {
        message.push_str(&format!("\n{}", diagnostic.primary.message));
    }
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    message
}

fn convert<'a>(
    analysis: &'a Analysis,
    lines: &mut HashMap<FileId, LineIndex<'a>>,
    diagnostic: &Diagnostic,
) -> lsp_types::Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .secondary
        .iter()
        .filter_map(|label| {
            Some(DiagnosticRelatedInformation {
                location: location(analysis, lines, label.span)?,
                message: label.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: range_of(analysis, lines, diagnostic.primary.span),
        severity: Some(severity(diagnostic.severity)),
        code: Some(NumberOrString::String(diagnostic.code.id.to_string())),
        source: Some("ritc".to_string()),
        message: message_of(diagnostic),
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}

/// One diagnostic on each `import` whose module (as this file sees it) has
/// problems, listing them as related information.
fn import_summaries<'a>(
    analysis: &'a Analysis,
    lines: &mut HashMap<FileId, LineIndex<'a>>,
    elsewhere: &HashMap<FileId, Vec<&Diagnostic>>,
) -> Vec<lsp_types::Diagnostic> {
    let mut out = Vec::new();
    let program = &analysis.program;
    for item in &analysis.entry_ast().items {
        let Item::Import(import) = item else { continue };
        let Some(module) = super::analysis::imported_module(program, analysis.entry, import.span)
        else {
            continue;
        };
        let Some(found) = elsewhere.get(&program.module(module).file) else {
            continue;
        };
        let errors = found
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .count();
        if errors == 0 {
            continue;
        }
        let related = found
            .iter()
            .filter_map(|diagnostic| {
                Some(DiagnosticRelatedInformation {
                    location: location(analysis, lines, diagnostic.primary.span)?,
                    message: format!("{}: {}", diagnostic.code.id, diagnostic.message),
                })
            })
            .collect::<Vec<_>>();
        let first = found
            .iter()
            .find(|diagnostic| diagnostic.is_error())
            .map(|diagnostic| format!("\nfirst: {}", diagnostic.message))
            .unwrap_or_default();
        out.push(lsp_types::Diagnostic {
            range: range_of(analysis, lines, import.path.span),
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some("ritc".to_string()),
            message: format!(
                "module `{}` has {errors} error{}{first}",
                program.module(module).name,
                if errors == 1 { "" } else { "s" }
            ),
            related_information: (!related.is_empty()).then_some(related),
            ..lsp_types::Diagnostic::default()
        });
    }
    out
}
