//! Reading and replacing the two files: all or nothing across both, never through a symbolic
//! link, owner-only, and serialised with every other oidc-assume writing the same files. Does
//! file I/O; the texts come from [`super::merge`].
//!
//! Self-hosted runners often run several runner instances as one user with one `HOME`, so
//! jobs write the same `~/.aws` files at the same time. Each read-merge-replace therefore
//! runs under an advisory lock ([`LOCK_FILE`] in each file's directory): the rename alone
//! keeps readers from seeing half a file, but without the lock two writers that read the
//! same old text each drop the other's profile.

use std::path::{Path, PathBuf};
use std::time::Duration;

use zeroize::Zeroizing;

use crate::files::{self, FileError, Lock};

use super::merge::{merge, remove_sections, still_ours, validate};
use super::{FileKind, FileWrite, ProfileEntry, ProfileError, Removed, Written, key_fingerprint};

/// The lock file's name, in the directory of each file we write. Never deleted (see
/// [`files::Lock`]); empty, owner-only.
pub const LOCK_FILE: &str = ".oidc-assume.lock";

/// How long a writer waits for the lock. A write holds it for milliseconds, so 30 s means
/// a hung holder; failing then beats hanging the job until its own timeout.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// Writes the profiles into both files, all or nothing: under the lock, both files are read
/// and both new texts computed before either file is touched (so a conflict in either leaves
/// both as they were), then the credentials file is written, then the config file; if that
/// fails, the credentials file gets its old content back (or is deleted if it did not exist).
pub fn write_profiles(
    credentials_path: &Path,
    config_path: &Path,
    entries: &[ProfileEntry],
    overwrite: bool,
) -> Result<Written, ProfileError> {
    write_profiles_waiting(
        credentials_path,
        config_path,
        entries,
        overwrite,
        LOCK_TIMEOUT,
    )
}

/// [`write_profiles`], waiting at most `timeout` for the lock.
pub(super) fn write_profiles_waiting(
    credentials_path: &Path,
    config_path: &Path,
    entries: &[ProfileEntry],
    overwrite: bool,
    timeout: Duration,
) -> Result<Written, ProfileError> {
    // Refuse bad input before creating a directory or a lock file for it.
    validate(entries)?;
    for path in [credentials_path, config_path] {
        files::refuse_symlink(path)?;
        files::create_parent_dir(path)?;
    }
    let _lock = lock_dirs(&[credentials_path, config_path], timeout)?;

    // Read under the lock: what another job wrote a moment ago is merged, not overwritten.
    let old_credentials = read_existing(credentials_path)?;
    let old_config = read_existing(config_path)?;
    let (credentials_text, credential_profiles) = merge(
        FileKind::Credentials,
        old_credentials.as_deref().map_or("", |s| s.as_str()),
        credentials_path,
        entries,
        overwrite,
    )?;
    let credentials_text = Zeroizing::new(credentials_text);
    let (config_text, config_profiles) = merge(
        FileKind::Config,
        old_config.as_deref().map_or("", |s| s.as_str()),
        config_path,
        entries,
        overwrite,
    )?;

    replace_file(credentials_path, &credentials_text)?;
    let written = Written {
        owners: entries
            .iter()
            .filter(|e| credential_profiles.contains(&e.name))
            .map(|e| (e.name.clone(), key_fingerprint(e.access_key_id.expose())))
            .collect(),
        credentials: FileWrite {
            path: credentials_path.to_path_buf(),
            created: old_credentials.is_none(),
            profiles: credential_profiles,
        },
        config: (!config_profiles.is_empty()).then(|| FileWrite {
            path: config_path.to_path_buf(),
            created: old_config.is_none(),
            profiles: config_profiles,
        }),
    };
    if written.config.is_none() {
        return Ok(written);
    }
    if let Err(cause) = replace_file(config_path, &config_text) {
        let restored = match &old_credentials {
            Some(old) => replace_file(credentials_path, old).map_err(|e| match e {
                ProfileError::File(FileError::Io { source, .. }) => source,
                other => std::io::Error::other(other.to_string()),
            }),
            None => std::fs::remove_file(credentials_path),
        };
        return Err(match restored {
            Ok(()) => cause,
            Err(source) => ProfileError::Restore {
                cause: Box::new(cause),
                path: credentials_path.to_path_buf(),
                source,
            },
        });
    }
    Ok(written)
}

/// The post-step cleanup, under the same lock as the writers: removes the sections
/// [`write_profiles`] wrote while they still hold this job's credentials, and deletes a file
/// it created when nothing but whitespace is left (another step may have added to it since).
/// A profile another job has overwritten since is left alone, in both files, and listed in
/// [`Removed::replaced`]: that job's own cleanup removes it.
pub fn remove_profiles(written: &Written) -> Result<Removed, ProfileError> {
    remove_profiles_waiting(written, LOCK_TIMEOUT)
}

