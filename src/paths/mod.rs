//! Attack paths (#19): which workflow job, started by whom and running whose code, can become
//! which AWS role of the tree, with what power. Joins the workflow model ([`crate::workflow`]:
//! triggers, permissions, whose code runs) to the trust policies the audit reads
//! ([`crate::trust`]), through the tokens each job can get ([`tokens`], the dry run's
//! derivation) and the one evaluator `explain` uses. Pure: the command reads the files.
//!
//! A job that runs unreviewed code holding `id-token: write` can request a token itself, so it
//! is evaluated against every role of the tree, not only the roles its steps name; a job that
//! runs reviewed code is evaluated against the roles it names.

pub mod glob;
mod judge;
pub mod render;
mod repository;
pub mod tokens;

use std::rc::Rc;

use crate::trust::DocumentRead;
use crate::trust::document::TrustDocument;
use crate::trust::finding::Severity;
use crate::trust::power::Power;
use crate::workflow::actors::{self, Actor};
use crate::workflow::credentials::{Kind, RoleRef, credential_uses};
use crate::workflow::permissions::can_request_token;
use crate::workflow::{Job, Workflow};

pub use repository::{check_repository, origin_repository};
pub use tokens::{Setting, Token};

/// Why `paths` could not run.
#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    #[error("no workflows to analyse: {dir} could not be read ({why})")]
    NoWorkflows { dir: String, why: String },
    #[error("`--repository {0}` is not OWNER/REPO")]
    BadRepository(String),
    #[error(
        "the repository is not known: `--repository` was not given, `.git/config` has no remote `origin`, and `.github/oidc-assume.toml` names no single repository"
    )]
    NoRepository,
    #[error("`--sub-template`: {0}")]
    Template(crate::token_claims::TemplateError),
}

impl PathsError {
    /// `hint:` text.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            PathsError::NoWorkflows { .. } => "give the repository's root: `oidc-assume paths path/to/repo` reads its `.github/workflows`".into(),
            PathsError::BadRepository(_) | PathsError::NoRepository => "name it: `--repository OWNER/REPO` (the claims `repository` and `sub` are built from it)".into(),
            PathsError::Template(_) => "list the claim keys of the repository's OIDC `sub` customization, e.g. `--sub-template repo,context,job_workflow_ref`".into(),
        })
    }
}

/// A role of the tree, as the audit read it.
#[derive(Debug, Clone)]
pub struct Role {
    /// Its IAM name where the form says it, else the resource's name.
    pub name: String,
    pub path: String,
    pub line: usize,
    /// `aws_iam_role.deploy`, `DeployRole`, …
    pub resource: String,
    pub trust: TrustDocument,
    pub power: Option<Rc<Power>>,
}

impl Role {
    /// A role from what the audit read.
    pub fn from_document(d: &DocumentRead) -> Role {
        let label = d.resource.rsplit('.').next().unwrap_or(&d.resource);
        let name = d
            .trust
            .role_name
            .clone()
            .filter(|n| !n.is_empty() && !n.contains("${"))
            .unwrap_or_else(|| label.to_string());
        Role {
            name,
            path: d.path.clone(),
            line: d.line,
            resource: d.resource.clone(),
            trust: d.trust.clone(),
            power: d.power.clone().map(Rc::new),
        }
    }
}

/// The role a record is about.
#[derive(Debug, Clone)]
pub enum Target {
    /// A role of the tree (index into the roles).
    Tree(usize),
    /// A role the workflow names that the tree does not define (an ARN or a name).
    External(String),
    /// A role given by an expression the tree does not resolve.
    Unresolved(String),
}

/// Where a trust decision was made: the condition (or statement) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decisive {
    pub path: String,
    pub line: usize,
    pub text: String,
}

