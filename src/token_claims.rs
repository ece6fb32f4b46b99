//! The claims GitHub puts in a job's OIDC token, derived as GitHub derives them from the event,
//! the ref, the environment and the workflow file: the one derivation shared by the dry run
//! (which mints a token from it) and `paths` (which evaluates every role against it). Pure.
//!
//! GitHub never sends a token whose claims contradict each other (`ref=refs/tags/v1` with
//! `ref_type=branch`), so neither derivation does: a policy tested against an impossible token
//! proves nothing.

use crate::claims::{Claims, is_known_claim};

/// A custom `sub` template: the claim keys of GitHub's OIDC customization
/// (`include_claim_keys`), in order. `repo` and `context` are GitHub's short forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubTemplate(Vec<String>);

/// Why a template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the `sub` template is empty")]
    Empty,
    #[error("`{0}` is not a claim GitHub can put in `sub`")]
    UnknownKey(String),
    #[error("`{0}` is listed twice")]
    Repeated(String),
}

impl SubTemplate {
    /// GitHub's default: `repo`, then `context`.
    #[cfg(test)]
    pub fn default_template() -> SubTemplate {
        SubTemplate(vec!["repo".into(), "context".into()])
    }

    /// Reads `repo,context,job_workflow_ref` (commas or spaces), as `include_claim_keys` lists
    /// them.
    pub fn parse(text: &str) -> Result<SubTemplate, TemplateError> {
        let mut keys: Vec<String> = Vec::new();
        for key in text
            .split([',', ' '])
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            if key != "repo" && key != "context" && !is_known_claim(key) {
                return Err(TemplateError::UnknownKey(key.to_string()));
            }
            if keys.iter().any(|k| k == key) {
                return Err(TemplateError::Repeated(key.to_string()));
            }
            keys.push(key.to_string());
        }
        if keys.is_empty() {
            return Err(TemplateError::Empty);
        }
        Ok(SubTemplate(keys))
    }

    /// The keys, in order.
    pub fn keys(&self) -> &[String] {
        &self.0
    }

    /// `sub` for `claims` whose `context` part is `context`: each key as `key:value`, joined by
    /// `:` (`repo` is `repo:OWNER/REPO`; `context` is the context itself).
    pub fn render(&self, claims: &Claims, context: &str) -> String {
        self.0
            .iter()
            .map(|key| match key.as_str() {
                "repo" => format!("repo:{}", claims.get("repository").unwrap_or("")),
                "context" => context.to_string(),
                other => format!("{other}:{}", claims.get(other).unwrap_or("")),
            })
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// What GitHub derives a token from beyond the claims themselves: the repository's settings and
/// the imagined pull request.
#[derive(Debug, Clone)]
pub struct Derivation<'a> {
    /// Refs the repository protects (`ref_protected`).
    pub protected: &'a [String],
    /// The pull request a `pull_request` token names.
    pub pr_number: &'a str,
    /// Its head and base branches.
    pub head_branch: &'a str,
    pub base_branch: &'a str,
    /// The workflow file (`.github/workflows/deploy.yml`), for `workflow_ref`.
    pub workflow_path: &'a str,
    /// The reusable workflow the job runs, as `OWNER/REPO/PATH@REF` (`None`: the workflow itself).
    pub job_workflow: Option<&'a str>,
    /// The `sub` template (`None`: GitHub's default).
    pub sub_template: Option<&'a SubTemplate>,
}

/// The context part of GitHub's `sub`: the environment wins, then a pull request, then the ref.
/// A `:` in the environment name is percent-encoded, as GitHub does.
pub fn context(environment: Option<&str>, event: &str, git_ref: &str) -> String {
    match (environment, event) {
        (Some(env), _) => format!("environment:{}", env.replace(':', "%3A")),
        (None, "pull_request") => "pull_request".to_string(),
        _ => format!("ref:{git_ref}"),
    }
}