/// [`remove_profiles`], waiting at most `timeout` for the lock.
pub(super) fn remove_profiles_waiting(
    written: &Written,
    timeout: Duration,
) -> Result<Removed, ProfileError> {
    let config = written.config.as_ref();
    // A missing directory has no file to clean, and the cleanup creates none to lock in.
    let paths: Vec<&Path> = std::iter::once(&written.credentials)
        .chain(config)
        .map(|f| f.path.as_path())
        .collect();
    let _lock = lock_dirs(&paths, timeout)?;

    let credentials = read_existing(&written.credentials.path)?;
    let removed = still_ours(credentials.as_deref().map_or("", |s| s.as_str()), written);
    let config_text = match config {
        Some(file) => read_existing(&file.path)?,
        None => None,
    };
    let files = [
        (
            FileKind::Credentials,
            Some(&written.credentials),
            credentials,
        ),
        (FileKind::Config, config, config_text),
    ];
    for (kind, file, old) in files {
        // No record, or no file any more: nothing to take out.
        let (Some(file), Some(old)) = (file, old) else {
            continue;
        };
        let names: Vec<String> = file
            .profiles
            .iter()
            .filter(|p| !removed.replaced.contains(p))
            .cloned()
            .collect();
        let new = Zeroizing::new(remove_sections(&old, kind, &names));
        if file.created && new.trim().is_empty() {
            std::fs::remove_file(&file.path).map_err(|source| FileError::Io {
                path: file.path.clone(),
                source,
            })?;
        } else if *new != *old {
            replace_file(&file.path, &new)?;
        }
    }
    Ok(removed)
}

/// Takes the lock of each distinct directory the files are in, in a fixed order so two
/// writers of the same pair cannot deadlock. A directory that is not one (its "parent" is a
/// file) gets no lock: nothing can be written there, and the write then fails naming the file.
fn lock_dirs(paths: &[&Path], timeout: Duration) -> Result<Vec<Lock>, ProfileError> {
    let mut dirs: Vec<PathBuf> = paths
        .iter()
        .map(|p| files::parent_dir(p))
        .filter(|d| d.is_dir())
        // The same directory under two spellings must not be locked twice: that would wait
        // for ourselves until the timeout.
        .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf()))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs.iter()
        .map(|d| Ok(files::lock(&d.join(LOCK_FILE), timeout)?))
        .collect()
}

/// Reads a file that may be absent, by the rules of [`files::read_text`].
fn read_existing(path: &Path) -> Result<Option<Zeroizing<String>>, ProfileError> {
    Ok(files::read_text(path)?)
}

/// Replaces a file with `text` through a temporary file and a rename ([`files::replace_file`]),
/// so a reader sees the old file or the new one, never half of one. A symbolic link at the
/// path is refused. A missing parent directory is created with mode 0700, like the CLI's
/// `~/.aws`.
fn replace_file(path: &Path, text: &str) -> Result<(), ProfileError> {
    files::refuse_symlink(path)?;
    files::create_parent_dir(path)?;
    Ok(
        files::replace_file(path, text.as_bytes()).map_err(|source| FileError::Io {
            path: path.to_path_buf(),
            source,
        })?,
    )
}

