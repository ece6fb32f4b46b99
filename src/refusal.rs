//! The text that explains an STS trust refusal: the claims STS saw, the statement a trust
//! policy needs for this run, and (with `trust-policy-file`) IAM's evaluation of the role's
//! trust policy against those claims. Pure: the trust policy was read in preflight.

use std::path::PathBuf;

use crate::aws::RoleArn;
use crate::claims::Claims;
use crate::config::Config;
use crate::github::EXPLAINED_CLAIMS;
use crate::text::printable;
use crate::trust::document::TrustDocument;

/// The role's trust policy as read in preflight (`trust-policy-file`).
#[derive(Debug, Clone)]
pub struct TrustPolicy {
    /// Where it was read from, for the evaluation's header.
    pub path: PathBuf,
    /// Its documents (one, or several for `aws iam list-roles` output).
    pub docs: Vec<TrustDocument>,
}

/// Everything said about a refused token: the claims and the statement they need, then, when
/// the trust policy is known, which of its conditions failed.
pub fn explain(
    config: &Config,
    role: &RoleArn,
    claims: &Claims,
    trust: Option<&TrustPolicy>,
) -> String {
    let mut text = claims_and_statement(config, role, claims);
    if let Some(trust) = trust {
        text.push_str("\nthe trust policy, evaluated with IAM's rules against these claims:\n");
        text.push_str(&simulate(trust, &config.issuer, claims));
    }
    text
}

/// What STS saw and what the role's trust policy has to match for it.
pub fn claims_and_statement(config: &Config, role: &RoleArn, claims: &Claims) -> String {
    let mut text = String::from("the token STS refused had these claims:\n");
    for name in EXPLAINED_CLAIMS {
        let value = claims
            .get(name)
            .map_or_else(|| "<absent>".to_string(), printable);
        text.push_str(&format!("  {name:<17} {value}\n"));
    }
    let provider = crate::github::provider_for_issuer(&config.issuer);
    // A token from a job that runs unreviewed code (a pull request, a comment) must not be
    // let into a role that may deploy: the statement below would do exactly that. Say so first.
    if let Some(event) = claims
        .get("event_name")
        .filter(|e| crate::github::UNREVIEWED_EVENTS.contains(e))
    {
        text.push_str(&format!(
            "this token comes from a `{event}` job, which runs code that has not been reviewed and merged: if {} can deploy or write, do not admit it; give `{event}` jobs their own read-only role, whose trust policy has the statement below\n",
            role.arn
        ));
    }
    text.push_str(&format!(
        "for this run, the trust policy of {} needs a statement like:\n",
        role.arn
    ));
    let mut conditions = vec![format!("\"{provider}:aud\": \"{}\"", config.oidc.audience)];
    if let Some(sub) = claims.get("sub") {
        conditions.push(format!(
            "\"{provider}:sub\": {}",
            serde_json::Value::String(sub.to_string())
        ));
    }
    text.push_str(&format!(
        "  \"Principal\": {{\"Federated\": \"arn:{}:iam::{}:oidc-provider/{provider}\"}},\n  \"Action\": \"sts:AssumeRoleWithWebIdentity\",\n  \"Condition\": {{\"StringEquals\": {{{}}}}}\n",
        role.partition,
        role.account,
        conditions.join(", ")
    ));
    text
}

/// IAM's evaluation of each document of the trust policy against the refused token's claims:
/// which condition failed, with what value, and a value that would pass.
pub fn simulate(trust: &TrustPolicy, issuer: &str, claims: &Claims) -> String {
    let prefix = crate::github::provider_for_issuer(issuer);
    trust
        .docs
        .iter()
        .map(|doc| {
            crate::trust::simulate::render(
                &crate::trust::simulate::evaluate(doc, claims, prefix),
                &trust.path.display().to_string(),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::env::Env;
    use crate::inputs::{Flags, Inputs};

    fn config() -> Config {
        let env = Env::from_pairs([
            (
                "INPUT_ROLE-TO-ASSUME",
                "arn:aws:iam::123456789012:role/deploy",
            ),
            ("INPUT_AWS-REGION", "eu-west-1"),
        ]);
        Config::from_inputs(Inputs::new(&Flags::new(), &env), Mode::Action).unwrap()
    }

    fn claims() -> Claims {
        Claims::from_pairs([
            ("sub", "repo:octo-org/octo-repo:ref:refs/heads/dev"),
            ("aud", "sts.amazonaws.com"),
            ("ref", "refs/heads/dev\n::x"),
        ])
    }

    #[test]
    fn the_statement_names_what_the_token_said() {
        let role = RoleArn::parse("arn:aws:iam::123456789012:role/deploy").unwrap();
        let text = explain(&config(), &role, &claims(), None);
        assert!(text.contains("  environment       <absent>\n"), "{text}");
        // Untrusted values are shown escaped, on one line.
        assert!(
            text.contains("  ref               `refs/heads/dev\\n::x`\n"),
            "{text}"
        );
        assert!(text.contains("\"Federated\": \"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com\""), "{text}");
        assert!(text.contains("\"token.actions.githubusercontent.com:sub\": \"repo:octo-org/octo-repo:ref:refs/heads/dev\""), "{text}");
        assert!(!text.contains("evaluated with IAM's rules"));
        assert!(!text.contains("do not admit it"), "{text}");
        // Issue #14: a pull request's token is not waved into a role that may deploy.
        let mut pr = claims();
        pr.set("event_name", "pull_request");
        let text = claims_and_statement(&config(), &role, &pr);
        assert!(text.contains("this token comes from a `pull_request` job, which runs code that has not been reviewed and merged: if arn:aws:iam::123456789012:role/deploy can deploy or write, do not admit it; give `pull_request` jobs their own read-only role"), "{text}");
    }

    #[test]
    fn a_known_trust_policy_is_evaluated() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:octo-org/octo-repo:ref:refs/heads/main"}}}]}"#;
        let trust = TrustPolicy {
            path: "trust.json".into(),
            docs: crate::trust::document::load(doc).unwrap(),
        };
        let role = RoleArn::parse("arn:aws:iam::123456789012:role/deploy").unwrap();
        let text = explain(&config(), &role, &claims(), Some(&trust));
        assert!(text.contains("evaluated with IAM's rules"), "{text}");
        assert!(text.contains("refs/heads/main"), "{text}");
    }
}
