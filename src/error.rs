//! The top-level error, its `hint:` lines and the exit-code contract: one render path
//! ([`Error::render`]) and one exit map ([`Error::exit_code`]) for every command. Pure: no I/O.
//!
//! Exit codes (documented in the README, tested in `tests/it`):
//! 0 success; 1 anything else (a bug, or a failure outside the contract such as a closed
//! stdout); 2 bad input or configuration; 3 denied by the claim policy; 4 OIDC token could not
//! be fetched or verified; 5 STS refused or failed. Credentials for an account outside
//! `allowed-account-ids` count as denied (3). `audit` adds 10–13 (see [`crate::trust`]).

use std::path::PathBuf;

use crate::export::ExportError;
use crate::inputs::InputErrors;
use crate::mint::MintError;
use crate::net::NetError;
use crate::oidc::{KeyError, TokenError};
use crate::policy::{Denial, PolicyError};
use crate::profiles::ProfileError;
use crate::sts::StsError;
use crate::trust::TrustError;
use crate::verify::VerifyError;

pub use crate::exit::{EXIT_CONFIG, EXIT_DENIED, EXIT_FAILURE, EXIT_OK, EXIT_STS, EXIT_TOKEN};

/// Everything that can end a run early.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Inputs(#[from] InputErrors),
    #[error("{0}")]
    Policy(#[from] PolicyError),
    #[error("could not read policy file {path}: {source}")]
    PolicyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not read claims file {path}: {problem}")]
    ClaimsFile { path: PathBuf, problem: String },
    #[error("{variable} is not set, so there is nowhere to export credentials to")]
    NoExportTarget { variable: &'static str },
    #[error("the main step's cleanup record is unreadable: {0}")]
    CleanupRecordUnreadable(String),
    #[error("{0}")]
    ProfilePaths(String),
    #[error("credential-process produced no credentials")]
    CredentialProcessNoRole,
    #[error(
        "credential-process has no OIDC token to exchange: there is no runner to ask outside a GitHub Actions job, and no web-identity-token-file was given"
    )]
    CredentialProcessNoToken,
    #[error("credential-process hands out temporary credentials only")]
    CredentialProcessStaticKeys,
    #[error("no role to assume")]
    NoRole,
    #[error(
        "refresh-credentials cannot work in the container action: the SDKs of later steps run `credential_process` on the runner's host, where the binary inside the image is not"
    )]
    RefreshNeedsNative,
    #[error(
        "refresh-credentials is for workflow steps: RUNNER_TEMP is not set, so there is no job directory for the refreshing profile"
    )]
    RefreshNoRunnerTemp,
    #[error(
        "`{input}` holds a single quote, which the refreshing profile's credential_process line cannot quote for every SDK"
    )]
    RefreshArgument { input: &'static str },
    #[error("{0}")]
    Trust(#[from] TrustError),
    #[error("{0}")]
    Paths(#[from] crate::paths::PathsError),
    #[error("{0}")]
    Migrate(#[from] crate::migrate::MigrateError),
    /// A bug: a state the code rules out was reached.
    #[error("internal error: {0}")]
    Internal(String),
    /// A failure outside the exit-code contract, with its context (the commands' glue).
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
    #[error("denied by the claim policy: {}", .0.summary())]
    Denied(Box<Denial>),
    #[error("{0}")]
    Token(#[from] TokenError),
    #[error("could not get the issuer's signing keys: {0}")]
    Keys(#[from] KeyError),
    #[error("the OIDC token failed verification: {0}")]
    Verify(#[from] VerifyError),
    #[error("{error}")]
    Sts {
        error: StsError,
        /// What the token said and what a trust policy must match (on trust refusals).
        explanation: Option<String>,
    },
    #[error("{0}")]
    Export(#[from] ExportError),
    #[error("{0}")]
    Mint(#[from] MintError),
    #[error("the run did not finish within action-timeout-s ({0} s); nothing was exported")]
    Timeout(u64),
    #[error("{0}")]
    Net(#[from] NetError),
    #[error("the credentials for {role} belong to account {account}, which allowed-account-ids does not list ({}); nothing was exported", .allowed.join(", "))]
    AccountNotAllowed {
        role: String,
        account: String,
        allowed: Vec<String>,
    },
    /// A role the run would end in is outside `allowed-account-ids`: found before any request,
    /// so the token is never sent (the dry run makes the same check at the same point).
    #[error("role {role} is in account {account}, which allowed-account-ids does not list ({}); no request was sent", .allowed.join(", "))]
    RoleAccountNotAllowed {
        role: String,
        account: String,
        allowed: Vec<String>,
    },
    #[error("{0}")]
    Profiles(#[from] ProfileError),
    #[error("no credentials to chain from: {problem}")]
    NoSourceCredentials { problem: String },
}

impl Error {
    /// The documented exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Inputs(_)
            | Error::Policy(_)
            | Error::PolicyFile { .. }
            | Error::ClaimsFile { .. }
            | Error::NoExportTarget { .. }
            | Error::CleanupRecordUnreadable(_)
            | Error::ProfilePaths(_)
            | Error::CredentialProcessNoRole
            | Error::CredentialProcessStaticKeys
            | Error::CredentialProcessNoToken
            | Error::NoRole
            | Error::RefreshNeedsNative
            | Error::RefreshNoRunnerTemp
            | Error::RefreshArgument { .. }
            | Error::Trust(_)
            | Error::Paths(_)
            | Error::Migrate(_) => EXIT_CONFIG,
            Error::Denied(_) => EXIT_DENIED,
            Error::Token(_) | Error::Keys(_) | Error::Verify(_) => EXIT_TOKEN,
            Error::Sts { .. } => EXIT_STS,
            Error::Net(NetError::Client(_)) => EXIT_FAILURE,
            Error::Net(_) | Error::NoSourceCredentials { .. } => EXIT_CONFIG,
            Error::Profiles(ProfileError::Exists { .. } | ProfileError::InvalidName { .. }) => {
                EXIT_CONFIG
            }
            Error::AccountNotAllowed { .. } | Error::RoleAccountNotAllowed { .. } => EXIT_DENIED,
            Error::Export(_)
            | Error::Mint(_)
            | Error::Timeout(_)
            | Error::Profiles(_)
            | Error::Internal(_)
            | Error::Other(_) => EXIT_FAILURE,
        }
    }

    /// `hint:` lines.
    pub fn hints(&self) -> Vec<String> {
        match self {
            Error::Inputs(errors) => errors.0.iter().map(|e| format!("{}: {}", e.input, e.hint)).collect(),
            Error::Policy(e) => e.hint().into_iter().collect(),
            Error::PolicyFile { .. } => vec![
                "set the `policy` input to the path of your policy file, relative to the workspace (check out the repository first)".into(),
            ],
            Error::ClaimsFile { .. } => {
                vec!["give a JSON object of claims, e.g. {\"ref\": \"refs/heads/dev\"}".into()]
            }
            Error::NoExportTarget { .. } => vec![
                "run this as a step of a GitHub Actions job; on your machine, try `oidc-assume dry-run` or `oidc-assume credential-process`".into(),
            ],
            Error::CleanupRecordUnreadable(_) => vec![
                "nothing was cleaned up; remove the profiles by hand if the runner is reused".into(),
            ],
            Error::ProfilePaths(_) => {
                vec!["set HOME, or AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE".into()]
            }
            Error::CredentialProcessNoRole | Error::NoRole => vec!["give --role-to-assume".into()],
            Error::CredentialProcessNoToken => vec![
                "on a laptop, give --web-identity-token-file FILE (a file holding a current OIDC token; GitHub's live 5 minutes, so this suits issuers that keep the file fresh, such as Kubernetes or a CI agent)".into(),
                "or give --role-chaining true: the role is then assumed with your AWS credentials (the environment's keys, else your ~/.aws profile or SSO session), and no claim policy applies".into(),
                "inside a workflow, the job needs `permissions: id-token: write` so the runner can mint a token".into(),
            ],
            Error::CredentialProcessStaticKeys => {
                vec!["give --role-to-assume, so the keys are exchanged for a session".into()]
            }
            Error::Trust(e) => e.hint().into_iter().collect(),
            Error::Paths(e) => e.hint().into_iter().collect(),
            Error::Migrate(e) => e.hint().into_iter().collect(),
            Error::Internal(_) => vec!["this is a bug; please report it".into()],
            Error::RefreshNeedsNative => vec![
                "use the native action, which runs the binary on the host (`uses: oidc-assume/oidc-assume/native@v1`), or drop refresh-credentials".into(),
            ],
            Error::RefreshNoRunnerTemp => vec![
                "on your machine, write the credential_process line yourself: `oidc-assume credential-process --role-to-assume ARN --aws-region REGION --web-identity-token-file FILE`".into(),
            ],
            Error::RefreshArgument { .. } => vec![
                "write the value without a single quote (JSON needs none), or drop refresh-credentials".into(),
            ],
            Error::Other(_) => vec![],
            Error::Denied(_) => vec![],
            Error::Token(e) => e.hint().into_iter().collect(),
            Error::Keys(_) => vec![
                "the issuer's discovery document and key set must be reachable from the runner; check the `issuer` input and any proxy".into(),
            ],
            Error::Verify(e) => e.hint().into_iter().collect(),
            Error::Sts { error, .. } => error.hint().into_iter().collect(),
            Error::Export(_) | Error::Mint(_) => vec![],
            Error::Timeout(_) => vec![
                "the log above names the request that was slow; raise action-timeout-s or check the network path (proxy, firewall) to it".into(),
            ],
            Error::Net(e) => vec![e.hint().into()],
            // allowed-account-ids is a guard the user set on purpose: the fix is the role, and
            // widening the guard is only right when the account really is meant.
            Error::AccountNotAllowed { .. } | Error::RoleAccountNotAllowed { .. } => vec![
                "check role-to-assume and chain-roles (a role in the wrong account?); add the account to allowed-account-ids only if this workflow is meant to get credentials there".into(),
            ],
            Error::Profiles(e) => e.hint().into_iter().collect(),
            Error::NoSourceCredentials { .. } => vec![
                "role-chaining and force-skip-oidc assume the role with credentials already present: run a credentials step before this one, or give aws-access-key-id/aws-secret-access-key, or drop role-chaining to use the job's OIDC token".into(),
            ],
        }
    }

    /// The full text printed on stderr: `error: …`, details, `hint: …` lines.
    pub fn render(&self) -> String {
        let mut text = String::new();
        match self {
            Error::Inputs(errors) => {
                let n = errors.0.len();
                text.push_str(&format!(
                    "error: {n} invalid input{}\n",
                    if n == 1 { "" } else { "s" }
                ));
                for e in &errors.0 {
                    text.push_str(&format!("  - `{}`: {}\n", e.input, e.problem));
                }
            }
            Error::Denied(denial) => {
                text.push_str("error: denied by the claim policy\n");
                text.push_str(&denial.render());
                if !text.ends_with('\n') {
                    text.push('\n');
                }
            }
            Error::Sts { error, explanation } => {
                text.push_str(&format!("error: {error}\n"));
                if let Some(explanation) = explanation {
                    text.push_str(explanation);
                }
            }
            other => text.push_str(&format!("error: {other}\n")),
        }
        for hint in self.hints() {
            text.push_str(&format!("hint: {hint}\n"));
        }
        text
    }

    /// One line for the error annotation.
    pub fn summary(&self) -> String {
        match self {
            Error::Inputs(errors) => errors
                .0
                .iter()
                .map(|e| format!("`{}` {}", e.input, e.problem))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    }
}
