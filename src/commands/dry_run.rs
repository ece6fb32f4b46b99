//! `oidc-assume dry-run`: mint a token with an ephemeral key, verify it with the real verifier,
//! apply the real policy, and show the decision and the STS request. No network unless
//! `--sts-endpoint` is given, and then only to that endpoint. I/O: reads `--claims FILE` and the
//! policy file.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::app::{self, Authorized, Pipeline};
use crate::aws::RoleArn;
use crate::claims::Claims;
use crate::cli::DryRunArgs;
use crate::config::{Config, Mode};
use crate::context::RunContext;
use crate::env::Env;
use crate::error::Error;
use crate::inputs::Inputs;
use crate::mint::SigningKey;
use crate::oidc::{StaticKeySource, StaticTokenSource};
use crate::output::{Reporter, random_hex};
use crate::plan::Plan;
use crate::policy::Policy;
use crate::preflight;
use crate::sts::{Broker, StsBroker, Timeouts, form};
use crate::text::show;

use super::wire;

/// How the dry run's claims differ from the defaults.
#[derive(Debug, Clone, Default)]
pub struct ClaimOverrides {
    /// A JSON object of claims merged over the defaults.
    pub file: Option<PathBuf>,
    /// `key=value` pairs, applied after the file.
    pub set: Vec<(String, String)>,
    /// Claims to remove.
    pub remove: Vec<String>,
}

/// Claims that look like a push to `main` of `octo-org/octo-repo` on a GitHub-hosted runner.
pub fn default_claims(config: &Config, now: i64) -> Claims {
    let mut claims = Claims::from_pairs([
        ("actor", "octocat"),
        ("actor_id", "583231"),
        ("base_ref", ""),
        ("event_name", "push"),
        ("head_ref", ""),
        ("ref", "refs/heads/main"),
        ("ref_protected", "true"),
        ("ref_type", "branch"),
        ("repository", "octo-org/octo-repo"),
        ("repository_id", "892734561"),
        ("repository_owner_id", "78953443"),
        ("repository_visibility", "private"),
        ("run_attempt", "1"),
        ("run_id", "11843209874"),
        ("run_number", "42"),
        ("runner_environment", "github-hosted"),
        ("sha", "8f3c2a1b9d0e4f5a6b7c8d9e0f1a2b3c4d5e6f70"),
        ("workflow", "Deploy"),
        ("workflow_sha", "8f3c2a1b9d0e4f5a6b7c8d9e0f1a2b3c4d5e6f70"),
        (
            "job_workflow_sha",
            "8f3c2a1b9d0e4f5a6b7c8d9e0f1a2b3c4d5e6f70",
        ),
    ]);
    claims.set("iss", config.issuer.clone());
    claims.set("aud", config.oidc.audience.clone());
    claims.set("jti", random_hex(16));
    claims.set_time("iat", now);
    claims.set_time("nbf", now - 300);
    claims.set_time("exp", now + 300);
    claims
}

/// Fills in the claims GitHub derives from others (`sub`, `repository_owner`, `workflow_ref`,
/// `job_workflow_ref`) unless they were given explicitly, so `--claim environment=prod` yields
/// the `sub` a real job in that environment would get.
pub fn derive_claims(claims: &mut Claims, explicit: &[String]) {
    let is_explicit = |name: &str| explicit.iter().any(|e| e == name);
    let repository = claims.get("repository").unwrap_or("").to_string();
    if !is_explicit("repository_owner") {
        let owner = repository.split('/').next().unwrap_or("").to_string();
        claims.set("repository_owner", owner);
    }
    if !is_explicit("sub") {
        // GitHub's default subject: environment wins, then pull_request, then the ref.
        let context = match (claims.get("environment"), claims.get("event_name")) {
            (Some(env), _) => format!("environment:{}", env.replace(':', "%3A")),
            (None, Some("pull_request")) => "pull_request".to_string(),
            _ => format!("ref:{}", claims.get("ref").unwrap_or("")),
        };
        claims.set("sub", format!("repo:{repository}:{context}"));
    }
    let workflow_ref = format!(
        "{repository}/.github/workflows/deploy.yml@{}",
        claims.get("ref").unwrap_or("")
    );
    for name in ["workflow_ref", "job_workflow_ref"] {
        if !is_explicit(name) {
            claims.set(name, workflow_ref.clone());
        }
    }
}

/// Applies the overrides (file, `--claim`, `--without-claim`) to the defaults.
pub fn apply_overrides(mut claims: Claims, overrides: &ClaimOverrides) -> Result<Claims, Error> {
    let mut explicit: Vec<String> = Vec::new();
    if let Some(path) = &overrides.file {
        let error = |problem: String| Error::ClaimsFile {
            path: path.clone(),
            problem,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| error(format!("not JSON: {e}")))?;
        let from_file = Claims::from_json(&json).map_err(|e| error(e.to_string()))?;
        for (name, value) in from_file.iter() {
            claims.set(name, value);
            explicit.push(name.to_string());
        }
        for name in crate::claims::TIME_CLAIMS {
            if let Some(t) = from_file.time(name) {
                claims.set_time(name, t);
            }
        }
    }
    for (name, value) in &overrides.set {
        claims.set(name.clone(), value.clone());
        explicit.push(name.clone());
    }
    derive_claims(&mut claims, &explicit);
    for name in &overrides.remove {
        claims.remove(name);
    }
    Ok(claims)
}

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
                "    {}=<minted token, {} bytes, elided>",
                field.name,
                token.len()
            ),
        };
    }
    text
}

