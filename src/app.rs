//! The pipeline: token → verified claims → policy → STS → masked export. Orchestration only:
//! network I/O goes through the [`TokenSource`], [`KeySource`] and [`Broker`] it is given, file
//! I/O is limited to reading the policy file and writing the runner's files in [`export`].
//!
//! The action calls [`run_action`]; the dry run calls the same [`authorize`] with a minted token
//! and its own key set, so both reach the same decision by the same code.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};

use crate::aws::{RoleArn, RoleRef, default_session_name, partition_of_region};
use crate::claims::Claims;
use crate::env::{self, Env};
use crate::error::Error;
use crate::export;
use crate::github::EXPLAINED_CLAIMS;
use crate::inputs::{Config, PolicySource, ProfileRole, Source};
use crate::oidc::{KeyError, KeySource, TokenError, TokenSource};
use crate::output::Reporter;
use crate::policy::{Decision, Policy};
use crate::retry;
use crate::secret::Secret;
use crate::sts::{AssumeRequest, Broker, Credentials, Identity, RoleRequest, Signer, StsError};
use crate::tags::SessionTags;
use crate::text::show;
use crate::verify::{self, Expected, VerifyError};
use crate::{profiles, tags};
use jsonwebtoken::jwk::JwkSet;

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
    /// `GITHUB_STATE`, where the post step's cleanup record goes.
    pub state_file: Option<PathBuf>,
}

impl Targets {
    /// Reads the file paths from the environment snapshot.
    pub fn from_env(env: &Env) -> Targets {
        Targets {
            env_file: env.get(env::GITHUB_ENV).map(PathBuf::from),
            output_file: env.get(env::GITHUB_OUTPUT).map(PathBuf::from),
            summary_file: env.get(env::GITHUB_STEP_SUMMARY).map(PathBuf::from),
            state_file: env.get(env::GITHUB_STATE).map(PathBuf::from),
        }
    }

    /// Checks that the files this run will write are named, before any network call.
    pub fn require(&self, config: &Config) -> Result<(), Error> {
        let missing = if self.output_file.is_none() {
            Some(env::GITHUB_OUTPUT)
        } else if self.env_file.is_none() && config.output_env_credentials {
            Some(env::GITHUB_ENV)
        } else {
            None
        };
        match missing {
            Some(var) => Err(Error::Setup {
                problem: format!("{var} is not set, so there is nowhere to export credentials to"),
                hint: "run this as a step of a GitHub Actions job; on your machine, try `oidc-assume dry-run` or `oidc-assume credential-process`".into(),
            }),
            None => Ok(()),
        }
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
    if let Some(path) = &config.trust_policy_file {
        read_trust_policy(path).map_err(|problem| {
            Error::Inputs(crate::inputs::InputErrors(vec![crate::inputs::InputError {
                input: "trust-policy-file".into(),
                problem,
                hint: "give the path of the role's trust policy JSON (or of `aws iam get-role` output), relative to the workspace".into(),
            }]))
        })?;
    }
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

/// Reads and parses a trust policy file.
fn read_trust_policy(path: &Path) -> Result<Vec<crate::trust::document::TrustDocument>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("`{}`: {e}", path.display()))?;
    match crate::trust::document::load(&text) {
        Ok(docs) if !docs.is_empty() => Ok(docs),
        Ok(_) => Err(format!("`{}` holds no trust policy", path.display())),
        Err(e) => Err(format!("`{}`:{e}", path.display())),
    }
}

