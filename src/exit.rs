//! The exit-code contract's numbers, in a leaf module so every layer (the trust commands
//! included) can name them without depending on the top-level error. Pure: constants only.
//!
//! 0 success; 1 anything else (a bug, a failure outside the contract); 2 bad input or
//! configuration; 3 denied by the claim policy; 4 OIDC token could not be fetched or verified;
//! 5 STS refused or failed. `audit` adds 10–13 by the worst finding's severity.

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: an unexpected failure (export I/O, bugs, failures outside the contract).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: bad input or configuration (also what clap uses for usage errors).
pub const EXIT_CONFIG: u8 = 2;
/// Exit code: the claim policy denied the run.
pub const EXIT_DENIED: u8 = 3;
/// Exit code: the OIDC token could not be fetched or verified.
pub const EXIT_TOKEN: u8 = 4;
/// Exit code: STS refused or failed.
pub const EXIT_STS: u8 = 5;
