//! The file-system rules for every file this tool writes for someone else to read (the
//! runner's env, output, state and summary files; the AWS CLI's credentials and config files):
//! never opened through a symbolic link, created readable by the owner only, replaced through
//! a temporary file and a rename, appended to all or nothing. Does file I/O, and nothing else.
//!
//! A planted symbolic link is how these files get stolen or turned into a write primitive
//! (credentials appended to wherever it points), so every open uses `O_NOFOLLOW` after a
//! `symlink_metadata` check: the check gives a clear error, the flag closes the race.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::platform;

use zeroize::Zeroizing;

/// Why a file operation failed; each caller maps it into its own error, keeping its wording.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The path is a symbolic link (dangling or not); nothing was read or written through it.
    #[error("{path} is a symbolic link; refusing to write through it")]
    Symlink { path: PathBuf },
    /// The operating system refused; `source` says why.
    #[error("could not update {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Another process held the lock for longer than we wait.
    #[error("timed out after {waited_secs} s waiting for the lock {path}")]
    LockTimeout { path: PathBuf, waited_secs: u64 },
}

impl FileError {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
        move |source| FileError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            FileError::Symlink { path }
            | FileError::Io { path, .. }
            | FileError::LockTimeout { path, .. } => path,
        }
    }
}

/// Refuses `path` when it is a symbolic link, dangling or not (writing through a dangling one
/// would create its target).
pub fn refuse_symlink(path: &Path) -> Result<(), FileError> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(FileError::Symlink {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Opens an existing file for reading, or `None` when there is none. Refuses a symbolic link,
/// and anything but a regular file (reading a FIFO would hang the step).
fn open_existing(path: &Path) -> Result<Option<File>, FileError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(FileError::Symlink {
            path: path.to_path_buf(),
        }),
        Ok(meta) if !meta.is_file() => Err(FileError::io(path)(std::io::Error::other(
            "it is not a regular file",
        ))),
        // `no_follow` closes the race between the check above and the open.
        Ok(_) => platform::no_follow(OpenOptions::new().read(true))
            .open(path)
            .map(Some)
            .map_err(|e| no_follow_error(path, e)),
        // A parent that is a file means there is no such file either; writing will say why.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(FileError::io(path)(e)),
    }
}

/// `O_NOFOLLOW` reports a link that appeared after the check as `ELOOP`.
fn no_follow_error(path: &Path, e: std::io::Error) -> FileError {
    if platform::is_link_refused(&e) {
        FileError::Symlink {
            path: path.to_path_buf(),
        }
    } else {
        FileError::io(path)(e)
    }
}

