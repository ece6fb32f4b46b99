//! The `oidc-assume` binary: parse the command line, read the environment once, run the
//! command, and map its result to the exit code. I/O: the process environment and the
//! reporter's stdout/stderr.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use oidc_assume::cli::Cli;
use oidc_assume::commands;
use oidc_assume::env::Env;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env = Env::from_process();
    let out = commands::reporter(&cli, &env);
    match commands::run(cli, &env, &out) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            out.error(&error.summary(), &error.render());
            ExitCode::from(error.exit_code())
        }
    }
}
