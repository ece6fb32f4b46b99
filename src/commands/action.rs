//! The action (no subcommand): the main step produces credentials and hands them to later
//! steps; the post step (the same binary, `post-entrypoint`) cleans up what the main step wrote.
//! I/O: the runner's files, through [`crate::handoff`].

use anyhow::Context;

use crate::cli::RunnerArgs;
use crate::config::{Config, Mode};
use crate::env::{self, Env};
use crate::error::Error;
use crate::handoff::{self, CleanupState, summary};
use crate::inputs::{Flags, Inputs};
use crate::output::Reporter;
use crate::runner::{Placement, Targets};

use super::prepare::{self, Prepared};

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
    let config = prepare::checked_config(Inputs::new(flags, env), Mode::Action, out)?;
    if config.roles.unset_only(&config.credentials) {
        targets.require(&config)?;
        return handoff::unset_only(env, &targets, out);
    }
    let prepared = Prepared::new(config, env, out)?;
    let clients = prepared.clients().await?;
    targets.require(&prepared.config)?;
    let placement = Placement::detect(
        env,
        runner.runner_temp.as_deref(),
        runner.job_container.as_deref(),
    );
    let files = handoff::profile_files(&prepared.config, &placement, env)?;
    let refresh = refresh_profile(&prepared.config, &placement, env)?;
    let Some(outcome) = prepared.produce(&clients, env, out).await? else {
        return Ok(());
    };
    let (config, produced, rule) = (&prepared.config, &outcome.produced, outcome.rule.as_deref());
    handoff::check_accounts(config, produced)?;
    let job_record = handoff::job::record_path(env);
    let places = handoff::Places {
        files: files.as_ref(),
        job_record: job_record.as_deref(),
        refresh: refresh.as_ref(),
    };
    handoff::export(config, produced, places, rule, &targets, out)?;
    for line in summary::report_lines(config, produced, rule) {
        out.info(&line);
    }
    Ok(())
}

/// The refreshing profile `refresh-credentials` asks for, planned before any request: it runs
/// this binary on the runner's host, so a container action refuses it (exit 2).
fn refresh_profile(
    config: &Config,
    placement: &Placement,
    env: &Env,
) -> Result<Option<handoff::RefreshProfile>, Error> {
    if !config.exports.refresh {
        return Ok(None);
    }
    if !matches!(placement, Placement::Host) {
        return Err(Error::RefreshNeedsNative);
    }
    let runner_temp = env
        .get(crate::runner::RUNNER_TEMP)
        .ok_or(Error::RefreshNoRunnerTemp)?;
    // The machine's failures, not bugs: exit 1 with the cause, no "please report it".
    let exe = std::env::current_exe().context("this binary's own path is unknown")?;
    let cwd = std::env::current_dir().context("the working directory is unknown")?;
    handoff::RefreshProfile::plan(
        config,
        &exe,
        std::path::Path::new(runner_temp),
        &cwd,
        &crate::output::random_hex(4),
    )
    .map(Some)
}
