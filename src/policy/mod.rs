//! The claim policy: which repositories, refs, environments and events may assume which roles.
//! Pure: no I/O (the caller reads the file), no clock, no environment.
//!
//! A policy is parsed strictly (`parse`), compiled once into a checked [`Policy`] (anchored
//! patterns, known claim names, no conditionless rules), and evaluated by [`Policy::evaluate`],
//! a pure function of the requested role and the verified claims. The action, the dry run and
//! (later) the audit share this one compiler, so they cannot disagree.
//!
//! Semantics: default deny; any matching deny rule wins; an allow rule matches when every one of
//! its conditions matches. A missing claim never satisfies an allow and always satisfies a deny
//! (fail closed). The token's `event_name` must be in `defaults.allowed_events` unless the allow
//! rule has its own `event_name` condition; `pull_request_target`, `workflow_run` and
//! `issue_comment` pass only where a rule names them as plain values.

mod explain;
mod parse;
pub mod pattern;

use crate::claims::Claims;
pub use explain::{Denial, Failure};
use pattern::Pattern;

/// Claims whose value an event decides (a pull request's merge ref is never protected, and
/// its workflow refs name it).
const FOLLOW_THE_EVENT: &[&str] = &[
    "ref",
    "ref_protected",
    "ref_type",
    "head_ref",
    "base_ref",
    "workflow_ref",
    "job_workflow_ref",
    "sub",
];

/// Events allowed when `defaults.allowed_events` is not given.
pub const DEFAULT_ALLOWED_EVENTS: &[&str] = &["push", "workflow_dispatch", "release", "schedule"];

/// Events that run with the base repository's secrets and permissions on behalf of input that
/// anyone may control (a fork's pull request, a comment, another workflow's artifacts): allowed
/// only where a rule names them.
pub const DANGEROUS_EVENTS: &[&str] = &["pull_request_target", "workflow_run", "issue_comment"];

/// The `allowed-*` inputs, compiled into the same model as a policy file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimpleInputs {
    /// `allowed-repositories`
    pub repositories: Vec<String>,
    /// `allowed-refs`
    pub refs: Vec<String>,
    /// `allowed-environments`
    pub environments: Vec<String>,
    /// `allowed-events`
    pub events: Vec<String>,
}

/// A compiled, checked policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    allowed_events: Vec<String>,
    allow: Vec<Rule>,
    deny: Vec<Rule>,
    /// The repository's custom `sub` template, when the policy states it.
    sub_template: Option<crate::token_claims::SubTemplate>,
}

impl Policy {
    /// The repository's custom `sub` template (`sub_template = [...]`), which the dry run mints
    /// and `paths` derives tokens with.
    pub fn sub_template(&self) -> Option<&crate::token_claims::SubTemplate> {
        self.sub_template.as_ref()
    }

    /// The repositories the allow rules name exactly (`repository = "acme/app"`), sorted and
    /// without repeats: the repository a policy is for, when a tool is not told.
    pub fn named_repositories(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .allow
            .iter()
            .flat_map(|r| r.conditions.iter())
            .filter(|c| c.claim == "repository")
            .flat_map(|c| c.patterns.iter())
            .filter_map(|p| match p {
                Pattern::Exact(name) => Some(name.clone()),
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// One allow or deny rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    name: String,
    roles: Option<Vec<String>>,
    conditions: Vec<Condition>,
}

/// `claim` must match one of `patterns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    claim: String,
    patterns: Vec<Pattern>,
}

/// The outcome of evaluating a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// An allow rule matched and no deny rule did.
    Allowed {
        /// The matching allow rule's name.
        rule: String,
    },
    /// Denied, with the reason.
    Denied(Denial),
}

/// Why a policy could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A problem at a place in the policy file.
    #[error("{origin}:{line}:{column}: {message}")]
    File {
        origin: String,
        line: usize,
        column: usize,
        message: String,
        hint: Option<String>,
    },
    /// Several problems in the policy file, in file order, each with its place and fix.
    #[error("{} problems in the policy:\n{}", .0.len(), render_several(.0))]
    Several(Vec<PolicyError>),
    /// A problem in one of the `allowed-*` inputs.
    #[error("input `{input}`: {message}")]
    Input {
        input: &'static str,
        message: String,
        hint: Option<String>,
    },
}

