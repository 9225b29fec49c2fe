//! The outline of a file: its tests, checkpoints (with their tests), services,
//! `fn`s, top-level values, setup and teardown.

use super::position::LineIndex;
use crate::source::span::Span;
use crate::syntax::ast::{Item, SourceFile, TestDef};
use lsp_types::{DocumentSymbol, SymbolKind};

pub fn document_symbols(file: &SourceFile, lines: &LineIndex<'_>) -> Vec<DocumentSymbol> {
    file.items
        .iter()
        .filter_map(|item| item_symbol(item, lines))
        .collect()
}

fn item_symbol(item: &Item, lines: &LineIndex<'_>) -> Option<DocumentSymbol> {
    Some(match item {
        Item::Test(test) => test_symbol(test, lines),
        Item::Checkpoint(checkpoint) => {
            let mut symbol = symbol(
                format!("checkpoint {}", quoted(checkpoint.name.as_plain_text())),
                SymbolKind::NAMESPACE,
                checkpoint.span,
                checkpoint.name.span,
                lines,
            );
            symbol.children = Some(
                checkpoint
                    .tests
                    .iter()
                    .map(|test| test_symbol(test, lines))
                    .collect(),
            );
            symbol
        }
        Item::Service(service) => symbol(
            service.name.name.clone(),
            SymbolKind::OBJECT,
            service.span,
            service.name.span,
            lines,
        )
        .with_detail("service"),
        Item::Fn(function) => symbol(
            function.name.name.clone(),
            SymbolKind::FUNCTION,
            function.span,
            function.name.span,
            lines,
        )
        .with_detail(&super::describe::fn_signature(function)),
        Item::Binding(binding) => symbol(
            binding.name.name.clone(),
            SymbolKind::CONSTANT,
            binding.span,
            binding.name.span,
            lines,
        )
        .with_detail(binding.kind.keyword()),
        Item::Setup(block) => symbol(
            "setup".to_string(),
            SymbolKind::EVENT,
            block.span,
            block.span,
            lines,
        ),
        Item::Teardown(block) => symbol(
            "teardown".to_string(),
            SymbolKind::EVENT,
            block.span,
            block.span,
            lines,
        ),
        Item::Defaults(defaults) => symbol(
            "defaults".to_string(),
            SymbolKind::PROPERTY,
            defaults.span,
            defaults.span,
            lines,
        ),
        Item::Suite(_) | Item::Import(_) => return None,
    })
}

fn test_symbol(test: &TestDef, lines: &LineIndex<'_>) -> DocumentSymbol {
    symbol(
        format!("test {}", quoted(test.name.as_plain_text())),
        SymbolKind::METHOD,
        test.span,
        test.name.span,
        lines,
    )
}

fn quoted(name: Option<String>) -> String {
    format!("\"{}\"", name.unwrap_or_else(|| "…".to_string()))
}

trait WithDetail {
    fn with_detail(self, detail: &str) -> Self;
}

impl WithDetail for DocumentSymbol {
    fn with_detail(mut self, detail: &str) -> Self {
        self.detail = Some(detail.to_string());
        self
    }
}

#[allow(deprecated)] // `deprecated` is a required field of the protocol's type.
fn symbol(
    name: String,
    kind: SymbolKind,
    whole: Span,
    name_span: Span,
    lines: &LineIndex<'_>,
) -> DocumentSymbol {
    let range = lines.range(whole);
    let mut selection_range = lines.range(name_span);
    // The protocol wants the selection inside the range.
    if selection_range.start < range.start || selection_range.end > range.end {
        selection_range = range;
    }
    DocumentSymbol {
        name,
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children: None,
    }
}
