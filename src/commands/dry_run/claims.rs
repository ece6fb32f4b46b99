//! The claims a dry run mints: the defaults of a push to `main`, the user's overrides, and what
//! GitHub derives from them, each claim marked by where its value came from. Pure apart from
//! reading the `--claims` file.
//!
//! GitHub never sends a token whose claims contradict each other (`ref=refs/tags/v1` with
//! `ref_type=branch`), so neither does the dry run: a policy tested against an impossible token
//! proves nothing.

use std::path::PathBuf;

use crate::claims::Claims;
use crate::config::Config;
use crate::error::Error;
use crate::output::random_hex;
use crate::token_claims::{self, SubTemplate};

/// How the dry run's claims differ from the defaults.
#[derive(Debug, Clone, Default)]
pub struct ClaimOverrides {
    /// A JSON object of claims merged over the defaults.
    pub file: Option<PathBuf>,
    /// `key=value` pairs, applied after the file.
    pub set: Vec<(String, String)>,
    /// Claims to remove.
    pub remove: Vec<String>,
}

impl ClaimOverrides {
    /// Whether the user changed any claim.
    pub fn is_empty(&self) -> bool {
        self.file.is_none() && self.set.is_empty() && self.remove.is_empty()
    }
}

/// Where a claim's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The defaults of a push to `main`.
    Default,
    /// `--claim`, `--claims`.
    Set,
    /// Derived from what was set, as GitHub derives it.
    Derived,
}

impl Origin {
    /// The marker shown after the value (empty for a default).
    pub fn marker(self) -> &'static str {
        match self {
            Origin::Default => "",
            Origin::Set => "  (set)",
            Origin::Derived => "  (derived)",
        }
    }
}

/// Minted claims, and where each came from.
#[derive(Debug, Clone)]
pub struct Minted {
    /// The claims put in the token.
    pub claims: Claims,
    /// Claims the user set.
    pub set: Vec<String>,
    /// Claims derived from what the user set (their value differs from the default).
    pub derived: Vec<String>,
}

impl Minted {
    /// Where `name`'s value came from.
    pub fn origin(&self, name: &str) -> Origin {
        if self.set.iter().any(|n| n == name) {
            Origin::Set
        } else if self.derived.iter().any(|n| n == name) {
            Origin::Derived
        } else {
            Origin::Default
        }
    }
}

/// The pull request number a dry run's `pull_request` token names when no `ref` is given.
const PR_NUMBER: &str = "7";
/// The branch the dry run's imagined repository protects.
const PROTECTED_BRANCH: &str = "refs/heads/main";

/// Claims that look like a push to `main` of `octo-org/octo-repo` on a GitHub-hosted runner.
pub fn default_claims(config: &Config, now: i64, template: Option<&SubTemplate>) -> Claims {
    let mut claims = Claims::from_pairs([
        ("actor", "octocat"),
        ("actor_id", "583231"),
        ("base_ref", ""),
        ("event_name", "push"),
        ("head_ref", ""),
        ("ref", PROTECTED_BRANCH),
        ("ref_protected", "true"),
        ("ref_type", "branch"),
        ("repository", "octo-org/octo-repo"),
        ("repository_id", "892734561"),
        ("repository_owner_id", "78953443"),
        ("repository_visibility", "private"),
        ("run_attempt", "1"),
        ("run_id", "11843209874"),
        ("run_number", "42"),
        ("runner_environment", "github-hosted"),
        ("sha", "8f3c2a1b9d0e4f5a6b7c8d9e0f1a2b3c4d5e6f70"),
        ("workflow", "Deploy"),
        ("workflow_sha", "8f3c2a1b9d0e4f5a6b7c8d9e0f1a2b3c4d5e6f70"),
        (
            "job_workflow_sha",
            "8f3c2a1b9d0e4f5a6b7c8d9e0f1a2b3c4d5e6f70",
        ),
    ]);
    claims.set("iss", config.issuer.clone());
    claims.set("aud", config.oidc.audience.clone());
    claims.set("jti", random_hex(16));
    claims.set_time("iat", now);
    claims.set_time("nbf", now - 300);
    claims.set_time("exp", now + 300);
    derive_claims(&mut claims, &[], template);
    claims
}

/// Fills in what GitHub derives from other claims, unless given explicitly, by the one
/// derivation `paths` uses too ([`crate::token_claims::derive`]), for the dry run's imagined
/// repository: pull request #7 from `feature` into `main`, only `main` protected, the workflow
/// `.github/workflows/deploy.yml`. So `--claim ref=refs/tags/v1.2.3` yields the token a tag
/// push would get.
pub fn derive_claims(claims: &mut Claims, explicit: &[String], template: Option<&SubTemplate>) {
    let protected = [PROTECTED_BRANCH.to_string()];
    let how = token_claims::Derivation {
        protected: &protected,
        pr_number: PR_NUMBER,
        head_branch: "feature",
        base_branch: "main",
        workflow_path: ".github/workflows/deploy.yml",
        job_workflow: None,
        sub_template: template,
    };
    token_claims::derive(claims, explicit, &how);
}