impl PolicyError {
    /// How to fix it.
    pub fn hint(&self) -> Option<String> {
        match self {
            PolicyError::File { hint, .. } | PolicyError::Input { hint, .. } => hint.clone(),
            // Each problem's fix is printed under it.
            PolicyError::Several(_) => None,
        }
    }

    /// Each single problem (one for a lone error).
    pub fn problems(&self) -> Vec<&PolicyError> {
        match self {
            PolicyError::Several(all) => all.iter().collect(),
            one => vec![one],
        }
    }
}

/// One line per problem, its fix indented under it.
fn render_several(errors: &[PolicyError]) -> String {
    let mut text = String::new();
    for e in errors {
        text.push_str(&format!("  {e}\n"));
        if let Some(hint) = e.hint() {
            text.push_str(&format!("    fix: {hint}\n"));
        }
    }
    text.trim_end().to_string()
}

impl Policy {
    /// Parses and compiles a TOML policy; `origin` names it in errors (the file's path).
    pub fn from_toml(source: &str, origin: &str) -> Result<Policy, PolicyError> {
        parse::parse(source, origin)
    }

    /// Compiles the `allowed-*` inputs; `None` when all are empty.
    pub fn from_simple(inputs: &SimpleInputs) -> Result<Option<Policy>, PolicyError> {
        let fail = |input: &'static str| {
            move |(message, hint): pattern::Problem| PolicyError::Input {
                input,
                message,
                hint,
            }
        };
        let mut conditions = Vec::new();
        for (input, claim, values) in [
            ("allowed-repositories", "repository", &inputs.repositories),
            ("allowed-refs", "ref", &inputs.refs),
            ("allowed-environments", "environment", &inputs.environments),
        ] {
            if values.is_empty() {
                continue;
            }
            let patterns = values
                .iter()
                .map(|v| Pattern::compile(claim, v, true))
                .collect::<Result<Vec<_>, _>>()
                .map_err(fail(input))?;
            conditions.push(Condition {
                claim: claim.to_string(),
                patterns,
            });
        }
        let allowed_events = if inputs.events.is_empty() {
            if conditions.is_empty() {
                return Ok(None);
            }
            DEFAULT_ALLOWED_EVENTS
                .iter()
                .map(|e| e.to_string())
                .collect()
        } else {
            check_allowed_events(&inputs.events).map_err(fail("allowed-events"))?;
            inputs.events.clone()
        };
        if conditions.is_empty() {
            // Only events were given: the rule is "any repository, these events". Say what it
            // means by keeping the events as the rule's own condition.
            conditions.push(Condition {
                claim: "event_name".into(),
                patterns: allowed_events
                    .iter()
                    .map(|e| Pattern::Exact(e.clone()))
                    .collect(),
            });
        }
        Ok(Some(Policy {
            allowed_events,
            allow: vec![Rule {
                name: "action inputs".into(),
                roles: None,
                conditions,
            }],
            deny: Vec::new(),
            sub_template: None,
        }))
    }

    /// The allow rules, in file order (read-only; for the audit and the trust-policy export).
    pub fn allow_rules(&self) -> &[Rule] {
        &self.allow
    }

    /// The deny rules, in file order.
    pub fn deny_rules(&self) -> &[Rule] {
        &self.deny
    }

    /// `defaults.allowed_events` (or the default list).
    pub fn allowed_events(&self) -> &[String] {
        &self.allowed_events
    }

    /// Number of rules (allow and deny).
    pub fn rule_count(&self) -> usize {
        self.allow.len() + self.deny.len()
    }

    /// Decides whether a token with `claims` may assume `role_arn`.
    pub fn evaluate(&self, role_arn: &str, claims: &Claims) -> Decision {
        let applies = |rule: &&Rule| {
            rule.roles
                .as_ref()
                .is_none_or(|r| r.iter().any(|a| a == role_arn))
        };
        for rule in self.deny.iter().filter(applies) {
            let all_match = rule.conditions.iter().all(|c| match claims.get(&c.claim) {
                None => true,
                Some(value) => c.patterns.iter().any(|p| p.matches(value)),
            });
            if all_match {
                return Decision::Denied(Denial::deny_rule(rule, claims));
            }
        }
        let candidates: Vec<&Rule> = self.allow.iter().filter(applies).collect();
        if candidates.is_empty() {
            let mut named: Vec<String> = self
                .allow
                .iter()
                .filter_map(|r| r.roles.clone())
                .flatten()
                .collect();
            named.sort();
            named.dedup();
            return Decision::Denied(Denial::no_rule_for_role(role_arn, named));
        }
        let mut reports = Vec::new();
        for rule in candidates {
            let failures = self.failures(rule, claims);
            if failures.is_empty() {
                return Decision::Allowed {
                    rule: rule.name.clone(),
                };
            }
            reports.push((rule, failures));
        }
        Decision::Denied(Denial::no_match(role_arn, reports))
    }

    /// The conditions of an allow rule that `claims` fail, in rule order, then the event check.
    fn failures(&self, rule: &Rule, claims: &Claims) -> Vec<Failure> {
        let admits = rule.admits();
        // A job of an unreviewed-code event on a rule that admits a deployment: its ref and
        // workflow claims fail because of the event, and fixing them one by one (`base_ref`
        // for `ref`, dropping `ref_protected`) would let pull requests deploy. The event's
        // fix is the one to follow.
        // (A rule that names the event itself meant to admit it: its own fixes apply.)
        let names_event = |event: &str| {
            rule.conditions
                .iter()
                .any(|c| c.claim == "event_name" && c.patterns.iter().any(|p| p.matches(event)))
        };
        let unreviewed = claims.get("event_name").filter(|e| {
            admits.is_some() && crate::github::UNREVIEWED_EVENTS.contains(e) && !names_event(e)
        });
        let mut failures: Vec<Failure> = rule
            .conditions
            .iter()
            .filter_map(|c| {
                let actual = claims.get(&c.claim);
                let matched = actual.is_some_and(|v| c.patterns.iter().any(|p| p.matches(v)));
                (!matched).then(|| {
                    let mut failure = Failure::condition(c, actual, admits.as_deref());
                    if let Some(event) = unreviewed
                        && FOLLOW_THE_EVENT.contains(&c.claim.as_str())
                    {
                        failure.hint = Some(format!(
                            "follows from `event_name` `{event}`: do not change this condition; see the fix for `event_name`"
                        ));
                    }
                    failure
                })
            })
            .collect();
        if !rule.conditions.iter().any(|c| c.claim == "event_name") {
            let event = claims.get("event_name");
            if !event.is_some_and(|e| self.allowed_events.iter().any(|a| a == e)) {
                failures.push(Failure::default_events(
                    event,
                    &self.allowed_events,
                    admits.as_deref(),
                ));
            }
        }
        failures
    }
}

