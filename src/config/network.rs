//! How the run reaches GitHub and STS: the token's issuer and audience, the STS endpoint,
//! proxies, retries and the time bound. Pure: checks input values and the environment
//! snapshot; the CA bundle *file* is read in preflight, not here.

use std::path::PathBuf;
use std::time::Duration;

use crate::env;
use crate::github::{GITHUB_COM_ISSUER, issuer_for_server};
use crate::inputs::{Checker, Input};
use crate::net::NetConfig;
use crate::retry::RetryPolicy;
use crate::text::printable;

use super::Mode;

/// Longest any single request may take.
pub const MAX_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The checked token inputs.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// Token audience.
    pub audience: String,
    /// Token file instead of the runner's endpoint.
    pub token_file: Option<PathBuf>,
    /// Skip signature verification (loudly).
    pub skip_signature: bool,
}

impl OidcConfig {
    /// Checks `audience`, the token file and the signature switch.
    pub fn check(c: &mut Checker<'_>) -> OidcConfig {
        // Never unset: the table's default applies.
        let audience = c.get(Input::Audience).unwrap_or_default().to_string();
        if audience.len() > 255
            || audience
                .chars()
                .any(|ch| ch.is_whitespace() || ch.is_control())
        {
            c.fail(
                Input::Audience.name(),
                format!("{} is not a valid audience", printable(&audience)),
                "use the audience of your IAM OIDC provider, normally `sts.amazonaws.com`",
            );
        }
        OidcConfig {
            audience,
            token_file: c.get(Input::WebIdentityTokenFile).map(PathBuf::from),
            skip_signature: c.bool(Input::InsecureSkipSignatureVerification),
        }
    }
}

/// `issuer`, else the one `GITHUB_SERVER_URL` implies, normalised (no trailing slash); `None`
/// (with an error recorded) when invalid.
pub fn issuer(c: &mut Checker<'_>) -> Option<String> {
    let env = c.inputs.env();
    match c.get(Input::Issuer) {
        Some(v) => c.url(Input::Issuer.name(), v),
        None => match env.get(env::GITHUB_SERVER_URL) {
            Some(server) => c.url(env::GITHUB_SERVER_URL, &issuer_for_server(server)),
            None => Some(GITHUB_COM_ISSUER.to_string()),
        },
    }
}

/// The checked network inputs.
#[derive(Debug, Clone)]
pub struct NetworkConfig {
    /// STS endpoint override.
    pub sts_endpoint: Option<String>,
    /// Proxy, bypass list and extra CA bundle for every request.
    pub net: NetConfig,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// Bound on the whole run.
    pub action_timeout: Option<Duration>,
}

impl NetworkConfig {
    /// Checks retries, the time bound, the STS endpoint and the proxy inputs.
    pub fn check(c: &mut Checker<'_>, mode: Mode) -> NetworkConfig {
        let max_attempts = c.number(
            Input::RetryMaxAttempts,
            1..=20,
            "give the number of attempts per request, e.g. `5` (1 disables retries)",
        ) as u32;
        let action_timeout = c
            .whole_number(
                Input::ActionTimeoutS,
                1..=3600,
                "give the most seconds the whole run may take, e.g. `60`",
            )
            .map(Duration::from_secs);
        let retry = if c.bool(Input::DisableRetry) {
            RetryPolicy::default().with_max_attempts(1)
        } else {
            RetryPolicy::default().with_max_attempts(max_attempts)
        };
        NetworkConfig {
            sts_endpoint: sts_endpoint(c, mode),
            net: net(c),
            retry,
            action_timeout,
        }
    }

    /// Per-request timeout: 10 s, or a third of `action-timeout-s` when that is shorter, so a
    /// hung request leaves time for retries within the bound.
    pub fn request_timeout(&self) -> Duration {
        self.action_timeout.map_or(MAX_REQUEST_TIMEOUT, |t| {
            (t / 3).clamp(Duration::from_secs(1), MAX_REQUEST_TIMEOUT)
        })
    }
}

/// `sts-endpoint`, else (in the action) `AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`.
fn sts_endpoint(c: &mut Checker<'_>, mode: Mode) -> Option<String> {
    let env = c.inputs.env();
    match (c.get(Input::StsEndpoint), mode) {
        (Some(v), _) => c.url(Input::StsEndpoint.name(), v),
        // A dry run's minted token goes only where the user explicitly sends it.
        (None, Mode::DryRun) => None,
        (None, Mode::Action) => [env::AWS_ENDPOINT_URL_STS, env::AWS_ENDPOINT_URL]
            .into_iter()
            .find_map(|name| env.get(name).map(|v| (name, v)))
            .and_then(|(name, v)| c.url(name, v)),
    }
}

/// `http-proxy`, `no-proxy`, `ca-bundle` (or their variables). The proxy URLs are checked
/// here; the CA bundle file is read in preflight.
fn net(c: &mut Checker<'_>) -> NetConfig {
    let net = NetConfig::new(
        c.get(Input::HttpProxy),
        c.get(Input::NoProxy),
        c.get(Input::CaBundle),
        c.inputs.env(),
    );
    if c.get(Input::HttpProxy).is_some()
        && let Err(e) = net.check_proxies()
    {
        c.fail(Input::HttpProxy.name(), e.to_string(), e.hint());
    }
    if let Some(list) = c.get(Input::NoProxy)
        && !list.split(',').map(str::trim).all(|entry| {
            entry
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_*:/[]".contains(&b))
        })
    {
        c.fail(
            Input::NoProxy.name(),
            format!("{} is not a list of hosts", printable(list)),
            "give host names, domains (.example.com), IP addresses or *, separated by commas",
        );
    }
    net
}
