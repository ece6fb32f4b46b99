//! Named AWS profiles in the shared credentials file (`~/.aws/credentials`) and config file
//! (`~/.aws/config`): merge them in without disturbing the user's other profiles, take them out
//! again in the post-step cleanup, and print the `credential_process` JSON. Parsing, merging
//! and rendering are pure; [`rewrite`], [`write_profiles`] and [`remove_profiles`] do file I/O.
//!
//! These files belong to the user (a self-hosted runner's `~/.aws` is a developer's or a
//! service account's), so every line we do not own is kept byte for byte: comments, blank
//! lines, CRLF line endings, ordering, `[sso-session …]` and `[services …]` sections. Our
//! sections carry a `# written by oidc-assume` comment so a reader knows where they came from
//! and so removal can also drop the blank line the merge put in front of them.

use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::secret::Secret;
use crate::sts::Credentials;

/// First words of the comment line inside every section we write.
const MARKER: &str = "# written by oidc-assume";

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
    /// we would write is left as the user's and not listed, so the cleanup keeps it.
    pub profiles: Vec<String>,
}

/// What [`write_profiles`] changed; serializable so the post step can read it back from state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Written {
    /// The shared credentials file (always written).
    pub credentials: FileWrite,
    /// The config file, when a section had to be added or replaced.
    pub config: Option<FileWrite>,
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
    /// The file is a symbolic link; writing through it would put credentials wherever it points.
    #[error("{path} is a symbolic link; refusing to write through it")]
    Symlink { path: PathBuf },
    /// Reading or writing a file failed.
    #[error("could not update {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
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
            ProfileError::Symlink { .. } => {
                "point AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE at the real file".into()
            }
            ProfileError::NoHome => {
                "set HOME, or AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE".into()
            }
            ProfileError::Io { .. } | ProfileError::Restore { .. } => return None,
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

/// Merges `entries` into the text of a shared credentials file. Sections with other names are
/// kept byte for byte; sections with an entry's name (every occurrence) are replaced when
/// `overwrite`, else [`ProfileError::Exists`]. `origin` names the file in errors.
pub fn merge_credentials(
    existing: &str,
    origin: &Path,
    entries: &[ProfileEntry],
    overwrite: bool,
) -> Result<String, ProfileError> {
    merge(FileKind::Credentials, existing, origin, entries, overwrite).map(|(text, _)| text)
}

/// Merges `entries` into the text of a config file: `[profile NAME]` (`[default]`) with
/// `region = …`. An entry without a region adds nothing, but still conflicts with an existing
/// section that says anything (a `role_arn` or `sso_*` there would win over our keys). An
/// existing section that says exactly what we would write is kept as it is, overwrite or not.
pub fn merge_config(
    existing: &str,
    origin: &Path,
    entries: &[ProfileEntry],
    overwrite: bool,
) -> Result<String, ProfileError> {
    merge(FileKind::Config, existing, origin, entries, overwrite).map(|(text, _)| text)
}

/// Removes every section of the named profiles, keeping everything else. For sections we wrote
/// (they start with our comment), the blank line or line break the merge put before them goes
/// too, so merging and then removing gives back the original text. Lines that do not parse are
/// treated as section content: the cleanup should never fail on a file the user has since edited.
pub fn remove_sections(existing: &str, kind: FileKind, names: &[String]) -> String {
    let doc = Doc::parse(existing, kind);
    let mut keep = vec![true; doc.lines.len()];
    let mut removed_ours = Vec::new();
    for section in &doc.sections {
        if section
            .profile
            .as_deref()
            .is_some_and(|p| names.iter().any(|n| n == p))
        {
            keep[section.header..section.end].fill(false);
            if doc.is_ours(section) {
                removed_ours.push(section.header);
            }
        }
    }
    // The merge put a blank line before each section it appended to a file ending in a newline.
    for &header in &removed_ours {
        if header > 0 && keep[header - 1] && doc.lines[header - 1].body.is_empty() {
            keep[header - 1] = false;
        }
    }
    // ...or, when the file did not end in a newline, only the line break that ended its last line.
    let mut out = String::with_capacity(existing.len());
    let last_kept = keep.iter().rposition(|k| *k);
    for (i, line) in doc.lines.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        out.push_str(line.body);
        let strip_eol =
            Some(i) == last_kept && !line.body.is_empty() && removed_ours.contains(&(i + 1));
        if !strip_eol {
            out.push_str(line.eol);
        }
    }
    out
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

