//! GitHub workflow commands: one `::error`/`::warning`/`::notice` annotation per finding. Pure.
//!
//! Escaping follows the runner's rules (actions/toolkit `command.ts`): in the message `%`,
//! `\r`, `\n`; in properties also `:` and `,`.

use crate::trust::Reported;
use crate::trust::finding::Severity;

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

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
            escape_property(&r.path),
            f.loc.line,
            f.loc.column,
            escape_property(&title),
            escape_data(&message)
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
}
