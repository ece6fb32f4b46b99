//! Reading the files `audit` is given, bounded against hostile trees: the directory walk (which
//! files to look at, which to skip and why) and the one file reader every input goes through.
//! I/O: this module reads directories and files (nothing else in [`crate::trust`] does, except
//! [`super::collect`] through it); stdin is read by the `audit` command, bounded by
//! [`read_bounded`]. Writes nothing.
//!
//! A tree that comes from a pull request is attacker input. The walker never blocks and never
//! reads more than [`MAX_FILE_BYTES`] of one file:
//! - special files (FIFOs, sockets, devices) are skipped by their type, checked before opening;
//!   files are opened with `O_NONBLOCK | O_NOFOLLOW` and checked again on the open handle, so a
//!   file swapped for a FIFO between the two checks cannot hang the walk;
//! - symbolic links are not followed inside a walk (a loop, a link out of the tree and a link
//!   to `/dev/zero` are each named and skipped); a path given on the command line is followed,
//!   since the user named it, and then read under the same checks;
//! - a file larger than [`MAX_FILE_BYTES`] is refused by its size before reading and read
//!   through `Read::take`, so a file that grows while read cannot grow memory;
//! - directories deeper than [`MAX_DEPTH`] below the root are not entered;
//! - invalid UTF-8 is refused with the offset of the first bad byte.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The largest file read. IAM caps a role trust policy at 2,048 characters by default (4,096
/// after a quota increase), and the largest templates and plans that hold one are far smaller
/// than this; a file above it is refused, not truncated.
pub const MAX_FILE_BYTES: u64 = 256 * 1024;

/// Directory levels entered below a walked root.
pub const MAX_DEPTH: usize = 32;

/// Directories never entered: build output, dependencies, Terraform's module cache, Git.
pub const SKIPPED_DIRS: &[&str] = &["target", "node_modules", ".terraform", ".git"];

/// File name endings the walker reads: JSON (policies, get-role output, CloudFormation, CDK
/// output, `terraform show -json`), Terraform and its variable files, YAML (CloudFormation,
/// Serverless), and CDK and Pulumi source in TypeScript and Python (not `.d.ts`
/// declarations).
pub const EXTENSIONS: &[&str] = &[
    "json", "tf", "tfvars", "yaml", "yml", "template", "ts", "mts", "cts", "py",
];

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// A FIFO, socket or device.
    Special(&'static str),
    /// A symbolic link that resolves to itself.
    LinkLoop,
    /// A symbolic link whose target is outside the walked tree.
    LinkOutside(PathBuf),
    /// A symbolic link whose target does not exist.
    LinkDangling,
    /// A symbolic link to something inside the tree (read where it lives).
    LinkInside,
    /// Larger than [`MAX_FILE_BYTES`].
    TooLarge(u64),
    /// More than [`MAX_DEPTH`] directories below the root.
    TooDeep,
    /// Not UTF-8: the offset of the first invalid byte.
    InvalidUtf8(usize),
    /// Could not be read.
    Unreadable(String),
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::Special(kind) => write!(f, "{kind}, not a regular file: not opened"),
            Skip::LinkLoop => write!(f, "a symbolic link loop: not followed"),
            Skip::LinkOutside(to) => write!(
                f,
                "a symbolic link out of the tree (to {}): not followed",
                to.display()
            ),
            Skip::LinkDangling => write!(f, "a dangling symbolic link: not followed"),
            Skip::LinkInside => write!(
                f,
                "a symbolic link inside the tree: not followed (its target is read where it is)"
            ),
            Skip::TooLarge(size) => write!(
                f,
                "{size} bytes or more: larger than the {MAX_FILE_BYTES}-byte limit for one file (a trust policy is a few KB)"
            ),
            Skip::TooDeep => write!(f, "more than {MAX_DEPTH} directories deep: not entered"),
            Skip::InvalidUtf8(at) => write!(f, "not UTF-8 (invalid byte at offset {at})"),
            Skip::Unreadable(e) => write!(f, "could not be read: {e}"),
        }
    }
}

impl Skip {
    /// A short name for the counts in the summary.
    pub fn kind(&self) -> &'static str {
        match self {
            Skip::Special(_) => "special file",
            Skip::LinkLoop | Skip::LinkOutside(_) | Skip::LinkDangling | Skip::LinkInside => {
                "symbolic link"
            }
            Skip::TooLarge(_) => "too large",
            Skip::TooDeep => "too deep",
            Skip::InvalidUtf8(_) => "not UTF-8",
            Skip::Unreadable(_) => "unreadable",
        }
    }
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Files with a readable name ending, sorted by path.
    pub files: Vec<PathBuf>,
    /// Entries skipped, with why, in walk order.
    pub skipped: Vec<(PathBuf, Skip)>,
    /// Regular files with other name endings (not read).
    pub other: usize,
    /// Directories not entered because of their name ([`SKIPPED_DIRS`], hidden).
    pub ignored_dirs: usize,
}

/// Lists the files below `root` worth reading, without following links or opening anything.
pub fn walk(root: &Path) -> Result<Walk, std::io::Error> {
    let mut out = Walk::default();
    let canonical_root = fs::canonicalize(root)?;
    visit(root, &canonical_root, 0, &mut out)?;
    out.files.sort();
    Ok(out)
}

