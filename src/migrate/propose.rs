//! The roles that replace the IAM users: one per pair of key secrets (one IAM user, the jobs
//! that share it), each with a trust policy admitting exactly the subjects of the tokens those
//! jobs get on their reviewed triggers, in the form the repository already uses (Terraform,
//! CloudFormation or IAM JSON). Jobs started by pull requests or comments are not admitted:
//! they run unreviewed code, or run in the base context with the default branch's subject.
//! Permissions are never guessed: a placeholder with the user's policies to copy. Pure.

use std::collections::BTreeMap;

use super::find::KeyUse;
use crate::workflow::Workflow;

/// The form the proposal is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Iac {
    Terraform,
    CloudFormation,
    Json,
}

/// One role to create (or one existing role to trust GitHub directly).
#[derive(Debug, Clone)]
pub struct RoleProposal {
    pub name: String,
    pub arn: String,
    /// The secrets it replaces, key id first.
    pub secrets: Vec<String>,
    /// The role the keys assumed, which now trusts GitHub itself.
    pub existing: Option<String>,
    /// The jobs it serves, as `workflow:job`.
    pub jobs: Vec<String>,
    /// Subjects admitted exactly, and by pattern.
    pub exact: Vec<String>,
    pub like: Vec<String>,
    /// Jobs' triggers left out, with why.
    pub left_out: Vec<String>,
    /// Jobs (`workflow:job`) given an environment by the edit, and its name.
    pub environments: Vec<(String, String)>,
    /// Managed policies carried over from the IAM user (`--aws`), ARNs.
    pub carried: Vec<String>,
}

/// The whole proposal.
#[derive(Debug, Clone, Default)]
pub struct Proposal {
    pub roles: Vec<RoleProposal>,
}

/// The settings the proposal is made for.
pub struct For<'a> {
    pub repository: &'a str,
    pub default_branch: &'a str,
    /// The AWS account (`None`: written as `${{ vars.AWS_ACCOUNT_ID }}` in workflows and as the
    /// form's own account reference in the policy).
    pub account: Option<&'a str>,
}

/// A role name from the secret that names the user: `PROD_DEPLOY_AWS_KEY_ID` → `REPO-prod-deploy`.
fn role_name(repository: &str, secret: &str) -> String {
    let repo = repository.rsplit('/').next().unwrap_or(repository);
    let words: Vec<String> = secret
        .to_ascii_lowercase()
        .split(['_', '-'])
        .filter(|w| !w.is_empty() && !["aws", "access", "key", "id", "secret"].contains(w))
        .map(str::to_string)
        .collect();
    let stem = if words.is_empty() {
        "github-actions".to_string()
    } else {
        words.join("-")
    };
    format!("{repo}-{stem}")
}

/// GitHub's filter pattern as an IAM `StringLike` pattern: `**`, `*`, `?`, `+` and sets become
/// `*` (IAM's `*` also crosses `/`: the result can only be wider, and the note says so).
fn iam_pattern(glob: &str) -> (String, bool) {
    let mut out = String::new();
    let mut widened = false;
    let mut chars = glob.chars();
    let mut star = |out: &mut String| {
        widened = true;
        if !out.ends_with('*') {
            out.push('*');
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' | '+' => star(&mut out),
            '[' => {
                chars.by_ref().find(|n| *n == ']');
                star(&mut out);
            }
            c => out.push(c),
        }
    }
    (out, widened)
}

/// The environment a job released from tags is given: a tag pattern in a trust policy admits
/// whoever can push such a tag, while an environment's deployment rule can hold the tags to a
/// ruleset (so the trust names the environment, exactly).
pub const RELEASE_ENVIRONMENT: &str = "release";

