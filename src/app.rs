//! The pipeline: token → verified claims → policy → STS → masked export. Orchestration only:
//! network I/O goes through the [`TokenSource`], [`KeySource`] and [`Broker`] it is given, file
//! I/O is limited to reading the policy file and writing the runner's files in [`export`].
//!
//! The action calls [`run_action`]; the dry run calls the same [`authorize`] with a minted token
//! and its own key set, so both reach the same decision by the same code.

use std::path::{Path, PathBuf};

use crate::claims::Claims;
use crate::env::{self, Env};
use crate::error::Error;
use crate::export;
use crate::inputs::{Config, PolicySource, default_session_name, show};
use crate::oidc::{KeyError, KeySource, TokenError, TokenSource};
use crate::output::Reporter;
use crate::policy::{Decision, Policy};
use crate::retry;
use crate::secret::Secret;
use crate::sts::{AssumeRequest, Broker, Credentials, StsError};
use crate::verify::{self, Expected, VerifyError};
use jsonwebtoken::jwk::JwkSet;

/// The claims shown when explaining a refusal: never secret, and what trust policies test.
pub const EXPLAINED_CLAIMS: &[&str] = &[
    "sub",
    "aud",
    "iss",
    "repository",
    "repository_id",
    "ref",
    "environment",
    "event_name",
    "job_workflow_ref",
];

/// Seconds of validity a token must have left to be sent to STS without asking for a fresh
/// one first (GitHub's tokens live 300 s).
pub const MIN_TOKEN_LIFETIME: i64 = 30;

/// A token that passed verification and the policy.
#[derive(Debug)]
pub struct Authorized {
    /// The token, for STS.
    pub token: Secret,
    /// Its verified claims.
    pub claims: Claims,
    /// The allow rule that matched; `None` when no policy is configured.
    pub rule: Option<String>,
    /// The STS session name.
    pub session_name: String,
}

/// Where the runner reads exports from.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// `GITHUB_ENV`.
    pub env_file: Option<PathBuf>,
    /// `GITHUB_OUTPUT`.
    pub output_file: Option<PathBuf>,
    /// `GITHUB_STEP_SUMMARY`.
    pub summary_file: Option<PathBuf>,
}

impl Targets {
    /// Reads the file paths from the environment snapshot and checks that those this run will
    /// write exist as variables, before any network call.
    pub fn from_env(env: &Env, config: &Config) -> Result<Targets, Error> {
        let targets = Targets {
            env_file: env.get(env::GITHUB_ENV).map(PathBuf::from),
            output_file: env.get(env::GITHUB_OUTPUT).map(PathBuf::from),
            summary_file: env.get(env::GITHUB_STEP_SUMMARY).map(PathBuf::from),
        };
        let missing = if targets.output_file.is_none() {
            Some(env::GITHUB_OUTPUT)
        } else if targets.env_file.is_none() && config.output_env_credentials {
            Some(env::GITHUB_ENV)
        } else {
            None
        };
        if let Some(var) = missing {
            return Err(Error::Setup {
                problem: format!("{var} is not set, so there is nowhere to export credentials to"),
                hint: "run this as a step of a GitHub Actions job; on your machine, try `oidc-assume dry-run`".into(),
            });
        }
        Ok(targets)
    }
}

