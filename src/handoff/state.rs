//! The post step's record: what the main step exported and wrote, saved in the runner's state
//! file, and the cleanup that undoes it. I/O: writes `GITHUB_STATE` and `GITHUB_ENV`, and takes
//! the step's sections out of the profile files.

use crate::error::Error;
use crate::export;
use crate::output::Reporter;
use crate::profiles;
use crate::runner::Targets;

/// Name of the state record (`STATE_oidc_assume` in the post step).
pub const STATE_NAME: &str = "oidc_assume";

/// What the post step undoes, saved in the runner's state file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CleanupState {
    /// Variables to blank in `GITHUB_ENV`.
    pub env: Vec<String>,
    /// Profile files to take our sections out of.
    pub profiles: Option<profiles::Written>,
}

/// The state record: written first thing (empty), so a post step never mistakes itself for the
/// main step, and again once the exports are done.
pub fn save_state(targets: &Targets, state: &CleanupState) -> Result<(), Error> {
    let Some(path) = &targets.state_file else {
        return Ok(());
    };
    let json = serde_json::to_string(state)
        .map_err(|e| Error::Internal(format!("could not record the cleanup state: {e}")))?;
    let bytes = export::render(&[(STATE_NAME, &json)], &export::random_delimiter())?;
    export::write_files(&[(path.as_path(), &bytes)])?;
    Ok(())
}

/// The post step: blanks what the main step exported and takes its profiles out again.
pub fn cleanup(state_json: &str, targets: &Targets, out: &Reporter) -> Result<(), Error> {
    let state: CleanupState = serde_json::from_str(state_json)
        .map_err(|e| Error::CleanupRecordUnreadable(e.to_string()))?;
    if let (Some(path), false) = (&targets.env_file, state.env.is_empty()) {
        let records: Vec<(&str, &str)> = state.env.iter().map(|n| (n.as_str(), "")).collect();
        let bytes = export::render(&records, &export::random_delimiter())?;
        export::write_files(&[(path.as_path(), &bytes)])?;
    }
    let removed = match &state.profiles {
        Some(written) => {
            let removed = profiles::remove_profiles(written)?;
            // A file rewritten with other sections left in it is a new file: hand it over again.
            super::hand_over(written, None, out);
            Some((written, removed))
        }
        None => None,
    };
    if !state.env.is_empty() || removed.is_some() {
        out.info(&format!(
            "oidc-assume: cleanup: blanked {} variable(s){}",
            state.env.len(),
            removed
                .as_ref()
                .map_or_else(String::new, |(w, r)| r.describe(&w.credentials.path))
        ));
    }
    Ok(())
}
