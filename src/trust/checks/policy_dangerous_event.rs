//! OA203 `policy-dangerous-event`: an allow rule admits `pull_request_target`, `workflow_run` or
//! `issue_comment`. Pure.

use super::Check;
use crate::policy::DANGEROUS_EVENTS;
use crate::trust::finding::{Finding, Meta, Severity};
use crate::trust::policy_file::PolicyFile;

check_meta! {
    PolicyDangerousEvent, "OA203", "policy-dangerous-event", Severity::High,
    title: "an allow rule admits an event that runs untrusted input with the base repository's rights",
    why: "`pull_request_target`, `workflow_run` and `issue_comment` jobs run in the base repository's context (its secrets, `id-token: write`, `ref` = the default branch) while commonly checking out or acting on a fork's code or a commenter's text: a poisoned pipeline gets the role",
    fix: "remove the event, or make sure the job never runs code or input from the pull request before assuming the role (and keep the role read-only)",
}

impl Check for PolicyDangerousEvent {
    fn policy(&self, file: &PolicyFile<'_>, out: &mut Vec<Finding>) {
        for (i, rule) in file.policy.allow_rules().iter().enumerate() {
            for c in rule
                .conditions()
                .iter()
                .filter(|c| c.claim() == "event_name")
            {
                for (j, p) in c.patterns().iter().enumerate() {
                    if let Some(event) = DANGEROUS_EVENTS.iter().find(|e| p.matches(e)) {
                        out.push(META.at(
                            &file.value_loc("allow", i, "event_name", j),
                            format!("rule `{}` admits `{event}`", rule.name()),
                        ));
                    }
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
        let rule = |events: &str| {
            format!(
                "version = 1\n[[allow]]\nname = \"a\"\nrepository_id = \"74\"\nevent_name = {events}\n"
            )
        };
        let cases: &[(&str, String, &[&str])] = &[
            ("push", rule("\"push\""), &[]),
            (
                "target",
                rule("[\"push\", \"pull_request_target\"]"),
                &["OA203 high 5:23"],
            ),
            (
                "workflow_run",
                rule("\"workflow_run\""),
                &["OA203 high 5:14"],
            ),
        ];
        for (name, source, want) in cases {
            let got: Vec<String> = ids(source)
                .into_iter()
                .filter(|s| s.starts_with("OA203"))
                .collect();
            assert_eq!(&got, want, "{name}");
        }
    }
}
