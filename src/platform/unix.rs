//! Unix: mode bits for owner-only files and directories, and `O_NOFOLLOW`, which refuses a
//! symbolic link at the last path component with `ELOOP`. No I/O of its own.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Makes `options` create the file readable by its owner only and refuse to open it through
/// a symbolic link (closing the race between a `symlink_metadata` check and the open).
pub fn owner_only_no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    options.mode(0o600).custom_flags(libc::O_NOFOLLOW)
}

/// Makes `options` refuse to open a file through a symbolic link.
pub fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    options.custom_flags(libc::O_NOFOLLOW)
}

/// Whether an open failed because the path was a symbolic link (`ELOOP` under `O_NOFOLLOW`).
pub fn is_link_refused(error: &std::io::Error) -> bool {
    error.raw_os_error() == Some(libc::ELOOP)
}

/// Narrows an open file to its owner (the umask can only take bits away; be explicit, these
/// may be credentials).
pub fn restrict_to_owner(file: &File) -> std::io::Result<()> {
    file.set_permissions(Permissions::from_mode(0o600))
}

/// Makes `builder` create directories only their owner can enter (as `~/.aws` should be).
pub fn private_dir(builder: &mut DirBuilder) -> &mut DirBuilder {
    builder.mode(0o700)
}
