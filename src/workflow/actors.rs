//! Who can start a job, and whose code it then runs, per trigger: the attacker's side of an
//! attack path (#19 item 3). `pull_request_target` and `issue_comment` run in the base
//! repository's context with its token, so checking out the pull request's head there runs a
//! stranger's code; fork pull requests get no OIDC token on `pull_request`; `workflow_dispatch`
//! runs any branch the dispatcher picks. Pure.

use super::model::{Job, Step, Trigger, Workflow};

/// The least-trusted person who can make a job run, from least to most trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Actor {
    /// Anyone with a GitHub account (opens a pull request from a fork, opens an issue).
    AnyAccount,
    /// Anyone who can comment on an issue or pull request (on a public repository: anyone
    /// with an account).
    Commenter,
    /// Anyone with write access: pushes a branch, dispatches a workflow.
    WriteAccess,
    /// Only what reaches a protected branch (reviewed and merged), or a schedule on the
    /// default branch.
    Protected,
}

impl Actor {
    /// As reports and JSON name it.
    pub fn name(self) -> &'static str {
        match self {
            Actor::AnyAccount => "anyone with a GitHub account",
            Actor::Commenter => "anyone who can comment",
            Actor::WriteAccess => "anyone with write access",
            Actor::Protected => "only what reaches a protected branch",
        }
    }
}

/// One way a job can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    pub trigger: String,
    pub actor: Actor,
    /// The job runs code that no reviewer approved (a pull request's head, a pushed branch).
    pub untrusted_code: bool,
    /// Whether the job can hold an OIDC token on this trigger (fork pull requests cannot).
    pub token: bool,
    /// Why, in one sentence.
    pub because: String,
    /// What would stop it that the repository settings decide, not the files (an
    /// environment's required reviewers, branch protection).
    pub unless: Option<String>,
}

/// Every way `job` of `workflow` can run, one per trigger.
pub fn exposures(workflow: &Workflow, job: &Job) -> Vec<Exposure> {
    workflow
        .triggers
        .iter()
        .map(|t| {
            let mut e = exposure(t, job);
            if let Some(env) = &job.environment {
                e.unless = Some(format!(
                    "the environment `{env}` requires reviewers or limits its branches"
                ));
            }
            e
        })
        .collect()
}

fn exposure(trigger: &Trigger, job: &Job) -> Exposure {
    let head = checks_out_head(job);
    let make = |actor, untrusted_code, token, because: String| Exposure {
        trigger: trigger.event.clone(),
        actor,
        untrusted_code,
        token,
        because,
        unless: None,
    };
    match trigger.event.as_str() {
        "pull_request_target" => match head {
            Some(line) => make(
                Actor::AnyAccount,
                true,
                true,
                format!("pull_request_target runs with the base repository's token, and line {line} checks out the pull request's code"),
            ),
            None => make(
                Actor::AnyAccount,
                false,
                true,
                "pull_request_target runs the base branch's code with its token; any fork's pull request starts it".into(),
            ),
        },
        "issue_comment" | "pull_request_review_comment" => {
            let gated = job
                .condition
                .as_deref()
                .is_some_and(|c| c.contains("author_association"));
            let actor = if gated {
                Actor::WriteAccess
            } else {
                Actor::Commenter
            };
            match head {
                Some(line) => make(
                    actor,
                    true,
                    true,
                    format!("a comment starts it in the base repository's context, and line {line} checks out the pull request's code"),
                ),
                None => make(
                    actor,
                    false,
                    true,
                    "a comment starts it; it runs the default branch's code".into(),
                ),
            }
        }
        "workflow_run" => {
            let artifacts = runs_artifacts(job);
            let untrusted = head.is_some() || artifacts.is_some();
            let what = match (head, artifacts) {
                (Some(line), _) => format!("line {line} checks out the triggering run's code"),
                (None, Some(line)) => {
                    format!("line {line} downloads the triggering run's artifacts")
                }
                _ => "it runs the default branch's code".into(),
            };
            make(
                Actor::AnyAccount,
                untrusted,
                true,
                format!("workflow_run starts after {} (which a fork's pull request can run); {what}", trigger.workflows.join(", ")),
            )
        }
        "pull_request" | "pull_request_review" => make(
            Actor::WriteAccess,
            true,
            true,
            "pull requests from forks get no OIDC token, but one from a branch of the repository runs that branch's code with one".into(),
        ),
        "push" => push(trigger, make),
        "workflow_dispatch" | "repository_dispatch" => make(
            Actor::WriteAccess,
            true,
            true,
            format!("{} runs whichever branch the person starting it picks", trigger.event),
        ),
        "schedule" | "merge_group" => make(
            Actor::Protected,
            false,
            true,
            format!("{} runs the default branch's (or the merge queue's) code", trigger.event),
        ),
        "workflow_call" => make(
            Actor::Protected,
            false,
            true,
            "a reusable workflow runs as its caller does: see the calling job".into(),
        ),
        // issues, discussion, fork, watch, release, …: the default branch's code.
        _ => make(
            Actor::AnyAccount,
            false,
            true,
            format!("{} starts it; it runs the default branch's code", trigger.event),
        ),
    }
}

/// `push`: to a few named branches, what reaches them (protected, assumed); to any branch or a
/// pattern, whoever can push one.
fn push(trigger: &Trigger, make: impl Fn(Actor, bool, bool, String) -> Exposure) -> Exposure {
    let named = !trigger.branches.include.is_empty()
        && trigger
            .branches
            .include
            .iter()
            .all(|b| !b.contains(['*', '?', '[', '!']));
    let tags_only = trigger.branches.is_empty() && !trigger.tags.is_empty();
    if named {
        let mut e = make(
            Actor::Protected,
            false,
            true,
            format!("push runs only on {}", trigger.branches.include.join(", ")),
        );
        e.unless = Some("those branches are protected (otherwise anyone with write access)".into());
        return e;
    }
    let what = if tags_only { "tag" } else { "branch" };
    make(
        Actor::WriteAccess,
        true,
        true,
        format!("push runs on any {what} that matches, with its code"),
    )
}

