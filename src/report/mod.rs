//! Reporters: consumers of the runner's events. Events flow one way, runner →
//! channel → reporters; a reporter never calls back into the run.

pub mod mask;
pub mod terminal;

use crate::run::outcome::Event;

pub trait Reporter: Send {
    fn event(&mut self, event: &Event);
}
