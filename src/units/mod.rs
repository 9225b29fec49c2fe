//! The units of `.rit` values (durations, sizes, percents) as text, both ways: how
//! each is written (`write`: one function a style, named by where the text is read)
//! and how a number token with its unit is read (`read`). A foundation: pure
//! functions over text and numbers, importing nothing of the crate.

mod read;
mod write;

pub use read::{DURATION_UNITS, NumberError, NumberLiteral, SIZE_UNITS, parse_number};
pub use write::{
    binary_size, chart_millis, limit_duration, literal_duration, literal_duration_from_millis,
    literal_percent, literal_percent_from_fraction, literal_size, measured_duration,
    measured_percent, plain_number, seconds_from_millis, short_duration, summary_duration,
    trim_float,
};
