//! Running `http` steps: `GET url …` and the other methods.

use super::client::{HttpError, HttpErrorKind, HttpRequest, RequestBody};
use super::transport::{ClientIdentity, Transport};
use super::{HttpConfig, HttpStepConfig};
use crate::evidence::{Evidence, ResponseEvidence, Timing};
use crate::steps::config::ConfigError;
use crate::steps::exec::{
    StepError, StepErrorKind, StepExecutor, StepInput, StepOutput, TestResources,
};
use crate::value::{Value, to_text};
use futures_util::future::BoxFuture;
use std::path::Path;
use std::time::Duration;

pub use super::response::ResponseRecord;

pub struct HttpExecutor;

impl StepExecutor for HttpExecutor {
    fn execute<'a>(
        &'a self,
        input: StepInput,
        test: &'a TestResources,
    ) -> BoxFuture<'a, Result<StepOutput, StepError>> {
        Box::pin(async move {
            let config = HttpStepConfig::from_clauses(&input.options)
                .map_err(ConfigError::into_step_error)?;
            let transport = transport(&config, &input.base_dir)?;
            let mut request = build_request(
                input.method,
                &input.target,
                config.request,
                input.default_timeout,
                input.max_body,
            )?;
            // `max redirects N` is about following them: it turns `follow redirects` on.
            request.follow_redirects |= transport.max_redirects.is_some();
            request.transport = transport;
            request.path_as_is = config.path_as_is;
            request.limit_rate = config.limit_rate;
            if let Some(scope) = &config.sigv4 {
                sign(&mut request, scope, config.user.as_deref(), &input.secrets)?;
            } else if let Some(user) = &config.user {
                basic_auth(&mut request, user, &input.secrets);
            } else if let Some(path) = &config.netrc
                && let Some(user) = netrc_user(path, &request.url, &input.base_dir)?
            {
                basic_auth(&mut request, &user, &input.secrets);
            }
            if let Some(delay) = config.delay {
                tokio::time::sleep(delay).await;
            }
            let described = input.verbose.then(|| request.clone());
            let response = test.http.send(request).await.map_err(step_error)?;
            let exchange = described.map(|described| {
                super::client::describe_exchange(&described, Some(&response), &input.secrets)
            });
            let evidence = Evidence {
                response: Some(ResponseEvidence::new(
                    input.method.unwrap_or("GET"),
                    &response.url,
                    response.status,
                    response.header("content-type"),
                    &response.body,
                )),
                timing: Some(
                    Timing::new(response.duration, response.head_after)
                        .connecting(response.connecting),
                ),
                ..Evidence::default()
            };
            Ok(StepOutput {
                record: Box::new(ResponseRecord::new(response)),
                exchange,
                evidence: Some(evidence),
            })
        })
    }
}

/// The HTTP request a step (or a `load`) describes: `method` and `url` (its
/// target as text), its config, and what the run gives every request.
pub fn build_request(
    method: Option<&str>,
    url: &Value,
    config: HttpConfig,
    default_timeout: Duration,
    max_body: usize,
) -> Result<HttpRequest, StepError> {
    Ok(HttpRequest {
        method: method.unwrap_or("GET").to_string(),
        url: to_text(url).map_err(|error| StepError::new(StepErrorKind::Usage, error.0))?,
        headers: config.headers,
        query: config.query,
        body: config.body,
        timeout: config.timeout.unwrap_or(default_timeout),
        max_body,
        follow_redirects: config.follow_redirects,
        insecure: config.insecure,
        transport: Transport::default(),
        path_as_is: false,
        limit_rate: None,
    })
}

/// `user "name:password"`: masked in every output from now on (the pair, its
/// base64 in the header, and the password alone), and sent as basic auth
/// unless the step gives its own `Authorization` header.
fn basic_auth(request: &mut HttpRequest, user: &str, secrets: &crate::mask::Masker) {
    secrets.register(user);
    if let Some((_, password)) = user.split_once(':') {
        secrets.register(password);
    }
    if !super::url_credentials::has_authorization(&request.headers) {
        request.headers.push((
            "Authorization".to_string(),
            super::url_credentials::basic_authorization(user),
        ));
    }
}