/// The bytes of a file that may be absent (see [`read_text`] for the rules). Zeroed on drop:
/// these files hold credentials.
pub fn read_bytes(path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>, FileError> {
    let Some(mut file) = open_existing(path)? else {
        return Ok(None);
    };
    let mut bytes = Zeroizing::new(Vec::new());
    file.read_to_end(&mut bytes).map_err(FileError::io(path))?;
    Ok(Some(bytes))
}

/// The text of a file that may be absent: `None` when it (or its parent) does not exist. A
/// symbolic link is refused, and so is anything but a regular file.
pub fn read_text(path: &Path) -> Result<Option<Zeroizing<String>>, FileError> {
    let Some(mut file) = open_existing(path)? else {
        return Ok(None);
    };
    let mut text = Zeroizing::new(String::new());
    file.read_to_string(&mut text)
        .map_err(FileError::io(path))?;
    Ok(Some(text))
}

/// Creates the parent directory of `path` (and its parents) with mode 0700 when it is
/// missing, like the AWS CLI's `~/.aws`: what goes in it holds credentials.
pub fn create_parent_dir(path: &Path) -> Result<(), FileError> {
    let parent = parent_dir(path);
    if std::fs::symlink_metadata(parent).is_err() {
        platform::private_dir(std::fs::DirBuilder::new().recursive(true))
            .create(parent)
            .map_err(FileError::io(path))?;
    }
    Ok(())
}

/// The directory a file is in; `.` for a bare file name.
pub fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Replaces `path` with `bytes`: written to a temporary file beside it (readable by its owner
/// only, never opened through a link), then renamed over it, so a reader sees the old
/// file or the new one and never half of it. The temporary file is removed on failure.
pub fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let temp = path.with_file_name(format!(".{name}.{}.tmp", crate::output::random_hex(8)));
    let result = (|| {
        let mut file =
            platform::owner_only_no_follow(OpenOptions::new().write(true).create_new(true))
                .open(&temp)?;
        platform::restrict_to_owner(&file)?;
        file.write_all(bytes)?;
        // No fsync: the rename alone gives readers the old file or the new one, the readers
        // (the runner after the step, the AWS CLI) come right after, and a crash of the
        // machine ends the job anyway. An fsync cost 6 to 23 ms per run.
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Appends each payload to its file, all or nothing: every file is opened before any byte is
/// written, and if a later write fails the earlier files are truncated back to their old
/// length. A file that does not exist yet is created readable by its owner only. Empty
/// payloads are skipped (their file is not even opened).
pub fn append_all(writes: &[(&Path, &[u8])]) -> Result<(), FileError> {
    let mut opened = Vec::new();
    for (path, bytes) in writes {
        if bytes.is_empty() {
            continue;
        }
        refuse_symlink(path)?;
        // Owner-only when created; `no_follow` closes the race with the check above.
        let file = platform::owner_only_no_follow(OpenOptions::new().append(true).create(true))
            .open(path)
            .map_err(FileError::io(path))?;
        let len = file.metadata().map_err(FileError::io(path))?.len();
        opened.push((*path, file, len, *bytes));
    }
    for i in 0..opened.len() {
        let (path, file, _, bytes) = &mut opened[i];
        // One write_all of a whole payload: the runner reads the file only after the step.
        if let Err(source) = file.write_all(bytes).and_then(|()| file.flush()) {
            let error = FileError::Io {
                path: path.to_path_buf(),
                source,
            };
            for (_, earlier, len, _) in &opened[..=i] {
                let _ = earlier.set_len(*len);
            }
            return Err(error);
        }
    }
    Ok(())
}

/// An exclusive advisory lock (`flock`) on a lock file, held until dropped. The kernel
/// releases it when the process ends, however it ends, so a crashed holder never leaves a
/// stale lock behind and the lock file itself is never deleted (deleting it would let two
/// processes lock two different files of the same name).
#[derive(Debug)]
pub struct Lock {
    // Only held: closing the descriptor releases the lock.
    _file: File,
}

/// Takes the exclusive lock on `path`, creating the file (empty, owner-only, never through a
/// symbolic link) when it is missing. Waits at most `timeout` for another holder, then fails
/// with [`FileError::LockTimeout`]: a hung process must not hang every later job forever.
pub fn lock(path: &Path, timeout: Duration) -> Result<Lock, FileError> {
    refuse_symlink(path)?;
    // Write access: flock over NFS is emulated with fcntl locks, which need it.
    let file = platform::owner_only_no_follow(
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
    )
    .open(path)
    .map_err(|e| no_follow_error(path, e))?;
    let deadline = Instant::now() + timeout;
    // Polling rather than a blocking `lock()`: std has no timed lock, and a thread blocked in
    // flock could not be given up on. Holders keep it for a few milliseconds, so the pause
    // stays short: capped at 25 ms, sixteen jobs took 4.9 s for what 5 ms does in 2.0 s.
    let mut pause = Duration::from_millis(1);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Lock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(FileError::io(path)(e)),
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(FileError::LockTimeout {
                path: path.to_path_buf(),
                waited_secs: timeout.as_secs(),
            });
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(5));
    }
}

// Mode bits and symbolic links: Unix only (Windows keeps files private through ACLs).
#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn reads_refuse_links_and_special_files_and_absent_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "text").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();

        assert_eq!(
            read_text(&file).unwrap().as_deref().map(|s| s.as_str()),
            Some("text")
        );
        assert_eq!(
            read_bytes(&file).unwrap().as_deref().map(Vec::as_slice),
            Some(&b"text"[..])
        );
        for path in [&link, &dangling] {
            assert!(
                matches!(read_text(path), Err(FileError::Symlink { .. })),
                "{path:?}"
            );
            assert!(
                matches!(read_bytes(path), Err(FileError::Symlink { .. })),
                "{path:?}"
            );
        }
        let absent = [dir.path().join("absent"), file.join("under-a-file")];
        for path in &absent {
            assert!(read_text(path).unwrap().is_none(), "{path:?}");
        }
        let err = read_text(dir.path()).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert_eq!(err.path(), dir.path());
    }

    #[test]
    fn parent_dirs_are_owner_only_and_existing_ones_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/credentials");
        create_parent_dir(&deep).unwrap();
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        std::fs::set_permissions(
            dir.path().join("a/b"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        create_parent_dir(&deep).unwrap();
        assert_eq!(
            mode(&dir.path().join("a/b")),
            0o755,
            "an existing directory is the user's"
        );
        assert_eq!(parent_dir(Path::new("credentials")), Path::new("."));
        assert_eq!(parent_dir(Path::new("/x/y")), Path::new("/x"));
    }

    #[test]
    fn replace_file_is_owner_only_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        replace_file(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(mode(&path), 0o600);
        assert!(replace_file(&dir.path().join("no/such/f"), b"x").is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn a_lock_excludes_others_until_dropped_and_gives_up_after_its_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".lock");
        let held = lock(&path, Duration::from_secs(1)).unwrap();
        assert_eq!(mode(&path), 0o600);
        let started = Instant::now();
        let err = lock(&path, Duration::from_millis(200)).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert!(matches!(err, FileError::LockTimeout { .. }), "{err:?}");
        assert_eq!(err.path(), path);
        assert!(err.to_string().contains(".lock"), "{err}");
        // A holder releasing while another waits hands the lock over.
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || lock(&path, Duration::from_secs(10)).map(|_| ()))
        };
        std::thread::sleep(Duration::from_millis(50));
        drop(held);
        waiter.join().unwrap().unwrap();
        assert!(lock(&path, Duration::ZERO).is_ok(), "released on drop");

        let link = dir.path().join("link.lock");
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), &link).unwrap();
        assert!(matches!(
            lock(&link, Duration::ZERO),
            Err(FileError::Symlink { .. })
        ));
        assert!(!dir.path().join("elsewhere").exists());
    }
}
