//! `oidc-assume dry-run`: decide locally what a real run with the same inputs would decide,
//! with the same checks in the same order and the same exit codes, up to the point where a real
//! run sends the token: the inputs, the files they name, `allowed-account-ids` on the roles, the
//! token's verification, the policy. The token is minted with an ephemeral key, or read from
//! `web-identity-token-file`. I/O: reads the files the inputs name and `--claims FILE`; the
//! network only for a token file's issuer keys and, with `--sts-endpoint`, that endpoint.

mod claims;
mod report;

use std::fmt::Write as _;

pub use claims::{ClaimOverrides, Minted, Origin, apply_overrides, default_claims, derive_claims};

use crate::app::{self, Authorized};
use crate::aws::RoleArn;
use crate::claims::Claims;
use crate::cli::DryRunArgs;
use crate::config::{Config, Mode};
use crate::env::Env;
use crate::error::Error;
use crate::inputs::{Input, InputErrors, Inputs};
use crate::mint::SigningKey;
use crate::oidc::{
    FileTokenSource, IssuerKeySource, KeySource, StaticKeySource, StaticTokenSource, TokenSource,
};
use crate::output::Reporter;
use crate::secret::Secret;
use crate::sts::{Broker, Timeouts, form};
use crate::text::printable;

use super::prepare::{self, Prepared};

fn describe_request(
    config: &Config,
    role: &RoleArn,
    authorized: &Authorized,
    endpoint: Option<&str>,
) -> String {
    let request = app::web_identity_request(config, role, config.session.duration, authorized);
    let target = endpoint.map_or_else(
        || format!("{}/", crate::aws::regional_sts_endpoint(&config.region)),
        str::to_string,
    );
    // The same fields, in the same order, as the body the broker sends.
    let mut text = format!("  POST {target}\n");
    for field in form::web_identity(&request) {
        let _ = match &field.value {
            form::Value::Text(value) => writeln!(text, "    {}={value}", field.name),
            form::Value::Token(token) => writeln!(
                text,
                "    {}=<{}, {} bytes, elided>",
                field.name,
                if config.oidc.token_file.is_some() {
                    "the token from web-identity-token-file"
                } else {
                    "minted token"
                },
                token.len()
            ),
        };
    }
    text
}

/// `oidc-assume dry-run`: the real run's checks, in its order, then the decision.
pub async fn command(args: DryRunArgs, env: &Env, out: &Reporter) -> Result<(), Error> {
    // The real run's preparation: unknown inputs, every input, the files they name, the
    // configuration warnings, the accounts of the roles.
    let inputs = Inputs::new(&args.inputs.0, env);
    let config = prepare::checked_config(inputs, Mode::DryRun, out)?;
    let prepared = Prepared::new(config, env, out)?;
    let config = &prepared.config;
    let overrides = ClaimOverrides {
        file: args.claims,
        set: args.claim,
        remove: args.without_claim,
    };
    if config.oidc.token_file.is_some() && !overrides.is_empty() {
        return Err(Error::Inputs(InputErrors::one(
            Input::WebIdentityTokenFile.name(),
            "is given together with --claim, --claims or --without-claim",
            "a real token's claims cannot be changed: drop the token file to mint one with your claims, or drop the claim options to decide for the real token",
        )));
    }
    let sending = config.network.sts_endpoint.is_some();
    // STS only at `--sts-endpoint`: the dry run sends nothing anywhere else.
    let broker = if sending {
        Some(prepared.sts_broker(prepared.http_client(false)?, Timeouts::default(), None))
    } else {
        None
    };
    // A dry run decides for the token path (`Mode::DryRun` picks it): its plans exchange a token.
    let plans = prepared.plans.web_identity();
    if plans.is_empty() {
        return Err(Error::NoRole);
    }
    let arns: Vec<String> = plans.iter().map(|p| p.role.arn.clone()).collect();
    out.data(&format!(
        "oidc-assume dry run: what a real run with these inputs would decide, by the same checks in the same order, up to sending the token to STS\n\n{}{}{}",
        report::setting(config, &inputs, &arns),
        report::policy_line(config, prepared.loaded.policy.is_some()),
        match report::unused_inputs(&inputs, sending) {
            u if u.is_empty() => "\n".to_string(),
            u => format!("\n{u}"),
        },
    ));
    let run = DryRun {
        prepared: &prepared,
        out,
        now: prepare::now(),
    };
    let token = match &config.oidc.token_file {
        None => run.mint(&overrides)?,
        Some(path) => {
            let tokens = FileTokenSource::new(path.clone());
            let client = prepared.http_client(true)?;
            run.read(&tokens, &IssuerKeySource::new(client, &config.issuer))
                .await?
        }
    };
    let roles: Vec<&RoleArn> = plans.iter().map(|p| &p.role).collect();
    run.decide(&roles, token, broker.as_ref()).await
}

