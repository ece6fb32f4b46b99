//! One preparation of a run, shared by the action, `credential-process` and the dry run: the
//! inputs checked, the files they name read (preflight), the configuration's warnings, every
//! plan computed once and checked against `allowed-account-ids`, and the runner's environment.
//! Each command then plugs in what differs: the action and `credential-process` the real STS
//! and the runner's token ([`Prepared::produce`]), the dry run a minted token, its own key set
//! and STS only at `--sts-endpoint`. I/O: preflight reads files; [`Prepared::clients`] builds
//! the HTTP clients, and (for `role-chaining` without keys) the AWS ambient credential chain.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_sts::config::{SharedCredentialsProvider, SharedHttpClient};

use crate::app::{self, Outcome, Pipeline};
use crate::config::{Config, DEFAULT_POLICY_PATH, Mode, Source};
use crate::env::Env;
use crate::error::Error;
use crate::inputs::Inputs;
use crate::oidc::{FileTokenSource, IssuerKeySource, RunnerTokenSource};
use crate::output::Reporter;
use crate::plan::Plans;
use crate::policy::Policy;
use crate::preflight::Loaded;
use crate::runner::Runner;
use crate::sts::{Broker, StsBroker, Timeouts};

/// The current time in Unix seconds (0 before 1970, which no real clock reports).
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The inputs, checked once: `INPUT_*` variables that are no input are named first, with a
/// did-you-mean (a misspelt optional input such as `allowed-account-id` would otherwise switch a
/// check off without a word, and a misspelling explains a missing input), then every input is
/// checked.
pub fn checked_config(inputs: Inputs<'_>, mode: Mode, out: &Reporter) -> Result<Config, Error> {
    for unknown in crate::inputs::unknown_inputs(inputs.env()) {
        out.warning("unknown input", &unknown.message());
    }
    Ok(Config::from_inputs(inputs, mode)?)
}

/// Warns once, loudly, about what a configuration gives up.
fn warn_about_config(config: &Config, policy: Option<&Policy>, out: &Reporter) {
    if !matches!(config.credentials.source, Source::WebIdentity(_)) {
        // No token, no claims: the claim policy has nothing to check.
        if policy.is_some() {
            out.info("oidc-assume: the claim policy is not checked: this run uses AWS credentials, not an OIDC token");
        }
    } else if policy.is_none() {
        out.warning(
            "no claim policy",
            &format!(
                "any workflow run whose token the role's trust policy accepts gets credentials. Add {DEFAULT_POLICY_PATH} (or the allowed-* inputs) so this step checks repository, ref, environment and event itself and explains refusals",
            ),
        );
    }
    if config.oidc.skip_signature {
        out.warning(
            "token signature not verified",
            "insecure-skip-signature-verification is on: the claim policy is checking claims that anyone could have written, so it protects nothing; only the role's trust policy (checked by STS) still does",
        );
    }
}

/// A run, prepared: everything checked locally before the first request, computed once.
pub struct Prepared {
    /// The checked inputs.
    pub config: Config,
    /// Policy, trust policy, CA bundle.
    pub loaded: Loaded,
    /// Every plan of the run, by how its first credentials are got.
    pub plans: Plans,
    /// Credentials already present, GitHub context.
    pub runner: Runner,
}

impl Prepared {
    /// Runs preflight, warns about what the configuration gives up, computes the plans and
    /// checks their roles against `allowed-account-ids`: everything that can be checked before
    /// the first request, in the order a user fixes it.
    pub fn new(config: Config, env: &Env, out: &Reporter) -> Result<Prepared, Error> {
        let loaded = Loaded::for_action(&config)?;
        warn_about_config(&config, loaded.policy.as_ref(), out);
        let plans = Plans::of(&config);
        app::check_role_accounts(&config, &plans)?;
        let mut runner = Runner::from_env(env);
        // Existing credentials that are not in the environment come from the ambient chain
        // (profile files, container and instance credentials).
        runner.ambient =
            matches!(config.credentials.source, Source::Existing) && runner.env_keys.is_none();
        Ok(Prepared {
            config,
            loaded,
            plans,
            runner,
        })
    }

