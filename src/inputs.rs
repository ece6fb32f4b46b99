//! Action inputs: the table of every input, and their validation into a [`Config`]. Pure: no I/O.
//!
//! One table ([`INPUTS`]) is the source of the CLI flags, the names read from `INPUT_*`
//! variables, and (checked by a test) the `inputs:` of `action.yml`, so the three cannot drift.
//! Every input is validated before any network call, and all problems are reported at once.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;

use crate::env::{self, Env};
use crate::policy::SimpleInputs;
use crate::retry::RetryPolicy;

/// Default audience, the one the AWS IAM OIDC provider for GitHub expects.
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
/// Default session duration in seconds (STS's own default).
pub const DEFAULT_DURATION: u32 = 3600;
/// The issuer of github.com's tokens.
pub const GITHUB_COM_ISSUER: &str = "https://token.actions.githubusercontent.com";
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
        help: "ARN of the IAM role to assume with the job's OIDC token",
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

/// A syntactically valid IAM role ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: String,
    /// Twelve-digit account id.
    pub account: String,
    /// The whole ARN, as given.
    pub arn: String,
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
    /// Role to assume.
    pub role: RoleArn,
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

/// Shows a user-supplied value safely in a message: control characters escaped, long values
/// cut, so an error cannot inject lines into the log or flood it.
pub fn show(value: &str) -> String {
    const MAX: usize = 120;
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == MAX {
            out.push_str(&format!("… ({} characters in all)", value.chars().count()));
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    format!("`{out}`")
}

const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

fn role_arn_re() -> Regex {
    // Role path: `/` or `/seg/…/`, printable ASCII; name per IAM: [\w+=,.@-]{1,64} (ASCII \w).
    Regex::new(
        r"^arn:([a-z-]+):iam::(\d{12}):role/((?:[\x21-\x7e&&[^/]]+/)*)((?-u:[\w+=,.@-]){1,64})$",
    )
    .expect("static regex")
}

impl RoleArn {
    /// Parses and checks an IAM role ARN.
    pub fn parse(value: &str) -> Result<RoleArn, (String, String)> {
        let example = "arn:aws:iam::123456789012:role/my-role";
        if value.len() > 2048 {
            return Err((
                format!(
                    "is {} characters long; STS accepts at most 2048",
                    value.len()
                ),
                format!("give a role ARN such as `{example}`"),
            ));
        }
        if !value.starts_with("arn:") {
            return Err((
                format!("{} is not an ARN", show(value)),
                format!("give the role's full ARN, such as `{example}`"),
            ));
        }
        let Some(caps) = role_arn_re().captures(value) else {
            let parts: Vec<&str> = value.splitn(6, ':').collect();
            let hint = if parts.len() == 6 && parts[2] != "iam" {
                format!(
                    "this is an ARN of service `{}`: give the IAM role's ARN, such as `{example}`",
                    parts[2]
                )
            } else if parts.len() == 6 && !parts[5].starts_with("role/") {
                format!(
                    "the resource must be `role/NAME` (roles, not users or policies), as in `{example}`"
                )
            } else if parts.len() == 6
                && !(parts[4].len() == 12 && parts[4].bytes().all(|b| b.is_ascii_digit()))
            {
                format!("the account id must be 12 digits, as in `{example}`")
            } else {
                format!(
                    "the form is `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`, as in `{example}`"
                )
            };
            return Err((format!("{} is not a valid IAM role ARN", show(value)), hint));
        };
        let partition = caps[1].to_string();
        if !PARTITIONS.contains(&partition.as_str()) {
            return Err((
                format!("partition `{partition}` is unknown"),
                format!("use one of {}", PARTITIONS.join(", ")),
            ));
        }
        Ok(RoleArn {
            partition,
            account: caps[2].to_string(),
            arn: value.to_string(),
        })
    }
}

/// The partition a region belongs to.
pub fn partition_of_region(region: &str) -> &'static str {
    const PREFIXES: &[(&str, &str)] = &[
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("eusc-", "aws-eusc"),
    ];
    PREFIXES
        .iter()
        .find(|(p, _)| region.starts_with(p))
        .map_or("aws", |(_, part)| part)
}

/// The issuer GitHub uses for a server URL: github.com, `*.ghe.com` (data residency) or GHES.
pub fn issuer_for_server(server_url: &str) -> String {
    let server = server_url.trim_end_matches('/');
    let host = server
        .strip_prefix("https://")
        .or_else(|| server.strip_prefix("http://"))
        .unwrap_or(server);
    if host == "github.com" || host.is_empty() {
        GITHUB_COM_ISSUER.to_string()
    } else if let Some(sub) = host.strip_suffix(".ghe.com") {
        format!("https://token.actions.{sub}.ghe.com")
    } else {
        format!("{server}/_services/token")
    }
}

