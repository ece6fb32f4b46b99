//! Named AWS profiles in the shared credentials file (`~/.aws/credentials`) and config file
//! (`~/.aws/config`): merge them in without disturbing the user's other profiles, take them out
//! again in the post-step cleanup, and print the `credential_process` JSON. Parsing, merging
//! and rendering are pure; [`write_profiles`] and [`remove_profiles`] do file I/O.
//!
//! These files belong to the user (a self-hosted runner's `~/.aws` is a developer's or a
//! service account's), so every line we do not own is kept byte for byte: comments, blank
//! lines, CRLF line endings, ordering, `[sso-session …]` and `[services …]` sections. Our
//! sections carry a `# written by oidc-assume` comment so a reader knows where they came from
//! and so removal can also drop the blank line the merge put in front of them.
//!
//! Layout: `ini` reads lines and sections the way the AWS CLI does, `merge` computes new
//! file texts (pure), `write` reads and replaces the files (I/O, over [`crate::files`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::files::FileError;
use crate::secret::Secret;
use crate::sts::Credentials;

mod ini;
mod merge;
mod write;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod shared_home_tests;

pub use write::{LOCK_FILE, remove_profiles, write_profiles};

/// Longest profile name accepted (the CLI has no limit; 64 is plenty and keeps messages short).
const MAX_NAME_LEN: usize = 64;

/// What to write for one profile.
#[derive(Debug, Clone)]
pub struct ProfileEntry {
    /// Profile name, e.g. `ci` or `default`.
    pub name: String,
    /// `ASIA…`
    pub access_key_id: Secret,
    /// Secret access key.
    pub secret_access_key: Secret,
    /// Session token.
    pub session_token: Secret,
    /// Expiry, RFC 3339; written in a comment so a reader can tell a stale profile.
    pub expiration: String,
    /// Region for the config file; without one the config file is left alone.
    pub region: Option<String>,
}

impl ProfileEntry {
    /// The entry for credentials from STS.
    pub fn from_credentials(name: &str, credentials: &Credentials, region: Option<&str>) -> Self {
        ProfileEntry {
            name: name.to_string(),
            access_key_id: credentials.access_key_id.clone(),
            secret_access_key: credentials.secret_access_key.clone(),
            session_token: credentials.session_token.clone(),
            expiration: credentials.expiration.clone(),
            region: region.map(str::to_string),
        }
    }
}

/// Which of the two files a text is: the section headers differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FileKind {
    /// Shared credentials file: `[NAME]`.
    Credentials,
    /// Config file: `[profile NAME]`, and `[default]` for the default profile.
    Config,
}

/// One file [`write_profiles`] changed, with what the cleanup needs to undo it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileWrite {
    /// The file.
    pub path: PathBuf,
    /// Whether it did not exist before (the cleanup deletes it if nothing else was added).
    pub created: bool,
    /// The profiles whose sections we wrote; a config section that already said exactly what
    /// we would write is left as the user's and not listed, so the cleanup keeps it (unless it
    /// carries our marker: then another oidc-assume wrote it, and it is listed).
    pub profiles: Vec<String>,
}

/// What [`write_profiles`] changed; serializable so the post step can read it back from state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Written {
    /// The shared credentials file (always written).
    pub credentials: FileWrite,
    /// The config file, when a section had to be added or replaced.
    pub config: Option<FileWrite>,
    /// For each profile in `credentials.profiles`, a fingerprint of the access key id we wrote
    /// ([`key_fingerprint`]). On a shared `HOME` another job may overwrite our profile; the
    /// cleanup removes a section only while it still holds this key. A fingerprint and not the
    /// key id: the state file need not hold anything of the credentials. Empty in a record
    /// from a version before the check, which the cleanup then trusts as it did.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owners: BTreeMap<String, String>,
}

/// What [`remove_profiles`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    /// Profiles whose sections were taken out (or were already gone).
    pub removed: Vec<String>,
    /// Profiles left alone because their credentials section now holds other credentials:
    /// another job sharing this `HOME` wrote them after us, and its cleanup will remove them.
    pub replaced: Vec<String>,
}

impl Removed {
    /// The cleanup's info-line clause for these profiles of the credentials file at `path`:
    /// ` and removed profile(s) a, b from PATH`, then `; left profile(s) c in place: …` when
    /// another job has overwritten some.
    pub fn describe(&self, path: &Path) -> String {
        let mut text = String::new();
        if !self.removed.is_empty() {
            text.push_str(&format!(
                " and removed profile(s) {} from {}",
                self.removed.join(", "),
                path.display()
            ));
        }
        if let Some(note) = self.note() {
            text.push_str(if self.removed.is_empty() {
                " and "
            } else {
                "; "
            });
            text.push_str(&note);
        }
        text
    }

    /// The clause the cleanup's info line adds for [`Removed::replaced`], if any.
    pub fn note(&self) -> Option<String> {
        (!self.replaced.is_empty()).then(|| {
            format!(
                "left profile(s) {} in place: another job has written them since",
                self.replaced.join(", ")
            )
        })
    }
}

