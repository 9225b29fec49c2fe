//! `ritc explain CODE`.

use super::exit;
use crate::diagnostics::codes;

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// A diagnostic code, such as E0201 or W0002.
    code: String,
}

pub fn run(args: ExplainArgs) -> u8 {
    match codes::lookup(&args.code) {
        Some(info) => {
            println!("{}: {}\n\n{}", info.code.id, info.title, info.explanation);
            exit::PASSED
        }
        None => {
            eprintln!(
                "error: `{}` is not a ritc diagnostic code (codes look like E0201 or W0002; `ritc check` prints them)",
                args.code
            );
            exit::USAGE
        }
    }
}