/// Read-modify-write of one file: `edit` gets the current text (`""` when the file is absent)
/// and returns the new text. A symbolic link at `path` is refused. The new text goes to a
/// temporary file beside it (mode 0600, fsynced) that is renamed over it; a missing parent
/// directory is created with mode 0700. Nothing is written when the text is unchanged.
/// Returns whether the file existed before.
pub fn rewrite(
    path: &Path,
    edit: impl FnOnce(&str) -> Result<String, ProfileError>,
) -> Result<bool, ProfileError> {
    let old = read_existing(path)?;
    let existed = old.is_some();
    let old = old.unwrap_or_default();
    let new = Zeroizing::new(edit(&old)?);
    if *new != *old {
        replace_file(path, &new)?;
    }
    Ok(existed)
}

/// Writes the profiles into both files, all or nothing: both new texts are computed before
/// either file is touched (so a conflict in either leaves both as they were), then the
/// credentials file is written, then the config file; if that fails, the credentials file gets
/// its old content back (or is deleted if it did not exist).
pub fn write_profiles(
    credentials_path: &Path,
    config_path: &Path,
    entries: &[ProfileEntry],
    overwrite: bool,
) -> Result<Written, ProfileError> {
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
                ProfileError::Io { source, .. } => source,
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

/// The post-step cleanup: removes the sections [`write_profiles`] wrote, and deletes a file it
/// created when nothing but whitespace is left (another step may have added to it since).
pub fn remove_profiles(written: &Written) -> Result<(), ProfileError> {
    let files = [
        (FileKind::Credentials, Some(&written.credentials)),
        (FileKind::Config, written.config.as_ref()),
    ];
    for (kind, file) in files {
        let Some(file) = file else { continue };
        let Some(old) = read_existing(&file.path)? else {
            continue;
        };
        let new = Zeroizing::new(remove_sections(&old, kind, &file.profiles));
        if file.created && new.trim().is_empty() {
            std::fs::remove_file(&file.path).map_err(|source| ProfileError::Io {
                path: file.path.clone(),
                source,
            })?;
        } else if *new != *old {
            replace_file(&file.path, &new)?;
        }
    }
    Ok(())
}

/// Reads a file that may be absent. Refuses a symbolic link, and anything but a regular file
/// (reading a FIFO would hang the step).
fn read_existing(path: &Path) -> Result<Option<Zeroizing<String>>, ProfileError> {
    let io = |source| ProfileError::Io {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(ProfileError::Symlink {
            path: path.to_path_buf(),
        }),
        Ok(meta) if !meta.is_file() => Err(io(std::io::Error::other("it is not a regular file"))),
        Ok(_) => {
            let mut file = OpenOptions::new()
                .read(true)
                // Closes the race between the check above and the open.
                .custom_flags(libc::O_NOFOLLOW)
                .open(path)
                .map_err(|e| {
                    if e.raw_os_error() == Some(libc::ELOOP) {
                        ProfileError::Symlink {
                            path: path.to_path_buf(),
                        }
                    } else {
                        io(e)
                    }
                })?;
            let mut text = Zeroizing::new(String::new());
            file.read_to_string(&mut text).map_err(io)?;
            Ok(Some(text))
        }
        // A parent that is a file means there is no such file either; writing will say why.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(io(e)),
    }
}

/// Replaces a file with `text`: a temporary file beside it (mode 0600, `O_NOFOLLOW`, fsynced)
/// is renamed over it, so a reader sees the old file or the new one, never half of one, and a
/// symbolic link at the path is replaced rather than written through. A missing parent
/// directory is created with mode 0700, like the CLI's `~/.aws`.
fn replace_file(path: &Path, text: &str) -> Result<(), ProfileError> {
    let io = |source| ProfileError::Io {
        path: path.to_path_buf(),
        source,
    };
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(ProfileError::Symlink {
            path: path.to_path_buf(),
        });
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if std::fs::symlink_metadata(parent).is_err() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(io)?;
    }
    crate::export::replace_file(path, text.as_bytes()).map_err(io)?;
    Ok(())
}

