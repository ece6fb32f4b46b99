//! The top-level error, its `hint:` lines and the exit-code contract. Pure: no I/O.
//!
//! Exit codes (documented in the README, tested in `tests/it`):
//! 0 success; 1 anything else; 2 bad input or configuration; 3 denied by the claim policy;
//! 4 OIDC token could not be fetched or verified; 5 STS refused or failed. Credentials for an
//! account outside `allowed-account-ids` count as denied (3).

use std::path::PathBuf;

use crate::export::ExportError;
use crate::inputs::InputErrors;
use crate::mint::MintError;
use crate::net::NetError;
use crate::oidc::{KeyError, TokenError};
use crate::policy::{Denial, PolicyError};
use crate::profiles::ProfileError;
use crate::sts::StsError;
use crate::verify::VerifyError;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: an unexpected failure (export I/O, internal errors).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: bad input or configuration (also what clap uses for usage errors).
pub const EXIT_CONFIG: u8 = 2;
/// Exit code: the claim policy denied the run.
pub const EXIT_DENIED: u8 = 3;
/// Exit code: the OIDC token could not be fetched or verified.
pub const EXIT_TOKEN: u8 = 4;
/// Exit code: STS refused or failed.
pub const EXIT_STS: u8 = 5;

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
    #[error("{problem}")]
    Setup { problem: String, hint: String },
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
            | Error::Setup { .. } => EXIT_CONFIG,
            Error::Denied(_) => EXIT_DENIED,
            Error::Token(_) | Error::Keys(_) | Error::Verify(_) => EXIT_TOKEN,
            Error::Sts { .. } => EXIT_STS,
            Error::Net(_) | Error::NoSourceCredentials { .. } => EXIT_CONFIG,
            Error::Profiles(ProfileError::Exists { .. } | ProfileError::InvalidName { .. }) => {
                EXIT_CONFIG
            }
            Error::AccountNotAllowed { .. } => EXIT_DENIED,
            Error::Export(_) | Error::Mint(_) | Error::Timeout(_) | Error::Profiles(_) => {
                EXIT_FAILURE
            }
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
            Error::Setup { hint, .. } => vec![hint.clone()],
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
            Error::AccountNotAllowed { .. } => vec![
                "check role-to-assume (a role in the wrong account?) or add the account to allowed-account-ids".into(),
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
