//! The one place that reads the process environment. Does I/O only in [`Env::from_process`].
//!
//! Everything else receives an [`Env`] snapshot, so tests build one from pairs and run in
//! parallel without mutating the process environment (which edition 2024 makes `unsafe`).

use std::collections::BTreeMap;

/// Runner endpoint that mints OIDC tokens; set only when the job has `permissions: id-token: write`.
pub const ACTIONS_ID_TOKEN_REQUEST_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
/// Bearer token for [`ACTIONS_ID_TOKEN_REQUEST_URL`]; a secret, masked before use.
pub const ACTIONS_ID_TOKEN_REQUEST_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";
/// `true` inside GitHub Actions: switches output to workflow commands (annotations, masks).
pub const GITHUB_ACTIONS: &str = "GITHUB_ACTIONS";
/// Path of the file whose records become environment variables of later steps.
pub const GITHUB_ENV: &str = "GITHUB_ENV";
/// Path of the file whose records become this step's outputs.
pub const GITHUB_OUTPUT: &str = "GITHUB_OUTPUT";
/// Path of the Markdown step summary.
pub const GITHUB_STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";
/// `https://github.com`, a GHES host, or `https://SUBDOMAIN.ghe.com`: picks the default issuer.
pub const GITHUB_SERVER_URL: &str = "GITHUB_SERVER_URL";
/// Region for STS when the `aws-region` input is empty (same precedence as the AWS CLI).
pub const AWS_REGION: &str = "AWS_REGION";
/// Fallback region, after [`AWS_REGION`].
pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
/// Service-specific endpoint override the AWS SDKs honour (VPC endpoints, local emulators).
pub const AWS_ENDPOINT_URL_STS: &str = "AWS_ENDPOINT_URL_STS";
/// Global endpoint override the AWS SDKs honour, after [`AWS_ENDPOINT_URL_STS`].
pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// Prefix of action inputs: the runner passes input `role-to-assume` as `INPUT_ROLE-TO-ASSUME`
/// (upper-cased, hyphens kept, spaces turned into `_`).
pub const INPUT_PREFIX: &str = "INPUT_";

/// A snapshot of the environment variables this program cares about.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// Reads the process environment once. Variables whose name or value is not UTF-8 are kept
    /// lossily: validation then rejects the replacement character with the variable's name.
    pub fn from_process() -> Self {
        Env {
            vars: std::env::vars_os()
                .map(|(k, v)| {
                    (
                        k.to_string_lossy().into_owned(),
                        v.to_string_lossy().into_owned(),
                    )
                })
                .collect(),
        }
    }

    /// Builds a snapshot from pairs (tests).
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// A variable's value; an empty value counts as unset, as the runner passes empty strings
    /// for inputs and variables that were never given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// An action input by its `action.yml` name (`role-to-assume`), trimmed; empty is unset.
    pub fn input(&self, name: &str) -> Option<&str> {
        let key = format!("{INPUT_PREFIX}{}", name.replace(' ', "_").to_uppercase());
        self.get(&key).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Whether we run inside GitHub Actions (workflow commands are understood).
    pub fn in_github_actions(&self) -> bool {
        self.get(GITHUB_ACTIONS) == Some("true")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_use_the_runner_spelling_with_hyphens() {
        let env = Env::from_pairs([
            (
                "INPUT_ROLE-TO-ASSUME",
                " arn:aws:iam::123456789012:role/x \n",
            ),
            ("INPUT_AUDIENCE", ""),
            ("INPUT_AWS-REGION", "   "),
        ]);
        assert_eq!(
            env.input("role-to-assume"),
            Some("arn:aws:iam::123456789012:role/x")
        );
        assert_eq!(env.input("audience"), None);
        assert_eq!(env.input("aws-region"), None);
        assert_eq!(env.input("missing"), None);
    }

    #[test]
    fn github_actions_detection_is_exact() {
        assert!(Env::from_pairs([(GITHUB_ACTIONS, "true")]).in_github_actions());
        assert!(!Env::from_pairs([(GITHUB_ACTIONS, "1")]).in_github_actions());
        assert!(!Env::default().in_github_actions());
    }
}
