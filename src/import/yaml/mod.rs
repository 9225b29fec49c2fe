//! Importing a YAML suite in the seed document's "Test Definition Format": setup
//! commands (servers become `service`s with a readiness probe), `health`, `flow`,
//! `integration` and `performance` tests, checkpoints, teardown. What has no
//! translation is kept as a `#` comment holding the YAML and noted. Pure: no IO.

mod checkpoints;
mod expectations;
mod importer;

use super::rit::{
    Lines, Names, Note, Translation, identifier, is_word, object_key, path_suffix, quoted,
    string_literal, yaml_expression, yaml_key,
};
use crate::units::{literal_duration_from_millis, literal_percent_from_fraction, plain_number};
use serde_yaml::{Mapping, Value};

use importer::*;

pub use importer::translate;
