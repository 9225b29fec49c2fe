//! The `rit-demo` command line: parses the two subcommands and hands each to its
//! service. It owns no routes and no storage.

mod api;
mod auth;
mod db;
mod events;
mod http_error;
mod inventory;
mod json_body;
mod order_events;
mod request_log;
mod server;
mod twilio;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The demo service of ritc: an API with a database, and an inventory service that
/// the API calls, so that every kind of check has a real target.
#[derive(Debug, Parser)]
#[command(name = "rit-demo", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the API (reads DATABASE_URL, TWILIO_AUTH_TOKEN and EVENTS_URL from the
    /// environment).
    Serve {
        /// Port to listen on, on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Base URL of the inventory service that orders are sent to.
        #[arg(long, default_value = "http://127.0.0.1:3001")]
        inventory_url: String,
    },
    /// Run the in-memory inventory service (reads EVENTS_URL from the
    /// environment: the broker whose `order.created` events it records).
    Inventory {
        /// Port to listen on, on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = 3001)]
        port: u16,
    },
}

/// Used when DATABASE_URL is unset: a SQLite file in the working directory, created
/// on first use.
const DEFAULT_DATABASE_URL: &str = "sqlite://rit-demo.db?mode=rwc";

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Serve {
            port,
            inventory_url,
        } => serve(port, inventory_url).await,
        Command::Inventory { port } => serve_inventory(port).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rit-demo: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_inventory(port: u16) -> Result<(), String> {
    let heard = inventory::HeardOrders::default();
    // Where `order.created` comes from; unset or empty, nowhere. Subscribed
    // before the service listens, so that ready means subscribed.
    if let Ok(url) = std::env::var("EVENTS_URL")
        && !url.is_empty()
    {
        let recorded = heard.clone();
        order_events::consume(url, move |payload| {
            let line = match recorded.record(payload) {
                Ok((product, order_id)) => format!("heard order {order_id} of {product}"),
                Err(why) => format!("ignored an {}: {why}", events::ORDER_CREATED),
            };
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{line}");
            let _ = stdout.flush();
        })
        .await?;
    }
    server::run(port, inventory::router(heard)).await
}

async fn serve(port: u16, inventory_url: String) -> Result<(), String> {
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_string());
    // An empty token means "not set": a shell's `TWILIO_AUTH_TOKEN=` should not make
    // every webhook need a signature keyed by the empty string.
    let twilio_auth_token = std::env::var("TWILIO_AUTH_TOKEN")
        .ok()
        .filter(|token| !token.is_empty());
    // Where `order.created` goes: amqp://, nats:// or mqtt://; unset or empty, nowhere.
    let events = match std::env::var("EVENTS_URL") {
        Ok(url) if !url.is_empty() => Some(events::Publisher::from_url(&url)?),
        _ => None,
    };
    let database = db::Database::connect(&database_url)
        .await
        // The URL is left out of the message: it may hold a password.
        .map_err(|error| format!("cannot open the database: {error}"))?;
    let state = api::AppState::new(database, inventory_url, twilio_auth_token, events)?;
    server::run(port, api::router(state)).await
}
