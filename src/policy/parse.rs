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
use crate::text::did_you_mean;
use crate::token_claims::SubTemplate;

const TOP_KEYS: &[&str] = &["version", "sub_template", "defaults", "allow", "deny"];
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
        let hint = match did_you_mean(key.get_ref(), valid.iter().copied()) {
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

/// Parses and compiles a policy file. Every problem is reported, not only the first: fixing a
/// policy one error per run is slow, and each error carries its `file:line:col` and fix. Only a
/// TOML syntax error stops at once (nothing after it can be read reliably).
pub fn parse(source: &str, origin: &str) -> Result<Policy, PolicyError> {
    let ctx = Ctx { source, origin };
    let doc = DeTable::parse(source).map_err(|e| {
        ctx.error(
            e.span().unwrap_or(0..0),
            format!("not valid TOML: {}", e.message().trim()),
            None,
        )
    })?;
    let mut errors = Vec::new();
    let mut version = None;
    let mut allowed_events: Vec<String> = DEFAULT_ALLOWED_EVENTS
        .iter()
        .map(|e| e.to_string())
        .collect();
    let mut allow = Vec::new();
    let mut deny = Vec::new();
    let mut sub_template = None;
    for (key, value) in doc.get_ref() {
        match key.get_ref().as_ref() {
            "sub_template" => match sub_template_of(&ctx, value) {
                Ok(t) => sub_template = Some(t),
                Err(e) => errors.push(e),
            },
            "version" => {
                let ok = value
                    .get_ref()
                    .as_integer()
                    .is_some_and(|i| i.as_str() == "1");
                if !ok {
                    errors.push(ctx.error(
                        value.span(),
                        "`version` must be 1",
                        Some("write `version = 1` (the only version of this format)".into()),
                    ));
                }
                version = Some(1);
            }
            "defaults" => {
                if let Some(events) = defaults(&ctx, value, &mut errors) {
                    allowed_events = events;
                }
            }
            kind @ ("allow" | "deny") => {
                let Some(rules) = value.get_ref().as_array() else {
                    errors.push(ctx.error(
                        value.span(),
                        format!("`{kind}` must be an array of tables"),
                        Some(format!("write each rule as a `[[{kind}]]` table")),
                    ));
                    continue;
                };
                for rule in rules {
                    let Some(table) = rule.get_ref().as_table() else {
                        errors.push(ctx.error(
                            rule.span(),
                            format!("each `{kind}` rule must be a table"),
                            Some(format!("write `[[{kind}]]`")),
                        ));
                        continue;
                    };
                    let parsed = parse_rule(&ctx, kind == "allow", table, rule.span(), &mut errors);
                    match (parsed, kind == "allow") {
                        (Some(rule), true) => allow.push(rule),
                        (Some(rule), false) => deny.push(rule),
                        (None, _) => {}
                    }
                }
            }
            _ => errors.push(ctx.unknown_key(key, TOP_KEYS, "the policy")),
        }
    }
    if version.is_none() {
        errors.push(ctx.error(
            0..0,
            "the policy has no `version`",
            Some("start the file with `version = 1`".into()),
        ));
    }
    let mut names = HashSet::new();
    for rule in allow.iter().chain(&deny) {
        if !names.insert(rule.name.as_str()) {
            let at = source.find(&format!("\"{}\"", rule.name)).unwrap_or(0);
            errors.push(ctx.error(
                at..at,
                format!("two rules are named `{}`", rule.name),
                Some("give every rule its own name: denials quote it".into()),
            ));
        }
    }
    // In file order, as an editor would list them.
    errors.sort_by_key(|e| match e {
        PolicyError::File { line, column, .. } => (*line, *column),
        _ => (0, 0),
    });
    match errors.len() {
        0 => Ok(Policy {
            allowed_events,
            allow,
            deny,
            sub_template,
        }),
        1 => Err(errors.remove(0)),
        _ => Err(PolicyError::Several(errors)),
    }
}

/// The `[defaults]` table: its `allowed_events`, when valid (problems go to `errors`).
fn defaults(
    ctx: &Ctx<'_>,
    value: &Spanned<DeValue<'_>>,
    errors: &mut Vec<PolicyError>,
) -> Option<Vec<String>> {
    let Some(table) = value.get_ref().as_table() else {
        errors.push(ctx.error(
            value.span(),
            "`defaults` must be a table",
            Some("write `[defaults]`".into()),
        ));
        return None;
    };
    let mut allowed = None;
    for (key, value) in table {
        if key.get_ref() != "allowed_events" {
            errors.push(ctx.unknown_key(key, DEFAULTS_KEYS, "`[defaults]`"));
            continue;
        }
        let events = match strings(ctx, "allowed_events", value) {
            Ok(events) => events,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let plain: Vec<String> = events.iter().map(|(s, _)| s.clone()).collect();
        match check_allowed_events(&plain) {
            Ok(()) => allowed = Some(plain),
            Err(p) => {
                let span = events
                    .iter()
                    .find(|(s, _)| {
                        DANGEROUS_EVENTS.contains(&s.as_str())
                            || !s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                            || s.is_empty()
                    })
                    .map_or(value.span(), |(_, span)| span.clone());
                errors.push(ctx.problem(span, p));
            }
        }
    }
    allowed
}

/// `sub_template = ["repo", "context", "job_workflow_ref"]`: the repository's OIDC `sub`
/// customization, as its `include_claim_keys`.
fn sub_template_of(
    ctx: &Ctx<'_>,
    value: &Spanned<DeValue<'_>>,
) -> Result<SubTemplate, PolicyError> {
    let keys = strings(ctx, "sub_template", value)?;
    let text: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    SubTemplate::parse(&text.join(",")).map_err(|e| {
        ctx.error(
            value.span(),
            format!("`sub_template`: {e}"),
            Some("list the claim keys of the repository's OIDC `sub` customization (`include_claim_keys`), e.g. `sub_template = [\"repo\", \"context\", \"job_workflow_ref\"]`".into()),
        )
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

/// One rule, or `None` when it has problems (each pushed to `errors`, all of them).
fn parse_rule(
    ctx: &Ctx<'_>,
    is_allow: bool,
    table: &DeTable<'_>,
    span: Range<usize>,
    errors: &mut Vec<PolicyError>,
) -> Option<Rule> {
    let kind = if is_allow { "[[allow]]" } else { "[[deny]]" };
    let before = errors.len();
    let mut name = None;
    let mut roles = None;
    let mut conditions = Vec::new();
    // A claim key with a bad value is still a condition the user meant: no "no conditions" error.
    let mut claim_keys = 0;
    for (key, value) in table {
        let key_name = key.get_ref().as_ref();
        match key_name {
            "name" => match value.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() => name = Some(s.to_string()),
                _ => errors.push(ctx.error(
                    value.span(),
                    "`name` must be a non-empty string",
                    Some("name the rule: denials quote it".into()),
                )),
            },
            "roles" => match strings(ctx, "roles", value) {
                Ok(list) => {
                    let mut arns = Vec::new();
                    for (arn, span) in list {
                        match RoleArn::parse(&arn) {
                            Ok(_) => arns.push(arn),
                            Err(e) => errors.push(ctx.error(
                                span,
                                format!("`roles`: {}", e.problem),
                                Some(e.hint),
                            )),
                        }
                    }
                    roles = Some(arns);
                }
                Err(e) => errors.push(e),
            },
            claim if TIME_CLAIMS.contains(&claim) => {
                claim_keys += 1;
                errors.push(ctx.error(
                    key.span(),
                    format!("`{claim}` is a time claim and cannot be matched"),
                    Some("the verifier checks token times itself".into()),
                ));
            }
            claim if is_known_claim(claim) => {
                claim_keys += 1;
                if let Some(condition) = condition(ctx, is_allow, claim, value, errors) {
                    conditions.push(condition);
                }
            }
            other => {
                claim_keys += 1;
                errors.push(unknown_rule_key(ctx, key, other, kind));
            }
        }
    }
    if name.is_none() {
        errors.push(ctx.error(
            span.clone(),
            format!("a {kind} rule has no `name`"),
            Some("add `name = \"…\"`: denials quote it".into()),
        ));
    }
    if claim_keys == 0 {
        let why = if is_allow {
            "an allow rule without conditions admits every repository on GitHub"
        } else {
            "a deny rule without conditions denies everything"
        };
        errors.push(ctx.error(
            span,
            format!(
                "rule `{}` has no claim conditions: {why}",
                name.as_deref().unwrap_or("?")
            ),
            Some(
                "add conditions such as `repository_id = \"…\"` and `ref = \"refs/heads/main\"`"
                    .into(),
            ),
        ));
    }
    if errors.len() > before {
        return None;
    }
    Some(Rule {
        name: name?,
        roles,
        conditions,
    })
}

/// One claim condition, or `None` with every bad pattern pushed to `errors`.
fn condition(
    ctx: &Ctx<'_>,
    is_allow: bool,
    claim: &str,
    value: &Spanned<DeValue<'_>>,
    errors: &mut Vec<PolicyError>,
) -> Option<Condition> {
    let before = errors.len();
    let values = match strings(ctx, claim, value) {
        Ok(values) => values,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let mut patterns = Vec::new();
    for (text, span) in values {
        let pattern = match Pattern::compile(claim, &text, is_allow) {
            Ok(pattern) => pattern,
            Err(p) => {
                errors.push(ctx.problem(span, p));
                continue;
            }
        };
        if is_allow
            && claim == "event_name"
            && !pattern.is_exact()
            && let Some(bad) = DANGEROUS_EVENTS.iter().find(|e| pattern.matches(e))
        {
            errors.push(ctx.error(
                span,
                format!("`event_name = \"{text}\"` would match `{bad}`"),
                Some(format!("name dangerous events as plain values (`\"{bad}\"`) so allowing one is always deliberate")),
            ));
            continue;
        }
        patterns.push(pattern);
    }
    (errors.len() == before).then(|| Condition {
        claim: claim.to_string(),
        patterns,
    })
}

/// An unknown key in a rule, with a did-you-mean.
fn unknown_rule_key(
    ctx: &Ctx<'_>,
    key: &Spanned<std::borrow::Cow<'_, str>>,
    other: &str,
    kind: &str,
) -> PolicyError {
    let mut valid: Vec<&str> = vec!["name", "roles"];
    valid.extend(
        KNOWN_CLAIMS
            .iter()
            .copied()
            .filter(|c| !TIME_CLAIMS.contains(c)),
    );
    let hint = match did_you_mean(other, valid.iter().copied()) {
        Some(near) => format!("did you mean `{near}`? A rule's keys are `name`, `roles` and claim names (see docs/policy.md)"),
        None => "a rule's keys are `name`, `roles` and claim names such as `repository_id`, `ref`, `environment`, `event_name`, `job_workflow_ref`, `repo_property_*` (see docs/policy.md)".into(),
    };
    ctx.error(
        key.span(),
        format!("unknown key `{other}` in {kind}: not a GitHub OIDC claim"),
        Some(hint),
    )
}
