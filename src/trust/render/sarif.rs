//! SARIF 2.1.0 output for code scanning. Pure.
//!
//! One run; `tool.driver.rules` lists every check (so ids resolve even without findings);
//! each result carries the rule, level, message, the file region, and the JSON pointer as a
//! logical location and in `properties.pointer`. `security-severity` is the score GitHub code
//! scanning maps to critical/high/medium/low.

use serde_json::json;

use crate::trust::Reported;
use crate::trust::checks::all_meta;
use crate::trust::finding::Severity;

pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

pub(crate) fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
    }
}

/// A relative URI reference for a path as given (`stdin` for `-`).
pub(crate) fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Renders a SARIF log with a trailing newline.
pub fn render(findings: &[Reported]) -> String {
    let metas = all_meta();
    let rules: Vec<serde_json::Value> = metas
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "name": m.name,
                "shortDescription": {"text": m.title},
                "fullDescription": {"text": m.why},
                "help": {"text": format!("{}\n\nfix: {}", m.why, m.fix), "markdown": format!("{}\n\n**Fix:** {}", m.why, m.fix)},
                "defaultConfiguration": {"level": level(m.severity)},
                "properties": {
                    "tags": ["security"],
                    "security-severity": security_severity(m.severity),
                    "precision": "high",
                },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|r| {
            let f = &r.finding;
            let index = metas.iter().position(|m| m.id == f.meta.id).unwrap_or(0);
            let mut result = json!({
                "ruleId": f.meta.id,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": {"text": format!("{}\nfix: {}", f.message, f.fix)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&r.path)},
                        "region": {"startLine": f.loc.line.max(1), "startColumn": f.loc.column.max(1)},
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.loc.pointer, "kind": "member"}],
                }],
                "properties": {
                    "pointer": f.loc.pointer,
                    "severity": f.severity.as_str(),
                    "confidence": f.confidence.as_str(),
                    "security-severity": security_severity(f.severity),
                },
            });
            if let Some(power) = &r.power {
                result["properties"]["power"] = json!(power);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "oidc-assume",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(
            uri("examples/trust policies/a.json"),
            "examples/trust%20policies/a.json"
        );
        assert_eq!(uri("stdin"), "stdin");
    }
}
