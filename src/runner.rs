//! What the runner's environment holds for a run, read from the environment snapshot: where the runner wants its
//! files ([`Targets`]), credentials already present, the GitHub context for session tags and
//! names, where the shared AWS profile files are, and whether the step runs in the runner's
//! container for a container action ([`Placement`]) and so where profiles must go for later
//! steps to find them. Pure: reads only the [`Env`] and arguments it is given.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::aws::default_session_name;
use crate::config::Config;
use crate::env::{self, Env};
use crate::error::Error;
use crate::inputs::InputErrors;
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

/// What the runner's environment holds for a run besides the inputs: credentials already
/// present, the GitHub context for session tags and names (where profiles go: [`Placement`]).
#[derive(Debug, Clone)]
pub struct Runner {
    /// `AWS_ACCESS_KEY_ID`… already in the environment (an earlier step, a secret).
    pub env_keys: Option<Signer>,
    /// The access key id of [`Runner::env_keys`], for the notice that OIDC replaces it.
    pub env_key_id: Option<String>,
    /// Whether the run signs with the ambient chain (profile files, container, IMDS): existing
    /// credentials are asked for and none are in the environment.
    pub ambient: bool,
    /// `GITHUB_REPOSITORY`, `GITHUB_WORKFLOW`, `GITHUB_ACTION`, `GITHUB_ACTOR`, `GITHUB_SHA`,
    /// `GITHUB_REF`, `GITHUB_RUN_ID`, `GITHUB_RUN_ATTEMPT`.
    pub github: BTreeMap<&'static str, String>,
}

impl Runner {
    /// Reads what the run needs from the snapshot.
    pub fn from_env(env: &Env) -> Runner {
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
        Runner {
            env_key_id: env_keys
                .as_ref()
                .and(env.get(env::AWS_ACCESS_KEY_ID).map(str::to_string)),
            env_keys,
            ambient: false,
            github,
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

/// The runner's temp directory for the job (emptied at the start and end of every job).
pub const RUNNER_TEMP: &str = "RUNNER_TEMP";

/// Where the runner mounts its temp directory's `_github_home` in a container action's
/// container: the container's `HOME`.
pub const CONTAINER_HOME: &str = "/github/home";
/// Where the runner mounts its temp directory in a container action's container
/// (`RUNNER_TEMP` there).
pub const CONTAINER_TEMP: &str = "/github/runner_temp";
/// Where the runner mounts the workspace in a container action's container.
pub const CONTAINER_WORKSPACE: &str = "/github/workspace";
/// Where the runner mounts the directory of its file-command files (`GITHUB_ENV`…).
pub const CONTAINER_FILE_COMMANDS: &str = "/github/file_commands";
/// Where a job container (`container:`) sees the runner's temp directory.
pub const JOB_CONTAINER_TEMP: &str = "/__w/_temp";

/// Where this step runs, as far as the paths it hands to later steps are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// On the runner's host (the composite action, a local run): later steps see the same paths.
    Host,
    /// In the container the runner starts for a container action: `HOME` is `/github/home`
    /// (the host's `RUNNER_TEMP/_github_home`), and later steps run elsewhere.
    Container {
        /// Where later `run:` steps run, when action.yml's arguments said so.
        later: Option<LaterSteps>,
    },
}

/// Where the later `run:` steps of a job run, seen from a container action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaterSteps {
    /// On the runner's host, whose temp directory (`runner.temp`) is this.
    Host {
        /// The host's `RUNNER_TEMP`.
        temp: String,
    },
    /// In the job's container: `HOME` is `/github/home`, the temp directory `/__w/_temp`.
    JobContainer,
}

/// The shared AWS files this step writes profiles to, and what later steps must be told to read
/// the same files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileFiles {
    /// The credentials file, as this step sees it.
    pub credentials: PathBuf,
    /// The config file, as this step sees it.
    pub config: PathBuf,
    /// `AWS_SHARED_CREDENTIALS_FILE`/`AWS_CONFIG_FILE` records for `GITHUB_ENV`: the same files
    /// as later steps see them (none on the host, where the paths are the same).
    pub exports: Vec<(&'static str, String)>,
}

impl Placement {
    /// A container action's container is recognised by the runner's translation of
    /// `RUNNER_TEMP`; `runner_temp` and `job_container` are action.yml's `runs.args`.
    pub fn detect(env: &Env, runner_temp: Option<&str>, job_container: Option<&str>) -> Placement {
        if env.get(RUNNER_TEMP) != Some(CONTAINER_TEMP) {
            return Placement::Host;
        }
        let later = match (job_container.filter(|id| !id.is_empty()), runner_temp) {
            (Some(_), _) => Some(LaterSteps::JobContainer),
            (None, Some(temp)) if temp.starts_with('/') && temp != CONTAINER_TEMP => {
                Some(LaterSteps::Host {
                    temp: temp.trim_end_matches('/').to_string(),
                })
            }
            _ => None,
        };
        Placement::Container { later }
    }

