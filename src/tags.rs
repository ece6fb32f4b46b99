//! Session tags for `AssumeRole`: the run's GitHub context, sanitised to what STS accepts, plus
//! the user's `custom-tags`. Pure: no I/O (the caller passes the context values in).
//!
//! STS accepts tag keys of 1–128 and values of 0–256 characters from letters, digits, spaces
//! and `_.:/=+-@`. Context values (branch names, workflow names) may hold anything, so they are
//! sanitised the way configure-aws-credentials does: other characters become `_`, and values
//! are cut to 256 characters.

/// Longest tag key STS accepts.
pub const MAX_KEY: usize = 128;
/// Longest tag value STS accepts.
pub const MAX_VALUE: usize = 256;

fn allowed(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)
}

/// Whether `key` is a valid session tag key.
pub fn is_valid_key(key: &str) -> bool {
    (1..=MAX_KEY).contains(&key.chars().count()) && key.chars().all(allowed)
}

/// Whether `value` is a valid session tag value.
pub fn is_valid_value(value: &str) -> bool {
    value.chars().count() <= MAX_VALUE && value.chars().all(allowed)
}

/// `value` with every character STS refuses replaced by `_`, cut to [`MAX_VALUE`].
pub fn sanitize(value: &str) -> String {
    value
        .chars()
        .map(|c| if allowed(c) { c } else { '_' })
        .take(MAX_VALUE)
        .collect()
}

/// The run's GitHub context, as the runner's variables give it.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// `GITHUB_REPOSITORY`
    pub repository: Option<&'a str>,
    /// `GITHUB_WORKFLOW`
    pub workflow: Option<&'a str>,
    /// `GITHUB_ACTION`
    pub action: Option<&'a str>,
    /// `GITHUB_ACTOR`
    pub actor: Option<&'a str>,
    /// `GITHUB_SHA`
    pub commit: Option<&'a str>,
    /// `GITHUB_REF`
    pub branch: Option<&'a str>,
}

/// The tags of one `AssumeRole` call: the context tags (unless skipped) and the custom ones.
/// A custom tag replaces a context tag of the same key (keys are case-insensitive to STS).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionTags {
    /// Tags from the run's context: optional, dropped when STS says the packed policy is too
    /// large.
    pub context: Vec<(String, String)>,
    /// `custom-tags`: what the user asked for, never dropped.
    pub custom: Vec<(String, String)>,
}

impl SessionTags {
    /// Builds the tags; `skip_context` is `role-skip-session-tagging`.
    pub fn new(context: &Context<'_>, skip_context: bool, custom: &[(String, String)]) -> Self {
        let mut tags = Vec::new();
        if !skip_context {
            tags.push(("GitHub".to_string(), "Actions".to_string()));
            for (key, value) in [
                ("Repository", context.repository),
                ("Workflow", context.workflow),
                ("Action", context.action),
                ("Actor", context.actor),
                ("Commit", context.commit),
                ("Branch", context.branch),
            ] {
                if let Some(value) = value.filter(|v| !v.is_empty()) {
                    tags.push((key.to_string(), sanitize(value)));
                }
            }
            tags.retain(|(key, _)| !custom.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)));
        }
        SessionTags {
            context: tags,
            custom: custom.to_vec(),
        }
    }

    /// Every tag, context first.
    pub fn all(&self) -> Vec<(String, String)> {
        self.context.iter().chain(&self.custom).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_values_are_sanitised_and_cut() {
        for (raw, expected) in [
            ("octo-org/octo-repo", "octo-org/octo-repo"),
            ("refs/heads/feature/ü-umlaut", "refs/heads/feature/ü-umlaut"),
            ("Deploy (prod) #1", "Deploy _prod_ _1"),
            ("release\nv1;rm -rf", "release_v1_rm -rf"),
            ("emoji 🚀 build", "emoji _ build"),
            ("a\"b'c`d$e", "a_b_c_d_e"),
            ("", ""),
        ] {
            assert_eq!(sanitize(raw), expected, "{raw:?}");
            assert!(is_valid_value(&sanitize(raw)));
        }
        let long = "x".repeat(300);
        assert_eq!(sanitize(&long).chars().count(), MAX_VALUE);
        let long_multibyte = "é".repeat(300);
        assert_eq!(sanitize(&long_multibyte).chars().count(), MAX_VALUE);
    }

    #[test]
    fn keys_and_values_are_checked_against_sts_limits() {
        assert!(is_valid_key("Team"));
        assert!(is_valid_key("cost-center:id"));
        assert!(!is_valid_key(""));
        assert!(!is_valid_key(&"k".repeat(129)));
        assert!(!is_valid_key("bad key!"));
        assert!(is_valid_value(""));
        assert!(!is_valid_value(&"v".repeat(257)));
        assert!(!is_valid_value("semi;colon"));
    }

    #[test]
    fn context_tags_skip_empty_and_yield_to_custom_ones() {
        let context = Context {
            repository: Some("octo-org/octo-repo"),
            workflow: Some("Deploy (prod)"),
            action: Some("__oidc-assume"),
            actor: Some("octocat"),
            commit: Some("a1b2c3"),
            branch: Some("refs/heads/main"),
        };
        let custom = vec![
            ("team".to_string(), "platform".to_string()),
            ("Branch".to_string(), "pinned".to_string()),
        ];
        let tags = SessionTags::new(&context, false, &custom);
        let keys: Vec<&str> = tags.context.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "GitHub",
                "Repository",
                "Workflow",
                "Action",
                "Actor",
                "Commit"
            ]
        );
        assert_eq!(tags.context[2].1, "Deploy _prod_");
        assert_eq!(tags.all().len(), 8);
        assert_eq!(tags.all().last().unwrap().1, "pinned");

        let sparse = SessionTags::new(
            &Context {
                repository: Some("o/r"),
                actor: Some(""),
                ..Context::default()
            },
            false,
            &[],
        );
        assert_eq!(
            sparse.context,
            [
                ("GitHub".to_string(), "Actions".to_string()),
                ("Repository".to_string(), "o/r".to_string())
            ]
        );
        let skipped = SessionTags::new(&context, true, &custom);
        assert!(skipped.context.is_empty());
        assert_eq!(skipped.custom, custom);
    }
}