impl Rule {
    /// The rule's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The roles it applies to; `None` means every role.
    pub fn roles(&self) -> Option<&[String]> {
        self.roles.as_deref()
    }

    /// Its claim conditions, in file order.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// What deployment the rule admits, if it admits one: an environment, a protected ref, or
    /// particular branches or tags. Denials on such a rule never suggest widening it.
    pub fn admits(&self) -> Option<String> {
        let condition = |claim: &str| self.conditions.iter().find(|c| c.claim == claim);
        let sources = |c: &Condition| {
            c.patterns
                .iter()
                .map(|p| format!("`{}`", p.source()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(c) = condition("environment") {
            return Some(format!("environment {}", sources(c)));
        }
        if condition("ref_protected").is_some_and(|c| c.patterns.iter().any(|p| p.matches("true")))
        {
            return Some("only protected refs".into());
        }
        condition("ref")
            .filter(|c| {
                c.patterns.iter().all(|p| {
                    let s = p.source();
                    s.starts_with("refs/heads/") || s.starts_with("refs/tags/")
                })
            })
            .map(|c| format!("ref {}", sources(c)))
    }
}

impl Condition {
    /// The claim name.
    pub fn claim(&self) -> &str {
        &self.claim
    }

    /// The patterns, any of which may match.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }
}

/// Checks a list of allowed events: plain names, none of the dangerous ones.
fn check_allowed_events(events: &[String]) -> Result<(), pattern::Problem> {
    for event in events {
        if DANGEROUS_EVENTS.contains(&event.as_str()) {
            return Err((
                format!("`{event}` cannot be allowed for every rule"),
                Some(format!(
                    "`{event}` runs with this repository's secrets on behalf of input anyone can control; allow it only in a rule of its own, with `event_name = \"{event}\"` and a read-only role in its `roles`"
                )),
            ));
        }
        if event.is_empty() || !event.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err((
                format!("`{event}` is not an event name"),
                Some(
                    "events are names such as `push`, `workflow_dispatch`, `release`, `schedule`"
                        .into(),
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
