//! Where tokens and signing keys come from. I/O: HTTP to the runner's token endpoint and the
//! issuer's discovery and JWKS documents, or a token file; plus in-memory sources for the dry run.
//!
//! Both traits are small so the action, the dry run and tests plug in different sources while
//! [`crate::app`] stays the same.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Mutex;

use jsonwebtoken::jwk::JwkSet;

use crate::env::{self, Env};
use crate::net::check_url;
use crate::secret::Secret;

/// Most bytes read from any token, discovery or JWKS response: far above real sizes, far below
/// what could hurt.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("this job cannot request an OIDC token: {missing} is not set")]
    NotAvailable { missing: &'static str },
    #[error("{variable} is not usable: {problem}")]
    BadRequestUrl {
        variable: &'static str,
        problem: String,
    },
    #[error("the runner's token endpoint {endpoint} answered HTTP {status}{}", answered(.body))]
    Status {
        /// Scheme, host and path of `ACTIONS_ID_TOKEN_REQUEST_URL`: never its query.
        endpoint: String,
        status: u16,
        /// The body, shown safely; empty when there was none.
        body: String,
    },
    #[error("could not reach the runner's token endpoint: {0}")]
    Transport(String),
    #[error("the runner's token endpoint answered without a token: {problem}")]
    BadResponse {
        /// What was wrong.
        problem: String,
        /// The body was empty or cut short: likely the network, worth a retry.
        truncated: bool,
    },
    #[error("could not read web-identity-token-file {path}: {problem}")]
    File { path: PathBuf, problem: String },
}

impl TokenError {
    /// Why a retry may succeed, or `None` for a permanent failure.
    pub fn transient_reason(&self) -> Option<String> {
        match self {
            TokenError::Transport(problem) => Some(problem.clone()),
            TokenError::Status { status, .. } if *status >= 500 || *status == 429 => {
                Some(format!("HTTP {status}"))
            }
            TokenError::BadResponse {
                problem,
                truncated: true,
            } => Some(problem.clone()),
            _ => None,
        }
    }

    /// How to fix it.
    pub fn hint(&self) -> Option<String> {
        match self {
            TokenError::NotAvailable { .. } => Some(
                "add `permissions: id-token: write` to the job (or workflow); pull requests from forks never get an OIDC token, whatever the permissions".into(),
            ),
            TokenError::Status { status: 401 | 403, .. } => Some(
                "the request token was refused: it is valid only during the job that received it".into(),
            ),
            // The runner hands each job its own URL; a 404 means this one is not it.
            TokenError::Status { status: 404, .. } => Some(format!(
                "{} names no token endpoint: it is stale (kept from an earlier job, or set by hand in `env:`) or not the runner's; let the runner set it. A missing `id-token: write` leaves it unset and a refused request token gives 401 or 403, not 404; on GitHub Enterprise Server, check that your version offers Actions OIDC tokens",
                env::ACTIONS_ID_TOKEN_REQUEST_URL
            )),
            TokenError::File { .. } => Some(
                "give the path of a file that holds the JWT (e.g. written by a previous step), readable by this step".into(),
            ),
            _ => None,
        }
    }
}

/// What follows "answered HTTP 404" in [`TokenError::Status`]: the body, or that there was none
/// (never an empty pair of quotes).
fn answered(body: &str) -> String {
    if body.is_empty() {
        " with an empty body".to_string()
    } else {
        format!(": {body}")
    }
}

/// Where a request went, for messages: scheme, host, port and path, never the query (the
/// runner's token URL carries its parameters there) or a fragment.
fn endpoint_shown(url: &url::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    format!("`{shown}`")
}

/// Why the issuer's keys could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("could not fetch {url}: {problem}")]
    Fetch {
        url: String,
        problem: String,
        /// Connection failure, timeout, 5xx, 429 or a cut-short body: worth a retry.
        transient: bool,
    },
    #[error("{url} is not a valid {what}: {problem}")]
    Invalid {
        url: String,
        what: &'static str,
        problem: String,
    },
    #[error("the discovery document names issuer `{actual}`, expected `{expected}`")]
    IssuerMismatch { actual: String, expected: String },
}

