//! Human output: each finding with the offending line, why, and the fix. Pure, deterministic.

use crate::trust::finding::Severity;
use crate::trust::{DocumentRead, Reported};

/// Renders findings (already filtered) and a summary line.
pub fn render(findings: &[Reported]) -> String {
    let mut out = String::new();
    for r in findings {
        let f = &r.finding;
        out.push_str(&format!(
            "{}[{}] {}: {}\n",
            f.severity.as_str(),
            f.meta.id,
            f.meta.name,
            f.meta.title
        ));
        out.push_str(&format!(
            "  --> {}:{}:{} ({})\n",
            r.path, f.loc.line, f.loc.column, f.loc.pointer
        ));
        let gutter = f.loc.line.to_string();
        let pad = " ".repeat(gutter.len());
        out.push_str(&format!("   {pad} |\n"));
        out.push_str(&format!("   {gutter} | {}\n", r.snippet));
        out.push_str(&format!("   {pad} |\n"));
        out.push_str(&format!("   = {}\n", f.message));
        if let Some(power) = &r.power {
            out.push_str(&format!("   = power: {power}\n"));
        }
        out.push_str(&format!("   = why: {}\n", f.meta.why));
        out.push_str(&format!("   = fix: {}\n", f.fix));
        out.push_str(&format!("   = confidence: {}\n\n", f.confidence.as_str()));
    }
    out.push_str(&summary(findings));
    out
}

/// Renders findings, then every document read (a directory audit says what it read), then the
/// summary line.
pub fn render_with_documents(findings: &[Reported], documents: &[DocumentRead]) -> String {
    let mut out = render(findings);
    let summary = out.split_off(out.len() - summary(findings).len());
    out.push_str(&format!(
        "read {} trust polic{}:\n",
        documents.len(),
        if documents.len() == 1 { "y" } else { "ies" }
    ));
    for d in documents {
        out.push_str(&format!(
            "  {}:{}  {}  ({})\n",
            d.path, d.line, d.resource, d.form
        ));
        if let Some(power) = &d.power {
            out.push_str(&format!("      power: {}\n", power.summary()));
        }
    }
    out.push_str(&summary);
    out
}

/// `N findings: 1 critical, 2 high` or `no findings`.
pub fn summary(findings: &[Reported]) -> String {
    if findings.is_empty() {
        return "no findings\n".into();
    }
    let counts: Vec<String> = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ]
    .iter()
    .filter_map(|s| {
        let n = findings.iter().filter(|r| r.finding.severity == *s).count();
        (n > 0).then(|| format!("{n} {}", s.as_str()))
    })
    .collect();
    let n = findings.len();
    format!(
        "{n} finding{}: {}\n",
        if n == 1 { "" } else { "s" },
        counts.join(", ")
    )
}
