//! Value matchers of the claim policy: exact strings, segment-aware globs, anchored regexes.
//! Pure: no I/O.
//!
//! Every matcher compiles to a check of the *whole* claim value: globs and regexes are anchored
//! (`re:main|develop` cannot match `main-evil`), and `*` never crosses `/`, so
//! `refs/heads/*` cannot match `refs/heads/feature/x`.

use regex::{Regex, RegexBuilder};

use crate::text::one_line;

/// Largest compiled regex accepted (the regex crate is linear-time; this bounds memory).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// One value a claim may have.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// Exact, case-sensitive equality.
    Exact(String),
    /// `*` (not across `/`) and `**` (across `/`); the source as written.
    Glob { source: String, regex: Regex },
    /// `re:…`, anchored to the whole value; the source as written.
    Regex { source: String, regex: Regex },
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source() == other.source()
    }
}

impl Eq for Pattern {}

/// Claims that identify who is asking: a bare wildcard on one of these in an allow rule admits
/// every repository on GitHub.
pub const IDENTITY_CLAIMS: &[&str] = &[
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "sub",
    "job_workflow_ref",
];

/// A compile problem: message and an optional fix.
pub type Problem = (String, Option<String>);

impl Pattern {
    /// Compiles one value written for `claim`. `in_allow` enables the identity-wildcard check.
    pub fn compile(claim: &str, value: &str, in_allow: bool) -> Result<Pattern, Problem> {
        if value.is_empty() {
            return Err((
                format!("`{claim}` has an empty value"),
                Some("write the exact value the claim must have".into()),
            ));
        }
        if let Some(body) = value.strip_prefix("re:") {
            let regex = RegexBuilder::new(&format!("^(?:{body})$"))
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| {
                    (
                        format!(
                            "`{claim}` has an invalid regex `{body}`: {}",
                            one_line(&e.to_string())
                        ),
                        Some(
                            "regexes use Rust `regex` syntax and always match the whole value"
                                .into(),
                        ),
                    )
                })?;
            if in_allow
                && IDENTITY_CLAIMS.contains(&claim)
                && regex.is_match("")
                && regex.is_match("any/thing-at:all")
            {
                return Err(wildcard_identity(claim, value));
            }
            return Ok(Pattern::Regex {
                source: value.to_string(),
                regex,
            });
        }
        if !value.contains('*') {
            return Ok(Pattern::Exact(value.to_string()));
        }
        if value.contains("***") {
            return Err((
                format!("`{claim}` value `{value}` has `***`"),
                Some("use `*` for one path segment or `**` for any number".into()),
            ));
        }
        if in_allow && IDENTITY_CLAIMS.contains(&claim) && value.chars().all(|c| c == '*') {
            return Err(wildcard_identity(claim, value));
        }
        let mut regex = String::from("^");
        let mut rest = value;
        while let Some(star) = rest.find('*') {
            regex.push_str(&regex::escape(&rest[..star]));
            if rest[star..].starts_with("**") {
                regex.push_str(".*");
                rest = &rest[star + 2..];
            } else {
                regex.push_str("[^/]*");
                rest = &rest[star + 1..];
            }
        }
        regex.push_str(&regex::escape(rest));
        regex.push('$');
        let regex = Regex::new(&regex).map_err(|e| (e.to_string(), None))?;
        Ok(Pattern::Glob {
            source: value.to_string(),
            regex,
        })
    }

    /// Whether `value` matches, whole.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Pattern::Exact(exact) => exact == value,
            Pattern::Glob { regex, .. } | Pattern::Regex { regex, .. } => regex.is_match(value),
        }
    }

    /// The value as written in the policy.
    pub fn source(&self) -> &str {
        match self {
            Pattern::Exact(s)
            | Pattern::Glob { source: s, .. }
            | Pattern::Regex { source: s, .. } => s,
        }
    }

    /// Whether this is a plain value (no glob, no regex).
    pub fn is_exact(&self) -> bool {
        matches!(self, Pattern::Exact(_))
    }
}

fn wildcard_identity(claim: &str, value: &str) -> Problem {
    (
        format!("`{claim} = \"{value}\"` in an allow rule matches every repository on GitHub"),
        Some(format!(
            "pin the exact `{claim}` (ids such as `repository_id` survive renames)"
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(claim: &str, value: &str) -> Pattern {
        Pattern::compile(claim, value, true).unwrap()
    }

    #[test]
    fn matchers_match_whole_values() {
        let cases: &[(&str, &str, &[&str], &[&str])] = &[
            (
                "repository",
                "octo-org/octo-repo",
                &["octo-org/octo-repo"],
                &[
                    "Octo-Org/octo-repo",
                    "octo-org/octo-repo-fork",
                    "xocto-org/octo-repo",
                ],
            ),
            (
                "ref",
                "refs/heads/*",
                &["refs/heads/main", "refs/heads/"],
                &["refs/heads/feature/x", "refs/tags/v1", "refs/heads"],
            ),
            (
                "ref",
                "refs/heads/**",
                &["refs/heads/feature/x/y", "refs/heads/main"],
                &["refs/tags/v1"],
            ),
            (
                "ref",
                "refs/tags/v*",
                &["refs/tags/v1.2.3", "refs/tags/v"],
                &["refs/tags/release-1", "refs/tags/v1/x"],
            ),
            (
                "ref",
                "refs/heads/release-*.x",
                &["refs/heads/release-1.x"],
                &["refs/heads/release-1.y"],
            ),
            // Regex metacharacters in globs are literal.
            (
                "workflow",
                "deploy (prod).[ab]?*",
                &["deploy (prod).[ab]?now"],
                &["deploy prod.a"],
            ),
            (
                "ref",
                "re:refs/heads/(main|develop)",
                &["refs/heads/main", "refs/heads/develop"],
                &["refs/heads/main-evil", "xrefs/heads/main"],
            ),
            (
                "environment",
                "re:main|develop",
                &["main", "develop"],
                &["main-evil", "evil-develop"],
            ),
            (
                "sub",
                "re:repo:octo-org/[a-z-]+:environment:prod",
                &["repo:octo-org/api:environment:prod"],
                &["repo:octo-org/api:environment:prod\n"],
            ),
        ];
        for (claim, pattern, yes, no) in cases {
            let p = compile(claim, pattern);
            for v in *yes {
                assert!(p.matches(v), "{pattern} should match {v}");
            }
            for v in *no {
                assert!(!p.matches(v), "{pattern} must not match {v:?}");
            }
        }
    }

    #[test]
    fn compile_errors() {
        let cases: &[(&str, &str, &str)] = &[
            ("ref", "", "empty value"),
            ("ref", "refs/***", "`***`"),
            ("ref", "re:(unclosed", "invalid regex"),
            ("repository", "*", "every repository"),
            ("repository_id", "**", "every repository"),
            ("sub", "re:.*", "every repository"),
        ];
        for (claim, value, needle) in cases {
            let (message, _) = Pattern::compile(claim, value, true).unwrap_err();
            assert!(message.contains(needle), "{value}: {message}");
        }
        // In deny rules (in_allow = false) a bare wildcard is meaningful: "any repository".
        assert!(Pattern::compile("repository", "*", false).is_ok());
        // A wildcard with a fixed part is allowed (the lint for it is the audit's job).
        assert!(Pattern::compile("repository", "octo-org/*", true).is_ok());
    }

    #[test]
    fn huge_regexes_are_refused() {
        let (message, _) = Pattern::compile("ref", "re:(a{1000}){1000}", true).unwrap_err();
        assert!(message.contains("invalid regex"), "{message}");
    }
}
