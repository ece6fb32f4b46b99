//! Renders and writes the runner's environment files (`GITHUB_ENV`, `GITHUB_OUTPUT`) and the
//! step summary. Rendering is pure; [`write_files`] and [`append_atomically`] do the file
//! I/O, by the rules of [`crate::files`].
//!
//! Records use the heredoc form with a fresh random delimiter, and any value holding CR, LF or
//! the delimiter is refused: the runner would read such a value as further records, which is
//! how an env-file injection sets `BASH_ENV` or `LD_PRELOAD` for later steps.

use std::path::{Path, PathBuf};

use crate::files::{self, FileError};

/// Why the export failed. Nothing was left written when this is returned.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("refusing to export `{name}`: its value contains {what}")]
    UnsafeValue { name: String, what: &'static str },
    #[error(
        "refusing to export a record named {name:?}: names must be letters, digits, `_` or `-`"
    )]
    UnsafeName { name: String },
    #[error("could not write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Prefix of the random heredoc delimiter (the same shape the toolkit uses).
pub const DELIMITER_PREFIX: &str = "ghadelimiter_";

/// A fresh delimiter with 128 random bits.
pub fn random_delimiter() -> String {
    format!("{DELIMITER_PREFIX}{}", crate::output::random_hex(16))
}

/// Renders `name<<DELIM\nvalue\nDELIM\n` records.
pub fn render(records: &[(&str, &str)], delimiter: &str) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::new();
    for (name, value) in records {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(ExportError::UnsafeName {
                name: name.to_string(),
            });
        }
        let what = if value.contains(['\r', '\n']) {
            Some("a line break")
        } else if value.contains(delimiter) {
            Some("the record delimiter")
        } else if value.contains('\0') {
            Some("a NUL character")
        } else {
            None
        };
        if let Some(what) = what {
            return Err(ExportError::UnsafeValue {
                name: name.to_string(),
                what,
            });
        }
        out.extend_from_slice(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n").as_bytes());
    }
    Ok(out)
}

/// Appends each payload to its file, all or nothing: every file is opened before any byte is
/// written, and if a later write fails the earlier files are truncated back to their old length.
/// A file is never opened through a symbolic link (credentials appended to wherever a link
/// points is how a planted link would steal them), and one that does not exist yet is created
/// readable by its owner only.
pub fn write_files(writes: &[(&Path, &[u8])]) -> Result<(), ExportError> {
    Ok(files::append_all(writes)?)
}

