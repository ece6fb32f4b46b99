//! `migrate` (#20): from IAM-user keys in repository secrets to OIDC roles. Finds every job that
//! uses static keys ([`find`]), proposes one role per IAM user (per pair of key secrets) with a
//! trust policy admitting exactly the tokens those jobs get ([`propose`]), edits the workflows
//! by line span ([`edit`]), and checks the result with the attack-path evaluator: each migrated
//! job admitted, every other job refused. Pure: the command reads and writes the files.

pub mod edit;
pub mod find;
pub mod propose;

/// Why `migrate` could not run.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("`--account-id {0}` is not a 12-digit AWS account id")]
    Account(String),
    #[error("{0}")]
    Paths(#[from] crate::paths::PathsError),
    #[error("`--user {0}` is not SECRET=USER")]
    User(String),
    #[error("`--aws` needs credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")]
    NoCredentials,
    #[error("{0}")]
    Iam(String),
    #[error("could not write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

impl MigrateError {
    /// `hint:` text.
    pub fn hint(&self) -> Option<String> {
        match self {
            MigrateError::Account(_) => Some("give the account the roles will live in, e.g. `--account-id 123456789012` (without it the workflows name `${{ vars.AWS_ACCOUNT_ID }}`)".into()),
            MigrateError::Paths(e) => e.hint(),
            MigrateError::User(_) => Some("name the user behind a key secret, e.g. `--user AWS_ACCESS_KEY_ID=ci-deployer`".into()),
            MigrateError::NoCredentials => Some("export credentials that may call iam:ListAccessKeys, iam:GetAccessKeyLastUsed and iam:ListAttachedUserPolicies (a read-only session), or leave out `--aws`".into()),
            MigrateError::Iam(_) => None,
            MigrateError::Write { .. } => Some("nothing was written: check the files' permissions and run again".into()),
        }
    }
}