/// Whether `url` may be used: `https://`, or `http://` to a loopback address only (tests,
/// local issuers, emulators), never plain HTTP across a network.
pub fn check_url(value: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(value).map_err(|e| format!("{} is not a URL: {e}", show(value)))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "{} uses plain `http://` to a host that is not loopback; tokens and credentials would cross the network unencrypted",
                show(value)
            ));
        }
        other => {
            return Err(format!(
                "{} has scheme `{other}`, expected https",
                show(value)
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{} has no host", show(value)));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{} must not carry credentials", show(value)));
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

/// Splits a list input on commas and newlines, trimming and dropping empty items.
pub fn split_list(value: &str) -> Vec<String> {
    value
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether `name` is a valid STS session name: 2 to 64 of `[A-Za-z0-9_+=,.@-]`.
pub fn is_valid_session_name(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// Builds a session name a CloudTrail reader can trace back to the run:
/// `gha-RUN_ID-RUN_ATTEMPT-OWNER.REPO`, sanitised to STS's alphabet and cut to 64 characters
/// (run id first, so the cut never loses it).
pub fn default_session_name(
    run_id: Option<&str>,
    run_attempt: Option<&str>,
    repository: Option<&str>,
) -> String {
    let sanitize = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                    c
                } else {
                    '.'
                }
            })
            .collect()
    };
    let mut name = String::from("gha");
    for part in [run_id, run_attempt, repository].into_iter().flatten() {
        if !part.is_empty() {
            name.push('-');
            name.push_str(&sanitize(part));
        }
    }
    if name == "gha" {
        name.push_str("-oidc-assume");
    }
    name.truncate(64);
    name
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

        let role = match (inputs.get("role-to-assume"), mode) {
            (Some(v), _) => match RoleArn::parse(v) {
                Ok(role) => Some(role),
                Err((problem, hint)) => {
                    c.fail("role-to-assume", problem, hint);
                    None
                }
            },
            (None, Mode::DryRun) => RoleArn::parse(DRY_RUN_ROLE).ok(),
            (None, Mode::Action) => {
                c.fail(
                    "role-to-assume",
                    "is required",
                    "add `role-to-assume: arn:aws:iam::ACCOUNT:role/NAME` under `with:`",
                );
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
                let re = Regex::new(r"^[a-z]{2,}(-[a-z]+)+-\d{1,2}$").expect("static regex");
                if re.is_match(v) {
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
        if let (Some(role), Some(region)) = (&role, &region) {
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
        let policy_re = Regex::new(
            r"^arn:([a-z-]+):iam::(\d{12}|aws):policy/([\x21-\x7e]+/)*[\w+=,.@-]{1,128}$",
        )
        .expect("static regex");
        for arn in &managed_policies {
            match policy_re.captures(arn) {
                Some(caps) if role.as_ref().is_none_or(|r| r.partition == caps[1]) => {}
                Some(caps) => c.fail(
                    "managed-session-policies",
                    format!("{} is in partition `{}`, the role is not", show(arn), &caps[1]),
                    "use policies of the role's partition",
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

        match (c.errors.is_empty(), role, region, issuer) {
            (true, Some(role), Some(region), Some(issuer)) => Ok(Config {
                role,
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
        assert_eq!(c.role.account, "123456789012");
        assert_eq!(c.sts_endpoint, None);
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
        assert_eq!(c.role.arn, DRY_RUN_ROLE);
        assert_eq!(c.region, DRY_RUN_REGION);
    }

    #[test]
    fn role_arns() {
        let good = [
            "arn:aws:iam::123456789012:role/deploy",
            "arn:aws:iam::123456789012:role/service-role/ci/deploy+prod=x,y.z@w-v",
            "arn:aws-us-gov:iam::123456789012:role/gov",
            "arn:aws-cn:iam::123456789012:role/cn",
        ];
        for arn in good {
            assert!(RoleArn::parse(arn).is_ok(), "{arn}");
        }
        let bad = [
            ("deploy", "give the role's full ARN"),
            ("arn:aws:s3:::my-bucket", "service `s3`"),
            ("arn:aws:iam::123456789012:user/alice", "role/NAME"),
            ("arn:aws:iam::12345678901:role/x", "12 digits"),
            ("arn:aws:iam::123456789012:role/", "the form is"),
            ("arn:aws:iam::123456789012:role/a\nb", "the form is"),
            ("arn:aws:iam::123456789012:role/ｄeploy", "the form is"), // full-width look-alike
            ("arn:aws-moon:iam::123456789012:role/x", "use one of"),
        ];
        for (arn, hint) in bad {
            let (_, got) = RoleArn::parse(arn).unwrap_err();
            assert!(got.contains(hint), "{arn}: {got}");
        }
        let long = format!("arn:aws:iam::123456789012:role/{}", "a".repeat(2100));
        assert!(RoleArn::parse(&long).unwrap_err().0.contains("2048"));
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

    #[test]
    fn session_names() {
        assert_eq!(
            default_session_name(Some("9876543210"), Some("2"), Some("octo-org/octo-repo")),
            "gha-9876543210-2-octo-org.octo-repo"
        );
        let long = default_session_name(Some("9876543210"), Some("1"), Some(&"r".repeat(100)));
        assert_eq!(long.len(), 64);
        assert!(long.starts_with("gha-9876543210-1-"));
        assert!(is_valid_session_name(&long));
        assert_eq!(default_session_name(None, None, None), "gha-oidc-assume");
        assert!(is_valid_session_name(&default_session_name(
            Some("1"),
            None,
            Some("ö/ä")
        )));
    }

    #[test]
    fn show_escapes_and_truncates() {
        assert_eq!(show("a\nb\u{0}"), "`a\\nb\\u{0}`");
        assert!(show(&"x".repeat(500)).contains("(500 characters in all)"));
    }
}
