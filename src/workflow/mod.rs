//! GitHub Actions workflows as the attack-path analysis (#19) and migration (#20) read them:
//! triggers with their filters, workflow and job `permissions` with GitHub's defaults, jobs
//! (environments, `if:` kept as text, matrices, reusable-workflow calls) and their steps. Pure:
//! no I/O; the caller reads `.github/workflows/*.yml` and hands the text in.
//!
//! GitHub's format is read leniently (unknown keys are ignored, as the runner ignores them),
//! but every value this model keeps is read exactly, and what cannot be read is kept as a
//! problem with its line rather than guessed.

pub mod actors;
pub mod credentials;
pub mod model;
pub mod permissions;

pub use model::{Filter, Job, Step, Trigger, Workflow, expand_actions, read, read_action};
pub use permissions::{Access, Permissions};

/// Why a workflow file was not read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// Not YAML.
    #[error("{path}:{line}:{column}: {message}")]
    Yaml {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// YAML, but not a workflow (no `on` or no `jobs` mapping).
    #[error("{path}: not a workflow: {why}")]
    NotAWorkflow { path: String, why: String },
}
