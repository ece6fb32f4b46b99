//! GitHub workflow commands: one `::error`/`::warning`/`::notice` annotation per finding. Pure.
//!
//! Escaping follows the runner's rules (actions/toolkit `command.ts`): in the message `%`,
//! `\r`, `\n`; in properties also `:` and `,`. The audited files may come from a pull request,
//! so quoted values are hostile text: besides the escapes (which keep each annotation on one
//! line), the legacy `##[command]` syntax, which the runner matches anywhere in a line, is
//! broken up the way the action's own log writer does ([`crate::output`]).

use crate::text::{escape_data, escape_property, neutralize_legacy};
use crate::trust::Reported;
use crate::trust::finding::Severity;

/// Renders one annotation per finding.
pub fn render(findings: &[Reported]) -> String {
    let mut out = String::new();
    for r in findings {
        let f = &r.finding;
        let command = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low => "notice",
        };
        let title = format!("{} {} ({})", f.meta.id, f.meta.name, f.severity.as_str());
        let message = format!("{}\nfix: {}\nat {}", f.message, f.fix, f.loc.pointer);
        out.push_str(&format!(
            "::{command} file={},line={},col={},title={}::{}\n",
            neutralize_legacy(&escape_property(&r.path)),
            f.loc.line,
            f.loc.column,
            neutralize_legacy(&escape_property(&title)),
            neutralize_legacy(&escape_data(&message))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50%\r\nx:y,z"), "50%25%0D%0Ax:y,z");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn hostile_values_stay_inside_one_annotation() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
  "Action": "sts:AssumeRoleWithWebIdentity",
  "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:*\n::set-output name=x::y ##[set-env name=A;]B %0A::error::z"}}}]}"#;
        let findings = crate::trust::audit_trust_text("a\n::b.json", text).unwrap();
        let out = render(&findings);
        assert!(!findings.is_empty());
        for line in out.lines() {
            assert!(
                line.starts_with("::error ")
                    || line.starts_with("::warning ")
                    || line.starts_with("::notice "),
                "{line}"
            );
            assert!(!line.contains("##["), "{line}");
            assert!(!line.contains("%0A::error::z"), "{line}");
        }
        assert_eq!(out.lines().count(), findings.len());
    }
}
