//! OA102 `wildcard-subject`: `StringLike` values on identity keys whose wildcard reaches into
//! the owner or repository name (or the whole subject). Pure.

use super::{Audited, Check};
use crate::trust::document::Statement;
use crate::trust::finding::{Confidence, Finding, Meta, Severity};
use crate::trust::github::RoleKind;
use crate::trust::iam::{Base, has_wildcard, literal_prefix};

check_meta! {
    WildcardSubject, "OA102", "wildcard-subject", Severity::High,
    title: "a wildcard in the subject admits more repositories or refs than intended",
    why: "IAM's `*` matches any run of characters, `/` and `:` included, and every value of a list is an alternative. `repo:*` admits all of GitHub; `repo:org*` also matches `repo:org-evil/…`; `repo:org/*` every repository of the organisation, including new and low-trust ones; `repo:org/app*` also `repo:org/app-fork`; `repo:org/app:*` every branch, pull request and environment of the repository",
    fix: "list exact subjects (`repo:OWNER/REPO:environment:NAME`, `repo:OWNER/REPO:ref:refs/heads/main`) with `StringEquals`; keep wildcards after the repository's `:`",
}

impl Check for WildcardSubject {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        for st in audited.github_allows() {
            for (c, claim) in st.github_conditions() {
                let like = matches!(c.operator.base, Base::StringLike);
                if !like {
                    continue;
                }
                for v in &c.values {
                    if !has_wildcard(&v.value) {
                        continue;
                    }
                    let verdict = match claim.as_str() {
                        "sub" => classify_sub(&v.value, st, audited),
                        "repository" => classify_repository(&v.value),
                        "repository_id" => Some((
                            if literal_prefix(&v.value).is_empty() { Severity::Critical } else { Severity::High },
                            "a repository id is a number: a wildcard in it admits other repositories".to_string(),
                            Confidence::High,
                        )),
                        "job_workflow_ref" => classify_workflow(&v.value),
                        _ => None,
                    };
                    if let Some((severity, why, confidence)) = verdict {
                        out.push(
                            META.at(&v.loc, format!("`{}` value `{}`: {why}", c.key, v.value))
                                .severity(severity)
                                .confidence(confidence),
                        );
                    }
                }
            }
        }
    }
}

type Verdict = Option<(Severity, String, Confidence)>;

fn classify_sub(value: &str, st: &Statement, role: &Audited<'_>) -> Verdict {
    let lit = literal_prefix(value);
    let everything = || {
        Some((
            Severity::Critical,
            "matches the subject of every repository on GitHub".to_string(),
            Confidence::High,
        ))
    };
    if lit.is_empty() || "repo:".starts_with(lit.as_str()) {
        return everything();
    }
    let Some(rest) = lit.strip_prefix("repo:") else {
        // A custom `sub` template (include_claim_keys): not judged here.
        return None;
    };
    let Some((owner, repo_and_context)) = rest.split_once('/') else {
        return Some((
            Severity::Critical,
            format!(
                "the wildcard is inside the owner name: it also matches `repo:{rest}-evil/…`, owned by someone else"
            ),
            Confidence::High,
        ));
    };
    let Some((repo, context)) = repo_and_context.split_once(':') else {
        let why = if repo_and_context.is_empty() {
            format!(
                "every repository of `{owner}` can assume the role, including ones created later and any repository a member can create"
            )
        } else {
            format!(
                "the wildcard is inside the repository name: it also matches `repo:{owner}/{repo_and_context}-fork` and any other repository whose name starts the same"
            )
        };
        return Some((Severity::High, why, Confidence::High));
    };
    if !context.is_empty() {
        return classify_context(value, owner, repo, st, role);
    }
    let pinned = ["ref", "environment", "job_workflow_ref"]
        .iter()
        .any(|k| st.positively_constrains(k));
    let why = format!(
        "every branch, tag, pull request and environment of `{owner}/{repo}` can assume the role: anyone who can push a branch or open a pull request from one"
    );
    Some(if pinned {
        (
            Severity::Low,
            format!("{why} (other conditions of this statement narrow it)"),
            Confidence::Medium,
        )
    } else {
        match role.role_kind {
            RoleKind::ReadOnly => (
                Severity::Low,
                format!("{why} ({})", role.read_only_because()),
                Confidence::Medium,
            ),
            RoleKind::Write => match role.writes_because() {
                Some(because) => (
                    Severity::High,
                    format!("{why} ({because})"),
                    Confidence::High,
                ),
                None => (Severity::High, why, Confidence::Medium),
            },
            // A reviewer assumes a role can write unless shown otherwise.
            RoleKind::Unknown => (
                Severity::High,
                format!("{why} (nothing shows the role is read-only)"),
                Confidence::Medium,
            ),
        }
    })
}