/// `sigv4`: the request signed with `user`'s key and secret (masked in
/// every output, as `user`'s pair is), at the current time.
fn sign(
    request: &mut HttpRequest,
    scope: &super::sigv4::SigningScope,
    user: Option<&str>,
    secrets: &crate::mask::Masker,
) -> Result<(), StepError> {
    let usage = |message: String| StepError::new(StepErrorKind::Usage, message);
    let Some((access_key, secret)) = user.and_then(|user| user.split_once(':')) else {
        return Err(usage(
            "`sigv4` signs with the key and secret of `user \"KEY:SECRET\"`: give `user`"
                .to_string(),
        ));
    };
    secrets.register(secret);
    let body = match &request.body {
        RequestBody::None => Vec::new(),
        RequestBody::Json(value) => serde_json::to_vec(value).unwrap_or_default(),
        RequestBody::Form(pairs) => url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
            .into_bytes(),
        RequestBody::Raw(bytes) => bytes.clone(),
        RequestBody::Multipart(_) => {
            return Err(usage(
                "`sigv4` cannot sign a `multipart` body (its boundary is chosen when it is sent)"
                    .to_string(),
            ));
        }
    };
    let url = super::client::request_url(request).map_err(step_error)?;
    let now = super::sigv4::amz_date(time::OffsetDateTime::now_utc());
    let signable = super::sigv4::Signable {
        method: &request.method,
        url: &url,
        headers: &request.headers,
        body: &body,
    };
    let added = super::sigv4::sign(&signable, scope, access_key, secret, &now).map_err(usage)?;
    request.headers.extend(added);
    Ok(())
}

/// `netrc "path"`: the `login:password` the file gives the URL's host (or its
/// `default` entry); `None` when it gives none, as curl sends nothing then. The
/// path is relative to the step's file's folder; `~/` is the home folder.
fn netrc_user(path: &str, url: &str, base_dir: &Path) -> Result<Option<String>, StepError> {
    let full = match path.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(|home| Path::new(&home).join(rest))
            .unwrap_or_else(|| base_dir.join(path)),
        None => base_dir.join(path),
    };
    let text = std::fs::read_to_string(&full).map_err(|error| {
        StepError::new(
            StepErrorKind::Usage,
            format!("`netrc`: cannot read {}: {error}", full.display()),
        )
    })?;
    let host = url::Url::parse(url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_default();
    Ok(super::netrc::credentials_for(&text, &host))
}

/// What the step asks of the connection; the certificate files are read here,
/// relative to the folder of the step's file.
fn transport(config: &HttpStepConfig, base_dir: &Path) -> Result<Transport, StepError> {
    let read = |clause: &str, path: &str| {
        let full = base_dir.join(path);
        std::fs::read(&full).map_err(|error| {
            StepError::new(
                StepErrorKind::Usage,
                format!("`{clause}`: cannot read {}: {error}", full.display()),
            )
        })
    };
    let identity = match (&config.cert, &config.key) {
        (Some(cert), Some(key)) => Some(ClientIdentity {
            certificate: read("cert", cert)?,
            key: read("key", key)?,
        }),
        // One PEM file that holds the certificate and its key.
        (Some(cert), None) => Some(
            ClientIdentity::from_one_file(&read("cert", cert)?)
                .map_err(|message| StepError::new(StepErrorKind::Usage, message))?,
        ),
        (None, Some(_)) => {
            return Err(StepError::new(
                StepErrorKind::Usage,
                "`key` is the key of a client certificate: give the certificate with `cert`",
            ));
        }
        (None, None) => None,
    };
    Ok(Transport {
        max_redirects: config.max_redirects,
        version: config.version,
        proxy: config.proxy.clone(),
        resolve: config.resolve.clone(),
        connect_to: config.connect_to.clone(),
        certificate_authority: config
            .cacert
            .as_deref()
            .map(|path| read("cacert", path))
            .transpose()?,
        identity,
    })
}

pub fn step_error(error: HttpError) -> StepError {
    let kind = match error.kind {
        HttpErrorKind::Connect => StepErrorKind::Connection,
        HttpErrorKind::Timeout => StepErrorKind::Timeout,
        HttpErrorKind::Tls => StepErrorKind::Tls,
        HttpErrorKind::InvalidRequest => StepErrorKind::Usage,
        HttpErrorKind::Redirect | HttpErrorKind::Body => StepErrorKind::Protocol,
        _ => StepErrorKind::Other,
    };
    StepError::new(kind, error.message).because(error.cause)
}