/// With the role's trust policy at hand, IAM's evaluation of it against the refused token's
/// claims: which condition failed, with what value, and a value that would pass.
fn simulate_refusal(config: &Config, claims: &Claims) -> Option<String> {
    let path = config.trust_policy_file.as_ref()?;
    let prefix = crate::trust::github::issuer_key_prefix(&config.issuer);
    let text = match read_trust_policy(path) {
        Ok(docs) => docs
            .iter()
            .map(|doc| {
                crate::trust::simulate::render(
                    &crate::trust::simulate::evaluate(doc, claims, &prefix),
                    &path.display().to_string(),
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Err(problem) => format!("(the trust policy could not be simulated: {problem})\n"),
    };
    Some(text)
}

/// Warns once, loudly, about what a configuration gives up.
pub fn warn_about_config(config: &Config, policy: Option<&Policy>, out: &Reporter) {
    if !matches!(config.source, Source::WebIdentity) {
        // No token, no claims: the claim policy has nothing to check.
        if policy.is_some() {
            out.info("oidc-assume: the claim policy is not checked: this run uses AWS credentials, not an OIDC token");
        }
    } else if policy.is_none() {
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
    roles: &[&RoleArn],
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

    // Every role of the run must pass the policy; the first one's rule is reported.
    let mut rule = None;
    if let Some(policy) = policy {
        for role in roles.iter().rev() {
            match policy.evaluate(&role.arn, &claims) {
                Decision::Allowed { rule: r } => rule = Some(r),
                Decision::Denied(denial) => return Err(Error::Denied(Box::new(denial))),
            }
        }
    }
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
pub fn request(
    config: &Config,
    role: &RoleArn,
    duration: u32,
    authorized: &Authorized,
) -> AssumeRequest {
    AssumeRequest {
        role_arn: role.arn.clone(),
        session_name: authorized.session_name.clone(),
        duration,
        inline_policy: config.inline_policy.clone(),
        managed_policies: config.managed_policies.clone(),
        token: authorized.token.clone(),
    }
}

/// Calls STS and masks the credentials before anything else can print them. On a trust
/// refusal, the error carries what the token said and what a trust policy must match.
pub async fn assume<B: Broker>(
    config: &Config,
    role: &RoleArn,
    duration: u32,
    broker: &B,
    authorized: &Authorized,
    out: &Reporter,
) -> Result<Credentials, Error> {
    let request = request(config, role, duration, authorized);
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
            mask_credentials(config, &creds, out);
            Ok(creds)
        }
        Err(error) => {
            let explanation = error.is_trust_refusal().then(|| {
                let mut text = explain_refusal(config, role, &authorized.claims);
                if let Some(simulated) = simulate_refusal(config, &authorized.claims) {
                    text.push_str(
                        "\nthe trust policy, evaluated with IAM's rules against these claims:\n",
                    );
                    text.push_str(&simulated);
                }
                text
            });
            Err(Error::Sts { error, explanation })
        }
    }
}

/// Masks fresh credentials (and the account, when asked) before anything can print them.
fn mask_credentials(config: &Config, creds: &Credentials, out: &Reporter) {
    out.mask(creds.access_key_id.expose());
    out.mask(creds.secret_access_key.expose());
    out.mask(creds.session_token.expose());
    if config.mask_account_id
        && let Some(account) = creds.account_id()
    {
        out.mask(account);
    }
}

/// What STS saw and what the role's trust policy has to match for it.
pub fn explain_refusal(config: &Config, role: &RoleArn, claims: &Claims) -> String {
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
        role.arn
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
        role.partition,
        role.account,
        conditions.join(", ")
    ));
    text
}

/// What the run learned from the environment snapshot besides the inputs: credentials already
/// present, the GitHub context for session tags and names, where profiles go.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// `AWS_ACCESS_KEY_ID`… already in the environment (an earlier step, a secret).
    pub env_keys: Option<Signer>,
    /// The access key id of [`RunContext::env_keys`], for the notice that OIDC replaces it.
    pub env_key_id: Option<String>,
    /// Whether the broker can sign with the ambient chain (profile files, container, IMDS).
    pub ambient: bool,
    /// `GITHUB_REPOSITORY`, `GITHUB_WORKFLOW`, `GITHUB_ACTION`, `GITHUB_ACTOR`, `GITHUB_SHA`,
    /// `GITHUB_REF`, `GITHUB_RUN_ID`, `GITHUB_RUN_ATTEMPT`.
    pub github: BTreeMap<&'static str, String>,
    /// The shared credentials and config files, or why they cannot be located.
    pub profile_paths: Result<(PathBuf, PathBuf), String>,
}

impl RunContext {
    /// Reads what the run needs from the snapshot.
    pub fn from_env(env: &Env) -> RunContext {
        let env_keys = match (
            env.get(env::AWS_ACCESS_KEY_ID),
            env.get(env::AWS_SECRET_ACCESS_KEY),
        ) {
            (Some(id), Some(secret)) => Some(Signer::Keys {
                access_key_id: Secret::new(id),
                secret_access_key: Secret::new(secret),
                session_token: env.get(env::AWS_SESSION_TOKEN).map(Secret::new),
            }),
            _ => None,
        };
        let github = [
            env::GITHUB_REPOSITORY,
            env::GITHUB_WORKFLOW,
            env::GITHUB_ACTION,
            env::GITHUB_ACTOR,
            env::GITHUB_SHA,
            env::GITHUB_REF,
            env::GITHUB_RUN_ID,
            env::GITHUB_RUN_ATTEMPT,
        ]
        .into_iter()
        .filter_map(|name| env.get(name).map(|v| (name, v.to_string())))
        .collect();
        RunContext {
            env_key_id: env_keys
                .as_ref()
                .and(env.get(env::AWS_ACCESS_KEY_ID).map(str::to_string)),
            env_keys,
            ambient: false,
            github,
            profile_paths: profiles::default_paths(
                env.get(env::HOME),
                env.get(env::AWS_SHARED_CREDENTIALS_FILE),
                env.get(env::AWS_CONFIG_FILE),
            )
            .map_err(|e| e.to_string()),
        }
    }

