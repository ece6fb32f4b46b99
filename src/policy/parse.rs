//! Strict TOML parsing of the policy file into a checked [`Policy`]. Pure: no I/O.
//!
//! Works on toml's spanned document tree, so every error names the file, line and column, and
//! an unknown key is named with a did-you-mean. TOML itself refuses duplicate keys.

use std::collections::HashSet;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::pattern::{Pattern, Problem};
use super::{
    Condition, DANGEROUS_EVENTS, DEFAULT_ALLOWED_EVENTS, Policy, PolicyError, Rule,
    check_allowed_events,
};
use crate::aws::RoleArn;
use crate::claims::{KNOWN_CLAIMS, TIME_CLAIMS, is_known_claim};

const TOP_KEYS: &[&str] = &["version", "defaults", "allow", "deny"];
const DEFAULTS_KEYS: &[&str] = &["allowed_events"];

struct Ctx<'a> {
    source: &'a str,
    origin: &'a str,
}

impl Ctx<'_> {
    fn error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> PolicyError {
        let offset = span.start.min(self.source.len());
        let before = &self.source[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        PolicyError::File {
            origin: self.origin.to_string(),
            line,
            column,
            message: message.into(),
            hint,
        }
    }

    fn problem(&self, span: Range<usize>, (message, hint): Problem) -> PolicyError {
        self.error(span, message, hint)
    }

    fn unknown_key(
        &self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        valid: &[&str],
        what: &str,
    ) -> PolicyError {
        let hint = match closest(key.get_ref(), valid) {
            Some(near) => format!(
                "did you mean `{near}`? {what} keys are: {}",
                valid.join(", ")
            ),
            None => format!("{what} keys are: {}", valid.join(", ")),
        };
        self.error(
            key.span(),
            format!("unknown key `{}` in {what}", key.get_ref()),
            Some(hint),
        )
    }
}

/// The nearest candidate by edit distance, if near enough to be a typo.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance, for did-you-mean hints (policy keys here, IAM condition keys in the audit).
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Parses and compiles a policy file.
pub fn parse(source: &str, origin: &str) -> Result<Policy, PolicyError> {
    let ctx = Ctx { source, origin };
    let doc = DeTable::parse(source).map_err(|e| {
        ctx.error(
            e.span().unwrap_or(0..0),
            format!("not valid TOML: {}", e.message().trim()),
            None,
        )
    })?;
    let mut version = None;
    let mut allowed_events: Vec<String> = DEFAULT_ALLOWED_EVENTS
        .iter()
        .map(|e| e.to_string())
        .collect();
    let mut allow = Vec::new();
    let mut deny = Vec::new();
    for (key, value) in doc.get_ref() {
        match key.get_ref().as_ref() {
            "version" => {
                let ok = value
                    .get_ref()
                    .as_integer()
                    .is_some_and(|i| i.as_str() == "1");
                if !ok {
                    return Err(ctx.error(
                        value.span(),
                        "`version` must be 1",
                        Some("write `version = 1` (the only version of this format)".into()),
                    ));
                }
                version = Some(1);
            }
            "defaults" => {
                let table = value.get_ref().as_table().ok_or_else(|| {
                    ctx.error(
                        value.span(),
                        "`defaults` must be a table",
                        Some("write `[defaults]`".into()),
                    )
                })?;
                for (key, value) in table {
                    if key.get_ref() != "allowed_events" {
                        return Err(ctx.unknown_key(key, DEFAULTS_KEYS, "`[defaults]`"));
                    }
                    let events = strings(&ctx, "allowed_events", value)?;
                    let plain: Vec<String> = events.iter().map(|(s, _)| s.clone()).collect();
                    check_allowed_events(&plain).map_err(|p| {
                        let span = events
                            .iter()
                            .find(|(s, _)| {
                                DANGEROUS_EVENTS.contains(&s.as_str())
                                    || !s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                                    || s.is_empty()
                            })
                            .map_or(value.span(), |(_, span)| span.clone());
                        ctx.problem(span, p)
                    })?;
                    allowed_events = plain;
                }
            }
            kind @ ("allow" | "deny") => {
                let rules = value.get_ref().as_array().ok_or_else(|| {
                    ctx.error(
                        value.span(),
                        format!("`{kind}` must be an array of tables"),
                        Some(format!("write each rule as a `[[{kind}]]` table")),
                    )
                })?;
                for rule in rules {
                    let table = rule.get_ref().as_table().ok_or_else(|| {
                        ctx.error(
                            rule.span(),
                            format!("each `{kind}` rule must be a table"),
                            Some(format!("write `[[{kind}]]`")),
                        )
                    })?;
                    let parsed = parse_rule(&ctx, kind == "allow", table, rule.span())?;
                    if kind == "allow" {
                        allow.push(parsed)
                    } else {
                        deny.push(parsed)
                    }
                }
            }
            _ => return Err(ctx.unknown_key(key, TOP_KEYS, "the policy")),
        }
    }
    if version.is_none() {
        return Err(ctx.error(
            0..0,
            "the policy has no `version`",
            Some("start the file with `version = 1`".into()),
        ));
    }
    let mut names = HashSet::new();
    for rule in allow.iter().chain(&deny) {
        if !names.insert(rule.name.as_str()) {
            let at = source.find(&format!("\"{}\"", rule.name)).unwrap_or(0);
            return Err(ctx.error(
                at..at,
                format!("two rules are named `{}`", rule.name),
                Some("give every rule its own name: denials quote it".into()),
            ));
        }
    }
    Ok(Policy {
        allowed_events,
        allow,
        deny,
    })
}