/// Loads and compiles the claim policy, before any network call. `None`: no policy configured.
pub fn load_policy(config: &Config) -> Result<Option<Policy>, Error> {
    match &config.policy {
        PolicySource::Simple(simple) => Ok(Policy::from_simple(simple)?),
        PolicySource::File { path, explicit } => match std::fs::read_to_string(path) {
            Ok(source) => Ok(Some(Policy::from_toml(
                &source,
                &path.display().to_string(),
            )?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Ok(None),
            Err(source) => Err(Error::PolicyFile {
                path: path.clone(),
                source,
            }),
        },
    }
}

/// Checks what can be checked on disk before the first request: the token file exists and is
/// a regular file (a typo in its path is bad input, not a token failure).
pub fn preflight(config: &Config) -> Result<(), Error> {
    if let Some(path) = &config.token_file {
        let problem = match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => return Ok(()),
            Ok(_) => format!("`{}` is not a file", path.display()),
            Err(e) => format!("`{}`: {e}", path.display()),
        };
        return Err(Error::Inputs(crate::inputs::InputErrors(vec![
            crate::inputs::InputError {
                input: "web-identity-token-file".into(),
                problem,
                hint: "give the path of a file holding the JWT, relative to the workspace".into(),
            },
        ])));
    }
    Ok(())
}

/// Warns once, loudly, about what a configuration gives up.
pub fn warn_about_config(config: &Config, policy: Option<&Policy>, out: &Reporter) {
    if policy.is_none() {
        out.warning(
            "no claim policy",
            &format!(
                "any workflow run whose token the role's trust policy accepts gets credentials. Add {} (or the allowed-* inputs) so this step checks repository, ref, environment and event itself and explains refusals",
                crate::inputs::DEFAULT_POLICY_PATH
            ),
        );
    }
    if config.skip_signature {
        out.warning(
            "token signature not verified",
            "insecure-skip-signature-verification is on: the claim policy is checking claims that anyone could have written, so it protects nothing; only the role's trust policy (checked by STS) still does",
        );
    }
}

/// Fetches the token (and, concurrently, the issuer's keys), verifies it, and applies the
/// policy. The token is masked as soon as it arrives.
pub async fn authorize<T: TokenSource, K: KeySource>(
    config: &Config,
    policy: Option<&Policy>,
    tokens: &T,
    keys: &K,
    out: &Reporter,
    now: i64,
) -> Result<Authorized, Error> {
    let token_future = fetch_token(config, tokens, out);
    // The key set does not depend on the token: fetch both at once, so verification costs no
    // extra round trip on the critical path.
    let fetch_key_set = async {
        if config.skip_signature {
            Ok(None)
        } else {
            fetch_keys(config, keys, out).await.map(Some)
        }
    };
    let (token, jwks) = tokio::join!(token_future, fetch_key_set);
    let token = token?;
    let jwks = jwks?.unwrap_or_default();

    let expected = Expected {
        issuer: &config.issuer,
        audience: &config.audience,
        now,
        skip_signature: config.skip_signature,
    };
    let (jwks, mut claims) = match verify::verify(token.expose(), &jwks, &expected) {
        Err(VerifyError::UnknownKid { .. }) => {
            // The issuer may have rotated its keys since the set we fetched: refetch once.
            let fresh = fetch_keys(config, keys, out).await?;
            let claims = verify::verify(token.expose(), &fresh, &expected)?;
            (fresh, claims)
        }
        other => (jwks, other?),
    };
    let mut token = token;
    // A token with less than MIN_TOKEN_LIFETIME left (a token file written a while ago, a slow
    // queue) may expire before STS sees it: ask for a fresh one, once.
    if let Some(left) = claims.time("exp").map(|exp| exp - now)
        && left < MIN_TOKEN_LIFETIME
    {
        out.info(&format!(
            "oidc-assume: the token expires in {left} s; requesting a fresh one"
        ));
        let fresh = fetch_token(config, tokens, out).await?;
        claims = verify::verify(fresh.expose(), &jwks, &expected)?;
        token = fresh;
    }

    let rule = match policy.map(|p| p.evaluate(&config.role.arn, &claims)) {
        None => None,
        Some(Decision::Allowed { rule }) => Some(rule),
        Some(Decision::Denied(denial)) => return Err(Error::Denied(Box::new(denial))),
    };
    let session_name = config.session_name.clone().unwrap_or_else(|| {
        default_session_name(
            claims.get("run_id"),
            claims.get("run_attempt"),
            claims.get("repository"),
        )
    });
    Ok(Authorized {
        token,
        claims,
        rule,
        session_name,
    })
}

/// Fetches a token (retrying what is transient) and masks it the moment it arrives.
async fn fetch_token<T: TokenSource>(
    config: &Config,
    tokens: &T,
    out: &Reporter,
) -> Result<Secret, Error> {
    let token = retry::run(
        config.retry,
        "requesting the OIDC token",
        out,
        TokenError::transient_reason,
        || tokens.fetch(&config.audience),
    )
    .await?;
    out.mask(token.expose());
    Ok(token)
}

async fn fetch_keys<K: KeySource>(
    config: &Config,
    keys: &K,
    out: &Reporter,
) -> Result<JwkSet, Error> {
    Ok(retry::run(
        config.retry,
        "fetching the issuer's signing keys",
        out,
        KeyError::transient_reason,
        || keys.keys(),
    )
    .await?)
}

/// The STS request for an authorized token.
pub fn request(config: &Config, authorized: &Authorized) -> AssumeRequest {
    AssumeRequest {
        role_arn: config.role.arn.clone(),
        session_name: authorized.session_name.clone(),
        duration: config.duration,
        inline_policy: config.inline_policy.clone(),
        managed_policies: config.managed_policies.clone(),
        token: authorized.token.clone(),
    }
}

/// Calls STS and masks the credentials before anything else can print them. On a trust
/// refusal, the error carries what the token said and what a trust policy must match.
pub async fn assume<B: Broker>(
    config: &Config,
    broker: &B,
    authorized: &Authorized,
    out: &Reporter,
) -> Result<Credentials, Error> {
    let request = request(config, authorized);
    let result = retry::run(
        config.retry,
        "calling STS AssumeRoleWithWebIdentity",
        out,
        StsError::transient_reason,
        || broker.assume(&request),
    )
    .await;
    match result {
        Ok(creds) => {
            out.mask(creds.access_key_id.expose());
            out.mask(creds.secret_access_key.expose());
            out.mask(creds.session_token.expose());
            if config.mask_account_id
                && let Some(account) = creds.account_id()
            {
                out.mask(account);
            }
            Ok(creds)
        }
        Err(error) => {
            let explanation = error
                .is_trust_refusal()
                .then(|| explain_refusal(config, &authorized.claims));
            Err(Error::Sts { error, explanation })
        }
    }
}

/// What STS saw and what the role's trust policy has to match for it.
pub fn explain_refusal(config: &Config, claims: &Claims) -> String {
    let mut text = String::from("the token STS refused had these claims:\n");
    for name in EXPLAINED_CLAIMS {
        let value = claims
            .get(name)
            .map_or_else(|| "<absent>".to_string(), show);
        text.push_str(&format!("  {name:<17} {value}\n"));
    }
    let provider = config
        .issuer
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    text.push_str(&format!(
        "for this run, the trust policy of {} needs a statement like:\n",
        config.role.arn
    ));
    let mut conditions = vec![format!("\"{provider}:aud\": \"{}\"", config.audience)];
    if let Some(sub) = claims.get("sub") {
        conditions.push(format!(
            "\"{provider}:sub\": {}",
            serde_json::Value::String(sub.to_string())
        ));
    }
    text.push_str(&format!(
        "  \"Principal\": {{\"Federated\": \"arn:{}:iam::{}:oidc-provider/{provider}\"}},\n  \"Action\": \"sts:AssumeRoleWithWebIdentity\",\n  \"Condition\": {{\"StringEquals\": {{{}}}}}\n",
        config.role.partition,
        config.role.account,
        conditions.join(", ")
    ));
    text
}

/// Name/value records for one of the runner's files.
pub type Records<'a> = Vec<(&'static str, &'a str)>;

/// The records for `GITHUB_ENV` and `GITHUB_OUTPUT`.
pub fn records<'a>(config: &'a Config, creds: &'a Credentials) -> (Records<'a>, Records<'a>) {
    let mut env = Vec::new();
    if config.output_env_credentials {
        env.push(("AWS_ACCESS_KEY_ID", creds.access_key_id.expose()));
        env.push(("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.expose()));
        env.push(("AWS_SESSION_TOKEN", creds.session_token.expose()));
    }
    env.push(("AWS_REGION", config.region.as_str()));
    env.push(("AWS_DEFAULT_REGION", config.region.as_str()));
    let mut outputs = Vec::new();
    if let Some(account) = creds.account_id() {
        outputs.push(("aws-account-id", account));
    }
    outputs.push(("authenticated-arn", creds.assumed_role_arn.as_str()));
    outputs.push(("aws-expiration", creds.expiration.as_str()));
    if config.output_credentials {
        outputs.push(("aws-access-key-id", creds.access_key_id.expose()));
        outputs.push(("aws-secret-access-key", creds.secret_access_key.expose()));
        outputs.push(("aws-session-token", creds.session_token.expose()));
    }
    (env, outputs)
}

/// Writes the exports, all or nothing, then a best-effort step summary.
pub fn export(
    config: &Config,
    creds: &Credentials,
    authorized: &Authorized,
    targets: &Targets,
    out: &Reporter,
) -> Result<(), Error> {
    let (env_records, output_records) = records(config, creds);
    let delimiter = export::random_delimiter();
    let env_bytes = export::render(&env_records, &delimiter)?;
    let output_bytes = export::render(&output_records, &delimiter)?;
    let mut writes: Vec<(&Path, &[u8])> = Vec::new();
    if let Some(path) = &targets.env_file {
        writes.push((path, &env_bytes));
    }
    if let Some(path) = &targets.output_file {
        writes.push((path, &output_bytes));
    }
    export::write_files(&writes)?;

    if let Some(path) = &targets.summary_file {
        let summary = step_summary(config, creds, authorized);
        if let Err(e) = export::append_atomically(path, summary.as_bytes()) {
            out.warning("step summary not written", &e.to_string());
        }
    }
    Ok(())
}

fn step_summary(config: &Config, creds: &Credentials, authorized: &Authorized) -> String {
    let cell = |s: &str| format!("`{}`", s.replace(['`', '|', '\n', '\r'], " "));
    let account = match (config.mask_account_id, creds.account_id()) {
        (true, _) => "`***`".to_string(),
        (false, Some(a)) => cell(a),
        (false, None) => "unknown".to_string(),
    };
    let role = if config.mask_account_id {
        cell(&config.role.arn.replace(&config.role.account, "***"))
    } else {
        cell(&config.role.arn)
    };
    let rule = authorized
        .rule
        .as_deref()
        .map_or_else(|| "none (no claim policy)".to_string(), cell);
    format!(
        "### oidc-assume\n\n| | |\n|---|---|\n| Role | {role} |\n| Account | {account} |\n| Session | {} |\n| Expires | {} |\n| Policy rule | {rule} |\n\n",
        cell(&authorized.session_name),
        cell(&creds.expiration),
    )
}

/// The whole action: authorize, assume, export. Nothing is written unless every step succeeded.
#[allow(clippy::too_many_arguments)]
pub async fn run_action<T: TokenSource, K: KeySource, B: Broker>(
    config: &Config,
    policy: Option<&Policy>,
    tokens: &T,
    keys: &K,
    broker: &B,
    targets: &Targets,
    out: &Reporter,
    now: i64,
) -> Result<(), Error> {
    let mut authorized = authorize(config, policy, tokens, keys, out, now).await?;
    let creds = match assume(config, broker, &authorized, out).await {
        // The token expired before STS saw it (a slow queue, a skewed clock): one fresh token,
        // verified and checked again, gets one more try.
        Err(Error::Sts { error, .. }) if error.is_expired_token() => {
            out.info("oidc-assume: STS says the token expired; requesting a fresh one");
            authorized = authorize(config, policy, tokens, keys, out, now).await?;
            assume(config, broker, &authorized, out).await?
        }
        other => other?,
    };
    export(config, &creds, &authorized, targets, out)?;
    let arn = if config.mask_account_id {
        creds.assumed_role_arn.replace(&config.role.account, "***")
    } else {
        creds.assumed_role_arn.clone()
    };
    out.info(&format!(
        "oidc-assume: assumed {arn} until {} ({})",
        creds.expiration,
        authorized.rule.as_deref().map_or_else(
            || "no claim policy".to_string(),
            |r| format!("policy rule `{r}`")
        )
    ));
    Ok(())
}