/// The shared merge: the new text and the profiles whose sections it wrote.
fn merge(
    kind: FileKind,
    existing: &str,
    origin: &Path,
    entries: &[ProfileEntry],
    overwrite: bool,
) -> Result<(String, Vec<String>), ProfileError> {
    validate(entries)?;
    let doc = Doc::parse(existing, kind);
    if let Some(i) = doc.kinds.iter().position(|k| matches!(k, Kind::Invalid(_))) {
        let Kind::Invalid(problem) = doc.kinds[i] else {
            unreachable!()
        };
        return Err(ProfileError::Parse {
            path: origin.to_path_buf(),
            line: i + 1,
            problem,
        });
    }

    // For each header line of an existing section: the entry replacing it, or None to drop it.
    let mut replace: Vec<(usize, usize, Option<&ProfileEntry>)> = Vec::new();
    let mut append = Vec::new();
    let mut written = Vec::new();
    for entry in entries {
        let settings = settings(kind, entry);
        let existing: Vec<&Section> = doc
            .sections
            .iter()
            .filter(|s| s.profile.as_deref() == Some(entry.name.as_str()))
            .collect();
        let unchanged = if existing.is_empty() {
            settings.is_empty()
        } else {
            existing
                .iter()
                .all(|s| doc.settings(s) == sorted(settings.clone()))
        };
        if kind == FileKind::Config && unchanged {
            // Already says what we would write (or nothing to write and no section): the
            // user's section stays theirs, and the cleanup will not remove it.
            continue;
        }
        if !existing.is_empty() && !overwrite {
            return Err(ProfileError::Exists {
                path: origin.to_path_buf(),
                profile: entry.name.clone(),
            });
        }
        match existing.split_first() {
            Some((first, rest)) => {
                replace.push((first.header, first.end, Some(entry)));
                replace.extend(rest.iter().map(|s| (s.header, s.end, None)));
            }
            None => append.push(entry),
        }
        written.push(entry.name.clone());
    }

    let mut out = String::with_capacity(existing.len() + 512 * entries.len());
    let mut i = 0;
    while i < doc.lines.len() {
        match replace.iter().find(|(header, _, _)| *header == i) {
            Some((_, end, with)) => {
                if let Some(entry) = with {
                    render(&mut out, kind, entry, doc.eol);
                }
                i = *end;
            }
            None => {
                out.push_str(doc.lines[i].body);
                out.push_str(doc.lines[i].eol);
                i += 1;
            }
        }
    }
    for entry in append {
        // A blank line after a file ending in a newline, else just end its last line;
        // remove_sections undoes exactly this.
        if !out.is_empty() {
            out.push_str(doc.eol);
        }
        render(&mut out, kind, entry, doc.eol);
    }
    Ok((out, written))
}

/// Checks names and values before anything is parsed or written.
fn validate(entries: &[ProfileEntry]) -> Result<(), ProfileError> {
    for (i, entry) in entries.iter().enumerate() {
        let name = &entry.name;
        let invalid = |reason| {
            Err(ProfileError::InvalidName {
                name: name.clone(),
                reason,
            })
        };
        if name.is_empty() {
            return invalid("it is empty");
        }
        if name.len() > MAX_NAME_LEN {
            return invalid("it is too long");
        }
        if name.starts_with('-') {
            return invalid("it starts with `-`");
        }
        // `[`, `]`, `=`, spaces and line breaks would end the header early or start a new line.
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@+-".contains(&b))
        {
            return invalid(
                "it contains a character other than letters, digits, `.`, `_`, `-`, `@` or `+`",
            );
        }
        if entries[..i].iter().any(|e| e.name == *name) {
            return invalid("it is given more than once");
        }
        let values = [
            ("access key id", entry.access_key_id.expose()),
            ("secret access key", entry.secret_access_key.expose()),
            ("session token", entry.session_token.expose()),
            ("expiration", entry.expiration.as_str()),
            ("region", entry.region.as_deref().unwrap_or("")),
        ];
        for (field, value) in values {
            let what = if value.contains(['\r', '\n']) {
                Some("a line break")
            } else if value.contains('\0') {
                Some("a NUL character")
            } else if value.chars().any(char::is_control) {
                Some("a control character")
            } else if value.trim() != value {
                // The parsers trim values, so the profile would silently hold something else.
                Some("leading or trailing whitespace")
            } else {
                None
            };
            if let Some(what) = what {
                return Err(ProfileError::UnsafeValue {
                    profile: name.clone(),
                    field,
                    what,
                });
            }
        }
    }
    Ok(())
}

/// The `key = value` settings we write for an entry.
fn settings(kind: FileKind, entry: &ProfileEntry) -> Vec<(&'static str, &str)> {
    match kind {
        FileKind::Credentials => vec![
            ("aws_access_key_id", entry.access_key_id.expose()),
            ("aws_secret_access_key", entry.secret_access_key.expose()),
            ("aws_session_token", entry.session_token.expose()),
        ],
        FileKind::Config => entry
            .region
            .iter()
            // An empty region is no region: `region = ` would make the CLI fail to resolve one.
            .filter(|r| !r.is_empty())
            .map(|r| ("region", r.as_str()))
            .collect(),
    }
}

