//! What the step hands to later steps: the `GITHUB_ENV`/`GITHUB_OUTPUT` records, the profiles
//! (where later steps find them: [`Placement`]), the post step's record, the job's record of its
//! profiles ([`job`]) and the step summary, written all or nothing once every credential passed
//! `allowed-account-ids`. I/O: [`export()`] writes the runner's files and the profiles; the
//! records ([`records`]) and texts ([`summary`]) are pure.

pub mod job;
pub mod owner;
pub mod records;
pub mod refresh;
pub mod state;
pub mod summary;

use std::path::Path;

use crate::config::Config;
use crate::env::Env;
use crate::error::Error;
use crate::export;
use crate::output::Reporter;
use crate::plan::Produced;
use crate::profiles;
use crate::runner::{Placement, ProfileFiles, Targets};

pub use job::unset_only;
pub use refresh::RefreshProfile;
pub use state::{CleanupState, cleanup, save_state};

/// Where the step's profiles go (`None` when it writes none), checked before any request: in a
/// container action's container, a place later steps cannot read is refused (exit 2).
pub fn profile_files(
    config: &Config,
    placement: &Placement,
    env: &Env,
) -> Result<Option<ProfileFiles>, Error> {
    let input = if config.exports.profile.is_some() {
        "aws-profile"
    } else if !config.roles.profiles.is_empty() {
        "roles"
    } else {
        return Ok(None);
    };
    placement.profile_files(env, input).map(Some)
}

/// Checks every produced credential against `allowed-account-ids`, before anything is written.
pub fn check_accounts(config: &Config, produced: &[Produced]) -> Result<(), Error> {
    let allowed = &config.credentials.allowed_accounts;
    if allowed.is_empty() {
        return Ok(());
    }
    for p in produced {
        let account = p.creds.account_id().unwrap_or("unknown").to_string();
        if !allowed.contains(&account) {
            return Err(Error::AccountNotAllowed {
                role: p.creds.assumed_role_arn.clone(),
                account,
                allowed: allowed.clone(),
            });
        }
    }
    Ok(())
}

/// Where a step's exports go besides the runner's own files.
#[derive(Debug, Default, Clone, Copy)]
pub struct Places<'a> {
    /// The shared profile files, when a plan writes a profile.
    pub files: Option<&'a ProfileFiles>,
    /// The job's record of the profiles its steps wrote (`RUNNER_TEMP`).
    pub job_record: Option<&'a Path>,
    /// `refresh-credentials`: the refreshing profile left instead of static keys.
    pub refresh: Option<&'a RefreshProfile>,
}

/// Writes the exports, all or nothing, then a best-effort step summary.
pub fn export(
    config: &Config,
    produced: &[Produced],
    places: Places<'_>,
    rule: Option<&str>,
    targets: &Targets,
    out: &Reporter,
) -> Result<(), Error> {
    let Places {
        files,
        job_record,
        refresh,
    } = places;
    let main = produced.iter().find(|p| p.plan.is_main(config));
    let (mut env_records, output_records) = records::records(config, main, refresh);
    // Later steps must be told where the profiles are when they see the files elsewhere.
    if let Some(files) = files
        && produced.iter().any(|p| writes_profile(config, p))
    {
        env_records.extend(files.exports.iter().map(|(n, v)| (*n, v.as_str())));
    }
    let delimiter = export::random_delimiter();
    let env_bytes = export::render(&env_records, &delimiter)?;
    let output_bytes = export::render(&output_records, &delimiter)?;

    // Profiles first: their writer is all or nothing across both files, and is undone below if
    // the runner's files then fail.
    let written = write_profiles(config, produced, files)?;
    if let Some(refresh) = refresh {
        refresh.write()?;
    }

    let mut writes: Vec<(&Path, &[u8])> = Vec::new();
    if let Some(path) = &targets.env_file {
        writes.push((path, &env_bytes));
    }
    if let Some(path) = &targets.output_file {
        writes.push((path, &output_bytes));
    }
    if let Err(e) = export::write_files(&writes) {
        if let Some(written) = &written {
            let _ = profiles::remove_profiles(written);
        }
        if let Some(refresh) = refresh {
            let _ = std::fs::remove_file(&refresh.config_file);
        }
        return Err(e.into());
    }

    if let (Some(path), Some(written)) = (job_record, &written)
        && let Err(e) = job::record(path, written)
    {
        out.warning(
            "profiles not recorded for the job",
            &format!("{e}; an unset-only step of this job will not remove them"),
        );
    }
    if let Some(written) = &written {
        hand_over(written, job_record, out);
    }

    if config.exports.cleanup {
        let mut env = records::to_blank(&env_records);
        if refresh.is_some() {
            // Ours to blank: it names the refreshing profile's file.
            env.push(records::AWS_CONFIG_FILE.to_string());
        }
        let state = CleanupState {
            env,
            profiles: written,
        };
        if let Err(e) = save_state(targets, &state) {
            out.warning("cleanup not recorded", &e.to_string());
        }
    }

    if let Some(path) = &targets.summary_file {
        let summary = summary::step_summary(config, produced, rule);
        if let Err(e) = export::append_atomically(path, summary.as_bytes()) {
            out.warning("step summary not written", &e.to_string());
        } else if let Err(e) = owner::match_mount_owner(path) {
            // Rewritten as a new file of mode 0600: the runner's user must own it to upload it.
            out.warning(
                "step summary left owned by the container's user",
                &e.to_string(),
            );
        }
    }
    Ok(())
}