/// A wildcard after `repo:OWNER/REPO:`: inside one repository's ref or environment part.
/// Warned (medium) on a role that may write, low on a read-only one or where another condition
/// pins the ref, environment or workflow.
fn classify_context(
    value: &str,
    owner: &str,
    repo: &str,
    st: &Statement,
    role: &Audited<'_>,
) -> Verdict {
    let context = &value[value
        .find(&format!("{owner}/{repo}:"))
        .map_or(0, |i| i + owner.len() + repo.len() + 2)..];
    let what = if let Some(name) = context.strip_prefix("environment:") {
        format!(
            "environment names matching `{name}`: anyone who can create an environment (admins) or deploy to an unprotected one"
        )
    } else if let Some(r) = context.strip_prefix("ref:refs/tags/") {
        format!(
            "tags matching `{r}`: anyone who can push such a tag, unless a ruleset protects them"
        )
    } else if let Some(r) = context.strip_prefix("ref:refs/heads/") {
        let fixed = literal_prefix(r);
        if fixed.is_empty() || fixed.ends_with('/') {
            format!("branches matching `{r}`: anyone with push access can create one")
        } else {
            format!(
                "branches matching `{r}`, which also matches `{fixed}-anything`: anyone with push access can create one"
            )
        }
    } else {
        format!("`{context}` within `{owner}/{repo}`")
    };
    let pinned = ["ref", "environment", "job_workflow_ref"]
        .iter()
        .any(|k| st.positively_constrains(k));
    let why = format!("admits {what}");
    Some(match (pinned, role.role_kind) {
        (true, _) => (
            Severity::Low,
            format!("{why} (other conditions of this statement narrow it)"),
            Confidence::Medium,
        ),
        (false, RoleKind::ReadOnly) => (
            Severity::Low,
            format!("{why} ({})", role.read_only_because()),
            Confidence::Medium,
        ),
        (false, RoleKind::Write) => match role.writes_because() {
            Some(because) => (
                Severity::Medium,
                format!("{why} ({because})"),
                Confidence::High,
            ),
            None => (Severity::Medium, why, Confidence::High),
        },
        (false, RoleKind::Unknown) => (
            Severity::Medium,
            format!("{why} (nothing shows the role is read-only)"),
            Confidence::Medium,
        ),
    })
}

fn classify_repository(value: &str) -> Verdict {
    let lit = literal_prefix(value);
    if lit.is_empty() {
        return Some((
            Severity::Critical,
            "matches every repository on GitHub".into(),
            Confidence::High,
        ));
    }
    Some(match lit.split_once('/') {
        None => (Severity::Critical, format!("the wildcard is inside the owner name: it also matches `{lit}-evil/…`"), Confidence::High),
        Some((owner, "")) => (Severity::High, format!("every repository of `{owner}` can assume the role"), Confidence::High),
        Some(_) => (Severity::High, "the wildcard is inside the repository name: it also matches other repositories whose names start the same".into(), Confidence::High),
    })
}

