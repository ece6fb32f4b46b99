//! The records the step writes for the runner: `GITHUB_ENV` variables and `GITHUB_OUTPUT`
//! outputs of the step's own credentials. Pure: no I/O.

use crate::config::Config;
use crate::plan::Produced;

use super::refresh::RefreshProfile;

/// Name/value records for one of the runner's files.
pub type Records<'a> = Vec<(&'static str, &'a str)>;

/// The credential variables later steps read.
pub const CREDENTIAL_VARS: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// The variable that names the profile later steps use.
pub const AWS_PROFILE: &str = "AWS_PROFILE";

/// The variable that names the config file the AWS CLI and SDKs read.
pub const AWS_CONFIG_FILE: &str = "AWS_CONFIG_FILE";

/// The records for `GITHUB_ENV` and `GITHUB_OUTPUT` of the step's own credentials.
/// With `refresh`, later steps get the refreshing profile and no static keys: the SDKs prefer
/// keys in the environment and would never refresh.
pub fn records<'a>(
    config: &'a Config,
    main: Option<&'a Produced>,
    refresh: Option<&'a RefreshProfile>,
) -> (Records<'a>, Records<'a>) {
    let mut env = Vec::new();
    let mut outputs = Vec::new();
    let Some(main) = main else {
        return (env, outputs);
    };
    let creds = &main.creds;
    let profile = refresh
        .map(|r| r.profile.as_str())
        .or(main.plan.profile.as_deref());
    let exported = config.exports.env_credentials && profile.is_none();
    if exported {
        env.push((CREDENTIAL_VARS[0], creds.access_key_id.expose()));
        env.push((CREDENTIAL_VARS[1], creds.secret_access_key.expose()));
        // Static IAM-user keys have no session token; an empty value hides a stale one.
        env.push((CREDENTIAL_VARS[2], creds.session_token.expose()));
    } else if config.credentials.unset_current || profile.is_some() {
        // Old keys in the environment would win over the profile in every SDK.
        for name in CREDENTIAL_VARS {
            env.push((name, ""));
        }
    }
    if let Some(profile) = profile {
        env.push((AWS_PROFILE, profile));
    }
    if let Some(refresh) = refresh {
        env.push((
            AWS_CONFIG_FILE,
            refresh.config_file.to_str().unwrap_or_default(),
        ));
    }
    env.push(("AWS_REGION", config.region.as_str()));
    env.push(("AWS_DEFAULT_REGION", config.region.as_str()));
    if let Some(account) = creds.account_id() {
        outputs.push(("aws-account-id", account));
    }
    outputs.push(("authenticated-arn", creds.assumed_role_arn.as_str()));
    if !creds.expiration.is_empty() {
        outputs.push(("aws-expiration", creds.expiration.as_str()));
    }
    if config.exports.output_credentials {
        outputs.push(("aws-access-key-id", creds.access_key_id.expose()));
        outputs.push(("aws-secret-access-key", creds.secret_access_key.expose()));
        outputs.push(("aws-session-token", creds.session_token.expose()));
    }
    (env, outputs)
}

