//! Where the run's first credentials come from: the job's OIDC token, static keys given as
//! inputs, or credentials already in the environment; and which accounts they may belong to.
//! Pure: checks input values only.

use crate::aws::{RoleArn, is_access_key_id, is_account_id};
use crate::inputs::{Checker, Input};
use crate::secret::Secret;
use crate::text::printable;

use super::Mode;

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
    WebIdentity(WebIdentity),
    /// `aws-access-key-id` and friends: `AssumeRole` with them, or export them as they are.
    Keys(StaticKeys),
    /// Credentials already in the environment (`AWS_ACCESS_KEY_ID`…, else the ambient chain:
    /// profile files, container or instance role): `role-chaining` or `force-skip-oidc`.
    Existing,
}

/// What a web-identity run exchanges the token for, typed: a token can only be exchanged for a
/// role ARN, so the step's own role is one here (a bare name was resolved through the one
/// `allowed-account-ids`, or refused).
#[derive(Debug, Clone, Default)]
pub struct WebIdentity {
    /// The step's own role (`roles.role`, as an ARN); `None` when `roles` alone names the work.
    pub role: Option<RoleArn>,
}

/// The checked credential inputs.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Where the first credentials come from.
    pub source: Source,
    /// `allowed-account-ids`: empty allows any.
    pub allowed_accounts: Vec<String>,
    /// `unset-current-credentials`.
    pub unset_current: bool,
    /// `use-existing-credentials`.
    pub use_existing: bool,
}

impl SourceConfig {
    /// Checks `allowed-account-ids`, the key inputs and the flags that pick the source.
    pub fn check(c: &mut Checker<'_>, mode: Mode) -> SourceConfig {
        let allowed_accounts = c.inputs.list(Input::AllowedAccountIds);
        for account in &allowed_accounts {
            if !is_account_id(account) {
                c.fail(
                    Input::AllowedAccountIds.name(),
                    format!("{} is not a 12-digit account id", printable(account)),
                    "list account ids such as `123456789012`, separated by commas or newlines",
                );
            }
        }
        let keys = static_keys(c);
        let role_chaining = c.bool(Input::RoleChaining);
        let force_skip_oidc = c.bool(Input::ForceSkipOidc);
        let source = match (mode, keys) {
            // The role is filled in once the role inputs are checked (`RoleConfig::check`).
            (Mode::DryRun, _) => Source::WebIdentity(WebIdentity::default()),
            (Mode::Action, Some(keys)) => Source::Keys(keys),
            (Mode::Action, None) if role_chaining || force_skip_oidc => Source::Existing,
            (Mode::Action, None) => Source::WebIdentity(WebIdentity::default()),
        };
        SourceConfig {
            source,
            allowed_accounts,
            unset_current: c.bool(Input::UnsetCurrentCredentials),
            use_existing: c.bool(Input::UseExistingCredentials),
        }
    }
}

/// The key pair (and session token) given as inputs: both halves or neither.
fn static_keys(c: &mut Checker<'_>) -> Option<StaticKeys> {
    let both = "give both halves of the key pair, or neither";
    match (
        c.get(Input::AwsAccessKeyId),
        c.get(Input::AwsSecretAccessKey),
    ) {
        (Some(id), Some(secret)) => {
            if !is_access_key_id(id) {
                c.fail(
                    Input::AwsAccessKeyId.name(),
                    "is not an access key id (16 to 128 capital letters and digits)",
                    "give the key id of an IAM user or of temporary credentials, e.g. from a secret",
                );
            }
            Some(StaticKeys {
                access_key_id: Secret::new(id),
                secret_access_key: Secret::new(secret),
                session_token: c.get(Input::AwsSessionToken).map(Secret::new),
            })
        }
        (Some(_), None) => {
            c.fail(
                Input::AwsAccessKeyId.name(),
                "is given without `aws-secret-access-key`",
                both,
            );
            None
        }
        (None, Some(_)) => {
            c.fail(
                Input::AwsSecretAccessKey.name(),
                "is given without `aws-access-key-id`",
                both,
            );
            None
        }
        (None, None) => {
            if c.get(Input::AwsSessionToken).is_some() {
                c.fail(
                    Input::AwsSessionToken.name(),
                    "is given without `aws-access-key-id` and `aws-secret-access-key`",
                    "a session token belongs to a key pair: give all three, or none",
                );
            }
            None
        }
    }
}
