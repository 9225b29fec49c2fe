//! Visiting the statements of a file, for the questions the index does not answer
//! (which step keyword is under the cursor, which block holds it).

use crate::syntax::ast::*;

/// The blocks of a top-level item, in order.
pub fn item_blocks(item: &Item) -> Vec<&Block> {
    match item {
        Item::Fn(function) => vec![&function.body],
        Item::Setup(block) | Item::Teardown(block) => vec![block],
        Item::Test(test) => vec![&test.body],
        Item::Checkpoint(checkpoint) => checkpoint.tests.iter().map(|test| &test.body).collect(),
        _ => Vec::new(),
    }
}

/// The blocks nested directly in a statement.
pub fn statement_blocks(statement: &Statement) -> Vec<&Block> {
    match &statement.kind {
        StatementKind::For { body, .. }
        | StatementKind::Eventually { body, .. }
        | StatementKind::Retry { body, .. } => {
            vec![body]
        }
        StatementKind::If {
            then_block,
            else_branch,
            ..
        } => {
            let mut blocks = vec![then_block];
            let mut branch = else_branch.as_ref();
            while let Some(next) = branch {
                match next {
                    ElseBranch::Block(block) => {
                        blocks.push(block);
                        branch = None;
                    }
                    ElseBranch::If(statement) => match &statement.kind {
                        StatementKind::If {
                            then_block,
                            else_branch,
                            ..
                        } => {
                            blocks.push(then_block);
                            branch = else_branch.as_ref();
                        }
                        _ => branch = None,
                    },
                }
            }
            blocks
        }
        _ => statement
            .step()
            .and_then(|step| step.block.as_ref())
            .into_iter()
            .collect(),
    }
}

/// Calls `visit` on every statement of the file, nested ones included.
pub fn each_statement<'a>(file: &'a SourceFile, visit: &mut dyn FnMut(&'a Statement)) {
    for item in &file.items {
        for block in item_blocks(item) {
            each_statement_in(block, visit, 0);
        }
    }
}

/// Calls `visit` on every statement of `block`, nested ones included.
pub fn each_statement_in_block<'a>(block: &'a Block, visit: &mut dyn FnMut(&'a Statement)) {
    each_statement_in(block, visit, 0);
}

fn each_statement_in<'a>(block: &'a Block, visit: &mut dyn FnMut(&'a Statement), depth: usize) {
    // The parser bounds nesting; this bound only keeps a bad tree from recursing forever.
    if depth > 256 {
        return;
    }
    for statement in &block.statements {
        visit(statement);
        for inner in statement_blocks(statement) {
            each_statement_in(inner, visit, depth + 1);
        }
    }
}

/// Every step of the file, top-level `let`s included.
pub fn each_step<'a>(file: &'a SourceFile, visit: &mut dyn FnMut(&'a Step)) {
    for item in &file.items {
        if let Item::Binding(Binding {
            value: Some(BindingValue::Step(step)),
            ..
        }) = item
        {
            visit(step);
        }
    }
    each_statement(file, &mut |statement| {
        if let Some(step) = statement.step() {
            visit(step);
        }
    });
}

pub fn contains(span: crate::source::span::Span, offset: usize) -> bool {
    span.start as usize <= offset && offset <= span.end as usize
}