/// The fingerprint [`Written::owners`] records: the first 16 hex digits of the SHA-256 of an
/// access key id. 64 bits tell two sessions' keys apart; they cannot give the key back.
pub fn key_fingerprint(access_key_id: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_key_id.as_bytes());
    digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why profiles could not be written. When it is returned, no file was left changed.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The name cannot be a section name, or could break the file's syntax.
    #[error("invalid AWS profile name {name:?}: {reason}")]
    InvalidName { name: String, reason: &'static str },
    /// A value would break the file's syntax (a line break would start a new key or section).
    #[error("refusing to write profile `{profile}`: its {field} contains {what}")]
    UnsafeValue {
        profile: String,
        field: &'static str,
        what: &'static str,
    },
    /// The profile is already in the file and overwriting was not allowed.
    #[error("profile `{profile}` already exists in {path}")]
    Exists { path: PathBuf, profile: String },
    /// The existing file has a line we cannot read, so we cannot tell where sections end.
    #[error("could not parse {path}:{line}: {problem}")]
    Parse {
        path: PathBuf,
        line: usize,
        problem: &'static str,
    },
    /// Reading, writing or locking a file failed (a symbolic link, which writing through would
    /// put credentials wherever it points; the operating system; a held lock).
    #[error("{}{}", .0, nothing_changed(.0))]
    File(#[from] FileError),
    /// The second file failed, and putting the first one back failed too.
    #[error("{cause}; restoring {path} to its previous content also failed: {source}")]
    Restore {
        cause: Box<ProfileError>,
        path: PathBuf,
        source: std::io::Error,
    },
    /// No home directory and no explicit paths.
    #[error("cannot locate the AWS config files: HOME is not set")]
    NoHome,
}

/// A held lock stops a write before it starts: say so, as the other file errors cannot.
fn nothing_changed(error: &FileError) -> &'static str {
    match error {
        FileError::LockTimeout { .. } => "; nothing was changed",
        FileError::Symlink { .. } | FileError::Io { .. } => "",
    }
}

impl ProfileError {
    /// The `hint:` line.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            ProfileError::InvalidName { .. } => format!(
                "use 1 to {MAX_NAME_LEN} letters, digits, `.`, `_`, `-`, `@` or `+`, not starting with `-`, each name once"
            ),
            ProfileError::UnsafeValue { .. } => {
                "this is a bug or a tampered response: credentials never contain control characters or surrounding spaces".into()
            }
            ProfileError::Exists { .. } => {
                "set `overwrite-aws-profile: true` to replace it, or choose another profile name".into()
            }
            ProfileError::Parse { .. } => {
                "fix that line (a section header is `[name]`, a setting `key = value`) or point AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE at another file".into()
            }
            ProfileError::File(FileError::Symlink { .. }) => {
                "point AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE at the real file".into()
            }
            ProfileError::NoHome => {
                "set HOME, or AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE".into()
            }
            ProfileError::File(FileError::LockTimeout { .. }) => {
                "another oidc-assume step sharing these files holds the lock, and the kernel releases it when that process ends: look for a hung `oidc-assume`, or give each job its own files with AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE".into()
            }
            ProfileError::File(FileError::Io { .. }) | ProfileError::Restore { .. } => return None,
        })
    }
}

/// The two file paths the AWS CLI would use: `AWS_SHARED_CREDENTIALS_FILE` and
/// `AWS_CONFIG_FILE` (values passed in; empty counts as unset), else `~/.aws/credentials` and
/// `~/.aws/config`. A leading `~/` is expanded with `home`.
pub fn default_paths(
    home: Option<&str>,
    credentials_env: Option<&str>,
    config_env: Option<&str>,
) -> Result<(PathBuf, PathBuf), ProfileError> {
    let home = home.filter(|h| !h.is_empty());
    let resolve = |explicit: Option<&str>, default: &str| -> Result<PathBuf, ProfileError> {
        let path = explicit.filter(|p| !p.is_empty()).unwrap_or(default);
        if path == "~" {
            return home.map(PathBuf::from).ok_or(ProfileError::NoHome);
        }
        match path.strip_prefix("~/") {
            Some(rest) => Ok(Path::new(home.ok_or(ProfileError::NoHome)?).join(rest)),
            None => Ok(PathBuf::from(path)),
        }
    };
    Ok((
        resolve(credentials_env, "~/.aws/credentials")?,
        resolve(config_env, "~/.aws/config")?,
    ))
}

