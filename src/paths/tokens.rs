//! The OIDC tokens a job can get on one trigger: the refs it can run on (fixed by the trigger,
//! or chosen by whoever starts it), the environment, and the claims GitHub derives from them by
//! [`crate::token_claims::derive`], the derivation the dry run mints from. Pure.
//!
//! Where the person starting the job picks the ref (a push to any branch, `workflow_dispatch`),
//! the tokens are tried for sample refs: the default branch, a name matching each filter pattern,
//! a ref matching each pattern the trust policies name, and a stranger's branch. A path is then
//! proven by a concrete token; its absence holds for every ref the samples stand for.

use super::glob;
use crate::claims::Claims;
use crate::token_claims::{self, Derivation, SubTemplate};
use crate::workflow::{Trigger, Workflow};

/// What every token of the analysis shares.
#[derive(Debug, Clone)]
pub struct Setting {
    /// `OWNER/REPO`.
    pub repository: String,
    pub default_branch: String,
    pub issuer: String,
    pub audience: String,
    pub sub_template: Option<SubTemplate>,
}

/// One token a job can get.
#[derive(Debug, Clone)]
pub struct Token {
    pub claims: Claims,
    /// How the attacker gets it, e.g. "a push to branch `x`".
    pub how: String,
    /// The job then runs the default branch's reviewed code whatever it checks out otherwise: a
    /// push to or a dispatch on the default branch (the ref's own code runs there).
    pub reviewed: bool,
}

/// Refs the analysis tries where the ref is chosen: branch and tag names.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    pub branches: Vec<String>,
    pub tags: Vec<String>,
    pub environments: Vec<String>,
}

impl Samples {
    /// Sample names from the patterns the trust policies' condition values name: the part after
    /// `refs/heads/`, `refs/tags/` or `environment:`, up to the next `:` (which no ref name holds).
    pub fn from_values<'a>(values: impl Iterator<Item = &'a str>, default_branch: &str) -> Samples {
        let mut s = Samples {
            branches: vec![default_branch.to_string(), "attacker-branch".into()],
            tags: vec!["v0.0.0-attacker".into()],
            environments: Vec::new(),
        };
        for value in values {
            for (marker, into) in [
                ("refs/heads/", &mut s.branches),
                ("refs/tags/", &mut s.tags),
                ("environment:", &mut s.environments),
            ] {
                if let Some((_, rest)) = value.split_once(marker) {
                    let name = rest.split(':').next().unwrap_or("");
                    let name = name.replace(['*', '?'], "x");
                    if !name.is_empty() && !into.contains(&name) {
                        into.push(name);
                    }
                }
            }
        }
        s
    }
}

/// The refs a trigger runs on, each with how it gets there.
fn refs(trigger: &Trigger, setting: &Setting, samples: &Samples) -> Vec<(String, String)> {
    let default = format!("refs/heads/{}", setting.default_branch);
    let branch = |b: &String| (format!("refs/heads/{b}"), format!("branch `{b}`"));
    let tag = |t: &String| (format!("refs/tags/{t}"), format!("tag `{t}`"));
    let filtered = |names: &[String], filter: &crate::workflow::Filter| -> Vec<String> {
        let mut out: Vec<String> = filter
            .include
            .iter()
            .filter(|p| glob::is_literal(p))
            .cloned()
            .collect();
        out.extend(filter.include.iter().map(|p| glob::sample(p)));
        out.extend(names.iter().cloned());
        out.retain(|n| glob::admits(filter, n));
        out.sort();
        out.dedup();
        out
    };
    match trigger.event.as_str() {
        "push" => {
            let branches_only = !trigger.branches.is_empty() && trigger.tags.is_empty();
            let tags_only = trigger.branches.is_empty() && !trigger.tags.is_empty();
            let mut out = Vec::new();
            if !tags_only {
                out.extend(
                    filtered(&samples.branches, &trigger.branches)
                        .iter()
                        .map(branch),
                );
            }
            if !branches_only {
                out.extend(filtered(&samples.tags, &trigger.tags).iter().map(tag));
            }
            out
        }
        "workflow_dispatch" => {
            let mut out: Vec<_> = samples.branches.iter().map(branch).collect();
            out.extend(samples.tags.iter().map(tag));
            out
        }
        "release" => samples.tags.iter().map(tag).collect(),
        "pull_request_target" => filtered(
            std::slice::from_ref(&setting.default_branch),
            &trigger.branches,
        )
        .iter()
        .filter(|b| glob::is_literal(b))
        .map(|b| {
            (
                format!("refs/heads/{b}"),
                format!("a pull request into `{b}`"),
            )
        })
        .collect(),
        "merge_group" => vec![(
            format!(
                "refs/heads/gh-readonly-queue/{}/pr-1-0000000",
                setting.default_branch
            ),
            "the merge queue".into(),
        )],
        // pull_request: the merge ref, derived; the rest run on the default branch.
        _ => vec![(
            default,
            format!("the default branch `{}`", setting.default_branch),
        )],
    }
}

/// The job a token is for.
#[derive(Debug, Clone, Copy)]
pub struct JobAt<'a> {
    pub workflow: &'a Workflow,
    /// The environment as written (`None`: none).
    pub environment: Option<&'a str>,
    /// For a job of a reusable workflow: `PATH` of the called workflow.
    pub called: Option<&'a str>,
}

