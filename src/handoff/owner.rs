//! Ownership of what a container action leaves on the runner's mounts. The runner starts the
//! container as root, but later host steps run as the runner's user (uid 1001 on hosted
//! runners): a profile file of mode 0600 owned by root is unreadable to them, and a root-owned
//! directory under `RUNNER_TEMP` cannot be emptied by the runner at the end of the job, and a
//! step summary rewritten as root with mode 0600 is one the runner cannot upload. So every file
//! and directory this step creates or rewrites under a mount is given the mount's owner.
//! Paths elsewhere (a step on the host) are left alone. I/O: stats and `lchown`s.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::runner::{CONTAINER_FILE_COMMANDS, CONTAINER_HOME, CONTAINER_TEMP, CONTAINER_WORKSPACE};

/// The mount `path` lies under, if any.
pub fn mount_of(path: &Path) -> Option<&'static str> {
    [
        CONTAINER_HOME,
        CONTAINER_TEMP,
        CONTAINER_WORKSPACE,
        CONTAINER_FILE_COMMANDS,
    ]
    .into_iter()
    .find(|m| path.starts_with(m) && path != Path::new(m))
}

/// Gives `path` and each directory between it and its mount the mount's owner, when they have
/// another. A missing path (a removed file) and symbolic links are skipped.
pub fn match_mount_owner(path: &Path) -> std::io::Result<()> {
    let Some(mount) = mount_of(path) else {
        return Ok(());
    };
    let owner = std::fs::metadata(mount)?;
    let (uid, gid) = (owner.uid(), owner.gid());
    for p in path.ancestors().take_while(|p| *p != Path::new(mount)) {
        match std::fs::symlink_metadata(p) {
            Ok(meta)
                if !meta.file_type().is_symlink() && (meta.uid(), meta.gid()) != (uid, gid) =>
            {
                std::os::unix::fs::lchown(p, Some(uid), Some(gid))?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_below_a_mount_are_handed_over() {
        for (path, want) in [
            ("/github/home/.aws/credentials", Some("/github/home")),
            (
                "/github/runner_temp/oidc-assume/profiles.jsonl",
                Some("/github/runner_temp"),
            ),
            ("/github/workspace/creds", Some("/github/workspace")),
            (
                "/github/file_commands/step_summary_1",
                Some("/github/file_commands"),
            ),
            ("/github/home", None),
            ("/github/homework/x", None),
            ("/home/runner/.aws/credentials", None),
            ("relative/.aws/credentials", None),
        ] {
            assert_eq!(mount_of(Path::new(path)), want, "{path}");
        }
        // Off the mounts nothing is touched, not even a path that does not exist.
        assert!(match_mount_owner(Path::new("/nonexistent/x")).is_ok());
    }
}
