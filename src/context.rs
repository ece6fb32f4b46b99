//! The runner context of a run, read from the environment snapshot: where the runner wants its
//! files ([`Targets`]), credentials already present, the GitHub context for session tags and
//! names, and where the shared AWS profile files are. Pure: reads only the [`Env`] it is given.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::aws::default_session_name;
use crate::config::Config;
use crate::env::{self, Env};
use crate::error::Error;
use crate::profiles;
use crate::secret::Secret;
use crate::sts::Signer;
use crate::tags::{self, SessionTags};

/// Where the runner reads exports from.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// `GITHUB_ENV`.
    pub env_file: Option<PathBuf>,
    /// `GITHUB_OUTPUT`.
    pub output_file: Option<PathBuf>,
    /// `GITHUB_STEP_SUMMARY`.
    pub summary_file: Option<PathBuf>,
    /// `GITHUB_STATE`, where the post step's cleanup record goes.
    pub state_file: Option<PathBuf>,
}

impl Targets {
    /// Reads the file paths from the environment snapshot.
    pub fn from_env(env: &Env) -> Targets {
        Targets {
            env_file: env.get(env::GITHUB_ENV).map(PathBuf::from),
            output_file: env.get(env::GITHUB_OUTPUT).map(PathBuf::from),
            summary_file: env.get(env::GITHUB_STEP_SUMMARY).map(PathBuf::from),
            state_file: env.get(env::GITHUB_STATE).map(PathBuf::from),
        }
    }

    /// Checks that the files this run will write are named, before any network call.
    pub fn require(&self, config: &Config) -> Result<(), Error> {
        let missing = if self.output_file.is_none() {
            Some(env::GITHUB_OUTPUT)
        } else if self.env_file.is_none() && config.exports.env_credentials {
            Some(env::GITHUB_ENV)
        } else {
            None
        };
        match missing {
            Some(variable) => Err(Error::NoExportTarget { variable }),
            None => Ok(()),
        }
    }
}

/// What the run learned from the environment snapshot besides the inputs: credentials already
/// present, the GitHub context for session tags and names, where profiles go.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// `AWS_ACCESS_KEY_ID`… already in the environment (an earlier step, a secret).
    pub env_keys: Option<Signer>,
    /// The access key id of [`RunContext::env_keys`], for the notice that OIDC replaces it.
    pub env_key_id: Option<String>,
    /// Whether the broker can sign with the ambient chain (profile files, container, IMDS).
    pub ambient: bool,
    /// `GITHUB_REPOSITORY`, `GITHUB_WORKFLOW`, `GITHUB_ACTION`, `GITHUB_ACTOR`, `GITHUB_SHA`,
    /// `GITHUB_REF`, `GITHUB_RUN_ID`, `GITHUB_RUN_ATTEMPT`.
    pub github: BTreeMap<&'static str, String>,
    /// The shared credentials and config files, or why they cannot be located.
    pub profile_paths: Result<(PathBuf, PathBuf), String>,
}

impl RunContext {
    /// Reads what the run needs from the snapshot.
    pub fn from_env(env: &Env) -> RunContext {
        let env_keys = match (
            env.get(env::AWS_ACCESS_KEY_ID),
            env.get(env::AWS_SECRET_ACCESS_KEY),
        ) {
            (Some(id), Some(secret)) => Some(Signer::Keys {
                access_key_id: Secret::new(id),
                secret_access_key: Secret::new(secret),
                session_token: env.get(env::AWS_SESSION_TOKEN).map(Secret::new),
            }),
            _ => None,
        };
        let github = [
            env::GITHUB_REPOSITORY,
            env::GITHUB_WORKFLOW,
            env::GITHUB_ACTION,
            env::GITHUB_ACTOR,
            env::GITHUB_SHA,
            env::GITHUB_REF,
            env::GITHUB_RUN_ID,
            env::GITHUB_RUN_ATTEMPT,
        ]
        .into_iter()
        .filter_map(|name| env.get(name).map(|v| (name, v.to_string())))
        .collect();
        RunContext {
            env_key_id: env_keys
                .as_ref()
                .and(env.get(env::AWS_ACCESS_KEY_ID).map(str::to_string)),
            env_keys,
            ambient: false,
            github,
            profile_paths: profiles::default_paths(
                env.get(env::HOME),
                env.get(env::AWS_SHARED_CREDENTIALS_FILE),
                env.get(env::AWS_CONFIG_FILE),
            )
            .map_err(|e| e.to_string()),
        }
    }

