//! What every API handler can reach: the database, the token signer, the Twilio
//! token and the way to the inventory service.

use std::sync::Arc;

use crate::auth::TokenSigner;
use crate::db::Database;
use crate::events::Publisher;

#[derive(Clone)]
pub struct AppState {
    pub database: Database,
    pub tokens: TokenSigner,
    /// When set, webhooks must carry Twilio's signature keyed by it.
    pub twilio_auth_token: Option<Arc<str>>,
    /// Base URL of the inventory service, without a trailing slash.
    pub inventory_url: Arc<str>,
    /// One client for all calls to the inventory, so connections are reused.
    pub http: reqwest::Client,
    /// Where an order's `order.created` event goes (`EVENTS_URL`), if anywhere.
    pub events: Option<Publisher>,
}

impl AppState {
    pub fn new(
        database: Database,
        inventory_url: String,
        twilio_auth_token: Option<String>,
        events: Option<Publisher>,
    ) -> Result<AppState, String> {
        Ok(AppState {
            database,
            tokens: TokenSigner::with_random_key()?,
            twilio_auth_token: twilio_auth_token.map(Arc::from),
            inventory_url: Arc::from(inventory_url.trim_end_matches('/')),
            http: reqwest::Client::new(),
            events,
        })
    }
}
