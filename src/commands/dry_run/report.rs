//! What a dry run says about its setting before the decision: the role and region it decides
//! for (and whether they are stand-ins), where the policy comes from, and every input it was
//! given but does not use, with the reason. Pure: builds text, no I/O.

use crate::config::{Config, DEFAULT_POLICY_PATH, DRY_RUN_REGION, DRY_RUN_ROLE, PolicySource};
use crate::env;
use crate::inputs::{DryRun, INPUTS, Input, Inputs, Unused};

/// Why a dry run does not use `input`, or `None` when it takes part in the decision (or in the
/// request sent with `--sts-endpoint`, when `sending`). The input table says which; every
/// reason is worded here, with no fallback arm.
pub fn unused_reason(input: Input, sending: bool) -> Option<&'static str> {
    Some(match input.spec().dry_run {
        DryRun::Used => return None,
        DryRun::WhenSending if sending => return None,
        DryRun::WhenSending => {
            "a dry run sends no request (pass --sts-endpoint URL to send one to a test endpoint)"
        }
        DryRun::Unused(Unused::Exports) => {
            "checked, but a dry run exports nothing (no GITHUB_ENV, GITHUB_OUTPUT or profile is written)"
        }
        DryRun::Unused(Unused::OtherCredentials) => {
            "a dry run shows the OIDC token path only; with this input the real run signs AssumeRole with AWS credentials instead, and checks no claim policy"
        }
        DryRun::Unused(Unused::CredentialsInEnvironment) => {
            "a dry run does not look at the credentials already in the environment"
        }
        DryRun::Unused(Unused::SessionTags) => {
            "checked; session tags go on AssumeRole calls (chain-roles, role-chaining), which a dry run does not make"
        }
        DryRun::Unused(Unused::ChainedCalls) => {
            "checked, and allowed-account-ids is applied to the last role; a dry run shows the first request only (the chained AssumeRole calls need the first session's credentials)"
        }
        DryRun::Unused(Unused::Ignored) => "accepted and ignored, as in the real run",
    })
}

/// The inputs given (flags or `INPUT_*`) that a dry run does not use, one line each.
pub fn unused_inputs(inputs: &Inputs<'_>, sending: bool) -> String {
    let mut text = String::new();
    for spec in INPUTS {
        if let (true, Some(reason)) = (
            inputs.is_given(spec.input),
            unused_reason(spec.input, sending),
        ) {
            text.push_str(&format!("  {:<28} {reason}\n", spec.name));
        }
    }
    if text.is_empty() {
        text
    } else {
        format!("inputs a dry run does not use:\n{text}\n")
    }
}

/// The role, region and policy lines: what the decision is about, and which parts are the dry
/// run's stand-ins for inputs that were not given.
pub fn setting(config: &Config, inputs: &Inputs<'_>, roles: &[String]) -> String {
    let mut text = String::new();
    for role in roles {
        if role == DRY_RUN_ROLE && !inputs.is_given(Input::RoleToAssume) {
            text.push_str(&format!(
                "role:   {role} (an example: no role-to-assume was given; pass --role-to-assume ARN to decide for yours)\n"
            ));
        } else {
            text.push_str(&format!("role:   {role}\n"));
        }
    }
    let env = inputs.env();
    let region_given = inputs.is_given(Input::AwsRegion)
        || env.get(env::AWS_REGION).is_some()
        || env.get(env::AWS_DEFAULT_REGION).is_some();
    if region_given || config.region != DRY_RUN_REGION {
        text.push_str(&format!("region: {}\n", config.region));
    } else {
        text.push_str(&format!(
            "region: {} (no aws-region, AWS_REGION or AWS_DEFAULT_REGION; pass --aws-region REGION)\n",
            config.region
        ));
    }
    text
}

