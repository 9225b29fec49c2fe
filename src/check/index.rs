//! What the checker learned while checking, kept for the language server: for each
//! name that is used, where it is defined and its type; for each expression, its
//! type; for each name that is declared, its type. Filled by `checker` when it is
//! given an `Index`; read by `lsp`. Pure data: must not import `run` or `lsp`.

use super::checker;
use super::program::{self, Program, SourceLoader, UnreadableFile};
use crate::diagnostics::{Diagnostic, sort_by_position};
use crate::source::span::{FileId, Span};
use crate::syntax::ast::BindingKind;
use crate::types::Type;
use std::path::PathBuf;

/// Loads and checks files like `check::check_files`, and also returns the index.
pub fn check_files_with_index(
    entries: &[PathBuf],
    loader: &mut dyn SourceLoader,
) -> Result<(Program, Vec<Diagnostic>, Index), UnreadableFile> {
    let (program, mut diagnostics) = program::load(entries, loader)?;
    let mut index = Index::default();
    diagnostics.extend(checker::check_indexed(&program, Some(&mut index)));
    sort_by_position(&mut diagnostics);
    diagnostics.dedup();
    Ok((program, diagnostics, index))
}

/// What kind of thing a name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A `let`, at the top level or in a block.
    Let,
    /// A top-level `param`.
    Param,
    /// A top-level `secret`.
    Secret,
    /// A `fn` parameter.
    Parameter,
    /// The variable of a `for`.
    LoopVariable,
    /// A field of the last step.
    Field,
    Function,
    Service,
    /// A module imported with `as`.
    Module,
}

impl NameKind {
    pub fn describe(self) -> &'static str {
        match self {
            NameKind::Let => "let",
            NameKind::Param => "param",
            NameKind::Secret => "secret",
            NameKind::Parameter => "parameter",
            NameKind::LoopVariable => "loop variable",
            NameKind::Field => "field of the last step",
            NameKind::Function => "fn",
            NameKind::Service => "service",
            NameKind::Module => "module",
        }
    }
}

impl From<BindingKind> for NameKind {
    fn from(kind: BindingKind) -> NameKind {
        match kind {
            BindingKind::Param => NameKind::Param,
            BindingKind::Let => NameKind::Let,
            BindingKind::Secret => NameKind::Secret,
        }
    }
}

/// Where a used name comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Declared at `definition`. For a name brought in by an `import` without
    /// `as`, that is the import; the language server follows it into the module.
    Declared { definition: Span, kind: NameKind },
    /// A core function (`crate::builtins`).
    Builtin(&'static str),
}

/// One use of a name.
#[derive(Clone, Debug)]
pub struct Reference {
    pub span: Span,
    pub name: String,
    pub target: Target,
    pub ty: Type,
}

/// One declared name.
#[derive(Clone, Debug)]
pub struct Definition {
    pub span: Span,
    pub name: String,
    pub kind: NameKind,
    pub ty: Type,
}

#[derive(Default, Debug)]
pub struct Index {
    pub references: Vec<Reference>,
    pub definitions: Vec<Definition>,
    /// Every expression the checker typed, with its type.
    pub expressions: Vec<(Span, Type)>,
    /// Whose result fields are in scope from a point of a block on, as the checker
    /// saw it: at each block's start and after each statement (a `fn` call that
    /// performs a step, an `if` or a loop with a step clear them).
    pub fields: Vec<FieldsFrom>,
}

/// From `offset` of `file` on (until the next such point), the fields of a step of
/// kind `kind` are in scope (`None`: no step's).
#[derive(Clone, Copy, Debug)]
pub struct FieldsFrom {
    pub file: FileId,
    pub offset: u32,
    pub kind: Option<&'static str>,
}

impl Index {
    pub fn reference(&mut self, span: Span, name: &str, target: Target, ty: &Type) {
        self.references.push(Reference {
            span,
            name: name.to_string(),
            target,
            ty: ty.clone(),
        });
    }

    pub fn define(&mut self, span: Span, name: &str, kind: NameKind, ty: &Type) {
        self.definitions.push(Definition {
            span,
            name: name.to_string(),
            kind,
            ty: ty.clone(),
        });
    }

    pub fn expression(&mut self, span: Span, ty: &Type) {
        if !span.synthetic {
            self.expressions.push((span, ty.clone()));
        }
    }

    pub fn fields_from(&mut self, file: FileId, offset: u32, kind: Option<&'static str>) {
        self.fields.push(FieldsFrom { file, offset, kind });
    }

