//! OA108 `unpinned-reusable-workflow`: `job_workflow_ref` trusted at a branch or any ref. Pure.

use super::{Audited, Check};
use crate::trust::document::Statement;
use crate::trust::finding::{Confidence, Finding, Meta, Severity};
use crate::trust::iam::{Base, has_wildcard, literal_prefix, unescape};

check_meta! {
    UnpinnedWorkflow, "OA108", "unpinned-reusable-workflow", Severity::Medium,
    title: "`job_workflow_ref` is pinned to a branch or to any ref",
    why: "`job_workflow_ref` names the workflow file and the ref it ran from. `@*` admits any branch, including one anyone with push access creates; `@refs/heads/main` admits whatever is on that branch, so whoever can push there (or merge to it) decides what runs with the role. A reusable workflow in another repository is best trusted at a protected tag or a commit",
    fix: "pin `…@refs/tags/vX.Y.Z` (with tag protection) or a commit; if the branch is right, make sure it is protected",
}

impl Check for UnpinnedWorkflow {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        for st in audited.github_allows() {
            for (c, claim) in st.github_conditions() {
                if claim != "job_workflow_ref" || !c.operator.is_positive_string() {
                    continue;
                }
                let like = c.operator.base == Base::StringLike;
                for v in &c.values {
                    let Some((workflow, git_ref)) = v.value.rsplit_once('@') else {
                        continue;
                    };
                    if like
                        && has_wildcard(git_ref)
                        && literal_prefix(git_ref).starts_with("refs/tags/")
                    {
                        out.push(
                            META.at(&v.loc, format!("`{}` trusts `{workflow}` at any tag matching `{git_ref}`: fine if those tags are protected (IAM's `*` also crosses `/`)", v.value))
                                .severity(Severity::Low),
                        );
                        continue;
                    }
                    if like && has_wildcard(git_ref) {
                        out.push(
                            META.at(&v.loc, format!("`{}` trusts `{workflow}` at any ref matching `{git_ref}`, including branches anyone with push access can create", v.value))
                                .severity(Severity::High),
                        );
                        continue;
                    }
                    let git_ref = unescape(git_ref);
                    let Some(branch) = git_ref.strip_prefix("refs/heads/") else {
                        continue;
                    };
                    let workflow_repo = workflow.split("/.github/").next().unwrap_or(workflow);
                    let finding = match statement_repository(st) {
                        Some(repo) if !repo.eq_ignore_ascii_case(workflow_repo) => META
                            .at(&v.loc, format!("the reusable workflow `{workflow}` (in `{workflow_repo}`, not `{repo}`) is trusted at branch `{branch}`: whoever can push to that branch of `{workflow_repo}` decides what runs with this role")),
                        Some(_) => META
                            .at(&v.loc, format!("`{workflow}` is trusted at branch `{branch}` of the same repository: fine if `{branch}` is protected"))
                            .severity(Severity::Low),
                        None => META
                            .at(&v.loc, format!("`{workflow}` is trusted at branch `{branch}`: fine if it is this repository's protected branch, a risk if it is a reusable workflow in a repository others can push to"))
                            .severity(Severity::Low)
                            .confidence(Confidence::Low),
                    };
                    out.push(finding);
                }
            }
        }
    }
}

/// The repository a statement pins by name, from an exact `sub` or `repository` value.
fn statement_repository(st: &Statement) -> Option<String> {
    st.github_conditions().iter().find_map(|(c, claim)| {
        if !c.operator.is_positive_string() || c.operator.base == Base::StringLike {
            return None;
        }
        let v = unescape(&c.values.first()?.value);
        match claim.as_str() {
            "repository" => Some(v),
            "sub" => {
                let rest = v.strip_prefix("repo:")?;
                let repo = rest.split(':').next()?;
                // Immutable subjects: `OWNER@ID/REPO@ID`.
                let plain: Vec<&str> = repo
                    .split('/')
                    .map(|p| p.split('@').next().unwrap_or(p))
                    .collect();
                Some(plain.join("/"))
            }
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::trust::finding::Severity::*;

    fn wf(op: &str, value: &str, sub: &str) -> String {
        let sub = format!(r#""token.actions.githubusercontent.com:sub": "{sub}""#);
        let wf = format!(r#""token.actions.githubusercontent.com:job_workflow_ref": "{value}""#);
        github(&if op == "StringEquals" {
            format!(r#"{{"StringEquals": {{{sub}, {wf}}}}}"#)
        } else {
            format!(r#"{{"StringEquals": {{{sub}}}, "{op}": {{{wf}}}}}"#)
        })
    }

    #[test]
    fn cases() {
        let sub = "repo:octo-org/app:environment:prod";
        table(
            "OA108",
            &[
                (
                    "tag",
                    wf(
                        "StringEquals",
                        "octo-org/wf/.github/workflows/deploy.yml@refs/tags/v1.2.0",
                        sub,
                    ),
                    None,
                    &[],
                ),
                (
                    "sha",
                    wf(
                        "StringEquals",
                        "octo-org/wf/.github/workflows/deploy.yml@0123456789abcdef0123456789abcdef01234567",
                        sub,
                    ),
                    None,
                    &[],
                ),
                (
                    "any ref",
                    wf(
                        "StringLike",
                        "octo-org/wf/.github/workflows/deploy.yml@*",
                        sub,
                    ),
                    None,
                    &[High],
                ),
                (
                    "any tag v2.*",
                    wf(
                        "StringLike",
                        "octo-org/wf/.github/workflows/deploy.yml@refs/tags/v2.*",
                        sub,
                    ),
                    None,
                    &[Low],
                ),
                (
                    "any branch",
                    wf(
                        "StringLike",
                        "octo-org/wf/.github/workflows/deploy.yml@refs/heads/*",
                        sub,
                    ),
                    None,
                    &[High],
                ),
                (
                    "other repo's branch",
                    wf(
                        "StringEquals",
                        "octo-org/wf/.github/workflows/deploy.yml@refs/heads/main",
                        sub,
                    ),
                    None,
                    &[Medium],
                ),
                (
                    "same repo's branch",
                    wf(
                        "StringEquals",
                        "octo-org/app/.github/workflows/deploy.yml@refs/heads/main",
                        sub,
                    ),
                    None,
                    &[Low],
                ),
                (
                    "immutable sub, same repo",
                    wf(
                        "StringEquals",
                        "octo-org/app/.github/workflows/deploy.yml@refs/heads/main",
                        "repo:octo-org@65/app@74:environment:prod",
                    ),
                    None,
                    &[Low],
                ),
            ],
        );
        let unknown = github(
            r#"{"StringEquals": {"token.actions.githubusercontent.com:repository_id": "74", "token.actions.githubusercontent.com:job_workflow_ref": "octo-org/wf/.github/workflows/d.yml@refs/heads/main"}}"#,
        );
        table("OA108", &[("repository unknown", unknown, None, &[Low])]);
    }
}
