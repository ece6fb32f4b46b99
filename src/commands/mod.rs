//! The commands: one module each for the action (main and post step), `credential-process`,
//! `dry-run`, and the trust-policy commands (`audit`, `trust-policy`, `explain`), plus the one
//! preparation of a run the first three share (`prepare.rs`). Every command prints through the
//! [`Reporter`] and returns its exit code or an [`Error`], which `main` renders through one path.

mod action;
mod credential_process;
pub mod dry_run;
mod migrate;
pub(crate) mod paths;
mod prepare;
mod trust;

pub use prepare::now;

use anyhow::Context;

use crate::cli::{Cli, Commands};
use crate::env::Env;
use crate::error::{EXIT_OK, Error};
use crate::output::Reporter;
use crate::trust::collect::Notice;

/// The reporter a command prints through: in Actions, workflow commands on stdout; for
/// `credential-process`, which owns stdout for its JSON, every message on stderr.
pub fn reporter(cli: &Cli, env: &Env) -> Reporter {
    let messages: Box<dyn std::io::Write + Send> = match cli.command {
        Some(Commands::CredentialProcess(_)) => Box::new(std::io::stderr()),
        _ => Box::new(std::io::stdout()),
    };
    // credential-process runs on every credential refresh: each notice once a day.
    let errors: Box<dyn std::io::Write + Send> = match cli.command {
        Some(Commands::CredentialProcess(_)) => Box::new(credential_process::OncePerDay::new(
            Box::new(std::io::stderr()),
            env,
            now(),
        )),
        _ => Box::new(std::io::stderr()),
    };
    Reporter::new(env.in_github_actions(), messages, errors)
}

/// Runs the command `cli` names; returns its exit code.
pub fn run(cli: Cli, env: &Env, out: &Reporter) -> Result<u8, Error> {
    if let Some(command) = &cli.command
        && let Some(result) = trust::command(command, out)
    {
        return result;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(async {
        match cli.command {
            Some(Commands::DryRun(args)) => dry_run::command(args, env, out).await,
            Some(Commands::CredentialProcess(args)) => {
                // A later step's `INPUT_*` variables belong to that step's action.
                let own;
                let env = if args.no_input_variables {
                    own = env.without_inputs();
                    &own
                } else {
                    env
                };
                credential_process::command(&args.inputs.0, env, out).await
            }
            // Dispatched above, before the runtime starts.
            // Asks IAM over the network with `--aws`: in the runtime, with the environment.
            Some(Commands::Migrate(args)) => migrate::command(&args, env, out).await.map(|_| ()),
            Some(
                Commands::Audit(_)
                | Commands::TrustPolicy(_)
                | Commands::Explain(_)
                | Commands::Paths(_),
            ) => Ok(()),
            None => action::command(&cli.inputs.0, &cli.runner, env, out).await,
        }
    })?;
    Ok(EXIT_OK)
}

/// Prints what the audit met on its way, in order: notes, and each input error as the
/// top-level error renders it (`error: …`, `hint: …`), one stderr line at a time.
fn print_notices(notices: Vec<Notice>, out: &Reporter) {
    let mut stderr = out.lines();
    for notice in notices {
        let text = match notice {
            Notice::Note(text) => format!("note: {text}\n"),
            Notice::Error(e) => Error::from(e).render(),
        };
        let _ = std::io::Write::write_all(&mut stderr, text.as_bytes());
    }
}