    fn github(&self, name: &str) -> Option<&str> {
        self.github.get(name).map(String::as_str)
    }

    /// Session tags for `AssumeRole` calls.
    pub fn session_tags(&self, config: &Config) -> SessionTags {
        SessionTags::new(
            &tags::Context {
                repository: self.github(env::GITHUB_REPOSITORY),
                workflow: self.github(env::GITHUB_WORKFLOW),
                action: self.github(env::GITHUB_ACTION),
                actor: self.github(env::GITHUB_ACTOR),
                commit: self.github(env::GITHUB_SHA),
                branch: self.github(env::GITHUB_REF),
            },
            config.session.tagging.skip_context,
            &config.session.tagging.custom,
        )
    }

    /// The session name when no token supplies the run's identity.
    pub fn session_name(&self, config: &Config) -> String {
        config.session.session_name.clone().unwrap_or_else(|| {
            default_session_name(
                self.github(env::GITHUB_RUN_ID),
                self.github(env::GITHUB_RUN_ATTEMPT),
                self.github(env::GITHUB_REPOSITORY),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::inputs::{Flags, Inputs};

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    fn config(env: &Env) -> Config {
        Config::from_inputs(Inputs::new(&Flags::new(), env), Mode::DryRun).unwrap()
    }

    #[test]
    fn targets_name_the_missing_file() {
        let both = env(&[("GITHUB_ENV", "/e"), ("GITHUB_OUTPUT", "/o")]);
        assert!(Targets::from_env(&both).require(&config(&both)).is_ok());
        for (pairs, missing) in [
            (&[("GITHUB_ENV", "/e")][..], "GITHUB_OUTPUT"),
            (&[("GITHUB_OUTPUT", "/o")][..], "GITHUB_ENV"),
        ] {
            let e = env(pairs);
            match Targets::from_env(&e).require(&config(&e)) {
                Err(Error::NoExportTarget { variable }) => assert_eq!(variable, missing),
                other => panic!("{other:?}"),
            }
        }
        // Without env credentials, GITHUB_ENV is not needed.
        let e = env(&[
            ("GITHUB_OUTPUT", "/o"),
            ("INPUT_OUTPUT-ENV-CREDENTIALS", "false"),
        ]);
        assert!(Targets::from_env(&e).require(&config(&e)).is_ok());
    }

    #[test]
    fn keys_in_the_environment_need_both_halves() {
        let c = RunContext::from_env(&env(&[("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")]));
        assert!(c.env_keys.is_none() && c.env_key_id.is_none());
        let c = RunContext::from_env(&env(&[
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_SESSION_TOKEN", "t"),
        ]));
        assert_eq!(c.env_key_id.as_deref(), Some("ASIAEXAMPLE"));
        assert!(matches!(
            c.env_keys,
            Some(Signer::Keys {
                session_token: Some(_),
                ..
            })
        ));
    }

    #[test]
    fn session_names_come_from_the_run() {
        let e = env(&[
            ("GITHUB_RUN_ID", "9876543210"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_REPOSITORY", "octo-org/octo-repo"),
        ]);
        let c = RunContext::from_env(&e);
        assert_eq!(
            c.session_name(&config(&e)),
            "gha-9876543210-2-octo-org.octo-repo"
        );
        let named = env(&[("INPUT_ROLE-SESSION-NAME", "mine")]);
        assert_eq!(
            RunContext::from_env(&named).session_name(&config(&named)),
            "mine"
        );
    }
}
