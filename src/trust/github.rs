//! What IAM knows about GitHub's OIDC providers: which issuers are GitHub's, which condition
//! keys STS exposes for them, and role-name hints. Pure: no I/O.
//!
//! Condition keys relied upon (see docs/audit.md, "Sources"): `<provider>:aud` and
//! `<provider>:sub` for every OIDC provider, plus the GitHub-specific keys STS validates since
//! January 2026 (AWS "STS supports validation of identity provider claims"): `actor`,
//! `actor_id`, `enterprise_id`, `environment`, `job_workflow_ref`, `ref`, `repository`,
//! `repository_id`, `workflow`. Other claims GitHub sends (`event_name`, `ref_protected`,
//! `runner_environment`, `repository_owner_id`, `workflow_ref`, …) are *not* condition keys: a
//! condition on them never matches, and only a custom `sub` template can carry them to AWS.

use crate::github::GITHUB_COM_PROVIDER;

/// Claims STS exposes as `<provider>:<claim>` condition keys for GitHub providers.
pub const IAM_KEYS: &[&str] = &[
    "aud",
    "sub",
    "actor",
    "actor_id",
    "enterprise_id",
    "environment",
    "job_workflow_ref",
    "ref",
    "repository",
    "repository_id",
    "workflow",
];

/// Keys GitHub puts in every Actions token: on these, `…IfExists` and `ForAllValues:` (true
/// when the key is missing) behave like the plain operator. `environment` (only jobs that name
/// one), `job_workflow_ref` and `enterprise_id` are not in this list: an operator that is true
/// when they are missing admits the jobs without them.
pub const ALWAYS_SENT: &[&str] = &[
    "sub",
    "aud",
    "repository",
    "repository_id",
    "actor",
    "actor_id",
    "ref",
    "workflow",
];

/// Keys that say *which repository* is asking (a positive condition on one of these is what
/// keeps every other repository on GitHub out).
pub const IDENTITY_KEYS: &[&str] = &["sub", "repository", "repository_id", "job_workflow_ref"];

/// Whether STS exposes `claim` (lower case) as a condition key for GitHub providers.
pub fn is_iam_key(claim: &str) -> bool {
    IAM_KEYS.contains(&claim)
}

/// The provider path of a `Federated` principal: the part after `oidc-provider/` of an IAM
/// OIDC provider ARN, or the value itself when it is not an ARN.
pub fn provider_path(federated: &str) -> &str {
    match federated.split_once(":oidc-provider/") {
        Some((arn, path)) if arn.starts_with("arn:") => path,
        _ => federated,
    }
}

/// What kind of GitHub issuer a provider path is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GithubIssuer {
    /// `token.actions.githubusercontent.com`: every repository on github.com.
    Public,
    /// `token.actions.githubusercontent.com/<enterprise>`: one enterprise's repositories.
    Enterprise,
    /// `HOST/_services/token` (GitHub Enterprise Server) or `token.actions.<sub>.ghe.com`.
    Server,
}

/// Classifies a provider path (case-insensitive: hosts are).
pub fn github_issuer(path: &str) -> Option<GithubIssuer> {
    let lower = path.to_ascii_lowercase();
    if lower == GITHUB_COM_PROVIDER {
        Some(GithubIssuer::Public)
    } else if lower
        .strip_prefix(GITHUB_COM_PROVIDER)
        .is_some_and(|rest| rest.len() > 1 && rest.starts_with('/'))
    {
        Some(GithubIssuer::Enterprise)
    } else if lower.ends_with("/_services/token")
        || (lower.starts_with("token.actions.") && lower.ends_with(".ghe.com"))
    {
        Some(GithubIssuer::Server)
    } else {
        None
    }
}

/// Whether a condition-key prefix looks like it was meant for some GitHub issuer.
pub fn looks_like_github_prefix(prefix: &str) -> bool {
    let lower = prefix.to_ascii_lowercase();
    lower.contains("githubusercontent")
        || lower.contains("_services/token")
        || lower.contains("ghe.com")
}