/// Every token the job can get on `trigger`.
pub fn tokens(
    job: JobAt<'_>,
    trigger: &Trigger,
    setting: &Setting,
    samples: &Samples,
) -> Vec<Token> {
    let environments: Vec<(Option<String>, String)> = match job.environment {
        None => vec![(None, String::new())],
        Some(env) if env.contains("${{") => samples
            .environments
            .iter()
            .map(|e| {
                (
                    Some(e.clone()),
                    format!(" in environment `{e}` (assumed: `{env}` is not resolved)"),
                )
            })
            .collect(),
        Some(env) => vec![(Some(env.to_string()), format!(" in environment `{env}`"))],
    };
    let mut out = Vec::new();
    for (git_ref, how) in refs(trigger, setting, samples) {
        for (environment, in_env) in &environments {
            let mut claims = Claims::from_pairs([
                ("iss", setting.issuer.as_str()),
                ("aud", setting.audience.as_str()),
                ("repository", setting.repository.as_str()),
                ("event_name", trigger.event.as_str()),
                ("ref", git_ref.as_str()),
                ("workflow", job.workflow.name.as_deref().unwrap_or("")),
            ]);
            if let Some(env) = environment {
                claims.set("environment", env.clone());
            }
            derive(&mut claims, job, setting, &git_ref);
            let how = match trigger.event.as_str() {
                "pull_request" => format!("a pull request from a branch of the repository{in_env}"),
                _ => format!("{} on {how}{in_env}", trigger.event),
            };
            let code_from_ref = matches!(
                trigger.event.as_str(),
                "push" | "workflow_dispatch" | "release" | "schedule" | "merge_group"
            );
            let reviewed =
                code_from_ref && git_ref == format!("refs/heads/{}", setting.default_branch);
            out.push(Token {
                claims,
                how,
                reviewed,
            });
        }
    }
    out
}

/// A workflow's path inside the repository (`.github/workflows/…`), however the tree was named.
fn in_repository(path: &str) -> &str {
    path.find(".github/workflows/")
        .map_or(path, |at| &path[at..])
}

fn derive(claims: &mut Claims, job: JobAt<'_>, setting: &Setting, git_ref: &str) {
    let protected = [format!("refs/heads/{}", setting.default_branch)];
    let called = job
        .called
        .map(|path| format!("{}/{}@{git_ref}", setting.repository, in_repository(path)));
    let how = Derivation {
        protected: &protected,
        pr_number: "1",
        head_branch: "attacker-branch",
        base_branch: &setting.default_branch,
        workflow_path: in_repository(&job.workflow.path),
        job_workflow: called.as_deref(),
        sub_template: setting.sub_template.as_ref(),
    };
    token_claims::derive(claims, &[], &how);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::read;

    fn setting(template: Option<&str>) -> Setting {
        Setting {
            repository: "acme/app".into(),
            default_branch: "main".into(),
            issuer: crate::github::GITHUB_COM_ISSUER.into(),
            audience: crate::github::DEFAULT_AUDIENCE.into(),
            sub_template: template.map(|t| SubTemplate::parse(t).unwrap()),
        }
    }

    fn subs(on: &str, environment: Option<&str>, template: Option<&str>) -> Vec<String> {
        let text = format!("on:\n{on}\njobs:\n  j:\n    runs-on: x\n    steps: []\n");
        let w = read(".github/workflows/ci.yml", &text).unwrap();
        let samples = Samples::from_values(
            [
                "repo:acme/app:ref:refs/heads/release/*",
                "repo:acme/app:environment:prod",
            ]
            .into_iter(),
            "main",
        );
        let job = JobAt {
            workflow: &w,
            environment,
            called: None,
        };
        let mut out: Vec<String> = tokens(job, &w.triggers[0], &setting(template), &samples)
            .into_iter()
            .map(|t| t.claims.get("sub").unwrap_or("").to_string())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn subjects_per_trigger() {
        // (on:, environment, template, expected subjects)
        type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [&'a str]);
        let cases: &[Case] = &[
            (
                "  push:\n    branches: [main]",
                None,
                None,
                &["repo:acme/app:ref:refs/heads/main"],
            ),
            (
                "  push:\n    branches: ['release/**']",
                None,
                None,
                &["repo:acme/app:ref:refs/heads/release/x"],
            ),
            (
                "  pull_request:",
                None,
                None,
                &["repo:acme/app:pull_request"],
            ),
            (
                "  pull_request_target:",
                None,
                None,
                &["repo:acme/app:ref:refs/heads/main"],
            ),
            (
                "  schedule:\n    - cron: '0 0 * * *'",
                None,
                None,
                &["repo:acme/app:ref:refs/heads/main"],
            ),
            (
                "  pull_request:",
                Some("prod"),
                None,
                &["repo:acme/app:environment:prod"],
            ),
            (
                "  workflow_dispatch:",
                None,
                None,
                &[
                    "repo:acme/app:ref:refs/heads/attacker-branch",
                    "repo:acme/app:ref:refs/heads/main",
                    "repo:acme/app:ref:refs/heads/release/x",
                    "repo:acme/app:ref:refs/tags/v0.0.0-attacker",
                ],
            ),
            (
                "  push:\n    tags: ['v*']",
                None,
                None,
                &[
                    "repo:acme/app:ref:refs/tags/v0.0.0-attacker",
                    "repo:acme/app:ref:refs/tags/vx",
                ],
            ),
            (
                "  issue_comment:",
                None,
                Some("repo,context,event_name"),
                &["repo:acme/app:ref:refs/heads/main:event_name:issue_comment"],
            ),
            (
                "  workflow_dispatch:",
                Some("${{ inputs.env }}"),
                Some("repository_owner,environment"),
                &[
                    "repository_owner:acme:environment:prod",
                    "repository_owner:acme:environment:prod",
                    "repository_owner:acme:environment:prod",
                    "repository_owner:acme:environment:prod",
                ],
            ),
        ];
        for (on, env, template, want) in cases {
            assert_eq!(
                subs(on, *env, *template),
                *want,
                "{on} {env:?} {template:?}"
            );
        }
    }
}