/// The JSON a `credential_process` prints: one line, newline-terminated.
pub fn credential_process_json(
    access_key_id: &Secret,
    secret: &Secret,
    token: &Secret,
    expiration: &str,
) -> String {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Process<'a> {
        version: u8,
        access_key_id: &'a str,
        secret_access_key: &'a str,
        session_token: &'a str,
        expiration: &'a str,
    }
    let mut json = serde_json::to_string(&Process {
        version: 1,
        access_key_id: access_key_id.expose(),
        secret_access_key: secret.expose(),
        session_token: token.expose(),
        expiration,
    })
    .expect("a struct of strings serializes");
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn fingerprints_tell_keys_apart_and_do_not_contain_them() {
        let a = key_fingerprint("ASIAEXAMPLEKEYID0001");
        assert_eq!(a, key_fingerprint("ASIAEXAMPLEKEYID0001"));
        assert_ne!(a, key_fingerprint("ASIAEXAMPLEKEYID0002"));
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!a.contains("ASIA"));
    }

    #[test]
    fn the_cleanup_note_names_only_profiles_left_in_place() {
        let cases: &[(&[&str], &[&str], Option<&str>)] = &[
            (&["ci"], &[], None),
            (
                &[],
                &["ci", "ro"],
                Some("left profile(s) ci, ro in place: another job has written them since"),
            ),
        ];
        for (removed, replaced, note) in cases {
            let r = Removed {
                removed: removed.iter().map(|s| s.to_string()).collect(),
                replaced: replaced.iter().map(|s| s.to_string()).collect(),
            };
            assert_eq!(r.note().as_deref(), *note);
        }
    }

    #[test]
    fn the_cleanup_clause_reads_as_before_unless_a_profile_was_left() {
        let path = Path::new("/h/.aws/credentials");
        let cases: &[(&[&str], &[&str], &str)] = &[
            (
                &["ci", "ro"],
                &[],
                " and removed profile(s) ci, ro from /h/.aws/credentials",
            ),
            (
                &["ci"],
                &["shared"],
                " and removed profile(s) ci from /h/.aws/credentials; left profile(s) shared in place: another job has written them since",
            ),
            (
                &[],
                &["shared"],
                " and left profile(s) shared in place: another job has written them since",
            ),
            (&[], &[], ""),
        ];
        for (removed, replaced, want) in cases {
            let r = Removed {
                removed: removed.iter().map(|s| s.to_string()).collect(),
                replaced: replaced.iter().map(|s| s.to_string()).collect(),
            };
            assert_eq!(r.describe(path), *want);
        }
    }

    #[test]
    fn a_cleanup_record_from_before_the_key_check_still_reads() {
        let old = r#"{"credentials":{"path":"/h/.aws/credentials","created":true,"profiles":["ci"]},"config":null}"#;
        let written: Written = serde_json::from_str(old).unwrap();
        assert!(written.owners.is_empty());
        assert_eq!(written.credentials.profiles, ["ci"]);
        // And a record without fingerprints is written as it always was.
        assert_eq!(serde_json::to_string(&written).unwrap(), old);
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let e = entry("ci", Some("us-east-1"));
        let debug = format!("{e:?} {:#?}", std::slice::from_ref(&e));
        for secret in [
            e.access_key_id.expose(),
            e.secret_access_key.expose(),
            e.session_token.expose(),
        ] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("ci") && debug.contains("***"));
    }

    #[test]
    fn credential_process_json_has_exactly_the_five_keys() {
        let e = entry("ci", None);
        let json = credential_process_json(
            &e.access_key_id,
            &e.secret_access_key,
            &e.session_token,
            &e.expiration,
        );
        assert!(
            json.ends_with('\n') && json.matches('\n').count() == 1,
            "{json}"
        );
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let object = value.as_object().unwrap();
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "AccessKeyId",
                "Expiration",
                "SecretAccessKey",
                "SessionToken",
                "Version"
            ]
        );
        assert_eq!(object["Version"], 1);
        assert_eq!(object["AccessKeyId"], "ASIAEXAMPLEKEYID0001");
        assert_eq!(object["SecretAccessKey"], e.secret_access_key.expose());
        assert_eq!(object["SessionToken"], e.session_token.expose());
        assert_eq!(object["Expiration"], "2026-11-24T13:00:00Z");
    }

    #[test]
    fn default_paths_follow_the_cli() {
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            Option<(&'a str, &'a str)>,
        );
        let cases: &[Case] = &[
            (
                Some("/home/u"),
                None,
                None,
                Some(("/home/u/.aws/credentials", "/home/u/.aws/config")),
            ),
            (
                Some("/home/u"),
                Some("~/c"),
                Some("/etc/aws/config"),
                Some(("/home/u/c", "/etc/aws/config")),
            ),
            (
                Some("/home/u"),
                Some(""),
                Some(""),
                Some(("/home/u/.aws/credentials", "/home/u/.aws/config")),
            ),
            (
                None,
                Some("/x/creds"),
                Some("rel/config"),
                Some(("/x/creds", "rel/config")),
            ),
            (None, Some("/x/creds"), None, None),
            (Some(""), None, None, None),
            (None, Some("~/c"), Some("/x"), None),
        ];
        for (home, creds, config, want) in cases {
            let got = default_paths(*home, *creds, *config);
            match want {
                Some((c, f)) => {
                    assert_eq!(
                        got.unwrap(),
                        (PathBuf::from(c), PathBuf::from(f)),
                        "{home:?} {creds:?} {config:?}"
                    )
                }
                None => assert!(matches!(got, Err(ProfileError::NoHome)), "{got:?}"),
            }
        }
    }
}
