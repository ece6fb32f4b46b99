//! The action (no subcommand): the main step produces credentials and hands them to later
//! steps; the post step (the same binary, `post-entrypoint`) cleans up what the main step wrote.
//! I/O: the runner's files, through [`crate::handoff`].

use crate::context::Targets;
use crate::env::{self, Env};
use crate::error::Error;
use crate::handoff::{self, CleanupState, summary};
use crate::inputs::Flags;
use crate::output::Reporter;

use super::wire::Wired;

/// Runs the main step, or the post step when the main step's record is present.
pub async fn command(flags: &Flags, env: &Env, out: &Reporter) -> Result<(), Error> {
    let targets = Targets::from_env(env);
    // The post step (same image, `post-entrypoint`) finds the main step's record.
    if let Some(state) = env.get(env::STATE_CLEANUP) {
        return handoff::cleanup(state, &targets, out);
    }
    // Recorded first, so a post step after a failed main step cleans up (nothing) instead of
    // running the action again.
    handoff::save_state(&targets, &CleanupState::default())?;
    let wired = Wired::new(flags, env, out).await?;
    targets.require(&wired.config)?;
    let Some((produced, rule)) = wired.produce(env, out).await? else {
        return Ok(());
    };
    let (config, rule) = (&wired.config, rule.as_deref());
    handoff::check_accounts(config, &produced)?;
    handoff::export(config, &produced, &wired.context, rule, &targets, out)?;
    for line in summary::report_lines(config, &produced, rule) {
        out.info(&line);
    }
    Ok(())
}
