//! Windows: files and directories inherit the ACL of the user's profile directory, which is
//! already private; `FILE_FLAG_OPEN_REPARSE_POINT` opens a symbolic link (a reparse point)
//! itself instead of following it, so a planted link is never written through. No I/O of its
//! own. Built and tested on the release workflow's Windows runner.

use std::fs::{DirBuilder, File, OpenOptions};
use std::os::windows::fs::OpenOptionsExt;

/// `FILE_FLAG_OPEN_REPARSE_POINT`.
const OPEN_REPARSE_POINT: u32 = 0x0020_0000;

/// Makes `options` open a link itself rather than its target (the ACL keeps files private).
pub fn owner_only_no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    options.custom_flags(OPEN_REPARSE_POINT)
}

/// Makes `options` open a link itself rather than its target.
pub fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    options.custom_flags(OPEN_REPARSE_POINT)
}

/// Whether an open failed because the path was a link: never reported as such on Windows (the
/// `symlink_metadata` check before each open is what refuses links there).
pub fn is_link_refused(_error: &std::io::Error) -> bool {
    false
}

/// Nothing to narrow: the file inherited the profile directory's private ACL.
pub fn restrict_to_owner(_file: &File) -> std::io::Result<()> {
    Ok(())
}

/// Directories inherit the profile directory's private ACL.
pub fn private_dir(builder: &mut DirBuilder) -> &mut DirBuilder {
    builder
}