impl KeyError {
    /// Why a retry may succeed, or `None` for a permanent failure.
    pub fn transient_reason(&self) -> Option<String> {
        match self {
            KeyError::Fetch {
                problem,
                transient: true,
                ..
            } => Some(problem.clone()),
            _ => None,
        }
    }
}

/// A source of OIDC tokens.
pub trait TokenSource: Sync {
    /// Fetches a token for `audience`.
    fn fetch(&self, audience: &str) -> impl Future<Output = Result<Secret, TokenError>> + Send;
}

/// A source of the issuer's signing keys.
pub trait KeySource: Sync {
    /// The issuer's current key set. Each call fetches it anew (only the discovery document is
    /// cached), so a second call after an unknown `kid` sees rotated keys.
    fn keys(&self) -> impl Future<Output = Result<JwkSet, KeyError>> + Send;
}

/// Requests a token from the runner (`ACTIONS_ID_TOKEN_REQUEST_URL`).
pub struct RunnerTokenSource {
    client: reqwest::Client,
    url: url::Url,
    bearer: Secret,
}

impl RunnerTokenSource {
    /// Reads the request URL and token from the environment snapshot.
    pub fn from_env(env: &Env, client: reqwest::Client) -> Result<Self, TokenError> {
        let url = env
            .get(env::ACTIONS_ID_TOKEN_REQUEST_URL)
            .ok_or(TokenError::NotAvailable {
                missing: env::ACTIONS_ID_TOKEN_REQUEST_URL,
            })?;
        let bearer =
            env.get(env::ACTIONS_ID_TOKEN_REQUEST_TOKEN)
                .ok_or(TokenError::NotAvailable {
                    missing: env::ACTIONS_ID_TOKEN_REQUEST_TOKEN,
                })?;
        let url = check_url(url).map_err(|problem| TokenError::BadRequestUrl {
            variable: env::ACTIONS_ID_TOKEN_REQUEST_URL,
            problem,
        })?;
        Ok(RunnerTokenSource {
            client,
            url,
            bearer: Secret::new(bearer),
        })
    }

    /// The request token, to be masked before anything is printed.
    pub fn bearer(&self) -> &Secret {
        &self.bearer
    }
}

/// `url` with `audience=` set, whether or not it already has a query (the runner's has one),
/// replacing any audience already there.
pub fn with_audience(url: &url::Url, audience: &str) -> url::Url {
    let mut url = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "audience")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("audience", audience);
    url
}

