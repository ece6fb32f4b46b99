//! The glue the action and `credential-process` share: check the inputs, run preflight, build
//! the clients and the broker, pick the token source, and bound the run in time. I/O: builds
//! HTTP clients, and (for `role-chaining` without keys) the AWS ambient credential chain.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_sts::config::SharedCredentialsProvider;

use crate::app::{Oidc, Outcome, Pipeline};
use crate::config::{Config, DEFAULT_POLICY_PATH, Mode, Source};
use crate::context::RunContext;
use crate::env::Env;
use crate::error::Error;
use crate::inputs::{Flags, Inputs};
use crate::oidc::{FileTokenSource, IssuerKeySource, RunnerTokenSource};
use crate::output::Reporter;
use crate::policy::Policy;
use crate::preflight::Loaded;
use crate::sts::{StsBroker, Timeouts};

/// The current time in Unix seconds (0 before 1970, which no real clock reports).
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Warns about every `INPUT_*` variable that names no input, with a did-you-mean: a misspelt
/// optional input (`allowed-account-id`) would otherwise switch a check off without a word.
pub fn warn_about_unknown_inputs(env: &Env, out: &Reporter) {
    for unknown in crate::inputs::unknown_inputs(env) {
        out.warning("unknown input", &unknown.message());
    }
}

/// The inputs, checked once for the real run: `INPUT_*` variables that are no input are
/// named first (a misspelling explains a missing input), then every input is checked.
pub fn checked_config(flags: &Flags, env: &Env, out: &Reporter) -> Result<Config, Error> {
    warn_about_unknown_inputs(env, out);
    Ok(Config::from_inputs(Inputs::new(flags, env), Mode::Action)?)
}

/// Warns once, loudly, about what a configuration gives up.
pub fn warn_about_config(config: &Config, policy: Option<&Policy>, out: &Reporter) {
    if !matches!(config.credentials.source, Source::WebIdentity) {
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

/// Everything the action and `credential-process` share: checked config, what preflight
/// loaded, the clients and the runner context.
pub struct Wired {
    /// The checked inputs.
    pub config: Config,
    /// Policy, trust policy, CA bundle.
    pub loaded: Loaded,
    client: reqwest::Client,
    broker: StsBroker,
    /// Credentials already present, GitHub context.
    pub context: RunContext,
}

impl Wired {
    /// Checks everything that can be checked locally, before the first request, then builds
    /// the clients.
    pub async fn new(flags: &Flags, env: &Env, out: &Reporter) -> Result<Wired, Error> {
        Wired::from_config(checked_config(flags, env, out)?, env, out).await
    }

    /// [`Wired::new`] for inputs [`checked_config`] already checked.
    pub async fn from_config(config: Config, env: &Env, out: &Reporter) -> Result<Wired, Error> {
        let loaded = Loaded::for_action(&config)?;
        warn_about_config(&config, loaded.policy.as_ref(), out);
        crate::app::check_role_accounts(&config)?;
        let (network, ca) = (&config.network, loaded.ca.as_ref());
        let timeout = network.request_timeout();
        let client = network.net.reqwest_client(ca, timeout, true)?;
        let mut broker = StsBroker::new(
            network.net.reqwest_client(ca, timeout, false)?,
            &config.region,
            network.sts_endpoint.as_deref(),
            Timeouts::for_request(timeout),
            network.net.sdk_client(ca)?,
        );
        let mut context = RunContext::from_env(env);
        // The ambient chain (profile files, container and instance credentials) is built only
        // when this run signs with it: the web-identity path never probes IMDS or reads ~/.aws.
        if matches!(config.credentials.source, Source::Existing) && context.env_keys.is_none() {
            let chain =
                aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
                    .region(aws_config::Region::new(config.region.clone()))
                    .build()
                    .await;
            broker = broker.with_ambient(SharedCredentialsProvider::new(chain));
            context.ambient = true;
        }
        Ok(Wired {
            config,
            loaded,
            client,
            broker,
            context,
        })
    }

    /// Runs the pipeline with the token source the configuration names, within
    /// `action-timeout-s`; `None` when existing credentials were kept.
    pub async fn produce(&self, env: &Env, out: &Reporter) -> Result<Option<Outcome>, Error> {
        let config = &self.config;
        let pipeline = Pipeline {
            config,
            policy: self.loaded.policy.as_ref(),
            trust: self.loaded.trust.as_ref(),
            context: &self.context,
            broker: &self.broker,
            out,
            now: now(),
        };
        let keys = IssuerKeySource::new(self.client.clone(), &config.issuer);
        let run = async {
            match (&config.credentials.source, &config.oidc.token_file) {
                (Source::WebIdentity, Some(path)) => {
                    let tokens = FileTokenSource::new(path.clone());
                    pipeline.produce(Oidc::Token(&tokens, &keys)).await
                }
                (Source::WebIdentity, None) => {
                    let tokens = RunnerTokenSource::from_env(env, self.client.clone())?;
                    out.mask(tokens.bearer().expose());
                    pipeline.produce(Oidc::Token(&tokens, &keys)).await
                }
                _ => {
                    pipeline
                        .produce(Oidc::<FileTokenSource, IssuerKeySource>::None)
                        .await
                }
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
