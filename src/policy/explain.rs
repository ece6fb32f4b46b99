//! Denials and their explanations: which rule, which claim, actual vs expected, and the fix.
//! Pure: no I/O. The text is the product, so it is tested word for word.

use super::{Condition, DANGEROUS_EVENTS, Rule};
use crate::claims::Claims;
use crate::text::printable;

/// Why an allow rule's condition failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The claim.
    pub claim: String,
    /// Its value in the token (`None`: absent).
    pub actual: Option<String>,
    /// What the rule (or the defaults) accept, as written.
    pub expected: Vec<String>,
    /// Where `expected` comes from: the rule, or `defaults.allowed_events`.
    pub from_defaults: bool,
    /// How to fix it, where we can tell.
    pub hint: Option<String>,
}

impl Failure {
    /// `sensitive` says what deployment the rule admits (see [`Rule::admits`]), so that no
    /// fix offered for it widens it.
    pub(super) fn condition(
        condition: &Condition,
        actual: Option<&str>,
        sensitive: Option<&str>,
    ) -> Failure {
        let expected: Vec<String> = condition
            .patterns
            .iter()
            .map(|p| p.source().to_string())
            .collect();
        let hint = hint(&condition.claim, actual, &expected, false, sensitive);
        Failure {
            claim: condition.claim.clone(),
            actual: actual.map(str::to_string),
            expected,
            from_defaults: false,
            hint,
        }
    }

    pub(super) fn default_events(
        actual: Option<&str>,
        allowed: &[String],
        sensitive: Option<&str>,
    ) -> Failure {
        Failure {
            claim: "event_name".into(),
            actual: actual.map(str::to_string),
            expected: allowed.to_vec(),
            from_defaults: true,
            hint: hint("event_name", actual, allowed, true, sensitive),
        }
    }
}

/// The fix for one failed condition. A fix never widens a rule that admits a deployment
/// (`sensitive`): it narrows the job, or points to a separate rule with a read-only role.
fn hint(
    claim: &str,
    actual: Option<&str>,
    expected: &[String],
    from_defaults: bool,
    sensitive: Option<&str>,
) -> Option<String> {
    let Some(actual) = actual else {
        return Some(if claim == "environment" {
            "the token has no `environment` claim because the job has no `environment:` key: add `environment: NAME` to the job".into()
        } else {
            format!(
                "the token has no `{claim}` claim (older GitHub Enterprise Server versions lack newer claims)"
            )
        });
    };
    if let Some(e) = expected
        .iter()
        .find(|e| !e.contains('*') && !e.starts_with("re:") && e.eq_ignore_ascii_case(actual))
    {
        return Some(format!(
            "values are case-sensitive: GitHub sent `{actual}`, the rule says `{e}`"
        ));
    }
    if claim == "event_name" {
        if let Some(admits) = sensitive
            && crate::github::UNREVIEWED_EVENTS.contains(&actual)
        {
            return Some(format!(
                "do not add `{actual}` to this rule or to `defaults.allowed_events`: the rule admits {admits}, and `{actual}` runs code that has not been reviewed and merged. If `{actual}` jobs need AWS, give them a separate `[[allow]]` rule with `event_name = \"{actual}\"` and a read-only role in its `roles`"
            ));
        }
        if DANGEROUS_EVENTS.contains(&actual) {
            return Some(format!(
                "`{actual}` runs with this repository's secrets on behalf of input anyone can control, so it is refused unless a rule names it: if such jobs truly need AWS, give them their own rule with `event_name = \"{actual}\"` and a read-only role in its `roles`"
            ));
        }
        if from_defaults {
            // The defaults apply to every rule without its own `event_name`: widening them
            // widens rules the user is not looking at.
            return Some(format!(
                "`{actual}` is not in `defaults.allowed_events`, which every rule without its own `event_name` uses: if this rule should admit it, give the rule its own `event_name` listing its events and `{actual}`, rather than widening the defaults for every rule"
            ));
        }
    }
    if matches!(claim, "ref" | "base_ref" | "head_ref") {
        if claim == "ref" && actual.starts_with("refs/pull/") {
            return Some("on `pull_request` events `ref` is the merge ref `refs/pull/N/merge`; the branch names are in `head_ref` and `base_ref`".into());
        }
        if claim == "ref" {
            for e in expected
                .iter()
                .filter(|e| !e.starts_with("refs/") && !e.starts_with("re:"))
            {
                for prefix in ["refs/heads/", "refs/tags/"] {
                    if actual == format!("{prefix}{e}")
                        || super::pattern::Pattern::compile(claim, &format!("{prefix}{e}"), true)
                            .is_ok_and(|p| p.matches(actual))
                    {
                        return Some(format!("`ref` is a full ref: write `{prefix}{e}`"));
                    }
                }
            }
        }
    }
    if claim == "ref_protected" && actual == "false" && expected.iter().any(|e| e == "true") {
        return Some("the ref is not protected: if it is the one this rule is for, protect it with a ruleset (repository Settings → Rules); do not remove this condition".into());
    }
    for e in expected
        .iter()
        .filter(|e| e.contains('*') && !e.contains("**") && !e.starts_with("re:"))
    {
        let deeper = e.replace('*', "**");
        if super::pattern::Pattern::compile(claim, &deeper, false).is_ok_and(|p| p.matches(actual))
        {
            // `**` admits every deeper value too: the exact value is the narrow fix.
            return Some(format!(
                "`*` does not match `/`: `{e}` covers one path segment; add `{actual}` itself, or use `{deeper}` only if every deeper value should pass too"
            ));
        }
    }
    None
}

