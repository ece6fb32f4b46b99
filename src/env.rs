//! The one place that reads the process environment. Does I/O only in [`Env::from_process`].
//!
//! Everything else receives an [`Env`] snapshot, so tests build one from pairs and run in
//! parallel without mutating the process environment (which edition 2024 makes `unsafe`).
//!
//! One exception, at the edge: the AWS SDK's ambient credential chain (built in `main` only for
//! `role-chaining`/`force-skip-oidc` without keys in the environment) reads its own variables
//! (`AWS_PROFILE`, `AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONTAINER_*`, `AWS_WEB_IDENTITY_TOKEN_FILE`,
//! `AWS_EC2_METADATA_*`): aws-config accepts an injected environment only in its test builds.

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
/// Static access key id already in the job's environment (an earlier step, a secret): the
/// source for `role-chaining`, and what a notice says OIDC replaces.
pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// Secret for [`AWS_ACCESS_KEY_ID`].
pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// Session token for [`AWS_ACCESS_KEY_ID`], when those are temporary credentials.
pub const AWS_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
/// Where the AWS CLI and SDKs read credentials profiles (default `~/.aws/credentials`).
pub const AWS_SHARED_CREDENTIALS_FILE: &str = "AWS_SHARED_CREDENTIALS_FILE";
/// Where the AWS CLI and SDKs read config profiles (default `~/.aws/config`).
pub const AWS_CONFIG_FILE: &str = "AWS_CONFIG_FILE";
/// Extra PEM CA bundle the AWS CLI and SDKs trust; used when the `ca-bundle` input is empty.
pub const AWS_CA_BUNDLE: &str = "AWS_CA_BUNDLE";
/// Home directory, for `~/.aws/…`.
pub const HOME: &str = "HOME";
/// Proxy for `https://` requests (curl's precedence: upper case first, then lower case).
pub const HTTPS_PROXY: &[&str] = &["HTTPS_PROXY", "https_proxy"];
/// Proxy for `http://` requests, and for `https://` ones when [`HTTPS_PROXY`] is unset.
pub const HTTP_PROXY: &[&str] = &["HTTP_PROXY", "http_proxy"];
/// Hosts that bypass the proxy, comma-separated.
pub const NO_PROXY: &[&str] = &["NO_PROXY", "no_proxy"];
/// File of `name=value` records the runner hands to this action's post step as `STATE_name`.
pub const GITHUB_STATE: &str = "GITHUB_STATE";
/// What the main step recorded for cleanup, seen by the post step as `STATE_oidc_assume`.
pub const STATE_CLEANUP: &str = "STATE_oidc_assume";
/// `owner/repo` of the run, for session tags.
pub const GITHUB_REPOSITORY: &str = "GITHUB_REPOSITORY";
/// Workflow name, for session tags.
pub const GITHUB_WORKFLOW: &str = "GITHUB_WORKFLOW";
/// Step's action id, for session tags.
pub const GITHUB_ACTION: &str = "GITHUB_ACTION";
/// Who triggered the run, for session tags.
pub const GITHUB_ACTOR: &str = "GITHUB_ACTOR";
/// Commit of the run, for session tags.
pub const GITHUB_SHA: &str = "GITHUB_SHA";
/// Ref of the run, for session tags.
pub const GITHUB_REF: &str = "GITHUB_REF";
/// Run id, for the session name when no OIDC token supplies it.
pub const GITHUB_RUN_ID: &str = "GITHUB_RUN_ID";
/// Run attempt, for the session name when no OIDC token supplies it.
pub const GITHUB_RUN_ATTEMPT: &str = "GITHUB_RUN_ATTEMPT";
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

    /// The same snapshot without any `INPUT_*` variable: for `credential-process` run by a
    /// later step's SDK, whose `INPUT_*` variables belong to that step's action, not to us.
    pub fn without_inputs(&self) -> Env {
        Env {
            vars: self
                .vars
                .iter()
                .filter(|(k, _)| !k.starts_with(INPUT_PREFIX))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// The first of `names` that is set (for variables with several spellings).
    pub fn first(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|name| self.get(name))
    }

    /// Every variable, for libraries that take an environment snapshot (the AWS credential
    /// chain) instead of reading the process environment themselves.
    pub fn vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
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