    fn github(&self, name: &str) -> Option<&str> {
        self.github.get(name).map(String::as_str)
    }

    /// Session tags for `AssumeRole` calls.
    fn session_tags(&self, config: &Config) -> SessionTags {
        SessionTags::new(
            &tags::Context {
                repository: self.github(env::GITHUB_REPOSITORY),
                workflow: self.github(env::GITHUB_WORKFLOW),
                action: self.github(env::GITHUB_ACTION),
                actor: self.github(env::GITHUB_ACTOR),
                commit: self.github(env::GITHUB_SHA),
                branch: self.github(env::GITHUB_REF),
            },
            config.tagging.skip_context,
            &config.tagging.custom,
        )
    }

    /// The session name when no token supplies the run's identity.
    fn session_name(&self, config: &Config) -> String {
        config.session_name.clone().unwrap_or_else(|| {
            default_session_name(
                self.github(env::GITHUB_RUN_ID),
                self.github(env::GITHUB_RUN_ATTEMPT),
                self.github(env::GITHUB_REPOSITORY),
            )
        })
    }
}

/// Longest session STS grants to a role assumed with another role's session.
pub const CHAINED_MAX_DURATION: u32 = 3600;

/// One set of credentials the run produces: the step's own (exported as variables or to
/// `aws-profile`), or one entry of `roles`.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Profile written; `None` for the step's own credentials exported as variables.
    pub profile: Option<String>,
    /// First role; `None` when static keys are exported as they are.
    pub role: Option<RoleRef>,
    /// Roles assumed in turn after it.
    pub chain: Vec<RoleArn>,
    /// Duration asked for the last session.
    pub duration: u32,
    /// Region of the profile.
    pub region: String,
}

impl Plan {
    /// The step's own plan (if it has a role or keys) followed by the `roles` entries.
    pub fn all(config: &Config) -> Vec<Plan> {
        let mut plans = Vec::new();
        if config.role.is_some() || matches!(config.source, Source::Keys(_)) {
            plans.push(Plan {
                profile: config.profile.clone(),
                role: config.role.clone(),
                chain: config.chain.clone(),
                duration: config.duration,
                region: config.region.clone(),
            });
        }
        plans.extend(config.profiles.iter().map(|p: &ProfileRole| Plan {
            profile: Some(p.profile.clone()),
            role: Some(RoleRef::Arn(p.role.clone())),
            chain: p.chain.clone(),
            duration: p.duration.unwrap_or(config.duration),
            region: p.region.clone().unwrap_or_else(|| config.region.clone()),
        }));
        plans
    }

    /// The ARN of the first role, for a web-identity run (bare names resolve through the one
    /// `allowed-account-ids` entry, which input validation made sure exists).
    pub fn web_identity_role(&self, config: &Config) -> Result<RoleArn, Error> {
        match (&self.role, config.allowed_accounts.as_slice()) {
            (Some(RoleRef::Arn(arn)), _) => Ok(arn.clone()),
            (Some(name @ RoleRef::Name(_)), [account]) => {
                Ok(name.resolve(partition_of_region(&config.region), account))
            }
            _ => Err(Error::Setup {
                problem: "an OIDC token can only assume a role given by its full ARN".into(),
                hint: "give role-to-assume as arn:aws:iam::ACCOUNT:role/NAME".into(),
            }),
        }
    }
}

/// Credentials a plan produced.
#[derive(Debug, Clone)]
pub struct Produced {
    /// The plan.
    pub plan: Plan,
    /// The credentials (of the last hop).
    pub creds: Credentials,
}

/// Durations along a chain: the first session of a chain only has to live long enough to
/// assume the next role, so it gets STS's minimum; chained sessions are capped at an hour.
fn hop_duration(asked: u32, is_last: bool, chained: bool) -> u32 {
    match (is_last, chained) {
        (false, _) => 900,
        (true, true) => asked.min(CHAINED_MAX_DURATION),
        (true, false) => asked,
    }
}

