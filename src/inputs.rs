//! Action inputs: the table of every input, and their validation into a [`Config`]. Pure: no I/O.
//!
//! One table ([`INPUTS`]) is the source of the CLI flags, the names read from `INPUT_*`
//! variables, and (checked by a test) the `inputs:` of `action.yml`, so the three cannot drift.
//! Every input is validated before any network call, and all problems are reported at once.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::aws::{
    RoleArn, RoleRef, is_access_key_id, is_account_id, is_profile_name, is_region, is_role_name,
    is_valid_external_id, is_valid_session_name, managed_policy_partition, partition_of_region,
};
use crate::env::{self, Env};
use crate::github::{DEFAULT_AUDIENCE, GITHUB_COM_ISSUER, issuer_for_server};
use crate::net::check_url;
use crate::policy::SimpleInputs;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::text::{one_line, show};

/// Default session duration in seconds (STS's own default).
pub const DEFAULT_DURATION: u32 = 3600;
/// Where the policy file is looked for when the `policy` input is empty.
pub const DEFAULT_POLICY_PATH: &str = ".github/oidc-assume.toml";
/// The role a dry run assumes when none is given.
pub const DRY_RUN_ROLE: &str = "arn:aws:iam::123456789012:role/oidc-assume-example";
/// The region a dry run uses when none is given.
pub const DRY_RUN_REGION: &str = "us-east-1";

/// One action input.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    /// Name in `action.yml` and as a CLI flag (`--NAME`).
    pub name: &'static str,
    /// What it means (used for `--help`; `action.yml` carries the same text).
    pub help: &'static str,
    /// Placeholder in `--help`.
    pub value_name: &'static str,
    /// Static default, also declared in `action.yml` (dynamic defaults are described in `help`).
    pub default: Option<&'static str>,
}

/// Every input this action understands, in `action.yml` order.
pub const INPUTS: &[InputSpec] = &[
    InputSpec {
        name: "role-to-assume",
        value_name: "ARN",
        help: "ARN of the IAM role to assume with the job's OIDC token (a bare role name works when the account is known: one allowed-account-ids, or the account of the keys used)",
        default: None,
    },
    InputSpec {
        name: "aws-region",
        value_name: "REGION",
        help: "AWS region of the STS endpoint and of the exported AWS_REGION (default: AWS_REGION, then AWS_DEFAULT_REGION)",
        default: None,
    },
    InputSpec {
        name: "audience",
        value_name: "AUD",
        help: "Audience requested for the OIDC token and checked in it",
        default: Some("sts.amazonaws.com"),
    },
    InputSpec {
        name: "role-session-name",
        value_name: "NAME",
        help: "Session name shown in CloudTrail [default: gha-RUN_ID-RUN_ATTEMPT-OWNER.REPO, from the token]",
        default: None,
    },
    InputSpec {
        name: "role-duration-seconds",
        value_name: "SECONDS",
        help: "Session duration, 900 to 43200 and at most the role's maximum",
        default: Some("3600"),
    },
    InputSpec {
        name: "inline-session-policy",
        value_name: "JSON",
        help: "IAM policy JSON that further restricts the session (at most 2048 characters once minified)",
        default: None,
    },
    InputSpec {
        name: "managed-session-policies",
        value_name: "ARNS",
        help: "Up to 10 managed policy ARNs (comma- or newline-separated) that further restrict the session",
        default: None,
    },
    InputSpec {
        name: "mask-aws-account-id",
        value_name: "BOOL",
        help: "Mask the AWS account id in logs",
        default: Some("false"),
    },
    InputSpec {
        name: "output-credentials",
        value_name: "BOOL",
        help: "Also set the credentials as step outputs (aws-access-key-id, aws-secret-access-key, aws-session-token)",
        default: Some("false"),
    },
    InputSpec {
        name: "output-env-credentials",
        value_name: "BOOL",
        help: "Export the credentials as AWS_* environment variables for later steps",
        default: Some("true"),
    },
    InputSpec {
        name: "policy",
        value_name: "PATH",
        help: "Claim policy file (TOML) [default: .github/oidc-assume.toml when it exists]",
        default: None,
    },
    InputSpec {
        name: "allowed-repositories",
        value_name: "LIST",
        help: "Simple policy: repositories (owner/name) allowed to assume the role, comma- or newline-separated",
        default: None,
    },
    InputSpec {
        name: "allowed-refs",
        value_name: "LIST",
        help: "Simple policy: refs allowed (refs/heads/main, refs/tags/v*)",
        default: None,
    },
    InputSpec {
        name: "allowed-environments",
        value_name: "LIST",
        help: "Simple policy: deployment environments allowed",
        default: None,
    },
    InputSpec {
        name: "allowed-events",
        value_name: "LIST",
        help: "Simple policy: triggering events allowed [default: push, workflow_dispatch, release, schedule]",
        default: None,
    },
    InputSpec {
        name: "trust-policy-file",
        value_name: "PATH",
        help: "The role's trust policy JSON (or `aws iam get-role` output): when STS refuses the token, the refusal names the condition that failed",
        default: None,
    },
    InputSpec {
        name: "web-identity-token-file",
        value_name: "PATH",
        help: "Read the OIDC token from this file instead of requesting one from the runner",
        default: None,
    },
    InputSpec {
        name: "issuer",
        value_name: "URL",
        help: "Expected token issuer [default: from GITHUB_SERVER_URL, else https://token.actions.githubusercontent.com]",
        default: None,
    },
    InputSpec {
        name: "sts-endpoint",
        value_name: "URL",
        help: "STS endpoint URL [default: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else the regional endpoint]",
        default: None,
    },
    InputSpec {
        name: "action-timeout-s",
        value_name: "SECONDS",
        help: "Bound on the whole run, 1 to 3600 seconds; each request then gets a third of it (at most 10 s) [default: no bound; 10 s per request]",
        default: None,
    },
    InputSpec {
        name: "retry-max-attempts",
        value_name: "N",
        help: "Attempts per request (token, keys, STS) when it fails transiently: connection errors, timeouts, 5xx, 429, throttling; refusals are never retried",
        default: Some("5"),
    },
    InputSpec {
        name: "disable-retry",
        value_name: "BOOL",
        help: "Make one attempt per request",
        default: Some("false"),
    },
    InputSpec {
        name: "role-chaining",
        value_name: "BOOL",
        help: "Assume role-to-assume with the credentials already in the environment (an earlier step's, or the runner's instance profile) instead of an OIDC token",
        default: Some("false"),
    },
    InputSpec {
        name: "chain-roles",
        value_name: "ARNS",
        help: "Roles to assume in turn after role-to-assume, each with the previous session (comma- or newline-separated); chained sessions last at most 1 hour",
        default: None,
    },
    InputSpec {
        name: "role-external-id",
        value_name: "ID",
        help: "External id sent with every AssumeRole call (chained roles, static keys, existing credentials)",
        default: None,
    },
    InputSpec {
        name: "role-skip-session-tagging",
        value_name: "BOOL",
        help: "Do not tag AssumeRole sessions with the run's GitHub context (GitHub, Repository, Workflow, Action, Actor, Commit, Branch)",
        default: Some("false"),
    },
    InputSpec {
        name: "transitive-tag-keys",
        value_name: "LIST",
        help: "Session tag keys that pass on to further chained sessions",
        default: None,
    },
    InputSpec {
        name: "custom-tags",
        value_name: "JSON",
        help: r#"More session tags for AssumeRole, as a JSON object, e.g. {"Team":"platform"}"#,
        default: None,
    },
    InputSpec {
        name: "aws-access-key-id",
        value_name: "KEY",
        help: "Static access key id (the path to migrate away from): used to AssumeRole into role-to-assume, or exported as is without a role",
        default: None,
    },
    InputSpec {
        name: "aws-secret-access-key",
        value_name: "SECRET",
        help: "Secret for aws-access-key-id",
        default: None,
    },
    InputSpec {
        name: "aws-session-token",
        value_name: "TOKEN",
        help: "Session token for aws-access-key-id, when those are temporary credentials",
        default: None,
    },
    InputSpec {
        name: "aws-profile",
        value_name: "NAME",
        help: "Write the credentials to this named profile in the shared credentials and config files (and set AWS_PROFILE) instead of AWS_* variables",
        default: None,
    },
    InputSpec {
        name: "overwrite-aws-profile",
        value_name: "BOOL",
        help: "Replace a profile of the same name that is already in the shared files",
        default: Some("false"),
    },
    InputSpec {
        name: "roles",
        value_name: "TOML",
        help: r#"Several roles in one step, each written as a named profile: lines of `PROFILE = "ROLE_ARN"` or `PROFILE = { role = "ARN", chain = ["ARN"], duration = 900, region = "eu-west-1" }`"#,
        default: None,
    },
    InputSpec {
        name: "unset-current-credentials",
        value_name: "BOOL",
        help: "Blank the AWS_* credential variables of later steps and never use credentials already in the environment",
        default: Some("false"),
    },
    InputSpec {
        name: "allowed-account-ids",
        value_name: "LIST",
        help: "Accounts the credentials may belong to; checked before anything is exported",
        default: None,
    },
    InputSpec {
        name: "use-existing-credentials",
        value_name: "BOOL",
        help: "When the environment already holds working credentials, keep them and request none",
        default: Some("false"),
    },
    InputSpec {
        name: "force-skip-oidc",
        value_name: "BOOL",
        help: "Never use an OIDC token, even when the job may request one: assume role-to-assume with static keys or the credentials in the environment",
        default: Some("false"),
    },
    InputSpec {
        name: "http-proxy",
        value_name: "URL",
        help: "Proxy for every request (token, keys, STS) [default: HTTPS_PROXY / HTTP_PROXY]",
        default: None,
    },
    InputSpec {
        name: "no-proxy",
        value_name: "LIST",
        help: "Hosts that bypass the proxy, comma-separated [default: NO_PROXY]",
        default: None,
    },
    InputSpec {
        name: "ca-bundle",
        value_name: "PATH",
        help: "Extra PEM CA certificates to trust, e.g. a TLS-intercepting proxy's [default: AWS_CA_BUNDLE]",
        default: None,
    },
    InputSpec {
        name: "cleanup",
        value_name: "BOOL",
        help: "At the end of the job, blank the exported variables and remove the profiles this step wrote",
        default: Some("true"),
    },
    InputSpec {
        name: "special-characters-workaround",
        value_name: "BOOL",
        help: "Accepted for configure-aws-credentials compatibility; does nothing (this action has no such bug)",
        default: Some("false"),
    },
    InputSpec {
        name: "insecure-skip-signature-verification",
        value_name: "BOOL",
        help: "Do not verify the token's signature (the claim policy then checks unauthenticated claims)",
        default: Some("false"),
    },
];