    /// The pipeline of this run, over `broker`, judging tokens at `now`.
    pub fn pipeline<'a, B: Broker>(
        &'a self,
        broker: &'a B,
        out: &'a Reporter,
        now: i64,
    ) -> Pipeline<'a, B> {
        Pipeline {
            config: &self.config,
            policy: self.loaded.policy.as_ref(),
            trust: self.loaded.trust.as_ref(),
            runner: &self.runner,
            broker,
            out,
            now,
        }
    }

    /// An HTTP client with the run's proxies, CA bundle and request timeout. Token and key
    /// requests follow redirects; STS requests do not.
    pub fn http_client(&self, follow_redirects: bool) -> Result<reqwest::Client, Error> {
        let network = &self.config.network;
        Ok(network.net.reqwest_client(
            self.loaded.ca.as_ref(),
            network.request_timeout(),
            follow_redirects,
        )?)
    }

    /// STS at the configured endpoint (else the region's): the web-identity call over `http`
    /// (built by [`Prepared::http_client`] without redirects), the signed calls within
    /// `timeouts` over the SDK client `sdk`.
    pub fn sts_broker(
        &self,
        http: reqwest::Client,
        timeouts: Timeouts,
        sdk: Option<SharedHttpClient>,
    ) -> StsBroker {
        let config = &self.config;
        StsBroker::new(
            http,
            &config.region,
            config.network.sts_endpoint.as_deref(),
            timeouts,
            sdk,
        )
    }

    /// The clients of the real run: HTTP for the token and the issuer's keys, and the real STS
    /// (with the ambient chain when this run signs with it).
    pub async fn clients(&self) -> Result<Clients, Error> {
        let (config, ca) = (&self.config, self.loaded.ca.as_ref());
        let http = self.http_client(true)?;
        let mut sts = self.sts_broker(
            self.http_client(false)?,
            Timeouts::for_request(config.network.request_timeout()),
            config.network.net.sdk_client(ca)?,
        );
        // The ambient chain is built only when this run signs with it: the web-identity path
        // never probes IMDS or reads ~/.aws.
        if self.runner.ambient {
            let chain =
                aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
                    .region(aws_config::Region::new(config.region.clone()))
                    .build()
                    .await;
            sts = sts.with_ambient(SharedCredentialsProvider::new(chain));
        }
        Ok(Clients { http, sts })
    }

    /// The real run: the real STS and the job's token (from the runner or the token file), all
    /// within `action-timeout-s`; `None` when existing credentials were kept.
    pub async fn produce(
        &self,
        clients: &Clients,
        env: &Env,
        out: &Reporter,
    ) -> Result<Option<Outcome>, Error> {
        let (config, client) = (&self.config, &clients.http);
        let pipeline = self.pipeline(&clients.sts, out, now());
        let run = async {
            match &self.plans {
                Plans::WebIdentity { plans, token_file } => {
                    let keys = IssuerKeySource::new(client.clone(), &config.issuer);
                    match token_file {
                        Some(path) => {
                            let tokens = FileTokenSource::new(path.clone());
                            pipeline
                                .produce_with_web_identity(plans, &tokens, &keys)
                                .await
                        }
                        None => {
                            let tokens = RunnerTokenSource::from_env(env, client.clone())?;
                            out.mask(tokens.bearer().expose());
                            pipeline
                                .produce_with_web_identity(plans, &tokens, &keys)
                                .await
                        }
                    }
                }
                Plans::Signed(plans) => pipeline.produce_signed(plans).await,
            }
        };
        // Only the network waits are bounded: the caller writes the runner's files after this
        // returns, so the bound can never cut an export half-way.
        match config.network.action_timeout {
            None => run.await,
            Some(limit) => tokio::time::timeout(limit, run)
                .await
                .unwrap_or(Err(Error::Timeout(limit.as_secs()))),
        }
    }
}

/// The clients the action and `credential-process` plug into a preparation.
pub struct Clients {
    /// For the runner's token endpoint and the issuer's keys.
    http: reqwest::Client,
    /// The real STS.
    sts: StsBroker,
}