/// A string or a non-empty list of strings, with the span of each.
fn strings(
    ctx: &Ctx<'_>,
    key: &str,
    value: &Spanned<DeValue<'_>>,
) -> Result<Vec<(String, Range<usize>)>, PolicyError> {
    let type_error = |span: Range<usize>, found: &str| {
        let quoted = if matches!(found, "integer" | "float" | "boolean") {
            " (quote it: GitHub sends ids, numbers and booleans as strings, e.g. `repository_id = \"74\"`)"
        } else {
            ""
        };
        ctx.error(
            span,
            format!("`{key}` must be a string or a list of strings, not {found}"),
            Some(format!(
                "write `{key} = \"value\"` or `{key} = [\"a\", \"b\"]`{quoted}"
            )),
        )
    };
    match value.get_ref() {
        DeValue::String(s) => Ok(vec![(s.to_string(), value.span())]),
        DeValue::Array(items) => {
            if items.is_empty() {
                return Err(ctx.error(
                    value.span(),
                    format!("`{key}` is an empty list, which matches nothing"),
                    Some("list at least one value, or remove the key".into()),
                ));
            }
            items
                .iter()
                .map(|item| match item.get_ref() {
                    DeValue::String(s) => Ok((s.to_string(), item.span())),
                    other => Err(type_error(item.span(), other.type_str())),
                })
                .collect()
        }
        other => Err(type_error(value.span(), other.type_str())),
    }
}

fn parse_rule(
    ctx: &Ctx<'_>,
    is_allow: bool,
    table: &DeTable<'_>,
    span: Range<usize>,
) -> Result<Rule, PolicyError> {
    let kind = if is_allow { "[[allow]]" } else { "[[deny]]" };
    let mut name = None;
    let mut roles = None;
    let mut conditions = Vec::new();
    for (key, value) in table {
        let key_name = key.get_ref().as_ref();
        match key_name {
            "name" => match value.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() => name = Some(s.to_string()),
                _ => {
                    return Err(ctx.error(
                        value.span(),
                        "`name` must be a non-empty string",
                        Some("name the rule: denials quote it".into()),
                    ));
                }
            },
            "roles" => {
                let list = strings(ctx, "roles", value)?;
                let mut arns = Vec::new();
                for (arn, span) in list {
                    RoleArn::parse(&arn).map_err(|e| {
                        ctx.error(span, format!("`roles`: {}", e.problem), Some(e.hint))
                    })?;
                    arns.push(arn);
                }
                roles = Some(arns);
            }
            claim if TIME_CLAIMS.contains(&claim) => {
                return Err(ctx.error(
                    key.span(),
                    format!("`{claim}` is a time claim and cannot be matched"),
                    Some("the verifier checks token times itself".into()),
                ));
            }
            claim if is_known_claim(claim) => {
                let mut patterns = Vec::new();
                for (text, span) in strings(ctx, claim, value)? {
                    let pattern = Pattern::compile(claim, &text, is_allow)
                        .map_err(|p| ctx.problem(span.clone(), p))?;
                    if is_allow
                        && claim == "event_name"
                        && !pattern.is_exact()
                        && let Some(bad) = DANGEROUS_EVENTS.iter().find(|e| pattern.matches(e))
                    {
                        return Err(ctx.error(
                            span,
                            format!("`event_name = \"{text}\"` would match `{bad}`"),
                            Some(format!("name dangerous events as plain values (`\"{bad}\"`) so allowing one is always deliberate")),
                        ));
                    }
                    patterns.push(pattern);
                }
                conditions.push(Condition {
                    claim: claim.to_string(),
                    patterns,
                });
            }
            other => {
                let mut valid: Vec<&str> = vec!["name", "roles"];
                valid.extend(
                    KNOWN_CLAIMS
                        .iter()
                        .copied()
                        .filter(|c| !TIME_CLAIMS.contains(c)),
                );
                let hint = match closest(other, &valid) {
                    Some(near) => format!("did you mean `{near}`? A rule's keys are `name`, `roles` and claim names (see docs/policy.md)"),
                    None => "a rule's keys are `name`, `roles` and claim names such as `repository_id`, `ref`, `environment`, `event_name`, `job_workflow_ref`, `repo_property_*` (see docs/policy.md)".into(),
                };
                return Err(ctx.error(
                    key.span(),
                    format!("unknown key `{other}` in {kind}: not a GitHub OIDC claim"),
                    Some(hint),
                ));
            }
        }
    }
    let name = name.ok_or_else(|| {
        ctx.error(
            span.clone(),
            format!("a {kind} rule has no `name`"),
            Some("add `name = \"…\"`: denials quote it".into()),
        )
    })?;
    if conditions.is_empty() {
        let why = if is_allow {
            "an allow rule without conditions admits every repository on GitHub"
        } else {
            "a deny rule without conditions denies everything"
        };
        return Err(ctx.error(
            span,
            format!("rule `{name}` has no claim conditions: {why}"),
            Some(
                "add conditions such as `repository_id = \"…\"` and `ref = \"refs/heads/main\"`"
                    .into(),
            ),
        ));
    }
    Ok(Rule {
        name,
        roles,
        conditions,
    })
}
