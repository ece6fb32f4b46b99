//! The platform-specific corner of the crate, kept small: how a file is opened owner-only and
//! without following a link, how a private directory is created, and what a refused link looks
//! like. One implementation for Unix (Linux, macOS), one for Windows; everything else in the
//! crate is portable std. I/O: none of its own, it configures the callers' opens.
//!
//! The Windows half cannot be compiled on the Linux machines this project is developed on (no
//! standard library for the target there); it is built and tested by the release workflow on
//! a Windows runner, so it stays a few obvious lines.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;