/// The subjects a job's tokens carry on its reviewed triggers, the triggers left out, and the
/// environment the job should get (a job released only from tags).
pub fn subjects(
    workflow: &Workflow,
    job: &str,
    cx: &For<'_>,
) -> (Vec<String>, Vec<String>, Option<String>) {
    let Some(job) = workflow.jobs.iter().find(|j| j.id == job) else {
        return (Vec::new(), Vec::new(), None);
    };
    let tags_only = !workflow.triggers.is_empty()
        && workflow.triggers.iter().all(|t| {
            t.event == "release"
                || (t.event == "push"
                    && t.branches.include.is_empty()
                    && !t.tags.include.is_empty())
        });
    if job.environment.is_none() && tags_only {
        let tags: Vec<String> = workflow
            .triggers
            .iter()
            .flat_map(|t| t.tags.include.clone())
            .collect();
        let tags = if tags.is_empty() {
            "release tags".to_string()
        } else {
            tags.join(", ")
        };
        return (
            vec![format!(
                "repo:{}:environment:{RELEASE_ENVIRONMENT}",
                cx.repository
            )],
            vec![format!(
                "{}: the job gets `environment: {RELEASE_ENVIRONMENT}`: create it with a deployment rule for tags {tags} and protect those tags with a ruleset (Settings → Environments, Rules), so only they reach the role",
                job.line
            )],
            Some(RELEASE_ENVIRONMENT.to_string()),
        );
    }
    let repo = cx.repository;
    let default = format!("repo:{repo}:ref:refs/heads/{}", cx.default_branch);
    if let Some(env) = job.environment.as_deref().filter(|e| !e.contains("${{")) {
        return (
            vec![format!(
                "repo:{repo}:environment:{}",
                env.replace(':', "%3A")
            )],
            Vec::new(),
            None,
        );
    }
    let mut subs = Vec::new();
    let mut left = Vec::new();
    let refs = |kind: &str, patterns: &[String], subs: &mut Vec<String>| {
        for p in patterns {
            subs.push(format!("repo:{repo}:ref:refs/{kind}/{}", iam_pattern(p).0));
        }
    };
    for t in &workflow.triggers {
        match t.event.as_str() {
            "push" if t.branches.include.is_empty() && t.tags.include.is_empty() => {
                subs.push(default.clone());
                left.push(format!("{}: `push` to any other branch or tag (narrowed to the default branch)", t.line));
            }
            "push" => {
                refs("heads", &t.branches.include, &mut subs);
                refs("tags", &t.tags.include, &mut subs);
            }
            "release" => subs.push(format!("repo:{repo}:ref:refs/tags/*")),
            "merge_group" => subs.push(format!("repo:{repo}:ref:refs/heads/gh-readonly-queue/{}/*", cx.default_branch)),
            "workflow_dispatch" => {
                subs.push(default.clone());
                left.push(format!("{}: `workflow_dispatch` on other branches (admitted on the default branch only)", t.line));
            }
            "pull_request" | "pull_request_review" => left.push(format!("{}: `{}`: a pull request's code is unreviewed; give pull requests a separate read-only role", t.line, t.event)),
            "pull_request_target" | "issue_comment" | "workflow_run" | "pull_request_review_comment" => left.push(format!("{}: `{}` runs in the base repository's context with the default branch's subject: admitting it would admit what it runs; split the job", t.line, t.event)),
            "workflow_call" => left.push(format!("{}: `workflow_call`: the caller's triggers decide", t.line)),
            _ => subs.push(default.clone()),
        }
    }
    subs.sort();
    subs.dedup();
    (subs, left, None)
}