/// The token a dry run decides with, its issuer's keys, and the configuration to verify it by.
struct Token {
    token: Secret,
    keys: jsonwebtoken::jwk::JwkSet,
    /// The run's configuration, with the signature check off when the keys were unreachable.
    config: Config,
}

/// One dry run: the prepared run, and where and when it reports.
struct DryRun<'a> {
    prepared: &'a Prepared,
    out: &'a Reporter,
    now: i64,
}

impl DryRun<'_> {
    /// Mints a token for the default claims with the overrides, and prints its claims marked
    /// by origin.
    fn mint(&self, overrides: &ClaimOverrides) -> Result<Token, Error> {
        let template = self
            .prepared
            .loaded
            .policy
            .as_ref()
            .and_then(|p| p.sub_template());
        let defaults = default_claims(&self.prepared.config, self.now, template);
        let minted = apply_overrides(defaults, overrides, template)?;
        let key = SigningKey::generate("oidc-assume-dry-run")?;
        let token = key.mint(&minted.claims)?;
        let mut report = String::from(
            "token: minted with an ephemeral key and verified like a real one; (set) marks the claims you gave, (derived) what GitHub would derive from them, the rest are a push to main\n\nclaims:\n",
        );
        for (name, value) in minted.claims.iter() {
            let marker = minted.origin(name).marker();
            report.push_str(&format!("  {name:<22} {}{marker}\n", printable(value)));
        }
        self.out.data(&report);
        Ok(Token {
            token,
            keys: key.jwks(),
            config: self.prepared.config.clone(),
        })
    }

    /// Reads a real token from `web-identity-token-file` and fetches its issuer's keys: when
    /// they are unreachable the token is decided on unchecked, and the output says so.
    async fn read<T: TokenSource, K: KeySource>(
        &self,
        tokens: &T,
        keys: &K,
    ) -> Result<Token, Error> {
        let token = tokens.fetch(&self.prepared.config.oidc.audience).await?;
        let mut config = self.prepared.config.clone();
        // insecure-skip-signature-verification: the real run checks no signature, so neither
        // does the dry run, and it does not claim to.
        let (keys, checked) = if config.oidc.skip_signature {
            (
                Default::default(),
                "signature NOT checked (insecure-skip-signature-verification)".to_string(),
            )
        } else {
            match keys.keys().await {
                Ok(keys) => (keys, "signature checked with the issuer's keys".to_string()),
                Err(e) => {
                    config.oidc.skip_signature = true;
                    (
                        Default::default(),
                        format!(
                            "signature NOT checked: the issuer's keys could not be fetched ({e}); the claims are what the token says, unproven"
                        ),
                    )
                }
            }
        };
        let mut report =
            format!("token: read from web-identity-token-file; {checked}\n\nclaims:\n");
        for (name, value) in unverified_claims(token.expose()).iter() {
            report.push_str(&format!("  {name:<22} {}\n", printable(value)));
        }
        self.out.data(&report);
        Ok(Token {
            token,
            keys,
            config,
        })
    }

    /// Verifies the token, applies the policy for every role, and shows the request (sent
    /// only with `--sts-endpoint`).
    async fn decide<B: Broker>(
        &self,
        roles: &[&RoleArn],
        token: Token,
        broker: Option<&B>,
    ) -> Result<(), Error> {
        let (out, now) = (self.out, self.now);
        let authorized = app::authorize(
            &token.config,
            self.prepared.loaded.policy.as_ref(),
            roles,
            &StaticTokenSource(token.token),
            &StaticKeySource(token.keys),
            out,
            now,
        )
        .await?;
        let config = &self.prepared.config;
        let decision = match &authorized.rule {
            Some(rule) => format!("allowed by policy rule `{rule}`"),
            None => "allowed: no claim policy is configured, so any token the role's trust policy accepts gets credentials (as with configure-aws-credentials)".into(),
        };
        let mut report = format!("\ndecision: {decision}\n");
        if let (Some(trust), Some(role)) = (self.prepared.loaded.trust.as_ref(), roles.first()) {
            report.push_str(&trust_verdict(config, trust, role, &authorized.claims)?);
        }
        report.push('\n');
        let endpoint = config.network.sts_endpoint.as_deref();
        report.push_str(match broker {
            None => {
                "STS request (not sent; pass --sts-endpoint URL to send it to a test endpoint):\n"
            }
            Some(_) => "STS request:\n",
        });
        for role in roles {
            report.push_str(&describe_request(config, role, &authorized, endpoint));
        }
        out.data(&report);
        let Some(broker) = broker else {
            return Ok(());
        };
        let pipeline = self.prepared.pipeline(broker, out, now);
        for role in roles {
            let creds = pipeline
                .assume_with_web_identity(role, config.session.duration, &authorized)
                .await?;
            out.data(&format!(
                "\nSTS answered:\n  AssumedRoleUser.Arn={}\n  Credentials.AccessKeyId=*** ({} characters)\n  Credentials.SecretAccessKey=***\n  Credentials.SessionToken=***\n  Credentials.Expiration={}\n",
                creds.assumed_role_arn,
                creds.access_key_id.len(),
                creds.expiration
            ));
        }
        Ok(())
    }
}