/// One (workflow, job, trigger, role).
#[derive(Debug, Clone)]
pub struct Record {
    pub workflow: String,
    pub job: String,
    pub job_line: usize,
    /// The reusable workflow the job belongs to, when reached through a caller.
    pub called: Option<String>,
    pub trigger: String,
    pub trigger_line: usize,
    /// The role: its ARN as the workflow names it, its name, or `unresolved:…`.
    pub role: String,
    pub target: Target,
    /// The step that names the role (`None`: reached by requesting a token by hand).
    pub step_line: Option<usize>,
    /// The file that step is written in, when not the job's workflow (a composite action).
    pub step_file: Option<String>,
    pub reachable: bool,
    /// Reachable by assumption: the step assumes a role the tree does not define.
    pub assumed: bool,
    pub untrusted_code: bool,
    pub actor: Actor,
    pub severity: Option<Severity>,
    pub power: Option<Rc<Power>>,
    /// Who starts it and whose code runs.
    pub exposure: String,
    /// Why the role admits or refuses the token.
    pub because: String,
    pub unless: Option<String>,
    /// The token that proves the path (or the closest refused one).
    pub token: Option<Rc<Token>>,
    pub decisive: Option<Decisive>,
}

/// What the analysis found.
#[derive(Debug, Default)]
pub struct Analysis {
    pub records: Vec<Record>,
    /// Workflows and jobs read, for the summary.
    pub workflows: usize,
    pub jobs: usize,
    /// What was not followed (remote reusable workflows), as sentences with their place.
    pub notes: Vec<String>,
}

/// The job being judged and where its triggers and permissions come from.
struct Judged<'a> {
    /// The workflow whose triggers start it (the caller, for a reusable workflow).
    caller: &'a Workflow,
    /// The workflow the job is written in.
    workflow: &'a Workflow,
    job: &'a Job,
    /// The caller's job, for a reusable workflow's jobs.
    via: Option<&'a Job>,
}

/// Every path from every workflow job of `workflows` to every role of `roles`.
pub fn analyse(workflows: &[Workflow], roles: &[Role], setting: &Setting) -> Analysis {
    let values = roles
        .iter()
        .flat_map(|r| r.trust.statements.iter())
        .flat_map(|s| s.conditions.iter())
        .flat_map(|c| c.values.iter().map(|v| v.value.as_str()));
    let samples = tokens::Samples::from_values(values, &setting.default_branch);
    let judge = judge::Judge::new(roles, setting, &samples);
    let mut analysis = Analysis {
        workflows: workflows.len(),
        ..Analysis::default()
    };
    for workflow in workflows {
        let only_called = !workflow.triggers.is_empty()
            && workflow.triggers.iter().all(|t| t.event == "workflow_call");
        if only_called {
            continue;
        }
        for job in &workflow.jobs {
            analysis.jobs += 1;
            let Some(uses) = job.uses.as_deref() else {
                judge_job(
                    &judge,
                    &Judged {
                        caller: workflow,
                        workflow,
                        job,
                        via: None,
                    },
                    &mut analysis.records,
                );
                continue;
            };
            let local = uses.strip_prefix("./").filter(|p| !p.contains('@'));
            match local.and_then(|p| workflows.iter().find(|w| w.path.ends_with(p))) {
                Some(called) => {
                    for inner in &called.jobs {
                        let judged = Judged { caller: workflow, workflow: called, job: inner, via: Some(job) };
                        judge_job(&judge, &judged, &mut analysis.records);
                    }
                }
                None => analysis.notes.push(format!(
                    "{}:{}: job `{}` calls `{uses}`, which is not in the tree: its jobs are not analysed (their tokens name it in `job_workflow_ref`)",
                    workflow.path, job.line, job.id
                )),
            }
        }
    }
    analysis
}

/// Whether the job may request a token: its own grant, and for a reusable workflow's job also
/// its caller's (a called workflow can only lower the caller's permissions).
fn token_granted(j: &Judged<'_>) -> bool {
    let own = match j.via {
        Some(_) if j.workflow.permissions == Default::default() && j.job.permissions.is_none() => {
            true
        }
        _ => can_request_token(&j.workflow.permissions, j.job.permissions.as_ref()),
    };
    let caller = j
        .via
        .is_none_or(|via| can_request_token(&j.caller.permissions, via.permissions.as_ref()));
    own && caller
}