/// One role per IAM user (key secret), serving every job that uses those keys.
pub fn propose(uses: &[KeyUse], workflows: &[Workflow], cx: &For<'_>) -> Proposal {
    let mut by_user: BTreeMap<&str, Vec<&KeyUse>> = BTreeMap::new();
    for u in uses.iter().filter(|u| !u.secrets.is_empty()) {
        by_user.entry(u.key_secret()).or_default().push(u);
    }
    // An account named anywhere (a role the keys assumed) is the account of every new role.
    let known_account = uses
        .iter()
        .filter_map(|u| u.role.as_deref())
        .filter(|r| !r.contains("${{"))
        .find_map(|r| {
            r.split(':')
                .nth(4)
                .filter(|a| a.len() == 12)
                .map(str::to_string)
        });
    let mut roles = Vec::new();
    for (secret, uses) in by_user {
        let existing = uses
            .iter()
            .find_map(|u| u.role.clone())
            .filter(|r| !r.contains("${{"));
        let name = match &existing {
            Some(arn) => arn.rsplit('/').next().unwrap_or(arn).to_string(),
            None => role_name(cx.repository, secret),
        };
        let account = cx
            .account
            .map(str::to_string)
            .or_else(|| known_account.clone());
        let arn = match (&existing, account) {
            (Some(arn), _) => arn.clone(),
            (None, Some(a)) => format!("arn:aws:iam::{a}:role/{name}"),
            (None, None) => format!("arn:aws:iam::${{{{ vars.AWS_ACCOUNT_ID }}}}:role/{name}"),
        };
        let mut secrets: Vec<String> = Vec::new();
        let mut jobs: Vec<String> = Vec::new();
        for u in &uses {
            for s in &u.secrets {
                if !secrets.contains(s) {
                    secrets.push(s.clone());
                }
            }
            let job = format!("{}:{}", u.workflow, u.job);
            if !jobs.contains(&job) {
                jobs.push(job);
            }
        }
        let (mut exact, mut like, mut left_out) = (Vec::new(), Vec::new(), Vec::new());
        let mut environments = Vec::new();
        for u in &uses {
            let Some(w) = workflows.iter().find(|w| w.path == u.workflow) else {
                continue;
            };
            let (subs, left, env) = subjects(w, &u.job, cx);
            if let Some(env) = env {
                let job = format!("{}:{}", u.workflow, u.job);
                if !environments.iter().any(|(j, _)| *j == job) {
                    environments.push((job, env));
                }
            }
            for s in subs {
                let into = if s.contains('*') {
                    &mut like
                } else {
                    &mut exact
                };
                if !into.contains(&s) {
                    into.push(s);
                }
            }
            left_out.extend(
                left.into_iter()
                    .map(|l| format!("{}:{l} (job `{}`)", u.workflow, u.job)),
            );
        }
        left_out.dedup();
        roles.push(RoleProposal {
            name,
            arn,
            secrets,
            existing,
            jobs,
            exact,
            like,
            left_out,
            environments,
            carried: Vec::new(),
        });
    }
    Proposal { roles }
}