/// `AssumeRole` with retries, session tags (dropping the optional context tags once when STS
/// says the packed policy is too large), and credentials masked on arrival.
#[allow(clippy::too_many_arguments)]
async fn assume_role<B: Broker>(
    config: &Config,
    broker: &B,
    role: &RoleArn,
    duration: u32,
    signer: &Signer,
    session_name: &str,
    tags: &SessionTags,
    out: &Reporter,
) -> Result<Credentials, Error> {
    let mut request = RoleRequest {
        role_arn: role.arn.clone(),
        session_name: session_name.to_string(),
        duration,
        inline_policy: config.inline_policy.clone(),
        managed_policies: config.managed_policies.clone(),
        external_id: config.external_id.clone(),
        tags: tags.all(),
        transitive_tag_keys: config.tagging.transitive.clone(),
    };
    let call = |request: RoleRequest| async move {
        retry::run(
            config.retry,
            "calling STS AssumeRole",
            out,
            StsError::transient_reason,
            || broker.assume_role(&request, signer),
        )
        .await
    };
    let result = match call(request.clone()).await {
        Err(error)
            if error.code.as_deref() == Some("PackedPolicyTooLarge")
                && !tags.context.is_empty() =>
        {
            out.info(&format!(
                "oidc-assume: STS says the session policies and tags are too large for {}; retrying without the GitHub context tags",
                role.arn
            ));
            request.tags = tags.custom.clone();
            request.transitive_tag_keys.retain(|k| {
                tags.custom
                    .iter()
                    .any(|(key, _)| key.eq_ignore_ascii_case(k))
            });
            call(request).await
        }
        other => other,
    };
    match result {
        Ok(creds) => {
            mask_credentials(config, &creds, out);
            Ok(creds)
        }
        Err(error) => Err(Error::Sts {
            error,
            explanation: None,
        }),
    }
}

/// Assumes each role of `plan.chain` in turn, each signed by the previous session.
#[allow(clippy::too_many_arguments)]
async fn follow_chain<B: Broker>(
    config: &Config,
    broker: &B,
    plan: &Plan,
    first: Credentials,
    session_name: &str,
    tags: &SessionTags,
    out: &Reporter,
) -> Result<Credentials, Error> {
    let mut creds = first;
    for (i, role) in plan.chain.iter().enumerate() {
        let is_last = i + 1 == plan.chain.len();
        let duration = hop_duration(plan.duration, is_last, true);
        creds = assume_role(
            config,
            broker,
            role,
            duration,
            &Signer::from_session(&creds),
            session_name,
            tags,
            out,
        )
        .await?;
    }
    Ok(creds)
}

/// Says once that a chained session is capped, when a longer one was asked.
fn notice_chained_cap(plans: &[Plan], chained_first: bool, out: &Reporter) {
    for plan in plans {
        let chained = chained_first || !plan.chain.is_empty();
        if chained && plan.duration > CHAINED_MAX_DURATION {
            out.info(&format!(
                "oidc-assume: {} asked for {} s, but STS caps a session assumed with another role's session at {CHAINED_MAX_DURATION} s (role chaining); it lasts {CHAINED_MAX_DURATION} s",
                plan.profile
                    .as_deref()
                    .map_or_else(|| "role-duration-seconds".to_string(), |p| format!("profile `{p}`")),
                plan.duration
            ));
        }
    }
}

/// Checks every produced credential against `allowed-account-ids`, before anything is written.
pub fn check_accounts(config: &Config, produced: &[Produced]) -> Result<(), Error> {
    if config.allowed_accounts.is_empty() {
        return Ok(());
    }
    for p in produced {
        let account = p.creds.account_id().unwrap_or("unknown").to_string();
        if !config.allowed_accounts.contains(&account) {
            return Err(Error::AccountNotAllowed {
                role: p.creds.assumed_role_arn.clone(),
                account,
                allowed: config.allowed_accounts.clone(),
            });
        }
    }
    Ok(())
}

/// Name/value records for one of the runner's files.
pub type Records<'a> = Vec<(&'static str, &'a str)>;

