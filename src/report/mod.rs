//! Reporters: consumers of the runner's events. Events flow one way, runner →
//! channel → reporters; a reporter never calls back into the run.
//!
//! The terminal reporter prints as the run goes; the others build one
//! `model::RunReport` from the events and render it when the run finishes
//! (`output`: yaml, json, junit, tap, html), or stream the events as JSON Lines
//! (`events`). `merge` combines the JSON reports of `--shard` runs. Every text
//! passes through `crate::mask::Masker` first.

pub mod events;
pub mod html;
pub mod json;
pub mod junit;
pub mod logged_error;
pub mod merge;
pub mod model;
pub mod output;
pub mod suggest;
pub mod tap;
pub mod terminal;
pub mod yaml;

use crate::run::outcome::Event;

pub trait Reporter: Send {
    fn event(&mut self, event: &Event);
}