/// Fills in what GitHub derives from other claims, except the claims named in `explicit`:
/// - `event_name=pull_request`: `ref` is the merge ref `refs/pull/N/merge`, `head_ref` and
///   `base_ref` name the branches (`pull_request_target` names them too); other events have
///   empty `head_ref`/`base_ref`;
/// - from `ref`: `ref_type` (`tag` for `refs/tags/…`, else `branch`) and `ref_protected`;
/// - `sub` (by the template), `repository_owner`, `workflow_ref` and `job_workflow_ref`.
pub fn derive(claims: &mut Claims, explicit: &[String], how: &Derivation<'_>) {
    let is_explicit = |name: &str| explicit.iter().any(|e| e == name);
    let derive = |claims: &mut Claims, name: &str, value: String| {
        if !is_explicit(name) {
            claims.set(name, value);
        }
    };
    let event = claims.get("event_name").unwrap_or("").to_string();
    let (head, base) = match event.as_str() {
        "pull_request" => {
            derive(claims, "ref", format!("refs/pull/{}/merge", how.pr_number));
            (how.head_branch, how.base_branch)
        }
        "pull_request_target" => (how.head_branch, how.base_branch),
        _ => ("", ""),
    };
    derive(claims, "head_ref", head.to_string());
    derive(claims, "base_ref", base.to_string());
    let git_ref = claims.get("ref").unwrap_or("").to_string();
    let ref_type = if git_ref.starts_with("refs/tags/") {
        "tag"
    } else {
        "branch"
    };
    derive(claims, "ref_type", ref_type.into());
    derive(
        claims,
        "ref_protected",
        how.protected.contains(&git_ref).to_string(),
    );
    let repository = claims.get("repository").unwrap_or("").to_string();
    let owner = repository.split('/').next().unwrap_or("").to_string();
    derive(claims, "repository_owner", owner);
    let workflow_ref = format!("{repository}/{}@{git_ref}", how.workflow_path);
    derive(claims, "workflow_ref", workflow_ref.clone());
    let job_workflow_ref = how.job_workflow.map_or(workflow_ref, str::to_string);
    derive(claims, "job_workflow_ref", job_workflow_ref);
    let context = context(claims.get("environment"), &event, &git_ref);
    let sub = match how.sub_template {
        Some(template) => template.render(claims, &context),
        None => format!("repo:{repository}:{context}"),
    };
    derive(claims, "sub", sub);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derived(set: &[(&str, &str)], template: Option<&str>) -> Claims {
        let template = template.map(|t| SubTemplate::parse(t).unwrap());
        let protected = vec!["refs/heads/main".to_string()];
        let how = Derivation {
            protected: &protected,
            pr_number: "12",
            head_branch: "fix",
            base_branch: "main",
            workflow_path: ".github/workflows/ci.yml",
            job_workflow: None,
            sub_template: template.as_ref(),
        };
        let mut claims = Claims::from_pairs([
            ("repository", "acme/app"),
            ("event_name", "push"),
            ("ref", "refs/heads/main"),
        ]);
        for (k, v) in set {
            claims.set(*k, *v);
        }
        derive(&mut claims, &[], &how);
        claims
    }

    #[test]
    fn sub_by_the_default_and_custom_templates() {
        // (claims set, template, expected sub)
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>, &'a str);
        let cases: &[Case] = &[
            (&[], None, "repo:acme/app:ref:refs/heads/main"),
            (
                &[("event_name", "pull_request")],
                None,
                "repo:acme/app:pull_request",
            ),
            (
                &[("environment", "prod:eu")],
                None,
                "repo:acme/app:environment:prod%3Aeu",
            ),
            (
                &[("event_name", "pull_request"), ("environment", "preview")],
                None,
                "repo:acme/app:environment:preview",
            ),
            (
                &[],
                Some("repo,context"),
                "repo:acme/app:ref:refs/heads/main",
            ),
            (
                &[],
                Some("repo, context, job_workflow_ref"),
                "repo:acme/app:ref:refs/heads/main:job_workflow_ref:acme/app/.github/workflows/ci.yml@refs/heads/main",
            ),
            (
                &[("event_name", "pull_request_target")],
                Some("repository_owner,context,event_name"),
                "repository_owner:acme:ref:refs/heads/main:event_name:pull_request_target",
            ),
        ];
        for (set, template, want) in cases {
            assert_eq!(
                derived(set, *template).get("sub"),
                Some(*want),
                "{set:?} {template:?}"
            );
        }
    }

    #[test]
    fn refs_and_branches_follow_the_event() {
        let pr = derived(&[("event_name", "pull_request")], None);
        assert_eq!(pr.get("ref"), Some("refs/pull/12/merge"));
        assert_eq!(pr.get("head_ref"), Some("fix"));
        assert_eq!(pr.get("ref_protected"), Some("false"));
        let tag = derived(&[("ref", "refs/tags/v2.0.0")], None);
        assert_eq!(tag.get("ref_type"), Some("tag"));
        assert_eq!(tag.get("head_ref"), Some(""));
        assert_eq!(derived(&[], None).get("ref_protected"), Some("true"));
    }

    #[test]
    fn templates_are_read_strictly() {
        assert_eq!(SubTemplate::parse(" , "), Err(TemplateError::Empty));
        assert_eq!(
            SubTemplate::parse("repo,branch"),
            Err(TemplateError::UnknownKey("branch".into()))
        );
        assert_eq!(
            SubTemplate::parse("repo,repo"),
            Err(TemplateError::Repeated("repo".into()))
        );
        assert_eq!(
            SubTemplate::parse("repo,context").unwrap(),
            SubTemplate::default_template()
        );
    }
}