/// Applies the overrides (file, `--claim`, `--without-claim`) to the defaults and derives the
/// rest, recording which claims were set and which derived.
pub fn apply_overrides(
    defaults: Claims,
    overrides: &ClaimOverrides,
    template: Option<&SubTemplate>,
) -> Result<Minted, Error> {
    let mut claims = defaults.clone();
    let mut explicit: Vec<String> = Vec::new();
    if let Some(path) = &overrides.file {
        let error = |problem: String| Error::ClaimsFile {
            path: path.clone(),
            problem,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| error(format!("not JSON: {e}")))?;
        let from_file = Claims::from_json(&json).map_err(|e| error(e.to_string()))?;
        for (name, value) in from_file.iter() {
            claims.set(name, value);
            explicit.push(name.to_string());
        }
        for name in crate::claims::TIME_CLAIMS {
            if let Some(t) = from_file.time(name) {
                claims.set_time(name, t);
            }
        }
    }
    for (name, value) in &overrides.set {
        claims.set(name.clone(), value.clone());
        explicit.push(name.clone());
    }
    derive_claims(&mut claims, &explicit, template);
    for name in &overrides.remove {
        claims.remove(name);
    }
    let derived = claims
        .iter()
        .filter(|(name, value)| {
            !explicit.iter().any(|e| e == name) && defaults.get(name) != Some(*value)
        })
        .map(|(name, _)| name.to_string())
        .collect();
    explicit.sort();
    explicit.dedup();
    Ok(Minted {
        claims,
        set: explicit,
        derived,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::env::Env;
    use crate::inputs::{Flags, Inputs};

    fn base() -> Claims {
        let env = Env::default();
        let config = Config::from_inputs(Inputs::new(&Flags::new(), &env), Mode::DryRun).unwrap();
        default_claims(&config, 1_000, None)
    }

    fn mint(set: &[(&str, &str)]) -> Minted {
        let overrides = ClaimOverrides {
            set: set
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        apply_overrides(base(), &overrides, None).unwrap()
    }

    #[test]
    fn sub_follows_github_rules() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "repo:octo-org/octo-repo:ref:refs/heads/main"),
            (
                &[("environment", "prod:eu")],
                "repo:octo-org/octo-repo:environment:prod%3Aeu",
            ),
            (
                &[("event_name", "pull_request")],
                "repo:octo-org/octo-repo:pull_request",
            ),
            (
                &[("ref", "refs/tags/v1.2.0")],
                "repo:octo-org/octo-repo:ref:refs/tags/v1.2.0",
            ),
            (&[("sub", "custom")], "custom"),
            (
                &[("repository", "acme/api")],
                "repo:acme/api:ref:refs/heads/main",
            ),
        ];
        for (set, want) in cases {
            assert_eq!(mint(set).claims.get("sub"), Some(*want), "{set:?}");
        }
        let minted = apply_overrides(
            base(),
            &ClaimOverrides {
                set: vec![("repository".into(), "acme/api".into())],
                remove: vec!["ref_protected".into()],
                ..Default::default()
            },
            None,
        )
        .unwrap();
        let claims = &minted.claims;
        assert_eq!(claims.get("repository_owner"), Some("acme"));
        assert_eq!(
            claims.get("job_workflow_ref"),
            Some("acme/api/.github/workflows/deploy.yml@refs/heads/main")
        );
        assert_eq!(claims.get("ref_protected"), None);
        assert_eq!(claims.time("exp"), Some(1_300));
    }

    /// Claims given with `--claim`.
    type Set<'a> = &'a [(&'a str, &'a str)];

    /// Issue #14: every claim GitHub derives from `ref` and `event_name` follows them.
    #[test]
    fn derived_claims_agree_with_what_was_set() {
        // (set, claim, expected value)
        let cases: &[(Set, &str, &str)] = &[
            (&[("ref", "refs/tags/v1.2.3")], "ref_type", "tag"),
            (&[("ref", "refs/tags/v1.2.3")], "ref_protected", "false"),
            (
                &[("ref", "refs/tags/v1.2.3"), ("ref_protected", "true")],
                "ref_protected",
                "true",
            ),
            (&[("ref", "refs/heads/dev")], "ref_type", "branch"),
            (&[("ref", "refs/heads/dev")], "ref_protected", "false"),
            (
                &[("ref", "refs/heads/dev")],
                "workflow_ref",
                "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/dev",
            ),
            (
                &[("event_name", "pull_request")],
                "ref",
                "refs/pull/7/merge",
            ),
            (&[("event_name", "pull_request")], "head_ref", "feature"),
            (&[("event_name", "pull_request")], "base_ref", "main"),
            (&[("event_name", "pull_request")], "ref_protected", "false"),
            (&[("event_name", "pull_request")], "ref_type", "branch"),
            (
                &[("event_name", "pull_request"), ("head_ref", "fix-1")],
                "head_ref",
                "fix-1",
            ),
            (
                &[("event_name", "pull_request"), ("ref", "refs/pull/9/merge")],
                "ref",
                "refs/pull/9/merge",
            ),
            (
                &[("event_name", "pull_request_target")],
                "ref",
                "refs/heads/main",
            ),
            (
                &[("event_name", "pull_request_target")],
                "head_ref",
                "feature",
            ),
            (&[("event_name", "push")], "head_ref", ""),
        ];
        for (set, claim, want) in cases {
            assert_eq!(
                mint(set).claims.get(claim),
                Some(*want),
                "{set:?} → {claim}"
            );
        }
    }

    #[test]
    fn origins_are_marked() {
        let minted = mint(&[("ref", "refs/tags/v1.2.3")]);
        assert_eq!(minted.origin("ref"), Origin::Set);
        for derived in ["ref_type", "ref_protected", "sub", "workflow_ref"] {
            assert_eq!(minted.origin(derived), Origin::Derived, "{derived}");
        }
        assert_eq!(minted.origin("repository"), Origin::Default);
        assert_eq!(mint(&[]).derived, Vec::<String>::new());
    }
}
