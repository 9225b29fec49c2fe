//! What each name of a checked program refers to, decided once by the checker with
//! the visibility rule (locals innermost first, then the last step's fields as they
//! were declared, then the module's globals and what it imports without `as`), so
//! that the planner turns names into slots and the interpreter never searches
//! scopes by name. Pure data, filled by `checker`, read by `plan::lower`.

use crate::source::span::Span;
use std::collections::HashMap;

/// What one use of a name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A `let`, a function parameter or a loop variable, declared at `definition`
    /// (the span of the declared name).
    Local { definition: Span },
    /// A field of the last step.
    Field,
    /// A top-level `param`, `let` or `secret` of this module or of one it imports
    /// without `as`.
    Global,
    /// A service of this module or of one it imports without `as`.
    Service,
}

/// Each use of a name, by its span.
#[derive(Default, Debug)]
pub struct ResolvedNames {
    uses: HashMap<Span, Resolved>,
}

impl ResolvedNames {
    pub fn insert(&mut self, span: Span, resolved: Resolved) {
        self.uses.insert(span, resolved);
    }

    /// What the name used at `span` refers to; `None` for a name the checker did
    /// not resolve (it reported it, so a checked program has none).
    pub fn get(&self, span: Span) -> Option<Resolved> {
        self.uses.get(&span).copied()
    }
}
