//! OA202 `policy-broad-glob`: globs in our policy file that match more than they look like.
//! Pure.

use super::Check;
use crate::policy::pattern::Pattern;
use crate::trust::finding::{Finding, Meta, Severity};
use crate::trust::policy_file::PolicyFile;

check_meta! {
    PolicyBroadGlob, "OA202", "policy-broad-glob", Severity::Medium,
    title: "a glob matches more than it looks like",
    why: "a `*` right after a name (`main*`, `release*`, `octo-org*`) is a prefix match: `refs/heads/main*` also matches `refs/heads/main-evil`, a branch anyone with push access can create, and `octo-org*` matches `octo-org-evil`. `**` also crosses `/`",
    fix: "end the fixed part at a separator (`refs/heads/release/*`, `octo-org/*`) or list exact values",
}

const IDENTITY: &[&str] = &["repository", "repository_owner", "sub", "job_workflow_ref"];
const REFS: &[&str] = &["ref", "base_ref", "head_ref", "environment", "workflow_ref"];

impl Check for PolicyBroadGlob {
    fn policy(&self, file: &PolicyFile<'_>, out: &mut Vec<Finding>) {
        for (i, rule) in file.policy.allow_rules().iter().enumerate() {
            for c in rule.conditions() {
                for (j, p) in c.patterns().iter().enumerate() {
                    let Pattern::Glob { source, .. } = p else {
                        continue;
                    };
                    let prefix_glob = source.match_indices('*').any(|(at, _)| {
                        at > 0 && !matches!(source.as_bytes()[at - 1], b'/' | b'*' | b':' | b'@')
                    });
                    let double = source.contains("**");
                    if !prefix_glob && !double {
                        continue;
                    }
                    let claim = c.claim();
                    let severity = if IDENTITY.contains(&claim) {
                        Severity::High
                    } else if claim == "ref" && source.starts_with("refs/tags/") {
                        Severity::Low
                    } else if REFS.contains(&claim) {
                        Severity::Medium
                    } else {
                        Severity::Low
                    };
                    let example = if prefix_glob
                        && claim == "ref"
                        && source.starts_with("refs/tags/")
                    {
                        // A release-tag pattern is the usual way to pin releases: what matters is
                        // who can push such a tag.
                        let cut = source.find('*').unwrap_or(source.len());
                        format!(
                            "a prefix match: any tag starting with `{}` (`{}-rc`, `{}x`) matches, so anyone who can push tags can create one unless a tag ruleset restricts who may create tags matching `{source}`",
                            &source[10..cut],
                            &source[..cut],
                            &source[..cut]
                        )
                    } else if prefix_glob {
                        let cut = source.find('*').unwrap_or(source.len());
                        format!("a prefix match: it also matches `{}-evil`", &source[..cut])
                    } else {
                        "`**` matches across `/`".to_string()
                    };
                    out.push(
                        META.at(
                            &file.value_loc("allow", i, claim, j),
                            format!(
                                "rule `{}`: `{claim} = \"{source}\"` is {example}",
                                rule.name()
                            ),
                        )
                        .severity(severity),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::ids;

    #[test]
    fn cases() {
        let rule = |claim: &str, value: &str| {
            format!(
                "version = 1\n[[allow]]\nname = \"a\"\nrepository_id = \"74\"\n{claim} = \"{value}\"\n"
            )
        };
        let cases: &[(&str, String, &[&str])] = &[
            ("segment glob", rule("ref", "refs/heads/feature/*"), &[]),
            ("exact", rule("ref", "refs/heads/main"), &[]),
            (
                "branch prefix",
                rule("ref", "refs/heads/main*"),
                &["OA202 medium 5:7"],
            ),
            (
                "release prefix",
                rule("ref", "refs/heads/release*"),
                &["OA202 medium 5:7"],
            ),
            (
                "tag prefix",
                rule("ref", "refs/tags/v*"),
                &["OA202 low 5:7"],
            ),
            (
                "double star",
                rule("ref", "refs/heads/**"),
                &["OA202 medium 5:7"],
            ),
            (
                "owner prefix",
                rule("repository", "octo-org*"),
                &["OA202 high 5:14"],
            ),
            ("org repos", rule("repository", "octo-org/*"), &[]),
            (
                "env prefix",
                rule("environment", "prod*"),
                &["OA202 medium 5:15"],
            ),
        ];
        for (name, source, want) in cases {
            let got: Vec<String> = ids(source)
                .into_iter()
                .filter(|s| s.starts_with("OA202"))
                .collect();
            assert_eq!(&got, want, "{name}");
        }
    }
}
