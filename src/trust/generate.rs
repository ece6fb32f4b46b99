//! Our policy file → the IAM trust policy that makes AWS enforce the same rules, as far as IAM
//! can express them, and a plain list of what it cannot. Pure: no I/O.
//!
//! Each allow rule for the role becomes one `Allow` statement (statements are alternatives,
//! like rules); each claim IAM provides as a key becomes a condition: `StringEquals` for exact
//! values, `StringLike` for globs (`*` and `**` both become IAM's `*`, literal `*`, `?`, `$`
//! are escaped). `sub` is derived where the rule pins a repository name (`repo:R:environment:E`,
//! `repo:R:ref:REF`, `repo:R:pull_request`). A deny rule whose claims IAM provides becomes a
//! `Deny` statement with `…IfExists` operators (our deny rules match a missing claim).
//! Everything else (regexes, `event_name`, `runner_environment`, `ref_protected`, owner ids,
//! the default event list, `*` that must not cross `/`) is listed in [`Generated::notes`].

use super::TrustError;
use super::github::is_iam_key;
use super::iam::escape_literal;
use crate::github::provider_for_issuer;
use crate::policy::pattern::Pattern;
use crate::policy::{Policy, Rule};

/// What to generate for.
#[derive(Debug, Clone)]
pub struct Options {
    /// The role (required when the policy's rules name more than one role).
    pub role: Option<String>,
    /// The OIDC provider's ARN; derived from `account_id` (or the role's account) when absent.
    pub provider_arn: Option<String>,
    pub account_id: Option<String>,
    /// The issuer URL.
    pub issuer: String,
    /// The audience the workflow requests (the action's default is `sts.amazonaws.com`).
    pub audience: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            role: None,
            provider_arn: None,
            account_id: None,
            issuer: "https://token.actions.githubusercontent.com".into(),
            audience: "sts.amazonaws.com".into(),
        }
    }
}

/// The generated document and what it does not say.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The trust policy document.
    pub document: Json,
    /// The role it is for, when known.
    pub role: Option<String>,
    /// Rules or conditions IAM cannot express, and where the document is stricter.
    pub notes: Vec<String>,
    /// Claims that a custom `sub` template would carry to AWS.
    pub sub_claims: Vec<String>,
}

/// An ordered JSON value (field order is part of a readable policy).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

fn s(text: impl Into<String>) -> Json {
    Json::Str(text.into())
}