fn sorted(settings: Vec<(&str, &str)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = settings
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    out.sort();
    out
}

/// Appends our section for `entry`: header, marker comment, settings.
fn render(out: &mut String, kind: FileKind, entry: &ProfileEntry, eol: &str) {
    let name = &entry.name;
    match (kind, name.as_str()) {
        (FileKind::Credentials, _) | (FileKind::Config, "default") => {
            out.push_str(&format!("[{name}]{eol}"));
        }
        (FileKind::Config, _) => out.push_str(&format!("[profile {name}]{eol}")),
    }
    match kind {
        FileKind::Credentials => {
            out.push_str(&format!("{MARKER}; expires {}{eol}", entry.expiration));
        }
        FileKind::Config => out.push_str(&format!("{MARKER}{eol}")),
    }
    for (key, value) in settings(kind, entry) {
        out.push_str(key);
        out.push_str(" = ");
        out.push_str(value);
        out.push_str(eol);
    }
}

/// One line: its text and its terminator (`\n`, `\r\n`, or `""` for a last line without one).
struct Line<'a> {
    body: &'a str,
    eol: &'a str,
}

/// What a line is, by the rules the AWS CLI's parser (Python's configparser) uses.
#[derive(Debug, PartialEq)]
enum Kind {
    Blank,
    Comment,
    /// The text between the brackets, trimmed.
    Header(String),
    Setting(String, String),
    /// An indented line: the value of a nested setting (`s3 =` then `  max_concurrent_requests = 20`).
    Continuation,
    Invalid(&'static str),
}

/// A section: its header line and where its content ends.
struct Section {
    header: usize,
    /// Exclusive end of the section's own lines. Trailing blank lines, and comments after them,
    /// are left out: they usually describe the next section and must survive a replacement.
    end: usize,
    /// The profile it defines, if any (`[sso-session x]` defines none).
    profile: Option<String>,
}

struct Doc<'a> {
    lines: Vec<Line<'a>>,
    kinds: Vec<Kind>,
    sections: Vec<Section>,
    /// The line ending for lines we add: the file's own, so a CRLF file stays CRLF.
    eol: &'static str,
}

impl<'a> Doc<'a> {
    fn parse(text: &'a str, kind: FileKind) -> Self {
        let lines = split_lines(text);
        let kinds: Vec<Kind> = lines.iter().map(|l| classify(l.body)).collect();
        let headers: Vec<usize> = (0..lines.len())
            .filter(|&i| matches!(kinds[i], Kind::Header(_)))
            .collect();
        let sections = headers
            .iter()
            .enumerate()
            .map(|(n, &header)| {
                let next = headers.get(n + 1).copied().unwrap_or(lines.len());
                let mut end = next;
                while end > header + 1 && matches!(kinds[end - 1], Kind::Blank | Kind::Comment) {
                    end -= 1;
                }
                // `end` now follows the last setting; comments right below it still belong to
                // the section, up to the first blank line.
                while end < next && kinds[end] == Kind::Comment {
                    end += 1;
                }
                let Kind::Header(inner) = &kinds[header] else {
                    unreachable!()
                };
                Section {
                    header,
                    end,
                    profile: profile_of(kind, inner).map(str::to_string),
                }
            })
            .collect();
        let eol = match lines.iter().find(|l| !l.eol.is_empty()) {
            Some(l) if l.eol == "\r\n" => "\r\n",
            _ => "\n",
        };
        Doc {
            lines,
            kinds,
            sections,
            eol,
        }
    }

    /// Whether we wrote this section: our comment is its first line after the header.
    fn is_ours(&self, section: &Section) -> bool {
        section.end > section.header + 1 && self.lines[section.header + 1].body.starts_with(MARKER)
    }

    /// The section's settings, sorted; a continuation line makes it unlike anything we write.
    fn settings(&self, section: &Section) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for kind in &self.kinds[section.header + 1..section.end] {
            match kind {
                Kind::Setting(k, v) => out.push((k.clone(), v.clone())),
                Kind::Continuation | Kind::Invalid(_) | Kind::Header(_) => {
                    out.push((String::new(), String::new()))
                }
                Kind::Blank | Kind::Comment => {}
            }
        }
        out.sort();
        out
    }
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (line, next) = match rest.find('\n') {
            Some(i) => rest.split_at(i + 1),
            None => (rest, ""),
        };
        let body_len = line
            .strip_suffix("\r\n")
            .or_else(|| line.strip_suffix('\n'))
            .unwrap_or(line)
            .len();
        let (body, eol) = line.split_at(body_len);
        out.push(Line { body, eol });
        rest = next;
    }
    out
}