    /// The kind of step whose fields the checker had in scope at `offset` (the
    /// point recorded last at or before it); `None` when it recorded none there.
    pub fn fields_at(&self, file: FileId, offset: u32) -> Option<Option<&'static str>> {
        self.fields
            .iter()
            .enumerate()
            .filter(|(_, point)| point.file == file && point.offset <= offset)
            .max_by_key(|(order, point)| (point.offset, *order))
            .map(|(_, point)| point.kind)
    }

    /// The use of a name that covers `offset`.
    pub fn reference_at(&self, file: FileId, offset: u32) -> Option<&Reference> {
        self.references
            .iter()
            .filter(|reference| covers(reference.span, file, offset))
            .min_by_key(|reference| reference.span.end - reference.span.start)
    }

    /// The declaration whose name covers `offset`.
    pub fn definition_at(&self, file: FileId, offset: u32) -> Option<&Definition> {
        self.definitions
            .iter()
            .filter(|definition| covers(definition.span, file, offset))
            .min_by_key(|definition| definition.span.end - definition.span.start)
    }

    /// The declaration made at exactly `span`.
    pub fn definition(&self, span: Span) -> Option<&Definition> {
        self.definitions.iter().rev().find(|definition| {
            definition.span.file == span.file && definition.span.range() == span.range()
        })
    }

    /// The smallest typed expression that covers `offset`.
    pub fn expression_at(&self, file: FileId, offset: u32) -> Option<(Span, &Type)> {
        self.expressions
            .iter()
            .filter(|(span, _)| covers(*span, file, offset))
            .min_by_key(|(span, _)| span.end - span.start)
            .map(|(span, ty)| (*span, ty))
    }

    /// The type of the expression that ends exactly at `end` (the target of a
    /// `.` being typed), the widest one when several do.
    pub fn expression_ending_at(&self, file: FileId, end: u32) -> Option<&Type> {
        self.expressions
            .iter()
            .filter(|(span, _)| span.file == file && span.end == end)
            .max_by_key(|(span, _)| span.end - span.start)
            .map(|(_, ty)| ty)
    }
}

fn covers(span: Span, file: FileId, offset: u32) -> bool {
    span.file == file && span.start <= offset && offset < span.end && !span.synthetic
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;

    struct Memory(HashMap<PathBuf, String>);

    impl SourceLoader for Memory {
        fn read(&mut self, path: &Path) -> Result<String, String> {
            self.0
                .get(path)
                .cloned()
                .ok_or_else(|| "no such file".to_string())
        }
    }

    fn index_of(source: &str) -> (Program, Index) {
        let path = PathBuf::from("/memory/a.rit");
        let mut loader = Memory(HashMap::from([(path.clone(), source.to_string())]));
        let (program, _, index) = check_files_with_index(&[path], &mut loader).unwrap();
        (program, index)
    }

    fn offset_of(source: &str, needle: &str, nth: usize) -> u32 {
        source.match_indices(needle).nth(nth).unwrap().0 as u32
    }

    #[test]
    fn records_references_definitions_and_types() {
        let source = "let base = \"http://x\"\ntest \"t\" {\n  GET base\n  let code = status\n  expect code == 200\n}\n";
        let (program, index) = index_of(source);
        let file = program.module(program.entries[0]).file;
        let use_of_base = index
            .reference_at(file, offset_of(source, "base", 1) + 1)
            .unwrap();
        assert_eq!(use_of_base.ty, Type::String);
        let Target::Declared { definition, kind } = use_of_base.target else {
            panic!()
        };
        assert_eq!(kind, NameKind::Let);
        assert_eq!(definition.start, offset_of(source, "base", 0));
        let status = index
            .reference_at(file, offset_of(source, "status", 0))
            .unwrap();
        assert_eq!(status.ty, Type::Int);
        assert!(matches!(
            status.target,
            Target::Declared {
                kind: NameKind::Field,
                ..
            }
        ));
        let code = index
            .definition_at(file, offset_of(source, "code", 0))
            .unwrap();
        assert_eq!(code.ty, Type::Int);
        let (_, ty) = index
            .expression_at(file, offset_of(source, "==", 0))
            .unwrap();
        assert_eq!(ty, &Type::Bool);
    }

    #[test]
    fn records_builtins_and_functions() {
        let source = "fn twice(x: int) -> int { return x * 2 }\nlet n = len(\"abc\") + twice(2)\n";
        let (program, index) = index_of(source);
        let file = program.module(program.entries[0]).file;
        let len = index
            .reference_at(file, offset_of(source, "len", 0))
            .unwrap();
        assert_eq!(len.target, Target::Builtin("len"));
        let twice = index
            .reference_at(file, offset_of(source, "twice", 1))
            .unwrap();
        assert!(matches!(
            twice.target,
            Target::Declared {
                kind: NameKind::Function,
                ..
            }
        ));
        let parameter = index
            .reference_at(file, offset_of(source, "x *", 0))
            .unwrap();
        assert!(matches!(
            parameter.target,
            Target::Declared {
                kind: NameKind::Parameter,
                ..
            }
        ));
        assert_eq!(
            index
                .definition_at(file, offset_of(source, "n =", 0))
                .unwrap()
                .ty,
            Type::Int
        );
    }
}