/// Input values given as CLI flags, by input name.
pub type Flags = BTreeMap<&'static str, String>;

/// Flag values first, then `INPUT_*` variables: the flag wins.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    flags: &'a Flags,
    env: &'a Env,
}

impl<'a> Inputs<'a> {
    /// Combines flags and environment.
    pub fn new(flags: &'a Flags, env: &'a Env) -> Self {
        Inputs { flags, env }
    }

    /// The trimmed value of an input if given and not empty, else its static default.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        debug_assert!(
            INPUTS.iter().any(|i| i.name == name),
            "unknown input {name}"
        );
        let default = INPUTS
            .iter()
            .find(|i| i.name == name)
            .and_then(|i| i.default);
        match self.flags.get(name).map(|v| v.trim()) {
            Some(v) if !v.is_empty() => Some(v),
            Some(_) => default,
            None => self.env.input(name).or(default),
        }
    }
}

/// Which command is being configured: dry run supplies defaults for what a laptop lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The real run inside a workflow.
    Action,
    /// A local run with a minted token.
    DryRun,
}

/// Static keys given as inputs.
#[derive(Debug, Clone)]
pub struct StaticKeys {
    /// `aws-access-key-id`.
    pub access_key_id: Secret,
    /// `aws-secret-access-key`.
    pub secret_access_key: Secret,
    /// `aws-session-token`.
    pub session_token: Option<Secret>,
}

/// Where the first credentials of the run come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The job's OIDC token (from the runner or `web-identity-token-file`), exchanged with
    /// `AssumeRoleWithWebIdentity`.
    WebIdentity,
    /// `aws-access-key-id` and friends: `AssumeRole` with them, or export them as they are.
    Keys(StaticKeys),
    /// Credentials already in the environment (`AWS_ACCESS_KEY_ID`…, else the ambient chain:
    /// profile files, container or instance role): `role-chaining` or `force-skip-oidc`.
    Existing,
}

/// One entry of the `roles` input: a named profile and the roles that produce it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRole {
    /// Profile name.
    pub profile: String,
    /// First role.
    pub role: RoleArn,
    /// Roles assumed in turn after it.
    pub chain: Vec<RoleArn>,
    /// Duration of the last session, when not the step's.
    pub duration: Option<u32>,
    /// Region written into the profile, when not the step's.
    pub region: Option<String>,
}

/// Session tags for `AssumeRole` calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tagging {
    /// `role-skip-session-tagging`: no GitHub context tags.
    pub skip_context: bool,
    /// `custom-tags`.
    pub custom: Vec<(String, String)>,
    /// `transitive-tag-keys`.
    pub transitive: Vec<String>,
}

/// Where the claim policy comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// A TOML file; `explicit` is false for the default path, which may be absent.
    File { path: PathBuf, explicit: bool },
    /// The `allowed-*` inputs.
    Simple(SimpleInputs),
}