fn classify(body: &str) -> Kind {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        Kind::Blank
    } else if trimmed.starts_with(['#', ';']) {
        Kind::Comment
    } else if let Some(after) = trimmed.strip_prefix('[') {
        let Some(close) = after.find(']') else {
            return Kind::Invalid("a section header without `]`");
        };
        let rest = after[close + 1..].trim_start();
        if !rest.is_empty() && !rest.starts_with(['#', ';']) {
            return Kind::Invalid("text after a section header's `]`");
        }
        let inner = after[..close].trim();
        if inner.is_empty() {
            return Kind::Invalid("an empty section name");
        }
        Kind::Header(inner.to_string())
    } else if body.starts_with([' ', '\t']) {
        Kind::Continuation
    } else {
        match body.find(['=', ':']) {
            Some(0) => Kind::Invalid("a setting without a name"),
            // Keys are compared lowercased, as configparser (the CLI's parser) reads them.
            Some(i) => Kind::Setting(
                body[..i].trim().to_ascii_lowercase(),
                body[i + 1..].trim().to_string(),
            ),
            None => {
                Kind::Invalid("a line that is neither `[section]`, `key = value` nor a comment")
            }
        }
    }
}

/// The profile a section header defines: in the credentials file the header is the name; in
/// the config file it is `profile NAME`, or `default`. `[profile default]` is the default
/// profile too (the SDKs prefer it over `[default]`), so both count as ours for `default`.
fn profile_of(kind: FileKind, inner: &str) -> Option<&str> {
    match kind {
        FileKind::Credentials => Some(inner),
        FileKind::Config if inner == "default" => Some(inner),
        FileKind::Config => inner
            .strip_prefix("profile")
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map(str::trim),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn entry(name: &str, region: Option<&str>) -> ProfileEntry {
        ProfileEntry {
            name: name.into(),
            access_key_id: Secret::new("ASIAEXAMPLEKEYID0001"),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            session_token: Secret::new("IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=="),
            expiration: "2026-11-24T13:00:00Z".into(),
            region: region.map(str::to_string),
        }
    }

    fn origin() -> &'static Path {
        Path::new("/home/dev/.aws/credentials")
    }

    /// A developer's config: SSO session, several profiles, a services section, comments.
    const DEV_CONFIG: &str = "\
[default]
region = eu-west-1
output = json

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

# production, read only
[profile prod]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = us-east-1

[ profile  staging ]
role_arn = arn:aws:iam::444455556666:role/Deploy
source_profile = prod
s3 =
  max_concurrent_requests = 20

[services local]
dynamodb =
  endpoint_url = http://localhost:8000
";

    /// Comments, CRLF, keys before any section, no final newline.
    const CRLF_CREDENTIALS: &str = "; managed by hand\r\nstray = 1\r\n\r\n[default]\r\naws_access_key_id = AKIAOLD\r\naws_secret_access_key = old\r\n\r\n# the ci box\r\n[ci-old]\r\naws_access_key_id=AKIA2\r\naws_secret_access_key=x";

    #[test]
    fn merge_keeps_unrelated_sections_byte_for_byte() {
        let cases: &[(&str, FileKind, &str, &str)] = &[
            (
                "empty credentials",
                FileKind::Credentials,
                "",
                "[ci]\n# written by oidc-assume; expires 2026-11-24T13:00:00Z\naws_access_key_id = ASIAEXAMPLEKEYID0001\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\naws_session_token = IQoJb3JpZ2luX2VjEXAMPLETOKEN+/==\n",
            ),
            (
                "empty config",
                FileKind::Config,
                "",
                "[profile ci]\n# written by oidc-assume\nregion = us-east-2\n",
            ),
            (
                "developer config",
                FileKind::Config,
                DEV_CONFIG,
                "\n[profile ci]\n# written by oidc-assume\nregion = us-east-2\n",
            ),
            (
                "crlf credentials without final newline",
                FileKind::Credentials,
                CRLF_CREDENTIALS,
                "\r\n[ci]\r\n# written by oidc-assume; expires 2026-11-24T13:00:00Z\r\naws_access_key_id = ASIAEXAMPLEKEYID0001\r\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\r\naws_session_token = IQoJb3JpZ2luX2VjEXAMPLETOKEN+/==\r\n",
            ),
        ];
        for (what, kind, before, added) in cases {
            let entries = [entry("ci", Some("us-east-2"))];
            let merged = match kind {
                FileKind::Credentials => merge_credentials(before, origin(), &entries, false),
                FileKind::Config => merge_config(before, origin(), &entries, false),
            }
            .unwrap();
            assert_eq!(merged, format!("{before}{added}"), "{what}");
            assert_eq!(
                remove_sections(&merged, *kind, &["ci".into()]),
                *before,
                "{what}: removal restores the original"
            );
        }
    }

    #[test]
    fn merge_replaces_in_place_only_when_overwrite() {
        let cases: &[(&str, FileKind, &str, &str, &str)] = &[
            (
                "credentials: replaced where it stood, comment of next section kept",
                FileKind::Credentials,
                "[a]\nx = 1\n\n[ci]\naws_access_key_id = OLD\n\n# b is mine\n[b]\ny = 2\n",
                "ci",
                "[a]\nx = 1\n\n[ci]\n# written by oidc-assume; expires 2026-11-24T13:00:00Z\naws_access_key_id = ASIAEXAMPLEKEYID0001\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\naws_session_token = IQoJb3JpZ2luX2VjEXAMPLETOKEN+/==\n\n# b is mine\n[b]\ny = 2\n",
            ),
            (
                "credentials: duplicates all go, spaced header counts",
                FileKind::Credentials,
                "[ ci ]\nold = 1\n[b]\ny = 2\n[ci] ; again\nold = 2\n",
                "ci",
                "[ci]\n# written by oidc-assume; expires 2026-11-24T13:00:00Z\naws_access_key_id = ASIAEXAMPLEKEYID0001\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\naws_session_token = IQoJb3JpZ2luX2VjEXAMPLETOKEN+/==\n[b]\ny = 2\n",
            ),
            (
                "config: [profile default] and [default] are both the default profile",
                FileKind::Config,
                "[profile default]\nregion = ap-south-1\n[default]\noutput = json\n[sso-session default]\nsso_region = us-east-1\n",
                "default",
                "[default]\n# written by oidc-assume\nregion = us-east-2\n[sso-session default]\nsso_region = us-east-1\n",
            ),
            (
                "config: a non-default profile never touches [default]",
                FileKind::Config,
                "[default]\nregion = ap-south-1\n[profile ci]\nrole_arn = arn:aws:iam::1:role/x\n[services ci]\ns3 =\n  endpoint_url = http://x\n",
                "ci",
                "[default]\nregion = ap-south-1\n[profile ci]\n# written by oidc-assume\nregion = us-east-2\n[services ci]\ns3 =\n  endpoint_url = http://x\n",
            ),
        ];
        for (what, kind, before, name, after) in cases {
            let entries = [entry(name, Some("us-east-2"))];
            let run = |overwrite| match kind {
                FileKind::Credentials => merge_credentials(before, origin(), &entries, overwrite),
                FileKind::Config => merge_config(before, origin(), &entries, overwrite),
            };
            match run(false) {
                Err(ProfileError::Exists { profile, path }) => {
                    assert_eq!(profile, *name, "{what}");
                    assert_eq!(path, origin(), "{what}");
                }
                other => panic!("{what}: {other:?}"),
            }
            assert_eq!(run(true).unwrap(), *after, "{what}");
        }
    }

    #[test]
    fn identical_config_section_is_not_a_conflict_and_stays_the_users() {
        let before = "[profile ci]\n# mine\nRegion   =   us-east-2\n";
        let (text, written) = merge(
            FileKind::Config,
            before,
            origin(),
            &[entry("ci", Some("us-east-2"))],
            false,
        )
        .unwrap();
        assert_eq!(text, before);
        assert!(written.is_empty());

        // No region: nothing to add, but an existing section with settings still conflicts.
        let (text, written) = merge(
            FileKind::Config,
            DEV_CONFIG,
            origin(),
            &[entry("ci", None)],
            false,
        )
        .unwrap();
        assert_eq!((text.as_str(), written.len()), (DEV_CONFIG, 0));
        assert!(matches!(
            merge_config(DEV_CONFIG, origin(), &[entry("prod", None)], false),
            Err(ProfileError::Exists { .. })
        ));
        assert!(matches!(
            merge_config(
                DEV_CONFIG,
                origin(),
                &[entry("prod", Some("us-east-1"))],
                false
            ),
            Err(ProfileError::Exists { .. })
        ));
    }

    #[test]
    fn remove_drops_ours_and_keeps_the_rest() {
        let cases: &[(&str, FileKind, &str, &[&str], &str)] = &[
            (
                "config: staging (spaced header) and default go, sso-session and services stay",
                FileKind::Config,
                DEV_CONFIG,
                &["staging", "default"],
                "\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n# production, read only\n[profile prod]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = us-east-1\n\n\n[services local]\ndynamodb =\n  endpoint_url = http://localhost:8000\n",
            ),
            (
                "config: a name that only matches a non-profile section removes nothing",
                FileKind::Config,
                DEV_CONFIG,
                &["corp", "local"],
                DEV_CONFIG,
            ),
            (
                "credentials with CRLF: line endings of other lines kept",
                FileKind::Credentials,
                CRLF_CREDENTIALS,
                &["default"],
                "; managed by hand\r\nstray = 1\r\n\r\n\r\n# the ci box\r\n[ci-old]\r\naws_access_key_id=AKIA2\r\naws_secret_access_key=x",
            ),
            (
                "duplicates all go",
                FileKind::Credentials,
                "[ci]\na=1\n[x]\nb=2\n[ci]\nc=3\n",
                &["ci"],
                "[x]\nb=2\n",
            ),
            ("empty file", FileKind::Credentials, "", &["ci"], ""),
        ];
        for (what, kind, before, names, after) in cases {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            assert_eq!(remove_sections(before, *kind, &names), *after, "{what}");
        }
    }

    #[test]
    fn refuses_bad_names_values_and_unparsable_files() {
        for name in [
            "",
            "-x",
            "a b",
            "a]b",
            "[a",
            "a=b",
            "a\nb",
            "a/b",
            "ü",
            &"a".repeat(65),
        ] {
            assert!(
                matches!(
                    merge_credentials("", origin(), &[entry(name, None)], true),
                    Err(ProfileError::InvalidName { .. })
                ),
                "{name:?}"
            );
        }
        for name in ["ci", "default", "a.b_c-d@e+f", "0", &"a".repeat(64)] {
            merge_credentials("", origin(), &[entry(name, None)], true).unwrap();
        }
        let twice = [entry("ci", None), entry("ci", None)];
        assert!(matches!(
            merge_credentials("", origin(), &twice, true),
            Err(ProfileError::InvalidName {
                reason: "it is given more than once",
                ..
            })
        ));

        let mut bad = entry("ci", None);
        bad.session_token = Secret::new("tok\n[evil]\ncredential_process = sh -c x");
        let err = merge_credentials("", origin(), &[bad], true).unwrap_err();
        assert!(
            matches!(
                err,
                ProfileError::UnsafeValue {
                    field: "session token",
                    what: "a line break",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            !format!("{err} {err:?}").contains("evil"),
            "the value is not echoed"
        );
        for region in ["us-east-1\r", "a\0", " us-east-1"] {
            let e = merge_config("", origin(), &[entry("ci", Some(region))], true).unwrap_err();
            assert!(
                matches!(
                    e,
                    ProfileError::UnsafeValue {
                        field: "region",
                        ..
                    }
                ),
                "{e:?}"
            );
        }

        let cases = [
            ("[a]\nx = 1\n[broken\n", 3),
            ("[a]\nnot a setting\n", 2),
            ("[]\n", 1),
            ("[a] trailing\n", 1),
            ("= v\n", 1),
        ];
        for (text, line) in cases {
            match merge_credentials(text, origin(), &[entry("ci", None)], true) {
                Err(e @ ProfileError::Parse { line: l, .. }) => {
                    assert_eq!(l, line, "{text:?}");
                    assert!(
                        e.to_string().starts_with(&format!(
                            "could not parse /home/dev/.aws/credentials:{line}: "
                        )),
                        "{e}"
                    );
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        // Removal never fails: it is the cleanup.
        assert_eq!(
            remove_sections(
                "[broken\n[ci]\na=1\n",
                FileKind::Credentials,
                &["ci".into()]
            ),
            "[broken\n"
        );
    }

    #[test]
    fn errors_name_the_fix() {
        let exists =
            merge_credentials("[ci]\na=1\n", origin(), &[entry("ci", None)], false).unwrap_err();
        assert_eq!(
            exists.to_string(),
            "profile `ci` already exists in /home/dev/.aws/credentials"
        );
        assert!(
            exists
                .hint()
                .unwrap()
                .contains("`overwrite-aws-profile: true`")
        );
        let name = merge_credentials("", origin(), &[entry("a b", None)], false).unwrap_err();
        assert!(name.to_string().contains("\"a b\""), "{name}");
        assert!(name.hint().is_some());
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

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn rewrite_refuses_a_symlink_and_leaves_its_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("bashrc");
        std::fs::write(&target, "# mine\n").unwrap();
        let link = dir.path().join("credentials");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = rewrite(&link, |old| Ok(format!("{old}[ci]\n"))).unwrap_err();
        assert!(matches!(err, ProfileError::Symlink { .. }), "{err:?}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "# mine\n");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );

        // A dangling link is refused as well: writing through it would create the target.
        let dangling = dir.path().join("config");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(matches!(
            rewrite(&dangling, |_| Ok("x".into())),
            Err(ProfileError::Symlink { .. })
        ));
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn rewrite_creates_owner_only_files_and_dirs() {
        let home = tempfile::tempdir().unwrap();
        let aws = home.path().join(".aws");
        let path = aws.join("credentials");
        assert!(!rewrite(&path, |old| Ok(format!("{old}[a]\n"))).unwrap());
        assert_eq!(mode(&aws), 0o700);
        assert_eq!(mode(&path), 0o600);
        // An existing, looser file becomes owner-only: it now holds credentials.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(rewrite(&path, |old| Ok(format!("{old}[b]\n"))).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[a]\n[b]\n");
        assert_eq!(mode(&path), 0o600);
        let left: Vec<_> = std::fs::read_dir(&aws).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        // An error from `edit` leaves the file alone.
        let err = rewrite(&path, |_| Err(ProfileError::NoHome)).unwrap_err();
        assert!(matches!(err, ProfileError::NoHome));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[a]\n[b]\n");
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
            matches!(&err, ProfileError::Io { path, .. } if *path == config),
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
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temporary file is left behind");
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
        rewrite(&credentials, |old| Ok(format!("{old}\n[other]\nk = v\n"))).unwrap();
        remove_profiles(&written).unwrap();
        assert_eq!(
            std::fs::read_to_string(&credentials).unwrap(),
            "\n[other]\nk = v\n"
        );
        // Running the cleanup twice is harmless.
        remove_profiles(&written).unwrap();
    }

    /// Unrelated INI content: a preamble, then sections with settings, comments, nested
    /// values and blank lines, in LF or CRLF, with or without a final newline.
    fn unrelated_file() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let line = prop_oneof![
            "[a-z_]{1,8} ?= ?[A-Za-z0-9/+=:.-]{0,12}",
            "[#;][ -~]{0,20}",
            Just(String::new()),
            "  [a-z_]{1,8} = [a-z0-9]{0,6}",
        ];
        let header = prop_oneof![
            "\\[ ?(profile )?[a-z]{1,6} ?\\]",
            "\\[sso-session [a-z]{1,6}\\]",
            "\\[services [a-z]{1,6}\\]",
            Just("[default]".to_string()),
        ];
        let section = (header, proptest::collection::vec(line.clone(), 0..5))
            .prop_map(|(h, lines)| std::iter::once(h).chain(lines).collect::<Vec<_>>());
        (
            proptest::collection::vec(
                line.prop_filter("no nested values before a section", |l| !l.starts_with(' ')),
                0..3,
            ),
            proptest::collection::vec(section, 0..5),
            prop_oneof![Just("\n"), Just("\r\n")],
            any::<bool>(),
        )
            .prop_map(|(preamble, sections, eol, final_eol)| {
                let lines: Vec<String> = preamble
                    .into_iter()
                    .chain(sections.into_iter().flatten())
                    .collect();
                let mut text = lines.join(eol);
                if final_eol && !text.is_empty() {
                    text.push_str(eol);
                }
                text
            })
    }

    proptest::proptest! {
        /// Our names (`zz-…`) never occur in the generated file, so merging then removing them
        /// must give back every byte.
        #[test]
        fn merge_then_remove_is_the_identity(
            text in unrelated_file(),
            names in proptest::collection::btree_set("zz-[a-z0-9]{1,6}", 1..4),
            config in proptest::bool::ANY,
        ) {
            let names: Vec<String> = names.into_iter().collect();
            let entries: Vec<ProfileEntry> = names.iter().map(|n| entry(n, Some("us-east-1"))).collect();
            let kind = if config { FileKind::Config } else { FileKind::Credentials };
            let merged = match kind {
                FileKind::Credentials => merge_credentials(&text, origin(), &entries, false),
                FileKind::Config => merge_config(&text, origin(), &entries, false),
            }.unwrap();
            proptest::prop_assert!(merged.starts_with(&text));
            proptest::prop_assert_eq!(remove_sections(&merged, kind, &names), text);
        }
    }
}