impl Json {
    /// Pretty JSON, two-space indent.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0, false);
        out.push('\n');
        out
    }

    /// Terraform: the body of a `jsonencode(...)` (HCL object syntax; `${` and `%{` escaped).
    pub fn to_hcl(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0, true);
        out
    }

    fn write(&self, out: &mut String, indent: usize, hcl: bool) {
        let pad = "  ".repeat(indent + 1);
        let end = "  ".repeat(indent);
        match self {
            Json::Str(text) => out.push_str(&quote(text, hcl)),
            Json::Arr(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&pad);
                    item.write(out, indent + 1, hcl);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&end);
                out.push(']');
            }
            Json::Obj(members) => {
                out.push_str("{\n");
                for (i, (key, value)) in members.iter().enumerate() {
                    out.push_str(&pad);
                    let simple = key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && key.starts_with(|c: char| c.is_ascii_alphabetic());
                    if hcl {
                        out.push_str(&if simple {
                            key.clone()
                        } else {
                            quote(key, true)
                        });
                        out.push_str(" = ");
                    } else {
                        out.push_str(&quote(key, false));
                        out.push_str(": ");
                    }
                    value.write(out, indent + 1, hcl);
                    if hcl {
                        out.push('\n');
                    } else {
                        out.push_str(if i + 1 < members.len() { ",\n" } else { "\n" });
                    }
                }
                out.push_str(&end);
                out.push('}');
            }
        }
    }

    /// As a `serde_json` value, for the tests' structural checks.
    #[cfg(test)]
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Json::Str(text) => text.clone().into(),
            Json::Arr(items) => items.iter().map(Json::to_value).collect(),
            Json::Obj(members) => members
                .iter()
                .map(|(k, v)| (k.clone(), v.to_value()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
}

fn quote(text: &str, hcl: bool) -> String {
    let json = serde_json::to_string(text).unwrap_or_default();
    if hcl {
        json.replace("${", "$${").replace("%{", "%%{")
    } else {
        json
    }
}

/// Generates the trust policy for `opts.role` from `policy`.
pub fn generate(policy: &Policy, opts: &Options) -> Result<Generated, TrustError> {
    let prefix = provider_for_issuer(&opts.issuer).to_string();
    let mut named: Vec<&str> = policy
        .allow_rules()
        .iter()
        .filter_map(Rule::roles)
        .flatten()
        .map(String::as_str)
        .collect();
    named.sort();
    named.dedup();
    let role = match (&opts.role, named.as_slice()) {
        (Some(role), _) => Some(role.clone()),
        (None, []) => None,
        (None, [only]) => Some(only.to_string()),
        (None, many) => {
            return Err(TrustError::Generate(format!(
                "the policy's rules are for {} roles; a trust policy belongs to one: pass `--role` with one of `{}`",
                many.len(),
                many.join("`, `")
            )));
        }
    };
    let applies = |rule: &&Rule| match (rule.roles(), &role) {
        (None, _) | (_, None) => true,
        (Some(roles), Some(role)) => roles.iter().any(|r| r == role),
    };
    let allow: Vec<&Rule> = policy.allow_rules().iter().filter(applies).collect();
    if allow.is_empty() {
        return Err(TrustError::Generate(format!(
            "no allow rule applies to `{}`: the trust policy would admit no one",
            role.as_deref().unwrap_or("?")
        )));
    }
    let provider = provider_arn(opts, role.as_deref(), &prefix)?;
    let mut notes = Vec::new();
    let mut sub_claims: Vec<String> = Vec::new();
    let mut statements = Vec::new();
    for rule in &allow {
        statements.push(allow_statement(
            rule,
            policy,
            &prefix,
            &provider,
            opts,
            &mut notes,
            &mut sub_claims,
        )?);
    }
    let deny: Vec<&Rule> = policy.deny_rules().iter().filter(applies).collect();
    for rule in deny {
        if let Some(st) = deny_statement(rule, &prefix, &provider, &mut notes, &mut sub_claims) {
            statements.push(st);
        }
    }
    sub_claims.sort();
    sub_claims.dedup();
    Ok(Generated {
        document: Json::Obj(vec![
            ("Version".into(), s("2012-10-17")),
            ("Statement".into(), Json::Arr(statements)),
        ]),
        role,
        notes,
        sub_claims,
    })
}

/// The OIDC provider's ARN: given, from the account, or from the role's account.
fn provider_arn(opts: &Options, role: Option<&str>, prefix: &str) -> Result<String, TrustError> {
    Ok(match (&opts.provider_arn, &opts.account_id, role) {
        (Some(arn), _, _) => arn.clone(),
        (None, Some(account), _) => format!("arn:aws:iam::{account}:oidc-provider/{prefix}"),
        (None, None, Some(role)) => {
            let parts: Vec<&str> = role.split(':').collect();
            match parts.as_slice() {
                ["arn", partition, "iam", "", account, _] => {
                    format!("arn:{partition}:iam::{account}:oidc-provider/{prefix}")
                }
                _ => {
                    return Err(TrustError::Generate(format!(
                        "cannot take the account from `{role}`: pass `--provider-arn` or `--account-id`"
                    )));
                }
            }
        }
        (None, None, None) => {
            return Err(TrustError::Generate(
                "the policy names no role to take the account from: pass `--role`, `--provider-arn` or `--account-id`".into(),
            ));
        }
    })
}

/// The `Deny` statement of a deny rule, or `None` (with a note) when IAM cannot test it.
fn deny_statement(
    rule: &Rule,
    prefix: &str,
    provider: &str,
    notes: &mut Vec<String>,
    sub_claims: &mut Vec<String>,
) -> Option<Json> {
    let unexpressible: Vec<&str> = rule
        .conditions()
        .iter()
        .filter(|c| {
            !is_iam_key(c.claim())
                || c.patterns()
                    .iter()
                    .any(|p| matches!(p, Pattern::Regex { .. }))
        })
        .map(|c| c.claim())
        .collect();
    if !unexpressible.is_empty() {
        notes.push(format!(
            "deny rule `{}`: not in the trust policy: IAM cannot test `{}` (the action still enforces the rule)",
            rule.name(),
            unexpressible.join("`, `")
        ));
        sub_claims.extend(
            unexpressible
                .iter()
                .filter(|c| !is_iam_key(c))
                .map(|c| c.to_string()),
        );
        return None;
    }
    let mut equals = Vec::new();
    let mut like = Vec::new();
    for c in rule.conditions() {
        let key = format!("{prefix}:{}", c.claim());
        if c.patterns().iter().all(Pattern::is_exact) {
            equals.push((key, exact_values(c.patterns())));
        } else {
            like.push((key, values(c.patterns().iter().map(glob_to_iam).collect())));
        }
    }
    let mut condition = Vec::new();
    if !equals.is_empty() {
        condition.push(("StringEqualsIfExists".to_string(), Json::Obj(equals)));
    }
    if !like.is_empty() {
        condition.push(("StringLikeIfExists".to_string(), Json::Obj(like)));
    }
    Some(Json::Obj(vec![
        ("Sid".into(), s(sid(rule.name(), "Deny"))),
        ("Effect".into(), s("Deny")),
        (
            "Principal".into(),
            Json::Obj(vec![("Federated".into(), s(provider))]),
        ),
        ("Action".into(), s("sts:AssumeRoleWithWebIdentity")),
        ("Condition".into(), Json::Obj(condition)),
    ]))
}

/// The `StringEquals` value(s) for exact patterns, with IAM's wildcards escaped.
fn exact_values(patterns: &[Pattern]) -> Json {
    values(
        patterns
            .iter()
            .map(|p| escape_literal(p.source()))
            .collect(),
    )
}

fn values(mut list: Vec<String>) -> Json {
    if list.len() == 1 {
        s(list.remove(0))
    } else {
        Json::Arr(list.into_iter().map(s).collect())
    }
}

/// A statement id from a rule name: IAM allows only `[A-Za-z0-9]`.
fn sid(name: &str, effect: &str) -> String {
    let mut out = String::from(effect);
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// Our glob → IAM `StringLike`: `*` and `**` become `*`; IAM's metacharacters are escaped.
fn glob_to_iam(pattern: &Pattern) -> String {
    match pattern {
        Pattern::Exact(v) => escape_literal(v),
        Pattern::Glob { source, .. } => {
            let mut out = String::new();
            let mut rest = source.as_str();
            while let Some(star) = rest.find('*') {
                out.push_str(&escape_literal(&rest[..star]));
                out.push('*');
                rest = rest[star..].trim_start_matches('*');
            }
            out.push_str(&escape_literal(rest));
            out
        }
        Pattern::Regex { source, .. } => source.clone(),
    }
}

/// Whether a glob has a single `*` (which must not cross `/`, while IAM's does).
fn has_single_star(pattern: &Pattern) -> bool {
    match pattern {
        Pattern::Glob { source, .. } => source.split("**").any(|part| part.contains('*')),
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
fn allow_statement(
    rule: &Rule,
    policy: &Policy,
    prefix: &str,
    provider: &str,
    opts: &Options,
    notes: &mut Vec<String>,
    sub_claims: &mut Vec<String>,
) -> Result<Json, TrustError> {
    let name = rule.name();
    let mut equals: Vec<(String, Json)> = Vec::new();
    let mut like: Vec<(String, Json)> = Vec::new();
    let exact = |claim: &str| -> Option<Vec<String>> {
        let c = rule.conditions().iter().find(|c| c.claim() == claim)?;
        c.patterns().iter().all(Pattern::is_exact).then(|| {
            c.patterns()
                .iter()
                .map(|p| p.source().to_string())
                .collect()
        })
    };
    // The audience: the rule's own `aud` values when exact, else the one the workflow requests.
    let audiences = exact("aud").unwrap_or_else(|| vec![opts.audience.clone()]);
    equals.push((
        format!("{prefix}:aud"),
        values(audiences.iter().map(|a| escape_literal(a)).collect()),
    ));
    let mut identity = false;
    for c in rule.conditions() {
        let claim = c.claim();
        if claim == "aud" {
            continue;
        }
        if !is_iam_key(claim) {
            notes.push(format!(
                "rule `{name}`: `{claim}` is not a condition key IAM provides: not enforced by AWS"
            ));
            sub_claims.push(claim.to_string());
            continue;
        }
        if let Some(regex) = c
            .patterns()
            .iter()
            .find(|p| matches!(p, Pattern::Regex { .. }))
        {
            notes.push(format!(
                "rule `{name}`: `{claim} = \"{}\"` is a regex, which IAM cannot express: not enforced by AWS",
                regex.source()
            ));
            continue;
        }
        let key = format!("{prefix}:{claim}");
        if c.patterns().iter().all(Pattern::is_exact) {
            equals.push((key, exact_values(c.patterns())));
        } else {
            if let Some(p) = c.patterns().iter().find(|p| has_single_star(p)) {
                notes.push(format!(
                    "rule `{name}`: `{claim} = \"{}\"` becomes `{}`, which in IAM also matches across `/` (broader; the action still enforces the narrower match)",
                    p.source(),
                    glob_to_iam(p)
                ));
            }
            like.push((key, values(c.patterns().iter().map(glob_to_iam).collect())));
        }
        if matches!(
            claim,
            "sub" | "repository" | "repository_id" | "job_workflow_ref"
        ) {
            identity = true;
        }
    }
    // Derive `sub` from an exact repository name, unless the rule has its own.
    if !rule.conditions().iter().any(|c| c.claim() == "sub")
        && let Some(repos) = exact("repository")
    {
        let pull_request_only = exact("event_name").is_some_and(|e| e == ["pull_request"]);
        let subs = derived_subjects(rule, &repos, pull_request_only, notes);
        if let Some((subs, all_exact)) = subs {
            let key = format!("{prefix}:sub");
            if all_exact {
                equals.push((key, values(subs)));
            } else {
                like.push((key, values(subs)));
            }
        }
    }
    if !identity {
        return Err(TrustError::Generate(format!(
            "rule `{name}`: none of its conditions on `repository_id`, `repository`, `sub` or `job_workflow_ref` can be expressed in IAM, so the statement would admit every repository on GitHub; pin `repository_id = \"ID\"` with an exact value"
        )));
    }
    if !rule
        .conditions()
        .iter()
        .any(|c| matches!(c.claim(), "sub" | "job_workflow_ref"))
        && !equals.iter().chain(&like).any(|(k, _)| k.ends_with(":sub"))
    {
        notes.push(format!(
            "rule `{name}`: no `sub` or `job_workflow_ref` condition could be derived (that needs an exact `repository` and IAM-expressible `environment` or `ref` values, or `event_name = \"pull_request\"`); IAM may refuse to create a GitHub trust policy without one: add `repository = \"OWNER/REPO\"` to the rule, or a `job_workflow_ref`"
        ));
    }
    if !rule.conditions().iter().any(|c| c.claim() == "event_name") {
        notes.push(format!(
            "rule `{name}`: the default event list ({}) is not enforced by AWS",
            policy.allowed_events().join(", ")
        ));
        sub_claims.push("event_name".into());
    }
    Ok(allow_json(name, provider, equals, like))
}

/// An `Allow` statement with its `StringEquals` and (when any) `StringLike` blocks.
fn allow_json(
    name: &str,
    provider: &str,
    equals: Vec<(String, Json)>,
    like: Vec<(String, Json)>,
) -> Json {
    let mut condition = vec![("StringEquals".to_string(), Json::Obj(equals))];
    if !like.is_empty() {
        condition.push(("StringLike".to_string(), Json::Obj(like)));
    }
    Json::Obj(vec![
        ("Sid".into(), s(sid(name, "Allow"))),
        ("Effect".into(), s("Allow")),
        (
            "Principal".into(),
            Json::Obj(vec![("Federated".into(), s(provider))]),
        ),
        ("Action".into(), s("sts:AssumeRoleWithWebIdentity")),
        ("Condition".into(), Json::Obj(condition)),
    ])
}

/// `repo:R:<kind><pattern>` for every repository and pattern, as IAM values.
/// `sub` values derived from an exact `repository` and the rule's `environment` or `ref` (or
/// `event_name = "pull_request"`), and whether they are all exact; `None` when none can be.
fn derived_subjects(
    rule: &Rule,
    repos: &[String],
    pull_request_only: bool,
    notes: &mut Vec<String>,
) -> Option<(Vec<String>, bool)> {
    let name = rule.name();
    let env = rule
        .conditions()
        .iter()
        .find(|c| c.claim() == "environment");
    let git_ref = rule.conditions().iter().find(|c| c.claim() == "ref");
    match (env, git_ref) {
        (Some(env), _)
            if env
                .patterns()
                .iter()
                .all(|p| !matches!(p, Pattern::Regex { .. })) =>
        {
            Some((
                cross(repos, env.patterns(), "environment:"),
                env.patterns().iter().all(Pattern::is_exact),
            ))
        }
        (None, Some(r))
            if r.patterns()
                .iter()
                .all(|p| !matches!(p, Pattern::Regex { .. })) =>
        {
            notes.push(format!(
                "rule `{name}`: `sub` is pinned to `repo:…:ref:…`, so jobs of this rule that use an `environment:` (whose `sub` names the environment instead) are refused by AWS (stricter than the rule)"
            ));
            Some((
                cross(repos, r.patterns(), "ref:"),
                r.patterns().iter().all(Pattern::is_exact),
            ))
        }
        (None, None) if pull_request_only => {
            notes.push(format!(
                "rule `{name}`: `sub` is pinned to `repo:…:pull_request`, so pull_request jobs that use an `environment:` are refused by AWS (stricter than the rule)"
            ));
            Some((
                repos
                    .iter()
                    .map(|r| escape_literal(&format!("repo:{r}:pull_request")))
                    .collect(),
                true,
            ))
        }
        _ => None,
    }
}

fn cross(repos: &[String], patterns: &[Pattern], kind: &str) -> Vec<String> {
    repos
        .iter()
        .flat_map(|r| {
            patterns.iter().map(move |p| {
                format!(
                    "{}{}",
                    escape_literal(&format!("repo:{r}:{kind}")),
                    glob_to_iam(p)
                )
            })
        })
        .collect()
}

/// The notes as text lines, with the `sub` customisation that would carry the rest to AWS.
pub fn render_notes(g: &Generated) -> Vec<String> {
    let mut lines = Vec::new();
    if g.notes.is_empty() {
        lines.push("every condition of the policy is enforced by this trust policy".to_string());
        return lines;
    }
    lines.push(
        "not enforced by AWS (the action still checks these; keep using the policy file):".into(),
    );
    for n in &g.notes {
        lines.push(format!("  - {n}"));
    }
    if !g.sub_claims.is_empty() {
        let mut keys = vec!["repo".to_string(), "context".to_string()];
        keys.extend(g.sub_claims.iter().cloned());
        let example: Vec<String> = g.sub_claims.iter().map(|c| format!("{c}:<{c}>")).collect();
        lines.push(String::new());
        lines.push("to have AWS check them too, put them in the token's `sub` (GitHub OIDC subject customisation), e.g.:".into());
        lines.push(format!(
            "  gh api -X PUT repos/OWNER/REPO/actions/oidc/customization/sub -F use_default=false {}",
            keys.iter().map(|k| format!("-f 'include_claim_keys[]={k}'")).collect::<Vec<_>>().join(" ")
        ));
        lines.push(format!(
            "  then `sub` reads `repo:OWNER/REPO:<context>:{}` and a `StringEquals`/`StringLike` on `:sub` can pin them (this changes `sub` for every role the repository uses)",
            example.join(":")
        ));
    }
    lines
}

/// The Terraform form: notes as comments, then `assume_role_policy = jsonencode({...})`.
pub fn render_terraform(g: &Generated) -> String {
    let mut out = String::new();
    if let Some(role) = &g.role {
        out.push_str(&format!(
            "# Trust policy for {role}, generated by oidc-assume trust-policy.\n"
        ));
    } else {
        out.push_str("# Trust policy generated by oidc-assume trust-policy.\n");
    }
    for line in render_notes(g) {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str(&format!("# {line}\n"));
        }
    }
    out.push_str("assume_role_policy = jsonencode(");
    out.push_str(&g.document.to_hcl());
    out.push_str(")\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen_for(source: &str, role: Option<&str>) -> Result<Generated, TrustError> {
        let policy = Policy::from_toml(source, "p.toml").unwrap();
        generate(
            &policy,
            &Options {
                role: role.map(str::to_string),
                ..Options::default()
            },
        )
    }

    const POLICY: &str = r#"
version = 1
[[allow]]
name = "prod: main"
roles = ["arn:aws:iam::123456789012:role/prod-deploy"]
repository = "octo-org/octo-repo"
repository_id = "74"
environment = ["production", "prod-*"]
runner_environment = "github-hosted"
[[allow]]
name = "tags"
roles = ["arn:aws:iam::123456789012:role/prod-deploy"]
repository_id = "74"
ref = "refs/tags/v*"
event_name = "push"
workflow = "re:deploy|release"
[[deny]]
name = "no bots"
actor = ["dependabot[bot]", "renovate*"]
[[deny]]
name = "no self-hosted"
runner_environment = "self-hosted"
"#;

    #[test]
    fn statements_per_rule_with_notes() {
        let g = gen_for(POLICY, None).unwrap();
        let v = g.document.to_value();
        let st = &v["Statement"];
        assert_eq!(st.as_array().unwrap().len(), 3);
        assert_eq!(st[0]["Sid"], "AllowProdMain");
        assert_eq!(
            st[0]["Principal"]["Federated"],
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
        );
        let eq = &st[0]["Condition"]["StringEquals"];
        assert_eq!(
            eq["token.actions.githubusercontent.com:aud"],
            "sts.amazonaws.com"
        );
        assert_eq!(
            eq["token.actions.githubusercontent.com:repository"],
            "octo-org/octo-repo"
        );
        assert_eq!(
            eq["token.actions.githubusercontent.com:repository_id"],
            "74"
        );
        let like = &st[0]["Condition"]["StringLike"];
        assert_eq!(
            like["token.actions.githubusercontent.com:environment"],
            serde_json::json!(["production", "prod-*"])
        );
        assert_eq!(
            like["token.actions.githubusercontent.com:sub"],
            serde_json::json!([
                "repo:octo-org/octo-repo:environment:production",
                "repo:octo-org/octo-repo:environment:prod-*"
            ])
        );
        assert_eq!(
            st[1]["Condition"]["StringLike"]["token.actions.githubusercontent.com:ref"],
            "refs/tags/v*"
        );
        assert_eq!(st[2]["Effect"], "Deny");
        assert_eq!(
            st[2]["Condition"]["StringLikeIfExists"]["token.actions.githubusercontent.com:actor"],
            serde_json::json!(["dependabot[bot]", "renovate*"])
        );
        let notes = g.notes.join("\n");
        for needle in [
            "`runner_environment` is not a condition key",
            "regex",
            "`refs/tags/v*`",
            "deny rule `no self-hosted`",
            "default event list",
        ] {
            assert!(notes.contains(needle), "missing {needle}:\n{notes}");
        }
        assert_eq!(g.sub_claims, ["event_name", "runner_environment"]);
        // Valid JSON, same as the value.
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&g.document.to_json()).unwrap(),
            v
        );
    }

    #[test]
    fn escapes_and_terraform() {
        let g = gen_for("version = 1\n[[allow]]\nname = \"x\"\nrepository = \"o/r\"\nrepository_id = \"7\"\nref = \"refs/heads/a?${b}*\"\n", Some("arn:aws-cn:iam::1:role/r")).unwrap();
        let v = g.document.to_value();
        assert_eq!(
            v["Statement"][0]["Principal"]["Federated"],
            "arn:aws-cn:iam::1:oidc-provider/token.actions.githubusercontent.com"
        );
        assert_eq!(
            v["Statement"][0]["Condition"]["StringLike"]["token.actions.githubusercontent.com:ref"],
            "refs/heads/a${?}${$}{b}*"
        );
        let tf = render_terraform(&g);
        assert!(
            tf.contains(
                r#""token.actions.githubusercontent.com:ref" = "refs/heads/a$${?}$${$}{b}*""#
            ),
            "{tf}"
        );
        assert!(tf.contains("Version = \"2012-10-17\""), "{tf}");
        assert!(
            tf.starts_with("# Trust policy for arn:aws-cn:iam::1:role/r"),
            "{tf}"
        );
    }

    #[test]
    fn refusals() {
        let two_roles = "version = 1\n[[allow]]\nname = \"a\"\nroles = [\"arn:aws:iam::123456789012:role/a\"]\nrepository_id = \"1\"\n[[allow]]\nname = \"b\"\nroles = [\"arn:aws:iam::123456789012:role/b\"]\nrepository_id = \"1\"\n";
        let e = gen_for(two_roles, None).unwrap_err().to_string();
        assert!(e.contains("pass `--role`"), "{e}");
        let e = gen_for(two_roles, Some("arn:aws:iam::123456789012:role/c"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no allow rule applies"), "{e}");
        let e = gen_for(
            "version = 1\n[[allow]]\nname = \"a\"\nrepository_owner_id = \"1\"\n",
            Some("arn:aws:iam::123456789012:role/a"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("would admit every repository"), "{e}");
        let e = gen_for(
            "version = 1\n[[allow]]\nname = \"a\"\nrepository_id = \"1\"\n",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("--account-id"), "{e}");
    }
}
