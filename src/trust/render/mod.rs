//! Renders audit findings: human text, GitHub workflow commands, SARIF 2.1.0, JSON (v1). Pure:
//! every renderer writes to a `String`; the caller prints it.

mod github;
mod human;
mod json;
pub(crate) mod sarif;

pub use github::render as github;
pub use human::render as human;
pub use human::render_with_documents as human_with_documents;
pub use json::render as json;
pub use sarif::render as sarif;

/// The output formats of `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Each finding with the offending line, why, and the fix
    Human,
    /// GitHub workflow commands (`::error file=…,line=…::…`), shown as annotations
    Github,
    /// SARIF 2.1.0, for code scanning (`github/codeql-action/upload-sarif`)
    Sarif,
    /// JSON, format version 1 (docs/audit.md)
    Json,
}
