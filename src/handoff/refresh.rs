//! `refresh-credentials`: instead of static keys, later steps get a profile whose
//! `credential_process` runs this binary's `credential-process` with this step's inputs, so the
//! AWS SDKs and CLI fetch a fresh session by themselves whenever the one they hold nears its
//! end, for as long as the job can request tokens. The command line is built here (pure); the
//! profile is written to a file of its own under the runner's temp directory, which the runner
//! empties when the job ends. I/O: [`RefreshProfile::write`] only.

use std::path::{Path, PathBuf};

use crate::aws::RoleRef;
use crate::config::{Config, PolicySource};
use crate::error::Error;
use crate::files;
use crate::inputs::Input;
use crate::policy::SimpleInputs;

/// The profile name when `aws-profile` names none.
pub const DEFAULT_PROFILE: &str = "oidc-assume";

/// The refreshing profile a step leaves for later steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshProfile {
    /// The profile's name (`AWS_PROFILE`).
    pub profile: String,
    /// The config file that holds it (`AWS_CONFIG_FILE`).
    pub config_file: PathBuf,
    /// The `credential_process` command line.
    pub command: String,
    /// The profile's region.
    pub region: String,
}

impl RefreshProfile {
    /// The profile for `config`, run by `exe` (this binary, on the runner's host), in a file of
    /// its own under `runner_temp`; relative paths among the inputs are made absolute against
    /// `cwd`, as the SDK of a later step may run from elsewhere.
    pub fn plan(
        config: &Config,
        exe: &Path,
        runner_temp: &Path,
        cwd: &Path,
        unique: &str,
    ) -> Result<RefreshProfile, Error> {
        let mut words = vec![quote(
            Input::RefreshCredentials,
            &exe.display().to_string(),
        )?];
        words.push("credential-process".into());
        words.push("--no-input-variables".into());
        for (input, value) in arguments(config, cwd)? {
            words.push(format!("--{}={}", input.name(), quote(input, &value)?));
        }
        Ok(RefreshProfile {
            profile: config
                .exports
                .profile
                .clone()
                .unwrap_or_else(|| DEFAULT_PROFILE.into()),
            config_file: runner_temp
                .join("oidc-assume")
                .join(format!("refresh-{unique}.config")),
            command: words.join(" "),
            region: config.region.clone(),
        })
    }

    /// The config file's text: one profile, marked as ours.
    pub fn text(&self) -> String {
        let header = if self.profile == "default" {
            "[default]".to_string()
        } else {
            format!("[profile {}]", self.profile)
        };
        format!(
            "# written by oidc-assume (refresh-credentials): the SDKs run credential_process for fresh credentials\n{header}\ncredential_process = {}\nregion = {}\n",
            self.command, self.region
        )
    }

    /// Writes the file (owner-only, never through a link, all or nothing).
    pub fn write(&self) -> Result<(), Error> {
        let io = |e: std::io::Error| {
            Error::Export(crate::export::ExportError::Io {
                path: self.config_file.clone(),
                source: e,
            })
        };
        files::create_parent_dir(&self.config_file).map_err(crate::export::ExportError::from)?;
        files::replace_file(&self.config_file, self.text().as_bytes()).map_err(io)
    }
}

/// The order of the flags on the command line: every input that [`carry`] does not drop, in
/// the order they have always been written (a test holds this list to [`carry`]).
const ORDER: &[Input] = &[
    Input::RoleToAssume,
    Input::AwsRegion,
    Input::Issuer,
    Input::Audience,
    Input::RoleDurationSeconds,
    Input::RoleSessionName,
    Input::InlineSessionPolicy,
    Input::ManagedSessionPolicies,
    Input::ChainRoles,
    Input::RoleExternalId,
    Input::RoleSkipSessionTagging,
    Input::TransitiveTagKeys,
    Input::CustomTags,
    Input::Policy,
    Input::AllowedRepositories,
    Input::AllowedRefs,
    Input::AllowedEnvironments,
    Input::AllowedEvents,
    Input::AllowedAccountIds,
    Input::TrustPolicyFile,
    Input::WebIdentityTokenFile,
    Input::InsecureSkipSignatureVerification,
    Input::StsEndpoint,
    Input::RetryMaxAttempts,
    Input::ActionTimeoutS,
    Input::HttpProxy,
    Input::NoProxy,
    Input::CaBundle,
];

/// Whether an input reaches the refreshed session's command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carry {
    /// As `--NAME=VALUE` when there is a value: the one this step resolved (a fallback or a
    /// default pinned, a path made absolute), so the later exchange repeats this one.
    Flag(Option<String>),
    /// Never, for the reason given: what the input does is this step's alone, or it reaches
    /// the refreshed session some other way.
    Dropped(&'static str),
}