/// The credential variables later steps read.
const CREDENTIAL_VARS: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// The records for `GITHUB_ENV` and `GITHUB_OUTPUT` of the step's own credentials.
pub fn records<'a>(config: &'a Config, main: Option<&'a Produced>) -> (Records<'a>, Records<'a>) {
    let mut env = Vec::new();
    let mut outputs = Vec::new();
    let Some(main) = main else {
        return (env, outputs);
    };
    let creds = &main.creds;
    let exported = config.output_env_credentials && main.plan.profile.is_none();
    if exported {
        env.push((CREDENTIAL_VARS[0], creds.access_key_id.expose()));
        env.push((CREDENTIAL_VARS[1], creds.secret_access_key.expose()));
        // Static IAM-user keys have no session token; an empty value hides a stale one.
        env.push((CREDENTIAL_VARS[2], creds.session_token.expose()));
    } else if config.unset_current || main.plan.profile.is_some() {
        // Old keys in the environment would win over the profile in every SDK.
        for name in CREDENTIAL_VARS {
            env.push((name, ""));
        }
    }
    if let Some(profile) = &main.plan.profile {
        env.push(("AWS_PROFILE", profile.as_str()));
    }
    env.push(("AWS_REGION", config.region.as_str()));
    env.push(("AWS_DEFAULT_REGION", config.region.as_str()));
    if let Some(account) = creds.account_id() {
        outputs.push(("aws-account-id", account));
    }
    outputs.push(("authenticated-arn", creds.assumed_role_arn.as_str()));
    if !creds.expiration.is_empty() {
        outputs.push(("aws-expiration", creds.expiration.as_str()));
    }
    if config.output_credentials {
        outputs.push(("aws-access-key-id", creds.access_key_id.expose()));
        outputs.push(("aws-secret-access-key", creds.secret_access_key.expose()));
        outputs.push(("aws-session-token", creds.session_token.expose()));
    }
    (env, outputs)
}

/// What the post step undoes, saved in the runner's state file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CleanupState {
    /// Variables to blank in `GITHUB_ENV`.
    pub env: Vec<String>,
    /// Profile files to take our sections out of.
    pub profiles: Option<profiles::Written>,
}

/// The state record: written first thing (empty), so a post step never mistakes itself for the
/// main step, and again once the exports are done.
pub fn save_state(targets: &Targets, state: &CleanupState) -> Result<(), Error> {
    let Some(path) = &targets.state_file else {
        return Ok(());
    };
    let json = serde_json::to_string(state).map_err(|e| Error::Setup {
        problem: format!("could not record the cleanup state: {e}"),
        hint: "this is a bug; please report it".into(),
    })?;
    let bytes = export::render(&[(STATE_NAME, &json)], &export::random_delimiter())?;
    export::write_files(&[(path.as_path(), &bytes)])?;
    Ok(())
}

/// Name of the state record (`STATE_oidc_assume` in the post step).
pub const STATE_NAME: &str = "oidc_assume";

/// Writes the exports, all or nothing, then a best-effort step summary.
pub fn export(
    config: &Config,
    produced: &[Produced],
    context: &RunContext,
    rule: Option<&str>,
    targets: &Targets,
    out: &Reporter,
) -> Result<(), Error> {
    let main = produced
        .iter()
        .find(|p| p.plan.profile == config.profile && p.plan.role == config.role);
    let (env_records, output_records) = records(config, main);
    let delimiter = export::random_delimiter();
    let env_bytes = export::render(&env_records, &delimiter)?;
    let output_bytes = export::render(&output_records, &delimiter)?;

    // Profiles first: their writer is all or nothing across both files, and is undone below if
    // the runner's files then fail.
    let entries: Vec<profiles::ProfileEntry> = produced
        .iter()
        .filter_map(|p| {
            p.plan.profile.as_deref().map(|name| {
                profiles::ProfileEntry::from_credentials(name, &p.creds, Some(&p.plan.region))
            })
        })
        .collect();
    let written = if entries.is_empty() {
        None
    } else {
        let (credentials, config_file) =
            context
                .profile_paths
                .clone()
                .map_err(|problem| Error::Setup {
                    problem,
                    hint: "set HOME, or AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE".into(),
                })?;
        Some(profiles::write_profiles(
            &credentials,
            &config_file,
            &entries,
            config.overwrite_profile,
        )?)
    };

    let mut writes: Vec<(&Path, &[u8])> = Vec::new();
    if let Some(path) = &targets.env_file {
        writes.push((path, &env_bytes));
    }
    if let Some(path) = &targets.output_file {
        writes.push((path, &output_bytes));
    }
    if let Err(e) = export::write_files(&writes) {
        if let Some(written) = &written {
            let _ = profiles::remove_profiles(written);
        }
        return Err(e.into());
    }

    if config.cleanup {
        let state = CleanupState {
            env: env_records
                .iter()
                // AWS_PROFILE too: it would name a profile the cleanup removes.
                .filter(|(name, value)| {
                    (CREDENTIAL_VARS.contains(name) || *name == "AWS_PROFILE") && !value.is_empty()
                })
                .map(|(name, _)| name.to_string())
                .collect(),
            profiles: written,
        };
        if let Err(e) = save_state(targets, &state) {
            out.warning("cleanup not recorded", &e.to_string());
        }
    }

    if let Some(path) = &targets.summary_file {
        let summary = step_summary(config, produced, rule);
        if let Err(e) = export::append_atomically(path, summary.as_bytes()) {
            out.warning("step summary not written", &e.to_string());
        }
    }
    Ok(())
}