/// The policy line: which policy decides.
pub fn policy_line(config: &Config, loaded: bool) -> String {
    match (&config.policy, loaded) {
        (PolicySource::Simple(_), _) => "policy: the allowed-* inputs\n".into(),
        (PolicySource::File { path, .. }, true) => format!("policy: {}\n", path.display()),
        (PolicySource::File { .. }, false) => format!(
            "policy: none ({DEFAULT_POLICY_PATH} does not exist): every token the role's trust policy accepts would get credentials; pass --policy FILE to decide with one (examples/oidc-assume.toml is a start)\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::env::Env;
    use crate::inputs::Flags;

    /// Issue #14: every input either takes part in a dry run or has a reason not to. The
    /// table's required `dry_run` column makes a new input decide; this pins the decisions of
    /// the inputs there were when it became a column, so none changes by accident.
    #[test]
    fn every_input_takes_part_or_says_why_not() {
        let used = [
            Input::RoleToAssume,
            // Since #20: evaluated against the minted token, as STS would.
            Input::TrustPolicyFile,
            Input::AwsRegion,
            Input::Audience,
            Input::RoleSessionName,
            Input::RoleDurationSeconds,
            Input::InlineSessionPolicy,
            Input::ManagedSessionPolicies,
            Input::Policy,
            Input::AllowedRepositories,
            Input::AllowedRefs,
            Input::AllowedEnvironments,
            Input::AllowedEvents,
            Input::WebIdentityTokenFile,
            Input::Issuer,
            Input::StsEndpoint,
            Input::Roles,
            Input::AllowedAccountIds,
            Input::CaBundle,
            Input::InsecureSkipSignatureVerification,
        ];
        let unused = [
            Input::MaskAwsAccountId,
            Input::OutputCredentials,
            Input::OutputEnvCredentials,
            Input::ActionTimeoutS,
            Input::RetryMaxAttempts,
            Input::DisableRetry,
            Input::RoleChaining,
            Input::ChainRoles,
            Input::RoleExternalId,
            Input::RoleSkipSessionTagging,
            Input::TransitiveTagKeys,
            Input::CustomTags,
            Input::AwsAccessKeyId,
            Input::AwsSecretAccessKey,
            Input::AwsSessionToken,
            Input::AwsProfile,
            Input::OverwriteAwsProfile,
            Input::UnsetCurrentCredentials,
            Input::UseExistingCredentials,
            Input::ForceSkipOidc,
            Input::HttpProxy,
            Input::NoProxy,
            Input::Cleanup,
            Input::SpecialCharactersWorkaround,
            Input::RefreshCredentials,
        ];
        for input in used {
            assert_eq!(unused_reason(input, false), None, "{}", input.name());
        }
        for input in unused {
            let reason = unused_reason(input, false).unwrap_or_default();
            assert!(!reason.is_empty(), "{}", input.name());
        }
        assert_eq!(used.len() + unused.len(), 45, "a list names an input twice");
        // Network inputs take part once a request is sent.
        assert_eq!(unused_reason(Input::HttpProxy, true), None);
        assert!(unused_reason(Input::HttpProxy, false).is_some());
    }

    #[test]
    fn given_inputs_are_listed_with_the_reason() {
        let env = Env::from_pairs([
            ("INPUT_OUTPUT-CREDENTIALS", "true"),
            ("INPUT_AUDIENCE", "sts.amazonaws.com"),
        ]);
        let flags = Flags::new();
        let text = unused_inputs(&Inputs::new(&flags, &env), false);
        assert_eq!(
            text,
            "inputs a dry run does not use:\n  output-credentials           checked, but a dry run exports nothing (no GITHUB_ENV, GITHUB_OUTPUT or profile is written)\n\n"
        );
        assert_eq!(
            unused_inputs(&Inputs::new(&flags, &Env::default()), false),
            ""
        );
    }

    #[test]
    fn stand_ins_are_named_with_how_to_replace_them() {
        let flags = Flags::new();
        let bare = Env::default();
        let inputs = Inputs::new(&flags, &bare);
        let config = Config::from_inputs(inputs, Mode::DryRun).unwrap();
        let text = setting(&config, &inputs, &[DRY_RUN_ROLE.to_string()]);
        assert!(
            text.contains("(an example: no role-to-assume was given; pass --role-to-assume ARN"),
            "{text}"
        );
        assert!(text.contains("pass --aws-region REGION"), "{text}");
        let env = Env::from_pairs([
            ("INPUT_ROLE-TO-ASSUME", "arn:aws:iam::111111111111:role/x"),
            ("AWS_REGION", "us-east-1"),
        ]);
        let inputs = Inputs::new(&flags, &env);
        let config = Config::from_inputs(inputs, Mode::DryRun).unwrap();
        assert_eq!(
            setting(
                &config,
                &inputs,
                &["arn:aws:iam::111111111111:role/x".into()]
            ),
            "role:   arn:aws:iam::111111111111:role/x\nregion: us-east-1\n"
        );
    }
}