/// Appends to a file by writing the old content plus `bytes` to a temporary file beside it and
/// renaming that over it: a reader sees the old file or the new one, never half of it. Refuses
/// symbolic links; the new file is readable by its owner only. For files the runner reads after
/// the step (the step summary); `GITHUB_ENV` and `GITHUB_OUTPUT` use [`write_files`].
pub fn append_atomically(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let mut all = files::read_bytes(path)?.unwrap_or_default();
    all.extend_from_slice(bytes);
    replace_file(path, &all).map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Replaces a file through a temporary file and a rename; see [`files::replace_file`].
pub use crate::files::replace_file;

impl From<FileError> for ExportError {
    fn from(error: FileError) -> Self {
        match error {
            // Worded as this module always has: the path, then why.
            FileError::Symlink { path } => ExportError::Io {
                path,
                source: std::io::Error::other(
                    "it is a symbolic link; refusing to write through it",
                ),
            },
            FileError::Io { path, source } => ExportError::Io { path, source },
            // The export takes no lock today; kept total so a future one reads sensibly.
            FileError::LockTimeout { path, waited_secs } => ExportError::Io {
                path,
                source: std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("the lock was held for more than {waited_secs} s"),
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runner's parser for env files (actions/runner `FileCommandManager`), enough to check
    /// that what we write reads back as exactly the records we meant.
    pub(crate) fn parse_env_file(text: &str) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        let mut lines = text.split('\n').peekable();
        while let Some(line) = lines.next() {
            if line.is_empty() && lines.peek().is_none() {
                break;
            }
            let heredoc = line.find("<<");
            let equals = line.find('=');
            match (equals, heredoc) {
                (Some(e), h) if h.is_none_or(|h| e < h) => {
                    out.push((line[..e].to_string(), line[e + 1..].to_string()));
                }
                (_, Some(h)) => {
                    let (name, delim) = (&line[..h], &line[h + 2..]);
                    let mut value = Vec::new();
                    loop {
                        match lines.next() {
                            Some(l) if l == delim => break,
                            Some(l) => value.push(l),
                            None => return Err("matching delimiter not found".into()),
                        }
                    }
                    out.push((name.to_string(), value.join("\n")));
                }
                _ => return Err(format!("invalid line {line:?}")),
            }
        }
        Ok(out)
    }

    #[test]
    fn renders_records_that_read_back_exactly() {
        let records = [
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "wJalr/K7MDENG+bPxRfi=CY"),
            ("aws-expiration", "2026-11-24T13:00:00Z"),
            ("EMPTY", ""),
        ];
        let bytes = render(&records, "ghadelimiter_x").unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.starts_with("AWS_ACCESS_KEY_ID<<ghadelimiter_x\nASIAEXAMPLE\nghadelimiter_x\n")
        );
        let parsed = parse_env_file(&text).unwrap();
        let want: Vec<(String, String)> = records
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(parsed, want);
    }

    #[test]
    fn refuses_injection() {
        let delim = "ghadelimiter_abc";
        let cases = [
            ("A", "x\nBASH_ENV=/tmp/evil", "a line break"),
            ("A", "x\r", "a line break"),
            ("A", "x ghadelimiter_abc y", "the record delimiter"),
            ("A", "x\0", "a NUL character"),
        ];
        for (name, value, what) in cases {
            match render(&[(name, value)], delim) {
                Err(ExportError::UnsafeValue { what: w, .. }) => assert_eq!(w, what),
                other => panic!("{value:?}: {other:?}"),
            }
        }
        for name in ["", "A=B", "A<<B", "A\nB", "A B"] {
            assert!(
                matches!(
                    render(&[(name, "v")], delim),
                    Err(ExportError::UnsafeName { .. })
                ),
                "{name:?}"
            );
        }
    }

    proptest::proptest! {
        /// For any values, what we write is read back by the runner's rules as exactly the
        /// records we meant, or refused: never an extra variable.
        #[test]
        fn no_value_can_inject_a_record(
            values in proptest::collection::vec(".*|(.*\n[A-Z_]+=.*)|(.*ghadelimiter_[0-9a-f]{32}.*)", 1..4),
            delimiter_bits in "[0-9a-f]{32}",
        ) {
            let delimiter = format!("{DELIMITER_PREFIX}{delimiter_bits}");
            let names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"];
            let records: Vec<(&str, &str)> = names.iter().copied().zip(values.iter().map(String::as_str)).collect();
            match render(&records, &delimiter) {
                Ok(bytes) => {
                    let parsed = parse_env_file(&String::from_utf8(bytes).unwrap()).unwrap();
                    let want: Vec<(String, String)> = records.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                    proptest::prop_assert_eq!(parsed, want);
                }
                Err(ExportError::UnsafeValue { .. }) => {
                    proptest::prop_assert!(records.iter().any(|(_, v)| v.contains(['\r', '\n', '\0']) || v.contains(&delimiter)));
                }
                Err(other) => proptest::prop_assert!(false, "{other}"),
            }
        }
    }

    #[test]
    #[cfg(unix)]
    fn never_writes_through_a_symlink_and_creates_owner_only_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("bashrc");
        std::fs::write(&target, "# mine\n").unwrap();
        let link = dir.path().join("github_env");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = write_files(&[(&link, b"AWS_SECRET_ACCESS_KEY<<x\ns\nx\n")]).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "# mine\n");

        let fresh = dir.path().join("new_output");
        write_files(&[(&fresh, b"a<<x\nb\nx\n")]).unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    #[cfg(unix)]
    fn appends_atomically_beside_the_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let summary = dir.path().join("step_summary");
        append_atomically(&summary, b"### one\n").unwrap();
        append_atomically(&summary, b"### two\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&summary).unwrap(),
            "### one\n### two\n"
        );
        let mode = std::fs::metadata(&summary).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");

        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(append_atomically(&link, b"y").is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "x");
        assert!(append_atomically(&dir.path().join("no/such/dir/f"), b"y").is_err());
    }

    #[test]
    fn delimiters_are_fresh() {
        let (a, b) = (random_delimiter(), random_delimiter());
        assert_ne!(a, b);
        assert_eq!(a.len(), DELIMITER_PREFIX.len() + 32);
    }

    #[test]
    fn write_files_is_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path().join("env");
        std::fs::write(&env, "EARLIER=1\n").unwrap();
        let missing_dir = dir.path().join("no/such/dir/output");
        let err = write_files(&[(&env, b"NEW=2\n"), (&missing_dir, b"x=1\n")]).unwrap_err();
        assert!(err.to_string().contains("no/such/dir/output"), "{err}");
        assert_eq!(std::fs::read_to_string(&env).unwrap(), "EARLIER=1\n");

        let out = dir.path().join("out");
        write_files(&[(&env, b"NEW=2\n"), (&out, b"o=1\n")]).unwrap();
        assert_eq!(std::fs::read_to_string(&env).unwrap(), "EARLIER=1\nNEW=2\n");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "o=1\n");
    }
}
