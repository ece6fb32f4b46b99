//! `audit`, `trust-policy` and `explain`: the trust-policy commands. Synchronous; their
//! arguments and I/O live in [`crate::trust::cli`], their exit codes are 0, 10–13 (audit), 3
//! (explain: denied) or 2, and a fatal error renders through the top-level [`Error`].

use crate::cli::Commands;
use crate::error::Error;
use crate::output::Reporter;

/// Runs one of the trust-policy commands; `None` when `command` is not one of them.
pub fn command(command: &Commands, out: &Reporter) -> Option<Result<u8, Error>> {
    let result = match command {
        Commands::Audit(args) => crate::trust::cli::run_audit(args, out),
        Commands::TrustPolicy(args) => crate::trust::cli::run_trust_policy(args, out),
        Commands::Explain(args) => crate::trust::cli::run_explain(args, out),
        _ => return None,
    };
    Some(result.map_err(Error::from))
}