/// Everything a run needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// Role to assume; `None` only when static keys are exported as they are.
    pub role: Option<RoleRef>,
    /// Where the first credentials come from.
    pub source: Source,
    /// Roles assumed in turn after `role`.
    pub chain: Vec<RoleArn>,
    /// `role-external-id`.
    pub external_id: Option<String>,
    /// Session tags for `AssumeRole`.
    pub tagging: Tagging,
    /// `aws-profile`: write the credentials to this profile instead of `AWS_*` variables.
    pub profile: Option<String>,
    /// `overwrite-aws-profile`.
    pub overwrite_profile: bool,
    /// `roles`: more roles, each written as a named profile.
    pub profiles: Vec<ProfileRole>,
    /// `unset-current-credentials`.
    pub unset_current: bool,
    /// `allowed-account-ids`: empty allows any.
    pub allowed_accounts: Vec<String>,
    /// `use-existing-credentials`.
    pub use_existing: bool,
    /// Proxy, bypass list and extra CA bundle for every request.
    pub net: crate::net::NetConfig,
    /// `cleanup`: the post step removes what this step wrote.
    pub cleanup: bool,
    /// `special-characters-workaround` was set (a notice says it does nothing).
    pub special_characters_workaround: bool,
    /// STS region.
    pub region: String,
    /// Token audience.
    pub audience: String,
    /// Explicit session name; `None` derives one from the token's claims.
    pub session_name: Option<String>,
    /// Session duration in seconds.
    pub duration: u32,
    /// Minified inline session policy.
    pub inline_policy: Option<String>,
    /// Managed session policy ARNs.
    pub managed_policies: Vec<String>,
    /// Mask the account id.
    pub mask_account_id: bool,
    /// Write credentials as step outputs.
    pub output_credentials: bool,
    /// Write credentials to `GITHUB_ENV`.
    pub output_env_credentials: bool,
    /// Claim policy source.
    pub policy: PolicySource,
    /// Token file instead of the runner's endpoint.
    pub token_file: Option<PathBuf>,
    /// The role's trust policy, simulated when STS refuses the token.
    pub trust_policy_file: Option<PathBuf>,
    /// Expected issuer, normalised (no trailing slash).
    pub issuer: String,
    /// STS endpoint override.
    pub sts_endpoint: Option<String>,
    /// Skip signature verification (loudly).
    pub skip_signature: bool,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// Bound on the whole run.
    pub action_timeout: Option<Duration>,
}

/// Longest any single request may take.
pub const MAX_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

impl Config {
    /// Per-request timeout: 10 s, or a third of `action-timeout-s` when that is shorter, so a
    /// hung request leaves time for retries within the bound.
    pub fn request_timeout(&self) -> Duration {
        self.action_timeout.map_or(MAX_REQUEST_TIMEOUT, |t| {
            (t / 3).clamp(Duration::from_secs(1), MAX_REQUEST_TIMEOUT)
        })
    }
}

/// One invalid input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The input's name (`role-to-assume`) or variable (`AWS_REGION`).
    pub input: String,
    /// What is wrong, with the offending value shown escaped.
    pub problem: String,
    /// How to fix it.
    pub hint: String,
}

/// All invalid inputs of a run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_errors(.0))]
pub struct InputErrors(pub Vec<InputError>);

fn render_errors(errors: &[InputError]) -> String {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("input `{}`: {}", e.input, e.problem))
        .collect();
    lines.join("\n")
}

/// Splits a list input on commas and newlines, trimming and dropping empty items.
pub fn split_list(value: &str) -> Vec<String> {
    value
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Parses the `roles` input: TOML with one key per profile, whose value is a role ARN or a
/// table `{ role, chain, duration, region }`. Strict: unknown keys are errors.
pub fn parse_roles(text: &str) -> Result<Vec<ProfileRole>, String> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Entry {
        Arn(String),
        Table(Table),
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Table {
        role: String,
        #[serde(default)]
        chain: Chain,
        duration: Option<u32>,
        region: Option<String>,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(untagged)]
    enum Chain {
        #[default]
        None,
        One(String),
        Many(Vec<String>),
    }
    let table: toml::Table = toml::from_str(text)
        .map_err(|e| format!("is not valid TOML: {}", one_line(&e.to_string())))?;
    if table.is_empty() {
        return Err("names no profile".into());
    }
    let mut out = Vec::new();
    for (profile, value) in table {
        let at = |problem: String| format!("profile `{profile}`: {problem}");
        if !is_profile_name(&profile) {
            return Err(format!(
                "{} is not a usable profile name (1 to 64 of A-Z a-z 0-9 ._@+-)",
                show(&profile)
            ));
        }
        let entry: Entry = value.try_into().map_err(|e: toml::de::Error| {
            at(format!(
                "expected a role ARN string or a table with `role` and optional `chain`, `duration`, `region` ({})",
                one_line(&e.to_string())
            ))
        })?;
        let table = match entry {
            Entry::Arn(role) => Table {
                role,
                chain: Chain::None,
                duration: None,
                region: None,
            },
            Entry::Table(table) => table,
        };
        let arn = |v: &str| RoleArn::parse(v).map_err(|e| at(format!("{}; {}", e.problem, e.hint)));
        let chain = match table.chain {
            Chain::None => Vec::new(),
            Chain::One(one) => vec![arn(&one)?],
            Chain::Many(many) => many.iter().map(|v| arn(v)).collect::<Result<_, _>>()?,
        };
        if let Some(d) = table.duration
            && !(900..=43200).contains(&d)
        {
            return Err(at(format!("duration {d} is not from 900 to 43200 seconds")));
        }
        if let Some(r) = &table.region
            && !is_region(r)
        {
            return Err(at(format!("{} is not an AWS region", show(r))));
        }
        let role = arn(&table.role)?;
        out.push(ProfileRole {
            profile,
            role,
            chain,
            duration: table.duration,
            region: table.region,
        });
    }
    Ok(out)
}

struct Checker<'a> {
    inputs: Inputs<'a>,
    errors: Vec<InputError>,
}