/// The trust policy as IAM JSON, for the account (or `ACCOUNT_ID`).
pub fn trust_json(role: &RoleProposal, account: &str) -> String {
    let provider =
        format!("arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com");
    let statement = |sid: &str, op: &str, subs: &[String]| {
        // One `StringEquals` block holds `aud` (and `sub`, when exact): a second block of the
        // same name would be a duplicate key, of which IAM keeps one.
        let mut condition = serde_json::json!({
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        });
        condition[op]["token.actions.githubusercontent.com:sub"] = serde_json::json!(subs);
        serde_json::json!({
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        })
    };
    let mut statements = Vec::new();
    if !role.exact.is_empty() {
        statements.push(statement(
            "GitHubExactSubjects",
            "StringEquals",
            &role.exact,
        ));
    }
    if !role.like.is_empty() {
        statements.push(statement("GitHubSubjectPatterns", "StringLike", &role.like));
    }
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn hcl_list(values: &[String]) -> String {
    let quoted: Vec<String> = values
        .iter()
        .map(|v| format!("\"{}\"", v.replace('$', "$$")))
        .collect();
    format!("[{}]", quoted.join(", "))
}

fn label(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The proposal in `iac`; for JSON, one trust document per role (named by the caller).
pub fn render(proposal: &Proposal, iac: Iac) -> Vec<(String, String)> {
    match iac {
        Iac::Json => proposal
            .roles
            .iter()
            .map(|r| {
                (
                    format!("{}.trust.json", r.name),
                    trust_json(r, "ACCOUNT_ID"),
                )
            })
            .collect(),
        Iac::Terraform => vec![("github-oidc-roles.tf".into(), terraform(proposal))],
        Iac::CloudFormation => vec![("github-oidc-roles.yaml".into(), cloudformation(proposal))],
    }
}

fn terraform(proposal: &Proposal) -> String {
    let mut out = String::from(
        "# Written by `oidc-assume migrate`: roles for GitHub Actions' OIDC tokens, replacing IAM-user keys.\ndata \"aws_caller_identity\" \"current\" {}\n",
    );
    for r in &proposal.roles {
        let l = label(&r.name);
        out.push_str(&format!(
            "\n# Replaces the keys in secrets {} (jobs: {}).\n",
            r.secrets.join(", "),
            r.jobs.join(", ")
        ));
        if let Some(existing) = &r.existing {
            out.push_str(&format!("# The keys assumed {existing}: give that role this trust policy (or add its statements) instead of creating one.\n"));
        }
        out.push_str(&format!(
            "data \"aws_iam_policy_document\" \"{l}_trust\" {{\n"
        ));
        for (op, subs) in [("StringEquals", &r.exact), ("StringLike", &r.like)] {
            if subs.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "  statement {{\n    actions = [\"sts:AssumeRoleWithWebIdentity\"]\n    principals {{\n      type        = \"Federated\"\n      identifiers = [\"arn:aws:iam::${{data.aws_caller_identity.current.account_id}}:oidc-provider/token.actions.githubusercontent.com\"]\n    }}\n    condition {{\n      test     = \"StringEquals\"\n      variable = \"token.actions.githubusercontent.com:aud\"\n      values   = [\"sts.amazonaws.com\"]\n    }}\n    condition {{\n      test     = \"{op}\"\n      variable = \"token.actions.githubusercontent.com:sub\"\n      values   = {}\n    }}\n  }}\n",
                hcl_list(subs)
            ));
        }
        out.push_str("}\n\n");
        if let Some(existing) = &r.existing {
            out.push_str(&format!("# {existing} exists: set its `assume_role_policy = data.aws_iam_policy_document.{l}_trust.json`\n# (keep statements for other principals), and detach the IAM user it trusted today.\n"));
            continue;
        }
        out.push_str(&format!(
            "resource \"aws_iam_role\" \"{l}\" {{\n  name               = \"{}\"\n  assume_role_policy = data.aws_iam_policy_document.{l}_trust.json\n}}\n",
            r.name
        ));
        out.push_str(&terraform_permissions(r, &l));
    }
    out
}

/// Whether a carried policy is one never attached without a person deciding it.
fn too_wide(arn: &str) -> bool {
    arn.ends_with(":policy/AdministratorAccess") || arn.ends_with(":policy/IAMFullAccess")
}

/// The carried policies as attachments (the widest commented out, with why), or the
/// placeholder when nothing was carried.
fn terraform_permissions(r: &RoleProposal, l: &str) -> String {
    if r.carried.is_empty() {
        return format!(
            "\n# Permissions: attach what the IAM user had, narrowed to what these jobs do (see the migrate output:\n# `aws iam list-attached-user-policies` and `list-user-policies`). Never AdministratorAccess by default.\n# resource \"aws_iam_role_policy_attachment\" \"{l}\" {{\n#   role       = aws_iam_role.{l}.name\n#   policy_arn = \"arn:aws:iam::aws:policy/...\"\n# }}\n"
        );
    }
    let mut out = String::from(
        "\n# Carried over from the IAM user (`migrate --aws`): narrow them to what these jobs do.\n",
    );
    for (i, arn) in r.carried.iter().enumerate() {
        let block = format!(
            "resource \"aws_iam_role_policy_attachment\" \"{l}_{i}\" {{\n  role       = aws_iam_role.{l}.name\n  policy_arn = \"{arn}\"\n}}\n"
        );
        if too_wide(arn) {
            out.push_str("# The user had this; a role reachable from workflows should not: attach it only on purpose.\n");
            out.extend(block.lines().map(|line| format!("# {line}\n")));
        } else {
            out.push_str(&block);
        }
    }
    out
}