fn step_summary(config: &Config, produced: &[Produced], rule: Option<&str>) -> String {
    let cell = |s: &str| format!("`{}`", s.replace(['`', '|', '\n', '\r'], " "));
    let mut text = String::from("### oidc-assume\n\n");
    for p in produced {
        let account = p.creds.account_id();
        let hide = |s: &str| match (config.mask_account_id, account) {
            (true, Some(a)) => s.replace(a, "***"),
            _ => s.to_string(),
        };
        let arn = &p.creds.assumed_role_arn;
        // `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`; static keys have no session.
        let session = arn
            .contains(":assumed-role/")
            .then(|| arn.rsplit('/').next())
            .flatten()
            .map_or_else(|| "none (static keys)".to_string(), cell);
        text.push_str("| | |\n|---|---|\n");
        if let Some(profile) = &p.plan.profile {
            text.push_str(&format!("| Profile | {} |\n", cell(profile)));
        }
        text.push_str(&format!("| Identity | {} |\n", cell(&hide(arn))));
        text.push_str(&format!(
            "| Account | {} |\n",
            account.map_or_else(|| "unknown".to_string(), |a| cell(&hide(a)))
        ));
        text.push_str(&format!("| Session | {session} |\n"));
        let expires = if p.creds.expiration.is_empty() {
            "never (static keys)".to_string()
        } else {
            cell(&p.creds.expiration)
        };
        text.push_str(&format!("| Expires | {expires} |\n"));
        text.push_str(&format!(
            "| Policy rule | {} |\n\n",
            rule.map_or_else(|| "none (no claim policy)".to_string(), cell)
        ));
    }
    text
}

/// How the run gets its first credentials.
pub enum Oidc<'a, T, K> {
    /// A token source and the issuer's keys.
    Token(&'a T, &'a K),
    /// No OIDC in this run (static keys, existing credentials).
    None,
}

/// Says what each set of credentials is, once exported.
pub fn report(config: &Config, produced: &[Produced], rule: Option<&str>, out: &Reporter) {
    for p in produced {
        let arn = match (config.mask_account_id, p.creds.account_id()) {
            (true, Some(account)) => p.creds.assumed_role_arn.replace(account, "***"),
            _ => p.creds.assumed_role_arn.clone(),
        };
        let target = p
            .plan
            .profile
            .as_deref()
            .map_or_else(String::new, |name| format!(" as profile `{name}`"));
        let what = if p.creds.expiration.is_empty() {
            format!("exported the static keys of {arn} as they are{target}")
        } else {
            format!("assumed {arn}{target} until {}", p.creds.expiration)
        };
        out.info(&format!(
            "oidc-assume: {what} ({})",
            rule.map_or_else(
                || "no claim policy".to_string(),
                |r| format!("policy rule `{r}`")
            )
        ));
    }
}

/// The `credential_process` JSON for the step's own credentials.
pub fn credential_process_json(config: &Config, produced: &[Produced]) -> Result<String, Error> {
    check_accounts(config, produced)?;
    let main = produced.first().ok_or_else(|| Error::Setup {
        problem: "credential-process produced no credentials".into(),
        hint: "give --role-to-assume".into(),
    })?;
    if main.creds.expiration.is_empty() {
        return Err(Error::Setup {
            problem: "credential-process hands out temporary credentials only".into(),
            hint: "give --role-to-assume, so the keys are exchanged for a session".into(),
        });
    }
    Ok(profiles::credential_process_json(
        &main.creds.access_key_id,
        &main.creds.secret_access_key,
        &main.creds.session_token,
        &main.creds.expiration,
    ))
}