impl Checker<'_> {
    fn fail(&mut self, input: &str, problem: impl Into<String>, hint: impl Into<String>) {
        self.errors.push(InputError {
            input: input.to_string(),
            problem: problem.into(),
            hint: hint.into(),
        });
    }

    fn bool(&mut self, name: &str, default: bool) -> bool {
        match self.inputs.get(name) {
            None => default,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(v) => {
                self.fail(
                    name,
                    format!("{} is not a boolean", show(v)),
                    "write `true` or `false`",
                );
                default
            }
        }
    }

    /// A whole decimal number within `range` (no sign, no unit, no exponent). `None` when the
    /// input is unset or invalid; an invalid value is recorded as an error.
    fn whole_number(
        &mut self,
        name: &str,
        range: std::ops::RangeInclusive<u64>,
        hint: &str,
    ) -> Option<u64> {
        let value = self.inputs.get(name)?;
        match value.parse::<u64>() {
            Ok(n) if range.contains(&n) && value.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => {
                self.fail(
                    name,
                    format!(
                        "{} is not a whole number from {} to {}",
                        show(value),
                        range.start(),
                        range.end()
                    ),
                    hint,
                );
                None
            }
        }
    }

    /// A list of role ARNs.
    fn role_list(&mut self, name: &str) -> Vec<RoleArn> {
        let mut roles = Vec::new();
        for value in self.inputs.get(name).map(split_list).unwrap_or_default() {
            match RoleArn::parse(&value) {
                Ok(role) => roles.push(role),
                Err(e) => self.fail(name, e.problem, e.hint),
            }
        }
        roles
    }

    /// `custom-tags`: a JSON object of string (or number/bool) values, within STS's limits.
    fn custom_tags(&mut self) -> Vec<(String, String)> {
        let Some(text) = self.inputs.get("custom-tags") else {
            return Vec::new();
        };
        let hint = r#"give a JSON object of tag keys and values, e.g. {"Team":"platform","CostCenter":"42"}"#;
        let object = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(object)) => object,
            Ok(_) => {
                self.fail("custom-tags", "is JSON but not an object", hint);
                return Vec::new();
            }
            Err(e) => {
                self.fail("custom-tags", format!("is not valid JSON: {e}"), hint);
                return Vec::new();
            }
        };
        let mut tags = Vec::new();
        for (key, value) in object {
            let value = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                other => {
                    self.fail(
                        "custom-tags",
                        format!(
                            "tag {} has a value that is not a string: {other}",
                            show(&key)
                        ),
                        hint,
                    );
                    continue;
                }
            };
            if !crate::tags::is_valid_key(&key) || !crate::tags::is_valid_value(&value) {
                self.fail(
                    "custom-tags",
                    format!(
                        "tag {} = {} is not a valid session tag",
                        show(&key),
                        show(&value)
                    ),
                    "keys: 1 to 128, values: up to 256 of letters, digits, spaces and _.:/=+-@",
                );
                continue;
            }
            tags.push((key, value));
        }
        if tags.len() > 50 {
            self.fail(
                "custom-tags",
                format!("has {} tags; STS accepts at most 50", tags.len()),
                "drop some tags",
            );
        }
        tags
    }

    fn url(&mut self, name: &str, value: &str) -> Option<String> {
        match check_url(value) {
            Ok(url) => Some(url.as_str().trim_end_matches('/').to_string()),
            Err(problem) => {
                self.fail(
                    name,
                    problem,
                    "give an https:// URL (plain http:// is allowed only for 127.0.0.1, ::1 or localhost)",
                );
                None
            }
        }
    }
}