/// The variables the post step blanks: the credential variables and `AWS_PROFILE` (which would
/// name a profile the cleanup removes) that this step set to a value.
pub fn to_blank(env: &Records<'_>) -> Vec<String> {
    env.iter()
        .filter(|(name, value)| {
            (CREDENTIAL_VARS.contains(name) || *name == AWS_PROFILE) && !value.is_empty()
        })
        .map(|(name, _)| name.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::env::Env;
    use crate::inputs::{Flags, Inputs};
    use crate::plan::Plan;
    use crate::secret::Secret;
    use crate::sts::Credentials;

    fn produced(config: &Config) -> Produced {
        Produced {
            plan: Plan::all(config).remove(0),
            creds: Credentials {
                access_key_id: Secret::new("ASIAEXAMPLE"),
                secret_access_key: Secret::new("secret"),
                session_token: Secret::new("token"),
                expiration: "2026-11-24T13:00:00Z".into(),
                assumed_role_arn: "arn:aws:sts::123456789012:assumed-role/deploy/s".into(),
            },
        }
    }

    fn config(extra: &[(&str, &str)]) -> Config {
        let mut pairs = vec![
            (
                "INPUT_ROLE-TO-ASSUME",
                "arn:aws:iam::123456789012:role/deploy",
            ),
            ("INPUT_AWS-REGION", "eu-west-1"),
        ];
        pairs.extend_from_slice(extra);
        let env = Env::from_pairs(pairs);
        Config::from_inputs(Inputs::new(&Flags::new(), &env), Mode::Action).unwrap()
    }

    fn names(records: &Records<'_>) -> Vec<String> {
        records
            .iter()
            .map(|(n, v)| format!("{n}={}", if v.is_empty() { "" } else { "…" }))
            .collect()
    }

    #[test]
    fn records_follow_the_export_inputs() {
        // (extra inputs, GITHUB_ENV records, GITHUB_OUTPUT records)
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            (
                &[],
                &[
                    "AWS_ACCESS_KEY_ID=…",
                    "AWS_SECRET_ACCESS_KEY=…",
                    "AWS_SESSION_TOKEN=…",
                    "AWS_REGION=…",
                    "AWS_DEFAULT_REGION=…",
                ],
                &[
                    "aws-account-id=…",
                    "authenticated-arn=…",
                    "aws-expiration=…",
                ],
            ),
            (
                &[("INPUT_AWS-PROFILE", "deploy")],
                &[
                    "AWS_ACCESS_KEY_ID=",
                    "AWS_SECRET_ACCESS_KEY=",
                    "AWS_SESSION_TOKEN=",
                    "AWS_PROFILE=…",
                    "AWS_REGION=…",
                    "AWS_DEFAULT_REGION=…",
                ],
                &[
                    "aws-account-id=…",
                    "authenticated-arn=…",
                    "aws-expiration=…",
                ],
            ),
            (
                &[
                    ("INPUT_OUTPUT-ENV-CREDENTIALS", "false"),
                    ("INPUT_OUTPUT-CREDENTIALS", "true"),
                ],
                &["AWS_REGION=…", "AWS_DEFAULT_REGION=…"],
                &[
                    "aws-account-id=…",
                    "authenticated-arn=…",
                    "aws-expiration=…",
                    "aws-access-key-id=…",
                    "aws-secret-access-key=…",
                    "aws-session-token=…",
                ],
            ),
            (
                &[
                    ("INPUT_OUTPUT-ENV-CREDENTIALS", "false"),
                    ("INPUT_UNSET-CURRENT-CREDENTIALS", "true"),
                ],
                &[
                    "AWS_ACCESS_KEY_ID=",
                    "AWS_SECRET_ACCESS_KEY=",
                    "AWS_SESSION_TOKEN=",
                    "AWS_REGION=…",
                    "AWS_DEFAULT_REGION=…",
                ],
                &[
                    "aws-account-id=…",
                    "authenticated-arn=…",
                    "aws-expiration=…",
                ],
            ),
        ];
        for (extra, want_env, want_outputs) in cases {
            let config = config(extra);
            let main = produced(&config);
            let (env, outputs) = records(&config, Some(&main), None);
            assert_eq!(names(&env), *want_env, "{extra:?}");
            assert_eq!(names(&outputs), *want_outputs, "{extra:?}");
        }
        let config = config(&[]);
        assert_eq!(records(&config, None, None), (vec![], vec![]));
    }

    #[test]
    fn only_what_was_set_is_blanked_later() {
        let env: Records<'_> = vec![
            ("AWS_ACCESS_KEY_ID", ""),
            ("AWS_PROFILE", "deploy"),
            ("AWS_SESSION_TOKEN", "t"),
            ("AWS_REGION", "eu-west-1"),
        ];
        assert_eq!(to_blank(&env), ["AWS_PROFILE", "AWS_SESSION_TOKEN"]);
    }
}
