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
            let near = crate::diagnostics::did_you_mean(
                &args.code.to_uppercase(),
                codes::ALL.iter().map(|info| info.code.id),
            );
            super::print_error(
                format!("`{}` is not a ritc diagnostic code", args.code),
                Some(match near {
                    Some(near) => format!(
                        "did you mean {near}? Codes look like E0201 or W0002; `ritc check` prints them"
                    ),
                    None => "codes look like E0201 or W0002; `ritc check` prints them".to_string(),
                }),
            );
            exit::USAGE
        }
    }
}
