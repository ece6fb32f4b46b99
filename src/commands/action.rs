//! The action (no subcommand): the main step produces credentials and hands them to later
//! steps; the post step (the same binary, `post-entrypoint`) cleans up what the main step wrote.
//! I/O: the runner's files, through [`crate::handoff`].

use crate::cli::RunnerArgs;
use crate::config::{Config, Mode};
use crate::context::{Placement, Targets};
use crate::env::{self, Env};
use crate::error::Error;
use crate::handoff::{self, CleanupState, summary};
use crate::inputs::{Flags, Inputs};
use crate::output::Reporter;

use super::wire::Wired;

/// Runs the main step, or the post step when the main step's record is present.
pub async fn command(
    flags: &Flags,
    runner: &RunnerArgs,
    env: &Env,
    out: &Reporter,
) -> Result<(), Error> {
    let targets = Targets::from_env(env);
    // The post step (same image, `post-entrypoint`) finds the main step's record.
    if let Some(state) = env.get(env::STATE_CLEANUP) {
        return handoff::cleanup(state, &targets, out);
    }
    // Recorded first, so a post step after a failed main step cleans up (nothing) instead of
    // running the action again.
    handoff::save_state(&targets, &CleanupState::default())?;
    // An unset-only step requests nothing: no clients, no warnings about the token's policy.
    let config = Config::from_inputs(Inputs::new(flags, env), Mode::Action)?;
    if config.roles.unset_only(&config.credentials) {
        targets.require(&config)?;
        return handoff::unset_only(env, &targets, out);
    }
    let wired = Wired::new(flags, env, out).await?;
    targets.require(&wired.config)?;
    let placement = Placement::detect(
        env,
        runner.runner_temp.as_deref(),
        runner.job_container.as_deref(),
    );
    let files = handoff::profile_files(&wired.config, &placement, env)?;
    let Some((produced, rule)) = wired.produce(env, out).await? else {
        return Ok(());
    };
    let (config, rule) = (&wired.config, rule.as_deref());
    handoff::check_accounts(config, &produced)?;
    let job_record = handoff::job::record_path(env);
    handoff::export(
        config,
        &produced,
        files.as_ref(),
        rule,
        &targets,
        job_record.as_deref(),
        out,
    )?;
    for line in summary::report_lines(config, &produced, rule) {
        out.info(&line);
    }
    Ok(())
}