/// The roles a job's steps name, with the step's line.
fn named_roles(job: &Job) -> Vec<(RoleRef, StepAt)> {
    credential_uses(job)
        .into_iter()
        .filter(|u| u.kind != Kind::StaticKeys)
        .flat_map(|u| {
            let at = (u.line, job.steps[u.step].file.clone());
            u.roles.into_iter().map(move |r| (r, at.clone()))
        })
        .collect()
}

/// A step's line and, when not the workflow, its file.
pub(crate) type StepAt = (usize, Option<String>);

/// Whether the job requests a token by hand (then it can name any role in code).
fn requests_token(job: &Job) -> Option<StepAt> {
    credential_uses(job)
        .into_iter()
        .find(|u| u.kind == Kind::TokenRequest)
        .map(|u| (u.line, job.steps[u.step].file.clone()))
}

fn judge_job(judge: &judge::Judge<'_>, j: &Judged<'_>, out: &mut Vec<Record>) {
    let named = named_roles(j.job);
    let by_hand = requests_token(j.job);
    let granted = token_granted(j);
    let environment = j.job.environment.as_deref();
    for (trigger, exposure) in j
        .caller
        .triggers
        .iter()
        .zip(actors::exposures(j.caller, j.job))
    {
        if trigger.event == "workflow_call" {
            continue;
        }
        let base = judge::Base {
            workflow: j.caller,
            job: j.job,
            called: j.via.map(|_| j.workflow.path.as_str()),
            trigger,
            exposure: &exposure,
            environment,
        };
        let mut targets = judge.targets(&named);
        let any_role = granted && (exposure.untrusted_code || by_hand.is_some());
        if any_role {
            judge.add_every_role(&mut targets, by_hand.as_ref());
        }
        let tokens = granted.then(|| judge.tokens(&base));
        for aim in targets {
            out.push(judge.record(&base, aim, tokens.as_deref()));
        }
    }
}

/// The reachable paths that run unreviewed code, at or above `min`, as audit findings (OA300)
/// in the file whose step (or job) starts them.
pub fn findings(
    analysis: &Analysis,
    min: Severity,
) -> Vec<(String, crate::trust::finding::Finding)> {
    use crate::trust::checks::ATTACK_PATH;
    let mut out = Vec::new();
    for r in &analysis.records {
        let Some(severity) = r
            .severity
            .filter(|s| r.reachable && r.untrusted_code && *s >= min)
        else {
            continue;
        };
        let file = r
            .step_file
            .clone()
            .or_else(|| r.called.clone())
            .unwrap_or_else(|| r.workflow.clone());
        let loc = crate::trust::document::Loc {
            file: None,
            line: r.step_line.unwrap_or(r.job_line),
            column: 1,
            pointer: format!("jobs.{}", r.job),
        };
        let power = r
            .power
            .as_deref()
            .map_or_else(|| "power unknown".to_string(), Power::summary);
        let message = format!(
            "{} can become `{}` ({power}) through job `{}` on {}: {}; {}",
            r.actor.name(),
            r.role,
            r.job,
            r.trigger,
            r.exposure,
            r.because
        );
        out.push((file, ATTACK_PATH.at(&loc, message).severity(severity)));
    }
    out
}

/// How severe a reachable path is: critical when a stranger or a commenter runs their code
/// with a role that can write; unknown power never rates above what is known.
pub fn severity(actor: Actor, untrusted_code: bool, power: Option<&Power>) -> Severity {
    let level = power.map(Power::level);
    let complete = power.is_some_and(Power::complete);
    // A level below write counts only when the whole power is known.
    let writes = match level {
        Some(l) if l.writes() => Some(true),
        Some(_) if complete => Some(false),
        _ => None,
    };
    let stranger = matches!(actor, Actor::AnyAccount | Actor::Commenter);
    match (untrusted_code, stranger, writes) {
        (true, true, Some(true)) => Severity::Critical,
        (true, true, _) => Severity::High,
        (true, false, Some(true)) if actor == Actor::WriteAccess => Severity::High,
        (true, false, _) if actor == Actor::WriteAccess => Severity::Medium,
        (false, true, Some(true)) => Severity::Medium,
        _ => Severity::Low,
    }
}

#[cfg(test)]
mod tests;
