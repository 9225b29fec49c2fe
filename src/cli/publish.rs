//! `ritc publish linear --issue ID [PATHS…]`: checks the files, renders their
//! checkpoint definitions (and, with `--report-file`, the last results) as
//! Markdown (`crate::publish`) and posts it as a comment on a Linear issue
//! through the GraphQL `commentCreate` mutation, authenticated by
//! `LINEAR_API_KEY`. Exit 0 posted, 1 Linear refused or could not be reached,
//! 2 a usage problem (no key, a file that does not check, an unreadable report).

use super::{exit, files};
use crate::check::{self, program::DiskLoader};
use crate::diagnostics::render;
use crate::mask::Masker;
use crate::publish::{self, linear, markdown};
use std::path::PathBuf;
use std::time::Duration;

/// How long posting may take, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(clap::Args)]
pub struct PublishArgs {
    #[command(subcommand)]
    target: Target,
}

#[derive(clap::Subcommand)]
enum Target {
    /// Post the checkpoint definitions as a comment on a Linear issue (LINEAR_API_KEY).
    Linear(LinearArgs),
}

#[derive(clap::Args)]
pub struct LinearArgs {
    /// The issue to comment on: its identifier (ENG-123) or its id.
    #[arg(long, value_name = "ID", required_unless_present = "dry_run")]
    issue: Option<String>,
    /// Files or folders whose checkpoints to publish (folders: every *.rit inside).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// A JSON report of `ritc run --report json=PATH`: its results are added.
    #[arg(long, value_name = "REPORT.json")]
    report_file: Option<PathBuf>,
    /// The GraphQL endpoint (for tests and proxies).
    #[arg(long, value_name = "URL", default_value = linear::ENDPOINT)]
    endpoint: String,
    /// The default step timeout the checkpoints are run with (`ritc run --timeout`).
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    timeout: String,
    /// Print the comment's Markdown on standard output instead of posting it.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: PublishArgs) -> u8 {
    match args.target {
        Target::Linear(args) => linear_run(args),
    }
}

fn linear_run(args: LinearArgs) -> u8 {
    let key = std::env::var(linear::API_KEY_VARIABLE)
        .ok()
        .filter(|key| !key.trim().is_empty());
    if key.is_none() && !args.dry_run {
        super::print_error(
            format!(
                "{} is not set: ritc cannot post to Linear without it",
                linear::API_KEY_VARIABLE
            ),
            Some(format!(
                "create a personal API key in Linear (Settings → Security & access → Personal API keys), then `export {}=lin_api_…`; or look at the comment first with --dry-run",
                linear::API_KEY_VARIABLE
            )),
        );
        return exit::USAGE;
    }
    let endpoint = match url::Url::parse(&args.endpoint) {
        Ok(endpoint) if matches!(endpoint.scheme(), "http" | "https") => endpoint,
        _ => {
            super::print_error(
                format!("--endpoint {:?} is not an http(s) URL", args.endpoint),
                Some(format!("Linear's is {}", linear::ENDPOINT)),
            );
            return exit::USAGE;
        }
    };
    let body = match comment(&args) {
        Ok(body) => body,
        Err(code) => return code,
    };
    // The key is a secret too: nothing printed may show it.
    let masker = Masker::new(key.iter().cloned().collect());
    if args.dry_run {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = stdout
            .write_all(masker.mask(&body).as_bytes())
            .and_then(|()| stdout.flush());
        return exit::PASSED;
    }
    let (Some(key), Some(issue)) = (key, args.issue) else {
        return exit::USAGE;
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            super::print_error(format!("cannot start the async runtime: {error}"), None);
            return exit::USAGE;
        }
    };
    let answer = runtime.block_on(post(&endpoint, &key, &issue, &body));
    match answer {
        Ok(posted) => {
            eprintln!(
                "posted the checkpoint definitions ({} characters) to Linear issue {issue}",
                body.chars().count()
            );
            if let Some(url) = posted.url.or(posted.id) {
                println!("{url}");
            }
            exit::PASSED
        }
        Err(error) => {
            super::print_error(
                masker.mask(&error.message),
                error.help.map(|help| masker.mask(&help)),
            );
            exit::FAILED
        }
    }
}

/// Checks the files and renders the comment; `Err` is the exit code, the
/// problem already printed.
fn comment(args: &LinearArgs) -> Result<String, u8> {
    let paths = files::collect(&args.paths).map_err(|message| {
        super::print_error(message, None);
        exit::USAGE
    })?;
    let (program, diagnostics) =
        check::check_files(&paths, &mut DiskLoader::default()).map_err(|unreadable| {
            super::files::print_unreadable(&unreadable);
            exit::USAGE
        })?;
    let errors: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if !errors.is_empty() {
        render::human_to_stderr(&program.sources, &errors, super::use_color_on_stderr());
        super::print_error(
            format!(
                "nothing published: the files have {} error(s)",
                errors.len()
            ),
            Some("`ritc check` shows them all".to_string()),
        );
        return Err(exit::USAGE);
    }
    let report = match &args.report_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|error| {
                super::print_error(
                    format!("cannot read --report-file {}: {error}", path.display()),
                    None,
                );
                exit::USAGE
            })?;
            Some(crate::report::json::parse(&text).map_err(|message| {
                super::print_error(
                    format!("--report-file {}: {message}", path.display()),
                    Some("give the JSON report of `ritc run --report json=PATH`".to_string()),
                );
                exit::USAGE
            })?)
        }
        None => None,
    };
    let plan = crate::plan::lower(&program);
    let definitions = publish::definitions(&program, &plan);
    if definitions
        .suites
        .iter()
        .all(|suite| suite.tests.is_empty() && suite.checkpoints.is_empty())
    {
        super::print_error(
            "nothing to publish: the files declare no test or checkpoint",
            Some("give the .rit files (or their folder) that hold the checkpoints".to_string()),
        );
        return Err(exit::USAGE);
    }
    let env = |name: &str| std::env::var(name).ok();
    let secrets = publish::secret_values(&plan, &env);
    let report_file = args
        .report_file
        .as_ref()
        .map(|path| path.display().to_string());
    let context = markdown::Context {
        default_step_timeout: &args.timeout,
        report: report.as_ref(),
        report_file: report_file.as_deref(),
    };
    Ok(markdown::render(
        &definitions,
        &context,
        &Masker::new(secrets),
    ))
}

async fn post(
    endpoint: &url::Url,
    key: &str,
    issue: &str,
    body: &str,
) -> Result<linear::PostedComment, linear::PublishError> {
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("ritc/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| linear::PublishError {
            message: format!("cannot make an HTTP client: {error}"),
            help: None,
        })?;
    let response = client
        .post(endpoint.clone())
        .header(reqwest::header::AUTHORIZATION, linear::authorization(key))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(linear::comment_request(issue, body).to_string())
        .send()
        .await
        .map_err(|error| linear::PublishError {
            message: format!("cannot reach {endpoint}: {}", with_causes(&error)),
            help: Some(if error.is_timeout() {
                format!("no answer within {}s; try again", REQUEST_TIMEOUT.as_secs())
            } else {
                "check the network (and HTTPS_PROXY if one is needed)".to_string()
            }),
        })?;
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .map_err(|error| linear::PublishError {
            message: format!(
                "Linear answered HTTP {status} but its body could not be read: {}",
                with_causes(&error)
            ),
            help: None,
        })?;
    linear::read_response(status, &text)
}

/// An error with its causes, where "connection refused" hides.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