/// What a role's name says about what it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleKind {
    /// `…readonly…`, `…read-only…`, `…plan…`, `…viewer…`, `…reader…`.
    ReadOnly,
    /// `…deploy…`, `…admin…`, `…prod…`, `…publish…`, `…release…`, `…write…`, `…push…`.
    Write,
    /// No name, or a name that says neither.
    Unknown,
}

/// Guesses from a role name or ARN (a hint, never proof: findings that use it say so).
pub fn role_kind(name: Option<&str>) -> RoleKind {
    let Some(name) = name else {
        return RoleKind::Unknown;
    };
    let name = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    let words: Vec<&str> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    if name.contains("readonly")
        || (has("read") && has("only"))
        || ["ro", "plan", "viewer", "reader", "audit", "plans"]
            .iter()
            .any(|w| has(w))
    {
        RoleKind::ReadOnly
    } else if [
        "deploy",
        "admin",
        "prod",
        "production",
        "publish",
        "publisher",
        "release",
        "write",
        "writer",
        "push",
        "deployer",
    ]
    .iter()
    .any(|w| has(w))
    {
        RoleKind::Write
    } else {
        RoleKind::Unknown
    }
}

/// The IAM key a misspelled claim name probably meant: a known alias, else
/// [`crate::text::did_you_mean`] over [`IAM_KEYS`], compared in lower case as IAM does (a key
/// IAM has comes back as itself; the audit asks only about keys it does not have).
pub fn suggest_key(claim: &str) -> Option<&'static str> {
    let lower = claim.to_ascii_lowercase();
    let alias = match lower.as_str() {
        "subject" => Some("sub"),
        "audience" | "audiences" => Some("aud"),
        "repo" | "repository_name" | "repo_name" => Some("repository"),
        "repo_id" | "repositoryid" => Some("repository_id"),
        "env" | "environment_name" => Some("environment"),
        "branch" => Some("ref"),
        "workflow_ref" => Some("job_workflow_ref"),
        _ => None,
    };
    alias.or_else(|| crate::text::did_you_mean(&lower, IAM_KEYS.iter().copied()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers() {
        let cases: &[(&str, Option<GithubIssuer>)] = &[
            (
                "token.actions.githubusercontent.com",
                Some(GithubIssuer::Public),
            ),
            (
                "Token.Actions.GitHubUserContent.com",
                Some(GithubIssuer::Public),
            ),
            (
                "token.actions.githubusercontent.com/acme",
                Some(GithubIssuer::Enterprise),
            ),
            ("token.actions.githubusercontent.com/", None),
            (
                "ghe.example.com/_services/token",
                Some(GithubIssuer::Server),
            ),
            ("token.actions.octocorp.ghe.com", Some(GithubIssuer::Server)),
            ("token.actions.githubusercontent.com.evil.com", None),
            ("accounts.google.com", None),
            ("oidc.eks.eu-west-1.amazonaws.com/id/ABC", None),
        ];
        for (path, want) in cases {
            assert_eq!(github_issuer(path), *want, "{path}");
        }
        assert_eq!(
            provider_path(
                "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
            ),
            GITHUB_COM_PROVIDER
        );
    }

    #[test]
    fn role_kinds() {
        let cases: &[(Option<&str>, RoleKind)] = &[
            (
                Some("arn:aws:iam::1:role/terraform-plan-readonly"),
                RoleKind::ReadOnly,
            ),
            (Some("ci-read-only"), RoleKind::ReadOnly),
            (Some("ReadOnlyAccess"), RoleKind::ReadOnly),
            (Some("prod-deploy"), RoleKind::Write),
            (Some("artifact-publisher"), RoleKind::Write),
            (Some("github-actions"), RoleKind::Unknown),
            (Some("product-reports"), RoleKind::Unknown),
            (None, RoleKind::Unknown),
        ];
        for (name, want) in cases {
            assert_eq!(role_kind(*name), *want, "{name:?}");
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest_key("subject"), Some("sub"));
        assert_eq!(suggest_key("repositry"), Some("repository"));
        assert_eq!(suggest_key("workflow_ref"), Some("job_workflow_ref"));
        assert_eq!(suggest_key("event_name"), None);
    }
}