/// How `input` reaches a refreshed session. Every input is decided here, with no fallback arm:
/// a new input does not compile until it says whether a refreshed session repeats it (and, if
/// it does, the order test asks where its flag goes in `ORDER`).
pub fn carry(input: Input, config: &Config, cwd: &Path) -> Result<Carry, Error> {
    use Carry::{Dropped, Flag};
    use Input::*;
    let absolute = |path: &Path| cwd.join(path).display().to_string();
    let list = |items: &[String]| Some(items.join(","));
    let session = &config.session;
    let net = &config.network.net;
    let simple = |pick: fn(&SimpleInputs) -> &[String]| match &config.policy {
        PolicySource::Simple(simple) => list(pick(simple)),
        PolicySource::File { .. } => None,
    };
    Ok(match input {
        RoleToAssume => {
            let Some(RoleRef::Arn(role)) = &config.roles.role else {
                return Err(Error::Internal(
                    "refresh-credentials without a role ARN passed the input checks".into(),
                ));
            };
            Flag(Some(role.arn.clone()))
        }
        AwsRegion => Flag(Some(config.region.clone())),
        Issuer => Flag(Some(config.issuer.clone())),
        Audience => Flag(Some(config.oidc.audience.clone())),
        RoleDurationSeconds => Flag(Some(session.duration.to_string())),
        RoleSessionName => Flag(session.session_name.clone()),
        InlineSessionPolicy => Flag(session.inline_policy.clone()),
        ManagedSessionPolicies => Flag(list(&session.managed_policies)),
        ChainRoles => {
            let chain: Vec<String> = config.roles.chain.iter().map(|r| r.arn.clone()).collect();
            Flag(list(&chain))
        }
        RoleExternalId => Flag(config.roles.external_id.clone()),
        RoleSkipSessionTagging => Flag(session.tagging.skip_context.then(|| "true".into())),
        TransitiveTagKeys => Flag(list(&session.tagging.transitive)),
        CustomTags => Flag((!session.tagging.custom.is_empty()).then(|| {
            let tags: serde_json::Map<String, serde_json::Value> = session
                .tagging
                .custom
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            serde_json::Value::Object(tags).to_string()
        })),
        // The default policy path only when the file is there: a later step must not fail on
        // a file this step did without.
        Policy => Flag(match &config.policy {
            PolicySource::File { path, explicit } if *explicit || cwd.join(path).is_file() => {
                Some(absolute(path))
            }
            PolicySource::File { .. } | PolicySource::Simple(_) => None,
        }),
        AllowedRepositories => Flag(simple(|s| &s.repositories)),
        AllowedRefs => Flag(simple(|s| &s.refs)),
        AllowedEnvironments => Flag(simple(|s| &s.environments)),
        AllowedEvents => Flag(simple(|s| &s.events)),
        AllowedAccountIds => Flag(list(&config.credentials.allowed_accounts)),
        TrustPolicyFile => Flag(config.trust_policy_file.as_deref().map(absolute)),
        WebIdentityTokenFile => Flag(config.oidc.token_file.as_deref().map(absolute)),
        InsecureSkipSignatureVerification => {
            Flag(config.oidc.skip_signature.then(|| "true".into()))
        }
        StsEndpoint => Flag(config.network.sts_endpoint.clone()),
        RetryMaxAttempts => Flag(Some(config.network.retry.max_attempts.to_string())),
        ActionTimeoutS => Flag(
            config
                .network
                .action_timeout
                .map(|t| t.as_secs().to_string()),
        ),
        // One proxy for both schemes is what `http-proxy` (or one variable) said; a later step
        // inherits the proxy variables anyway.
        HttpProxy => Flag(
            net.https_proxy
                .clone()
                .filter(|_| net.https_proxy == net.http_proxy),
        ),
        NoProxy => Flag(net.no_proxy.clone()),
        CaBundle => Flag(net.ca_bundle.as_deref().map(absolute)),
        DisableRetry => Dropped("carried as `--retry-max-attempts=1`"),
        MaskAwsAccountId | OutputCredentials | OutputEnvCredentials | AwsProfile
        | OverwriteAwsProfile | Cleanup => Dropped(
            "exports are this step's: credential-process hands the session to the SDK that asked, in the profile this step wrote",
        ),
        AwsAccessKeyId
        | AwsSecretAccessKey
        | AwsSessionToken
        | RoleChaining
        | ForceSkipOidc
        | UseExistingCredentials
        | UnsetCurrentCredentials => Dropped(
            "refresh-credentials needs the OIDC token path (the input checks refuse the others), and a refreshed session always takes it",
        ),
        Roles => Dropped("refused with refresh-credentials by the input checks"),
        SpecialCharactersWorkaround => Dropped("does nothing"),
        RefreshCredentials => Dropped("credential-process is the refresh"),
    })
}

/// The flags `credential-process` needs to repeat this step's exchange, in [`ORDER`].
fn arguments(config: &Config, cwd: &Path) -> Result<Vec<(Input, String)>, Error> {
    let mut args = Vec::new();
    for &input in ORDER {
        if let Carry::Flag(Some(value)) = carry(input, config, cwd)?
            && !value.is_empty()
        {
            args.push((input, value));
        }
    }
    Ok(args)
}