fn cloudformation(proposal: &Proposal) -> String {
    let mut out = String::from(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: \"Written by oidc-assume migrate: roles for GitHub Actions OIDC tokens, replacing IAM-user keys\"\nResources:\n",
    );
    for r in &proposal.roles {
        let logical: String = r
            .name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        out.push_str(&format!(
            "  # Replaces the keys in secrets {} (jobs: {}).\n",
            r.secrets.join(", "),
            r.jobs.join(", ")
        ));
        out.push_str(&format!("  {logical}Role:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: {}\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n", r.name));
        for (op, subs) in [("StringEquals", &r.exact), ("StringLike", &r.like)] {
            if subs.is_empty() {
                continue;
            }
            out.push_str("          - Effect: Allow\n            Principal:\n              Federated: !Sub \"arn:aws:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com\"\n            Action: sts:AssumeRoleWithWebIdentity\n            Condition:\n              StringEquals:\n                token.actions.githubusercontent.com:aud: sts.amazonaws.com\n");
            // Exact subjects share the `StringEquals` block: a second one would be a duplicate key.
            if op != "StringEquals" {
                out.push_str(&format!("              {op}:\n"));
            }
            out.push_str("                token.actions.githubusercontent.com:sub:\n");
            for s in subs {
                out.push_str(&format!("                  - \"{s}\"\n"));
            }
        }
        let carried: Vec<&String> = r.carried.iter().filter(|a| !too_wide(a)).collect();
        if carried.is_empty() {
            out.push_str("      # ManagedPolicyArns / Policies: what the IAM user had, narrowed to what these jobs do. Never AdministratorAccess by default.\n");
        } else {
            out.push_str("      # Carried over from the IAM user (`migrate --aws`): narrow them to what these jobs do.\n      ManagedPolicyArns:\n");
            for arn in carried {
                out.push_str(&format!("        - {arn}\n"));
            }
        }
        for arn in r.carried.iter().filter(|a| too_wide(a)) {
            out.push_str(&format!("      # The user had {arn}; a role reachable from workflows should not: add it only on purpose.\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::read;

    #[test]
    fn names_patterns_and_subjects() {
        assert_eq!(
            role_name("acme/app", "PROD_DEPLOY_AWS_ACCESS_KEY_ID"),
            "app-prod-deploy"
        );
        assert_eq!(
            role_name("acme/app", "AWS_ACCESS_KEY_ID"),
            "app-github-actions"
        );
        assert_eq!(iam_pattern("release/**"), ("release/*".into(), true));
        assert_eq!(iam_pattern("v[0-9]+.*"), ("v*.*".into(), true));
        assert_eq!(iam_pattern("main"), ("main".into(), false));
        let cx = For {
            repository: "acme/app",
            default_branch: "main",
            account: None,
        };
        // (on:, environment, subjects, left out count)
        let cases: &[(&str, Option<&str>, &[&str], usize)] = &[
            (
                "  push:\n    branches: [main, 'release/**']",
                None,
                &[
                    "repo:acme/app:ref:refs/heads/main",
                    "repo:acme/app:ref:refs/heads/release/*",
                ],
                0,
            ),
            (
                "  push:\n    tags: ['v*']",
                None,
                &["repo:acme/app:environment:release"],
                1,
            ),
            (
                "  push:\n    branches: [main]\n    tags: ['v*']",
                None,
                &[
                    "repo:acme/app:ref:refs/heads/main",
                    "repo:acme/app:ref:refs/tags/v*",
                ],
                0,
            ),
            (
                "  push:\n  pull_request:",
                None,
                &["repo:acme/app:ref:refs/heads/main"],
                2,
            ),
            (
                "  workflow_dispatch:\n  schedule:\n    - cron: '0 0 * * *'",
                None,
                &["repo:acme/app:ref:refs/heads/main"],
                1,
            ),
            ("  pull_request_target:", None, &[], 1),
            (
                "  push:\n    branches: [main]",
                Some("production"),
                &["repo:acme/app:environment:production"],
                0,
            ),
        ];
        for (on, env, want, left) in cases {
            let env_line = env
                .map(|e| format!("    environment: {e}\n"))
                .unwrap_or_default();
            let text = format!("on:\n{on}\njobs:\n  j:\n    runs-on: x\n{env_line}    steps: []\n");
            let w = read("w.yml", &text).unwrap();
            let (subs, left_out, _) = subjects(&w, "j", &cx);
            assert_eq!(subs, *want, "{on}");
            assert_eq!(left_out.len(), *left, "{on}: {left_out:?}");
        }
    }
}
