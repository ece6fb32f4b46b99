//! `oidc-assume credential-process`: the action's inputs as flags, and the `credential_process`
//! JSON the AWS CLI and SDKs read on stdout; every message goes to stderr. I/O: writes stdout,
//! and a small record of the notices already shown (`~/.cache/oidc-assume/`).
//!
//! The AWS CLI runs the process again for every command once the credentials it printed have
//! expired (and on each invocation if it caches nothing), and passes its stderr to the user's
//! terminal: the same configuration warning on every `aws` command is noise that teaches people
//! to ignore warnings. So each notice is shown once a day per distinct text ([`OncePerDay`]),
//! errors always. A marker file was chosen over "quiet when stdout is not a terminal" because
//! stdout is never a terminal here (the SDK reads it), so that rule would hide every warning,
//! always.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Mode;
use crate::env::{self, Env};
use crate::error::Error;
use crate::handoff;
use crate::inputs::{Flags, Inputs};
use crate::output::Reporter;
use crate::plan::Plans;

use super::prepare::{self, Prepared};

/// How long a notice stays quiet after it was shown.
const QUIET_FOR: i64 = 24 * 60 * 60;

/// Produces the step's own credentials and prints them as `credential_process` JSON.
pub async fn command(flags: &Flags, env: &Env, out: &Reporter) -> Result<(), Error> {
    let config = prepare::checked_config(Inputs::new(flags, env), Mode::Action, out)?;
    let prepared = Prepared::new(config, env, out)?;
    let clients = prepared.clients().await?;
    // On a laptop there is no runner to ask for a token: say what works there instead of the
    // workflow-only "add `permissions: id-token: write`".
    if matches!(
        prepared.plans,
        Plans::WebIdentity {
            token_file: None,
            ..
        }
    ) && env.get(env::ACTIONS_ID_TOKEN_REQUEST_URL).is_none()
    {
        return Err(Error::CredentialProcessNoToken);
    }
    let Some(outcome) = prepared.produce(&clients, env, out).await? else {
        return Ok(());
    };
    let json = handoff::credential_process_json(&prepared.config, &outcome.produced)?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(json.as_bytes())
        .and_then(|()| stdout.flush())
        .context("could not write the credentials to stdout (the program that runs credential-process must read its stdout)")?;
    Ok(())
}

/// stderr for `credential-process`: a warning or notice (`warning: …`, `oidc-assume: …`) whose
/// exact text was shown in the last 24 hours is dropped; errors and anything else pass. The
/// record is best effort: when it cannot be read or written, everything is shown.
pub struct OncePerDay {
    inner: Box<dyn Write + Send>,
    record: Option<PathBuf>,
    now: i64,
}

impl OncePerDay {
    /// Wraps `inner`, keeping the record under `$HOME/.cache/oidc-assume/`.
    pub fn new(inner: Box<dyn Write + Send>, env: &Env, now: i64) -> Self {
        OncePerDay {
            inner,
            record: env
                .get(env::HOME)
                .map(|home| Path::new(home).join(".cache/oidc-assume/credential-process-notices")),
            now,
        }
    }

    fn shown_recently(&self, text: &str) -> bool {
        let Some(path) = &self.record else {
            return false;
        };
        let key = fingerprint(text);
        let record = std::fs::read_to_string(path).unwrap_or_default();
        if seen(&record, &key, self.now) {
            return true;
        }
        let _ = std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
            .and_then(|()| std::fs::write(path, updated(&record, &key, self.now)));
        false
    }
}

impl Write for OncePerDay {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // The reporter writes each message in one call, so `buf` is one whole message.
        let text = String::from_utf8_lossy(buf);
        let notice = text.starts_with("warning: ") || text.starts_with("oidc-assume: ");
        if !(notice && self.shown_recently(&text)) {
            self.inner.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A short fingerprint of a notice (the record never holds the text: it may name roles).
fn fingerprint(text: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `record` (lines of `SECONDS FINGERPRINT`) shows `key` within the last day.
fn seen(record: &str, key: &str, now: i64) -> bool {
    entries(record).any(|(at, k)| k == key && now - at < QUIET_FOR && at <= now)
}

/// `record` without entries older than a day, with `key` shown at `now`.
fn updated(record: &str, key: &str, now: i64) -> String {
    let mut text: String = entries(record)
        .filter(|(at, k)| *k != key && now - at < QUIET_FOR)
        .map(|(at, k)| format!("{at} {k}\n"))
        .collect();
    text.push_str(&format!("{now} {key}\n"));
    text
}

fn entries(record: &str) -> impl Iterator<Item = (i64, &str)> {
    record.lines().filter_map(|line| {
        let (at, key) = line.split_once(' ')?;
        Some((at.parse().ok()?, key))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_quiet_for_a_day() {
        let day = QUIET_FOR;
        // (record, key, now, seen)
        let cases: &[(&str, &str, i64, bool)] = &[
            ("", "k", 1_000, false),
            ("1000 k\n", "k", 1_000, true),
            ("1000 k\n", "k", 1_000 + day - 1, true),
            ("1000 k\n", "k", 1_000 + day, false),
            ("1000 other\n", "k", 1_000, false),
            ("garbage\n1000 k\n", "k", 1_001, true),
            // A record from the future (a clock set back) does not silence anything.
            ("5000 k\n", "k", 1_000, false),
        ];
        for (record, key, now, want) in cases {
            assert_eq!(seen(record, key, *now), *want, "{record:?} {key} {now}");
        }
        assert_eq!(
            updated(
                &format!("1 old\n{} k\n{} keep\n", day, day + 5),
                "k",
                day + 10
            ),
            format!("{} keep\n{} k\n", day + 5, day + 10)
        );
    }

    #[test]
    fn warnings_pass_once_errors_always() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", dir.path().to_str().unwrap())]);
        let shown = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        for _refresh in 0..3 {
            let mut sink = OncePerDay::new(Box::new(Shared(shown.clone())), &env, 1_000);
            sink.write_all(b"warning: no claim policy: x\n").unwrap();
            sink.write_all(b"error: y\n").unwrap();
        }
        assert_eq!(
            String::from_utf8(shown.lock().unwrap().clone()).unwrap(),
            "warning: no claim policy: x\nerror: y\nerror: y\nerror: y\n"
        );
    }
}