/// `oidc-assume dry-run`: checks the inputs, loads the policy, and decides with a minted token.
pub async fn command(args: DryRunArgs, env: &Env, out: &Reporter) -> Result<(), Error> {
    let config = Config::from_inputs(Inputs::new(&args.inputs.0, env), Mode::DryRun)?;
    let policy = preflight::load_policy(&config)?;
    wire::warn_about_config(&config, policy.as_ref(), out);
    let overrides = ClaimOverrides {
        file: args.claims,
        set: args.claim,
        remove: args.without_claim,
    };
    let broker = match config.network.sts_endpoint.as_deref() {
        Some(endpoint) => {
            let ca = preflight::ca_bundle(&config)?;
            Some(StsBroker::new(
                config.network.net.reqwest_client(
                    ca.as_ref(),
                    config.network.request_timeout(),
                    false,
                )?,
                &config.region,
                Some(endpoint),
                Timeouts::default(),
                None,
            ))
        }
        None => None,
    };
    let context = RunContext::from_env(env);
    let run = DryRun {
        config: &config,
        policy: policy.as_ref(),
        context: &context,
        out,
        now: wire::now(),
    };
    run.run(&overrides, broker.as_ref()).await
}

/// One dry run's inputs.
struct DryRun<'a> {
    config: &'a Config,
    policy: Option<&'a Policy>,
    context: &'a RunContext,
    out: &'a Reporter,
    now: i64,
}

impl DryRun<'_> {
    /// Runs the dry run. `broker` is `Some` only when `--sts-endpoint` was given.
    async fn run<B: Broker>(
        &self,
        overrides: &ClaimOverrides,
        broker: Option<&B>,
    ) -> Result<(), Error> {
        let (config, policy, out, now) = (self.config, self.policy, self.out, self.now);
        let claims = apply_overrides(default_claims(config, now), overrides)?;
        let key = SigningKey::generate("oidc-assume-dry-run")?;
        let token = key.mint(&claims)?;

        let mut report = String::from(
            "oidc-assume dry run: a token minted with an ephemeral key, verified with the same checks as a real run\n\nclaims:\n",
        );
        for (name, value) in claims.iter() {
            report.push_str(&format!("  {name:<22} {}\n", show(value)));
        }
        out.data(&report);

        let roles = Plan::all(config)
            .iter()
            .map(Plan::web_identity_role)
            .collect::<Result<Vec<_>, _>>()?;
        let Some(role) = roles.first() else {
            return Err(Error::NoRole);
        };
        let authorized = app::authorize(
            config,
            policy,
            &roles.iter().collect::<Vec<_>>(),
            &StaticTokenSource(token),
            &StaticKeySource(key.jwks()),
            out,
            now,
        )
        .await?;

        let decision = match &authorized.rule {
            Some(rule) => format!("allowed by policy rule `{rule}`"),
            None => {
                "allowed: no claim policy is configured (as configure-aws-credentials would)".into()
            }
        };
        let mut report = format!("\ndecision: {decision}\n\n");
        match broker {
            None => {
                report.push_str(
                "STS request (not sent; pass --sts-endpoint URL to send it to a test endpoint):\n",
            );
                report.push_str(&describe_request(config, role, &authorized, None));
                out.data(&report);
            }
            Some(broker) => {
                report.push_str("STS request:\n");
                report.push_str(&describe_request(
                    config,
                    role,
                    &authorized,
                    config.network.sts_endpoint.as_deref(),
                ));
                out.data(&report);
                let pipeline = Pipeline {
                    config,
                    policy,
                    trust: None,
                    context: self.context,
                    broker,
                    out,
                    now,
                };
                let creds = pipeline
                    .assume(role, config.session.duration, &authorized)
                    .await?;
                out.data(&format!(
                "\nSTS answered:\n  AssumedRoleUser.Arn={}\n  Credentials.AccessKeyId=*** ({} characters)\n  Credentials.SecretAccessKey=***\n  Credentials.SessionToken=***\n  Credentials.Expiration={}\n",
                creds.assumed_role_arn,
                creds.access_key_id.len(),
                creds.expiration
            ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::Flags;

    fn config() -> Config {
        let env = Env::default();
        Config::from_inputs(Inputs::new(&Flags::new(), &env), Mode::DryRun).unwrap()
    }

    #[test]
    fn sub_follows_github_rules() {
        let base = default_claims(&config(), 1_000);
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "repo:octo-org/octo-repo:ref:refs/heads/main"),
            (
                &[("environment", "prod:eu")],
                "repo:octo-org/octo-repo:environment:prod%3Aeu",
            ),
            (
                &[("event_name", "pull_request"), ("ref", "refs/pull/7/merge")],
                "repo:octo-org/octo-repo:pull_request",
            ),
            (
                &[("ref", "refs/tags/v1.2.0")],
                "repo:octo-org/octo-repo:ref:refs/tags/v1.2.0",
            ),
            (&[("sub", "custom")], "custom"),
            (
                &[("repository", "acme/api")],
                "repo:acme/api:ref:refs/heads/main",
            ),
        ];
        for (set, want) in cases {
            let overrides = ClaimOverrides {
                set: set
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            };
            let claims = apply_overrides(base.clone(), &overrides).unwrap();
            assert_eq!(claims.get("sub"), Some(*want), "{set:?}");
        }
        let claims = apply_overrides(
            base,
            &ClaimOverrides {
                set: vec![("repository".into(), "acme/api".into())],
                remove: vec!["ref_protected".into()],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(claims.get("repository_owner"), Some("acme"));
        assert_eq!(
            claims.get("job_workflow_ref"),
            Some("acme/api/.github/workflows/deploy.yml@refs/heads/main")
        );
        assert_eq!(claims.get("ref_protected"), None);
        assert_eq!(claims.time("exp"), Some(1_300));
    }
}