/// Why the policy denied a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// A deny rule matched.
    DenyRule {
        /// Its name.
        rule: String,
        /// Each condition: claim, value in the token (`None`: absent), the rule's values.
        conditions: Vec<(String, Option<String>, Vec<String>)>,
    },
    /// No allow rule applies to the requested role.
    NoRuleForRole {
        /// The requested role.
        role: String,
        /// Roles the allow rules do name.
        named: Vec<String>,
    },
    /// Allow rules apply, none matched.
    NoMatch {
        /// The requested role.
        role: String,
        /// The closest rule: fewest failures, first in the file on ties.
        closest: String,
        /// Number of conditions of the closest rule (its own plus the default event check).
        total: usize,
        /// Its failures.
        failures: Vec<Failure>,
        /// The other applicable rules: name and number of failures.
        others: Vec<(String, usize)>,
    },
}

impl Denial {
    pub(super) fn deny_rule(rule: &Rule, claims: &Claims) -> Denial {
        Denial::DenyRule {
            rule: rule.name.clone(),
            conditions: rule
                .conditions
                .iter()
                .map(|c| {
                    (
                        c.claim.clone(),
                        claims.get(&c.claim).map(str::to_string),
                        c.patterns.iter().map(|p| p.source().to_string()).collect(),
                    )
                })
                .collect(),
        }
    }

    pub(super) fn no_rule_for_role(role: &str, named: Vec<String>) -> Denial {
        Denial::NoRuleForRole {
            role: role.to_string(),
            named,
        }
    }

