//! Builds the two HTTP clients (reqwest for the token, the issuer's keys and the web-identity
//! call; the SDK's for signed STS calls) with the same proxy, bypass list, extra CA bundle and
//! timeouts, so every request of a run goes the same way, and holds the one rule for URLs that
//! may carry tokens ([`check_url`]). I/O: [`read_ca_bundle`] reads the CA bundle file (called
//! in preflight); building a client reads no file.
//!
//! reqwest is told not to read the proxy variables itself: [`NetConfig`] is resolved once from
//! the inputs and the environment snapshot, so what `http-proxy`/`no-proxy` say (or the
//! `HTTPS_PROXY` family when they are empty) applies to token, JWKS and STS alike.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_sts::config::SharedHttpClient;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, Connector};

use crate::env::{self, Env};
use crate::text::printable;

/// How requests leave this process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetConfig {
    /// Proxy for `https://` URLs.
    pub https_proxy: Option<String>,
    /// Proxy for `http://` URLs (loopback test servers, emulators).
    pub http_proxy: Option<String>,
    /// Hosts that bypass the proxy, comma-separated (curl's syntax).
    pub no_proxy: Option<String>,
    /// Extra PEM CA bundle trusted besides the system roots (TLS-intercepting proxies).
    pub ca_bundle: Option<PathBuf>,
    /// Whether [`NetConfig::ca_bundle`] came from the `ca-bundle` input (not `AWS_CA_BUNDLE`).
    pub ca_bundle_from_input: bool,
}

/// A CA bundle read and checked in preflight: PEM bytes holding at least one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaBundle(Vec<u8>);

/// Reads the CA bundle at `path`, checking it holds at least one certificate.
pub fn read_ca_bundle(path: &Path) -> Result<CaBundle, NetError> {
    let fail = |problem: String| NetError::CaBundle {
        path: path.to_path_buf(),
        problem,
    };
    let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    match reqwest::Certificate::from_pem_bundle(&pem) {
        Ok(certs) if !certs.is_empty() => Ok(CaBundle(pem)),
        Ok(_) => Err(fail("holds no PEM certificate".into())),
        Err(e) => Err(fail(format!("is not a PEM bundle: {e}"))),
    }
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The proxy URL is unusable.
    #[error("proxy {}: {problem}", printable(.url))]
    Proxy { url: String, problem: String },
    /// The CA bundle is unreadable or holds no certificate.
    #[error("CA bundle {path}: {problem}")]
    CaBundle { path: PathBuf, problem: String },
    /// reqwest refused a configuration that passed our checks: a bug.
    #[error("could not build the HTTP client: {0}")]
    Client(String),
}

impl NetError {
    /// How to fix it.
    pub fn hint(&self) -> &'static str {
        match self {
            NetError::Proxy { .. } => {
                "give `http-proxy` (or HTTPS_PROXY) as http://HOST:PORT or https://HOST:PORT"
            }
            NetError::CaBundle { .. } => {
                "give `ca-bundle` (or AWS_CA_BUNDLE) as the path of a PEM file with the proxy's CA certificate"
            }
            NetError::Client(_) => "this is a bug; please report it",
        }
    }
}

impl NetConfig {
    /// From the `http-proxy`, `no-proxy` and `ca-bundle` inputs, falling back to the usual
    /// variables: `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (either case) and `AWS_CA_BUNDLE`.
    /// `http-proxy` applies to every URL, as configure-aws-credentials' input does.
    pub fn new(
        http_proxy_input: Option<&str>,
        no_proxy_input: Option<&str>,
        ca_bundle_input: Option<&str>,
        env: &Env,
    ) -> NetConfig {
        let (https_proxy, http_proxy) = match http_proxy_input {
            Some(all) => (Some(all.to_string()), Some(all.to_string())),
            None => {
                let http = env.first(env::HTTP_PROXY).map(str::to_string);
                let https = env
                    .first(env::HTTPS_PROXY)
                    .map(str::to_string)
                    .or_else(|| http.clone());
                (https, http)
            }
        };
        NetConfig {
            https_proxy,
            http_proxy,
            no_proxy: no_proxy_input
                .or_else(|| env.first(env::NO_PROXY))
                .map(str::to_string),
            ca_bundle: ca_bundle_input
                .or_else(|| env.get(env::AWS_CA_BUNDLE))
                .map(PathBuf::from),
            ca_bundle_from_input: ca_bundle_input.is_some(),
        }
    }

    /// The proxy a request to `url` goes through, for messages and tests: `None` when direct.
    pub fn proxy_for(&self, url: &url::Url) -> Option<&str> {
        let host = url.host_str()?;
        if let Some(list) = &self.no_proxy
            && bypasses(list, host)
        {
            return None;
        }
        match url.scheme() {
            "https" => self.https_proxy.as_deref(),
            _ => self.http_proxy.as_deref(),
        }
    }

