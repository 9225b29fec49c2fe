//! The checker: names, scopes, types, the fields of the last step, step clauses and
//! every rule of docs/language.md. Reads the AST and the step kinds' schemas, and runs
//! each step kind's own rules (`crate::steps`, through `StepChecker`); writes only
//! diagnostics. Pure. One file a concern; what they share is imported here once and
//! each file takes it with `use super::*`.

mod body;
mod calls;
mod clauses;
mod constants;
mod effects;
mod expressions;
mod module;
mod operators;
mod patterns;
mod precedence;
mod shapes;
mod statements;

use super::index::{Index, NameKind, Target};
use super::program::{ModuleId, Program};
use super::resolved::{Resolved, ResolvedNames};
use crate::builtins::{self, Returns};
use crate::diagnostics::{Diagnostic, codes, did_you_mean};
use crate::source::span::Span;
use crate::steps::schema::{ConnectionSpec, OptionSpec, StepSchema, TargetText, ValueSpec};
use crate::steps::{self, StepChecker};
use crate::syntax::ast::*;
use crate::syntax::visit::visit_expr;
use crate::types::{IsTest, ProbeKind, Type};
use std::collections::HashMap;

use body::*;
use effects::*;
use expressions::*;
use module::*;
use operators::*;

pub use module::{check, check_indexed, check_with_param_types};
