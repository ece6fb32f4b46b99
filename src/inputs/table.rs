//! The table of every action input: its typed name, help, placeholder, static default and what a
//! dry run does with it. Pure data: no I/O. One table is the source of the CLI flags, the
//! `INPUT_*` names read from the environment, the defaults the checks apply, and (written by
//! tests/it/packaging.rs) the inputs of `action.yml`, `native/action.yml` and the README, so they
//! cannot drift. How to add an input: docs/contributing.md.

/// An input, by its typed name: a misspelt name is a compile error, not a silent `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Input {
    /// `role-to-assume`
    RoleToAssume,
    /// `aws-region`
    AwsRegion,
    /// `audience`
    Audience,
    /// `role-session-name`
    RoleSessionName,
    /// `role-duration-seconds`
    RoleDurationSeconds,
    /// `inline-session-policy`
    InlineSessionPolicy,
    /// `managed-session-policies`
    ManagedSessionPolicies,
    /// `mask-aws-account-id`
    MaskAwsAccountId,
    /// `output-credentials`
    OutputCredentials,
    /// `output-env-credentials`
    OutputEnvCredentials,
    /// `policy`
    Policy,
    /// `allowed-repositories`
    AllowedRepositories,
    /// `allowed-refs`
    AllowedRefs,
    /// `allowed-environments`
    AllowedEnvironments,
    /// `allowed-events`
    AllowedEvents,
    /// `trust-policy-file`
    TrustPolicyFile,
    /// `web-identity-token-file`
    WebIdentityTokenFile,
    /// `issuer`
    Issuer,
    /// `sts-endpoint`
    StsEndpoint,
    /// `action-timeout-s`
    ActionTimeoutS,
    /// `retry-max-attempts`
    RetryMaxAttempts,
    /// `disable-retry`
    DisableRetry,
    /// `role-chaining`
    RoleChaining,
    /// `chain-roles`
    ChainRoles,
    /// `role-external-id`
    RoleExternalId,
    /// `role-skip-session-tagging`
    RoleSkipSessionTagging,
    /// `transitive-tag-keys`
    TransitiveTagKeys,
    /// `custom-tags`
    CustomTags,
    /// `aws-access-key-id`
    AwsAccessKeyId,
    /// `aws-secret-access-key`
    AwsSecretAccessKey,
    /// `aws-session-token`
    AwsSessionToken,
    /// `aws-profile`
    AwsProfile,
    /// `overwrite-aws-profile`
    OverwriteAwsProfile,
    /// `roles`
    Roles,
    /// `unset-current-credentials`
    UnsetCurrentCredentials,
    /// `allowed-account-ids`
    AllowedAccountIds,
    /// `use-existing-credentials`
    UseExistingCredentials,
    /// `force-skip-oidc`
    ForceSkipOidc,
    /// `http-proxy`
    HttpProxy,
    /// `no-proxy`
    NoProxy,
    /// `ca-bundle`
    CaBundle,
    /// `cleanup`
    Cleanup,
    /// `special-characters-workaround`
    SpecialCharactersWorkaround,
    /// `insecure-skip-signature-verification`
    InsecureSkipSignatureVerification,
    /// `refresh-credentials`
    RefreshCredentials,
}

impl Input {
    /// The input's spec in [`INPUTS`].
    pub fn spec(self) -> &'static InputSpec {
        // INPUTS lists every variant in declaration order (checked by a test).
        &INPUTS[self as usize]
    }

    /// The name in `action.yml` and as a CLI flag (`--NAME`).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The table's default of a `BOOL` input as a boolean (a table test holds every `BOOL`
    /// input to a default of `true` or `false`).
    pub fn default_bool(self) -> bool {
        self.spec().default == Some("true")
    }

    /// The table's default of a numeric input, if it has one (a table test holds it to parse).
    pub fn default_number(self) -> Option<u64> {
        self.spec().default.and_then(|d| d.parse().ok())
    }
}

/// One action input.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    /// The typed name.
    pub input: Input,
    /// Name in `action.yml` and as a CLI flag (`--NAME`).
    pub name: &'static str,
    /// What it means (used for `--help`; `action.yml` carries the same text).
    pub help: &'static str,
    /// Placeholder in `--help`.
    pub value_name: &'static str,
    /// Static default, also declared in `action.yml` (dynamic defaults are described in `help`).
    /// The checks read it from here: a boolean's default is this text, not a second literal.
    pub default: Option<&'static str>,
    /// What a dry run does with it: every input is used, or named with the reason it is not.
    pub dry_run: DryRun,
}

/// What a dry run does with an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRun {
    /// It takes part in the decision (or in the request a dry run describes).
    Used,
    /// It shapes requests: used when `--sts-endpoint` makes the dry run send one.
    WhenSending,
    /// Checked like the real run does, but a dry run does not act on it, for this reason (the
    /// dry run names the input and the reason when it is given).
    Unused(Unused),
}

