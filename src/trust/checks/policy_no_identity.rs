//! OA201 `policy-rule-without-identity`: an allow rule of our policy file that pins no
//! repository. Pure.

use super::Check;
use crate::policy::pattern::Pattern;
use crate::trust::finding::{Finding, Meta, Severity};
use crate::trust::policy_file::PolicyFile;

check_meta! {
    PolicyNoIdentity, "OA201", "policy-rule-without-identity", Severity::High,
    title: "an allow rule pins no repository",
    why: "without `repository_id`, `repository`, `repository_owner_id`, `repository_owner` or an exact `sub`, the rule admits a token from any repository that meets its other conditions (a ref, an environment name, a workflow path are all chosen by whoever writes the workflow)",
    fix: "add `repository_id = \"ID\"` (ids survive renames) to the rule",
}

const IDENTITY: &[&str] = &[
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
];

impl Check for PolicyNoIdentity {
    fn policy(&self, file: &PolicyFile<'_>, out: &mut Vec<Finding>) {
        for (i, rule) in file.policy.allow_rules().iter().enumerate() {
            let pinned = rule.conditions().iter().any(|c| {
                IDENTITY.contains(&c.claim())
                    || (c.claim() == "sub"
                        && c.patterns()
                            .iter()
                            .all(|p| matches!(p, Pattern::Exact(s) if s.starts_with("repo:"))))
            });
            if !pinned {
                out.push(META.at(
                    &file.rule_loc("allow", i),
                    format!("allow rule `{}` has no `repository_id`, `repository`, `repository_owner_id` or `repository_owner` condition", rule.name()),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::ids;

    #[test]
    fn cases() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "id",
                "version = 1\n[[allow]]\nname = \"a\"\nrepository_id = \"74\"\nref = \"refs/heads/main\"\n",
                &[],
            ),
            (
                "owner id",
                "version = 1\n[[allow]]\nname = \"a\"\nrepository_owner_id = \"65\"\nenvironment = \"prod\"\n",
                &[],
            ),
            (
                "exact sub",
                "version = 1\n[[allow]]\nname = \"a\"\nsub = \"repo:o/r:environment:prod\"\n",
                &[],
            ),
            (
                "ref only",
                "version = 1\n[[allow]]\nname = \"a\"\nref = \"refs/heads/main\"\n",
                &["OA201 high 3:1"],
            ),
            (
                "workflow only",
                "version = 1\n[[allow]]\nname = \"a\"\njob_workflow_ref = \"o/wf/.github/workflows/d.yml@refs/tags/v1\"\n",
                &["OA201 high 3:1"],
            ),
        ];
        for (name, source, want) in cases {
            let got: Vec<String> = ids(source)
                .into_iter()
                .filter(|s| s.starts_with("OA201"))
                .collect();
            assert_eq!(&got, want, "{name}");
        }
    }
}
