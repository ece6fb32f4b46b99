//! JSON output, format version 1 (documented in docs/audit.md; fields are only ever added).
//! Pure.

use serde_json::json;

use crate::trust::finding::Severity;
use crate::trust::{DocumentRead, Reported};

/// The `version` field of the JSON output.
pub const FORMAT_VERSION: u32 = 1;

/// Renders `{"version": 1, …}` with a trailing newline.
pub fn render(
    findings: &[Reported],
    inputs: &[String],
    documents: &[DocumentRead],
    worst: Option<Severity>,
    exit_code: u8,
) -> String {
    let items: Vec<serde_json::Value> = findings
        .iter()
        .map(|r| {
            let f = &r.finding;
            json!({
                "id": f.meta.id,
                "name": f.meta.name,
                "title": f.meta.title,
                "severity": f.severity.as_str(),
                "confidence": f.confidence.as_str(),
                "path": r.path,
                "line": f.loc.line,
                "column": f.loc.column,
                "pointer": f.loc.pointer,
                "message": f.message,
                "why": f.meta.why,
                "fix": f.fix,
                "snippet": r.snippet,
                "power": r.power,
            })
        })
        .collect();
    let count = |s: Severity| findings.iter().filter(|r| r.finding.severity == s).count();
    let value = json!({
        "version": FORMAT_VERSION,
        "tool": {"name": "oidc-assume", "version": env!("CARGO_PKG_VERSION")},
        "inputs": inputs,
        "documents": documents.iter().map(|d| json!({
            "path": d.path,
            "line": d.line,
            "resource": d.resource,
            "form": d.form,
            "power": d.power.as_ref().map(|p| json!({
                "level": p.level().key(),
                "summary": p.summary(),
                "permissions": p.permissions(),
                "complete": p.complete(),
                "assumes": p.assumes,
            })),
        })).collect::<Vec<_>>(),
        "findings": items,
        "summary": {
            "critical": count(Severity::Critical),
            "high": count(Severity::High),
            "medium": count(Severity::Medium),
            "low": count(Severity::Low),
            "worst": worst.map(Severity::as_str),
            "exit_code": exit_code,
        },
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