/// Gets every plan's credentials; `None` when existing credentials were kept.
#[allow(clippy::type_complexity)]
pub async fn produce<T: TokenSource, K: KeySource, B: Broker>(
    config: &Config,
    policy: Option<&Policy>,
    oidc: Oidc<'_, T, K>,
    broker: &B,
    context: &RunContext,
    out: &Reporter,
    now: i64,
) -> Result<Option<(Vec<Produced>, Option<String>)>, Error> {
    if config.special_characters_workaround {
        out.info("oidc-assume: special-characters-workaround does nothing here: STS secrets are exported verbatim, whatever characters they hold");
    }
    let env_keys = context.env_keys.as_ref().filter(|_| !config.unset_current);
    if config.use_existing
        && let Some(keys) = env_keys
    {
        match broker.caller_identity(keys).await {
            Ok(identity) => {
                out.info(&format!(
                    "oidc-assume: use-existing-credentials: the environment's credentials work ({}); requesting none",
                    identity.arn
                ));
                return Ok(None);
            }
            Err(e) => out.info(&format!(
                "oidc-assume: use-existing-credentials: the environment's credentials do not work ({e}); requesting new ones"
            )),
        }
    }
    let plans = Plan::all(config);
    let tags = context.session_tags(config);
    match (&config.source, oidc) {
        (Source::WebIdentity, Oidc::Token(tokens, keys)) => {
            if let Some(id) = &context.env_key_id {
                let kind = if id.starts_with("AKIA") {
                    "a long-lived IAM user key"
                } else {
                    "credentials"
                };
                out.info(&format!(
                    "oidc-assume: the environment holds {kind} ({}…); the credentials from the OIDC token replace them for later steps. Once every workflow uses OIDC, delete the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY secrets and deactivate the key",
                    id.chars().take(4).collect::<String>()
                ));
            }
            notice_chained_cap(&plans, false, out);
            let roles = plans
                .iter()
                .map(|plan| plan.web_identity_role(config))
                .collect::<Result<Vec<_>, _>>()?;
            let role_refs: Vec<&RoleArn> = roles.iter().collect();
            let mut authorized = alongside(
                broker.prewarm(),
                authorize(config, policy, &role_refs, tokens, keys, out, now),
            )
            .await?;
            let produced =
                match assume_all(config, broker, &plans, &roles, &authorized, &tags, out).await {
                    // The token expired before STS saw it (a slow queue, a skewed clock): one
                    // fresh token, verified and checked again, gets one more try.
                    Err(Error::Sts { error, .. }) if error.is_expired_token() => {
                        out.info("oidc-assume: STS says the token expired; requesting a fresh one");
                        authorized =
                            authorize(config, policy, &role_refs, tokens, keys, out, now).await?;
                        assume_all(config, broker, &plans, &roles, &authorized, &tags, out).await?
                    }
                    other => other?,
                };
            Ok(Some((produced, authorized.rule)))
        }
        (Source::WebIdentity, Oidc::None) => Err(Error::Setup {
            problem: "no OIDC token source".into(),
            hint: "this is a bug; please report it".into(),
        }),
        (source @ (Source::Keys(_) | Source::Existing), _) => {
            let signer = match source {
                Source::Keys(keys) => {
                    out.mask(keys.access_key_id.expose());
                    out.mask(keys.secret_access_key.expose());
                    if let Some(token) = &keys.session_token {
                        out.mask(token.expose());
                    }
                    out.warning(
                        "static AWS keys",
                        "this step uses aws-access-key-id/aws-secret-access-key. To switch to OIDC: give the job `permissions: id-token: write`, create the IAM OIDC provider token.actions.githubusercontent.com (audience sts.amazonaws.com), let the role trust it for your repository (run `oidc-assume trust-policy` to generate the statement), then drop the keys from `with:` and delete the secrets",
                    );
                    Signer::Keys {
                        access_key_id: keys.access_key_id.clone(),
                        secret_access_key: keys.secret_access_key.clone(),
                        session_token: keys.session_token.clone(),
                    }
                }
                _ => match (env_keys, context.ambient) {
                    (Some(keys), _) => keys.clone(),
                    (None, true) => Signer::Ambient,
                    (None, false) => {
                        return Err(Error::NoSourceCredentials {
                            problem: if config.unset_current {
                                "unset-current-credentials is on, so the environment's credentials are not used".into()
                            } else {
                                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set".into()
                            },
                        });
                    }
                },
            };
            // A session signing AssumeRole makes the new one a chained session.
            let chained_first = match source {
                Source::Keys(keys) => keys.session_token.is_some(),
                _ => true,
            };
            notice_chained_cap(&plans, chained_first, out);
            let needs_identity = plans
                .iter()
                .any(|p| !matches!(p.role, Some(RoleRef::Arn(_))));
            let identity = if needs_identity {
                Some(
                    retry::run(
                        config.retry,
                        "calling STS GetCallerIdentity",
                        out,
                        StsError::transient_reason,
                        || broker.caller_identity(&signer),
                    )
                    .await
                    .map_err(|error| Error::Sts {
                        error,
                        explanation: None,
                    })?,
                )
            } else {
                None
            };
            let session_name = context.session_name(config);
            let futures = plans.iter().map(|plan| {
                let (signer, identity, tags, session_name) =
                    (&signer, identity.as_ref(), &tags, &session_name);
                async move {
                    let creds = match (&plan.role, identity) {
                        (None, Some(identity)) => as_is(signer, identity),
                        (Some(role), identity) => {
                            let account = identity.map_or("", |i| i.account.as_str());
                            let role = role.resolve(partition_of_region(&config.region), account);
                            let duration =
                                hop_duration(plan.duration, plan.chain.is_empty(), chained_first);
                            let first = assume_role(
                                config,
                                broker,
                                &role,
                                duration,
                                signer,
                                session_name,
                                tags,
                                out,
                            )
                            .await?;
                            follow_chain(config, broker, plan, first, session_name, tags, out)
                                .await?
                        }
                        (None, None) => unreachable_plan()?,
                    };
                    Ok::<_, Error>(Produced {
                        plan: plan.clone(),
                        creds,
                    })
                }
            });
            let produced = futures_util::future::try_join_all(futures).await?;
            Ok(Some((produced, None)))
        }
    }
}