/// One word of the command line, for the shells the SDKs hand it to (`sh -c`, Python's
/// `shlex`, `cmd /C`): bare when it is plain, else in single quotes. A value holding a single
/// quote cannot be quoted that way for every one of them, so it is refused.
fn quote(input: Input, value: &str) -> Result<String, Error> {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b));
    if plain {
        Ok(value.to_string())
    } else if value.contains('\'') {
        Err(Error::RefreshArgument {
            input: input.name(),
        })
    } else {
        Ok(format!("'{value}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::env::Env;
    use crate::inputs::{Flags, Inputs};

    fn config(extra: &[(&str, &str)]) -> Config {
        let mut pairs = vec![
            (
                "INPUT_ROLE-TO-ASSUME",
                "arn:aws:iam::123456789012:role/deploy",
            ),
            ("INPUT_AWS-REGION", "eu-west-1"),
            ("INPUT_REFRESH-CREDENTIALS", "true"),
        ];
        pairs.extend_from_slice(extra);
        let env = Env::from_pairs(pairs);
        Config::from_inputs(Inputs::new(&Flags::new(), &env), Mode::Action).unwrap()
    }

    fn plan(extra: &[(&str, &str)]) -> RefreshProfile {
        RefreshProfile::plan(
            &config(extra),
            Path::new("/opt/hostedtoolcache/oidc-assume/1.0.0/x64/oidc-assume"),
            Path::new("/home/runner/work/_temp"),
            Path::new("/home/runner/work/repo/repo"),
            "ab12",
        )
        .unwrap()
    }

    #[test]
    fn the_command_repeats_this_steps_exchange() {
        let p = plan(&[]);
        assert_eq!(p.profile, "oidc-assume");
        assert_eq!(
            p.config_file,
            Path::new("/home/runner/work/_temp/oidc-assume/refresh-ab12.config")
        );
        assert_eq!(
            p.command,
            "/opt/hostedtoolcache/oidc-assume/1.0.0/x64/oidc-assume credential-process --no-input-variables --role-to-assume=arn:aws:iam::123456789012:role/deploy --aws-region=eu-west-1 --issuer=https://token.actions.githubusercontent.com --audience=sts.amazonaws.com --role-duration-seconds=3600 --retry-max-attempts=5"
        );
        assert_eq!(
            p.text(),
            format!(
                "# written by oidc-assume (refresh-credentials): the SDKs run credential_process for fresh credentials\n[profile oidc-assume]\ncredential_process = {}\nregion = eu-west-1\n",
                p.command
            )
        );
    }

    #[test]
    fn paths_are_absolute_and_values_quoted() {
        let p = plan(&[
            ("INPUT_AWS-PROFILE", "deploy"),
            ("INPUT_POLICY", ".github/policy.toml"),
            ("INPUT_CHAIN-ROLES", "arn:aws:iam::210987654321:role/next"),
            ("INPUT_CUSTOM-TAGS", r#"{"Team":"platform ops"}"#),
            ("INPUT_ALLOWED-ACCOUNT-IDS", "123456789012"),
        ]);
        assert_eq!(p.profile, "deploy");
        for word in [
            "--policy=/home/runner/work/repo/repo/.github/policy.toml",
            "--chain-roles=arn:aws:iam::210987654321:role/next",
            r#"--custom-tags='{"Team":"platform ops"}'"#,
            "--allowed-account-ids=123456789012",
        ] {
            assert!(p.command.contains(word), "{word} in {}", p.command);
        }
    }

    /// Every input is carried or dropped by [`carry`]; the carried ones, and only they, have a
    /// place on the command line.
    #[test]
    fn the_order_lists_exactly_the_carried_inputs() {
        let config = config(&[]);
        for spec in crate::inputs::INPUTS {
            let carried = match carry(spec.input, &config, Path::new("/")).unwrap() {
                Carry::Flag(_) => true,
                Carry::Dropped(why) => {
                    assert!(!why.is_empty(), "{}: say why it is dropped", spec.name);
                    false
                }
            };
            let placed = ORDER.iter().filter(|&&i| i == spec.input).count();
            assert!(
                placed == usize::from(carried),
                "`{}` is {}: {} `Input::{:?}` in ORDER (src/handoff/refresh.rs){}",
                spec.name,
                if carried { "carried" } else { "dropped" },
                if carried { "list" } else { "remove" },
                spec.input,
                if carried {
                    " once, where its flag goes"
                } else {
                    ""
                },
            );
        }
    }

    #[test]
    fn a_value_that_cannot_be_quoted_is_refused() {
        let config = config(&[("INPUT_ROLE-SESSION-NAME", "ok")]);
        assert!(matches!(
            quote(Input::InlineSessionPolicy, "{\"a\":\"it's\"}"),
            Err(Error::RefreshArgument {
                input: "inline-session-policy"
            })
        ));
        assert_eq!(
            quote(Input::Policy, "/a b/p.toml").unwrap(),
            "'/a b/p.toml'"
        );
        assert!(arguments(&config, Path::new("/")).is_ok());
    }
}