/// The step's role's trust policy (`trust-policy-file`) evaluated against the minted token with
/// IAM's rules, as STS would: a refusal ends the dry run as STS's ends the real run (exit 5, the
/// same explanation), without a request. A file of several roles is read for the one whose name
/// the role has.
fn trust_verdict(
    config: &crate::config::Config,
    trust: &crate::refusal::TrustPolicy,
    role: &RoleArn,
    claims: &Claims,
) -> Result<String, Error> {
    let name = role.arn.rsplit('/').next();
    let doc = match &trust.docs[..] {
        [one] => one,
        many => match many.iter().find(|d| d.role_name.as_deref() == name) {
            Some(doc) => doc,
            None => {
                return Ok(format!(
                    "trust policy: {} holds no role named like {}: not evaluated\n",
                    trust.path.display(),
                    role.arn
                ));
            }
        },
    };
    let provider = crate::github::provider_for_issuer(&config.issuer);
    let verdict = crate::trust::simulate::evaluate(doc, claims, provider);
    if let crate::trust::simulate::Decision::Allowed { statement } = verdict.decision {
        return Ok(format!(
            "trust policy: {} admits this token (statement {}, evaluated with IAM's rules)\n",
            trust.path.display(),
            statement + 1
        ));
    }
    Err(Error::Sts {
        error: crate::sts::StsError {
            operation: "AssumeRoleWithWebIdentity",
            code: Some("AccessDenied".into()),
            message: format!(
                "Not authorized to perform sts:AssumeRoleWithWebIdentity (the dry run's reading of {}: no request was sent)",
                trust.path.display()
            ),
            transient: false,
        },
        explanation: Some(crate::refusal::explain(config, role, claims, Some(trust))),
    })
}

/// A token's payload, decoded without checking anything, for display: the checks come after.
fn unverified_claims(token: &str) -> Claims {
    Claims::from_jwt_unverified(token)
        .unwrap_or_else(|_| Claims::from_pairs(std::iter::empty::<(&str, &str)>()))
}