fn visit(dir: &Path, root: &Path, depth: usize, out: &mut Walk) -> Result<(), std::io::Error> {
    let mut entries: Vec<(PathBuf, fs::FileType)> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_type().ok().map(|t| (e.path(), t)))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if kind.is_dir() {
            if name.starts_with('.') || SKIPPED_DIRS.contains(&name) {
                out.ignored_dirs += 1;
            } else if depth + 1 > MAX_DEPTH {
                out.skipped.push((path, Skip::TooDeep));
            } else if let Err(e) = visit(&path, root, depth + 1, out) {
                out.skipped.push((path, Skip::Unreadable(e.to_string())));
            }
        } else if kind.is_symlink() {
            if wanted(name) || fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                out.skipped.push((path.clone(), classify_link(&path, root)));
            }
        } else if let Some(special) = special_kind(&kind) {
            out.skipped.push((path, Skip::Special(special)));
        } else if wanted(name) {
            out.files.push(path);
        } else {
            out.other += 1;
        }
    }
    Ok(())
}

/// The regular `.tf` and `.tfvars` files (and their `.json` syntax) of one directory (not below it), sorted: a module's
/// files and the variable values Terraform may load with it.
pub fn module_files(dir: &Path) -> Result<Vec<PathBuf>, std::io::Error> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            [".tf", ".tfvars", ".tf.json", ".tfvars.json"]
                .iter()
                .any(|e| name.ends_with(e))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Whether a file name has one of the [`EXTENSIONS`].
pub fn wanted(name: &str) -> bool {
    !name.to_ascii_lowercase().ends_with(".d.ts")
        && name
            .rsplit_once('.')
            .is_some_and(|(_, ext)| EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

fn classify_link(path: &Path, root: &Path) -> Skip {
    match fs::canonicalize(path) {
        Ok(target) if target.starts_with(root) => Skip::LinkInside,
        Ok(target) => Skip::LinkOutside(target),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => Skip::LinkLoop,
        Err(_) => Skip::LinkDangling,
    }
}

fn special_kind(kind: &fs::FileType) -> Option<&'static str> {
    if kind.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if kind.is_socket() {
        Some("a socket")
    } else if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else if !kind.is_file() && !kind.is_dir() && !kind.is_symlink() {
        Some("not a regular file")
    } else {
        None
    }
}

/// Reads one file as UTF-8 under the limits above. `follow` follows a symbolic link at `path`
/// (a path the user named); the walk passes `false`.
pub fn read_file(path: &Path, follow: bool) -> Result<String, Skip> {
    let meta = if follow {
        fs::metadata(path)
    } else {
        fs::symlink_metadata(path)
    }
    .map_err(|e| Skip::Unreadable(e.to_string()))?;
    check_meta(&meta)?;
    let mut flags = libc::O_NONBLOCK;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => Skip::LinkLoop,
            _ => Skip::Unreadable(e.to_string()),
        })?;
    // The path may have been swapped between the stat and the open: check the open handle.
    check_meta(
        &file
            .metadata()
            .map_err(|e| Skip::Unreadable(e.to_string()))?,
    )?;
    read_bounded(file)
}

fn check_meta(meta: &fs::Metadata) -> Result<(), Skip> {
    if let Some(special) = special_kind(&meta.file_type()) {
        return Err(Skip::Special(special));
    }
    if meta.is_dir() {
        return Err(Skip::Unreadable("a directory".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Skip::TooLarge(meta.len()));
    }
    Ok(())
}

/// Reads at most [`MAX_FILE_BYTES`] (one more to tell a file at the limit from a larger one).
pub fn read_bounded(reader: impl Read) -> Result<String, Skip> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Skip::Unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Skip::TooLarge(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| Skip::InvalidUtf8(e.utf8_error().valid_up_to()))
}

/// Reads a file a Terraform `templatefile()` names: relative to `base` (the directory of the
/// `.tf` file), inside `root`, under the same limits, links not followed.
pub fn read_template(root: &Path, base: &Path, name: &str) -> Result<(PathBuf, String), Skip> {
    let path = base.join(name);
    let canonical = fs::canonicalize(&path).map_err(|e| Skip::Unreadable(e.to_string()))?;
    let root = fs::canonicalize(root).map_err(|e| Skip::Unreadable(e.to_string()))?;
    if !canonical.starts_with(&root) {
        return Err(Skip::Unreadable(format!(
            "{} is outside the tree being audited",
            canonical.display()
        )));
    }
    read_file(&path, false).map(|text| (path, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_worth_reading() {
        for (name, want) in [
            ("main.tf", true),
            ("a.JSON", true),
            ("stack.yaml", true),
            ("stack.yml", true),
            ("Stack.template", true),
            ("README.md", false),
            ("tf", false),
            // Variable files are read with their module (only the ones Terraform loads count).
            ("terraform.tfvars", true),
            ("x.tfvars.json", true),
            ("x.tfstate", false),
            ("app-stack.ts", true),
            ("app.py", true),
            ("index.d.ts", false),
            ("app.js", false),
        ] {
            assert_eq!(wanted(name), want, "{name}");
        }
    }

    #[test]
    fn bounded_reads() {
        assert_eq!(read_bounded(&b"{}"[..]), Ok("{}".into()));
        let big = vec![b' '; MAX_FILE_BYTES as usize + 10];
        assert_eq!(
            read_bounded(&big[..]),
            Err(Skip::TooLarge(MAX_FILE_BYTES + 1))
        );
        assert_eq!(read_bounded(&b"ab\xffc"[..]), Err(Skip::InvalidUtf8(2)));
        // An endless reader is cut at the limit.
        assert_eq!(
            read_bounded(std::io::repeat(b'a')),
            Err(Skip::TooLarge(MAX_FILE_BYTES + 1))
        );
    }
}