/// Reads a response body, refusing more than [`MAX_RESPONSE_BYTES`].
async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(format!(
                "the response is larger than {MAX_RESPONSE_BYTES} bytes"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A reqwest error with its chain of causes (the request URLs carry no secrets: the runner's
/// bearer token travels in a header).
pub fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl TokenSource for RunnerTokenSource {
    async fn fetch(&self, audience: &str) -> Result<Secret, TokenError> {
        let url = with_audience(&self.url, audience);
        let response = self
            .client
            .get(url)
            .header(
                reqwest::header::AUTHORIZATION,
                format!("bearer {}", self.bearer.expose()),
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| TokenError::Transport(describe(&e)))?;
        let status = response.status();
        let body = read_limited(response)
            .await
            .map_err(TokenError::Transport)?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            let text = text.trim();
            return Err(TokenError::Status {
                endpoint: endpoint_shown(&self.url),
                status: status.as_u16(),
                body: if text.is_empty() {
                    String::new()
                } else {
                    crate::text::printable(text)
                },
            });
        }
        #[derive(serde::Deserialize)]
        struct TokenResponse {
            value: Option<String>,
        }
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| TokenError::BadResponse {
                problem: format!("not JSON: {e}"),
                truncated: e.is_eof(),
            })?;
        match parsed.value {
            Some(value) if !value.trim().is_empty() => Ok(Secret::new(value.trim())),
            _ => Err(TokenError::BadResponse {
                problem: "no `value` field".into(),
                truncated: false,
            }),
        }
    }
}

/// Reads a token from a file (`web-identity-token-file`), re-read on every fetch so a refreshed
/// file is picked up.
pub struct FileTokenSource {
    path: PathBuf,
}

impl FileTokenSource {
    /// A source reading `path`.
    pub fn new(path: PathBuf) -> Self {
        FileTokenSource { path }
    }
}

impl TokenSource for FileTokenSource {
    async fn fetch(&self, _audience: &str) -> Result<Secret, TokenError> {
        let error = |problem: String| TokenError::File {
            path: self.path.clone(),
            problem,
        };
        let meta = std::fs::metadata(&self.path).map_err(|e| error(e.to_string()))?;
        if meta.len() > MAX_RESPONSE_BYTES as u64 {
            return Err(error(format!("it is {} bytes long", meta.len())));
        }
        let text = std::fs::read_to_string(&self.path).map_err(|e| error(e.to_string()))?;
        let token = text.trim();
        if token.is_empty() {
            return Err(error("it is empty".into()));
        }
        Ok(Secret::new(token))
    }
}

/// A fixed token (the dry run's minted one).
pub struct StaticTokenSource(pub Secret);

impl TokenSource for StaticTokenSource {
    async fn fetch(&self, _audience: &str) -> Result<Secret, TokenError> {
        Ok(self.0.clone())
    }
}

/// Fetches keys via `<issuer>/.well-known/openid-configuration` and its `jwks_uri`.
pub struct IssuerKeySource {
    client: reqwest::Client,
    issuer: String,
    jwks_uri: Mutex<Option<url::Url>>,
}

impl IssuerKeySource {
    /// A source for `issuer` (already validated: https, or http to loopback).
    pub fn new(client: reqwest::Client, issuer: &str) -> Self {
        IssuerKeySource {
            client,
            issuer: issuer.trim_end_matches('/').to_string(),
            jwks_uri: Mutex::new(None),
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        what: &'static str,
    ) -> Result<T, KeyError> {
        let fetch_error = |problem: String, transient: bool| KeyError::Fetch {
            url: url.to_string(),
            problem,
            transient,
        };
        let response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| fetch_error(describe(&e), true))?;
        let status = response.status();
        if !status.is_success() {
            let transient = status.is_server_error() || status.as_u16() == 429;
            return Err(fetch_error(format!("HTTP {status}"), transient));
        }
        let body = read_limited(response)
            .await
            .map_err(|problem| fetch_error(problem, true))?;
        serde_json::from_slice(&body).map_err(|e| {
            if e.is_eof() {
                fetch_error(format!("the response was cut short: {e}"), true)
            } else {
                KeyError::Invalid {
                    url: url.to_string(),
                    what,
                    problem: e.to_string(),
                }
            }
        })
    }

    async fn discover(&self) -> Result<url::Url, KeyError> {
        if let Some(uri) = self.jwks_uri.lock().ok().and_then(|g| g.clone()) {
            return Ok(uri);
        }
        #[derive(serde::Deserialize)]
        struct Discovery {
            issuer: String,
            jwks_uri: String,
        }
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let doc: Discovery = self.get_json(&url, "OpenID discovery document").await?;
        if doc.issuer.trim_end_matches('/') != self.issuer {
            return Err(KeyError::IssuerMismatch {
                actual: doc.issuer,
                expected: self.issuer.clone(),
            });
        }
        let uri = check_url(&doc.jwks_uri).map_err(|problem| KeyError::Invalid {
            url,
            what: "OpenID discovery document",
            problem: format!("jwks_uri: {problem}"),
        })?;
        if let Ok(mut slot) = self.jwks_uri.lock() {
            *slot = Some(uri.clone());
        }
        Ok(uri)
    }
}

impl KeySource for IssuerKeySource {
    async fn keys(&self) -> Result<JwkSet, KeyError> {
        let cached = self.jwks_uri.lock().ok().and_then(|g| g.clone());
        if let Some(uri) = cached {
            return self.get_json(uri.as_str(), "JSON Web Key Set").await;
        }
        // GitHub (github.com, GHE.com, GHES) publishes its keys at `<issuer>/.well-known/jwks`:
        // fetch that while discovery is in flight, and use it only if discovery names the same
        // URI. That takes a round trip off the critical path; any other jwks_uri is fetched as
        // discovery says, and the speculative answer is dropped.
        let conventional = format!("{}/.well-known/jwks", self.issuer);
        let (uri, speculative) = tokio::join!(
            self.discover(),
            self.get_json::<JwkSet>(&conventional, "JSON Web Key Set")
        );
        let uri = uri?;
        if uri.as_str() == conventional {
            // The speculative answer is the real one, success or failure: a failure goes to
            // the caller's retry loop, which classifies and logs it.
            speculative
        } else {
            self.get_json(uri.as_str(), "JSON Web Key Set").await
        }
    }
}

/// A fixed key set (the dry run's own key).
pub struct StaticKeySource(pub JwkSet);

impl KeySource for StaticKeySource {
    async fn keys(&self) -> Result<JwkSet, KeyError> {
        Ok(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_is_appended_correctly() {
        let cases = [
            (
                "https://pipelines.example/idtoken/abc?api-version=2.0",
                "https://pipelines.example/idtoken/abc?api-version=2.0&audience=sts.amazonaws.com",
            ),
            (
                "https://pipelines.example/idtoken",
                "https://pipelines.example/idtoken?audience=sts.amazonaws.com",
            ),
            (
                "http://127.0.0.1:9/t?audience=old&x=1",
                "http://127.0.0.1:9/t?x=1&audience=sts.amazonaws.com",
            ),
        ];
        for (given, want) in cases {
            let url = url::Url::parse(given).unwrap();
            assert_eq!(with_audience(&url, "sts.amazonaws.com").as_str(), want);
        }
        let url = url::Url::parse("https://x.example/t?a=1").unwrap();
        assert_eq!(
            with_audience(&url, "api://Azure AD&x").as_str(),
            "https://x.example/t?a=1&audience=api%3A%2F%2FAzure+AD%26x"
        );
    }

    #[test]
    fn token_endpoint_errors_name_the_endpoint_not_its_query() {
        let url = url::Url::parse(
            "https://pipelines.example/abc/_apis/idtoken?api-version=2.0&sig=secret#frag",
        )
        .unwrap();
        assert_eq!(
            endpoint_shown(&url),
            "`https://pipelines.example/abc/_apis/idtoken`"
        );
        let status = |status: u16, body: &str| TokenError::Status {
            endpoint: endpoint_shown(&url),
            status,
            body: body.into(),
        };
        assert_eq!(
            status(404, "").to_string(),
            "the runner's token endpoint `https://pipelines.example/abc/_apis/idtoken` answered HTTP 404 with an empty body"
        );
        assert_eq!(
            status(403, "`forbidden`").to_string(),
            "the runner's token endpoint `https://pipelines.example/abc/_apis/idtoken` answered HTTP 403: `forbidden`"
        );
        let hint = status(404, "").hint().unwrap();
        assert!(
            hint.starts_with("ACTIONS_ID_TOKEN_REQUEST_URL names no token endpoint")
                && hint.contains("id-token: write")
                && hint.contains("GitHub Enterprise Server"),
            "{hint}"
        );
        assert!(status(403, "").hint().unwrap().contains("refused"));
        assert_eq!(status(500, "").hint(), None);
    }

    #[test]
    fn missing_permission_says_what_to_do() {
        let client = reqwest::Client::new();
        let err = RunnerTokenSource::from_env(&Env::default(), client.clone())
            .err()
            .unwrap();
        assert!(err.to_string().contains("ACTIONS_ID_TOKEN_REQUEST_URL"));
        assert!(err.hint().unwrap().contains("id-token: write"));
        assert!(err.hint().unwrap().contains("forks"));
        let env = Env::from_pairs([
            (env::ACTIONS_ID_TOKEN_REQUEST_URL, "http://10.1.2.3/x"),
            (env::ACTIONS_ID_TOKEN_REQUEST_TOKEN, "t"),
        ]);
        let err = RunnerTokenSource::from_env(&env, client).err().unwrap();
        assert!(matches!(err, TokenError::BadRequestUrl { .. }), "{err}");
    }
}
