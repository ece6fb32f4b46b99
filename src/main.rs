//! The `oidc-assume` binary: parse, wire the real clients, run, map the error to an exit code.
//! I/O: reads the environment once, prints through the reporter.

#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_sts::config::SharedCredentialsProvider;
use clap::Parser;
use oidc_assume::app::{self, Oidc, RunContext, Targets};
use oidc_assume::cli::{Cli, Commands};
use oidc_assume::dry_run::{self, ClaimOverrides};
use oidc_assume::env::Env;
use oidc_assume::error::Error;
use oidc_assume::inputs::{Config, Flags, Inputs, Mode, Source};
use oidc_assume::oidc::{FileTokenSource, IssuerKeySource, RunnerTokenSource};
use oidc_assume::output::Reporter;
use oidc_assume::sts::{StsBroker, Timeouts};

fn main() -> ExitCode {
    let cli = Cli::parse();
    use oidc_assume::trust::cli as trust;
    let offline = match &cli.command {
        Some(Commands::Audit(a)) => Some(trust::run_audit(a)),
        Some(Commands::TrustPolicy(a)) => Some(trust::run_trust_policy(a)),
        Some(Commands::Explain(a)) => Some(trust::run_explain(a)),
        _ => None,
    };
    if let Some(result) = offline {
        // Until the commands layer renders it through the top-level error: same bytes, exit 2.
        return ExitCode::from(result.unwrap_or_else(|e| {
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                trust::render_error(&e).as_bytes(),
            );
            oidc_assume::error::EXIT_CONFIG
        }));
    }
    let env = Env::from_process();
    // credential-process owns stdout for its JSON: every message goes to stderr.
    let messages: Box<dyn std::io::Write + Send> = match cli.command {
        Some(Commands::CredentialProcess(_)) => Box::new(std::io::stderr()),
        _ => Box::new(std::io::stdout()),
    };
    let out = Reporter::new(
        env.in_github_actions(),
        messages,
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

/// Everything the action and `credential-process` share: validated config, policy, clients.
struct Wired {
    config: Config,
    policy: Option<oidc_assume::policy::Policy>,
    client: reqwest::Client,
    broker: StsBroker,
    context: RunContext,
}

async fn wire(flags: &Flags, env: &Env, out: &Reporter) -> Result<Wired, Error> {
    // Everything that can be checked locally is checked before the first request.
    let config = Config::from_inputs(Inputs::new(flags, env), env, Mode::Action)?;
    let policy = app::load_policy(&config)?;
    app::preflight(&config)?;
    app::warn_about_config(&config, policy.as_ref(), out);
    let client = config.net.reqwest_client(config.request_timeout(), true)?;
    let mut broker = StsBroker::new(
        config.net.reqwest_client(config.request_timeout(), false)?,
        &config.region,
        config.sts_endpoint.as_deref(),
        Timeouts::for_request(config.request_timeout()),
        config.net.sdk_client()?,
    );
    let mut context = RunContext::from_env(env);
    // The ambient chain (profile files, container and instance credentials) is built only when
    // this run signs with it: the web-identity path never probes IMDS or reads ~/.aws.
    if matches!(config.source, Source::Existing) && context.env_keys.is_none() {
        let chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
            .region(aws_config::Region::new(config.region.clone()))
            .build()
            .await;
        broker = broker.with_ambient(SharedCredentialsProvider::new(chain));
        context.ambient = true;
    }
    Ok(Wired {
        config,
        policy,
        client,
        broker,
        context,
    })
}

/// Runs the pipeline with the token source the configuration names.
async fn produce(
    w: &Wired,
    env: &Env,
    out: &Reporter,
    finish: impl AsyncFnOnce(&[app::Produced], Option<&str>) -> Result<(), Error>,
) -> Result<(), Error> {
    let keys = IssuerKeySource::new(w.client.clone(), &w.config.issuer);
    let p = w.policy.as_ref();
    let (config, broker, context) = (&w.config, &w.broker, &w.context);
    let run = async {
        let produced = match (&config.source, &config.token_file) {
            (Source::WebIdentity, Some(path)) => {
                let tokens = FileTokenSource::new(path.clone());
                let oidc = Oidc::Token(&tokens, &keys);
                app::produce(config, p, oidc, broker, context, out, now()).await?
            }
            (Source::WebIdentity, None) => {
                let tokens = RunnerTokenSource::from_env(env, w.client.clone())?;
                out.mask(tokens.bearer().expose());
                let oidc = Oidc::Token(&tokens, &keys);
                app::produce(config, p, oidc, broker, context, out, now()).await?
            }
            _ => {
                let oidc = Oidc::<FileTokenSource, IssuerKeySource>::None;
                app::produce(config, p, oidc, broker, context, out, now()).await?
            }
        };
        match produced {
            Some((produced, rule)) => finish(&produced, rule.as_deref()).await,
            None => Ok(()),
        }
    };
    // The export at the end is synchronous, so the bound can only cut the run at a network
    // wait, never half-way through writing the runner's files.
    match config.action_timeout {
        None => run.await,
        Some(limit) => tokio::time::timeout(limit, run)
            .await
            .unwrap_or(Err(Error::Timeout(limit.as_secs()))),
    }
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
            let broker = match config.sts_endpoint.as_deref() {
                Some(endpoint) => Some(StsBroker::new(
                    config.net.reqwest_client(config.request_timeout(), false)?,
                    &config.region,
                    Some(endpoint),
                    Timeouts::default(),
                    None,
                )),
                None => None,
            };
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
        Some(Commands::CredentialProcess(args)) => {
            let w = wire(&args.inputs.0, env, out).await?;
            produce(&w, env, out, async |produced, _| {
                let json = app::credential_process_json(&w.config, produced)?;
                let mut stdout = std::io::stdout().lock();
                std::io::Write::write_all(&mut stdout, json.as_bytes())
                    .and_then(|()| std::io::Write::flush(&mut stdout))
                    .map_err(|e| Error::Setup {
                        problem: format!("could not write the credentials to stdout: {e}"),
                        hint: "the program that runs credential-process must read its stdout"
                            .into(),
                    })
            })
            .await
        }
        // Synchronous; dispatched in `main` before the runtime starts.
        Some(Commands::Audit(_) | Commands::TrustPolicy(_) | Commands::Explain(_)) => Ok(()),
        None => {
            let targets = Targets::from_env(env);
            // The post step (same image, `post-entrypoint`) finds the main step's record.
            if let Some(state) = env.get(oidc_assume::env::STATE_CLEANUP) {
                return app::cleanup(state, &targets, out);
            }
            // Recorded first, so a post step after a failed main step cleans up (nothing)
            // instead of running the action again.
            app::save_state(&targets, &app::CleanupState::default())?;
            let w = wire(&cli.inputs.0, env, out).await?;
            targets.require(&w.config)?;
            produce(&w, env, out, async |produced, rule| {
                app::check_accounts(&w.config, produced)?;
                app::export(&w.config, produced, &w.context, rule, &targets, out)?;
                app::report(&w.config, produced, rule, out);
                Ok(())
            })
            .await
        }
    }
}
