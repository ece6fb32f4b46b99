//! Findings: what a check reports, with its severity, confidence, location and fix. Pure.

use super::document::Loc;

/// How bad a finding is, lowest first (so `max()` is the worst).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; not exploitable by itself.
    Low,
    /// Weakens the boundary or depends on something outside the document.
    Medium,
    /// Lets more workflows assume the role than the author meant.
    High,
    /// Lets repositories you do not control assume the role.
    Critical,
}

impl Severity {
    /// Lower-case name, as in `--min-severity` and the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The `audit` exit code when this is the worst severity found (documented in
    /// docs/audit.md): 10 low, 11 medium, 12 high, 13 critical.
    pub fn exit_code(self) -> u8 {
        match self {
            Severity::Low => 10,
            Severity::Medium => 11,
            Severity::High => 12,
            Severity::Critical => 13,
        }
    }
}

/// How sure a check is that the finding is real (some depend on role-name hints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// What a check is: stable id, kebab name, one-line title, default severity, why and fix.
#[derive(Debug)]
pub struct Meta {
    /// Stable id, `OA1nn` (trust policies) or `OA2nn` (our policy file).
    pub id: &'static str,
    /// Stable kebab-case name.
    pub name: &'static str,
    /// One line.
    pub title: &'static str,
    pub severity: Severity,
    /// Why it matters (a paragraph).
    pub why: &'static str,
    /// The general fix.
    pub fix: &'static str,
}

impl Meta {
    /// A finding of this check at `loc` with the default severity, high confidence and the
    /// general fix.
    pub fn at(&'static self, loc: &Loc, message: impl Into<String>) -> Finding {
        Finding {
            meta: self,
            severity: self.severity,
            confidence: Confidence::High,
            message: message.into(),
            fix: self.fix.to_string(),
            loc: loc.clone(),
        }
    }
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Finding {
    pub meta: &'static Meta,
    pub severity: Severity,
    pub confidence: Confidence,
    /// What is wrong here, specifically.
    pub message: String,
    /// How to fix it here.
    pub fix: String,
    pub loc: Loc,
}

impl Finding {
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = confidence;
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }
}