/// Gives the files a container action wrote on the runner's mounts to the mount's owner
/// ([`owner`]), warning when that fails: later host steps may then be unable to read them.
pub fn hand_over(written: &profiles::Written, job_record: Option<&Path>, out: &Reporter) {
    let files: Vec<&Path> = std::iter::once(written.credentials.path.as_path())
        .chain(written.config.as_ref().map(|c| c.path.as_path()))
        .collect();
    // The writers' lock beside each file is created as root too.
    let locks: Vec<std::path::PathBuf> = files
        .iter()
        .filter_map(|f| f.parent().map(|d| d.join(profiles::LOCK_FILE)))
        .collect();
    let paths = files
        .into_iter()
        .chain(locks.iter().map(|l| l.as_path()))
        .chain(job_record);
    for path in paths {
        if let Err(e) = owner::match_mount_owner(path) {
            out.warning(
                "file left owned by the container's user",
                &format!(
                    "{}: {e}; later steps running as the runner's user may not be able to read or remove it",
                    path.display()
                ),
            );
        }
    }
}

/// Writes the plans that name a profile into the shared files; `None` when none does.
/// Whether `p` becomes a profile in the shared files: a plan that names one, except the step's
/// own under `refresh-credentials` (its profile is the refreshing one, never static keys).
fn writes_profile(config: &Config, p: &Produced) -> bool {
    p.plan.profile.is_some() && !(config.exports.refresh && p.plan.is_main(config))
}

fn write_profiles(
    config: &Config,
    produced: &[Produced],
    files: Option<&ProfileFiles>,
) -> Result<Option<profiles::Written>, Error> {
    let entries: Vec<profiles::ProfileEntry> = produced
        .iter()
        .filter(|p| writes_profile(config, p))
        .filter_map(|p| {
            p.plan.profile.as_deref().map(|name| {
                profiles::ProfileEntry::from_credentials(name, &p.creds, Some(&p.plan.region))
            })
        })
        .collect();
    if entries.is_empty() {
        return Ok(None);
    }
    let files = files.ok_or_else(|| {
        Error::Internal("profiles to write, but no place was checked for them".into())
    })?;
    Ok(Some(profiles::write_profiles(
        &files.credentials,
        &files.config,
        &entries,
        config.exports.overwrite_profile,
    )?))
}

/// The `credential_process` JSON for the step's own credentials.
pub fn credential_process_json(config: &Config, produced: &[Produced]) -> Result<String, Error> {
    check_accounts(config, produced)?;
    let main = produced.first().ok_or(Error::CredentialProcessNoRole)?;
    if main.creds.expiration.is_empty() {
        return Err(Error::CredentialProcessStaticKeys);
    }
    Ok(profiles::credential_process_json(
        &main.creds.access_key_id,
        &main.creds.secret_access_key,
        &main.creds.session_token,
        &main.creds.expiration,
    ))
}
