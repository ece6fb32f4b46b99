//! The `oidc-assume` binary: parse, wire the real clients, run, map the error to an exit code.
//! I/O: reads the environment once, prints through the reporter.

#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Parser;
use oidc_assume::app::{self, Targets};
use oidc_assume::cli::{Cli, Commands};
use oidc_assume::dry_run::{self, ClaimOverrides};
use oidc_assume::env::Env;
use oidc_assume::error::Error;
use oidc_assume::inputs::{Config, Inputs, Mode};
use oidc_assume::oidc::{FileTokenSource, IssuerKeySource, RunnerTokenSource};
use oidc_assume::output::Reporter;
use oidc_assume::sts::{SdkBroker, Timeouts};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Some(Commands::Audit(a)) => return ExitCode::from(oidc_assume::trust::cli::run_audit(a)),
        Some(Commands::TrustPolicy(a)) => {
            return ExitCode::from(oidc_assume::trust::cli::run_trust_policy(a));
        }
        Some(Commands::Explain(a)) => return ExitCode::from(oidc_assume::trust::cli::run_explain(a)),
        _ => {}
    }
    let env = Env::from_process();
    let out = Reporter::new(
        env.in_github_actions(),
        Box::new(std::io::stdout()),
        Box::new(std::io::stderr()),
    );
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            out.error(
                "internal error",
                &format!("error: could not start the async runtime: {e}\n"),
            );
            return ExitCode::from(oidc_assume::error::EXIT_FAILURE);
        }
    };
    match runtime.block_on(run(cli, &env, &out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            out.error(&error.summary(), &error.render());
            ExitCode::from(error.exit_code())
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn http_client(request_timeout: Duration) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .connect_timeout(request_timeout.min(Duration::from_secs(5)))
        .timeout(request_timeout)
        .user_agent(concat!("oidc-assume/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Setup {
            problem: format!("could not build the HTTP client: {e}"),
            hint: "this is a bug; please report it".into(),
        })
}

async fn run(cli: Cli, env: &Env, out: &Reporter) -> Result<(), Error> {
    match cli.command {
        Some(Commands::DryRun(args)) => {
            let config = Config::from_inputs(Inputs::new(&args.inputs.0, env), env, Mode::DryRun)?;
            let policy = app::load_policy(&config)?;
            app::warn_about_config(&config, policy.as_ref(), out);
            let overrides = ClaimOverrides {
                file: args.claims,
                set: args.claim,
                remove: args.without_claim,
            };
            let broker = config.sts_endpoint.as_deref().map(|endpoint| {
                SdkBroker::new(&config.region, Some(endpoint), Timeouts::default())
            });
            dry_run::run(
                &config,
                policy.as_ref(),
                &overrides,
                broker.as_ref(),
                out,
                now(),
            )
            .await
        }
        // Synchronous; dispatched in `main` before the runtime starts.
        Some(Commands::Audit(_) | Commands::TrustPolicy(_) | Commands::Explain(_)) => Ok(()),
        None => {
            // Everything that can be checked locally is checked before the first request.
            let config = Config::from_inputs(Inputs::new(&cli.inputs.0, env), env, Mode::Action)?;
            let policy = app::load_policy(&config)?;
            let targets = Targets::from_env(env, &config)?;
            app::preflight(&config)?;
            app::warn_about_config(&config, policy.as_ref(), out);
            let client = http_client(config.request_timeout())?;
            let keys = IssuerKeySource::new(client.clone(), &config.issuer);
            let broker = SdkBroker::new(
                &config.region,
                config.sts_endpoint.as_deref(),
                Timeouts::for_request(config.request_timeout()),
            );
            let run = async {
                match &config.token_file {
                    Some(path) => {
                        let tokens = FileTokenSource::new(path.clone());
                        let p = policy.as_ref();
                        app::run_action(&config, p, &tokens, &keys, &broker, &targets, out, now())
                            .await
                    }
                    None => {
                        let tokens = RunnerTokenSource::from_env(env, client)?;
                        out.mask(tokens.bearer().expose());
                        let p = policy.as_ref();
                        app::run_action(&config, p, &tokens, &keys, &broker, &targets, out, now())
                            .await
                    }
                }
            };
            // The export at the end is synchronous, so the bound can only cut the run at a
            // network wait, never half-way through writing the runner's files.
            match config.action_timeout {
                None => run.await,
                Some(limit) => tokio::time::timeout(limit, run)
                    .await
                    .unwrap_or(Err(Error::Timeout(limit.as_secs()))),
            }
        }
    }
}