    fn check_proxy(url: &str) -> Result<(), NetError> {
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
            Ok(u) => Err(NetError::Proxy {
                url: url.to_string(),
                problem: format!("scheme `{}` is not http or https", u.scheme()),
            }),
            Err(e) => Err(NetError::Proxy {
                url: url.to_string(),
                problem: format!("not a URL: {e}"),
            }),
        }
    }

    /// Checks the proxy URLs, before the first request.
    pub fn check_proxies(&self) -> Result<(), NetError> {
        for url in [&self.https_proxy, &self.http_proxy].into_iter().flatten() {
            Self::check_proxy(url)?;
        }
        Ok(())
    }

    /// The client for the runner's token endpoint and the issuer (`follow_redirects`), or for
    /// STS (no redirects: a 307 would re-send the token to wherever it points).
    pub fn reqwest_client(
        &self,
        ca: Option<&CaBundle>,
        request_timeout: Duration,
        follow_redirects: bool,
    ) -> Result<reqwest::Client, NetError> {
        self.check_proxies()?;
        let no_proxy = self
            .no_proxy
            .as_deref()
            .and_then(reqwest::NoProxy::from_string);
        let proxy_error = |url: &str| {
            let url = url.to_string();
            move |e: reqwest::Error| NetError::Proxy {
                url,
                problem: e.to_string(),
            }
        };
        // `no_proxy()` first: reqwest must not read the proxy variables behind our back.
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(if follow_redirects {
                reqwest::redirect::Policy::default()
            } else {
                reqwest::redirect::Policy::none()
            })
            .connect_timeout(request_timeout.min(Duration::from_secs(5)))
            .timeout(request_timeout)
            .user_agent(concat!("oidc-assume/", env!("CARGO_PKG_VERSION")));
        if let Some(url) = &self.https_proxy {
            builder = builder.proxy(
                reqwest::Proxy::https(url)
                    .map_err(proxy_error(url))?
                    .no_proxy(no_proxy.clone()),
            );
        }
        if let Some(url) = &self.http_proxy {
            builder = builder.proxy(
                reqwest::Proxy::http(url)
                    .map_err(proxy_error(url))?
                    .no_proxy(no_proxy),
            );
        }
        // Mozilla's roots, compiled in: no trust store is read from disk (reading the system's,
        // twice over, was a third of a run), and a `FROM scratch` image needs no CA file.
        // `ca-bundle` adds a TLS-intercepting proxy's CA on top.
        let mut roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| reqwest::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| NetError::Client(e.to_string()))?;
        if let Some(pem) = ca {
            roots.extend(
                reqwest::Certificate::from_pem_bundle(&pem.0)
                    .map_err(|e| NetError::Client(e.to_string()))?,
            );
        }
        builder
            .tls_certs_only(roots)
            .build()
            .map_err(|e| NetError::Client(e.to_string()))
    }

    /// The HTTP client for STS, or `None` when the SDK's default serves (no proxy, no extra
    /// CA): the default is the cheaper path.
    pub fn sdk_client(&self, ca: Option<&CaBundle>) -> Result<Option<SharedHttpClient>, NetError> {
        self.check_proxies()?;
        if self.https_proxy.is_none() && self.http_proxy.is_none() && ca.is_none() {
            return Ok(None);
        }
        let mut proxy = match (&self.https_proxy, &self.http_proxy) {
            (Some(https), Some(http)) if https == http => ProxyConfig::all(https),
            (Some(https), _) => ProxyConfig::https(https),
            (None, Some(http)) => ProxyConfig::http(http),
            (None, None) => Ok(ProxyConfig::disabled()),
        }
        .map_err(|e| NetError::Proxy {
            url: self
                .https_proxy
                .clone()
                .or(self.http_proxy.clone())
                .unwrap_or_default(),
            problem: e.to_string(),
        })?;
        if let Some(list) = &self.no_proxy {
            proxy = proxy.no_proxy(list);
        }
        let mut trust = TrustStore::default();
        if let Some(pem) = ca {
            trust = trust.with_pem_certificate(pem.0.clone());
        }
        let context = TlsContext::builder()
            .with_trust_store(trust)
            .build()
            .map_err(|e| NetError::Client(e.to_string()))?;
        Ok(Some(Builder::new().build_with_connector_fn(
            move |settings, components| {
                let mut connector = Connector::builder().proxy_config(proxy.clone());
                connector.set_connector_settings(settings.cloned());
                if let Some(components) = components {
                    connector.set_sleep_impl(components.sleep_impl());
                }
                connector
                    .tls_provider(tls::Provider::Rustls(
                        tls::rustls_provider::CryptoMode::AwsLc,
                    ))
                    .tls_context(context.clone())
                    .build()
            },
        )))
    }
}

/// Whether `url` may be used: `https://`, or `http://` to a loopback address only (tests,
/// local issuers, emulators), never plain HTTP across a network.
pub fn check_url(value: &str) -> Result<url::Url, String> {
    let url =
        url::Url::parse(value).map_err(|e| format!("{} is not a URL: {e}", printable(value)))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "{} uses plain `http://` to a host that is not loopback; tokens and credentials would cross the network unencrypted",
                printable(value)
            ));
        }
        other => {
            return Err(format!(
                "{} has scheme `{other}`, expected https",
                printable(value)
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{} has no host", printable(value)));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{} must not carry credentials", printable(value)));
    }
    Ok(url)
}