/// The line of a step that checks out a pull request's (or triggering run's) head.
fn checks_out_head(job: &Job) -> Option<usize> {
    const HEAD_REFS: &[&str] = &[
        "github.event.pull_request.head",
        "github.head_ref",
        "refs/pull/",
        "github.event.workflow_run.head",
        "github.event.issue.number",
    ];
    let names_head = |v: &str| HEAD_REFS.iter().any(|h| v.contains(h));
    job.steps.iter().find_map(|s: &Step| {
        let checkout = s
            .uses
            .as_deref()
            .is_some_and(|u| u.to_ascii_lowercase().starts_with("actions/checkout@"));
        let by_input = checkout
            && s.with
                .iter()
                .any(|(k, v)| (k == "ref" || k == "repository") && names_head(v));
        let by_git = s.run.as_deref().is_some_and(|r| {
            (r.contains("git fetch") || r.contains("git checkout") || r.contains("gh pr checkout"))
                && (names_head(r) || r.contains("gh pr checkout"))
        });
        (by_input || by_git).then_some(s.line)
    })
}

/// The line of a step that downloads another run's artifacts.
fn runs_artifacts(job: &Job) -> Option<usize> {
    job.steps.iter().find_map(|s| {
        let uses = s.uses.as_deref().unwrap_or("").to_ascii_lowercase();
        let other_run = s
            .with
            .iter()
            .any(|(k, v)| (k == "run-id" || k == "run_id") && v.contains("workflow_run"));
        let download = (uses.starts_with("actions/download-artifact@") && other_run)
            || uses.starts_with("dawidd6/action-download-artifact@")
            || s.run
                .as_deref()
                .is_some_and(|r| r.contains("gh run download"));
        download.then_some(s.line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::read;

    fn first(on: &str, job: &str) -> Exposure {
        let text = format!("on:\n{on}\njobs:\n  j:\n{job}");
        let w = read("w.yml", &text).unwrap();
        exposures(&w, &w.jobs[0]).remove(0)
    }

    const CHECKOUT_HEAD: &str = "    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n";
    const CHECKOUT: &str = "    steps:\n      - uses: actions/checkout@v4\n";

    #[test]
    fn actor_and_code_by_trigger() {
        let cases: &[(&str, &str, Actor, bool)] = &[
            (
                "  pull_request_target:",
                CHECKOUT_HEAD,
                Actor::AnyAccount,
                true,
            ),
            ("  pull_request_target:", CHECKOUT, Actor::AnyAccount, false),
            ("  pull_request:", CHECKOUT, Actor::WriteAccess, true),
            (
                "  issue_comment:",
                "    steps:\n      - run: gh pr checkout ${{ github.event.issue.number }}\n",
                Actor::Commenter,
                true,
            ),
            (
                "  issue_comment:",
                "    if: contains(fromJSON('[\"OWNER\",\"MEMBER\"]'), github.event.comment.author_association)\n    steps:\n      - run: git fetch origin refs/pull/${{ github.event.issue.number }}/head\n",
                Actor::WriteAccess,
                true,
            ),
            (
                "  workflow_run:\n    workflows: [ci]",
                "    steps:\n      - uses: actions/download-artifact@v4\n        with:\n          run-id: ${{ github.event.workflow_run.id }}\n",
                Actor::AnyAccount,
                true,
            ),
            (
                "  workflow_run:\n    workflows: [ci]",
                CHECKOUT,
                Actor::AnyAccount,
                false,
            ),
            (
                "  push:\n    branches: [main]",
                CHECKOUT,
                Actor::Protected,
                false,
            ),
            (
                "  push:\n    branches: ['release/**']",
                CHECKOUT,
                Actor::WriteAccess,
                true,
            ),
            ("  push:", CHECKOUT, Actor::WriteAccess, true),
            ("  workflow_dispatch:", CHECKOUT, Actor::WriteAccess, true),
            (
                "  schedule:\n    - cron: '0 3 * * *'",
                CHECKOUT,
                Actor::Protected,
                false,
            ),
            (
                "  issues:\n    types: [opened]",
                CHECKOUT,
                Actor::AnyAccount,
                false,
            ),
        ];
        for (on, job, actor, untrusted) in cases {
            let e = first(on, job);
            assert_eq!(
                (e.actor, e.untrusted_code),
                (*actor, *untrusted),
                "{on} / {job}: {}",
                e.because
            );
        }
    }

    #[test]
    fn because_names_the_line_and_unless_the_setting() {
        let e = first("  pull_request_target:", CHECKOUT_HEAD);
        assert_eq!(
            e.because,
            "pull_request_target runs with the base repository's token, and line 6 checks out the pull request's code"
        );
        assert_eq!(e.unless, None);
        let e = first(
            "  pull_request_target:",
            "    environment: production\n    steps: []\n",
        );
        assert_eq!(
            e.unless.as_deref(),
            Some("the environment `production` requires reviewers or limits its branches")
        );
        let e = first("  push:\n    branches: [main, release]", CHECKOUT);
        assert_eq!(e.because, "push runs only on main, release");
        assert!(
            e.unless
                .unwrap()
                .starts_with("those branches are protected")
        );
        assert!(Actor::AnyAccount < Actor::Commenter && Actor::WriteAccess < Actor::Protected);
    }
}