/// Why a dry run does not act on an input (the dry run's report words each one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unused {
    /// It shapes what is exported, and a dry run exports nothing.
    Exports,
    /// It selects AWS credentials instead of the OIDC token, the only path a dry run shows.
    OtherCredentials,
    /// It concerns the credentials already in the environment, which a dry run does not read.
    CredentialsInEnvironment,
    /// It tags AssumeRole sessions, and a dry run makes no AssumeRole call.
    SessionTags,
    /// It shapes the chained calls after the first request, which a dry run does not make.
    ChainedCalls,
    /// It explains an STS refusal, and a dry run gets none.
    /// It does nothing, in the real run either.
    Ignored,
}

/// Every input this action understands, in `action.yml` order (and in [`Input`]'s order).
pub const INPUTS: &[InputSpec] = &[
    InputSpec {
        input: Input::RoleToAssume,
        name: "role-to-assume",
        value_name: "ARN",
        help: "ARN of the IAM role to assume with the job's OIDC token (a bare role name works when the account is known: one allowed-account-ids, or the account of the keys used)",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::AwsRegion,
        name: "aws-region",
        value_name: "REGION",
        help: "AWS region of the STS endpoint and of the exported AWS_REGION (default: AWS_REGION, then AWS_DEFAULT_REGION)",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::Audience,
        name: "audience",
        value_name: "AUD",
        help: "Audience requested for the OIDC token and checked in it",
        default: Some("sts.amazonaws.com"),
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::RoleSessionName,
        name: "role-session-name",
        value_name: "NAME",
        help: "Session name shown in CloudTrail [default: gha-RUN_ID-RUN_ATTEMPT-OWNER.REPO, from the token]",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::RoleDurationSeconds,
        name: "role-duration-seconds",
        value_name: "SECONDS",
        help: "Session duration, 900 to 43200 and at most the role's maximum",
        default: Some("3600"),
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::InlineSessionPolicy,
        name: "inline-session-policy",
        value_name: "JSON",
        help: "IAM policy JSON that further restricts the session (at most 2048 characters once minified)",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::ManagedSessionPolicies,
        name: "managed-session-policies",
        value_name: "ARNS",
        help: "Up to 10 managed policy ARNs (comma- or newline-separated) that further restrict the session",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::MaskAwsAccountId,
        name: "mask-aws-account-id",
        value_name: "BOOL",
        help: "Mask the AWS account id in logs",
        default: Some("false"),
        dry_run: DryRun::Unused(Unused::Exports),
    },
    InputSpec {
        input: Input::OutputCredentials,
        name: "output-credentials",
        value_name: "BOOL",
        help: "Also set the credentials as step outputs (aws-access-key-id, aws-secret-access-key, aws-session-token)",
        default: Some("false"),
        dry_run: DryRun::Unused(Unused::Exports),
    },
    InputSpec {
        input: Input::OutputEnvCredentials,
        name: "output-env-credentials",
        value_name: "BOOL",
        help: "Export the credentials as AWS_* environment variables for later steps",
        default: Some("true"),
        dry_run: DryRun::Unused(Unused::Exports),
    },
    InputSpec {
        input: Input::Policy,
        name: "policy",
        value_name: "PATH",
        help: "Claim policy file (TOML) [default: .github/oidc-assume.toml when it exists]",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::AllowedRepositories,
        name: "allowed-repositories",
        value_name: "LIST",
        help: "Simple policy: repositories (owner/name) allowed to assume the role, comma- or newline-separated",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::AllowedRefs,
        name: "allowed-refs",
        value_name: "LIST",
        help: "Simple policy: refs allowed (refs/heads/main, refs/tags/v*)",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::AllowedEnvironments,
        name: "allowed-environments",
        value_name: "LIST",
        help: "Simple policy: deployment environments allowed",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::AllowedEvents,
        name: "allowed-events",
        value_name: "LIST",
        help: "Simple policy: triggering events allowed [default: push, workflow_dispatch, release, schedule]",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::TrustPolicyFile,
        name: "trust-policy-file",
        value_name: "PATH",
        help: "The role's trust policy JSON (or `aws iam get-role` output): when STS refuses the token, the refusal names the condition that failed (a dry run evaluates it against the minted token, as STS would)",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::WebIdentityTokenFile,
        name: "web-identity-token-file",
        value_name: "PATH",
        help: "Read the OIDC token from this file instead of requesting one from the runner",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::Issuer,
        name: "issuer",
        value_name: "URL",
        help: "Expected token issuer [default: from GITHUB_SERVER_URL, else https://token.actions.githubusercontent.com]",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::StsEndpoint,
        name: "sts-endpoint",
        value_name: "URL",
        help: "STS endpoint URL [default: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else the regional endpoint]",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::ActionTimeoutS,
        name: "action-timeout-s",
        value_name: "SECONDS",
        help: "Bound on the whole run, 1 to 3600 seconds; each request then gets a third of it (at most 10 s) [default: no bound; 10 s per request]",
        default: None,
        dry_run: DryRun::WhenSending,
    },
    InputSpec {
        input: Input::RetryMaxAttempts,
        name: "retry-max-attempts",
        value_name: "N",
        help: "Attempts per request (token, keys, STS) when it fails transiently: connection errors, timeouts, 5xx, 429, throttling; refusals are never retried",
        default: Some("5"),
        dry_run: DryRun::WhenSending,
    },
    InputSpec {
        input: Input::DisableRetry,
        name: "disable-retry",
        value_name: "BOOL",
        help: "Make one attempt per request",
        default: Some("false"),
        dry_run: DryRun::WhenSending,
    },
    InputSpec {
        input: Input::RoleChaining,
        name: "role-chaining",
        value_name: "BOOL",
        help: "Assume role-to-assume with the credentials already in the environment (an earlier step's, or the runner's instance profile) instead of an OIDC token",
        default: Some("false"),
        dry_run: DryRun::Unused(Unused::OtherCredentials),
    },
    InputSpec {
        input: Input::ChainRoles,
        name: "chain-roles",
        value_name: "ARNS",
        help: "Roles to assume in turn after role-to-assume, each with the previous session (comma- or newline-separated); chained sessions last at most 1 hour",
        default: None,
        dry_run: DryRun::Unused(Unused::ChainedCalls),
    },
    InputSpec {
        input: Input::RoleExternalId,
        name: "role-external-id",
        value_name: "ID",
        help: "External id sent with every AssumeRole call (chained roles, static keys, existing credentials)",
        default: None,
        dry_run: DryRun::Unused(Unused::ChainedCalls),
    },
    InputSpec {
        input: Input::RoleSkipSessionTagging,
        name: "role-skip-session-tagging",
        value_name: "BOOL",
        help: "Do not tag AssumeRole sessions with the run's GitHub context (GitHub, Repository, Workflow, Action, Actor, Commit, Branch)",
        default: Some("false"),
        dry_run: DryRun::Unused(Unused::SessionTags),
    },
    InputSpec {
        input: Input::TransitiveTagKeys,
        name: "transitive-tag-keys",
        value_name: "LIST",
        help: "Session tag keys that pass on to further chained sessions",
        default: None,
        dry_run: DryRun::Unused(Unused::SessionTags),
    },
    InputSpec {
        input: Input::CustomTags,
        name: "custom-tags",
        value_name: "JSON",
        help: r#"More session tags for AssumeRole, as a JSON object, e.g. {"Team":"platform"}"#,
        default: None,
        dry_run: DryRun::Unused(Unused::SessionTags),
    },
    InputSpec {
        input: Input::AwsAccessKeyId,
        name: "aws-access-key-id",
        value_name: "KEY",
        help: "Static access key id (the path to migrate away from): used to AssumeRole into role-to-assume, or exported as is without a role",
        default: None,
        dry_run: DryRun::Unused(Unused::OtherCredentials),
    },
    InputSpec {
        input: Input::AwsSecretAccessKey,
        name: "aws-secret-access-key",
        value_name: "SECRET",
        help: "Secret for aws-access-key-id",
        default: None,
        dry_run: DryRun::Unused(Unused::OtherCredentials),
    },
    InputSpec {
        input: Input::AwsSessionToken,
        name: "aws-session-token",
        value_name: "TOKEN",
        help: "Session token for aws-access-key-id, when those are temporary credentials",
        default: None,
        dry_run: DryRun::Unused(Unused::OtherCredentials),
    },
    InputSpec {
        input: Input::AwsProfile,
        name: "aws-profile",
        value_name: "NAME",
        help: "Write the credentials to this named profile in the shared credentials and config files (and set AWS_PROFILE) instead of AWS_* variables",
        default: None,
        dry_run: DryRun::Unused(Unused::Exports),
    },
    InputSpec {
        input: Input::OverwriteAwsProfile,
        name: "overwrite-aws-profile",
        value_name: "BOOL",
        help: "Replace a profile of the same name that is already in the shared files",
        default: Some("false"),
        dry_run: DryRun::Unused(Unused::Exports),
    },
    InputSpec {
        input: Input::Roles,
        name: "roles",
        value_name: "TOML",
        help: r#"Several roles in one step, each written as a named profile: lines of `PROFILE = "ROLE_ARN"` or `PROFILE = { role = "ARN", chain = ["ARN"], duration = 900, region = "eu-west-1" }`"#,
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::UnsetCurrentCredentials,
        name: "unset-current-credentials",
        value_name: "BOOL",
        help: "Blank the AWS_* credential variables of later steps and never use credentials already in the environment",
        default: Some("false"),
        dry_run: DryRun::Unused(Unused::CredentialsInEnvironment),
    },
    InputSpec {
        input: Input::AllowedAccountIds,
        name: "allowed-account-ids",
        value_name: "LIST",
        help: "Accounts the credentials may belong to; checked before anything is exported",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::UseExistingCredentials,
        name: "use-existing-credentials",
        value_name: "BOOL",
        help: "When the environment already holds working credentials, keep them and request none",
        default: Some("false"),
        dry_run: DryRun::Unused(Unused::CredentialsInEnvironment),
    },
    InputSpec {
        input: Input::ForceSkipOidc,
        name: "force-skip-oidc",
        value_name: "BOOL",
        help: "Never use an OIDC token, even when the job may request one: assume role-to-assume with static keys or the credentials in the environment",
        default: Some("false"),
        dry_run: DryRun::Unused(Unused::OtherCredentials),
    },
    InputSpec {
        input: Input::HttpProxy,
        name: "http-proxy",
        value_name: "URL",
        help: "Proxy for every request (token, keys, STS) [default: HTTPS_PROXY / HTTP_PROXY]",
        default: None,
        dry_run: DryRun::WhenSending,
    },
    InputSpec {
        input: Input::NoProxy,
        name: "no-proxy",
        value_name: "LIST",
        help: "Hosts that bypass the proxy, comma-separated [default: NO_PROXY]",
        default: None,
        dry_run: DryRun::WhenSending,
    },
    InputSpec {
        input: Input::CaBundle,
        name: "ca-bundle",
        value_name: "PATH",
        help: "Extra PEM CA certificates to trust, e.g. a TLS-intercepting proxy's [default: AWS_CA_BUNDLE]",
        default: None,
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::Cleanup,
        name: "cleanup",
        value_name: "BOOL",
        help: "At the end of the job, blank the exported variables and remove the profiles this step wrote",
        default: Some("true"),
        dry_run: DryRun::Unused(Unused::Exports),
    },
    InputSpec {
        input: Input::SpecialCharactersWorkaround,
        name: "special-characters-workaround",
        value_name: "BOOL",
        help: "Accepted for configure-aws-credentials compatibility; does nothing (this action has no such bug)",
        default: Some("false"),
        dry_run: DryRun::Unused(Unused::Ignored),
    },
    InputSpec {
        input: Input::InsecureSkipSignatureVerification,
        name: "insecure-skip-signature-verification",
        value_name: "BOOL",
        help: "Do not verify the token's signature (the claim policy then checks unauthenticated claims)",
        default: Some("false"),
        dry_run: DryRun::Used,
    },
    InputSpec {
        input: Input::RefreshCredentials,
        name: "refresh-credentials",
        value_name: "BOOL",
        help: "Instead of AWS_* keys, leave a profile (AWS_PROFILE, AWS_CONFIG_FILE) whose credential_process runs this binary with this step's inputs, so the AWS SDKs and CLI fetch fresh credentials by themselves for as long as the job runs (native action only)",
        default: Some("false"),
        dry_run: DryRun::Unused(Unused::Exports),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_follows_the_enum() {
        for (i, spec) in INPUTS.iter().enumerate() {
            assert_eq!(spec.input as usize, i, "{} is out of order", spec.name);
            assert_eq!(spec.input.name(), spec.name);
        }
        let mut names: Vec<&str> = INPUTS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), INPUTS.len(), "duplicate input names");
    }

    /// The checks read defaults from the table, so each must read back as its type.
    #[test]
    fn defaults_read_back_as_their_type() {
        for spec in INPUTS {
            match spec.value_name {
                "BOOL" => assert!(
                    matches!(spec.default, Some("true" | "false")),
                    "{}: a BOOL input needs `default: Some(\"true\")` or `Some(\"false\")`",
                    spec.name
                ),
                "N" | "SECONDS" => assert_eq!(
                    spec.input
                        .default_number()
                        .map(|n| n.to_string())
                        .as_deref(),
                    spec.default,
                    "{}: a numeric default must be a whole number",
                    spec.name
                ),
                _ => {}
            }
        }
        // Constants of other modules that repeat an input's default hold the table's value.
        assert_eq!(
            Input::RetryMaxAttempts.default_number(),
            Some(u64::from(crate::retry::DEFAULT_MAX_ATTEMPTS))
        );
        assert_eq!(
            Input::Audience.spec().default,
            Some(crate::github::DEFAULT_AUDIENCE)
        );
    }
}
