//! The flags of `ritc run` that give every HTTP step a clause, as Hurl's command
//! line does (`--header`, `--user`, `--location`, `--insecure`, `--resolve`,
//! `--connect-to`, `--proxy`, `--cacert`, `--cert`, `--key`): each becomes the
//! clause of the same meaning (docs/language.md, "HTTP step options"), read after the step's own
//! clauses and its file's `defaults { … }`, which win.

use std::path::{Path, PathBuf};

use crate::mask::Masker;
use crate::run::StepDefault;
use crate::value::Value;

#[derive(clap::Args, Default)]
pub struct HttpFlags {
    /// Send this header with every HTTP step that does not give it:
    /// `--header "X-Api-Key: abc"` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    headers: Vec<(String, String)>,
    /// Basic auth for every HTTP step without its own `user` (masked in every output).
    #[arg(long, value_name = "NAME:PASSWORD")]
    user: Option<String>,
    /// Follow redirects in every HTTP step (`follow redirects`).
    #[arg(long)]
    location: bool,
    /// Do not verify TLS certificates in any HTTP step (`insecure`).
    #[arg(long)]
    insecure: bool,
    /// Connect HOST on PORT to ADDRESS in every HTTP step (repeatable).
    #[arg(long = "resolve", value_name = "HOST:PORT:ADDRESS")]
    resolve: Vec<String>,
    /// Connect to HOST2 on PORT2 for HOST1 on PORT1 in every HTTP step, keeping the
    /// URL's name for `Host` and TLS (repeatable; `connect to`).
    #[arg(long = "connect-to", value_name = "HOST1:PORT1:HOST2:PORT2")]
    connect_to: Vec<String>,
    /// Send every HTTP step through this proxy.
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// Trust this certificate authority (PEM) in every HTTP step.
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// Present this client certificate (PEM) in every HTTP step.
    #[arg(long, value_name = "FILE")]
    cert: Option<PathBuf>,
    /// The client certificate's key (PKCS#8 PEM).
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(format!("expected NAME: VALUE, got {text:?}")),
    }
}

impl HttpFlags {
    /// The clauses these flags give every HTTP step; paths made absolute from
    /// `cwd` (a step reads its own relative to its file). `--user` is registered
    /// as a secret in `secrets` before anything runs.
    pub fn step_defaults(&self, cwd: &Path, secrets: &Masker) -> Vec<StepDefault> {
        let mut defaults = Vec::new();
        let mut add = |clause: &str, value: Option<Value>| {
            defaults.push(StepDefault {
                kind: "http".to_string(),
                clause: clause.to_string(),
                value,
            });
        };
        if !self.headers.is_empty() {
            let headers = self
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                .collect();
            add("headers", Some(Value::Object(headers)));
        }
        if let Some(user) = &self.user {
            secrets.register(user);
            if let Some((_, password)) = user.split_once(':') {
                secrets.register(password);
            }
            add("user", Some(Value::String(user.clone())));
        }
        if self.location {
            add("follow redirects", None);
        }
        if self.insecure {
            add("insecure", None);
        }
        if !self.resolve.is_empty() {
            let entries = self.resolve.iter().cloned().map(Value::String).collect();
            add("resolve", Some(Value::List(entries)));
        }
        if !self.connect_to.is_empty() {
            let entries = self.connect_to.iter().cloned().map(Value::String).collect();
            add("connect to", Some(Value::List(entries)));
        }
        if let Some(proxy) = &self.proxy {
            add("proxy", Some(Value::String(proxy.clone())));
        }
        for (clause, path) in [
            ("cacert", &self.cacert),
            ("cert", &self.cert),
            ("key", &self.key),
        ] {
            if let Some(path) = path {
                let full = cwd.join(path).to_string_lossy().into_owned();
                add(clause, Some(Value::String(full)));
            }
        }
        defaults
    }
}