impl Config {
    /// Validates every input. `env` supplies fallbacks (`AWS_REGION`, `GITHUB_SERVER_URL`, …).
    pub fn from_inputs(inputs: Inputs<'_>, env: &Env, mode: Mode) -> Result<Config, InputErrors> {
        let mut c = Checker {
            inputs,
            errors: Vec::new(),
        };

        let allowed_accounts = inputs
            .get("allowed-account-ids")
            .map(split_list)
            .unwrap_or_default();
        for account in &allowed_accounts {
            if !is_account_id(account) {
                c.fail(
                    "allowed-account-ids",
                    format!("{} is not a 12-digit account id", show(account)),
                    "list account ids such as `123456789012`, separated by commas or newlines",
                );
            }
        }

        let keys = match (
            inputs.get("aws-access-key-id"),
            inputs.get("aws-secret-access-key"),
        ) {
            (Some(id), Some(secret)) => {
                if !is_access_key_id(id) {
                    c.fail(
                        "aws-access-key-id",
                        "is not an access key id (16 to 128 capital letters and digits)",
                        "give the key id of an IAM user or of temporary credentials, e.g. from a secret",
                    );
                }
                Some(StaticKeys {
                    access_key_id: Secret::new(id),
                    secret_access_key: Secret::new(secret),
                    session_token: inputs.get("aws-session-token").map(Secret::new),
                })
            }
            (Some(_), None) => {
                c.fail(
                    "aws-access-key-id",
                    "is given without `aws-secret-access-key`",
                    "give both halves of the key pair, or neither",
                );
                None
            }
            (None, Some(_)) => {
                c.fail(
                    "aws-secret-access-key",
                    "is given without `aws-access-key-id`",
                    "give both halves of the key pair, or neither",
                );
                None
            }
            (None, None) => {
                if inputs.get("aws-session-token").is_some() {
                    c.fail(
                        "aws-session-token",
                        "is given without `aws-access-key-id` and `aws-secret-access-key`",
                        "a session token belongs to a key pair: give all three, or none",
                    );
                }
                None
            }
        };
        let role_chaining = c.bool("role-chaining", false);
        let force_skip_oidc = c.bool("force-skip-oidc", false);
        let source = match (mode, keys) {
            (Mode::DryRun, _) => Source::WebIdentity,
            (Mode::Action, Some(keys)) => Source::Keys(keys),
            (Mode::Action, None) if role_chaining || force_skip_oidc => Source::Existing,
            (Mode::Action, None) => Source::WebIdentity,
        };

        let role = match (inputs.get("role-to-assume"), mode) {
            (Some(v), _) if !v.starts_with("arn:") && is_role_name(v) => {
                match (&source, allowed_accounts.as_slice()) {
                    // The one account the credentials may belong to names the role's account.
                    (_, [account]) if is_account_id(account) => Some(RoleRef::Name(v.to_string())),
                    (Source::Keys(_) | Source::Existing, _) => Some(RoleRef::Name(v.to_string())),
                    (Source::WebIdentity, _) => {
                        c.fail(
                            "role-to-assume",
                            format!("{} is a bare role name, and an OIDC token does not tell which account it is in", show(v)),
                            "give the role's full ARN (arn:aws:iam::ACCOUNT:role/NAME), or exactly one `allowed-account-ids`",
                        );
                        None
                    }
                }
            }
            (Some(v), _) => match RoleArn::parse(v) {
                Ok(role) => Some(RoleRef::Arn(role)),
                Err(e) => {
                    c.fail("role-to-assume", e.problem, e.hint);
                    None
                }
            },
            (None, Mode::DryRun) => RoleArn::parse(DRY_RUN_ROLE).ok().map(RoleRef::Arn),
            (None, Mode::Action) => {
                let needed = match &source {
                    Source::Keys(_) => false,
                    // `roles` alone is a complete request.
                    Source::WebIdentity | Source::Existing => inputs.get("roles").is_none(),
                };
                if needed {
                    c.fail(
                        "role-to-assume",
                        "is required",
                        "add `role-to-assume: arn:aws:iam::ACCOUNT:role/NAME` under `with:`",
                    );
                }
                None
            }
        };

        let region_source = inputs
            .get("aws-region")
            .map(|v| ("aws-region", v))
            .or_else(|| env.get(env::AWS_REGION).map(|v| (env::AWS_REGION, v)))
            .or_else(|| {
                env.get(env::AWS_DEFAULT_REGION)
                    .map(|v| (env::AWS_DEFAULT_REGION, v))
            });
        let region = match (region_source, mode) {
            (Some((source, v)), _) => {
                if is_region(v) {
                    Some(v.to_string())
                } else {
                    c.fail(
                        source,
                        format!("{} is not an AWS region", show(v)),
                        "write a region code such as `us-east-1` or `eu-central-1`",
                    );
                    None
                }
            }
            (None, Mode::DryRun) => Some(DRY_RUN_REGION.to_string()),
            (None, Mode::Action) => {
                c.fail(
                    "aws-region",
                    "is required (and neither AWS_REGION nor AWS_DEFAULT_REGION is set)",
                    "add `aws-region: us-east-1` (your region) under `with:`",
                );
                None
            }
        };
        if let (Some(RoleRef::Arn(role)), Some(region)) = (&role, &region) {
            let expected = partition_of_region(region);
            if role.partition != expected {
                c.fail(
                    "role-to-assume",
                    format!(
                        "the role is in partition `{}` but region `{region}` is in partition `{expected}`",
                        role.partition
                    ),
                    "STS in one partition cannot assume roles of another: fix the region or the ARN",
                );
            }
        }

        let audience = inputs
            .get("audience")
            .unwrap_or(DEFAULT_AUDIENCE)
            .to_string();
        if audience.len() > 255
            || audience
                .chars()
                .any(|ch| ch.is_whitespace() || ch.is_control())
        {
            c.fail(
                "audience",
                format!("{} is not a valid audience", show(&audience)),
                "use the audience of your IAM OIDC provider, normally `sts.amazonaws.com`",
            );
        }

        let session_name = inputs.get("role-session-name").map(str::to_string);
        if let Some(name) = &session_name
            && !is_valid_session_name(name)
        {
            c.fail(
                "role-session-name",
                format!("{} is not a valid session name", show(name)),
                "use 2 to 64 characters of A-Z a-z 0-9 and _+=,.@-",
            );
        }

        let duration = c
            .whole_number(
                "role-duration-seconds",
                900..=43200,
                "give seconds, e.g. `3600`; it must also be at most the role's maximum session duration",
            )
            .map_or(DEFAULT_DURATION, |d| d as u32);

        let inline_policy = inputs.get("inline-session-policy").and_then(|v| {
            let minified = serde_json::from_str::<serde_json::Value>(v)
                .map_err(|e| format!("is not valid JSON: {e}"))
                .and_then(|json| {
                    if json.is_object() {
                        Ok(json.to_string())
                    } else {
                        Err("is JSON but not an object".to_string())
                    }
                })
                .and_then(|s| {
                    if s.chars().count() > 2048 {
                        Err(format!(
                            "is {} characters once minified; STS accepts at most 2048",
                            s.chars().count()
                        ))
                    } else if s.chars().any(|ch| (ch as u32) > 0xff || (ch.is_control() && ch != '\t')) {
                        Err("contains characters STS does not accept (only U+0020–U+00FF and tab)".to_string())
                    } else {
                        Ok(s)
                    }
                });
            match minified {
                Ok(s) => Some(s),
                Err(problem) => {
                    c.fail(
                        "inline-session-policy",
                        problem,
                        r#"give an IAM policy document, e.g. {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
                    );
                    None
                }
            }
        });

        let managed_policies = inputs
            .get("managed-session-policies")
            .map(split_list)
            .unwrap_or_default();
        for arn in &managed_policies {
            match managed_policy_partition(arn) {
                Some(partition)
                    if region
                        .as_deref()
                        .is_none_or(|r| partition_of_region(r) == partition) => {}
                Some(partition) => c.fail(
                    "managed-session-policies",
                    format!("{} is in partition `{partition}`, the region is not", show(arn)),
                    "use policies of the region's partition",
                ),
                None => c.fail(
                    "managed-session-policies",
                    format!("{} is not a managed policy ARN", show(arn)),
                    "give ARNs such as `arn:aws:iam::aws:policy/ReadOnlyAccess`, separated by commas or newlines",
                ),
            }
        }
        if managed_policies.len() > 10 {
            c.fail(
                "managed-session-policies",
                format!(
                    "lists {} policies; STS accepts at most 10",
                    managed_policies.len()
                ),
                "combine policies or use `inline-session-policy`",
            );
        }

        let mask_account_id = c.bool("mask-aws-account-id", false);
        let output_credentials = c.bool("output-credentials", false);
        let output_env_credentials = c.bool("output-env-credentials", true);
        let skip_signature = c.bool("insecure-skip-signature-verification", false);
        let max_attempts = c
            .whole_number(
                "retry-max-attempts",
                1..=20,
                "give the number of attempts per request, e.g. `5` (1 disables retries)",
            )
            .map_or(crate::retry::DEFAULT_MAX_ATTEMPTS, |n| n as u32);
        let action_timeout = c
            .whole_number(
                "action-timeout-s",
                1..=3600,
                "give the most seconds the whole run may take, e.g. `60`",
            )
            .map(Duration::from_secs);
        let retry = if c.bool("disable-retry", false) {
            RetryPolicy::default().with_max_attempts(1)
        } else {
            RetryPolicy::default().with_max_attempts(max_attempts)
        };

        let simple = SimpleInputs {
            repositories: inputs
                .get("allowed-repositories")
                .map(split_list)
                .unwrap_or_default(),
            refs: inputs
                .get("allowed-refs")
                .map(split_list)
                .unwrap_or_default(),
            environments: inputs
                .get("allowed-environments")
                .map(split_list)
                .unwrap_or_default(),
            events: inputs
                .get("allowed-events")
                .map(split_list)
                .unwrap_or_default(),
        };
        let has_simple = !(simple.repositories.is_empty()
            && simple.refs.is_empty()
            && simple.environments.is_empty()
            && simple.events.is_empty());
        let policy = match (inputs.get("policy"), has_simple) {
            (Some(_), true) => {
                c.fail(
                    "policy",
                    "is given together with `allowed-*` inputs",
                    "use either a policy file or the `allowed-*` inputs, not both (a file can say everything the inputs can)",
                );
                PolicySource::Simple(simple)
            }
            (Some(path), false) => PolicySource::File {
                path: PathBuf::from(path),
                explicit: true,
            },
            (None, true) => PolicySource::Simple(simple),
            (None, false) => PolicySource::File {
                path: PathBuf::from(DEFAULT_POLICY_PATH),
                explicit: false,
            },
        };

        let token_file = inputs.get("web-identity-token-file").map(PathBuf::from);
        let trust_policy_file = inputs.get("trust-policy-file").map(PathBuf::from);

        let issuer = match inputs.get("issuer") {
            Some(v) => c.url("issuer", v),
            None => match env.get(env::GITHUB_SERVER_URL) {
                Some(server) => c.url(env::GITHUB_SERVER_URL, &issuer_for_server(server)),
                None => Some(GITHUB_COM_ISSUER.to_string()),
            },
        };

        let sts_endpoint = match (inputs.get("sts-endpoint"), mode) {
            (Some(v), _) => c.url("sts-endpoint", v),
            // A dry run's minted token goes only where the user explicitly sends it.
            (None, Mode::DryRun) => None,
            (None, Mode::Action) => [env::AWS_ENDPOINT_URL_STS, env::AWS_ENDPOINT_URL]
                .into_iter()
                .find_map(|name| env.get(name).map(|v| (name, v)))
                .and_then(|(name, v)| c.url(name, v)),
        };

        let chain = c.role_list("chain-roles");
        let external_id = inputs.get("role-external-id").map(str::to_string);
        if let Some(id) = &external_id
            && !is_valid_external_id(id)
        {
            c.fail(
                "role-external-id",
                format!("{} is not a valid external id", show(id)),
                "use 2 to 1224 characters of A-Z a-z 0-9 and +=,.@:/-",
            );
        }
        let tagging = Tagging {
            skip_context: c.bool("role-skip-session-tagging", false),
            custom: c.custom_tags(),
            transitive: inputs
                .get("transitive-tag-keys")
                .map(split_list)
                .unwrap_or_default(),
        };
        for key in &tagging.transitive {
            if !crate::tags::is_valid_key(key) {
                c.fail(
                    "transitive-tag-keys",
                    format!("{} is not a valid session tag key", show(key)),
                    "list tag keys of 1 to 128 letters, digits, spaces and _.:/=+-@",
                );
            }
        }
        let profile = inputs.get("aws-profile").map(str::to_string);
        if let Some(name) = &profile
            && !is_profile_name(name)
        {
            c.fail(
                "aws-profile",
                format!("{} is not a usable profile name", show(name)),
                "use 1 to 64 of A-Z a-z 0-9 and ._@+- (not starting with -)",
            );
        }
        let overwrite_profile = c.bool("overwrite-aws-profile", false);
        let profiles = match inputs.get("roles") {
            Some(text) => match parse_roles(text) {
                Ok(profiles) => profiles,
                Err(problem) => {
                    c.fail("roles", problem, r#"write one profile per line: `deploy = "arn:aws:iam::111111111111:role/deploy"` or `audit = { role = "ARN", chain = ["ARN"], duration = 900, region = "eu-west-1" }`"#);
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        if let Some(name) = &profile
            && profiles.iter().any(|p| &p.profile == name)
        {
            c.fail(
                "roles",
                format!("names profile `{name}`, which `aws-profile` also names"),
                "give each profile one role",
            );
        }
        let unset_current = c.bool("unset-current-credentials", false);
        let use_existing = c.bool("use-existing-credentials", false);
        let net = crate::net::NetConfig::new(
            inputs.get("http-proxy"),
            inputs.get("no-proxy"),
            inputs.get("ca-bundle"),
            env,
        );
        for (name, value) in [
            ("http-proxy", inputs.get("http-proxy")),
            ("ca-bundle", inputs.get("ca-bundle")),
        ] {
            if value.is_some()
                && let Err(e) = net.check()
            {
                c.fail(name, e.to_string(), e.hint());
                break;
            }
        }
        if let Some(list) = inputs.get("no-proxy")
            && !list.split(',').map(str::trim).all(|entry| {
                entry
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-_*:/[]".contains(&b))
            })
        {
            c.fail(
                "no-proxy",
                format!("{} is not a list of hosts", show(list)),
                "give host names, domains (.example.com), IP addresses or *, separated by commas",
            );
        }
        let cleanup = c.bool("cleanup", true);
        let special_characters_workaround = c.bool("special-characters-workaround", false);
        match (c.errors.is_empty(), region, issuer) {
            (true, Some(region), Some(issuer)) => Ok(Config {
                role,
                source,
                chain,
                external_id,
                tagging,
                profile,
                overwrite_profile,
                profiles,
                unset_current,
                allowed_accounts,
                use_existing,
                net,
                cleanup,
                special_characters_workaround,
                region,
                audience,
                session_name,
                duration,
                inline_policy,
                managed_policies,
                mask_account_id,
                output_credentials,
                output_env_credentials,
                policy,
                token_file,
                trust_policy_file,
                issuer,
                sts_endpoint,
                skip_signature,
                retry,
                action_timeout,
            }),
            _ => Err(InputErrors(c.errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)], mode: Mode) -> Result<Config, InputErrors> {
        let env = Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let flags = Flags::new();
        Config::from_inputs(Inputs::new(&flags, &env), &env, mode)
    }

    const ROLE: (&str, &str) = (
        "INPUT_ROLE-TO-ASSUME",
        "arn:aws:iam::123456789012:role/deploy",
    );
    const REGION: (&str, &str) = ("INPUT_AWS-REGION", "eu-central-1");

    fn one_error(pairs: &[(&str, &str)]) -> InputError {
        let mut all = vec![ROLE, REGION];
        all.extend_from_slice(pairs);
        let errors = config(&all, Mode::Action).unwrap_err().0;
        assert_eq!(errors.len(), 1, "{errors:#?}");
        errors.into_iter().next().unwrap()
    }

    #[test]
    fn defaults() {
        let c = config(&[ROLE, REGION], Mode::Action).unwrap();
        assert_eq!(c.audience, "sts.amazonaws.com");
        assert_eq!(c.duration, 3600);
        assert_eq!(c.issuer, GITHUB_COM_ISSUER);
        assert!(c.output_env_credentials && !c.output_credentials && !c.mask_account_id);
        assert_eq!(
            c.policy,
            PolicySource::File {
                path: DEFAULT_POLICY_PATH.into(),
                explicit: false
            }
        );
        assert!(matches!(&c.role, Some(RoleRef::Arn(r)) if r.account == "123456789012"));
        assert!(matches!(c.source, Source::WebIdentity));
        assert_eq!(c.sts_endpoint, None);
    }

    #[test]
    fn names_and_numbers_in_arns_are_ascii_only() {
        for policy in [
            "arn:aws:iam::aws:policy/Re\u{e4}dOnly",
            "arn:aws:iam::\u{661}23456789012:policy/p",
        ] {
            let e = one_error(&[("INPUT_MANAGED-SESSION-POLICIES", policy)]);
            assert_eq!(e.input, "managed-session-policies", "{policy}");
        }
        assert!(RoleArn::parse("arn:aws:iam::\u{661}\u{662}3456789012:role/x").is_err());
        assert!(RoleArn::parse("arn:aws:iam::123456789012:role/caf\u{e9}").is_err());
        let c = config(
            &[ROLE, REGION, ("INPUT_MANAGED-SESSION-POLICIES", "arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::123456789012:policy/team/ci-boundary")],
            Mode::Action,
        )
        .unwrap();
        assert_eq!(c.managed_policies.len(), 2);
    }

    #[test]
    fn the_source_follows_the_inputs() {
        let keys = [
            ("INPUT_AWS-ACCESS-KEY-ID", "AKIAIOSFODNN7EXAMPLE"),
            ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
        ];
        let c = config(&[ROLE, REGION, keys[0], keys[1]], Mode::Action).unwrap();
        assert!(matches!(c.source, Source::Keys(_)));
        // Keys alone: exported as they are, no role needed.
        let c = config(&[REGION, keys[0], keys[1]], Mode::Action).unwrap();
        assert!(c.role.is_none());
        for flag in ["INPUT_ROLE-CHAINING", "INPUT_FORCE-SKIP-OIDC"] {
            let c = config(&[ROLE, REGION, (flag, "true")], Mode::Action).unwrap();
            assert!(matches!(c.source, Source::Existing), "{flag}");
        }
        // A dry run always mints a token, whatever keys say.
        let c = config(&[keys[0], keys[1]], Mode::DryRun).unwrap();
        assert!(matches!(c.source, Source::WebIdentity));
    }

    #[test]
    fn bare_role_names_need_a_known_account() {
        let name = ("INPUT_ROLE-TO-ASSUME", "deploy");
        let e = config(&[name, REGION], Mode::Action).unwrap_err().0;
        assert_eq!(e[0].input, "role-to-assume");
        assert!(e[0].problem.contains("bare role name"), "{}", e[0].problem);
        let c = config(
            &[name, REGION, ("INPUT_ALLOWED-ACCOUNT-IDS", "210987654321")],
            Mode::Action,
        )
        .unwrap();
        let role = c.role.unwrap().resolve("aws", "210987654321");
        assert_eq!(role.arn, "arn:aws:iam::210987654321:role/deploy");
        let c = config(
            &[name, REGION, ("INPUT_ROLE-CHAINING", "true")],
            Mode::Action,
        )
        .unwrap();
        assert_eq!(c.role, Some(RoleRef::Name("deploy".into())));
    }

    #[test]
    fn roles_input_is_strict_toml() {
        let ok = parse_roles(
            "deploy = \"arn:aws:iam::111111111111:role/deploy\"\n\
             audit = { role = \"arn:aws:iam::222222222222:role/a\", chain = \"arn:aws:iam::333333333333:role/r\", duration = 900, region = \"us-west-2\" }\n\
             many = { role = \"arn:aws:iam::222222222222:role/a\", chain = [\"arn:aws:iam::333333333333:role/r\", \"arn:aws:iam::444444444444:role/s\"] }",
        )
        .unwrap();
        assert_eq!(ok.len(), 3);
        assert_eq!(ok[0].profile, "deploy");
        assert_eq!(ok[1].chain.len(), 1);
        assert_eq!(ok[1].duration, Some(900));
        assert_eq!(ok[1].region.as_deref(), Some("us-west-2"));
        assert_eq!(ok[2].chain.len(), 2);
        for (text, needle) in [
            ("", "names no profile"),
            ("deploy = ", "not valid TOML"),
            ("deploy = 42", "expected a role ARN"),
            (
                "deploy = { role = \"arn:aws:iam::111111111111:role/d\", colour = 1 }",
                "expected a role ARN",
            ),
            ("deploy = \"arn:aws:iam::1:role/d\"", "profile `deploy`"),
            (
                "deploy = { role = \"arn:aws:iam::111111111111:role/d\", duration = 60 }",
                "not from 900",
            ),
            (
                "deploy = { role = \"arn:aws:iam::111111111111:role/d\", region = \"mars-1\" }",
                "not an AWS region",
            ),
            (
                "\"a b\" = \"arn:aws:iam::111111111111:role/d\"",
                "not a usable profile name",
            ),
        ] {
            let error = parse_roles(text).unwrap_err();
            assert!(error.contains(needle), "{text:?}: {error}");
        }
    }

    #[test]
    fn custom_tags_and_transitive_keys_are_checked() {
        let c = config(
            &[
                ROLE,
                REGION,
                (
                    "INPUT_CUSTOM-TAGS",
                    r#"{"Team":"platform","Cost":42,"Live":true}"#,
                ),
            ],
            Mode::Action,
        )
        .unwrap();
        assert_eq!(
            c.tagging.custom,
            // Sorted by key: the order of tags means nothing to STS.
            [
                ("Cost".to_string(), "42".to_string()),
                ("Live".to_string(), "true".to_string()),
                ("Team".to_string(), "platform".to_string())
            ]
        );
        let fifty_one: serde_json::Map<String, serde_json::Value> = (0..51)
            .map(|i| (format!("k{i}"), serde_json::Value::from("v")))
            .collect();
        let text = serde_json::Value::Object(fifty_one).to_string();
        assert!(
            one_error(&[("INPUT_CUSTOM-TAGS", &text)])
                .problem
                .contains("at most 50")
        );
    }

    #[test]
    fn flag_wins_over_env() {
        let env = Env::from_pairs([ROLE, REGION]);
        let mut flags = Flags::new();
        flags.insert("aws-region", "us-west-2".into());
        let c = Config::from_inputs(Inputs::new(&flags, &env), &env, Mode::Action).unwrap();
        assert_eq!(c.region, "us-west-2");
    }

    #[test]
    fn region_falls_back_to_aws_env() {
        let c = config(
            &[ROLE, ("AWS_DEFAULT_REGION", "ap-southeast-2")],
            Mode::Action,
        )
        .unwrap();
        assert_eq!(c.region, "ap-southeast-2");
        let c = config(
            &[
                ROLE,
                ("AWS_REGION", "eu-west-1"),
                ("AWS_DEFAULT_REGION", "ap-southeast-2"),
            ],
            Mode::Action,
        )
        .unwrap();
        assert_eq!(c.region, "eu-west-1");
    }

    #[test]
    fn required_inputs_are_all_reported_at_once() {
        let errors = config(&[], Mode::Action).unwrap_err().0;
        let names: Vec<&str> = errors.iter().map(|e| e.input.as_str()).collect();
        assert_eq!(names, ["role-to-assume", "aws-region"]);
    }

    #[test]
    fn dry_run_supplies_role_and_region() {
        let c = config(&[], Mode::DryRun).unwrap();
        assert!(matches!(&c.role, Some(RoleRef::Arn(r)) if r.arn == DRY_RUN_ROLE));
        assert_eq!(c.region, DRY_RUN_REGION);
    }

    #[test]
    fn partition_must_match_region() {
        let e = one_error(&[("INPUT_AWS-REGION", "cn-north-1")]);
        assert_eq!(e.input, "role-to-assume");
        assert!(e.problem.contains("`aws-cn`"), "{}", e.problem);
        let env = [
            (
                "INPUT_ROLE-TO-ASSUME",
                "arn:aws-us-gov:iam::123456789012:role/x",
            ),
            ("INPUT_AWS-REGION", "us-gov-west-1"),
        ];
        assert!(config(&env, Mode::Action).is_ok());
    }

    #[test]
    fn invalid_inputs_name_the_input() {
        let cases: &[(&str, &str, &str)] = &[
            ("INPUT_AWS-REGION", "us-east-1\nX=1", "aws-region"),
            ("INPUT_AWS-REGION", "US-EAST-1", "aws-region"),
            (
                "INPUT_ROLE-DURATION-SECONDS",
                "899",
                "role-duration-seconds",
            ),
            (
                "INPUT_ROLE-DURATION-SECONDS",
                "43201",
                "role-duration-seconds",
            ),
            ("INPUT_ROLE-DURATION-SECONDS", "1h", "role-duration-seconds"),
            (
                "INPUT_ROLE-DURATION-SECONDS",
                "+3600",
                "role-duration-seconds",
            ),
            ("INPUT_ROLE-SESSION-NAME", "a", "role-session-name"),
            ("INPUT_ROLE-SESSION-NAME", "has space", "role-session-name"),
            ("INPUT_ROLE-SESSION-NAME", "ünicode", "role-session-name"),
            ("INPUT_MASK-AWS-ACCOUNT-ID", "yes", "mask-aws-account-id"),
            ("INPUT_OUTPUT-CREDENTIALS", "1", "output-credentials"),
            (
                "INPUT_INLINE-SESSION-POLICY",
                "{not json",
                "inline-session-policy",
            ),
            (
                "INPUT_INLINE-SESSION-POLICY",
                "[1,2]",
                "inline-session-policy",
            ),
            (
                "INPUT_MANAGED-SESSION-POLICIES",
                "arn:aws:iam::aws:role/x",
                "managed-session-policies",
            ),
            ("INPUT_AUDIENCE", "sts.amazonaws.com extra", "audience"),
            ("INPUT_ISSUER", "http://token.example.com", "issuer"),
            ("INPUT_ISSUER", "ftp://x", "issuer"),
            ("INPUT_STS-ENDPOINT", "http://10.0.0.1:4566", "sts-endpoint"),
            ("AWS_ENDPOINT_URL_STS", "not a url", "AWS_ENDPOINT_URL_STS"),
            ("INPUT_POLICY", "p.toml", "policy"),
            ("INPUT_RETRY-MAX-ATTEMPTS", "0", "retry-max-attempts"),
            ("INPUT_RETRY-MAX-ATTEMPTS", "21", "retry-max-attempts"),
            ("INPUT_RETRY-MAX-ATTEMPTS", "three", "retry-max-attempts"),
            ("INPUT_DISABLE-RETRY", "no", "disable-retry"),
            ("INPUT_ACTION-TIMEOUT-S", "0", "action-timeout-s"),
            ("INPUT_ACTION-TIMEOUT-S", "1.5", "action-timeout-s"),
        ];
        for (var, value, input) in cases {
            let mut pairs = vec![(*var, *value)];
            if *input == "policy" {
                pairs.push(("INPUT_ALLOWED-REFS", "refs/heads/main"));
            }
            let e = one_error(&pairs);
            assert_eq!(e.input, *input, "{var}={value:?}");
            assert!(!e.hint.is_empty());
            assert!(
                !e.problem.contains('\n'),
                "problem must be one line: {}",
                e.problem
            );
        }
    }

    #[test]
    fn timeouts() {
        let c = config(&[ROLE, REGION], Mode::Action).unwrap();
        assert_eq!(
            (c.action_timeout, c.request_timeout()),
            (None, MAX_REQUEST_TIMEOUT)
        );
        let secs = |v: &str| {
            config(&[ROLE, REGION, ("INPUT_ACTION-TIMEOUT-S", v)], Mode::Action)
                .unwrap()
                .request_timeout()
                .as_secs()
        };
        assert_eq!([secs("1"), secs("6"), secs("60")], [1, 2, 10]);
    }

    #[test]
    fn retry_inputs() {
        assert_eq!(
            config(&[ROLE, REGION], Mode::Action)
                .unwrap()
                .retry
                .max_attempts,
            5
        );
        let c = config(
            &[ROLE, REGION, ("INPUT_RETRY-MAX-ATTEMPTS", "12")],
            Mode::Action,
        )
        .unwrap();
        assert_eq!(c.retry.max_attempts, 12);
        let c = config(
            &[
                ROLE,
                REGION,
                ("INPUT_RETRY-MAX-ATTEMPTS", "12"),
                ("INPUT_DISABLE-RETRY", "true"),
            ],
            Mode::Action,
        )
        .unwrap();
        assert_eq!(c.retry.max_attempts, 1);
    }

    #[test]
    fn booleans_accept_any_case() {
        let c = config(
            &[
                ROLE,
                REGION,
                ("INPUT_MASK-AWS-ACCOUNT-ID", "TRUE"),
                ("INPUT_OUTPUT-ENV-CREDENTIALS", "False"),
            ],
            Mode::Action,
        )
        .unwrap();
        assert!(c.mask_account_id);
        assert!(!c.output_env_credentials);
    }

    #[test]
    fn session_policy_is_minified_and_bounded() {
        let c = config(
            &[
                ROLE,
                REGION,
                (
                    "INPUT_INLINE-SESSION-POLICY",
                    "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}",
                ),
            ],
            Mode::Action,
        )
        .unwrap();
        assert_eq!(
            c.inline_policy.as_deref(),
            Some(r#"{"Statement":[],"Version":"2012-10-17"}"#)
        );
        let big = format!(r#"{{"Sid":"{}"}}"#, "x".repeat(2100));
        assert!(
            one_error(&[("INPUT_INLINE-SESSION-POLICY", &big)])
                .problem
                .contains("2048")
        );
    }

    #[test]
    fn managed_policies_are_split_and_counted() {
        let list = "arn:aws:iam::aws:policy/ReadOnlyAccess,\n arn:aws:iam::123456789012:policy/team/ci-limits\n";
        let c = config(
            &[ROLE, REGION, ("INPUT_MANAGED-SESSION-POLICIES", list)],
            Mode::Action,
        )
        .unwrap();
        assert_eq!(c.managed_policies.len(), 2);
        let eleven: Vec<String> = (0..11)
            .map(|i| format!("arn:aws:iam::aws:policy/P{i}"))
            .collect();
        let e = one_error(&[("INPUT_MANAGED-SESSION-POLICIES", &eleven.join(","))]);
        assert!(e.problem.contains("at most 10"));
        let e = one_error(&[(
            "INPUT_MANAGED-SESSION-POLICIES",
            "arn:aws-cn:iam::aws:policy/X",
        )]);
        assert!(e.problem.contains("partition"));
    }

    #[test]
    fn issuers_for_servers() {
        assert_eq!(issuer_for_server("https://github.com"), GITHUB_COM_ISSUER);
        assert_eq!(
            issuer_for_server("https://octocorp.ghe.com"),
            "https://token.actions.octocorp.ghe.com"
        );
        assert_eq!(
            issuer_for_server("https://ghes.example.com/"),
            "https://ghes.example.com/_services/token"
        );
        let c = config(
            &[
                ROLE,
                REGION,
                ("GITHUB_SERVER_URL", "https://ghes.corp.example"),
            ],
            Mode::Action,
        )
        .unwrap();
        assert_eq!(c.issuer, "https://ghes.corp.example/_services/token");
        let c = config(
            &[ROLE, REGION, ("INPUT_ISSUER", "http://127.0.0.1:8080/")],
            Mode::Action,
        )
        .unwrap();
        assert_eq!(c.issuer, "http://127.0.0.1:8080");
    }

    #[test]
    fn endpoints_come_from_input_then_env() {
        let c = config(
            &[
                ROLE,
                REGION,
                ("AWS_ENDPOINT_URL", "http://localhost:5000"),
                ("AWS_ENDPOINT_URL_STS", "https://vpce.example"),
            ],
            Mode::Action,
        )
        .unwrap();
        assert_eq!(c.sts_endpoint.as_deref(), Some("https://vpce.example"));
    }

    #[test]
    fn simple_policy_inputs() {
        let c = config(
            &[
                ROLE,
                REGION,
                ("INPUT_ALLOWED-REPOSITORIES", "octo-org/a, octo-org/b"),
                ("INPUT_ALLOWED-REFS", "refs/heads/main\nrefs/tags/v*"),
            ],
            Mode::Action,
        )
        .unwrap();
        let PolicySource::Simple(s) = c.policy else {
            panic!("{:?}", c.policy)
        };
        assert_eq!(s.repositories, ["octo-org/a", "octo-org/b"]);
        assert_eq!(s.refs, ["refs/heads/main", "refs/tags/v*"]);
    }
}