// Mode bits and symbolic links: Unix only (Windows keeps files private through ACLs).
#[cfg(all(test, unix))]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// The names in a directory, sorted.
    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_symlink_in_place_of_either_file_is_refused_and_its_target_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("bashrc");
        std::fs::write(&target, "# mine\n").unwrap();
        let link = dir.path().join("credentials");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let config = dir.path().join("config");
        let err =
            write_profiles(&link, &config, &[entry("ci", Some("eu-west-1"))], false).unwrap_err();
        assert!(
            matches!(err, ProfileError::File(FileError::Symlink { .. })),
            "{err:?}"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "# mine\n");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            !config.exists(),
            "all or nothing: the config file is not written either"
        );

        // A dangling link is refused as well: writing through it would create the target.
        let credentials = dir.path().join("real-credentials");
        let dangling = dir.path().join("dangling-config");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(matches!(
            write_profiles(
                &credentials,
                &dangling,
                &[entry("ci", Some("eu-west-1"))],
                false
            ),
            Err(ProfileError::File(FileError::Symlink { .. }))
        ));
        assert!(!dir.path().join("nowhere").exists());
        assert!(!credentials.exists());
    }

    #[test]
    fn files_and_dirs_are_owner_only() {
        let home = tempfile::tempdir().unwrap();
        let aws = home.path().join(".aws");
        let (credentials, config) = (aws.join("credentials"), aws.join("config"));
        write_profiles(
            &credentials,
            &config,
            &[entry("a", Some("eu-west-1"))],
            false,
        )
        .unwrap();
        assert_eq!(mode(&aws), 0o700);
        assert_eq!(mode(&credentials), 0o600);
        assert_eq!(mode(&config), 0o600);
        // An existing, looser file becomes owner-only: it now holds credentials.
        std::fs::set_permissions(&credentials, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_profiles(&credentials, &config, &[entry("b", None)], false).unwrap();
        assert_eq!(mode(&credentials), 0o600);
        let text = std::fs::read_to_string(&credentials).unwrap();
        assert!(text.contains("[a]") && text.contains("[b]"), "{text}");
        assert_eq!(
            names_in(&aws),
            [LOCK_FILE, "config", "credentials"],
            "no temporary file is left behind, only the lock"
        );
    }

    #[test]
    fn write_profiles_then_cleanup_round_trips() {
        let home = tempfile::tempdir().unwrap();
        let credentials = home.path().join(".aws/credentials");
        let config = home.path().join(".aws/config");
        std::fs::create_dir(home.path().join(".aws")).unwrap();
        std::fs::write(&config, DEV_CONFIG).unwrap();

        let entries = [entry("ci", Some("us-east-2")), entry("ci-ro", None)];
        let written = write_profiles(&credentials, &config, &entries, false).unwrap();
        assert_eq!(
            written,
            Written {
                owners: [
                    ("ci".to_string(), key_fingerprint("ASIAEXAMPLEKEYID0001")),
                    ("ci-ro".to_string(), key_fingerprint("ASIAEXAMPLEKEYID0001")),
                ]
                .into(),
                credentials: FileWrite {
                    path: credentials.clone(),
                    created: true,
                    profiles: vec!["ci".into(), "ci-ro".into()],
                },
                config: Some(FileWrite {
                    path: config.clone(),
                    created: false,
                    profiles: vec!["ci".into()],
                }),
            }
        );
        assert_eq!(mode(&credentials), 0o600);
        assert_eq!(mode(&config), 0o600);
        let text = std::fs::read_to_string(&credentials).unwrap();
        assert!(text.contains("[ci-ro]\n# written by oidc-assume; expires 2026-11-24T13:00:00Z\n"));

        // A second run without overwrite changes nothing.
        let before = std::fs::read_to_string(&config).unwrap();
        assert!(matches!(
            write_profiles(&credentials, &config, &entries, false),
            Err(ProfileError::Exists { .. })
        ));
        assert_eq!(std::fs::read_to_string(&credentials).unwrap(), text);
        assert_eq!(std::fs::read_to_string(&config).unwrap(), before);

        // The written record survives the trip through the post step's state.
        let state = serde_json::to_string(&written).unwrap();
        let written: Written = serde_json::from_str(&state).unwrap();
        remove_profiles(&written).unwrap();
        assert!(!credentials.exists(), "a file we created is deleted");
        assert_eq!(std::fs::read_to_string(&config).unwrap(), DEV_CONFIG);
    }

    #[test]
    fn write_profiles_conflict_in_config_leaves_both_files_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = dir.path().join("credentials");
        let config = dir.path().join("config");
        std::fs::write(&credentials, CRLF_CREDENTIALS).unwrap();
        std::fs::write(&config, DEV_CONFIG).unwrap();
        let err = write_profiles(
            &credentials,
            &config,
            &[entry("prod", Some("eu-west-3"))],
            false,
        )
        .unwrap_err();
        assert!(
            matches!(&err, ProfileError::Exists { path, .. } if *path == config),
            "{err:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&credentials).unwrap(),
            CRLF_CREDENTIALS
        );
        assert_eq!(std::fs::read_to_string(&config).unwrap(), DEV_CONFIG);
    }

    #[test]
    fn write_profiles_is_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let not_a_dir = dir.path().join("file");
        std::fs::write(&not_a_dir, "x").unwrap();
        let config = not_a_dir.join("config");
        let entries = [entry("ci", Some("us-east-1"))];

        // An existing credentials file gets its old bytes back.
        let credentials = dir.path().join("credentials");
        std::fs::write(&credentials, CRLF_CREDENTIALS).unwrap();
        let err = write_profiles(&credentials, &config, &entries, false).unwrap_err();
        assert!(
            matches!(&err, ProfileError::File(FileError::Io { path, .. }) if *path == config),
            "{err:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&credentials).unwrap(),
            CRLF_CREDENTIALS
        );

        // A credentials file that did not exist is gone again.
        let fresh = dir.path().join("fresh");
        assert!(write_profiles(&fresh, &config, &entries, false).is_err());
        assert!(!fresh.exists());
        assert_eq!(
            names_in(dir.path()),
            [LOCK_FILE, "credentials", "file"],
            "no temporary file is left behind, only the lock"
        );
    }

    #[test]
    fn cleanup_keeps_what_others_added_to_a_file_we_created() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = dir.path().join("credentials");
        let config = dir.path().join("config");
        let written = write_profiles(&credentials, &config, &[entry("ci", None)], false).unwrap();
        assert_eq!(
            written.config, None,
            "no region: the config file is not created"
        );
        assert!(!config.exists());
        // Another program appends a section of its own.
        let before = std::fs::read_to_string(&credentials).unwrap();
        std::fs::write(&credentials, format!("{before}\n[other]\nk = v\n")).unwrap();
        remove_profiles(&written).unwrap();
        assert_eq!(
            std::fs::read_to_string(&credentials).unwrap(),
            "\n[other]\nk = v\n"
        );
        // Running the cleanup twice is harmless.
        remove_profiles(&written).unwrap();
    }
}
