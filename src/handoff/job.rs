//! The job's record of the profiles its steps wrote, and the unset-only step that undoes what
//! earlier steps of the job handed on. The record is one JSON line per writing step in
//! `RUNNER_TEMP/oidc-assume/profiles.jsonl`: the runner empties `RUNNER_TEMP` at the start and
//! end of every job, so the record never outlives the job, and a container action sees the same
//! directory as `/github/runner_temp`. I/O: appends to and reads the record, writes `GITHUB_ENV`,
//! takes sections out of the profile files.

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::Error;
use crate::export;
use crate::output::Reporter;
use crate::profiles::{self, Written};
use crate::runner::{RUNNER_TEMP, Targets};

use super::records::{AWS_PROFILE, CREDENTIAL_VARS};

/// The record, relative to `RUNNER_TEMP`.
pub const JOB_RECORD: &str = "oidc-assume/profiles.jsonl";

/// The job's record file, when the runner names a temp directory.
pub fn record_path(env: &Env) -> Option<PathBuf> {
    env.get(RUNNER_TEMP)
        .filter(|t| !t.is_empty())
        .map(|t| Path::new(t).join(JOB_RECORD))
}

/// A failure of the machine (a full disk, a permission), not a bug: exit 1 without "please
/// report it".
fn machine(message: String) -> Error {
    Error::Other(anyhow::anyhow!(message))
}

/// Adds what a step wrote to the job's record: one line, appended in one write.
pub fn record(path: &Path, written: &Written) -> Result<(), Error> {
    let mut line = serde_json::to_string(written)
        .map_err(|e| Error::Internal(format!("could not record the profiles: {e}")))?;
    line.push('\n');
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| machine(format!("could not create {}: {e}", dir.display())))?;
    }
    export::append_atomically(path, line.as_bytes())?;
    Ok(())
}

/// The records in the job's file text; a line that is not a record (a torn write) is skipped.
pub fn parse_record(text: &str) -> Vec<Written> {
    text.lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The variables an unset-only step blanks: every credential variable and `AWS_PROFILE`.
pub fn unset_records() -> Vec<(&'static str, &'static str)> {
    CREDENTIAL_VARS
        .iter()
        .chain(std::iter::once(&AWS_PROFILE))
        .map(|name| (*name, ""))
        .collect()
}

/// `unset-current-credentials: true` with no role: blanks the credential variables and
/// `AWS_PROFILE` for later steps (the runner can blank a variable, not remove it) and takes the
/// profiles the job's steps wrote out of the shared files.
pub fn unset_only(env: &Env, targets: &Targets, out: &Reporter) -> Result<(), Error> {
    let records = unset_records();
    if let Some(path) = &targets.env_file {
        let bytes = export::render(&records, &export::random_delimiter())?;
        export::write_files(&[(path.as_path(), &bytes)])?;
    }
    let mut removed = String::new();
    if let Some(path) = record_path(env) {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(machine(format!("could not read {}: {e}", path.display())));
            }
        };
        for written in parse_record(&text) {
            let done = profiles::remove_profiles(&written)?;
            super::hand_over(&written, None, out);
            removed.push_str(&done.describe(&written.credentials.path));
        }
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(machine(format!("could not remove {}: {e}", path.display())));
            }
        }
    }
    let names: Vec<&str> = records.iter().map(|(n, _)| *n).collect();
    out.info(&format!(
        "oidc-assume: unset: blanked {} for later steps (the runner can blank a variable, not remove it){}",
        names.join(", "),
        if removed.is_empty() {
            "; this job wrote no profile to remove"
        } else {
            &removed
        }
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::FileWrite;

    fn written(profiles: &[&str]) -> Written {
        Written {
            credentials: FileWrite {
                path: "/github/home/.aws/credentials".into(),
                created: true,
                profiles: profiles.iter().map(|p| p.to_string()).collect(),
            },
            config: None,
            owners: Default::default(),
        }
    }

    #[test]
    fn the_record_is_one_line_per_step_and_survives_a_torn_line() {
        let a = serde_json::to_string(&written(&["deploy"])).unwrap();
        let b = serde_json::to_string(&written(&["audit", "read"])).unwrap();
        // (file text, profiles read back)
        let cases: &[(String, &[&[&str]])] = &[
            (String::new(), &[]),
            (format!("{a}\n"), &[&["deploy"]]),
            (format!("{a}\n{b}\n"), &[&["deploy"], &["audit", "read"]]),
            (
                format!("{a}\n{{\"credentials\":\n{b}\n"),
                &[&["deploy"], &["audit", "read"]],
            ),
        ];
        for (text, want) in cases {
            let got: Vec<Vec<String>> = parse_record(text)
                .into_iter()
                .map(|w| w.credentials.profiles)
                .collect();
            assert_eq!(got, *want, "{text}");
        }
    }

    #[test]
    fn the_record_lives_in_the_jobs_temp_directory() {
        for (pairs, want) in [
            (&[][..], None),
            (&[("RUNNER_TEMP", "")][..], None),
            (
                &[("RUNNER_TEMP", "/github/runner_temp")][..],
                Some("/github/runner_temp/oidc-assume/profiles.jsonl"),
            ),
            (
                &[("RUNNER_TEMP", "/home/runner/work/_temp")][..],
                Some("/home/runner/work/_temp/oidc-assume/profiles.jsonl"),
            ),
        ] {
            let env = Env::from_pairs(pairs.iter().copied());
            assert_eq!(record_path(&env), want.map(PathBuf::from), "{pairs:?}");
        }
    }

    #[test]
    fn unset_blanks_the_credentials_and_the_profile_name() {
        assert_eq!(
            unset_records(),
            [
                ("AWS_ACCESS_KEY_ID", ""),
                ("AWS_SECRET_ACCESS_KEY", ""),
                ("AWS_SESSION_TOKEN", ""),
                ("AWS_PROFILE", ""),
            ]
        );
    }
}