fn classify_workflow(value: &str) -> Verdict {
    let lit = literal_prefix(value);
    if lit.is_empty() {
        return Some((
            Severity::Critical,
            "matches every workflow of every repository".into(),
            Confidence::High,
        ));
    }
    if !lit.contains('/') {
        return Some((
            Severity::Critical,
            format!(
                "the wildcard is inside the owner name: it also matches workflows of `{lit}-evil/…`, owned by someone else"
            ),
            Confidence::High,
        ));
    }
    if !lit.contains("/.github/") {
        return Some((
            Severity::High,
            "the wildcard is inside the workflow's repository or path: other repositories' workflows match".into(),
            Confidence::High,
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::trust::finding::Severity::*;

    fn sub_like(values: &str) -> String {
        github(&format!(
            r#"{{"StringEquals": {{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}, "StringLike": {{"token.actions.githubusercontent.com:sub": {values}}}}}"#
        ))
    }

    #[test]
    fn cases() {
        table(
            "OA102",
            &[
                ("star", sub_like(r#""*""#), None, &[Critical]),
                ("repo star", sub_like(r#""repo:*""#), None, &[Critical]),
                (
                    "leading star",
                    sub_like(r#""*:ref:refs/heads/main""#),
                    None,
                    &[Critical],
                ),
                (
                    "owner prefix",
                    sub_like(r#""repo:octo-org*""#),
                    None,
                    &[Critical],
                ),
                (
                    "owner with ?",
                    sub_like(r#""repo:octo-or?/app:ref:refs/heads/main""#),
                    None,
                    &[Critical],
                ),
                ("whole org", sub_like(r#""repo:octo-org/*""#), None, &[High]),
                (
                    "repo prefix",
                    sub_like(r#""repo:octo-org/app*""#),
                    None,
                    &[High],
                ),
                (
                    "repo any context, unknown role",
                    sub_like(r#""repo:octo-org/app:*""#),
                    None,
                    &[High],
                ),
                (
                    "repo any context, deploy role",
                    sub_like(r#""repo:octo-org/app:*""#),
                    Some("prod-deploy"),
                    &[High],
                ),
                (
                    "repo any context, read-only role",
                    sub_like(r#""repo:octo-org/app:*""#),
                    Some("plan-readonly"),
                    &[Low],
                ),
                (
                    "branch glob",
                    sub_like(r#""repo:octo-org/app:ref:refs/heads/*""#),
                    None,
                    &[Medium],
                ),
                (
                    "every value of a list",
                    sub_like(r#"["repo:octo-org/app:ref:refs/heads/main", "repo:*"]"#),
                    None,
                    &[Critical],
                ),
                (
                    "escaped star is literal",
                    sub_like(r#""repo:octo-org/app${*}""#),
                    None,
                    &[],
                ),
                (
                    "string equals is literal",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:*"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "immutable subject",
                    sub_like(r#""repo:octo-org@65/app@74:*""#),
                    Some("plan"),
                    &[Low],
                ),
                (
                    "custom template",
                    sub_like(r#""repository_owner_id:65:*""#),
                    None,
                    &[],
                ),
                (
                    "repository org",
                    github(
                        r#"{"StringLike": {"token.actions.githubusercontent.com:repository": "octo-org/*"}}"#,
                    ),
                    None,
                    &[High],
                ),
                (
                    "repository_id star",
                    github(
                        r#"{"StringLike": {"token.actions.githubusercontent.com:repository_id": "*"}}"#,
                    ),
                    None,
                    &[Critical],
                ),
                (
                    "workflow any repo",
                    github(
                        r#"{"StringLike": {"token.actions.githubusercontent.com:job_workflow_ref": "octo-org/*/.github/workflows/deploy.yml@refs/heads/main"}}"#,
                    ),
                    None,
                    &[High],
                ),
            ],
        );
    }

    #[test]
    fn context_pinned_elsewhere_is_low() {
        let text = github(
            r#"{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:*"}, "StringEquals": {"token.actions.githubusercontent.com:environment": "prod"}}"#,
        );
        let f = findings("OA102", &text, Some("prod-deploy"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Low);
        assert!(
            f[0].loc
                .pointer
                .ends_with("/StringLike/token.actions.githubusercontent.com:sub"),
            "{}",
            f[0].loc.pointer
        );
    }
}