/// Runs `work` while `warm` sets up a connection. When `work` succeeds first, `warm` is let
/// finish (its connection is what comes next); when `work` fails, `warm` is dropped, so a
/// denial never waits for STS.
async fn alongside<T>(
    warm: impl Future<Output = ()>,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    use futures_util::future::{Either, select};
    let (warm, work) = (std::pin::pin!(warm), std::pin::pin!(work));
    match select(work, warm).await {
        Either::Left((Ok(value), warm)) => {
            warm.await;
            Ok(value)
        }
        Either::Left((Err(error), _)) => Err(error),
        Either::Right(((), work)) => work.await,
    }
}

/// Exchanges one token for every plan's credentials, concurrently.
async fn assume_all<B: Broker>(
    config: &Config,
    broker: &B,
    plans: &[Plan],
    roles: &[RoleArn],
    authorized: &Authorized,
    tags: &SessionTags,
    out: &Reporter,
) -> Result<Vec<Produced>, Error> {
    let futures = plans.iter().zip(roles).map(|(plan, role)| async move {
        let duration = hop_duration(plan.duration, plan.chain.is_empty(), false);
        let first = assume(config, role, duration, broker, authorized, out).await?;
        let creds = follow_chain(
            config,
            broker,
            plan,
            first,
            &authorized.session_name,
            tags,
            out,
        )
        .await?;
        Ok::<_, Error>(Produced {
            plan: plan.clone(),
            creds,
        })
    });
    futures_util::future::try_join_all(futures).await
}

/// Static keys exported as they are: no session, no expiry.
fn as_is(signer: &Signer, identity: &Identity) -> Credentials {
    let (id, secret, token) = match signer {
        Signer::Keys {
            access_key_id,
            secret_access_key,
            session_token,
        } => (
            access_key_id.clone(),
            secret_access_key.clone(),
            session_token.clone().unwrap_or_else(|| Secret::new("")),
        ),
        Signer::Ambient => (Secret::new(""), Secret::new(""), Secret::new("")),
    };
    Credentials {
        access_key_id: id,
        secret_access_key: secret,
        session_token: token,
        expiration: String::new(),
        assumed_role_arn: identity.arn.clone(),
    }
}

fn unreachable_plan() -> Result<Credentials, Error> {
    Err(Error::Setup {
        problem: "a plan without a role needs the caller identity".into(),
        hint: "this is a bug; please report it".into(),
    })
}

/// The post step: blanks what the main step exported and takes its profiles out again.
pub fn cleanup(state_json: &str, targets: &Targets, out: &Reporter) -> Result<(), Error> {
    let state: CleanupState = serde_json::from_str(state_json).map_err(|e| Error::Setup {
        problem: format!("the main step's cleanup record is unreadable: {e}"),
        hint: "nothing was cleaned up; remove the profiles by hand if the runner is reused".into(),
    })?;
    if let (Some(path), false) = (&targets.env_file, state.env.is_empty()) {
        let records: Vec<(&str, &str)> = state.env.iter().map(|n| (n.as_str(), "")).collect();
        let bytes = export::render(&records, &export::random_delimiter())?;
        export::write_files(&[(path.as_path(), &bytes)])?;
    }
    if let Some(written) = &state.profiles {
        profiles::remove_profiles(written)?;
    }
    if !state.env.is_empty() || state.profiles.is_some() {
        out.info(&format!(
            "oidc-assume: cleanup: blanked {} variable(s){}",
            state.env.len(),
            state
                .profiles
                .as_ref()
                .map_or_else(String::new, |w| format!(
                    " and removed profile(s) {} from {}",
                    w.credentials.profiles.join(", "),
                    w.credentials.path.display()
                ))
        ));
    }
    Ok(())
}