    /// Where profiles go, for the input `input` (`aws-profile` or `roles`) that asks for them.
    /// In a container, a file the runner does not share with later steps, or a container that
    /// cannot tell where later steps run, is refused here, before any request: a profile later
    /// steps cannot find is output nobody can use.
    pub fn profile_files(&self, env: &Env, input: &str) -> Result<ProfileFiles, Error> {
        let explicit = |name| env.get(name).filter(|v| !v.is_empty());
        let (credentials, config) = profiles::default_paths(
            env.get(env::HOME),
            explicit(env::AWS_SHARED_CREDENTIALS_FILE),
            explicit(env::AWS_CONFIG_FILE),
        )
        .map_err(|e| Error::ProfilePaths(e.to_string()))?;
        let Placement::Container { later } = self else {
            return Ok(ProfileFiles {
                credentials,
                config,
                exports: Vec::new(),
            });
        };
        let mut exports = Vec::new();
        for (name, path) in [
            (env::AWS_SHARED_CREDENTIALS_FILE, &credentials),
            (env::AWS_CONFIG_FILE, &config),
        ] {
            let shown = path.display();
            if explicit(name).is_some() {
                // The job's own value: later steps have it too, translated for them by the runner.
                if ![CONTAINER_HOME, CONTAINER_TEMP, CONTAINER_WORKSPACE]
                    .iter()
                    .any(|mount| path.starts_with(mount))
                {
                    return Err(refuse(
                        input,
                        format!(
                            "{name} is `{shown}`, which the runner does not mount into this action's container: a profile written there would vanish with the container"
                        ),
                        format!(
                            "point {name} into the workspace or `${{{{ runner.temp }}}}`, or leave it unset (profiles then go to RUNNER_TEMP/_github_home/.aws and later steps are told where)"
                        ),
                    ));
                }
                continue;
            }
            let Some(later_path) = later.as_ref().and_then(|l| l.path_of(path)) else {
                return Err(refuse(
                    input,
                    format!("this container cannot tell where later steps will look for `{shown}`: it was started without the action's `runs.args` (as `uses: docker://…`?)"),
                    "use the action itself (`uses: OWNER/oidc-assume@v1`, whose action.yml passes `runner.temp`), or set AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE under `${{ runner.temp }}` in the job's `env:`, or export AWS_* variables instead (no aws-profile or roles)".to_string(),
                ));
            };
            exports.push((name, later_path));
        }
        Ok(ProfileFiles {
            credentials,
            config,
            exports,
        })
    }
}

impl LaterSteps {
    /// A path in the container action's `HOME` or temp directory, as later steps see it;
    /// `None` for a path the runner shares with them under no name this side knows.
    pub fn path_of(&self, path: &std::path::Path) -> Option<String> {
        let (mount, rest) = [CONTAINER_HOME, CONTAINER_TEMP]
            .into_iter()
            .find_map(|m| path.strip_prefix(m).ok().map(|rest| (m, rest)))?;
        let base = match (self, mount) {
            (LaterSteps::Host { temp }, CONTAINER_HOME) => format!("{temp}/_github_home"),
            (LaterSteps::Host { temp }, _) => temp.clone(),
            (LaterSteps::JobContainer, CONTAINER_HOME) => CONTAINER_HOME.to_string(),
            (LaterSteps::JobContainer, _) => JOB_CONTAINER_TEMP.to_string(),
        };
        let rest = rest.to_str()?;
        Some(if rest.is_empty() {
            base
        } else {
            format!("{base}/{rest}")
        })
    }
}

fn refuse(input: &str, problem: String, hint: String) -> Error {
    Error::Inputs(InputErrors::one(input, problem, hint))
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
        let c = Runner::from_env(&env(&[("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")]));
        assert!(c.env_keys.is_none() && c.env_key_id.is_none());
        let c = Runner::from_env(&env(&[
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
    fn a_container_action_is_recognised_by_its_translated_temp_dir() {
        let host = env(&[("RUNNER_TEMP", "/home/runner/work/_temp")]);
        let inside = env(&[("RUNNER_TEMP", "/github/runner_temp")]);
        let temp = "/home/runner/work/_temp";
        // (environment, --runner-temp, --job-container, placement)
        let cases = [
            (&host, Some(temp), Some(""), Placement::Host),
            (&env(&[]), None, None, Placement::Host),
            (
                &inside,
                Some(temp),
                Some(""),
                Placement::Container {
                    later: Some(LaterSteps::Host { temp: temp.into() }),
                },
            ),
            (
                &inside,
                Some("/home/runner/work/_temp/"),
                None,
                Placement::Container {
                    later: Some(LaterSteps::Host { temp: temp.into() }),
                },
            ),
            (
                &inside,
                Some(temp),
                Some("4f9c2d"),
                Placement::Container {
                    later: Some(LaterSteps::JobContainer),
                },
            ),
            // Started without action.yml's arguments, or with nonsense in them.
            (&inside, None, None, Placement::Container { later: None }),
            (
                &inside,
                Some(""),
                Some(""),
                Placement::Container { later: None },
            ),
            (
                &inside,
                Some("relative"),
                None,
                Placement::Container { later: None },
            ),
            (
                &inside,
                Some("/github/runner_temp"),
                None,
                Placement::Container { later: None },
            ),
        ];
        for (e, temp, job, want) in cases {
            assert_eq!(Placement::detect(e, temp, job), want, "{temp:?} {job:?}");
        }
    }

    #[test]
    fn later_steps_see_the_containers_files_under_their_own_names() {
        let host = LaterSteps::Host {
            temp: "/home/runner/work/_temp".into(),
        };
        let job = LaterSteps::JobContainer;
        for (later, path, want) in [
            (
                &host,
                "/github/home/.aws/credentials",
                Some("/home/runner/work/_temp/_github_home/.aws/credentials"),
            ),
            (
                &host,
                "/github/home",
                Some("/home/runner/work/_temp/_github_home"),
            ),
            (
                &host,
                "/github/runner_temp/aws/config",
                Some("/home/runner/work/_temp/aws/config"),
            ),
            (&host, "/github/workspace/creds", None),
            (&host, "/github/homework/creds", None),
            (&host, "/root/.aws/credentials", None),
            (
                &job,
                "/github/home/.aws/config",
                Some("/github/home/.aws/config"),
            ),
            (&job, "/github/runner_temp/c", Some("/__w/_temp/c")),
            (&job, "/tmp/c", None),
        ] {
            assert_eq!(
                later.path_of(std::path::Path::new(path)).as_deref(),
                want,
                "{later:?} {path}"
            );
        }
    }

    #[test]
    fn profiles_go_where_later_steps_find_them_or_are_refused() {
        let host_later = Placement::Container {
            later: Some(LaterSteps::Host { temp: "/t".into() }),
        };
        let job_later = Placement::Container {
            later: Some(LaterSteps::JobContainer),
        };
        let unknown = Placement::Container { later: None };
        let home = ("HOME", "/github/home");
        // (placement, environment, written to, exported, or the refusal's words)
        type Want<'a> = Result<(&'a str, &'a str, &'a [(&'a str, &'a str)]), &'a str>;
        type Case<'a> = (&'a Placement, Vec<(&'a str, &'a str)>, Want<'a>);
        let cases: Vec<Case<'_>> = vec![
            (
                &Placement::Host,
                vec![("HOME", "/home/me")],
                Ok(("/home/me/.aws/credentials", "/home/me/.aws/config", &[])),
            ),
            (
                &host_later,
                vec![home],
                Ok((
                    "/github/home/.aws/credentials",
                    "/github/home/.aws/config",
                    &[
                        (
                            "AWS_SHARED_CREDENTIALS_FILE",
                            "/t/_github_home/.aws/credentials",
                        ),
                        ("AWS_CONFIG_FILE", "/t/_github_home/.aws/config"),
                    ],
                )),
            ),
            (
                &job_later,
                vec![home],
                Ok((
                    "/github/home/.aws/credentials",
                    "/github/home/.aws/config",
                    &[
                        (
                            "AWS_SHARED_CREDENTIALS_FILE",
                            "/github/home/.aws/credentials",
                        ),
                        ("AWS_CONFIG_FILE", "/github/home/.aws/config"),
                    ],
                )),
            ),
            // The job's own file, on a mount: later steps have their own value already.
            (
                &host_later,
                vec![
                    home,
                    ("AWS_SHARED_CREDENTIALS_FILE", "/github/workspace/creds"),
                ],
                Ok((
                    "/github/workspace/creds",
                    "/github/home/.aws/config",
                    &[("AWS_CONFIG_FILE", "/t/_github_home/.aws/config")],
                )),
            ),
            (
                &unknown,
                vec![
                    home,
                    ("AWS_SHARED_CREDENTIALS_FILE", "/github/runner_temp/c"),
                    ("AWS_CONFIG_FILE", "/github/runner_temp/f"),
                ],
                Ok(("/github/runner_temp/c", "/github/runner_temp/f", &[])),
            ),
            (
                &host_later,
                vec![home, ("AWS_CONFIG_FILE", "/home/runner/.aws/config")],
                Err(
                    "AWS_CONFIG_FILE is `/home/runner/.aws/config`, which the runner does not mount",
                ),
            ),
            (
                &unknown,
                vec![home],
                Err("without the action's `runs.args`"),
            ),
            (
                &host_later,
                vec![("HOME", "/root")],
                Err("cannot tell where later steps will look for `/root/.aws/credentials`"),
            ),
        ];
        for (placement, pairs, want) in cases {
            let got = placement.profile_files(&env(&pairs), "aws-profile");
            match (got, want) {
                (Ok(files), Ok((credentials, config, exports))) => {
                    assert_eq!(files.credentials, PathBuf::from(credentials), "{pairs:?}");
                    assert_eq!(files.config, PathBuf::from(config), "{pairs:?}");
                    let got: Vec<(&str, &str)> = files
                        .exports
                        .iter()
                        .map(|(n, v)| (*n, v.as_str()))
                        .collect();
                    assert_eq!(got, exports, "{pairs:?}");
                }
                (Err(e), Err(words)) => {
                    assert_eq!(e.exit_code(), crate::error::EXIT_CONFIG);
                    let text = format!("{e} {}", e.hints().join(" "));
                    assert!(text.contains(words), "{text}");
                    assert!(text.contains("aws-profile"), "{text}");
                }
                (got, want) => panic!("{pairs:?}: {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn session_names_come_from_the_run() {
        let e = env(&[
            ("GITHUB_RUN_ID", "9876543210"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_REPOSITORY", "octo-org/octo-repo"),
        ]);
        let c = Runner::from_env(&e);
        assert_eq!(
            c.session_name(&config(&e)),
            "gha-9876543210-2-octo-org.octo-repo"
        );
        let named = env(&[("INPUT_ROLE-SESSION-NAME", "mine")]);
        assert_eq!(
            Runner::from_env(&named).session_name(&config(&named)),
            "mine"
        );
    }
}
