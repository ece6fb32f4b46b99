//! GitHub's rules: the issuer of a server's OIDC tokens and the IAM provider it names, the
//! default audience, and the claims worth showing when a token is refused. Pure: no I/O; depends on nothing else in the crate.

/// Default audience, the one the AWS IAM OIDC provider for GitHub expects.
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
/// The issuer of github.com's tokens.
pub const GITHUB_COM_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// Its IAM OIDC provider, which prefixes its condition keys ([`provider_for_issuer`] of the
/// issuer; a test holds the two together).
pub const GITHUB_COM_PROVIDER: &str = "token.actions.githubusercontent.com";

/// Events whose jobs run code that has not been reviewed and merged (a pull request's head, or
/// input anyone can write): never a reason to widen a rule that admits a deployment.
pub const UNREVIEWED_EVENTS: &[&str] = &[
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request_target",
    "workflow_run",
    "issue_comment",
];

/// The claims shown when explaining a refusal: never secret, and what trust policies test.
pub const EXPLAINED_CLAIMS: &[&str] = &[
    "sub",
    "aud",
    "iss",
    "repository",
    "repository_id",
    "ref",
    "environment",
    "event_name",
    "job_workflow_ref",
];

/// A URL without its scheme (one `https://` or `http://`) and trailing `/`.
fn without_scheme(url: &str) -> &str {
    let url = url.trim_end_matches('/');
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url)
}

/// The IAM OIDC provider an issuer URL names, which is also the prefix of its condition keys:
/// `https://token.actions.githubusercontent.com` → `token.actions.githubusercontent.com`,
/// `https://ghe.example.com/_services/token` → `ghe.example.com/_services/token`. The one
/// rule for the audit, `trust-policy`, `explain` and the hint after a refusal.
pub fn provider_for_issuer(issuer: &str) -> &str {
    without_scheme(issuer)
}

/// The issuer GitHub uses for a server URL: github.com, `*.ghe.com` (data residency) or GHES.
pub fn issuer_for_server(server_url: &str) -> String {
    let server = server_url.trim_end_matches('/');
    let host = without_scheme(server);
    if host == "github.com" || host.is_empty() {
        GITHUB_COM_ISSUER.to_string()
    } else if let Some(sub) = host.strip_suffix(".ghe.com") {
        format!("https://token.actions.{sub}.ghe.com")
    } else {
        format!("{server}/_services/token")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refusal hint used to strip every leading scheme and keep a trailing `/`; the audit
    /// stripped one scheme and the `/`. A provider ARN never ends in `/`: the audit was right.
    #[test]
    fn providers_for_issuers() {
        let cases: &[(&str, &str)] = &[
            (GITHUB_COM_ISSUER, GITHUB_COM_PROVIDER),
            (
                "https://token.actions.githubusercontent.com/acme",
                "token.actions.githubusercontent.com/acme",
            ),
            (
                "https://ghe.example.com/_services/token/",
                "ghe.example.com/_services/token",
            ),
            (
                "http://ghe.example.com/_services/token",
                "ghe.example.com/_services/token",
            ),
            (
                "token.actions.githubusercontent.com",
                "token.actions.githubusercontent.com",
            ),
            ("https://https://x.example", "https://x.example"),
        ];
        for (issuer, provider) in cases {
            assert_eq!(provider_for_issuer(issuer), *provider, "{issuer}");
        }
    }

    #[test]
    fn issuers_for_servers() {
        assert_eq!(issuer_for_server("https://github.com"), GITHUB_COM_ISSUER);
        assert_eq!(issuer_for_server("github.com"), GITHUB_COM_ISSUER);
        assert_eq!(
            issuer_for_server("https://octocorp.ghe.com"),
            "https://token.actions.octocorp.ghe.com"
        );
        assert_eq!(
            issuer_for_server("https://ghes.example.com/"),
            "https://ghes.example.com/_services/token"
        );
    }
}