    pub(super) fn no_match(role: &str, reports: Vec<(&Rule, Vec<Failure>)>) -> Denial {
        let best = reports
            .iter()
            .enumerate()
            .min_by_key(|(i, (_, f))| (f.len(), *i))
            .map_or(0, |(i, _)| i);
        let others = reports
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != best)
            .map(|(_, (r, f))| (r.name.clone(), f.len()))
            .collect();
        let (rule, failures) = &reports[best];
        let own_event = rule.conditions.iter().any(|c| c.claim == "event_name");
        Denial::NoMatch {
            role: role.to_string(),
            closest: rule.name.clone(),
            total: rule.conditions.len() + usize::from(!own_event),
            failures: failures.clone(),
            others,
        }
    }

    /// The claims this denial is about.
    pub fn claim_names(&self) -> Vec<String> {
        match self {
            Denial::DenyRule { conditions, .. } => {
                conditions.iter().map(|(c, _, _)| c.clone()).collect()
            }
            Denial::NoRuleForRole { .. } => Vec::new(),
            Denial::NoMatch { failures, .. } => failures.iter().map(|f| f.claim.clone()).collect(),
        }
    }

    /// One line, for an annotation.
    pub fn summary(&self) -> String {
        match self {
            Denial::DenyRule { rule, .. } => format!("deny rule `{rule}` matched"),
            Denial::NoRuleForRole { role, .. } => format!("no allow rule applies to role {role}"),
            Denial::NoMatch {
                closest, failures, ..
            } => {
                let first = &failures[0];
                let actual = first
                    .actual
                    .as_deref()
                    .map_or_else(|| "absent".to_string(), printable);
                format!(
                    "no allow rule matched; closest `{closest}`: `{}` is {actual}, expected {}",
                    first.claim,
                    expected_list(&first.expected)
                )
            }
        }
    }

    /// The full explanation, one fact per line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match self {
            Denial::DenyRule { rule, conditions } => {
                out.push_str(&format!("deny rule `{rule}` matched:\n"));
                for (claim, actual, expected) in conditions {
                    match actual {
                        Some(v) => out.push_str(&format!("  {claim} is {} (rule: {})\n", printable(v), expected_list(expected))),
                        None => out.push_str(&format!(
                            "  {claim} is absent: a missing claim counts as a match in deny rules (rule: {})\n",
                            expected_list(expected)
                        )),
                    }
                }
            }
            Denial::NoRuleForRole { role, named } => {
                out.push_str(&format!("no allow rule applies to role {role}\n"));
                if named.is_empty() {
                    out.push_str("  the policy has no allow rule for it\n");
                } else {
                    out.push_str("  the allow rules name only these roles:\n");
                    for arn in named {
                        out.push_str(&format!("    {arn}\n"));
                    }
                }
                // A rule without `roles` applies to every role: never the fix to suggest.
                out.push_str("  fix: correct `role-to-assume`, or add an `[[allow]]` rule that names this role in `roles`\n");
            }
            Denial::NoMatch {
                role,
                closest,
                total,
                failures,
                others,
            } => {
                out.push_str(&format!("no allow rule matched for role {role}\n"));
                out.push_str(&format!(
                    "closest rule: `{closest}` ({} of {total} condition{} failed)\n",
                    failures.len(),
                    if *total == 1 { "" } else { "s" }
                ));
                for f in failures {
                    out.push_str(&format!("  {}\n", f.claim));
                    let actual = f
                        .actual
                        .as_deref()
                        .map_or_else(|| "<absent>".to_string(), printable);
                    out.push_str(&format!("    actual:   {actual}\n"));
                    let source = if f.from_defaults {
                        " (defaults.allowed_events)"
                    } else {
                        ""
                    };
                    out.push_str(&format!(
                        "    expected: {}{source}\n",
                        expected_list(&f.expected)
                    ));
                    if let Some(hint) = &f.hint {
                        out.push_str(&format!("    fix:      {hint}\n"));
                    }
                }
                if !others.is_empty() {
                    out.push_str("other rules for this role:\n");
                    for (name, n) in others {
                        out.push_str(&format!(
                            "  `{name}`: {n} condition{} failed\n",
                            if *n == 1 { "" } else { "s" }
                        ));
                    }
                }
            }
        }
        out
    }
}

fn expected_list(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| printable(v)).collect();
    match quoted.len() {
        1 => quoted[0].clone(),
        _ => format!("one of {}", quoted.join(", ")),
    }
}