/// Whether a URL's host is a loopback address.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Whether `host` matches a `NO_PROXY` list: `*`, exact names, `.suffix` or `suffix` domain
/// matches, and IP addresses (curl's rules, which reqwest and the SDK follow).
fn bypasses(list: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    list.split(',').map(str::trim).any(|entry| {
        let entry = entry.trim_start_matches('.');
        !entry.is_empty()
            && (entry == "*"
                || host.eq_ignore_ascii_case(entry)
                || host
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", entry.to_ascii_lowercase())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_win_over_variables_and_https_falls_back_to_http() {
        let env = Env::from_pairs([
            ("https_proxy", "http://lower:1"),
            ("HTTP_PROXY", "http://plain:2"),
            ("no_proxy", "internal.example"),
            ("AWS_CA_BUNDLE", "/etc/ca.pem"),
        ]);
        let net = NetConfig::new(None, None, None, &env);
        assert_eq!(net.https_proxy.as_deref(), Some("http://lower:1"));
        assert_eq!(net.http_proxy.as_deref(), Some("http://plain:2"));
        assert_eq!(net.no_proxy.as_deref(), Some("internal.example"));
        assert_eq!(net.ca_bundle, Some(PathBuf::from("/etc/ca.pem")));

        let net = NetConfig::new(Some("http://squid:3128"), Some("*"), Some("ca.pem"), &env);
        assert_eq!(net.https_proxy.as_deref(), Some("http://squid:3128"));
        assert_eq!(net.http_proxy.as_deref(), Some("http://squid:3128"));
        assert_eq!(net.no_proxy.as_deref(), Some("*"));
        assert_eq!(net.ca_bundle, Some(PathBuf::from("ca.pem")));

        let only_http = NetConfig::new(
            None,
            None,
            None,
            &Env::from_pairs([("HTTP_PROXY", "http://p:1")]),
        );
        assert_eq!(only_http.https_proxy.as_deref(), Some("http://p:1"));
        assert_eq!(
            NetConfig::new(None, None, None, &Env::default()),
            NetConfig::default()
        );
    }

    #[test]
    fn bypass_list_follows_curl() {
        let net = NetConfig {
            https_proxy: Some("http://proxy:3128".into()),
            http_proxy: None,
            no_proxy: Some(" .amazonaws.com, token.example ,10.0.0.1".into()),
            ca_bundle: None,
            ca_bundle_from_input: false,
        };
        let url = |u: &str| url::Url::parse(u).unwrap();
        for (target, proxied) in [
            ("https://sts.us-east-1.amazonaws.com/", false),
            ("https://amazonaws.com/", false),
            ("https://notamazonaws.com/", true),
            ("https://token.example/x", false),
            ("https://sub.token.example/x", false),
            ("https://10.0.0.1/", false),
            ("https://token.actions.githubusercontent.com/", true),
            ("http://127.0.0.1:8080/", false),
        ] {
            assert_eq!(net.proxy_for(&url(target)).is_some(), proxied, "{target}");
        }
        assert!(bypasses("*", "anything"));
        assert!(!bypasses("", "anything"));
    }

    #[test]
    fn the_client_builds_with_the_bundled_roots_and_an_extra_ca() {
        assert!(webpki_root_certs::TLS_SERVER_ROOT_CERTS.len() > 100);
        let dir = tempfile::tempdir().unwrap();
        let pem = dir.path().join("corp.pem");
        // A real CA certificate (the first bundled root) in PEM form stands in for a proxy's.
        let der = &webpki_root_certs::TLS_SERVER_ROOT_CERTS[0];
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
        let body: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        std::fs::write(
            &pem,
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                body.join("\n")
            ),
        )
        .unwrap();
        let ca = read_ca_bundle(&pem).unwrap();
        let net = NetConfig::default();
        assert!(
            net.reqwest_client(Some(&ca), Duration::from_secs(1), true)
                .is_ok()
        );
        assert!(net.sdk_client(Some(&ca)).unwrap().is_some());
        assert!(NetConfig::default().sdk_client(None).unwrap().is_none());
    }

    #[test]
    fn bad_proxy_and_ca_bundle_are_named() {
        let net = NetConfig {
            https_proxy: Some("socks5://p:1".into()),
            ..NetConfig::default()
        };
        assert!(
            net.check_proxies()
                .unwrap_err()
                .to_string()
                .contains("socks5")
        );
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        for path in [empty, dir.path().join("missing.pem")] {
            let error = read_ca_bundle(&path).unwrap_err();
            assert!(
                error.to_string().contains(&path.display().to_string()),
                "{error}"
            );
            assert!(error.hint().contains("ca-bundle"));
        }
    }
}
