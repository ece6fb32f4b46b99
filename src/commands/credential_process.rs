//! `oidc-assume credential-process`: the action's inputs as flags, and the `credential_process`
//! JSON the AWS CLI and SDKs read on stdout; every message goes to stderr. I/O: writes stdout.

use std::io::Write;

use anyhow::Context;

use crate::env::Env;
use crate::error::Error;
use crate::handoff;
use crate::inputs::Flags;
use crate::output::Reporter;

use super::wire::Wired;

/// Produces the step's own credentials and prints them as `credential_process` JSON.
pub async fn command(flags: &Flags, env: &Env, out: &Reporter) -> Result<(), Error> {
    let wired = Wired::new(flags, env, out).await?;
    let Some((produced, _)) = wired.produce(env, out).await? else {
        return Ok(());
    };
    let json = handoff::credential_process_json(&wired.config, &produced)?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(json.as_bytes())
        .and_then(|()| stdout.flush())
        .context("could not write the credentials to stdout (the program that runs credential-process must read its stdout)")?;
    Ok(())
}
