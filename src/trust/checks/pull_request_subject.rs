//! OA107 `pull-request-subject`: `repo:OWNER/REPO:pull_request` admitted on a role that can
//! write. Pure.

use super::{Audited, Check};
use crate::trust::finding::{Confidence, Finding, Meta, Severity};
use crate::trust::github::RoleKind;
use crate::trust::iam::{Base, unescape};

check_meta! {
    PullRequestSubject, "OA107", "pull-request-subject", Severity::High,
    title: "pull requests can assume a role that is not read-only",
    why: "every pull_request job of the repository gets the subject `repo:OWNER/REPO:pull_request`, whatever branch it comes from and whatever code it runs: anyone who can push a branch (and, with the right settings, fork contributors' approved runs) can use the role. Pull requests should only reach read-only roles such as `terraform plan`",
    fix: "admit pull requests only on a read-only role; for this role pin `repo:OWNER/REPO:environment:NAME` or `repo:OWNER/REPO:ref:refs/heads/main`",
}

impl Check for PullRequestSubject {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        let (severity, confidence, note) = match (audited.role_kind, audited.writes_because()) {
            (RoleKind::ReadOnly, _) => return,
            (RoleKind::Write, Some(because)) => (Severity::High, Confidence::High, because),
            (RoleKind::Write, None) => (
                Severity::High,
                Confidence::Medium,
                "the role's name suggests it can write".to_string(),
            ),
            // A reviewer assumes a role can write unless shown otherwise.
            (RoleKind::Unknown, _) => (
                Severity::High,
                Confidence::Medium,
                "nothing shows the role is read-only".to_string(),
            ),
        };
        for st in audited.github_allows() {
            for (c, claim) in st.github_conditions() {
                if claim != "sub" || !c.operator.is_positive_string() {
                    continue;
                }
                for v in &c.values {
                    let value = match c.operator.base {
                        Base::StringLike => v.value.clone(),
                        _ => unescape(&v.value),
                    };
                    if value.ends_with(":pull_request") {
                        out.push(
                            META.at(&v.loc, format!("`{value}` admits every pull_request job of the repository; {note}"))
                                .severity(severity)
                                .confidence(confidence),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::trust::finding::Severity::*;

    #[test]
    fn cases() {
        let pr = github(
            r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": ["repo:o/r:ref:refs/heads/main", "repo:o/r:pull_request"]}}"#,
        );
        table(
            "OA107",
            &[
                ("deploy role", pr.clone(), Some("prod-deploy"), &[High]),
                ("unknown role", pr.clone(), Some("github-ci"), &[High]),
                (
                    "read-only role",
                    pr.clone(),
                    Some("terraform-plan-readonly"),
                    &[],
                ),
                (
                    "no pull request",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}"#,
                    ),
                    Some("prod-deploy"),
                    &[],
                ),
                (
                    "like",
                    github(
                        r#"{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/*:pull_request"}}"#,
                    ),
                    Some("deploy"),
                    &[High],
                ),
            ],
        );
    }
}
